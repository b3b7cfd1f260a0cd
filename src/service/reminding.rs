//! The messages that time causes: reminders before a request's deadline, a notice to each
//! agency still silent after it, and a digest to the drafters. A tick queues what is due; the
//! outbox's dedupe keys make a tick that runs twice, or on two servers, queue each message once.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::db::outbox::{self, NewMessage};
use crate::db::round::{self, ReplyRow, RequestWithAgency, RoundRow};
use crate::db::{DbConnection, agency, person};
use crate::domain::calendar::Basis;
use crate::domain::round::RequestState;
use crate::email::notices;
use crate::email::templates::{self, Notice, RequestNotice};
use crate::service::error::ServiceError;
use crate::service::round_facts::{
    current_reply, effective_calendar, effective_deadline, replies_by_request, state_of, zone,
};

/// Rounds whose last deadline is older than this are left alone.
const LOOK_BACK: Duration = Duration::days(14);

/// What a tick queued.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub reminders: usize,
    pub notices: usize,
    pub digests: usize,
}

/// Queues the reminders, overdue notices and digests due at `now`.
pub fn tick(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<TickReport, ServiceError> {
    let open = round::open_rounds(conn)?;
    let mut report = TickReport::default();
    for round_row in open {
        let requests = round::requests_of_round(conn, &round_row.id)?;
        let replies = replies_by_request(conn, &requests)?;
        let latest = requests
            .iter()
            .filter_map(|r| effective_deadline(&round_row, &r.request))
            .max();
        if latest.is_none_or(|d| d < now - LOOK_BACK) {
            continue;
        }
        for entry in &requests {
            let request = &entry.request;
            if request.cancelled_at.is_some() || request.issued_at.is_none() {
                continue;
            }
            let revisions = replies.get(&request.id).map_or(&[][..], Vec::as_slice);
            if current_reply(revisions).is_some() {
                continue;
            }
            let Some(deadline) = effective_deadline(&round_row, request) else {
                continue;
            };
            // The time it was sent is in the keys: an agency removed and invited again starts
            // over.
            let issued = request
                .issued_at
                .map_or(0, |t| t.and_utc().timestamp_micros());
            let at = format!("{issued}:{}", deadline.timestamp_micros());
            let sent = request.issued_at.map(|t| t.and_utc()).unwrap_or(now);
            if now <= deadline {
                // Of the reminders due, only the one nearest the deadline: never a burst of
                // stale ones after the server was down.
                // A reminder time before the request was sent (or given more time) is no
                // reminder at all.
                let due = round_row
                    .reminder_offsets()
                    .into_iter()
                    .map(|h| (h, deadline - Duration::hours(i64::from(h))))
                    .find(|(_, at)| *at <= now && *at >= sent)
                    .map(|(h, _)| h);
                if let Some(hours) = due {
                    let key = format!("reminder:{}:{at}:{hours}", request.id);
                    if queue(
                        conn,
                        &round_row,
                        entry,
                        Notice::Reminder,
                        deadline,
                        &key,
                        now,
                    )? {
                        report.reminders += 1;
                    }
                    outbox::skip_pending_reminders(conn, &request.id, &key)?;
                }
            } else {
                let notice = match state_of(&round_row, request, revisions, now) {
                    RequestState::DeemedNoComments => Notice::DeemedNoComments,
                    _ => Notice::Overdue,
                };
                let key = format!("overdue:{}:{at}", request.id);
                if queue(conn, &round_row, entry, notice, deadline, &key, now)? {
                    report.notices += 1;
                }
                outbox::skip_pending_reminders(conn, &request.id, &key)?;
            }
        }
        if let Some(deadline) = round_row.deadline.map(|d| d.and_utc()).filter(|d| now > *d) {
            if digest(conn, &round_row, &requests, &replies, deadline, now)? {
                report.digests += 1;
            }
        }
    }
    Ok(report)
}

/// Queues a notice about one request to its agency under `key`; returns whether it was new.
pub fn queue(
    conn: &mut DbConnection,
    round_row: &RoundRow,
    entry: &RequestWithAgency,
    notice: Notice,
    deadline: DateTime<Utc>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let Some(found) = agency::find(conn, &entry.request.agency_id)? else {
        return Ok(false);
    };
    let details = RequestNotice {
        agency_name: &found.name,
        round_title: &round_row.title,
        deadline,
        time_zone: zone(round_row),
        calendar: effective_calendar(round_row, &entry.request),
        request_id: &entry.request.id,
    };
    let message = notices::request_message(&found, &round_row.id, notice, &details, key, now);
    Ok(outbox::enqueue(conn, message, now.naive_utc())?)
}

/// The digest of who is overdue, once per round deadline, to the addresses on drafters' and
/// admins' tokens.
fn digest(
    conn: &mut DbConnection,
    round_row: &RoundRow,
    requests: &[RequestWithAgency],
    replies: &HashMap<String, Vec<ReplyRow>>,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let recipients = person::addresses(conn)?;
    if recipients.is_empty() {
        return Ok(false);
    }
    let mut overdue = Vec::new();
    let (mut replied, mut invited) = (0, 0);
    for entry in requests {
        let revisions = replies
            .get(&entry.request.id)
            .map_or(&[][..], Vec::as_slice);
        match state_of(round_row, &entry.request, revisions, now) {
            RequestState::Cancelled => continue,
            RequestState::Overdue | RequestState::DeemedNoComments => {
                overdue.push(entry.agency_name.clone())
            }
            RequestState::Submitted | RequestState::NoComments => replied += 1,
            _ => {}
        }
        invited += 1;
    }
    let summary = format!(
        "已反馈{replied}家，共{invited}家；逾期{}家。",
        overdue.len()
    );
    let rendered = templates::overdue_digest(
        &round_row.title,
        deadline,
        zone(round_row),
        &overdue,
        &summary,
        round_row
            .deadline_calendar
            .as_deref()
            .and_then(Basis::parse),
    );
    Ok(outbox::enqueue(
        conn,
        NewMessage {
            dedupe_key: format!("digest:{}:{}", round_row.id, deadline.timestamp_micros()),
            kind: "overdue_digest".to_owned(),
            agency_id: None,
            round_id: Some(round_row.id.clone()),
            recipients,
            body_html: Some(rendered.body_html()),
            subject: rendered.subject,
            body_text: rendered.body_text,
            send_at: now.naive_utc(),
            secret: None,
        },
        now.naive_utc(),
    )?)
}
