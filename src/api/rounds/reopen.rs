//! `POST /api/v1/rounds/{id}/reopen`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::staff_round;
use super::views::RoundView;
use crate::api::extract::{Caller, ClientTime, IfMatch, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::rounds;
use crate::state::AppState;

/// Why the round reopens, and until when.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRound {
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    pub reason: String,
    /// The round's new deadline (RFC 3339 with an offset), in the future.
    pub deadline: ClientTime,
}

/// Reopens a closed round until a new deadline. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_reopen",
    path = "/api/v1/rounds/{id}/reopen",
    tag = "rounds",
    request_body = ReopenRound,
    params(
        ("id" = String, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the round"),
    ),
    responses(
        (status = 200, description = "The reopened round", body = RoundView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens may not reopen rounds"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Never opened (`round_not_open`), or open (`round_open`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid fields, or a deadline in the past"),
    ),
    security(("bearer" = []))
)]
pub async fn reopen(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: ReopenRound = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let deadline = input.deadline.with_timezone(&Utc);
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (before, version) = staff_round(conn, &id)?;
            if_match.check(&etag(before.revision))?;
            let (row, requests) = rounds::set_closed(
                conn,
                &actor,
                before,
                false,
                &input.reason,
                Some(deadline),
                now,
            )?;
            Ok((row, version, requests))
        },
        move |(row, version, requests)| {
            Ok(Reply::ok(&RoundView::new(&row, version, &requests, now))?
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
