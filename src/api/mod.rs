//! HTTP: one module per resource with one file per action, the extractors, the middleware, and
//! the OpenAPI document. Handlers parse, authorize, run one transaction, and map rows to views.

pub mod agencies;
pub mod audit;
pub mod calendar;
pub mod claims;
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
pub mod me;
pub mod metrics;
pub mod outbox;
pub mod pagination;
pub mod people;
pub mod receipts;
pub mod request_log;
pub mod requests;
pub mod rounds;
pub mod streaming;
pub mod tokens;
pub mod unit;

/// Hands a request on to the rest of the chain, for a middleware that lets it through.
async fn pass(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    next.call(request)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}
