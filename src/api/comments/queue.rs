//! `GET /api/v1/rounds/{id}/comments`

use std::collections::{HashMap, HashSet};

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{AgencyBrief, SubmittedView};
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Page, decode, page_size, paginate};
use crate::db::comment::{self, QueueFilter};
use crate::db::{DbConnection, agency, round};
use crate::domain::comment::CommentKind;
use crate::error::ApiError;
use crate::service::commenting::VersionClauses;
use crate::service::error::ServiceError;
use crate::service::round_facts::RoundReplies;
use crate::state::AppState;

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
    /// Only comments given to this token (`me` for the caller's own).
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
        .map(|c| position(&decode(c)?))
        .transpose()?;
    let id = id.into_inner();
    let caller_token = caller.token_id.clone();
    let page = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let round_row = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            let standing = Standing::of(conn, &round_row.id)?;
            let clauses = VersionClauses::of(conn, &round_row)?;
            let clause_keys = match (query.clause, query.chapter) {
                (Some(key), None) => Some(vec![key]),
                (None, Some(key)) => Some(clauses.subtree(&key)),
                (None, None) => None,
                (Some(_), Some(_)) => {
                    return Err(ApiError::from(ServiceError::field(
                        "query.clause",
                        "one_of",
                        "give clause or chapter, not both",
                    )));
                }
            };
            let agency_id = match query.agency {
                Some(name) => Some(
                    agency::find_by_id_or_code(conn, &name)?
                        .map(|a| a.id)
                        .ok_or_else(|| {
                            ApiError::from(ServiceError::field(
                                "query.agency",
                                "unknown_agency",
                                "no agency with this id or code",
                            ))
                        })?,
                ),
                None => None,
            };
            let reply_ids = standing
                .reply_ids
                .iter()
                .filter(|id| {
                    query
                        .late
                        .is_none_or(|late| standing.late.contains(*id) == late)
                })
                .cloned()
                .collect();
            let filter = QueueFilter {
                round_id: round_row.id.clone(),
                reply_ids,
                clause_keys,
                agency_id,
                kind: query.kind,
                has_proposal: query.has_proposal,
                text: query
                    .q
                    .map(|q| crate::domain::draft::normalize(q.trim()))
                    .filter(|q| !q.is_empty()),
                decided: query.decided,
                assignee: query
                    .assignee
                    .map(|a| if a == "me" { caller_token.clone() } else { a }),
            };
            let rows = comment::queue(conn, &filter, after, size as i64 + 1)?;
            Ok(paginate(
                rows,
                size,
                |row| format!("{}|{}", row.clause_ordinal, row.comment_id),
                |row| standing.view(&row),
            ))
        })
        .await?;
    Ok(Json(page))
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

/// The replies that stand in a round, and who sent them.
pub struct Standing {
    /// Replies with comments that are the current revision of their request.
    pub reply_ids: Vec<String>,
    pub late: HashSet<String>,
    agencies: HashMap<String, (String, String)>,
}

impl Standing {
    /// The standing replies of `round_id`.
    pub fn of(conn: &mut DbConnection, round_id: &str) -> Result<Self, ApiError> {
        let replies = RoundReplies::of(conn, round_id)?;
        let mut standing = Standing {
            reply_ids: Vec::new(),
            late: HashSet::new(),
            agencies: replies
                .requests
                .iter()
                .map(|entry| {
                    (
                        entry.request.agency_id.clone(),
                        (entry.agency_code.clone(), entry.agency_name.clone()),
                    )
                })
                .collect(),
        };
        for (_, reply) in replies.standing() {
            standing.reply_ids.push(reply.id.clone());
            if reply.late {
                standing.late.insert(reply.id.clone());
            }
        }
        Ok(standing)
    }

    /// A submitted comment with its agency and lateness.
    pub fn view(&self, row: &comment::SubmittedRow) -> SubmittedView {
        let (code, name) = self
            .agencies
            .get(&row.agency_id)
            .cloned()
            .unwrap_or_default();
        SubmittedView::new(
            row,
            AgencyBrief {
                id: row.agency_id.clone(),
                code,
                name,
            },
            self.late.contains(&row.reply_id),
        )
    }
}
