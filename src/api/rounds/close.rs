//! `POST /api/v1/rounds/{id}/close`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::staff_round;
use super::views::RoundView;
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::rounds;
use crate::state::AppState;

/// Why the round closes before its deadline.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRound {
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    pub reason: String,
}

/// Closes a round: before its deadline, or after it to stop late replies; no reply is taken
/// after. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_close",
    path = "/api/v1/rounds/{id}/close",
    tag = "rounds",
    request_body = CloseRound,
    params(
        ("id" = String, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the round"),
    ),
    responses(
        (status = 200, description = "The closed round", body = RoundView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens may not close rounds"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Not open (`round_not_open`, `round_closed`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn close(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: CloseRound = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (before, version) = staff_round(conn, &id)?;
            if_match.check(&etag(before.revision))?;
            let (row, requests) =
                rounds::set_closed(conn, &actor, before, true, &input.reason, None, now)?;
            Ok((row, version, requests))
        },
        move |(row, version, requests)| {
            Ok(Reply::ok(&RoundView::new(&row, version, &requests, now))?
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
