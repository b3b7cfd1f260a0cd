//! `PATCH /api/v1/agencies/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::AgencyView;
use crate::api::extract::{Caller, IfMatch, JsonBody, etag, present};
use crate::domain::agency::{AgencyKind, Locale, validate_code, validate_emails, validate_name};
use crate::error::ApiError;
use crate::service::agencies::{self, AgencyPatch};
use crate::state::AppState;

/// The fields to change; absent fields stay as they are, and none may be `null`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgency {
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "validate_code"))]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<AgencyKind>,
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "validate_emails"))]
    pub emails: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub locale: Option<Locale>,
    #[serde(default, deserialize_with = "present")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub illustrative: Option<bool>,
}

/// Changes an agency. Drafters and admins only; send `If-Match` with the `ETag` you read so that
/// a concurrent change is not overwritten.
#[utoipa::path(
    patch,
    operation_id = "agencies_update",
    path = "/api/v1/agencies/{id}",
    tag = "agencies",
    request_body = UpdateAgency,
    params(
        ("id" = String, Path, description = "Agency id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the revision the change is based on"),
    ),
    responses(
        (status = 200, description = "The changed agency", body = AgencyView,
            headers(("ETag" = String))),
        (status = 403, description = "Agency tokens may not change agencies"),
        (status = 404, description = "No such agency"),
        (status = 409, description = "Code taken"),
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
    let id = id.into_inner();
    if !caller.can_see_agency(&id) {
        return Err(ApiError::NotFound);
    }
    caller.require_staff()?;
    let input: UpdateAgency = body.parse()?;
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let patch = AgencyPatch {
        code: input.code,
        name: input.name,
        kind: input.kind,
        emails: input.emails,
        locale: input.locale,
        active: input.active,
        illustrative: input.illustrative,
    };
    let row = state
        .db
        .write(move |conn| agencies::update(conn, &actor, &id, &if_match.0, patch, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(AgencyView::from(row)))
}
