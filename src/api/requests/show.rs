//! `GET /api/v1/requests/{id}`

use actix_web::web::{Data, Json, Path};

use super::views::{Asked, LetterView, scope_of};
use super::visible_request;
use crate::api::extract::Caller;
use crate::api::rounds::views::RequestView;
use crate::error::ApiError;
use crate::service::requests;
use crate::state::AppState;

/// One comment request, with what it asks: the round, the draft and version, the instructions,
/// the clauses open for comment and the deadline in the round's time zone. The agency's first
/// reading of it marks it viewed.
#[utoipa::path(
    get,
    operation_id = "requests_show",
    path = "/api/v1/requests/{id}",
    tag = "requests",
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request and what it asks", body = LetterView),
        (status = 404, description = "No such request, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<LetterView>, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let agency_reads = !caller.role.is_staff();
    let (round, mut entry, replies, asked, scope) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            let asked = Asked::of(conn, &round)?;
            let scope = scope_of(conn, &round)?;
            Ok((round, entry, replies, asked, scope))
        })
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
    Ok(Json(LetterView {
        request: RequestView::new(&round, &entry, &replies, now),
        asked,
        scope,
    }))
}
