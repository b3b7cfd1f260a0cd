//! `GET /api/v1/documents`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::DocumentView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Page, decode, page_size, paginate, time_position};
use crate::app::AppState;
use crate::db::document;
use crate::error::{ApiError, Problem};

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

/// Lists documents, newest first. Agencies see the documents they are consulted on.
#[utoipa::path(
    get,
    path = "/api/v1/documents",
    tag = "documents",
    params(ListDocuments),
    responses(
        (status = 200, description = "One page of documents", body = Page<DocumentView>),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad query", body = Problem, content_type = "application/problem+json"),
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
    // An agency reads documents only through the rounds that consult it.
    if !caller.role.is_staff() {
        return Ok(Json(Page {
            items: Vec::new(),
            next_page: None,
        }));
    }
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| time_position::parse(&decode(cursor)?))
        .transpose()?;
    let rows = state
        .db
        .read(move |conn| document::list_documents(conn, before, size as i64 + 1))
        .await?;
    Ok(Json(paginate(
        rows,
        size,
        |row| time_position::format(row.created_at, &row.id),
        DocumentView::from,
    )))
}
