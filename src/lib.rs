//! consult runs the consultation round on a draft policy document.
//!
//! Module map (see docs/ARCHITECTURE.md for how a request flows):
//! - [`routes`]: every URL, in one place.
//! - [`api`]: HTTP handlers (one file per action), extractors, middleware, OpenAPI.
//! - [`desk`]: the drafters' pages in the browser, beside the API over the same services.
//! - [`domain`]: the rules, free of HTTP and storage.
//! - [`db`]: the connection over SQLite or PostgreSQL, migrations, rows and their queries.
//! - [`service`]: the workflow, one module per capability (see its own map).
//! - [`email`]: what the messages say; they are queued in the outbox.
//! - [`seed`]: the demo data in `seeds/`.
//! - [`state`], [`app`], [`config`], [`clock`], [`error`]: what handlers reach, the server,
//!   settings, time, and the one error type.
//! - [`metrics`]: what the service counts about itself, for `/metrics`.
//! - [`limits`]: the rate limits per client address and per token.
//! - [`streaming`]: response bodies written piece by piece on a blocking thread.

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod desk;
pub mod domain;
pub mod email;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod routes;
pub mod seed;
pub mod service;
pub mod state;
pub mod streaming;
