//! `GET /api/v1/comments/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::own_comment;
use super::views::CommentView;
use crate::api::extract::{Caller, etag};
use crate::app::AppState;
use crate::error::{ApiError, Problem};

/// One working comment: an agency's own, as it stands now (submitted or not).
#[utoipa::path(
    get,
    operation_id = "comments_show",
    path = "/api/v1/comments/{id}",
    tag = "comments",
    params(("id" = String, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The comment", body = CommentView, headers(("ETag" = String))),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such comment, or another agency's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (row, _, _) = state
        .db
        .read(move |conn| own_comment(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(CommentView::from(&row)))
}
