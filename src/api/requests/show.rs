//! `GET /api/v1/requests/{id}`

use actix_web::web::{Data, Json, Path};

use super::visible_request;
use crate::api::extract::Caller;
use crate::api::rounds::views::RequestView;
use crate::error::ApiError;
use crate::service::requests;
use crate::state::AppState;

/// One comment request. The agency's first reading of it marks it viewed.
#[utoipa::path(
    get,
    operation_id = "requests_show",
    path = "/api/v1/requests/{id}",
    tag = "requests",
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let agency_reads = !caller.role.is_staff();
    let (round, mut entry, replies) = state
        .db
        .read(move |conn| visible_request(conn, &caller, &id))
        .await?;
    // Only the first reading writes, so that reads do not queue for SQLite's one writer.
    if agency_reads && entry.request.viewed_at.is_none() {
        let request = entry.request.clone();
        state
            .db
            .write(move |conn| requests::mark_viewed(conn, &request, now))
            .await?;
        entry.request.viewed_at = Some(now.naive_utc());
    }
    Ok(Json(RequestView::new(&round, &entry, &replies, now)))
}
