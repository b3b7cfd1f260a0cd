//! `GET /api/v1/rounds/{id}/clauses`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::views::ClauseHeat;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, ordinal_position, page_of};
use crate::error::ApiError;
use crate::service::queue;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("clauses");

/// Every clause of the round's version with the comments on it: how many, how many are still
/// to decide, from which agencies, and whether agencies propose different wordings for it. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "comments_clauses",
    path = "/api/v1/rounds/{id}/clauses",
    tag = "comments",
    params(("id" = String, Path, description = "Round id"), PageQuery),
    responses(
        (status = 200, description = "The clauses in document order", body = Page<ClauseHeat>),
        (status = 403, description = "Agency tokens may not read it"),
        (status = 404, description = "No such round"),
    ),
    security(("bearer" = []))
)]
pub async fn clauses(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<ClauseHeat>>, ApiError> {
    caller.require_staff()?;
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let heat = state
        .db
        .read(move |conn| queue::heat(conn, &id))
        .await
        .map_err(ApiError::from)?;
    let heat: Vec<ClauseHeat> = heat.into_iter().map(ClauseHeat::from).collect();
    // Document order: a clause's place in the consulted version, which does not change.
    Ok(Json(page_of(
        LISTING,
        heat.into_iter().enumerate().collect(),
        &page,
        Order::Ascending,
        |(n, _)| ordinal_position(*n as i64),
        |(_, clause)| clause,
    )?))
}
