//! `GET /api/v1/requests/{id}/replies`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::visible_request;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, ordinal_position, page_of};
use crate::api::rounds::views::ReplyView;
use crate::error::ApiError;
use crate::service::round_facts::zone;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("replies");

/// Every revision of the reply to a request, oldest first, withdrawn ones included.
#[utoipa::path(
    get,
    operation_id = "requests_replies",
    path = "/api/v1/requests/{id}/replies",
    tag = "requests",
    params(("id" = String, Path, description = "Request id"), PageQuery),
    responses(
        (status = 200, description = "The revisions", body = Page<ReplyView>),
        (status = 404, description = "No such request, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn replies(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<ReplyView>>, ApiError> {
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let (zone, revisions) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (round, _, replies) = visible_request(conn, &caller, &id)?;
            Ok((zone(&round), replies))
        })
        .await?;
    Ok(Json(page_of(
        LISTING,
        revisions,
        &page,
        Order::Ascending,
        |reply| ordinal_position(reply.revision.into()),
        |reply| ReplyView::new(&reply, &zone),
    )?))
}
