//! `GET /api/v1/rounds/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::RoundView;
use super::visible_round;
use crate::api::extract::{Caller, etag};
use crate::app::AppState;
use crate::consulting;
use crate::error::{ApiError, Problem};

/// One round. An agency's first reading of it counts as viewing its request.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}",
    tag = "rounds",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundView, headers(("ETag" = String))),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such round, or not one that sent the agency a request", body = Problem, content_type = "application/problem+json"),
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
    let (row, version, requests) = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (row, version, requests) = visible_round(conn, &caller, &id)?;
            if let Some(own) = requests
                .iter()
                .find(|r| Some(&r.request.agency_id) == caller.agency_id.as_ref())
            {
                consulting::mark_viewed(conn, &own.request, now)?;
            }
            Ok((row, version, requests))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(RoundView::new(&row, version, &requests, now)))
}
