//! `GET /api/v1/audit`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::AuditEventView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Page, decode, page_size, paginate, time_position};
use crate::db::audit::{self, AuditFilter};
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("audit");

/// Filters and paging for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAudit {
    /// Such as `agency`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_token_id: Option<String>,
    /// Such as `agency.update`.
    pub action: Option<String>,
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// The audit log, newest first. Administrators only.
#[utoipa::path(
    get,
    operation_id = "audit_list",
    path = "/api/v1/audit",
    tag = "audit",
    params(ListAudit),
    responses(
        (status = 200, description = "One page of events", body = Page<AuditEventView>),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<Json<Page<AuditEventView>>, ApiError> {
    caller.require_admin()?;
    let query: ListAudit = parse_query(&request)?;
    let size = page_size(query.limit, 100, 500)?;
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| time_position::parse(&decode(LISTING, cursor)?))
        .transpose()?;
    let filter = AuditFilter {
        entity_type: query.entity_type,
        entity_id: query.entity_id,
        actor_token_id: query.actor_token_id,
        action: query.action,
    };
    let rows = state
        .db
        .read(move |conn| {
            audit::list(conn, &filter, before, size as i64 + 1).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(paginate(
        LISTING,
        rows,
        size,
        |row| time_position::format(row.occurred_at, &row.id),
        AuditEventView::from,
    )))
}
