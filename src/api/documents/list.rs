//! `GET /api/v1/documents`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::DocumentView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Page, decode, page_size, paginate, time_position};
use crate::db::{document, round};
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("documents");

/// Paging for the document list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDocuments {
    /// Page size, 1 to 200; 50 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// Lists documents, newest first. Agencies see the documents a round consults them on.
#[utoipa::path(
    get,
    operation_id = "documents_list",
    path = "/api/v1/documents",
    tag = "documents",
    params(ListDocuments),
    responses(
        (status = 200, description = "One page of documents", body = Page<DocumentView>),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<DocumentView>>, ApiError> {
    let query: ListDocuments = parse_query(&request)?;
    let size = page_size(query.limit, 50, 200)?;
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| time_position::parse(&decode(LISTING, cursor)?))
        .transpose()?;
    let rows = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            // An agency reads the documents a round has sent it a request on.
            let only = match (caller.role.is_staff(), &caller.agency_id) {
                (true, _) => None,
                (false, Some(agency_id)) => Some(round::consulted_documents(conn, agency_id)?),
                (false, None) => Some(Vec::new()),
            };
            Ok(document::list_documents(
                conn,
                before,
                only,
                size as i64 + 1,
            )?)
        })
        .await?;
    Ok(Json(paginate(
        LISTING,
        rows,
        size,
        |row| time_position::format(row.created_at, &row.id),
        DocumentView::from,
    )))
}
