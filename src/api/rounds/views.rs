//! What the API sends about rounds, comment requests and replies.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::round::{ReplyRow, RequestWithAgency, RoundRow};
use crate::domain::calendar::Basis;
use crate::domain::round::{ReplyKind, ReplySource, RequestState, RoundState, local};
use crate::service::round_facts::{
    current_reply, effective_calendar, effective_deadline, letter_reference, round_state_of,
    state_of, zone,
};

/// A consultation round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    pub id: String,
    pub document_id: String,
    /// The number of the version consulted on.
    pub version: i32,
    pub title: String,
    pub instructions: String,
    /// IANA time zone of the deadline (Asia/Shanghai unless given).
    pub time_zone: String,
    /// The round's deadline; before opening, absent when it is given in working days.
    pub deadline: Option<DateTime<Utc>>,
    /// The same instant in `time_zone`, with its offset (`2026-06-05T18:00:00+08:00`).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline_local: Option<DateTime<FixedOffset>>,
    /// The deadline as working days from opening, when it was given so.
    pub working_days: Option<i32>,
    /// Once a deadline in working days is counted: `official` when every day counted lies in a
    /// year whose holiday notice is loaded, `provisional` when some year had none (its
    /// statutory holidays were skipped; the notice may move the deadline). `null` for a
    /// deadline given as a date.
    pub calendar: Option<Basis>,
    /// The clause keys open for comment; absent for the whole version.
    pub scope: Option<Vec<String>>,
    pub accept_late: bool,
    /// Hours before the deadline at which agencies that have not replied are reminded.
    pub reminder_hours: Vec<u32>,
    pub silence_is_no_comments: bool,
    /// Invited agencies read the whole adoption table once decisions are published.
    pub share_report: bool,
    /// When the decisions on the round's comments were published.
    pub decisions_published_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decisions_published_at_local: Option<DateTime<FixedOffset>>,
    /// The round whose changes this one consults on again.
    pub follows_round_id: Option<String>,
    /// The reference the letters go out under (文号).
    pub letter_reference: Option<String>,
    /// Each letter is numbered under the reference (…88-3号).
    pub number_letters: bool,
    pub state: RoundState,
    pub opened_at: Option<DateTime<Utc>>,
    /// `opened_at` in `time_zone`, with its offset; so every `…_local` field.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opened_at_local: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at_local: Option<DateTime<FixedOffset>>,
    /// Why it was last closed early or reopened.
    pub state_reason: Option<String>,
    /// The `ETag` of the round.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RoundView {
    /// The view of `row`, whose state follows from its requests and the clock.
    pub fn new(
        row: &RoundRow,
        version: i32,
        requests: &[RequestWithAgency],
        now: DateTime<Utc>,
    ) -> Self {
        let rows: Vec<_> = requests.iter().map(|r| r.request.clone()).collect();
        RoundView {
            id: row.id.clone(),
            document_id: row.document_id.clone(),
            version,
            title: row.title.clone(),
            instructions: row.instructions.clone(),
            time_zone: row.time_zone.clone(),
            deadline: row.deadline.map(|t| t.and_utc()),
            deadline_local: row.deadline.map(|t| local(t.and_utc(), &zone(row))),
            working_days: row.working_days,
            calendar: row.deadline_calendar.as_deref().and_then(Basis::parse),
            scope: row.scope_keys(),
            accept_late: row.accept_late,
            reminder_hours: row.reminder_offsets().into_iter().rev().collect(),
            silence_is_no_comments: row.silence_is_no_comments,
            share_report: row.share_report,
            decisions_published_at: row.decisions_published_at.map(|t| t.and_utc()),
            decisions_published_at_local: row
                .decisions_published_at
                .map(|t| local(t.and_utc(), &zone(row))),
            follows_round_id: row.follows_round_id.clone(),
            letter_reference: row.letter_reference.clone(),
            number_letters: row.number_letters,
            state: round_state_of(row, &rows, now),
            opened_at: row.opened_at.map(|t| t.and_utc()),
            opened_at_local: row.opened_at.map(|t| local(t.and_utc(), &zone(row))),
            closed_at: row.closed_at.map(|t| t.and_utc()),
            closed_at_local: row.closed_at.map(|t| local(t.and_utc(), &zone(row))),
            state_reason: row.state_reason.clone(),
            revision: row.revision,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

impl RoundView {
    /// The round as it applies to one agency: its state follows the agency's own request (its
    /// extension, or none), and a round that removed the agency is closed to it.
    pub fn for_agency(
        row: &RoundRow,
        version: i32,
        requests: &[RequestWithAgency],
        agency_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let own: Vec<RequestWithAgency> = requests
            .iter()
            .filter(|r| r.request.agency_id == agency_id)
            .cloned()
            .collect();
        let mut view = RoundView::new(row, version, &own, now);
        if own.iter().all(|r| r.request.cancelled_at.is_some()) && view.state == RoundState::Open {
            view.state = RoundState::Closed;
        }
        view
    }

    /// The view for `caller`: the whole round for staff, the agency's part of it otherwise.
    pub fn for_caller(
        row: &RoundRow,
        version: i32,
        requests: &[RequestWithAgency],
        agency_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        match agency_id {
            Some(agency) => RoundView::for_agency(row, version, requests, agency, now),
            None => RoundView::new(row, version, requests, now),
        }
    }
}

/// The agency a request went to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyRef {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// One revision of a reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyView {
    pub revision: i32,
    pub kind: ReplyKind,
    pub signer: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub note: Option<String>,
    /// `api`, or how a reply entered by a drafter came.
    pub source: ReplySource,
    /// The drafter who entered it, when it did not come through the API.
    pub entered_by: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// The same instant in the round's time zone, with its offset.
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at_local: DateTime<FixedOffset>,
    /// Submitted after the effective deadline, in a round that accepts late replies.
    pub late: bool,
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at_local: Option<DateTime<FixedOffset>>,
}

impl ReplyView {
    /// The view of `row`, with its times also in `zone`, the round's.
    pub fn new(row: &ReplyRow, zone: &chrono_tz::Tz) -> Self {
        ReplyView {
            submitted_at_local: local(row.submitted_at.and_utc(), zone),
            withdrawn_at_local: row.withdrawn_at.map(|t| local(t.and_utc(), zone)),
            revision: row.revision,
            kind: row.kind,
            signer: row.signer.clone(),
            contact_name: row.contact_name.clone(),
            contact_phone: row.contact_phone.clone(),
            note: row.note.clone(),
            source: row.source,
            entered_by: row.entered_by.clone(),
            submitted_at: row.submitted_at.and_utc(),
            late: row.late,
            withdrawn_at: row.withdrawn_at.map(|t| t.and_utc()),
        }
    }
}

/// A comment request to one agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub round_id: String,
    pub agency: AgencyRef,
    /// The reference its letter went out under (杭发改函〔2026〕88-3号), when the round has one.
    pub letter_reference: Option<String>,
    pub state: RequestState,
    /// The extension's deadline if one was granted, else the round's.
    pub effective_deadline: Option<DateTime<Utc>>,
    /// The same instant in the round's time zone, with its offset.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub effective_deadline_local: Option<DateTime<FixedOffset>>,
    /// What the effective deadline was counted on when it was counted in working days
    /// (`official` or `provisional`, as on the round); `null` for a date given as such.
    pub calendar: Option<Basis>,
    pub extension_reason: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    /// `issued_at` in the round's time zone, with its offset; so every `…_local` field.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub issued_at_local: Option<DateTime<FixedOffset>>,
    pub viewed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub viewed_at_local: Option<DateTime<FixedOffset>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub last_activity_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub last_activity_at_local: DateTime<FixedOffset>,
    /// The reply that stands, if any.
    pub reply: Option<ReplyView>,
    /// How many reply revisions there are, withdrawn ones included.
    pub revisions: usize,
}

impl RequestView {
    /// The view of one request of `round`, with its reply revisions.
    pub fn new(
        round: &RoundRow,
        entry: &RequestWithAgency,
        revisions: &[ReplyRow],
        now: DateTime<Utc>,
    ) -> Self {
        let request = &entry.request;
        let zone = zone(round);
        RequestView {
            id: request.id.clone(),
            round_id: request.round_id.clone(),
            agency: AgencyRef {
                id: request.agency_id.clone(),
                code: entry.agency_code.clone(),
                name: entry.agency_name.clone(),
            },
            letter_reference: letter_reference(round, request),
            state: state_of(round, request, revisions, now),
            effective_deadline: effective_deadline(round, request),
            effective_deadline_local: effective_deadline(round, request).map(|at| local(at, &zone)),
            calendar: effective_calendar(round, request),
            extension_reason: request.extension_reason.clone(),
            issued_at: request.issued_at.map(|t| t.and_utc()),
            issued_at_local: request.issued_at.map(|t| local(t.and_utc(), &zone)),
            viewed_at: request.viewed_at.map(|t| t.and_utc()),
            viewed_at_local: request.viewed_at.map(|t| local(t.and_utc(), &zone)),
            cancelled_at: request.cancelled_at.map(|t| t.and_utc()),
            cancel_reason: request.cancel_reason.clone(),
            last_activity_at: request.last_activity_at.and_utc(),
            last_activity_at_local: local(request.last_activity_at.and_utc(), &zone),
            reply: current_reply(revisions).map(|reply| ReplyView::new(reply, &zone)),
            revisions: revisions.len(),
        }
    }
}

/// How many requests are in each state.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LedgerCounts {
    /// Requests not cancelled.
    pub invited: usize,
    /// Answered, with comments or "no comments".
    pub replied: usize,
    pub with_comments: usize,
    pub no_comments: usize,
    pub deemed_no_comments: usize,
    pub overdue: usize,
    pub pending: usize,
    pub viewed: usize,
    pub cancelled: usize,
    /// Requests not cancelled whose effective deadline is provisional.
    pub provisional_deadlines: usize,
}

/// Who has answered a round, and who has not.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ledger {
    pub round: RoundView,
    pub counts: LedgerCounts,
    /// The counts in words: "28 of 30 replied: 25 with comments, 3 no comments; 2 overdue".
    pub summary: String,
    pub requests: Vec<RequestView>,
}

impl Ledger {
    /// The ledger of `round`.
    pub fn new(
        round: &RoundRow,
        version: i32,
        requests: &[RequestWithAgency],
        replies: &HashMap<String, Vec<ReplyRow>>,
        now: DateTime<Utc>,
    ) -> Self {
        let views: Vec<RequestView> = requests
            .iter()
            .map(|entry| {
                let revisions = replies
                    .get(&entry.request.id)
                    .map_or(&[][..], Vec::as_slice);
                RequestView::new(round, entry, revisions, now)
            })
            .collect();
        let mut counts = LedgerCounts::default();
        for view in &views {
            if view.state != RequestState::Cancelled && view.calendar == Some(Basis::Provisional) {
                counts.provisional_deadlines += 1;
            }
            match view.state {
                RequestState::Cancelled => counts.cancelled += 1,
                RequestState::Submitted => counts.with_comments += 1,
                RequestState::NoComments => counts.no_comments += 1,
                RequestState::DeemedNoComments => counts.deemed_no_comments += 1,
                RequestState::Overdue => counts.overdue += 1,
                RequestState::Pending => counts.pending += 1,
                RequestState::Viewed => counts.viewed += 1,
            }
        }
        counts.invited = views.len() - counts.cancelled;
        counts.replied = counts.with_comments + counts.no_comments;
        let mut summary = format!(
            "{} of {} replied: {} with comments, {} no comments",
            counts.replied, counts.invited, counts.with_comments, counts.no_comments
        );
        if counts.deemed_no_comments > 0 {
            summary.push_str(&format!(
                "; {} deemed no comments",
                counts.deemed_no_comments
            ));
        }
        if counts.overdue > 0 {
            summary.push_str(&format!("; {} overdue", counts.overdue));
        }
        if counts.provisional_deadlines > 0 {
            summary.push_str(&format!(
                "; {} deadlines provisional (counted before the holiday notice was loaded)",
                counts.provisional_deadlines
            ));
        }
        Ledger {
            round: RoundView::new(round, version, requests, now),
            counts,
            summary,
            requests: views,
        }
    }
}
