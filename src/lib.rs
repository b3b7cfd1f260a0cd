//! consult runs the consultation round on a draft policy document.
//!
//! Module map (see docs/ARCHITECTURE.md for how a request flows):
//! - [`routes`]: every URL, in one place.
//! - [`api`]: HTTP handlers (one file per action), extractors, middleware, OpenAPI.
//! - [`domain`]: the rules, free of HTTP and storage.
//! - [`db`]: the connection over SQLite or PostgreSQL, migrations, rows and their queries.
//! - [`service`]: the workflow, one module per capability: [`service::drafting`] (documents and
//!   versions), [`service::consulting`] (rounds, requests, replies), [`service::commenting`]
//!   (comments and their submission), [`service::deciding`] (triage, groups, decisions,
//!   publication), [`service::reporting`] (the adoption table, 意见采纳情况表),
//!   [`service::calendaring`] (the working-day calendar and deadlines counted again).
//! - [`email`]: what the messages say; they are queued in the outbox.
//! - [`seed`]: the demo data in `seeds/`.
//! - [`state`], [`app`], [`config`], [`clock`], [`error`]: what handlers reach, the server,
//!   settings, time, and the one error type.

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod routes;
pub mod seed;
pub mod service;
pub mod state;
