//! `PATCH /api/v1/comments/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::CommentView;
use super::{CommentBody, own_comment};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::app::AppState;
use crate::commenting;
use crate::error::{ApiError, Problem};

/// Replaces a working comment's content (send the whole comment). After a submission the
/// change reaches the drafters only when the reply is submitted again.
#[utoipa::path(
    patch,
    operation_id = "comments_update",
    path = "/api/v1/comments/{id}",
    tag = "comments",
    request_body = CommentBody,
    params(
        ("id" = String, Path, description = "Comment id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the comment"),
    ),
    responses(
        (status = 200, description = "The comment", body = CommentView, headers(("ETag" = String))),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such comment, or another agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request takes no reply now", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the If-Match revision", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid comment", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let row = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (before, round, request) = own_comment(conn, &caller, &id)?;
            if_match.check(&etag(before.revision))?;
            let input: CommentBody = body.parse()?;
            commenting::change(
                conn,
                &actor,
                &round,
                &request,
                before,
                Some(input.into()),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(CommentView::from(&row)))
}
