//! HTTP tests through the real application and a real database, on SQLite and PostgreSQL.

mod support;

mod agencies;
mod audit;
mod auth;
mod calendar;
mod cli;
mod comments;
mod decisions;
mod documents;
mod email;
mod errors;
mod idempotency;
mod openapi;
mod outbox;
mod rounds;
mod storage;
mod walkthrough;
