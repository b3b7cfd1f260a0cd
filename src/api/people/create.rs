//! `POST /api/v1/people`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::PersonView;
use crate::api::extract::{Caller, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::service::people::{self, NewPerson};
use crate::state::AppState;

/// A person joining the office's staff.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    /// 1 to 100 characters.
    #[schema(example = "张三")]
    pub name: String,
    /// Where the office's digests go.
    #[schema(example = "zhang@fgw.example")]
    pub email: Option<String>,
    /// `admin` or `drafter`.
    pub role: Role,
}

/// Adds a person to the office's staff; `POST /api/v1/tokens` then gives them tokens. Admins
/// only.
#[utoipa::path(
    post,
    operation_id = "people_create",
    path = "/api/v1/people",
    tag = "tokens",
    request_body = CreatePerson,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Added", body = PersonView,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Only admins add people"),
        (status = 409, description = "The same Idempotency-Key is in flight"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Invalid fields: a blank name, a bad address, the `agency` role"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input: CreatePerson = body.parse()?;
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let new = NewPerson {
        name: input.name,
        email: input.email,
        role: input.role,
    };
    work.commit(
        move |conn| Ok(people::create(conn, &actor, new, now)?),
        |row| {
            let (id, revision) = (row.id.clone(), row.revision);
            Ok(Reply::created(&PersonView::new(row, 0))?
                .with(header::LOCATION, format!("/api/v1/people/{id}"))
                .with(header::ETAG, etag(revision)))
        },
    )
    .await
}
