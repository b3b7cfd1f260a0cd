//! `GET /api/v1/calendar`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};

use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, ordinal_position, page_of};
use crate::error::ApiError;
use crate::service::calendaring::{self, CalendarYear};
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("calendar");

/// The years whose holiday notices are loaded, each as in force. A year not listed is
/// provisional: `GET /api/v1/calendar/{year}` shows the statutory holidays it counts. Any token.
#[utoipa::path(
    get,
    operation_id = "calendar_list",
    path = "/api/v1/calendar",
    tag = "calendar",
    params(PageQuery),
    responses(
        (status = 200, description = "The loaded years, in order", body = Page<CalendarYear>),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    _caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<CalendarYear>>, ApiError> {
    let page: PageQuery = parse_query(&request)?;
    let years = state.db.read(calendaring::loaded_years).await?;
    Ok(Json(page_of(
        LISTING,
        years,
        &page,
        Order::Ascending,
        |year| ordinal_position(year.year.into()),
        |year| year,
    )?))
}
