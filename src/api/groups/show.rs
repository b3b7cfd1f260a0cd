//! `GET /api/v1/groups/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::GroupView;
use crate::api::decisions::group_of;
use crate::api::extract::{Caller, etag};
use crate::error::ApiError;
use crate::state::AppState;

/// One group with its comments and decision. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "groups_show",
    path = "/api/v1/groups/{id}",
    tag = "groups",
    params(("id" = String, Path, description = "Group id")),
    responses(
        (status = 200, description = "The group", body = GroupView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not see groups"),
        (status = 404, description = "No such group"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let view = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (group, _) = group_of(conn, &id)?;
            GroupView::load(conn, group)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.revision)))
        .json(view))
}
