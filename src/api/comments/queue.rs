//! `GET /api/v1/rounds/{id}/comments`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{AgencyBrief, SubmittedView};
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Page, decode, page_size, paginate};
use crate::domain::comment::CommentKind;
use crate::domain::decision::DecisionState;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::queue;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("queue");

/// Filters and paging for the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Comments on this clause (key).
    pub clause: Option<String>,
    /// Comments on this clause or anything under it (a chapter's key).
    pub chapter: Option<String>,
    /// The agency, by id or code.
    pub agency: Option<String>,
    pub kind: Option<CommentKind>,
    /// Only comments that propose wording (`true`), or only those that do not (`false`).
    pub has_proposal: Option<bool>,
    /// Only late comments (`true`), or only those on time (`false`).
    pub late: Option<bool>,
    /// Text in the comment, proposed wording or rationale.
    pub q: Option<String>,
    /// Only comments with a decision, their own or their group's (`true`), or only those still
    /// to decide (`false`).
    pub decided: Option<bool>,
    /// Only comments whose decision stands so: `undecided` (none yet), `stale` (made before
    /// the comment changed), or an outcome.
    pub decision: Option<DecisionState>,
    /// Only comments given to this person, by id (`me` for the caller's own).
    pub assignee: Option<String>,
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// The drafters' queue: the comments of every reply that stands, in the order of the clauses
/// they are on, then of writing. Pages follow an opaque cursor that neither repeats nor skips
/// comments while new ones arrive. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "comments_queue",
    path = "/api/v1/rounds/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "Round id"), QueueQuery),
    responses(
        (status = 200, description = "One page of the queue", body = Page<SubmittedView>),
        (status = 403, description = "Agency tokens read their own comments, not the queue"),
        (status = 404, description = "No such round"),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn queue(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<SubmittedView>>, ApiError> {
    caller.require_staff()?;
    let query: QueueQuery = parse_query(&request)?;
    let size = page_size(query.limit, 100, 500)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| position(&decode(LISTING, c)?))
        .transpose()?;
    let id = id.into_inner();
    let asked = queue::QueueQuery {
        clause: query.clause,
        chapter: query.chapter,
        agency: query.agency,
        kind: query.kind,
        has_proposal: query.has_proposal,
        late: query.late,
        text: query.q,
        decided: query.decided,
        decision: query.decision,
        assignee: query.assignee.map(|a| {
            if a == "me" {
                caller.person_id.clone().unwrap_or_default()
            } else {
                a
            }
        }),
    };
    let page = state
        .db
        .read(move |conn| queue::page(conn, &id, asked, after, size as i64 + 1))
        .await
        .map_err(ApiError::from)?;
    let (agencies, zone) = (page.agencies, page.zone);
    Ok(Json(paginate(
        LISTING,
        page.rows,
        size,
        |row| format!("{}|{}", row.clause_ordinal, row.comment_id),
        |row| {
            let (code, name) = agencies.get(&row.agency_id).cloned().unwrap_or_default();
            let agency = AgencyBrief {
                id: row.agency_id.clone(),
                code,
                name,
            };
            SubmittedView::new(&row, agency, &zone)
        },
    )))
}

fn position(text: &str) -> Result<(i32, String), ApiError> {
    text.split_once('|')
        .and_then(|(ordinal, id)| Some((ordinal.parse().ok()?, id.to_owned())))
        .ok_or_else(|| {
            ApiError::from(ServiceError::field(
                "query.cursor",
                "invalid_cursor",
                "not a cursor this listing returned",
            ))
        })
}
