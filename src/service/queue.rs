//! The drafters' queue: one page of a round's standing comments, filtered, in clause order.
//! Whether a comment stands is stored with it, so a page is one indexed range read and costs the
//! same in a round of a hundred comments as in one of a million.

use std::collections::HashMap;

use crate::db::comment::{self, QueueFilter, QueuePosition, SubmittedRow};
use crate::db::{DbConnection, agency, document, round};
use crate::domain::comment::CommentKind;
use crate::domain::decision::DecisionState;
use crate::domain::draft::normalize;
use crate::service::commenting::VersionClauses;
use crate::service::drafting;
use crate::service::error::ServiceError;

/// What a drafter asks of the queue.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    /// One clause, by key.
    pub clause: Option<String>,
    /// A chapter (or any clause) with everything under it, by key.
    pub chapter: Option<String>,
    /// An agency, by id or code.
    pub agency: Option<String>,
    pub kind: Option<CommentKind>,
    pub has_proposal: Option<bool>,
    pub late: Option<bool>,
    /// Text in the comment, its proposed wording or rationale.
    pub text: Option<String>,
    pub decided: Option<bool>,
    /// Where the decision stands: undecided, stale, or an outcome.
    pub decision: Option<DecisionState>,
    /// A person's id.
    pub assignee: Option<String>,
}

/// One page of the queue.
pub struct QueuePage {
    /// Up to `limit` rows; one more when there is a next page.
    pub rows: Vec<SubmittedRow>,
    /// The code and name of each agency on the page, by id.
    pub agencies: HashMap<String, (String, String)>,
    /// The round's time zone, for the times on the page.
    pub zone: chrono_tz::Tz,
}

/// Up to `limit` standing comments of round `round_id` after `after`, in clause order.
pub fn page(
    conn: &mut DbConnection,
    round_id: &str,
    query: QueueQuery,
    after: Option<QueuePosition>,
    limit: i64,
) -> Result<QueuePage, ServiceError> {
    let round_row = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
    let zone = crate::service::round_facts::zone(&round_row);
    let key = match (query.clause, query.chapter) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::field(
                "query.clause",
                "one_of",
                "give clause or chapter, not both",
            ));
        }
        (Some(key), None) => Some((key, false)),
        (None, Some(key)) => Some((key, true)),
        (None, None) => None,
    };
    let ordinals = match key {
        None => None,
        Some((reference, whole)) => {
            let version = &round_row.version_id;
            let mut span = document::span_of(conn, version, &reference)?;
            // Not a key: the clause as the draft prints it (`9.`, `第九条`, `二、`).
            if span.is_none() {
                let field = if whole {
                    "query.chapter"
                } else {
                    "query.clause"
                };
                let outline = drafting::outline_of(conn, version)?;
                if let Some(key) = drafting::key_of(&reference, &outline, field)
                    .map_err(|error| ServiceError::Invalid(vec![error]))?
                {
                    span = document::span_of(conn, version, &key)?;
                }
            }
            // A key the version does not have matches nothing.
            let span = if whole {
                span
            } else {
                span.map(|(first, _)| (first, first))
            };
            Some(span.unwrap_or((0, -1)))
        }
    };
    let agency_id = match query.agency {
        Some(name) => Some(
            agency::find_by_id_or_code(conn, &name)?
                .map(|a| a.id)
                .ok_or_else(|| {
                    ServiceError::field(
                        "query.agency",
                        "unknown_agency",
                        "no agency with this id or code",
                    )
                })?,
        ),
        None => None,
    };
    let filter = QueueFilter {
        round_id: round_row.id,
        late: query.late,
        ordinals,
        agency_id,
        kind: query.kind,
        has_proposal: query.has_proposal,
        text: query
            .text
            .map(|q| normalize(q.trim()))
            .filter(|q| !q.is_empty()),
        decided: query.decided,
        decision: query.decision,
        assignee: query.assignee,
    };
    let rows = comment::queue(conn, &filter, after, limit)?;
    let mut ids: Vec<String> = rows.iter().map(|r| r.agency_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let agencies = agency::names_of(conn, &ids)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    Ok(QueuePage {
        rows,
        agencies,
        zone,
    })
}

/// What stands on one clause.
pub struct Heat {
    pub key: String,
    pub number: String,
    pub heading: Option<String>,
    pub text: String,
    pub comments: usize,
    /// The codes of the agencies that commented, sorted.
    pub agencies: Vec<String>,
    pub proposals: usize,
    /// Of `comments`, those still to decide (undecided, or decided before the comment changed).
    pub undecided: usize,
    /// Different agencies propose different wordings (one agency's several proposals are its
    /// own business).
    pub conflicting_proposals: bool,
}

/// Every clause of round `round_id`'s version, in document order, with what stands on it.
pub fn heat(conn: &mut DbConnection, round_id: &str) -> Result<Vec<Heat>, ServiceError> {
    let round_row = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
    let clauses = VersionClauses::of(conn, &round_row)?;
    let mut counts = comment::counts_by_clause(conn, &round_row.id)?;
    let mut ids: Vec<String> = counts
        .values()
        .flat_map(|c| c.agency_ids.iter().cloned())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let codes: HashMap<String, String> = agency::names_of(conn, &ids)?
        .into_iter()
        .map(|(id, code, _)| (id, code))
        .collect();
    Ok(clauses
        .in_order()
        .into_iter()
        .map(|clause| {
            let counted = counts.remove(&clause.key).unwrap_or_default();
            let mut agencies: Vec<String> = counted
                .agency_ids
                .iter()
                .filter_map(|id| codes.get(id).cloned())
                .collect();
            agencies.sort_unstable();
            Heat {
                key: clause.key.clone(),
                number: clause.number.clone(),
                heading: clause.heading.clone(),
                text: clause.text.clone(),
                comments: usize::try_from(counted.comments).unwrap_or(0),
                agencies,
                proposals: usize::try_from(counted.proposals).unwrap_or(0),
                undecided: usize::try_from(counted.comments - counted.decided).unwrap_or(0),
                conflicting_proposals: counted.several_wordings && counted.proposers > 1,
            }
        })
        .collect())
}
