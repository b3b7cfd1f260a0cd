//! `POST /api/v1/rounds/{id}/open`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::RoundView;
use super::visible_round;
use crate::api::extract::{Caller, IfMatch, etag};
use crate::api::unit::{Reply, Work};
use crate::db::round;
use crate::error::ApiError;
use crate::service::rounds;
use crate::state::AppState;

/// Opens a draft round: fixes its deadline, sends every comment request and queues the request
/// emails. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_open",
    path = "/api/v1/rounds/{id}/open",
    tag = "rounds",
    params(
        ("id" = String, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the round"),
    ),
    responses(
        (status = 200, description = "The open round", body = RoundView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens may not open rounds"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Open already (`round_opened`), or the deadline has passed (`deadline_passed`)"),
        (status = 412, description = "Changed since the If-Match revision"),
    ),
    security(("bearer" = []))
)]
pub async fn open(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (before, version, _) = visible_round(conn, &caller, &id)?;
            if_match.check(&etag(before.revision))?;
            let row = rounds::open_round(conn, &actor, before, now)?;
            let requests = round::requests_of_round(conn, &row.id)?;
            Ok((row, version, requests))
        },
        move |(row, version, requests)| {
            Ok(Reply::ok(&RoundView::new(&row, version, &requests, now))?
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
