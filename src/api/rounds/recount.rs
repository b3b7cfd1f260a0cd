//! `POST /api/v1/rounds/{id}/recount`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::RoundView;
use super::visible_round;
use crate::api::extract::{Caller, etag};
use crate::api::unit::{Reply, Work};
use crate::db::round;
use crate::error::ApiError;
use crate::service::calendaring::{self, Recounted};
use crate::state::AppState;

/// The round after its provisional deadlines were counted again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recount {
    pub round: RoundView,
    /// Each provisional deadline counted again, moved or not.
    pub deadlines: Vec<Recounted>,
}

/// Counts the round's deadlines given in working days (its own and its extensions') again, on
/// the calendar now in force, from when each was first counted: after a year's notice is loaded
/// or replaced. A deadline that moves is changed and its agencies are told by email (what was
/// queued for the old deadline is dropped); one that has passed, or would now lie in the past,
/// is kept; an extension that now ends before the round's deadline is removed. Only an admin
/// does this: deadlines never move by themselves.
#[utoipa::path(
    post,
    operation_id = "rounds_recount",
    path = "/api/v1/rounds/{id}/recount",
    tag = "rounds",
    params(
        ("id" = String, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 200, description = "The round and what was counted again", body = Recount, headers(("ETag" = String))),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such round"),
        (status = 409, description = "`round_not_open`, `round_closed`, or the same Idempotency-Key is in flight"),
        (status = 422, description = "The Idempotency-Key was used for another request"),
    ),
    security(("bearer" = []))
)]
pub async fn recount(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (found, version, _) = visible_round(conn, &caller, &id)?;
            let (row, deadlines) = calendaring::recount(conn, &actor, &found.id, now)?;
            let requests = round::requests_of_round(conn, &row.id)?;
            Ok((row, version, requests, deadlines))
        },
        move |(row, version, requests, deadlines)| {
            Ok(Reply::ok(&Recount {
                round: RoundView::new(&row, version, &requests, now),
                deadlines,
            })?
            .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
