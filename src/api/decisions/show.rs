//! `GET /api/v1/comments/{id}/decision` and `GET /api/v1/groups/{id}/decision`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::DecisionView;
use super::{SubjectKind, applying};
use crate::api::extract::{Caller, etag};
use crate::error::ApiError;
use crate::state::AppState;

async fn show(
    state: Data<AppState>,
    caller: Caller,
    kind: SubjectKind,
    id: String,
) -> Result<HttpResponse, ApiError> {
    let staff = caller.role.is_staff();
    let history = state
        .db
        .read(move |conn| applying(conn, &caller, kind, &id))
        .await?;
    let mut view = DecisionView::new(&history).ok_or(ApiError::NotFound)?;
    if !staff {
        view = view.for_agency();
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.current.revision)))
        .json(view))
}

/// The decision that applies to a comment: its own, or its group's (`subject_kind` `group`),
/// with every earlier revision. Staff read any submitted comment's; an agency its own, once
/// the round's decisions are published (without the earlier revisions).
#[utoipa::path(
    get,
    operation_id = "decisions_show_comment",
    path = "/api/v1/comments/{id}/decision",
    tag = "decisions",
    params(("id" = String, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The decision", body = DecisionView, headers(("ETag" = String))),
        (status = 404, description = "No such submitted comment, no decision yet, or not the agency's to read"),
    ),
    security(("bearer" = []))
)]
pub async fn show_comment(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    show(state, caller, SubjectKind::Comment, id.into_inner()).await
}

/// The decision on a group, with every earlier revision. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "decisions_show_group",
    path = "/api/v1/groups/{id}/decision",
    tag = "decisions",
    params(("id" = String, Path, description = "Group id")),
    responses(
        (status = 200, description = "The decision", body = DecisionView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not see groups"),
        (status = 404, description = "No such group, or no decision yet"),
    ),
    security(("bearer" = []))
)]
pub async fn show_group(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    show(state, caller, SubjectKind::Group, id.into_inner()).await
}
