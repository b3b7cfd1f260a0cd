//! What every handler can reach: leaf data, so that the handlers need nothing from the module
//! that builds the server.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;

/// Largest request body when no configuration is at hand.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub config: Config,
}
