//! `GET /api/v1/people`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};

use super::views::PersonView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of};
use crate::db::person;
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("people");

/// The office's staff by name, those who have left included (`retired_at`): whom a comment can
/// be given to, and who holds a working token. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "people_list",
    path = "/api/v1/people",
    tag = "tokens",
    params(PageQuery),
    responses(
        (status = 200, description = "The people", body = Page<PersonView>),
        (status = 403, description = "Agency tokens may not list the office's staff"),
        (status = 422, description = "Invalid paging"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<PersonView>>, ApiError> {
    caller.require_staff()?;
    let page: PageQuery = parse_query(&request)?;
    let now = state.clock.now().naive_utc();
    let rows = state
        .db
        .read(move |conn| person::list(conn, now).map_err(ApiError::from))
        .await?;
    Ok(Json(page_of(
        LISTING,
        rows,
        &page,
        Order::Ascending,
        |(row, _)| format!("{}\u{1f}{}", row.name, row.id),
        |(row, working)| PersonView::new(row, working),
    )?))
}
