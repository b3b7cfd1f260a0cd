//! `GET /api/v1/tokens`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};

use super::views::TokenView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of, time_position};
use crate::db::token;
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("tokens");

/// Every token, oldest first, without secrets. Admins only.
#[utoipa::path(
    get,
    operation_id = "tokens_list",
    path = "/api/v1/tokens",
    tag = "tokens",
    params(PageQuery),
    responses(
        (status = 200, description = "The tokens", body = Page<TokenView>),
        (status = 403, description = "Only admins list tokens"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<TokenView>>, ApiError> {
    caller.require_admin()?;
    let page: PageQuery = parse_query(&request)?;
    let now = state.clock.now().naive_utc();
    let rows = state
        .db
        .read(|conn| token::list(conn).map_err(ApiError::from))
        .await?;
    Ok(Json(page_of(
        LISTING,
        rows.into_iter().map(|(row, _, _)| row).collect(),
        &page,
        Order::Ascending,
        |row| time_position::format(row.created_at, &row.id),
        |row| TokenView::new(&row, now),
    )?))
}
