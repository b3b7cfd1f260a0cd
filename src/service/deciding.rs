//! The office's work on a round's comments once they arrive: triage, groups of like comments,
//! decisions, the consistency check against the next version, and publishing the decisions.
//! Each operation runs inside the caller's transaction and records itself in the audit log.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::comment::{self, StandingComment, SubmittedRow};
use crate::db::decision::{self, DecisionRow, GroupRow, NoteRow, TriageRow};
use crate::db::document::{self, VersionRow};
use crate::db::outbox::{self, NewMessage};
use crate::db::round::{self, RoundRow};
use crate::db::{DbConnection, agency, token};
use crate::domain::agency::Locale;
use crate::domain::decision::{Decided, Finding, Outcome, Subject};
use crate::domain::draft::diff::{VersionDiff, diff};
use crate::domain::round::RoundState;
use crate::domain::text::trim_blank;
use crate::email::templates::{self, HandledComment};
use crate::error::{ApiError, FieldError};
use crate::service::commenting::MAX_TEXT;
use crate::service::round_facts::{RoundReplies, round_state_of};
use crate::service::rounds;

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
    /// Loads the handling of `round_id`, given its replies.
    pub fn load(
        conn: &mut DbConnection,
        round_id: &str,
        replies: &RoundReplies,
    ) -> Result<Self, ApiError> {
        let reply_ids: Vec<String> = replies.standing().map(|(_, r)| r.id.clone()).collect();
        Ok(Handling {
            comments: comment::standing(conn, round_id, &reply_ids)?,
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
                outcome: Outcome::parse(&d.outcome).unwrap_or(Outcome::Noted),
                reason: d.reason.clone(),
                clause_keys: d.keys(),
                stale: d.stale,
            }),
        }
    }
}

/// The version after the one a round consulted on (draft or published), if there is one.
pub fn next_version(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> Result<Option<VersionRow>, ApiError> {
    // Once the decisions are published, the version they were checked against (or none) is the
    // next version for good: a version started later never reaches the published record.
    if round.decisions_published_at.is_some() {
        return match &round.decisions_version_id {
            Some(id) => Ok(document::find_version_by_id(conn, id)?),
            None => Ok(None),
        };
    }
    let consulted =
        document::find_version_by_id(conn, &round.version_id)?.ok_or(ApiError::NotFound)?;
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
) -> Result<Option<VersionDiff>, ApiError> {
    let Some(next) = next else {
        return Ok(None);
    };
    let old = document::clauses_of(conn, &round.version_id)?;
    let new = document::clauses_of(conn, &next.id)?;
    Ok(Some(diff(&old, &new)))
}

/// The consistency check of a round's decisions against the next version, with what it read.
pub struct Checked {
    pub replies: RoundReplies,
    pub handling: Handling,
    pub next: Option<VersionRow>,
    pub findings: Vec<Finding>,
}

/// Runs the consistency check.
pub fn check(conn: &mut DbConnection, round: &RoundRow) -> Result<Checked, ApiError> {
    let replies = RoundReplies::of(conn, &round.id)?;
    let handling = Handling::load(conn, &round.id, &replies)?;
    let next = next_version(conn, round)?;
    let changes = changes(conn, round, next.as_ref())?;
    let findings = crate::domain::decision::check(&handling.subjects(), changes.as_ref());
    Ok(Checked {
        replies,
        handling,
        next,
        findings,
    })
}

fn published() -> ApiError {
    ApiError::conflict(
        "decisions_published",
        "the round's decisions are published and can no longer change",
    )
}

fn not_standing(field: String) -> ApiError {
    ApiError::field(
        field,
        "unknown_comment",
        "no submitted comment of this round with this id",
    )
}

/// Refuses changes once the decisions are out.
pub fn check_open_for_decisions(round: &RoundRow) -> Result<(), ApiError> {
    match round.decisions_published_at {
        Some(_) => Err(published()),
        None => Ok(()),
    }
}

/// A submitted comment that stands in its round, with the round.
pub fn standing_comment(
    conn: &mut DbConnection,
    comment_id: &str,
) -> Result<(SubmittedRow, RoundRow), ApiError> {
    let working = comment::find(conn, comment_id)?.ok_or(ApiError::NotFound)?;
    let round = round::find_round(conn, &working.round_id)?.ok_or(ApiError::NotFound)?;
    let replies = RoundReplies::of(conn, &round.id)?;
    let reply_ids: Vec<String> = replies
        .standing()
        .filter(|(entry, _)| entry.request.id == working.request_id)
        .map(|(_, r)| r.id.clone())
        .collect();
    let row = comment::standing_one(conn, comment_id, &reply_ids)?.ok_or(ApiError::NotFound)?;
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
    subject_kind: &'static str,
    expected: Option<i32>,
    input: DecisionInput,
    now: DateTime<Utc>,
) -> Result<DecisionRow, ApiError> {
    // One decision at a time per round: revisions are numbered without gaps or collisions, and
    // what is decided is checked again under the lock.
    let round = round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    check_open_for_decisions(&round)?;
    match subject_kind {
        "group" => {
            decision::find_group(conn, subject_id)?.ok_or(ApiError::NotFound)?;
        }
        _ => {
            if decision::triage_of(conn, subject_id)?
                .and_then(|t| t.group_id)
                .is_some()
            {
                return Err(ApiError::conflict(
                    "comment_grouped",
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
                    for (i, key) in input.clause_keys.iter().enumerate() {
                        if !known.contains(key) {
                            errors.push(FieldError::new(
                                format!("clause_keys[{i}]"),
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
        return Err(ApiError::Validation(errors));
    }
    let history = decision::history(conn, subject_id)?;
    let current = history.last().map(|d| d.revision);
    if current != expected {
        return Err(ApiError::PreconditionFailed);
    }
    // What the decision answers: each comment's content as it now stands.
    let answered_ids = match subject_kind {
        "group" => decision::members(conn, subject_id)?,
        _ => vec![subject_id.to_owned()],
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
        subject_kind: subject_kind.to_owned(),
        outcome: input.outcome.as_str().to_owned(),
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
            entity_type: subject_kind,
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

/// Checks that `comment_ids` are standing comments of the round, outside any group but
/// `allowed_group`, and without a decision of their own (which would come back unseen if they
/// left the group); returns them without repeats.
fn groupable(
    conn: &mut DbConnection,
    round: &RoundRow,
    comment_ids: &[String],
    field: &str,
    allowed_group: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let replies = RoundReplies::of(conn, &round.id)?;
    let reply_ids: Vec<String> = replies.standing().map(|(_, r)| r.id.clone()).collect();
    let standing: HashSet<String> = comment::standing_among(conn, &reply_ids, comment_ids)?
        .into_iter()
        .collect();
    let triage: HashMap<String, TriageRow> = decision::triage_among(conn, comment_ids)?
        .into_iter()
        .map(|t| (t.comment_id.clone(), t))
        .collect();
    let decided: HashSet<String> = decision::decided_among(conn, comment_ids)?
        .into_iter()
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for (i, id) in comment_ids.iter().enumerate() {
        if !standing.contains(id) {
            return Err(not_standing(format!("{field}[{i}]")));
        }
        if ids.contains(id) {
            continue;
        }
        let group = triage.get(id).and_then(|t| t.group_id.as_deref());
        if group.is_some_and(|g| Some(g) != allowed_group) {
            return Err(ApiError::conflict(
                "comment_grouped",
                format!("comment {id} is in another group: take it out of that group first"),
            ));
        }
        if group.is_none() && decided.contains(id) {
            return Err(ApiError::conflict(
                "comment_decided",
                format!(
                    "comment {id} has a decision of its own: group comments before deciding them"
                ),
            ));
        }
        ids.push(id.clone());
    }
    Ok(ids)
}

/// Starts a group of comments that say the same thing.
pub fn create_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    title: &str,
    comment_ids: &[String],
    now: NaiveDateTime,
) -> Result<GroupRow, ApiError> {
    let round = round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    check_open_for_decisions(&round)?;
    let ids = groupable(conn, &round, comment_ids, "comment_ids", None)?;
    if ids.len() < 2 {
        return Err(ApiError::field(
            "comment_ids",
            "length",
            "a group has at least two comments",
        ));
    }
    let row = GroupRow {
        id: Uuid::now_v7().to_string(),
        round_id: round.id.clone(),
        title: title.trim().to_owned(),
        revision: 1,
        created_by: actor.name.clone(),
        created_at: now,
        updated_at: now,
    };
    decision::insert_group(conn, &round, &row)?;
    decision::set_group(conn, &round, &ids, Some(&row.id), now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.create",
            entity_type: "group",
            entity_id: &row.id,
            before: None,
            after: Some(json!({"title": row.title, "comment_ids": ids})),
        },
    )?;
    Ok(row)
}

/// Changes a group: its title, comments in, comments out.
#[allow(clippy::too_many_arguments)]
pub fn change_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    before: &GroupRow,
    title: Option<String>,
    add: &[String],
    remove: &[String],
    now: NaiveDateTime,
) -> Result<GroupRow, ApiError> {
    let round = round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    check_open_for_decisions(&round)?;
    let members_before = decision::members(conn, &before.id)?;
    if let Some(i) = add.iter().position(|id| remove.contains(id)) {
        return Err(ApiError::field(
            format!("add[{i}]"),
            "also_removed",
            "a comment cannot be put in and taken out at once",
        ));
    }
    let added = groupable(conn, &round, add, "add", Some(&before.id))?;
    for (i, id) in remove.iter().enumerate() {
        if !members_before.contains(id) {
            return Err(ApiError::field(
                format!("remove[{i}]"),
                "not_a_member",
                "this comment is not in the group",
            ));
        }
    }
    let members: Vec<String> = members_before
        .iter()
        .chain(added.iter())
        .filter(|id| !remove.contains(id))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if members.len() < 2 {
        return Err(ApiError::field(
            "remove",
            "length",
            "a group keeps at least two comments; delete it instead",
        ));
    }
    let mut after = before.clone();
    if let Some(title) = title {
        after.title = title.trim().to_owned();
    }
    after.revision = before.revision + 1;
    after.updated_at = now;
    if !decision::update_group(conn, &round, &after, before.revision)? {
        return Err(ApiError::PreconditionFailed);
    }
    decision::set_group(conn, &round, remove, None, now)?;
    decision::set_group(conn, &round, &added, Some(&before.id), now)?;
    // A decision made before a comment joined (or left) does not answer the group as it is.
    let was: std::collections::BTreeSet<&String> = members_before.iter().collect();
    if members.iter().collect::<std::collections::BTreeSet<_>>() != was {
        decision::mark_stale(conn, &round, std::slice::from_ref(&before.id))?;
    }
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.update",
            entity_type: "group",
            entity_id: &before.id,
            before: Some(json!({"title": before.title, "comment_ids": members_before})),
            after: Some(json!({"title": after.title, "comment_ids": members})),
        },
    )?;
    Ok(after)
}

/// Dissolves an undecided group, if it is still at revision `expected` (any, when `None`); its
/// comments are decided one by one again.
pub fn delete_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    group_id: &str,
    expected: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let round = round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    check_open_for_decisions(&round)?;
    let group = decision::find_group(conn, group_id)?.ok_or(ApiError::NotFound)?;
    if expected.is_some_and(|e| e != group.revision) {
        return Err(ApiError::PreconditionFailed);
    }
    if !decision::history(conn, &group.id)?.is_empty() {
        return Err(ApiError::conflict(
            "group_decided",
            "the group has a decision: change the decision rather than the group",
        ));
    }
    let members = decision::members(conn, &group.id)?;
    decision::set_group(conn, &round, &members, None, now)?;
    decision::delete_group(conn, &round, &group.id)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.delete",
            entity_type: "group",
            entity_id: &group.id,
            before: Some(json!({"title": group.title, "comment_ids": members})),
            after: None,
        },
    )?;
    Ok(())
}

/// Gives a comment to a drafter (a staff token that is still usable), or to nobody.
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    token_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<TriageRow, ApiError> {
    if let Some(id) = token_id {
        let usable = token::find(conn, id)?.is_some_and(|t| {
            t.agency_id.is_none()
                && t.revoked_at.is_none()
                && t.expires_at.is_none_or(|at| at > now)
        });
        if !usable {
            return Err(ApiError::field(
                "assignee_token_id",
                "unknown_drafter",
                "no usable drafter or admin token with this id",
            ));
        }
    }
    let before = decision::triage_of(conn, &comment.comment_id)?;
    decision::set_assignee(conn, &comment.comment_id, &comment.round_id, token_id, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "comment.assign",
            entity_type: "comment",
            entity_id: &comment.comment_id,
            before: before.map(|t| json!({"assignee_token_id": t.assignee_token_id})),
            after: Some(json!({"assignee_token_id": token_id})),
        },
    )?;
    decision::triage_of(conn, &comment.comment_id)?.ok_or(ApiError::NotFound)
}

/// Adds an internal note to a comment.
pub fn add_note(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    body: &str,
    now: NaiveDateTime,
) -> Result<NoteRow, ApiError> {
    let row = NoteRow {
        id: Uuid::now_v7().to_string(),
        comment_id: comment.comment_id.clone(),
        round_id: comment.round_id.clone(),
        author: actor.name.clone(),
        body: body.trim().to_owned(),
        created_at: now,
    };
    decision::insert_note(conn, &row)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "comment.note",
            entity_type: "comment",
            entity_id: &row.comment_id,
            before: None,
            after: Some(json!({"note_id": row.id})),
        },
    )?;
    Ok(row)
}

/// Publishes a closed round's decisions: refused while the next version is an unpublished
/// draft, and while the consistency check finds problems unless `override_reason` says why
/// they stand. The round stays closed for good, and each agency with comments is mailed how
/// they were handled.
pub fn publish_decisions(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    expected: Option<i32>,
    override_reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<RoundRow, ApiError> {
    let before = round::lock_round(conn, round_id)?.ok_or(ApiError::NotFound)?;
    if expected.is_some_and(|e| e != before.revision) {
        return Err(ApiError::PreconditionFailed);
    }
    check_open_for_decisions(&before)?;
    let Checked {
        replies,
        handling,
        next,
        findings,
    } = check(conn, &before)?;
    let requests: Vec<_> = replies.requests.iter().map(|r| r.request.clone()).collect();
    if round_state_of(&before, &requests, now) != RoundState::Closed {
        return Err(ApiError::conflict(
            "round_not_closed",
            "decisions are published once the round has closed",
        ));
    }
    if next.as_ref().is_some_and(|v| !v.is_published()) {
        return Err(ApiError::conflict(
            "next_version_unpublished",
            "publish the next version before the decisions on the comments that shaped it",
        ));
    }
    let override_reason = override_reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if !findings.is_empty() && override_reason.is_none() {
        return Err(ApiError::conflict(
            "check_failed",
            format!(
                "the consistency check finds {} problem(s), the first: {}; see the round's check, or publish with override_reason",
                findings.len(),
                findings[0].detail
            ),
        ));
    }
    let mut after = before.clone();
    // Closed for good: no late reply can add a comment nobody decided.
    after.closed_at = after.closed_at.or(Some(now.naive_utc()));
    after.decisions_published_at = Some(now.naive_utc());
    after.decisions_published_by = Some(actor.name.clone());
    after.check_override = override_reason.filter(|_| !findings.is_empty());
    after.decisions_version_id = next.as_ref().map(|v| v.id.clone());
    let after = rounds::save_round(
        conn,
        actor,
        "round.publish_decisions",
        &before,
        after,
        now.naive_utc(),
    )?;
    announce(conn, &after, &replies, &handling, next.as_ref(), now)?;
    Ok(after)
}

/// Queues to each agency with comments the decisions on them.
fn announce(
    conn: &mut DbConnection,
    round: &RoundRow,
    replies: &RoundReplies,
    handling: &Handling,
    next: Option<&VersionRow>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let old = document::clauses_of(conn, &round.version_id)?;
    let new = match next {
        Some(v) => document::clauses_of(conn, &v.id)?,
        None => Vec::new(),
    };
    let numbers = |clauses: Vec<crate::domain::draft::Clause>| -> HashMap<String, String> {
        clauses.into_iter().map(|c| (c.key, c.number)).collect()
    };
    let (old, new) = (numbers(old), numbers(new));
    let number = |numbers: &HashMap<String, String>, key: &Option<String>| {
        key.as_ref().and_then(|k| numbers.get(k).cloned())
    };
    let mut by_agency: HashMap<&str, Vec<&StandingComment>> = HashMap::new();
    for c in &handling.comments {
        by_agency.entry(c.agency_id.as_str()).or_default().push(c);
    }
    for (entry, _) in replies.standing() {
        let Some(found) = agency::find(conn, &entry.request.agency_id)? else {
            continue;
        };
        let items: Vec<HandledComment> = by_agency
            .get(found.id.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|c| {
                let decided = handling.decision_of(&c.comment_id);
                HandledComment {
                    clause: number(&old, &c.clause_key),
                    clause_now: number(&new, &c.clause_key),
                    body: c.body.clone(),
                    outcome: decided.and_then(|d| Outcome::parse(&d.outcome)),
                    reason: decided.and_then(|d| d.reason.clone()),
                    // The linked clauses the next version has (a removed one has no number now).
                    carried_to: decided
                        .map(|d| d.keys())
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|k| new.get(k).cloned())
                        .collect(),
                }
            })
            .collect();
        let rendered = templates::decisions_published(
            Locale::parse(&found.locale).unwrap_or_default(),
            &found.name,
            &round.title,
            &items,
            next.is_some(),
        );
        outbox::enqueue(
            conn,
            NewMessage {
                dedupe_key: format!("decisions_published:{}:{}", round.id, found.id),
                kind: "decisions_published".to_owned(),
                agency_id: Some(found.id.clone()),
                round_id: Some(round.id.clone()),
                recipients: found.email_list(),
                body_html: Some(rendered.body_html()),
                subject: rendered.subject,
                body_text: rendered.body_text,
                send_at: now.naive_utc(),
            },
            now.naive_utc(),
        )?;
    }
    Ok(())
}
