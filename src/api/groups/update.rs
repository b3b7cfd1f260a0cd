//! `PATCH /api/v1/groups/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::GroupView;
use crate::api::decisions::group_of;
use crate::api::extract::{Caller, IfMatch, JsonBody, etag, present};
use crate::domain::draft::validate_title;
use crate::error::ApiError;
use crate::service::groups;
use crate::state::AppState;

/// Changes to a group; absent fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "validate_title"))]
    pub title: Option<String>,
    /// Submitted comments of the round to put in.
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub add: Vec<String>,
    /// Members to take out (at least two must stay).
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub remove: Vec<String>,
}

/// Renames a group, or puts comments in and takes them out; needs `If-Match`. The group's
/// decision then applies to its new members. Drafters and admins only.
#[utoipa::path(
    patch,
    operation_id = "groups_update",
    path = "/api/v1/groups/{id}",
    tag = "groups",
    request_body = UpdateGroup,
    params(
        ("id" = String, Path, description = "Group id"),
        ("If-Match" = String, Header, description = "ETag of the group"),
    ),
    responses(
        (status = 200, description = "The group", body = GroupView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not group comments"),
        (status = 404, description = "No such group"),
        (status = 409, description = "A comment is in another group (`comment_grouped`) or has a decision of its own (`comment_decided`), or the decisions are published (`decisions_published`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid fields"),
        (status = 428, description = "No If-Match header"),
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
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let view = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (before, round) = group_of(conn, &id)?;
            if_match.require(&etag(before.revision))?;
            let input: UpdateGroup = body.parse()?;
            let row = groups::change_group(
                conn,
                &actor,
                &round,
                &before,
                input.title,
                &input.add,
                &input.remove,
                now,
            )?;
            GroupView::load(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.revision)))
        .json(view))
}
