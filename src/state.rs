//! What every handler can reach: leaf data, so that the handlers need nothing from the module
//! that builds the server.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::limits::RateLimits;

/// Largest request body when no configuration is at hand.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub config: Config,
    /// Shared by every worker of the instance.
    pub limits: Arc<RateLimits>,
}

impl AppState {
    /// The state over `db`, with rate limits as `config` sets them.
    pub fn new(db: Db, clock: Clock, config: Config) -> AppState {
        let limits = Arc::new(RateLimits::new(config.rate_limits));
        AppState {
            db,
            clock,
            config,
            limits,
        }
    }
}
