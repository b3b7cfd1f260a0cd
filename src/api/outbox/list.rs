//! `GET /api/v1/outbox`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{OutboxState, OutboxView};
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Page, decode, page_size, paginate, time_position};
use crate::db::outbox::{self, OutboxFilter};
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("outbox");

/// Filters and paging for the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOutbox {
    pub state: Option<OutboxState>,
    /// Such as `comment_request`.
    pub kind: Option<String>,
    pub round_id: Option<String>,
    pub agency_id: Option<String>,
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// The emails, newest first. Drafters and admins only.
#[utoipa::path(
    get,
    path = "/api/v1/outbox",
    operation_id = "outbox_list",
    tag = "outbox",
    params(ListOutbox),
    responses(
        (status = 200, description = "One page of emails", body = Page<OutboxView>),
        (status = 403, description = "Agency tokens may not read the outbox"),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<OutboxView>>, ApiError> {
    caller.require_staff()?;
    let query: ListOutbox = parse_query(&request)?;
    let size = page_size(query.limit, 100, 500)?;
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| time_position::parse(&decode(LISTING, cursor)?))
        .transpose()?;
    let filter = OutboxFilter {
        state: query.state,
        kind: query.kind,
        round_id: query.round_id,
        agency_id: query.agency_id,
    };
    let rows = state
        .db
        .read(move |conn| {
            outbox::list(conn, &filter, before, size as i64 + 1).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(paginate(
        LISTING,
        rows,
        size,
        |row| time_position::format(row.created_at, &row.id),
        OutboxView::from,
    )))
}
