//! `GET /api/v1/requests/{id}/attachments`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::views::AttachmentView;
use super::visible_request;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of, time_position};
use crate::db::round;
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("attachments");

/// The files uploaded to a request, oldest first, with the reply revision each went with.
#[utoipa::path(
    get,
    operation_id = "requests_attachments",
    path = "/api/v1/requests/{id}/attachments",
    tag = "requests",
    params(("id" = String, Path, description = "Request id"), PageQuery),
    responses(
        (status = 200, description = "The files", body = Page<AttachmentView>),
        (status = 404, description = "No such request, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn attachments(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<AttachmentView>>, ApiError> {
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let files = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (_, entry, _) = visible_request(conn, &caller, &id)?;
            Ok(round::attachments_of(
                conn,
                std::slice::from_ref(&entry.request.id),
            )?)
        })
        .await?;
    Ok(Json(page_of(
        LISTING,
        files,
        &page,
        Order::Ascending,
        |file| time_position::format(file.uploaded_at, &file.id),
        |file| AttachmentView::from(&file),
    )?))
}
