//! HTTP tests through the real application and a real database, on SQLite and PostgreSQL.

// Test support outside `#[test]` functions: a fixture that cannot be built fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

mod agencies;
mod audit;
mod auth;
mod bad_input;
mod browser;
mod calendar;
mod claims;
mod cli;
mod comments;
mod contract;
mod crash;
mod decisions;
mod desk;
mod documents;
mod email;
mod errors;
mod idempotency;
mod layers;
mod ledger;
mod matrix;
mod openapi;
mod outbox;
mod people;
mod receipts;
mod resources;
mod rounds;
mod security;
mod storage;
mod tokens;
mod walkthrough;
