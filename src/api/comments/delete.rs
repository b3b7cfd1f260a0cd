//! `DELETE /api/v1/comments/{id}`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::own_comment;
use crate::api::extract::{Caller, IfMatch, etag};
use crate::error::ApiError;
use crate::service::commenting;
use crate::state::AppState;

/// Removes a comment from the reply being drafted. Submitted revisions keep it.
#[utoipa::path(
    delete,
    operation_id = "comments_delete",
    path = "/api/v1/comments/{id}",
    tag = "comments",
    params(
        ("id" = String, Path, description = "Comment id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the comment"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such comment, or another agency's"),
        (status = 409, description = "The request takes no reply now"),
        (status = 412, description = "Changed since the If-Match revision"),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (before, round, request) = own_comment(conn, &caller, &id)?;
            if_match.check(&etag(before.revision))?;
            Ok(commenting::change(
                conn, &actor, &round, &request, before, None, now,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
