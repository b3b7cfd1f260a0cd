//! `POST /api/v1/agencies`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::AgencyView;
use crate::api::extract::{Caller, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::db::agency::NewAgency;
use crate::domain::agency::{AgencyKind, Locale, validate_code, validate_emails, validate_name};
use crate::error::ApiError;
use crate::service::agencies;
use crate::state::AppState;

/// A new agency.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgency {
    /// 2 to 32 characters: lower-case ASCII letters, digits, `-`.
    #[validate(custom(function = "validate_code"))]
    #[schema(example = "jingxin")]
    pub code: String,
    #[validate(custom(function = "validate_name"))]
    #[schema(example = "市经信局")]
    pub name: String,
    pub kind: AgencyKind,
    /// 1 to 10 contact addresses.
    #[validate(custom(function = "validate_emails"))]
    #[schema(example = json!(["office@jingxin.example.org"]))]
    pub emails: Vec<String>,
    /// `zh-CN` unless given.
    #[serde(default)]
    pub locale: Locale,
    /// `true` unless given.
    #[serde(default = "active_by_default")]
    pub active: bool,
    #[serde(default)]
    pub illustrative: bool,
}

fn active_by_default() -> bool {
    true
}

/// Adds an agency. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "agencies_create",
    path = "/api/v1/agencies",
    tag = "agencies",
    request_body = CreateAgency,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created", body = AgencyView,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Agency tokens may not add agencies"),
        (status = 409, description = "Code taken, or the same Idempotency-Key is in flight"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: CreateAgency = body.parse()?;
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let new = NewAgency {
        code: input.code,
        name: input.name,
        kind: input.kind,
        emails: input.emails,
        locale: input.locale,
        active: input.active,
        illustrative: input.illustrative,
    };
    work.commit(
        move |conn| Ok(agencies::create(conn, &actor, new, now)?),
        |row| {
            Ok(Reply::created(&AgencyView::from(row.clone()))?
                .with(header::LOCATION, format!("/api/v1/agencies/{}", row.id))
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
