//! `GET /api/v1/agencies`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::AgencyView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Page, decode, page_size, paginate};
use crate::db::agency::{self, AgencyFilter};
use crate::domain::agency::AgencyKind;
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("agencies");

/// Filters and paging for the agency list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAgencies {
    pub kind: Option<AgencyKind>,
    pub active: Option<bool>,
    /// Part of the code or the name.
    pub q: Option<String>,
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// Lists agencies by code. An agency token sees only its own agency.
#[utoipa::path(
    get,
    operation_id = "agencies_list",
    path = "/api/v1/agencies",
    tag = "agencies",
    params(ListAgencies),
    responses(
        (status = 200, description = "One page of agencies", body = Page<AgencyView>),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<AgencyView>>, ApiError> {
    let query: ListAgencies = parse_query(&request)?;
    let size = page_size(query.limit, 100, 500)?;
    let after = query
        .cursor
        .as_deref()
        .map(|cursor| decode(LISTING, cursor))
        .transpose()?;
    let filter = AgencyFilter {
        // An agency must not learn which other agencies are consulted: it sees itself alone.
        id: if caller.role.is_staff() {
            None
        } else {
            Some(caller.agency_id.clone().ok_or(ApiError::Forbidden)?)
        },
        kind: query.kind,
        active: query.active,
        text: query.q.filter(|q| !q.trim().is_empty()),
    };
    let rows = state
        .db
        .read(move |conn| {
            agency::list(conn, &filter, after.as_deref(), size as i64 + 1).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(paginate(
        LISTING,
        rows,
        size,
        |row| row.code.clone(),
        AgencyView::from,
    )))
}
