//! The comment request letters (征求意见函) and the notices of a new deadline: issuing a
//! request's letter, rewriting a letter not yet sent, and telling agencies when their deadline
//! moves.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::outbox;
use crate::db::round::{self, RequestRow, RoundRow};
use crate::db::{DbConnection, agency, claim, document};
use crate::domain::outbox::OutboxState;
use crate::email::notices::{self, agency_message};
use crate::email::templates::{self, Access, CommentRequest, Notice};
use crate::service::claims;
use crate::service::error::ServiceError;
use crate::service::round_facts::{effective_calendar, effective_deadline, letter_reference, zone};

/// The outbox kind of a request letter.
const LETTER_KIND: &str = "comment_request";

/// What every letter of a round names: the document and the version consulted on, read once
/// for all the round's letters.
pub(super) struct Letterhead {
    document_title: String,
    version_label: String,
}

impl Letterhead {
    pub(super) fn of(conn: &mut DbConnection, round: &RoundRow) -> Result<Self, ServiceError> {
        let version = document::find_version_by_id(conn, &round.version_id)?
            .ok_or_else(|| ServiceError::internal("round on a missing version"))?;
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
    access: Access,
    now: DateTime<Utc>,
) -> templates::Rendered {
    let reference = letter_reference(round, request);
    templates::comment_request(
        agency.locale,
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
            reference: reference.as_deref(),
            access,
        },
    )
}

/// Writes the request's letter again, with the deadline now in force, if it has not gone out;
/// returns whether there was one waiting.
pub(super) fn rewrite_letter(
    conn: &mut DbConnection,
    round: &RoundRow,
    head: &Letterhead,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let Some(agency) = agency::find(conn, &request.agency_id)? else {
        return Ok(false);
    };
    // The code a waiting letter carries stays in its row; only the words around it change.
    let access = Access::with_code(claim::outstanding(conn, &request.id)?.is_some());
    let rendered = letter(round, head, request, &agency, access, now);
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
) -> Result<(), ServiceError> {
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

/// Sends a request: marks it issued (numbering it under the round's reference when the round
/// numbers its letters) and queues its email to the agency's contacts, with a claim code when
/// the agency has no token.
pub(super) fn issue(
    conn: &mut DbConnection,
    round: &RoundRow,
    head: &Letterhead,
    mut request: RequestRow,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    let stamp = now.naive_utc();
    request.issued_at = Some(stamp);
    request.last_activity_at = stamp;
    if round.number_letters && request.letter_number.is_none() {
        request.letter_number = Some(round::next_letter_number(conn, &round.id)?);
    }
    round::update_request(conn, &request)?;
    let agency = agency::find(conn, &request.agency_id)?
        .ok_or_else(|| ServiceError::internal("request for a missing agency"))?;
    let code = claims::for_letter(conn, &request, &agency, now)?;
    let access = Access::with_code(code.is_some());
    let rendered = letter(round, head, &request, &agency, access, now);
    // A request sent again after the agency was removed and invited back is a new letter.
    let key = format!(
        "comment_request:{}:{}",
        request.id,
        stamp.and_utc().timestamp_micros()
    );
    outbox::enqueue(
        conn,
        agency_message(&agency, &round.id, LETTER_KIND, key, rendered, now, code),
        stamp,
    )?;
    Ok(request)
}

/// How the messages of one kind to one agency stand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Messages {
    pub sent: i64,
    /// When the last of those sent went out.
    pub last_sent_at: Option<NaiveDateTime>,
    /// Still to go out, or to be tried again.
    pub waiting: i64,
    /// Given up after repeated failures.
    pub failed: i64,
}

/// What the office wrote to one agency in a round: its letter, the reminders before the
/// deadline, and the notices that it is overdue (or deemed to have no comments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Correspondence {
    pub letters: Messages,
    pub reminders: Messages,
    pub overdue_notices: Messages,
}

/// What the office wrote to each agency of round `round_id`, by agency id: as large as the
/// round's messages, counted by the database.
pub fn correspondence(
    conn: &mut DbConnection,
    round_id: &str,
) -> Result<HashMap<String, Correspondence>, ServiceError> {
    let reminder = notices::kind(Notice::Reminder);
    let overdue = [
        notices::kind(Notice::Overdue),
        notices::kind(Notice::DeemedNoComments),
    ];
    let counted = outbox::of_round_by_agency(
        conn,
        round_id,
        &[LETTER_KIND, reminder, overdue[0], overdue[1]],
    )?;
    let mut by_agency: HashMap<String, Correspondence> = HashMap::new();
    for (agency_id, kind, state, count, last_sent_at) in counted {
        let Some(agency_id) = agency_id else { continue };
        let entry = by_agency.entry(agency_id).or_default();
        let messages = if kind == LETTER_KIND {
            &mut entry.letters
        } else if kind == reminder {
            &mut entry.reminders
        } else {
            &mut entry.overdue_notices
        };
        match OutboxState::parse(&state) {
            Some(OutboxState::Sent) => {
                messages.sent += count;
                messages.last_sent_at = messages.last_sent_at.max(last_sent_at);
            }
            Some(OutboxState::Pending) => messages.waiting += count,
            Some(OutboxState::Failed) => messages.failed += count,
            // Overtaken before it went out: nothing was written to the agency.
            Some(OutboxState::Skipped) | None => {}
        }
    }
    Ok(by_agency)
}
