//! `PATCH /api/v1/people/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::PersonView;
use crate::api::extract::{Caller, IfMatch, JsonBody, etag, present};
use crate::db::person;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::service::people::{self, PersonPatch};
use crate::state::AppState;

/// The fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePerson {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    /// `null` removes the address: no more digests.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// A new role applies to every token the person holds, at once.
    #[serde(default, deserialize_with = "present")]
    pub role: Option<Role>,
}

/// Changes a person. Admins only; send `If-Match` with the `ETag` you read so that a
/// concurrent change is not overwritten.
#[utoipa::path(
    patch,
    operation_id = "people_update",
    path = "/api/v1/people/{id}",
    tag = "tokens",
    request_body = UpdatePerson,
    params(
        ("id" = String, Path, description = "Person id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the revision the change is based on"),
    ),
    responses(
        (status = 200, description = "The changed person", body = PersonView,
            headers(("ETag" = String))),
        (status = 403, description = "Only admins change people"),
        (status = 404, description = "No such person"),
        (status = 409, description = "The person has left the office (`person_retired`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Invalid fields"),
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
    caller.require_admin()?;
    let id = id.into_inner();
    let input: UpdatePerson = body.parse()?;
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let patch = PersonPatch {
        name: input.name,
        email: input.email,
        role: input.role,
    };
    let (row, working) = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let row = people::update(conn, &actor, &id, &if_match.0, patch, now)?;
            let working = person::working_tokens(conn, &id, now)?;
            Ok((row, working))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(PersonView::new(row, working)))
}
