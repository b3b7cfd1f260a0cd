//! `GET /metrics`

use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::error::ApiError;
use crate::metrics::{Now, metrics};
use crate::service::error::ServiceError;
use crate::service::outbox;
use crate::state::AppState;

/// The service's metrics in the Prometheus text format: requests and their latency by route
/// and status, database connections in use, idle and waited for, write transactions and their
/// latency, comments per request, the outbox by state, and the process's memory. No token
/// needed, like `/healthz`: the page names routes and counts, never ids or contents; keep it
/// to the scraper's network at the proxy.
#[utoipa::path(
    get,
    operation_id = "metrics",
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String),
        (status = 503, description = "The database does not answer"),
    )
)]
pub async fn page(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let outbox = state
        .db
        .read(|conn| outbox::depth(conn).map_err(ApiError::from))
        .await?;
    let now = Now {
        pools: state.db.pool_states(),
        outbox,
    };
    let page = metrics().render(&now).map_err(ServiceError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(page))
}
