//! `GET /api/v1/requests/{id}/comments`

use actix_web::web::{Data, Json, Path};

use super::visible_request;
use crate::api::comments::views::CommentView;
use crate::api::extract::Caller;
use crate::db::comment;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The comments of the reply being drafted, as they stand now (for a drafter, those it entered
/// for the agency).
#[utoipa::path(
    get,
    operation_id = "requests_comments",
    path = "/api/v1/requests/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The working comments, oldest first", body = Vec<CommentView>),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or another agency's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn comments(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (_, entry, _) = visible_request(conn, &caller, &id)?;
            let mut rows = comment::working(conn, &entry.request.id)?;
            // Drafters see only what they entered for the agency, not the agency's own drafts.
            if caller.role.is_staff() {
                rows.retain(|c| c.entered_by.is_some());
            }
            Ok(rows)
        })
        .await?;
    Ok(Json(rows.iter().map(CommentView::from).collect()))
}
