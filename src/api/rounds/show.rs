//! `GET /api/v1/rounds/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::RoundView;
use super::visible_round;
use crate::api::extract::{Caller, etag};
use crate::error::ApiError;
use crate::service::requests;
use crate::state::AppState;

/// One round. An agency's first reading of it counts as viewing its request.
#[utoipa::path(
    get,
    operation_id = "rounds_show",
    path = "/api/v1/rounds/{id}",
    tag = "rounds",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundView, headers(("ETag" = String))),
        (status = 404, description = "No such round, or not one that sent the agency a request"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let agency = (!caller.role.is_staff())
        .then(|| caller.agency_id.clone())
        .flatten();
    let agency_id = agency.clone();
    let (row, version, requests) = state
        .db
        .read(move |conn| visible_round(conn, &caller, &id))
        .await?;
    // An agency reading the round has read its request; only the first reading writes.
    let unread = requests
        .iter()
        .find(|r| agency.as_ref() == Some(&r.request.agency_id) && r.request.viewed_at.is_none())
        .map(|r| r.request.clone());
    if let Some(request) = unread {
        state
            .db
            .write(move |conn| requests::mark_viewed(conn, &request, now))
            .await?;
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(RoundView::for_caller(
            &row,
            version,
            &requests,
            agency_id.as_deref(),
            now,
        )))
}
