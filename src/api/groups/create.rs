//! `POST /api/v1/rounds/{id}/groups`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::GroupView;
use crate::api::extract::{Caller, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::db::round;
use crate::domain::draft::validate_title;
use crate::error::ApiError;
use crate::service::groups;
use crate::state::AppState;

/// A new group.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    /// What the comments say, in a few words.
    #[validate(custom(function = "validate_title"))]
    pub title: String,
    /// At least two submitted comments of the round, in no other group.
    #[validate(length(min = 2, max = 1000))]
    pub comment_ids: Vec<String>,
}

/// Groups comments that say the same thing, to decide them once. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "groups_create",
    path = "/api/v1/rounds/{id}/groups",
    tag = "groups",
    request_body = CreateGroup,
    params(
        ("id" = String, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The group", body = GroupView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Agency tokens do not group comments"),
        (status = 404, description = "No such round"),
        (status = 409, description = "A comment is in another group (`comment_grouped`) or has a decision of its own (`comment_decided`), or the decisions are published (`decisions_published`)"),
        (status = 422, description = "Invalid fields, or not a submitted comment of the round"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let round = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            let input: CreateGroup = body.parse()?;
            let row =
                groups::create_group(conn, &actor, &round, &input.title, &input.comment_ids, now)?;
            GroupView::load(conn, row)
        },
        move |view| {
            Ok(Reply::created(&view)?
                .with(header::LOCATION, format!("/api/v1/groups/{}", view.id))
                .with(header::ETAG, etag(view.revision)))
        },
    )
    .await
}
