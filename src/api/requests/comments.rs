//! `GET /api/v1/requests/{id}/comments`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::visible_request;
use crate::api::comments::views::CommentView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of, time_position};
use crate::db::comment;
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("working comments");

/// The comments of the reply being drafted, as they stand now (for a drafter, those it entered
/// for the agency).
#[utoipa::path(
    get,
    operation_id = "requests_comments",
    path = "/api/v1/requests/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "Request id"), PageQuery),
    responses(
        (status = 200, description = "The working comments, oldest first", body = Page<CommentView>),
        (status = 404, description = "No such request, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn comments(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<CommentView>>, ApiError> {
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (_, entry, _) = visible_request(conn, &caller, &id)?;
            let mut rows = comment::working(conn, &entry.request.id)?;
            // Drafters see only what they entered for the agency, not the agency's own drafts.
            if caller.role.is_staff() {
                rows.retain(|c| c.entered_by.is_some());
            }
            Ok(rows)
        })
        .await?;
    Ok(Json(page_of(
        LISTING,
        rows,
        &page,
        Order::Ascending,
        |row| time_position::format(row.created_at, &row.id),
        |row| CommentView::from(&row),
    )?))
}
