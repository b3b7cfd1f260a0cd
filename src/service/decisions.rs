//! Decisions on a round's comments and groups: what the office has done so far, and each
//! decision, numbered without gaps under the round's lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::comment::{self, StandingComment, SubmittedRow};
use crate::db::decision::{self, DecisionRow, GroupRow, TriageRow};
use crate::db::document::{self, VersionRow};
use crate::db::round::{self, RoundRow};
use crate::domain::decision::{Decided, Outcome, Subject, SubjectKind};
use crate::domain::draft::diff::{VersionDiff, diff};
use crate::domain::refusal::Refusal;
use crate::domain::text::trim_blank;
use crate::service::commenting::MAX_TEXT;
use crate::service::drafting;
use crate::service::error::{FieldError, ServiceError};

/// What the office has done with a round's comments so far.
pub struct Handling {
    /// The comments of the replies that stand, in clause order.
    pub comments: Vec<StandingComment>,
    pub groups: Vec<GroupRow>,
    /// Comment id → its triage.
    pub triage: HashMap<String, TriageRow>,
    /// Comment or group id → its standing decision.
    pub decisions: HashMap<String, DecisionRow>,
}

impl Handling {
    /// Loads the handling of `round_id`.
    pub fn load(conn: &mut DbConnection, round_id: &str) -> Result<Self, ServiceError> {
        Ok(Handling {
            comments: comment::standing(conn, round_id)?,
            groups: decision::groups_of_round(conn, round_id)?,
            triage: decision::triage_of_round(conn, round_id)?
                .into_iter()
                .map(|t| (t.comment_id.clone(), t))
                .collect(),
            decisions: decision::current_of_round(conn, round_id)?
                .into_iter()
                .map(|d| (d.subject_id.clone(), d))
                .collect(),
        })
    }

    /// The group a comment is in.
    pub fn group_of(&self, comment_id: &str) -> Option<&str> {
        self.triage
            .get(comment_id)
            .and_then(|t| t.group_id.as_deref())
    }

    /// The decision that applies to a comment: its group's when grouped, else its own; none
    /// when it is stale, since it answers what the comment said before.
    pub fn decision_of(&self, comment_id: &str) -> Option<&DecisionRow> {
        self.decisions
            .get(self.group_of(comment_id).unwrap_or(comment_id))
            .filter(|d| !d.stale)
    }

    /// What is decided once, in clause order: each comment outside a group, and each group
    /// (at the place of its first member) with the members that still stand.
    pub fn subjects(&self) -> Vec<Subject> {
        let mut subjects: Vec<Subject> = Vec::new();
        let mut group_at: HashMap<&str, usize> = HashMap::new();
        for row in &self.comments {
            let key = row.clause_key.clone();
            match self.group_of(&row.comment_id) {
                Some(group) => {
                    if let Some(&i) = group_at.get(group) {
                        let subject = &mut subjects[i];
                        subject.comment_ids.push(row.comment_id.clone());
                        if let Some(key) = key.filter(|k| !subject.clause_keys.contains(k)) {
                            subject.clause_keys.push(key);
                        }
                        continue;
                    }
                    group_at.insert(group, subjects.len());
                    subjects.push(self.subject(group, true, row));
                }
                None => subjects.push(self.subject(&row.comment_id, false, row)),
            }
        }
        subjects
    }

    fn subject(&self, id: &str, group: bool, first: &StandingComment) -> Subject {
        Subject {
            id: id.to_owned(),
            group,
            comment_ids: vec![first.comment_id.clone()],
            clause_keys: first.clause_key.iter().cloned().collect(),
            decision: self.decisions.get(id).map(|d| Decided {
                outcome: d.outcome,
                reason: d.reason.clone(),
                clause_keys: d.keys(),
                stale: d.stale,
            }),
        }
    }
}

pub(super) fn published() -> ServiceError {
    ServiceError::refused(
        Refusal::DecisionsPublished,
        "the round's decisions are published and can no longer change",
    )
}

pub(super) fn not_standing(field: String) -> ServiceError {
    ServiceError::field(
        field,
        "unknown_comment",
        "no submitted comment of this round with this id",
    )
}

/// Refuses changes once the decisions are out.
pub fn check_open_for_decisions(round: &RoundRow) -> Result<(), ServiceError> {
    match round.decisions_published_at {
        Some(_) => Err(published()),
        None => Ok(()),
    }
}

/// A submitted comment that stands in its round, with the round.
pub fn standing_comment(
    conn: &mut DbConnection,
    comment_id: &str,
) -> Result<(SubmittedRow, RoundRow), ServiceError> {
    let working = comment::find(conn, comment_id)?.ok_or(ServiceError::NotFound)?;
    let round = round::find_round(conn, &working.round_id)?.ok_or(ServiceError::NotFound)?;
    let row = comment::standing_one(conn, comment_id)?.ok_or(ServiceError::NotFound)?;
    Ok((row, round))
}

/// A decision as the drafter gives it.
#[derive(Clone, Debug)]
pub struct DecisionInput {
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub clause_keys: Vec<String>,
}

/// Records a new revision of the decision on a comment (`subject_kind` `comment`) or a group.
/// `expected` is the revision the drafter based it on (`None`: there was no decision yet); if
/// another drafter decided meanwhile, nothing is written.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    subject_id: &str,
    subject_kind: SubjectKind,
    expected: Option<i32>,
    input: DecisionInput,
    now: DateTime<Utc>,
) -> Result<DecisionRow, ServiceError> {
    // One decision at a time per round: revisions are numbered without gaps or collisions, and
    // what is decided is checked again under the lock.
    let round = round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    check_open_for_decisions(&round)?;
    match subject_kind {
        SubjectKind::Group => {
            decision::find_group(conn, subject_id)?.ok_or(ServiceError::NotFound)?;
        }
        SubjectKind::Comment => {
            if decision::triage_of(conn, subject_id)?
                .and_then(|t| t.group_id)
                .is_some()
            {
                return Err(ServiceError::refused(
                    Refusal::CommentGrouped,
                    "the comment is in a group: decide the group",
                ));
            }
        }
    }
    let reason = input
        .reason
        .map(|r| trim_blank(&r).to_owned())
        .filter(|r| !r.is_empty());
    let mut errors = Vec::new();
    if input.outcome.needs_reason() && reason.is_none() {
        errors.push(FieldError::new(
            "reason",
            "required",
            "give the reason for any decision but adoption",
        ));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_TEXT)
    {
        errors.push(FieldError::new(
            "reason",
            "length",
            format!("at most {MAX_TEXT} characters"),
        ));
    }
    let mut keys: Vec<String> = Vec::new();
    if !input.clause_keys.is_empty() {
        if !input.outcome.changes_text() {
            errors.push(FieldError::new(
                "clause_keys",
                "not_allowed",
                "only adopted or partly adopted comments are linked to clauses",
            ));
        } else {
            match next_version(conn, &round)? {
                None => errors.push(FieldError::new(
                    "clause_keys",
                    "no_next_version",
                    "prepare the next version before linking decisions to its clauses",
                )),
                Some(next) => {
                    // A clause of the next version, or one of the consulted version that the
                    // next removed.
                    let mut known: std::collections::HashSet<String> =
                        document::clauses_of(conn, &next.id)?
                            .into_iter()
                            .map(|c| c.key)
                            .collect();
                    known.extend(
                        document::clauses_of(conn, &round.version_id)?
                            .into_iter()
                            .map(|c| c.key),
                    );
                    // Keys, or the clauses as the next version prints them (renumbered).
                    let mut outline = None;
                    for (i, given) in input.clause_keys.iter().enumerate() {
                        let field = format!("clause_keys[{i}]");
                        let mut key = given.clone();
                        if !known.contains(&key) {
                            if outline.is_none() {
                                outline = Some(drafting::outline_of(conn, &next.id)?);
                            }
                            match drafting::key_of(
                                given,
                                outline.as_deref().unwrap_or_default(),
                                &field,
                            ) {
                                Ok(Some(found)) => key = found,
                                Ok(None) => {}
                                Err(error) => {
                                    errors.push(error);
                                    continue;
                                }
                            }
                        }
                        let key = &key;
                        if !known.contains(key) {
                            errors.push(FieldError::new(
                                field,
                                "unknown_clause",
                                "no clause with this key in the next version, nor a removed one of the version consulted on",
                            ));
                        } else if !keys.contains(key) {
                            keys.push(key.clone());
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let history = decision::history(conn, subject_id)?;
    let current = history.last().map(|d| d.revision);
    if current != expected {
        return Err(ServiceError::Stale);
    }
    // What the decision answers: each comment's content as it now stands.
    let answered_ids = match subject_kind {
        SubjectKind::Group => decision::members(conn, subject_id)?,
        SubjectKind::Comment => vec![subject_id.to_owned()],
    };
    let answered: std::collections::BTreeMap<String, i32> =
        comment::latest_copies(conn, &answered_ids)?
            .into_iter()
            .map(|row| (row.comment_id, row.content_revision))
            .collect();
    let row = DecisionRow {
        subject_id: subject_id.to_owned(),
        revision: current.unwrap_or(0) + 1,
        round_id: round.id.clone(),
        subject_kind,
        outcome: input.outcome,
        reason,
        clause_keys: serde_json::Value::from(keys).to_string(),
        decided_by: actor.name.clone(),
        decided_by_token: actor.token_id.clone(),
        decided_at: now.naive_utc(),
        answered: serde_json::to_string(&answered).unwrap_or_else(|_| "{}".to_owned()),
        stale: false,
    };
    decision::insert_decisions(conn, &round, std::slice::from_ref(&row))?;
    audit::record(
        conn,
        actor,
        row.decided_at,
        Change {
            action: "decision.record",
            entity_type: subject_kind.as_str(),
            entity_id: subject_id,
            before: history.last().map(decision_value),
            after: Some(decision_value(&row)),
        },
    )?;
    Ok(row)
}

fn decision_value(row: &DecisionRow) -> serde_json::Value {
    json!({
        "revision": row.revision,
        "outcome": row.outcome,
        "reason": row.reason,
        "clause_keys": row.keys(),
    })
}

/// The version after the one a round consulted on (draft or published), if there is one.
pub fn next_version(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> Result<Option<VersionRow>, ServiceError> {
    // Once the decisions are published, the version they were checked against (or none) is the
    // next version for good: a version started later never reaches the published record.
    if round.decisions_published_at.is_some() {
        return match &round.decisions_version_id {
            Some(id) => Ok(document::find_version_by_id(conn, id)?),
            None => Ok(None),
        };
    }
    let consulted =
        document::find_version_by_id(conn, &round.version_id)?.ok_or(ServiceError::NotFound)?;
    Ok(document::versions_of(conn, &round.document_id)?
        .into_iter()
        .filter(|v| v.number > consulted.number)
        .min_by_key(|v| v.number))
}

/// The changes from the consulted version to the next, when there is one.
pub fn changes(
    conn: &mut DbConnection,
    round: &RoundRow,
    next: Option<&VersionRow>,
) -> Result<Option<VersionDiff>, ServiceError> {
    let Some(next) = next else {
        return Ok(None);
    };
    let old = document::clauses_of(conn, &round.version_id)?;
    let new = document::clauses_of(conn, &next.id)?;
    Ok(Some(diff(&old, &new)))
}
