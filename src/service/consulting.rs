//! Round and request operations shared by the API and the demo data. Each runs inside the
//! caller's transaction, records itself in the audit log, and queues the emails it causes.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use sha2::Digest;
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::calendar;
use crate::db::outbox::{self, NewMessage};
use crate::db::round::{self, LockedRound, ReplyRow, RequestRow, RoundRow};
use crate::db::{DbConnection, agency, document};
use crate::domain::agency::Locale;
use crate::domain::calendar::{CountedDeadline, working_day_deadline};
use crate::domain::round::{ReplyKind, RoundState};
use crate::email::templates::{self, CommentRequest, Notice};
use crate::error::ApiError;
use crate::service::round_facts::{
    current_reply, effective_calendar, effective_deadline, round_state_of, zone,
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
    pub deadline: Option<DateTime<Utc>>,
    pub working_days: Option<u32>,
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
}

/// Prepares a round (a draft: nothing is sent until it opens) with a request per agency.
pub fn create_round(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewRound,
    now: DateTime<Utc>,
) -> Result<RoundRow, ApiError> {
    let version = document::find_version(conn, &input.document_id, input.version_number)?
        .ok_or_else(|| {
            ApiError::field("version", "not_found", "no such version of that document")
        })?;
    if !version.is_published() {
        return Err(ApiError::conflict(
            "version_not_published",
            "agencies are consulted on published versions only: publish the version first",
        ));
    }
    if let Some(keys) = &input.scope {
        check_scope(conn, &version.id, keys)?;
    }
    if let Some(deadline) = input.deadline {
        if deadline <= now {
            return Err(ApiError::field(
                "deadline",
                "in_the_past",
                "the deadline must be in the future",
            ));
        }
    }
    let stamp = now.naive_utc();
    let row = RoundRow {
        id: Uuid::now_v7().to_string(),
        document_id: input.document_id,
        version_id: version.id,
        title: input.title.trim().to_owned(),
        instructions: input.instructions.trim().to_owned(),
        time_zone: input.time_zone.name().to_owned(),
        deadline: input.deadline.map(|d| d.naive_utc()),
        working_days: input
            .working_days
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
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
    };
    round::insert_round(conn, &row)?;
    for (i, agency_id) in input.agencies.iter().enumerate() {
        let found = agency::find(conn, agency_id)?
            .filter(|a| a.active)
            .ok_or_else(|| {
                ApiError::field(
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
                ) => ApiError::field(format!("agencies[{i}]"), "duplicate", "listed twice"),
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
fn check_scope(conn: &mut DbConnection, version_id: &str, keys: &[String]) -> Result<(), ApiError> {
    let present: std::collections::HashSet<String> = document::clauses_of(conn, version_id)?
        .into_iter()
        .map(|c| c.key)
        .collect();
    match keys.iter().enumerate().find(|(_, k)| !present.contains(*k)) {
        Some((i, key)) => Err(ApiError::field(
            format!("scope[{i}]"),
            "unknown_clause",
            format!("the version has no clause {key:?}"),
        )),
        None => Ok(()),
    }
}

fn new_request(round_id: &str, agency_id: &str, now: NaiveDateTime) -> RequestRow {
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
    }
}

/// A deadline `days` working days from `from` in `zone`, on the calendar in force now.
pub fn count_working_days(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    zone: Tz,
    days: u32,
) -> Result<CountedDeadline, ApiError> {
    let calendar = calendar::load(conn)?;
    working_day_deadline(&calendar, from, zone, days)
        .ok_or_else(|| ApiError::internal("no working day found for the deadline"))
}

/// Opens a draft round: fixes its deadline (counting working days from now when it was given
/// so), sends every request, and queues the request emails.
pub fn open_round(
    conn: &mut DbConnection,
    actor: &Actor,
    before: RoundRow,
    now: DateTime<Utc>,
) -> Result<RoundRow, ApiError> {
    if before.opened_at.is_some() {
        return Err(ApiError::conflict(
            "round_opened",
            "the round is open already",
        ));
    }
    let mut after = before.clone();
    let (deadline, basis) = match (before.deadline, before.working_days) {
        (Some(deadline), _) => (deadline.and_utc(), None),
        (None, Some(days)) => {
            let days = u32::try_from(days.max(1)).unwrap_or(1);
            let counted = count_working_days(conn, now, zone(&before), days)?;
            (counted.at, Some(counted.basis))
        }
        (None, None) => return Err(ApiError::internal("round without a deadline")),
    };
    if deadline <= now {
        return Err(ApiError::conflict(
            "deadline_passed",
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

/// What every letter of a round names: the document and the version consulted on, read once
/// for all the round's letters.
struct Letterhead {
    document_title: String,
    version_label: String,
}

impl Letterhead {
    fn of(conn: &mut DbConnection, round: &RoundRow) -> Result<Self, ApiError> {
        let version = document::find_version_by_id(conn, &round.version_id)?
            .ok_or_else(|| ApiError::internal("round on a missing version"))?;
        let document_title = document::find_document(conn, &round.document_id)?
            .map(|d| d.title)
            .unwrap_or_default();
        Ok(Letterhead {
            document_title,
            version_label: version.label,
        })
    }
}

/// The comment request letter to `agency`, with the request's effective deadline.
fn letter(
    round: &RoundRow,
    head: &Letterhead,
    request: &RequestRow,
    agency: &crate::db::agency::AgencyRow,
    now: DateTime<Utc>,
) -> templates::Rendered {
    templates::comment_request(
        Locale::parse(&agency.locale).unwrap_or_default(),
        &CommentRequest {
            agency_name: &agency.name,
            document_title: &head.document_title,
            version_label: &head.version_label,
            round_title: &round.title,
            instructions: &round.instructions,
            deadline: effective_deadline(round, request).unwrap_or(now),
            time_zone: zone(round),
            calendar: effective_calendar(round, request),
            request_id: &request.id,
        },
    )
}

/// Writes the request's letter again, with the deadline now in force, if it has not gone out;
/// returns whether there was one waiting.
fn rewrite_letter(
    conn: &mut DbConnection,
    round: &RoundRow,
    head: &Letterhead,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let Some(agency) = agency::find(conn, &request.agency_id)? else {
        return Ok(false);
    };
    let rendered = letter(round, head, request, &agency, now);
    let html = rendered.body_html();
    let texts = (
        rendered.subject.as_str(),
        rendered.body_text.as_str(),
        html.as_str(),
    );
    Ok(outbox::rewrite_pending_letters(conn, &request.id, texts)? > 0)
}

/// After a change of the round's deadline (or of its extensions), for each agency whose
/// effective deadline moved: what was queued for the old deadline is skipped, a letter still
/// waiting is written again with the new one, and an agency whose letter went out is told by
/// `notice`.
pub fn tell_new_deadlines(
    conn: &mut DbConnection,
    before: (&RoundRow, &[RequestRow]),
    after: &RoundRow,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (round_before, requests_before) = before;
    let old: HashMap<&str, Option<DateTime<Utc>>> = requests_before
        .iter()
        .map(|r| (r.id.as_str(), effective_deadline(round_before, r)))
        .collect();
    let stamp = now.naive_utc();
    let head = Letterhead::of(conn, after)?;
    for entry in round::requests_of_round(conn, &after.id)? {
        let request = &entry.request;
        if request.issued_at.is_none() || request.cancelled_at.is_some() {
            continue;
        }
        let Some(deadline) = effective_deadline(after, request) else {
            continue;
        };
        if old.get(request.id.as_str()).copied().flatten() == Some(deadline) {
            continue;
        }
        outbox::skip_pending_notices(conn, &request.id)?;
        if rewrite_letter(conn, after, &head, request, now)? {
            continue;
        }
        let key = format!(
            "deadline:{}:{}:{}",
            request.id,
            deadline.timestamp_micros(),
            stamp.and_utc().timestamp_micros()
        );
        crate::service::reminding::queue(conn, after, &entry, notice, deadline, &key, now)?;
    }
    Ok(())
}

/// Sends a request: marks it issued and queues its email to the agency's contacts.
fn issue(
    conn: &mut DbConnection,
    round: &RoundRow,
    head: &Letterhead,
    mut request: RequestRow,
    now: DateTime<Utc>,
) -> Result<RequestRow, ApiError> {
    let stamp = now.naive_utc();
    request.issued_at = Some(stamp);
    request.last_activity_at = stamp;
    round::update_request(conn, &request)?;
    let agency = agency::find(conn, &request.agency_id)?
        .ok_or_else(|| ApiError::internal("request for a missing agency"))?;
    let rendered = letter(round, head, &request, &agency, now);
    outbox::enqueue(
        conn,
        NewMessage {
            // A request sent again after the agency was removed and invited back is a new letter.
            dedupe_key: format!(
                "comment_request:{}:{}",
                request.id,
                stamp.and_utc().timestamp_micros()
            ),
            kind: "comment_request".to_owned(),
            agency_id: Some(agency.id.clone()),
            round_id: Some(round.id.clone()),
            recipients: agency.email_list(),
            body_html: Some(rendered.body_html()),
            subject: rendered.subject,
            body_text: rendered.body_text,
            send_at: stamp,
        },
        stamp,
    )?;
    Ok(request)
}

/// Invites an agency to a round; sends its request at once when the round is open.
pub fn add_agency(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    agency_id: &str,
    now: DateTime<Utc>,
) -> Result<RequestRow, ApiError> {
    let stamp = now.naive_utc();
    // Locked, so that a round opening at the same moment cannot miss the new request.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    let found = agency::find(conn, agency_id)?
        .filter(|a| a.active)
        .ok_or_else(|| ApiError::field("agency_id", "unknown_agency", "no such active agency"))?;
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
            return Err(ApiError::conflict(
                "already_invited",
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
) -> Result<RequestRow, ApiError> {
    // The round's lock first, as every change to a round's requests takes it.
    let round = round::lock_round(conn, &request.round_id)?.ok_or(ApiError::NotFound)?;
    let request = locked(conn, &request.id, now)?;
    if round.decisions_published_at.is_some() {
        return Err(published_already());
    }
    if request.cancelled_at.is_some() {
        return Err(ApiError::conflict(
            "request_cancelled",
            "the request is cancelled already",
        ));
    }
    if !round::replies_of(conn, std::slice::from_ref(&request.id))?.is_empty() {
        return Err(ApiError::conflict(
            "already_replied",
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

/// A new deadline as a drafter gives it.
#[derive(Clone, Copy, Debug)]
pub enum Due {
    /// A fixed instant.
    At(DateTime<Utc>),
    /// Working days from now, at the office's close, on the calendar in force.
    WorkingDays(u32),
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
) -> Result<RequestRow, ApiError> {
    // The round's lock first, as every change to a round's requests takes it; the round is read
    // again under it, since its deadline decides what counts as later.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    let request = locked(conn, &request.id, now)?;
    let (deadline, basis, days) = match due {
        Due::At(deadline) => (deadline, None, None),
        Due::WorkingDays(days) => {
            let counted = count_working_days(conn, now, zone(round), days)?;
            (counted.at, Some(counted.basis), Some(days))
        }
    };
    if request.cancelled_at.is_some() {
        return Err(ApiError::conflict(
            "request_cancelled",
            "the request is cancelled",
        ));
    }
    if round.opened_at.is_none() {
        return Err(ApiError::conflict(
            "round_not_open",
            "the round has not opened yet",
        ));
    }
    if round.closed_at.is_some() {
        return Err(closed());
    }
    if deadline <= now {
        return Err(ApiError::field(
            "deadline",
            "in_the_past",
            "the new deadline must be in the future",
        ));
    }
    if round.deadline.is_some_and(|d| deadline <= d.and_utc()) {
        return Err(ApiError::field(
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
) -> Result<RequestRow, ApiError> {
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

/// Writes a changed round if nobody changed it since it was read, and records the change.
pub fn save_round(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    before: &RoundRow,
    mut after: RoundRow,
    stamp: NaiveDateTime,
) -> Result<RoundRow, ApiError> {
    after.revision = before.revision + 1;
    after.updated_at = stamp;
    if !round::update_round(conn, &after, before.revision)? {
        return Err(ApiError::PreconditionFailed);
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

/// Who answers and how to reach them.
#[derive(Clone, Debug)]
pub struct ReplyDetails {
    pub signer: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub note: Option<String>,
    /// `api`, or how a reply entered by a drafter came: `paper`, `email`, `fax`, `other`.
    pub source: String,
    /// The drafter who entered it, for replies that did not come through the API.
    pub entered_by: Option<String>,
    /// Ids of files uploaded to the request to send with this reply.
    pub attachments: Vec<String>,
}

/// Records a reply revision. Refused once the round is closed early, and after the effective
/// deadline unless the round accepts late replies (then it is marked late).
pub fn reply(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    kind: ReplyKind,
    details: ReplyDetails,
    now: DateTime<Utc>,
) -> Result<ReplyRow, ApiError> {
    // Under the round's lock, read again: a publication or a closing that commits first is
    // seen, and one that comes after waits for this reply.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    let request = &locked(conn, &request.id, now)?;
    let late = check_open_for_replies(round, request, now)?;
    let revisions = round::replies_of(conn, std::slice::from_ref(&request.id))?;
    // A late reply is taken from an agency that has not answered; it does not replace an answer
    // given in time.
    if late && current_reply(&revisions).is_some() {
        return Err(deadline_passed());
    }
    let stamp = now.naive_utc();
    let row = ReplyRow {
        id: Uuid::now_v7().to_string(),
        request_id: request.id.clone(),
        revision: revisions.iter().map(|r| r.revision).max().unwrap_or(0) + 1,
        kind: kind.as_str().to_owned(),
        signer: details.signer.trim().to_owned(),
        contact_name: details.contact_name.trim().to_owned(),
        contact_phone: details.contact_phone.trim().to_owned(),
        note: details
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        source: details.source,
        entered_by: details.entered_by,
        submitted_at: stamp,
        late,
        withdrawn_at: None,
    };
    round::insert_reply(conn, round, &row)?;
    // Answered: reminders and overdue notices still waiting have nothing left to say.
    outbox::skip_pending_notices(conn, &request.id)?;
    let attached = round::attach(conn, &details.attachments, &request.id, &row.id)?;
    if attached != details.attachments.len() {
        return Err(ApiError::field(
            "attachments",
            "unknown_attachment",
            "each attachment must be a file uploaded to this request and not yet sent with a reply",
        ));
    }
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "reply.submit",
            entity_type: "request",
            entity_id: &request.id,
            before: current_reply(&revisions)
                .and_then(|r| serde_json::to_value(ReplyAudit::from(r)).ok()),
            after: serde_json::to_value(ReplyAudit::from(&row)).ok(),
        },
    )?;
    Ok(row)
}

/// Withdraws the standing reply before the deadline; the request is pending again.
pub fn withdraw(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<ReplyRow, ApiError> {
    let round = &round::lock_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    let request = &locked(conn, &request.id, now)?;
    if check_open_for_replies(round, request, now)? {
        return Err(deadline_passed());
    }
    let revisions = round::replies_of(conn, std::slice::from_ref(&request.id))?;
    let standing = current_reply(&revisions)
        .cloned()
        .ok_or_else(|| ApiError::conflict("no_reply", "there is no reply to withdraw"))?;
    let stamp = now.naive_utc();
    round::withdraw_reply(conn, round, &standing.id, stamp)?;
    let mut after = standing.clone();
    after.withdrawn_at = Some(stamp);
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "reply.withdraw",
            entity_type: "request",
            entity_id: &request.id,
            before: serde_json::to_value(ReplyAudit::from(&standing)).ok(),
            after: serde_json::to_value(ReplyAudit::from(&after)).ok(),
        },
    )?;
    Ok(after)
}

/// Whether a reply now would be late; refuses when the round takes no reply now.
pub fn check_open_for_replies(
    round: &RoundRow,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if request.cancelled_at.is_some() {
        return Err(ApiError::conflict(
            "request_cancelled",
            "the request is cancelled",
        ));
    }
    if round.opened_at.is_none() || request.issued_at.is_none() {
        return Err(ApiError::conflict(
            "round_not_open",
            "the round has not opened yet",
        ));
    }
    if round.closed_at.is_some() {
        return Err(closed());
    }
    let deadline = effective_deadline(round, request).unwrap_or(now);
    if now <= deadline {
        Ok(false)
    } else if round.accept_late {
        Ok(true)
    } else {
        Err(deadline_passed())
    }
}

fn deadline_passed() -> ApiError {
    ApiError::conflict(
        "deadline_passed",
        "the deadline for this request has passed and the round takes no late replies",
    )
}

/// The refusal of a change to what published decisions rest on.
pub fn published_already() -> ApiError {
    ApiError::conflict(
        "decisions_published",
        "the decisions on the round's comments are published: what they rest on stays as it was",
    )
}

pub fn closed() -> ApiError {
    ApiError::conflict("round_closed", "the round is closed")
}

/// The request locked for this transaction and read afresh (its last activity is now).
fn locked(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<RequestRow, ApiError> {
    round::lock_request(conn, id, now.naive_utc())?.ok_or(ApiError::NotFound)
}

/// File types a reply may carry, by what their first bytes show: a stamped letter scanned to PDF,
/// a Word document, or photographs of it.
const ATTACHMENT_TYPES: [(&str, &[u8]); 4] = [
    ("application/pdf", b"%PDF-"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ("image/jpeg", b"\xFF\xD8\xFF"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
];

/// Stores a file uploaded for a reply to `request`, once its type is checked against its bytes.
#[allow(clippy::too_many_arguments)]
pub fn upload(
    conn: &mut DbConnection,
    uploaded_by: &str,
    round: &RoundRow,
    request: &RequestRow,
    filename: &str,
    content_type: &str,
    data: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<round::AttachmentMeta, ApiError> {
    let request = &locked(conn, &request.id, now)?;
    let round = &round::find_round(conn, &round.id)?.ok_or(ApiError::NotFound)?;
    check_open_for_replies(round, request, now)?;
    let Some((_, magic)) = ATTACHMENT_TYPES.iter().find(|(t, _)| *t == content_type) else {
        return Err(ApiError::UnsupportedMediaType);
    };
    if !data.starts_with(magic) {
        return Err(ApiError::field(
            "body",
            "content_mismatch",
            format!("the file is not {content_type}"),
        ));
    }
    let stamp = now.naive_utc();
    let row = round::NewAttachment {
        id: Uuid::now_v7().to_string(),
        request_id: request.id.clone(),
        reply_id: None,
        filename: filename.to_owned(),
        content_type: content_type.to_owned(),
        size_bytes: i32::try_from(data.len()).unwrap_or(i32::MAX),
        sha256: crate::domain::token::hex(&sha2::Sha256::digest(&data)),
        data,
        uploaded_by: uploaded_by.to_owned(),
        uploaded_at: stamp,
    };
    round::insert_attachment(conn, &row)?;
    Ok(round::AttachmentMeta {
        id: row.id,
        request_id: row.request_id,
        reply_id: None,
        filename: row.filename,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        uploaded_at: stamp,
    })
}

/// Notes the agency's first reading of a request.
pub fn mark_viewed(
    conn: &mut DbConnection,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if request.viewed_at.is_some() {
        return Ok(());
    }
    Ok(round::mark_viewed(conn, &request.id, now.naive_utc())?)
}

/// Changes to a round's settings; absent fields stay.
#[derive(Debug, Default)]
pub struct RoundChanges {
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub working_days: Option<u32>,
    pub scope: Option<Vec<String>>,
    pub accept_late: Option<bool>,
    pub reminder_hours: Option<Vec<u32>>,
    pub silence_is_no_comments: Option<bool>,
    pub share_report: Option<bool>,
}

/// The round `read` locked for the rest of the transaction, before any of its requests or
/// messages is touched (the order every change to a round keeps, so that none waits on
/// another in a circle); a change made since it was read is a 412.
fn relock(conn: &mut DbConnection, read: RoundRow) -> Result<LockedRound, ApiError> {
    let fresh = round::lock_round(conn, &read.id)?.ok_or(ApiError::NotFound)?;
    if fresh.revision != read.revision {
        return Err(ApiError::PreconditionFailed);
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
) -> Result<RoundRow, ApiError> {
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
        || changes.deadline.is_some()
        || changes.working_days.is_some()
        || changes.scope.is_some()
        || changes.accept_late.is_some()
        || changes.reminder_hours.is_some()
        || changes.silence_is_no_comments.is_some();
    if before.decisions_published_at.is_some() && settled {
        return Err(ApiError::conflict(
            "decisions_published",
            "the decisions are published: only whether the table is shared changes now",
        ));
    }
    // A closed round gets a new deadline only by reopening, with a reason.
    if state == RoundState::Closed && changes.deadline.is_some() {
        return Err(closed());
    }
    if state != RoundState::Draft && (changes.scope.is_some() || changes.working_days.is_some()) {
        return Err(ApiError::conflict(
            "round_opened",
            "scope and working days are fixed once the round opens",
        ));
    }
    if changes.deadline.is_some() && changes.working_days.is_some() {
        return Err(ApiError::field(
            "deadline",
            "one_of",
            "give either deadline or working_days",
        ));
    }
    if changes.deadline.is_some_and(|d| d <= now) {
        return Err(ApiError::field(
            "deadline",
            "in_the_past",
            "the deadline must be in the future",
        ));
    }
    let mut after = before.clone();
    if let Some(title) = changes.title {
        after.title = title.trim().to_owned();
    }
    if let Some(instructions) = changes.instructions {
        after.instructions = instructions.trim().to_owned();
    }
    if let Some(deadline) = changes.deadline {
        after.deadline = Some(deadline.naive_utc());
        after.deadline_calendar = None;
        after.working_days = None;
        round::drop_extensions_before(conn, &before.id, deadline.naive_utc())?;
    }
    if let Some(days) = changes.working_days {
        after.working_days = Some(i32::try_from(days).unwrap_or(i32::MAX));
        after.deadline = None;
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

/// Closes a round early, or reopens it with a new deadline; the reason is kept.
pub fn set_closed(
    conn: &mut DbConnection,
    actor: &Actor,
    before: RoundRow,
    close: bool,
    reason: &str,
    new_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<RoundRow, ApiError> {
    let before = relock(conn, before)?;
    if before.opened_at.is_none() {
        return Err(ApiError::conflict(
            "round_not_open",
            "the round has not opened yet",
        ));
    }
    let requests: Vec<RequestRow> = round::requests_of_round(conn, &before.id)?
        .into_iter()
        .map(|r| r.request)
        .collect();
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
            return Err(ApiError::conflict(
                "round_open",
                "the round is open: change its deadline instead",
            ));
        }
        if before.decisions_published_at.is_some() {
            return Err(ApiError::conflict(
                "decisions_published",
                "the decisions on the round's comments are published: consult again in a follow-up round",
            ));
        }
        let deadline = new_deadline.filter(|d| *d > now).ok_or_else(|| {
            ApiError::field(
                "deadline",
                "in_the_past",
                "reopening needs a deadline in the future",
            )
        })?;
        after.closed_at = None;
        after.deadline = Some(deadline.naive_utc());
        after.deadline_calendar = None;
        after.working_days = None;
        round::drop_extensions_before(conn, &before.id, deadline.naive_utc())?;
    }
    after.state_reason = Some(reason.trim().to_owned());
    let action = if close { "round.close" } else { "round.reopen" };
    let after = save_round(conn, actor, action, &before, after, stamp)?;
    if !close {
        tell_new_deadlines(conn, (&before, &requests), &after, Notice::Reopened, now)?;
    }
    Ok(after)
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

#[derive(serde::Serialize)]
struct ReplyAudit<'a> {
    revision: i32,
    kind: &'a str,
    signer: &'a str,
    source: &'a str,
    entered_by: Option<&'a str>,
    submitted_at: DateTime<Utc>,
    late: bool,
    withdrawn_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a ReplyRow> for ReplyAudit<'a> {
    fn from(row: &'a ReplyRow) -> Self {
        ReplyAudit {
            revision: row.revision,
            kind: &row.kind,
            signer: &row.signer,
            source: &row.source,
            entered_by: row.entered_by.as_deref(),
            submitted_at: row.submitted_at.and_utc(),
            late: row.late,
            withdrawn_at: row.withdrawn_at.map(|t| t.and_utc()),
        }
    }
}
