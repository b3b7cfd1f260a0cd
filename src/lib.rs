//! consult runs the consultation round on a draft policy document.
//!
//! Module map (see docs/ARCHITECTURE.md for how a request flows):
//! - [`routes`]: every URL, in one place.
//! - [`api`]: HTTP handlers (one file per action), extractors, middleware, OpenAPI.
//! - [`domain`]: the rules, free of HTTP and storage.
//! - [`db`]: the connection over SQLite or PostgreSQL, migrations, rows and their queries.
//! - [`drafting`]: document and version operations shared by the API and the command line.
//! - [`consulting`]: round and request operations shared by the API and the demo data.
//! - [`deciding`]: triage, groups, decisions and their publication.
//! - [`reporting`]: the adoption table (意见采纳情况表).
//! - [`calendaring`]: the working-day calendar loaded at run time, and deadlines counted again.
//! - [`email`]: what the messages say; they are queued in the outbox.
//! - [`seed`]: the demo data in `seeds/`.
//! - [`app`], [`config`], [`clock`], [`error`]: state, settings, time, and the one error type.

pub mod api;
pub mod app;
pub mod calendaring;
pub mod cli;
pub mod clock;
pub mod commenting;
pub mod config;
pub mod consulting;
pub mod db;
pub mod deciding;
pub mod domain;
pub mod drafting;
pub mod email;
pub mod error;
pub mod reporting;
pub mod routes;
pub mod seed;
