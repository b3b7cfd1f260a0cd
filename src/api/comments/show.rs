//! `GET /api/v1/comments/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::own_comment;
use super::views::CommentView;
use crate::api::extract::{Caller, etag};
use crate::db::comment;
use crate::error::ApiError;
use crate::state::AppState;

/// One comment. An agency reads its own working copy as it stands now (submitted or not); a
/// drafter reads a comment it entered from paper the same way. Staff read an agency's comment
/// as it was last submitted (`revision` is then its content revision), never an unsubmitted
/// working copy.
#[utoipa::path(
    get,
    operation_id = "comments_show",
    path = "/api/v1/comments/{id}",
    tag = "comments",
    params(("id" = String, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The comment", body = CommentView, headers(("ETag" = String))),
        (status = 404, description = "No such comment, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            if caller.role.is_staff() {
                let working = comment::find(conn, &id)?.ok_or(ApiError::NotFound)?;
                if working.entered_by.is_none() {
                    let submitted = comment::latest_copies(conn, std::slice::from_ref(&id))?;
                    return submitted
                        .first()
                        .map(CommentView::submitted)
                        .ok_or(ApiError::NotFound);
                }
            }
            let (row, _, _) = own_comment(conn, &caller, &id)?;
            Ok(CommentView::from(&row))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.revision)))
        .json(view))
}
