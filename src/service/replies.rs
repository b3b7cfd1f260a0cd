//! Replies to a request: comments submitted, "no comments", withdrawal, and the rules on when a
//! round takes them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::round::{self, ReplyRow, RequestRow, RoundRow};
use crate::db::{comment, outbox};
use crate::domain::receipt::ReceiptKind;
use crate::domain::refusal::Refusal;
use crate::domain::round::{ReplyKind, ReplySource};
use crate::service::error::ServiceError;
use crate::service::receipts::{self, Receipt};
use crate::service::round_facts::{current_reply, effective_deadline};

/// Who answers and how to reach them.
#[derive(Clone, Debug)]
pub struct ReplyDetails {
    pub signer: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub note: Option<String>,
    /// `api`, or how a reply entered by a drafter came: `paper`, `email`, `fax`, `other`.
    pub source: ReplySource,
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
) -> Result<ReplyRow, ServiceError> {
    // Under the round's lock, read again: a publication or a closing that commits first is
    // seen, and one that comes after waits for this reply.
    let round = &round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
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
        kind,
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
    // The new revision supersedes the old: only its own comments stand now (a submission
    // freezes them right after, already standing).
    let standing_reply = (kind == ReplyKind::Comments).then_some(row.id.as_str());
    comment::restand(conn, round, request, standing_reply)?;
    // Answered: reminders and overdue notices still waiting have nothing left to say.
    outbox::skip_pending_notices(conn, &request.id)?;
    let attached = round::attach(conn, &details.attachments, &request.id, &row.id)?;
    if attached != details.attachments.len() {
        return Err(ServiceError::field(
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

/// Answers "no comments" (无意见): a reply revision without comments, with its receipt.
pub fn no_comments(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    details: ReplyDetails,
    now: DateTime<Utc>,
) -> Result<(ReplyRow, Receipt), ServiceError> {
    let reply = reply(
        conn,
        actor,
        round,
        request,
        ReplyKind::NoComments,
        details,
        now,
    )?;
    let receipt = receipts::issue(conn, round, request, &reply, ReceiptKind::NoComments, now)?;
    Ok((reply, receipt))
}

/// Withdraws the standing reply before the deadline; the request is pending again. The
/// withdrawal has a receipt of its own.
pub fn withdraw(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(ReplyRow, Receipt), ServiceError> {
    let round = &round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    let request = &locked(conn, &request.id, now)?;
    if check_open_for_replies(round, request, now)? {
        return Err(deadline_passed());
    }
    let revisions = round::replies_of(conn, std::slice::from_ref(&request.id))?;
    let standing = current_reply(&revisions)
        .cloned()
        .ok_or_else(|| ServiceError::refused(Refusal::NoReply, "there is no reply to withdraw"))?;
    let stamp = now.naive_utc();
    round::withdraw_reply(conn, round, &standing.id, stamp)?;
    comment::restand(conn, round, request, None)?;
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
    let receipt = receipts::issue(conn, round, request, &after, ReceiptKind::Withdrawal, now)?;
    Ok((after, receipt))
}

/// Whether a reply now would be late; refuses when the round takes no reply now.
pub fn check_open_for_replies(
    round: &RoundRow,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    if request.cancelled_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RequestCancelled,
            "the request is cancelled",
        ));
    }
    if round.opened_at.is_none() || request.issued_at.is_none() {
        return Err(ServiceError::refused(
            Refusal::RoundNotOpen,
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

pub(super) fn deadline_passed() -> ServiceError {
    ServiceError::refused(
        Refusal::DeadlinePassed,
        "the deadline for this request has passed and the round takes no late replies",
    )
}

/// The refusal of a change to what published decisions rest on.
pub fn published_already() -> ServiceError {
    ServiceError::refused(
        Refusal::DecisionsPublished,
        "the decisions on the round's comments are published: what they rest on stays as it was",
    )
}

pub fn closed() -> ServiceError {
    ServiceError::refused(Refusal::RoundClosed, "the round is closed")
}

/// The request locked for this transaction and read afresh (its last activity is now).
pub(super) fn locked(
    conn: &mut DbConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    round::lock_request(conn, id, now.naive_utc())?.ok_or(ServiceError::NotFound)
}

#[derive(serde::Serialize)]
struct ReplyAudit<'a> {
    revision: i32,
    kind: ReplyKind,
    signer: &'a str,
    source: ReplySource,
    entered_by: Option<&'a str>,
    submitted_at: DateTime<Utc>,
    late: bool,
    withdrawn_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a ReplyRow> for ReplyAudit<'a> {
    fn from(row: &'a ReplyRow) -> Self {
        ReplyAudit {
            revision: row.revision,
            kind: row.kind,
            signer: &row.signer,
            source: row.source,
            entered_by: row.entered_by.as_deref(),
            submitted_at: row.submitted_at.and_utc(),
            late: row.late,
            withdrawn_at: row.withdrawn_at.map(|t| t.and_utc()),
        }
    }
}
