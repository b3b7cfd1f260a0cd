//! A round's requests: inviting and removing agencies, extensions, a request being read.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use super::letters::{Letterhead, issue, rewrite_letter};
use super::replies::{closed, locked, published_already};
use super::round_facts::count_working_days;
use crate::db::audit::{self, Actor, Change};
use crate::db::outbox;
use crate::db::round::{self, RequestRow, RoundRow};
use crate::db::{DbConnection, agency};
use crate::domain::refusal::Refusal;
use crate::domain::round::{Due, RoundState};
use crate::email::templates::Notice;
use crate::service::error::ServiceError;
use crate::service::round_facts::{round_state_of, too_far, zone};

pub(super) fn new_request(round_id: &str, agency_id: &str, now: NaiveDateTime) -> RequestRow {
    RequestRow {
        id: Uuid::now_v7().to_string(),
        round_id: round_id.to_owned(),
        agency_id: agency_id.to_owned(),
        issued_at: None,
        viewed_at: None,
        extended_deadline: None,
        extension_reason: None,
        cancelled_at: None,
        cancel_reason: None,
        last_activity_at: now,
        created_at: now,
        extension_calendar: None,
        extension_working_days: None,
        extended_at: None,
        letter_number: None,
    }
}

/// Invites an agency to a round; sends its request at once when the round is open.
pub fn add_agency(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    agency_id: &str,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    let stamp = now.naive_utc();
    // Locked, so that a round opening at the same moment cannot miss the new request.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    let found = agency::find(conn, agency_id)?
        .filter(|a| a.active)
        .ok_or_else(|| {
            ServiceError::field("agency_id", "unknown_agency", "no such active agency")
        })?;
    let requests = round::requests_of_round(conn, &round.id)?;
    if round_state_of(
        round,
        &requests
            .iter()
            .map(|r| r.request.clone())
            .collect::<Vec<_>>(),
        now,
    ) == RoundState::Closed
    {
        return Err(closed());
    }
    let existing = requests
        .into_iter()
        .find(|r| r.request.agency_id == found.id);
    let request = match existing {
        Some(entry) if entry.request.cancelled_at.is_none() => {
            return Err(ServiceError::refused(
                Refusal::AlreadyInvited,
                "the agency has a request in this round already",
            ));
        }
        // Invited again after being removed: the same request, no longer cancelled.
        Some(entry) => {
            let mut request = entry.request;
            request.cancelled_at = None;
            request.cancel_reason = None;
            request.last_activity_at = stamp;
            round::update_request(conn, &request)?;
            request
        }
        None => {
            let request = new_request(&round.id, &found.id, stamp);
            round::insert_request(conn, &request)?;
            request
        }
    };
    let request = if round.opened_at.is_some() {
        let head = Letterhead::of(conn, round)?;
        issue(conn, round, &head, request, now)?
    } else {
        request
    };
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "request.create",
            entity_type: "request",
            entity_id: &request.id,
            before: None,
            after: serde_json::to_value(RequestAudit::from(&request)).ok(),
        },
    )?;
    Ok(request)
}

/// Takes an agency out of a round before it has replied; its request is kept, cancelled.
pub fn remove_agency(
    conn: &mut DbConnection,
    actor: &Actor,
    request: RequestRow,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    // The round's lock first, as every change to a round's requests takes it.
    let round = round::lock_round(conn, &request.round_id)?.ok_or(ServiceError::NotFound)?;
    let request = locked(conn, &request.id, now)?;
    if round.decisions_published_at.is_some() {
        return Err(published_already());
    }
    if request.cancelled_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RequestCancelled,
            "the request is cancelled already",
        ));
    }
    if !round::replies_of(conn, std::slice::from_ref(&request.id))?.is_empty() {
        return Err(ServiceError::refused(
            Refusal::AlreadyReplied,
            "the agency has replied: its request stays in the round",
        ));
    }
    let stamp = now.naive_utc();
    let mut after = request.clone();
    after.cancelled_at = Some(stamp);
    after.cancel_reason = Some(reason.trim().to_owned());
    after.last_activity_at = stamp;
    outbox::skip_pending_notices(conn, &after.id)?;
    // Removed before the letter went out: it does not go out.
    outbox::skip_pending_letters(conn, &after.id)?;
    save_request(conn, actor, "request.cancel", &request, after, stamp)
}

/// Gives one request a later deadline than the round's.
pub fn extend(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: RequestRow,
    due: Due,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    // The round's lock first, as every change to a round's requests takes it; the round is read
    // again under it, since its deadline decides what counts as later.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    let request = locked(conn, &request.id, now)?;
    let (deadline, basis, days) = match due {
        Due::At(deadline) => (deadline, None, None),
        Due::WorkingDays(days) => {
            let counted = count_working_days(conn, now, zone(round), days)?;
            (counted.at, Some(counted.basis), Some(days))
        }
    };
    if request.cancelled_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RequestCancelled,
            "the request is cancelled",
        ));
    }
    if round.opened_at.is_none() {
        return Err(ServiceError::refused(
            Refusal::RoundNotOpen,
            "the round has not opened yet",
        ));
    }
    if round.closed_at.is_some() {
        return Err(closed());
    }
    if deadline <= now {
        return Err(ServiceError::field(
            "deadline",
            "in_the_past",
            "the new deadline must be in the future",
        ));
    }
    if crate::domain::round::too_far(deadline, now) {
        return Err(too_far());
    }
    if round.deadline.is_some_and(|d| deadline <= d.and_utc()) {
        return Err(ServiceError::field(
            "deadline",
            "not_later",
            "an extension ends after the round's deadline",
        ));
    }
    let stamp = now.naive_utc();
    let mut after = request.clone();
    after.extended_deadline = Some(deadline.naive_utc());
    after.extension_calendar = basis.map(|b| b.as_str().to_owned());
    after.extension_working_days = days.map(|d| i32::try_from(d).unwrap_or(i32::MAX));
    after.extended_at = Some(stamp);
    after.extension_reason = Some(reason.trim().to_owned());
    after.last_activity_at = stamp;
    let after = save_request(conn, actor, "request.extend", &request, after, stamp)?;
    // Reminders of the old deadline would now be wrong; the new one gets its own, and a letter
    // still waiting gives the new deadline.
    outbox::skip_pending_notices(conn, &after.id)?;
    let head = Letterhead::of(conn, round)?;
    rewrite_letter(conn, round, &head, &after, now)?;
    if let Some(entry) = round::request_with_agency(conn, &after.id)? {
        let key = format!("extension:{}:{}", after.id, deadline.timestamp_micros());
        crate::service::reminding::queue(
            conn,
            round,
            &entry,
            Notice::Extended,
            deadline,
            &key,
            now,
        )?;
    }
    Ok(after)
}

/// Writes a changed request and records the change.
pub fn save_request(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    before: &RequestRow,
    after: RequestRow,
    stamp: NaiveDateTime,
) -> Result<RequestRow, ServiceError> {
    round::update_request(conn, &after)?;
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action,
            entity_type: "request",
            entity_id: &after.id,
            before: serde_json::to_value(RequestAudit::from(before)).ok(),
            after: serde_json::to_value(RequestAudit::from(&after)).ok(),
        },
    )?;
    Ok(after)
}

/// Notes the agency's first reading of a request.
pub fn mark_viewed(
    conn: &mut DbConnection,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if request.viewed_at.is_some() {
        return Ok(());
    }
    Ok(round::mark_viewed(conn, &request.id, now.naive_utc())?)
}

#[derive(serde::Serialize)]
struct RequestAudit<'a> {
    round_id: &'a str,
    agency_id: &'a str,
    issued_at: Option<DateTime<Utc>>,
    extended_deadline: Option<DateTime<Utc>>,
    extension_calendar: Option<&'a str>,
    extension_working_days: Option<i32>,
    extension_reason: Option<&'a str>,
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: Option<&'a str>,
}

impl<'a> From<&'a RequestRow> for RequestAudit<'a> {
    fn from(row: &'a RequestRow) -> Self {
        RequestAudit {
            round_id: &row.round_id,
            agency_id: &row.agency_id,
            issued_at: row.issued_at.map(|t| t.and_utc()),
            extended_deadline: row.extended_deadline.map(|t| t.and_utc()),
            extension_calendar: row.extension_calendar.as_deref(),
            extension_working_days: row.extension_working_days,
            extension_reason: row.extension_reason.as_deref(),
            cancelled_at: row.cancelled_at.map(|t| t.and_utc()),
            cancel_reason: row.cancel_reason.as_deref(),
        }
    }
}
