//! `PUT /api/v1/comments/{id}/decision` and `PUT /api/v1/groups/{id}/decision`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::DecisionView;
use super::{DecisionBody, SubjectKind, record};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::error::ApiError;
use crate::state::AppState;

async fn decide(
    state: Data<AppState>,
    caller: Caller,
    kind: SubjectKind,
    id: String,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let now = state.clock.now();
    let history = state
        .db
        .write(move |conn| record(conn, &caller, kind, &id, &if_match, body, now))
        .await?;
    let view = DecisionView::new(&history).ok_or(ApiError::NotFound)?;
    let mut response = if history.len() == 1 {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header((header::ETAG, etag(view.current.revision)))
        .json(view))
}

/// Decides a comment: `adopted`, `partially_adopted`, `not_adopted` or `noted`, with a reason
/// for all but `adopted`. A change is a new revision; the earlier ones are kept. Once there is
/// a decision, a change needs `If-Match` with its ETag. Drafters and admins only; a comment in a
/// group is decided through the group.
#[utoipa::path(
    put,
    operation_id = "decisions_decide_comment",
    path = "/api/v1/comments/{id}/decision",
    tag = "decisions",
    request_body = DecisionBody,
    params(
        ("id" = String, Path, description = "Comment id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the decision; required once there is one"),
    ),
    responses(
        (status = 200, description = "The changed decision", body = DecisionView, headers(("ETag" = String))),
        (status = 201, description = "The first decision", body = DecisionView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not decide"),
        (status = 404, description = "No such submitted comment"),
        (status = 409, description = "In a group (`comment_grouped`), or the decisions are published (`decisions_published`)"),
        (status = 412, description = "Decided again since the If-Match revision"),
        (status = 422, description = "Invalid decision: no reason, unknown clause"),
        (status = 428, description = "A decision exists and If-Match is missing"),
    ),
    security(("bearer" = []))
)]
pub async fn decide_comment(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    decide(
        state,
        caller,
        SubjectKind::Comment,
        id.into_inner(),
        if_match,
        body,
    )
    .await
}

/// Decides a group of comments once, for every member. Same rules as for a comment.
#[utoipa::path(
    put,
    operation_id = "decisions_decide_group",
    path = "/api/v1/groups/{id}/decision",
    tag = "decisions",
    request_body = DecisionBody,
    params(
        ("id" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the decision; required once there is one"),
    ),
    responses(
        (status = 200, description = "The changed decision", body = DecisionView, headers(("ETag" = String))),
        (status = 201, description = "The first decision", body = DecisionView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not decide"),
        (status = 404, description = "No such group"),
        (status = 409, description = "The decisions are published (`decisions_published`)"),
        (status = 412, description = "Decided again since the If-Match revision"),
        (status = 422, description = "Invalid decision: no reason, unknown clause"),
        (status = 428, description = "A decision exists and If-Match is missing"),
    ),
    security(("bearer" = []))
)]
pub async fn decide_group(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    decide(
        state,
        caller,
        SubjectKind::Group,
        id.into_inner(),
        if_match,
        body,
    )
    .await
}
