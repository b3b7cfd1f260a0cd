//! Rounds: creating one on a published version, opening it (which sends the letters), changing
//! its settings and deadline, closing and reopening it. Each runs inside the caller's
//! transaction, records itself in the audit log, and queues the emails it causes.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::letters::{Letterhead, issue, tell_new_deadlines};
use super::replies::closed;
use super::requests::new_request;
use crate::db::audit::{self, Actor, Change};
use crate::db::outbox;
use crate::db::round::{self, LockedRound, RequestRow, RequestWithAgency, RoundRow};
use crate::db::{DbConnection, agency, document};
use crate::domain::draft::diff::ChangeKind;
use crate::domain::refusal::Refusal;
use crate::domain::round::{Deadline, Due, RoundState};
use crate::email::templates::Notice;
use crate::service::agencies;
use crate::service::decisions::changes;
use crate::service::decisions::next_version;
use crate::service::error::ServiceError;
use crate::service::round_facts::{
    RoundReplies, count_working_days, round_state_of, too_far, zone,
};

/// Reminders before a deadline unless a round says otherwise: three days and one day ahead.
pub const DEFAULT_REMINDER_HOURS: [u32; 2] = [72, 24];

/// What a new round needs.
#[derive(Debug)]
pub struct NewRound {
    pub document_id: String,
    pub version_number: i32,
    pub title: String,
    pub instructions: String,
    pub time_zone: Tz,
    pub due: Due,
    pub scope: Option<Vec<String>>,
    pub accept_late: bool,
    /// Hours before the deadline at which silent agencies are reminded.
    pub reminder_hours: Vec<u32>,
    pub silence_is_no_comments: bool,
    /// Let invited agencies read the whole adoption table once decisions are published.
    pub share_report: bool,
    /// The round whose changes this one consults on again.
    pub follows_round_id: Option<String>,
    /// Agency ids to invite.
    pub agencies: Vec<String>,
    /// The office's reference for the letters (文号).
    pub letter_reference: Option<String>,
    /// Number each letter under the reference.
    pub number_letters: bool,
}

/// Prepares a round (a draft: nothing is sent until it opens) with a request per agency.
pub fn create_round(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewRound,
    now: DateTime<Utc>,
) -> Result<RoundRow, ServiceError> {
    let version = document::find_version(conn, &input.document_id, input.version_number)?
        .ok_or_else(|| {
            ServiceError::field("version", "not_found", "no such version of that document")
        })?;
    if !version.is_published() {
        return Err(ServiceError::refused(
            Refusal::VersionNotPublished,
            "agencies are consulted on published versions only: publish the version first",
        ));
    }
    if let Some(keys) = &input.scope {
        check_scope(conn, &version.id, keys)?;
    }
    let letter_reference = input
        .letter_reference
        .map(|reference| checked_reference(&reference))
        .transpose()?;
    if input.due.is_past(now) {
        return Err(in_the_past());
    }
    if input.due.is_too_far(now) {
        return Err(too_far());
    }
    let stamp = now.naive_utc();
    let mut row = RoundRow {
        id: Uuid::now_v7().to_string(),
        document_id: input.document_id,
        version_id: version.id,
        title: input.title.trim().to_owned(),
        instructions: input.instructions.trim().to_owned(),
        time_zone: input.time_zone.name().to_owned(),
        deadline: None,
        working_days: None,
        scope: input
            .scope
            .map(|keys| serde_json::Value::from(keys).to_string()),
        accept_late: input.accept_late,
        reminder_hours: serde_json::Value::from(input.reminder_hours).to_string(),
        silence_is_no_comments: input.silence_is_no_comments,
        opened_at: None,
        closed_at: None,
        state_reason: None,
        revision: 1,
        created_at: stamp,
        updated_at: stamp,
        share_report: input.share_report,
        decisions_published_at: None,
        decisions_published_by: None,
        check_override: None,
        follows_round_id: input.follows_round_id,
        deadline_calendar: None,
        decisions_version_id: None,
        letter_reference,
        number_letters: input.number_letters,
    };
    row.set_due(input.due);
    round::insert_round(conn, &row)?;
    for (i, agency_id) in input.agencies.iter().enumerate() {
        let found = agency::find(conn, agency_id)?
            .filter(|a| a.active)
            .ok_or_else(|| {
                ServiceError::field(
                    format!("agencies[{i}]"),
                    "unknown_agency",
                    "no such active agency",
                )
            })?;
        round::insert_request(conn, &new_request(&row.id, &found.id, stamp)).map_err(
            |e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => ServiceError::field(format!("agencies[{i}]"), "duplicate", "listed twice"),
                other => other.into(),
            },
        )?;
    }
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "round.create",
            entity_type: "round",
            entity_id: &row.id,
            before: None,
            after: audit_value(&row),
        },
    )?;
    Ok(row)
}

/// Refuses a scope that names a clause the version does not have.
fn check_scope(
    conn: &mut DbConnection,
    version_id: &str,
    keys: &[String],
) -> Result<(), ServiceError> {
    let present: std::collections::HashSet<String> = document::clauses_of(conn, version_id)?
        .into_iter()
        .map(|c| c.key)
        .collect();
    match keys.iter().enumerate().find(|(_, k)| !present.contains(*k)) {
        Some((i, key)) => Err(ServiceError::field(
            format!("scope[{i}]"),
            "unknown_clause",
            format!("the version has no clause {key:?}"),
        )),
        None => Ok(()),
    }
}

/// Opens a draft round: fixes its deadline (counting working days from now when it was given
/// so), sends every request, and queues the request emails.
pub fn open_round(
    conn: &mut DbConnection,
    actor: &Actor,
    before: RoundRow,
    now: DateTime<Utc>,
) -> Result<RoundRow, ServiceError> {
    if before.opened_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RoundOpened,
            "the round is open already",
        ));
    }
    let mut after = before.clone();
    let (deadline, basis) = match before.deadline_terms() {
        Some(Deadline::Fixed(at)) => (at, None),
        Some(Deadline::Counted { working_days, .. }) => {
            let counted = count_working_days(conn, now, zone(&before), working_days.max(1))?;
            (counted.at, Some(counted.basis))
        }
        None => return Err(ServiceError::internal("round without a deadline")),
    };
    if deadline <= now {
        return Err(ServiceError::refused(
            Refusal::DeadlinePassed,
            "the round's deadline has passed: change it before opening",
        ));
    }
    let stamp = now.naive_utc();
    after.deadline = Some(deadline.naive_utc());
    after.deadline_calendar = basis.map(|b| b.as_str().to_owned());
    after.opened_at = Some(stamp);
    let after = save_round(conn, actor, "round.open", &before, after, stamp)?;
    let head = Letterhead::of(conn, &after)?;
    for entry in round::requests_of_round(conn, &after.id)? {
        if entry.request.cancelled_at.is_none() {
            issue(conn, &after, &head, entry.request, now)?;
        }
    }
    Ok(after)
}

/// Writes a changed round if nobody changed it since it was read, and records the change.
pub fn save_round(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    before: &RoundRow,
    mut after: RoundRow,
    stamp: NaiveDateTime,
) -> Result<RoundRow, ServiceError> {
    after.revision = before.revision + 1;
    after.updated_at = stamp;
    if !round::update_round(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action,
            entity_type: "round",
            entity_id: &after.id,
            before: audit_value(before),
            after: audit_value(&after),
        },
    )?;
    Ok(after)
}

/// Changes to a round's settings; absent fields stay.
#[derive(Debug, Default)]
pub struct RoundChanges {
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub due: Option<Due>,
    pub scope: Option<Vec<String>>,
    pub accept_late: Option<bool>,
    pub reminder_hours: Option<Vec<u32>>,
    pub silence_is_no_comments: Option<bool>,
    pub share_report: Option<bool>,
    /// The letters' reference; `Some(None)` removes it.
    pub letter_reference: Option<Option<String>>,
    pub number_letters: Option<bool>,
}

/// A letter reference as kept: trimmed, 1 to 100 characters.
fn checked_reference(reference: &str) -> Result<String, ServiceError> {
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(ServiceError::field(
            "letter_reference",
            "invalid_reference",
            "must be 1 to 100 characters and not blank",
        ));
    }
    Ok(reference.to_owned())
}

fn in_the_past() -> ServiceError {
    ServiceError::field(
        "deadline",
        "in_the_past",
        "the deadline must be in the future",
    )
}

/// The round `read` locked for the rest of the transaction, before any of its requests or
/// messages is touched (the order every change to a round keeps, so that none waits on
/// another in a circle); a change made since it was read is a 412.
fn relock(conn: &mut DbConnection, read: RoundRow) -> Result<LockedRound, ServiceError> {
    let fresh = round::lock_round(conn, &read.id)?.ok_or(ServiceError::NotFound)?;
    if fresh.revision != read.revision {
        return Err(ServiceError::Stale);
    }
    Ok(fresh)
}

/// Changes a round. Everything can change while it is a draft; once open, its words, deadline
/// and reply rules; once closed, only its words (reopening sets a new deadline).
pub fn update_round(
    conn: &mut DbConnection,
    actor: &Actor,
    before: RoundRow,
    changes: RoundChanges,
    now: DateTime<Utc>,
) -> Result<RoundRow, ServiceError> {
    let before = relock(conn, before)?;
    let requests: Vec<RequestRow> = round::requests_of_round(conn, &before.id)?
        .into_iter()
        .map(|r| r.request)
        .collect();
    let state = round_state_of(&before, &requests, now);
    // The published table rests on who replied and how silence counts, and prints the round's
    // title: those stay.
    let settled = changes.title.is_some()
        || changes.instructions.is_some()
        || changes.due.is_some()
        || changes.scope.is_some()
        || changes.accept_late.is_some()
        || changes.reminder_hours.is_some()
        || changes.silence_is_no_comments.is_some();
    if before.decisions_published_at.is_some() && settled {
        return Err(ServiceError::refused(
            Refusal::DecisionsPublished,
            "the decisions are published: only whether the table is shared changes now",
        ));
    }
    // A closed round gets a new deadline only by reopening, with a reason.
    if state == RoundState::Closed && matches!(changes.due, Some(Due::At(_))) {
        return Err(closed());
    }
    let counted = matches!(changes.due, Some(Due::WorkingDays(_)));
    if state != RoundState::Draft && (changes.scope.is_some() || counted) {
        return Err(ServiceError::refused(
            Refusal::RoundOpened,
            "scope and working days are fixed once the round opens",
        ));
    }
    let lettered = changes.letter_reference.is_some() || changes.number_letters.is_some();
    if before.opened_at.is_some() && lettered {
        return Err(ServiceError::refused(
            Refusal::RoundOpened,
            "the letters went out under their reference: it is fixed once the round opens",
        ));
    }
    if changes.due.is_some_and(|due| due.is_past(now)) {
        return Err(in_the_past());
    }
    if changes.due.is_some_and(|due| due.is_too_far(now)) {
        return Err(too_far());
    }
    let mut after = before.clone();
    if let Some(title) = changes.title {
        after.title = title.trim().to_owned();
    }
    if let Some(instructions) = changes.instructions {
        after.instructions = instructions.trim().to_owned();
    }
    if let Some(due) = changes.due {
        after.set_due(due);
        if let Due::At(at) = due {
            round::drop_extensions_before(conn, &before.id, at.naive_utc())?;
        }
    }
    if let Some(keys) = changes.scope {
        check_scope(conn, &before.version_id, &keys)?;
        after.scope = Some(serde_json::Value::from(keys).to_string());
    }
    after.accept_late = changes.accept_late.unwrap_or(after.accept_late);
    if let Some(hours) = changes.reminder_hours {
        after.reminder_hours = serde_json::Value::from(hours).to_string();
    }
    after.silence_is_no_comments = changes
        .silence_is_no_comments
        .unwrap_or(after.silence_is_no_comments);
    after.share_report = changes.share_report.unwrap_or(after.share_report);
    if let Some(reference) = changes.letter_reference {
        after.letter_reference = reference.map(|r| checked_reference(&r)).transpose()?;
    }
    after.number_letters = changes.number_letters.unwrap_or(after.number_letters);
    if after == *before {
        return Ok(before.into_row());
    }
    let deadline_moved = after.deadline != before.deadline && before.opened_at.is_some();
    let after = save_round(conn, actor, "round.update", &before, after, now.naive_utc())?;
    if deadline_moved {
        tell_new_deadlines(
            conn,
            (&before, &requests),
            &after,
            Notice::DeadlineChanged,
            now,
        )?;
    }
    Ok(after)
}

/// Closes a round early, or reopens it with a new deadline; the reason is kept. Returns the
/// round with its requests as they stand after the change.
pub fn set_closed(
    conn: &mut DbConnection,
    actor: &Actor,
    before: RoundRow,
    close: bool,
    reason: &str,
    new_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(RoundRow, Vec<RequestWithAgency>), ServiceError> {
    let before = relock(conn, before)?;
    if before.opened_at.is_none() {
        return Err(ServiceError::refused(
            Refusal::RoundNotOpen,
            "the round has not opened yet",
        ));
    }
    let entries = round::requests_of_round(conn, &before.id)?;
    let requests: Vec<RequestRow> = entries.iter().map(|r| r.request.clone()).collect();
    let state = round_state_of(&before, &requests, now);
    let stamp = now.naive_utc();
    let mut after = before.clone();
    if close {
        // Also past its deadline: closing stops late replies.
        if before.closed_at.is_some() {
            return Err(closed());
        }
        after.closed_at = Some(stamp);
        for request in &requests {
            outbox::skip_pending_notices(conn, &request.id)?;
        }
    } else {
        if state != RoundState::Closed {
            return Err(ServiceError::refused(
                Refusal::RoundOpen,
                "the round is open: change its deadline instead",
            ));
        }
        if before.decisions_published_at.is_some() {
            return Err(ServiceError::refused(
                Refusal::DecisionsPublished,
                "the decisions on the round's comments are published: consult again in a follow-up round",
            ));
        }
        let deadline = new_deadline.filter(|d| *d > now).ok_or_else(|| {
            ServiceError::field(
                "deadline",
                "in_the_past",
                "reopening needs a deadline in the future",
            )
        })?;
        if crate::domain::round::too_far(deadline, now) {
            return Err(too_far());
        }
        after.closed_at = None;
        after.set_due(Due::At(deadline));
        round::drop_extensions_before(conn, &before.id, deadline.naive_utc())?;
    }
    after.state_reason = Some(reason.trim().to_owned());
    let action = if close { "round.close" } else { "round.reopen" };
    let after = save_round(conn, actor, action, &before, after, stamp)?;
    if close {
        // Closing changes no request: they stand as read under the lock.
        return Ok((after, entries));
    }
    tell_new_deadlines(conn, (&before, &requests), &after, Notice::Reopened, now)?;
    // Reopening dropped the extensions the new deadline overtakes.
    let entries = round::requests_of_round(conn, &after.id)?;
    Ok((after, entries))
}

fn audit_value(row: &RoundRow) -> Option<serde_json::Value> {
    serde_json::to_value(RoundAudit::from(row)).ok()
}

#[derive(serde::Serialize)]
struct RoundAudit<'a> {
    title: &'a str,
    version_id: &'a str,
    deadline: Option<DateTime<Utc>>,
    working_days: Option<i32>,
    deadline_calendar: Option<&'a str>,
    time_zone: &'a str,
    accept_late: bool,
    silence_is_no_comments: bool,
    opened_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    state_reason: Option<&'a str>,
}

impl<'a> From<&'a RoundRow> for RoundAudit<'a> {
    fn from(row: &'a RoundRow) -> Self {
        RoundAudit {
            title: &row.title,
            version_id: &row.version_id,
            deadline: row.deadline.map(|t| t.and_utc()),
            working_days: row.working_days,
            deadline_calendar: row.deadline_calendar.as_deref(),
            time_zone: &row.time_zone,
            accept_late: row.accept_late,
            silence_is_no_comments: row.silence_is_no_comments,
            opened_at: row.opened_at.map(|t| t.and_utc()),
            closed_at: row.closed_at.map(|t| t.and_utc()),
            state_reason: row.state_reason.as_deref(),
        }
    }
}

/// What a follow-up round changes from the round it follows; the rest is taken from it.
#[derive(Debug)]
pub struct FollowUp {
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub due: Due,
    /// By id or code; the agencies whose comments stood in the followed round unless given.
    pub agencies: Option<Vec<String>>,
}

/// A draft round on the next version of a closed round's document, consulting on the clauses
/// that changed, by default with the agencies that commented; returns it with its version
/// number.
pub fn follow_up(
    conn: &mut DbConnection,
    actor: &Actor,
    followed_id: &str,
    input: FollowUp,
    now: DateTime<Utc>,
) -> Result<(RoundRow, i32), ServiceError> {
    let followed = round::find_round(conn, followed_id)?.ok_or(ServiceError::NotFound)?;
    let requests: Vec<_> = round::requests_of_round(conn, &followed.id)?
        .into_iter()
        .map(|r| r.request)
        .collect();
    if round_state_of(&followed, &requests, now) != RoundState::Closed {
        return Err(ServiceError::refused(
            Refusal::RoundNotClosed,
            "a round is followed up once it has closed",
        ));
    }
    let next = next_version(conn, &followed)?
        .filter(|v| v.is_published())
        .ok_or_else(|| {
            ServiceError::refused(
                Refusal::VersionNotPublished,
                "a follow-up round consults on the next version: publish it first",
            )
        })?;
    let scope: Vec<String> = changes(conn, &followed, Some(&next))?
        .into_iter()
        .flat_map(|d| d.changes)
        .filter(|c| {
            matches!(
                c.status,
                ChangeKind::Added | ChangeKind::Modified | ChangeKind::Moved
            )
        })
        .map(|c| c.key)
        .collect();
    if scope.is_empty() {
        return Err(ServiceError::refused(
            Refusal::NothingChanged,
            "no clause changed in the next version: there is nothing to consult on again",
        ));
    }
    let agencies = match input.agencies {
        Some(names) => agencies::ids_of(conn, &names)?,
        None => RoundReplies::of(conn, &followed.id)?
            .standing()
            .map(|(entry, _)| entry.request.agency_id.clone())
            .collect(),
    };
    if agencies.is_empty() {
        return Err(ServiceError::refused(
            Refusal::NoCommenters,
            "no agency commented in the round followed: name the agencies to consult",
        ));
    }
    let row = create_round(
        conn,
        actor,
        NewRound {
            document_id: followed.document_id.clone(),
            version_number: next.number,
            title: input
                .title
                .unwrap_or_else(|| format!("{}（第{}稿）", followed.title, next.number)),
            instructions: input
                .instructions
                .unwrap_or_else(|| followed.instructions.clone()),
            time_zone: zone(&followed),
            due: input.due,
            scope: Some(scope),
            accept_late: followed.accept_late,
            reminder_hours: followed.reminder_offsets().into_iter().rev().collect(),
            silence_is_no_comments: followed.silence_is_no_comments,
            share_report: followed.share_report,
            follows_round_id: Some(followed.id.clone()),
            agencies,
            // A new round is a new letter: the office gives it its own reference.
            letter_reference: None,
            number_letters: followed.number_letters,
        },
        now,
    )?;
    Ok((row, next.number))
}
