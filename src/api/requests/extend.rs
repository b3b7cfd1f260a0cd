//! `POST /api/v1/requests/{id}/extension`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::visible_request;
use crate::api::extract::{Caller, ClientTime, JsonBody, required_due};
use crate::api::rounds::views::RequestView;
use crate::api::unit::{Reply, Work};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::requests;
use crate::state::AppState;

/// A later deadline for one agency, and why.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The new deadline (RFC 3339 with an offset). Give this or `working_days`.
    pub deadline: Option<ClientTime>,
    /// The new deadline as working days from now, at 18:00 in the round's time zone.
    #[validate(range(min = 1, max = 60))]
    pub working_days: Option<u32>,
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    pub reason: String,
}

/// Grants one request its own deadline; an overdue agency is pending again until then.
/// Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "requests_extend",
    path = "/api/v1/requests/{id}/extension",
    tag = "requests",
    request_body = Extension,
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request with its new deadline", body = RequestView),
        (status = 403, description = "Agency tokens may not grant extensions"),
        (status = 404, description = "No such request"),
        (status = 409, description = "`request_cancelled`, `round_not_open`"),
        (status = 422, description = "Invalid fields, or a deadline in the past"),
    ),
    security(("bearer" = []))
)]
pub async fn extend(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: Extension = body.parse()?;
    let due = required_due(input.deadline, input.working_days)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (round, entry, _) = visible_request(conn, &caller, &id)?;
            requests::extend(conn, &actor, &round, entry.request, due, &input.reason, now)?;
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            Ok(RequestView::new(&round, &entry, &replies, now))
        },
        move |view| Reply::ok(&view),
    )
    .await
}
