//! `GET /api/v1/requests`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of, time_position};
use crate::api::requests::views::{Asked, LetterView};
use crate::api::rounds::views::RequestView;
use crate::db::round;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::round_facts::replies_by_request;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("requests");

/// Which requests to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRequests {
    /// Only this round's (required for staff tokens; an agency's list is short anyway).
    pub round_id: Option<String>,
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// An agency's own comment requests, newest first, each with what it asks (round, draft,
/// version, instructions, the deadline in the round's time zone); for staff, a round's.
#[utoipa::path(
    get,
    operation_id = "requests_list",
    path = "/api/v1/requests",
    tag = "requests",
    params(ListRequests),
    responses(
        (status = 200, description = "The requests, each with what it asks", body = Page<LetterView>),
        (status = 403, description = "An agency token not bound to an agency"),
        (status = 422, description = "A staff token without round_id"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<LetterView>>, ApiError> {
    let query: ListRequests = parse_query(&request)?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let now = state.clock.now();
    let views = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let entries = match (&caller.agency_id, caller.role.is_staff(), query.round_id) {
                (_, true, Some(round_id)) => round::requests_of_round(conn, &round_id)?,
                (_, true, None) => {
                    return Err(ApiError::from(ServiceError::field(
                        "query.round_id",
                        "required",
                        "give the round's id",
                    )));
                }
                (Some(agency_id), false, round_id) => round::requests_of_agency(conn, agency_id)?
                    .into_iter()
                    .filter(|e| round_id.as_ref().is_none_or(|r| *r == e.request.round_id))
                    .collect(),
                (None, false, _) => return Err(ApiError::Forbidden),
            };
            // A round's requests run by agency code; an agency's own, newest first. Only the
            // page's requests are read further.
            let order = if caller.role.is_staff() {
                Order::Ascending
            } else {
                Order::Descending
            };
            let entries = page_of(
                LISTING,
                entries,
                &page,
                order,
                |entry| match order {
                    Order::Ascending => entry.agency_code.clone(),
                    Order::Descending => {
                        time_position::format(entry.request.created_at, &entry.request.id)
                    }
                },
                |entry| entry,
            )?;
            let replies = replies_by_request(conn, &entries.items)?;
            let mut items = Vec::with_capacity(entries.items.len());
            // One read of each round on the page, with what it asks.
            let mut rounds = std::collections::HashMap::new();
            for entry in &entries.items {
                let round_id = &entry.request.round_id;
                if !rounds.contains_key(round_id) {
                    let found = round::find_round(conn, round_id)?.ok_or_else(|| {
                        ApiError::from(ServiceError::internal("request of a missing round"))
                    })?;
                    let asked = Asked::of(conn, &found)?;
                    rounds.insert(round_id.clone(), (found, asked));
                }
                let (round, asked) = &rounds[round_id];
                let revisions = replies
                    .get(&entry.request.id)
                    .map_or(&[][..], Vec::as_slice);
                items.push(LetterView {
                    request: RequestView::new(round, entry, revisions, now),
                    asked: asked.clone(),
                    scope: None,
                });
            }
            Ok(Page {
                items,
                next_page: entries.next_page,
            })
        })
        .await?;
    Ok(Json(views))
}
