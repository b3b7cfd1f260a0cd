//! `POST /api/v1/requests/{id}/cancel`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::visible_request;
use crate::api::extract::{Caller, JsonBody};
use crate::api::rounds::views::RequestView;
use crate::api::unit::{Reply, Work};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::requests;
use crate::state::AppState;

/// Why the agency leaves the round.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    pub reason: String,
}

/// Removes an agency from its round before it has replied: the request is cancelled and kept in
/// the record. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "requests_cancel",
    path = "/api/v1/requests/{id}/cancel",
    tag = "requests",
    request_body = Cancel,
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The cancelled request", body = RequestView),
        (status = 403, description = "Agency tokens may not cancel requests"),
        (status = 404, description = "No such request"),
        (status = 409, description = "The agency has replied (`already_replied`), or the request is cancelled already"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: Cancel = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (_, entry, _) = visible_request(conn, &caller, &id)?;
            requests::remove_agency(conn, &actor, entry.request, &input.reason, now)?;
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            Ok(RequestView::new(&round, &entry, &replies, now))
        },
        move |view| Reply::ok(&view),
    )
    .await
}
