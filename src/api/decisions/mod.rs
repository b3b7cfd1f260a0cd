//! `/api/v1/comments/{id}/decision`, `/api/v1/groups/{id}/decision` and the round's
//! `check`, `decisions/publish`, `carried` and `report`: the office's decisions on comments and
//! what it publishes of them.

pub mod assign;
pub mod carried;
pub mod check;
pub mod decide;
pub mod notes;
pub mod publish;
pub mod report;
pub mod show;
pub mod views;

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::{Caller, IfMatch, etag};
use crate::db::DbConnection;
use crate::db::decision::{self, DecisionRow, GroupRow};
use crate::db::round::{self, RoundRow};
use crate::domain::decision::Outcome;
pub use crate::domain::decision::SubjectKind;
use crate::error::ApiError;
use crate::service::decisions::{self, DecisionInput};

/// A decision on a comment or a group.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub outcome: Outcome,
    /// Why: required for every outcome but `adopted`.
    pub reason: Option<String>,
    /// The clauses of the next version that carry an adopted or partly adopted decision; the
    /// clauses commented on unless given.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub clause_keys: Vec<String>,
}

impl From<DecisionBody> for DecisionInput {
    fn from(body: DecisionBody) -> Self {
        DecisionInput {
            outcome: body.outcome,
            reason: body.reason,
            clause_keys: body.clause_keys,
        }
    }
}

/// A group with its round, for staff.
pub fn group_of(conn: &mut DbConnection, id: &str) -> Result<(GroupRow, RoundRow), ApiError> {
    let group = decision::find_group(conn, id)?.ok_or(ApiError::NotFound)?;
    let round = round::find_round(conn, &group.round_id)?.ok_or(ApiError::NotFound)?;
    Ok((group, round))
}

/// The round of a decision's subject.
fn subject_round(
    conn: &mut DbConnection,
    kind: SubjectKind,
    id: &str,
) -> Result<RoundRow, ApiError> {
    match kind {
        // Whether a comment is grouped is checked by `decisions::decide` under the round's lock.
        SubjectKind::Comment => Ok(decisions::standing_comment(conn, id).map(|(_, round)| round)?),
        SubjectKind::Group => group_of(conn, id).map(|(_, round)| round),
    }
}

/// Records a decision under the caller's `If-Match`: required once a decision exists. Returns
/// every revision, the new one last.
pub fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: SubjectKind,
    id: &str,
    if_match: &IfMatch,
    body: crate::api::extract::JsonBody,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<DecisionRow>, ApiError> {
    let round = subject_round(conn, kind, id)?;
    let current = decision::history(conn, id)?.last().map(|d| d.revision);
    match current {
        Some(revision) => if_match.require(&etag(revision))?,
        None => if_match.check(&etag(0))?,
    }
    let input: DecisionBody = body.parse()?;
    decisions::decide(
        conn,
        &caller.actor(),
        &round,
        id,
        kind,
        current,
        input.into(),
        now,
    )?;
    Ok(decision::history(conn, id)?)
}

/// The decision that applies to a comment (its group's when grouped) and every revision of it.
/// Agencies read their own comments' decisions once the round's decisions are published,
/// without the earlier revisions.
pub fn applying(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: SubjectKind,
    id: &str,
) -> Result<Vec<DecisionRow>, ApiError> {
    let subject = match kind {
        SubjectKind::Comment => {
            let (comment, round) = decisions::standing_comment(conn, id)?;
            if !caller.role.is_staff()
                && (caller.agency_id.as_ref() != Some(&comment.agency_id)
                    || round.decisions_published_at.is_none())
            {
                return Err(ApiError::NotFound);
            }
            decision::triage_of(conn, id)?
                .and_then(|t| t.group_id)
                .unwrap_or_else(|| id.to_owned())
        }
        SubjectKind::Group => {
            caller.require_staff()?;
            group_of(conn, id)?;
            id.to_owned()
        }
    };
    let mut history = decision::history(conn, &subject)?;
    if history.is_empty() {
        return Err(ApiError::NotFound);
    }
    if !caller.role.is_staff() {
        history.drain(..history.len() - 1);
    }
    Ok(history)
}
