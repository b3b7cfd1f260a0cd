//! `GET /api/v1/rounds`

use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};

use super::views::RoundView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of, time_position};
use crate::db::{document, round};
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("rounds");

/// Rounds, newest first. An agency sees the rounds that sent it a request.
#[utoipa::path(
    get,
    operation_id = "rounds_list",
    path = "/api/v1/rounds",
    tag = "rounds",
    params(PageQuery),
    responses(
        (status = 200, description = "The rounds", body = Page<RoundView>),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<RoundView>>, ApiError> {
    let page: PageQuery = parse_query(&request)?;
    let now = state.clock.now();
    let agency = (!caller.role.is_staff()).then(|| caller.agency_id.clone().unwrap_or_default());
    let views = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            // Three queries whatever the number of rounds: the rounds, their requests, their
            // versions.
            let rows = page_of(
                LISTING,
                round::list_rounds(conn, agency.as_deref())?,
                &page,
                Order::Descending,
                |row| time_position::format(row.created_at, &row.id),
                |row| row,
            )?;
            let (rows, next_page) = (rows.items, rows.next_page);
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut requests: HashMap<String, Vec<_>> = HashMap::new();
            for entry in round::requests_of_rounds(conn, &ids)? {
                requests
                    .entry(entry.request.round_id.clone())
                    .or_default()
                    .push(entry);
            }
            let version_ids: Vec<String> = rows.iter().map(|r| r.version_id.clone()).collect();
            let numbers: HashMap<String, i32> = document::versions_by_id(conn, &version_ids)?
                .into_iter()
                .map(|v| (v.id, v.number))
                .collect();
            let items = rows
                .iter()
                .map(|row| {
                    let entries = requests.get(&row.id).map_or(&[][..], Vec::as_slice);
                    let version = numbers.get(&row.version_id).copied().unwrap_or_default();
                    RoundView::for_caller(row, version, entries, agency.as_deref(), now)
                })
                .collect();
            Ok(Page { items, next_page })
        })
        .await?;
    Ok(Json(views))
}
