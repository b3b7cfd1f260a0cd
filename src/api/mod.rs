//! HTTP: one module per resource with one file per action, the extractors, the middleware, and
//! the OpenAPI document. Handlers parse, authorize, run one transaction, and map rows to views.

pub mod agencies;
pub mod audit;
pub mod calendar;
pub mod comments;
pub mod decisions;
pub mod docs;
pub mod documents;
pub mod extract;
pub mod groups;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod limits;
pub mod metrics;
pub mod outbox;
pub mod pagination;
pub mod request_log;
pub mod requests;
pub mod rounds;
pub mod streaming;
pub mod unit;
