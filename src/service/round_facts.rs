//! The round facts read model: what a round's stored facts (its deadline, its requests, their
//! extensions and reply revisions) mean at a given moment. Every state the API, the emails and
//! the adoption table show is worked out here from those facts and the clock, so no scheduled
//! job has to flip a state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::db::round::{self, ReplyRow, RequestRow, RequestWithAgency, RoundRow};
use crate::db::{DbConnection, calendar};
use crate::domain::calendar::{Basis, CountedDeadline, working_day_deadline};
use crate::domain::round::{
    ReplyKind, RequestFacts, RequestState, RoundState, request_state, round_state,
};
use crate::service::error::ServiceError;

/// The time zone of a round.
pub fn zone(round: &RoundRow) -> Tz {
    round.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// A request's deadline: its extension if one was granted, else the round's (none before a
/// round that counts working days has opened).
pub fn effective_deadline(round: &RoundRow, request: &RequestRow) -> Option<DateTime<Utc>> {
    request
        .extended_deadline
        .or(round.deadline)
        .map(|t| t.and_utc())
}

/// The reference a request's letter went out under: the round's 文号, numbered for the request
/// when the round numbers its letters; `None` when the round has no reference.
pub fn letter_reference(round: &RoundRow, request: &RequestRow) -> Option<String> {
    let reference = round.letter_reference.as_deref()?;
    let number = round
        .number_letters
        .then_some(request.letter_number)
        .flatten();
    Some(crate::domain::round::letter_reference(reference, number))
}

/// What a request's effective deadline was counted on, when it was counted in working days.
pub fn effective_calendar(round: &RoundRow, request: &RequestRow) -> Option<Basis> {
    if request.extended_deadline.is_some() {
        request.extension_calendar.as_deref().and_then(Basis::parse)
    } else {
        round.deadline_calendar.as_deref().and_then(Basis::parse)
    }
}

/// The reply that stands: the newest revision, unless it was withdrawn.
pub fn current_reply(revisions: &[ReplyRow]) -> Option<&ReplyRow> {
    revisions
        .iter()
        .max_by_key(|r| r.revision)
        .filter(|r| r.withdrawn_at.is_none())
}

/// A request's state now.
pub fn state_of(
    round: &RoundRow,
    request: &RequestRow,
    revisions: &[ReplyRow],
    now: DateTime<Utc>,
) -> RequestState {
    let deadline = effective_deadline(round, request);
    let (Some(deadline), Some(_)) = (deadline, request.issued_at) else {
        // Not yet out: nothing can be late.
        return if request.cancelled_at.is_some() {
            RequestState::Cancelled
        } else {
            RequestState::Pending
        };
    };
    // A round closed early takes no reply after it closed, so silence counts from then.
    let cutoff = match round.closed_at {
        Some(closed) => deadline.min(closed.and_utc()),
        None => deadline,
    };
    request_state(
        RequestFacts {
            cancelled: request.cancelled_at.is_some(),
            // Once it has answered (even if it withdrew the answer) it is past reading.
            viewed: request.viewed_at.is_some() && revisions.is_empty(),
            reply: current_reply(revisions).map(|r| r.kind),
            effective_deadline: cutoff,
            silence_is_no_comments: round.silence_is_no_comments,
        },
        now,
    )
}

/// The round's state now, given its requests.
pub fn round_state_of(round: &RoundRow, requests: &[RequestRow], now: DateTime<Utc>) -> RoundState {
    let last = requests
        .iter()
        .filter(|r| r.cancelled_at.is_none())
        .filter_map(|r| effective_deadline(round, r))
        .chain(round.deadline.map(|t| t.and_utc()))
        .max();
    match last {
        Some(last) => round_state(
            round.opened_at.is_some(),
            round.closed_at.is_some(),
            last,
            now,
        ),
        None => RoundState::Draft,
    }
}

/// Reply revisions grouped by request.
pub fn replies_by_request(
    conn: &mut DbConnection,
    requests: &[RequestWithAgency],
) -> Result<HashMap<String, Vec<ReplyRow>>, ServiceError> {
    let ids: Vec<String> = requests.iter().map(|r| r.request.id.clone()).collect();
    let mut grouped: HashMap<String, Vec<ReplyRow>> = HashMap::new();
    for reply in round::replies_of(conn, &ids)? {
        grouped
            .entry(reply.request_id.clone())
            .or_default()
            .push(reply);
    }
    Ok(grouped)
}

/// A round's requests with their agencies, and every reply revision by request.
pub struct RoundReplies {
    pub requests: Vec<RequestWithAgency>,
    pub replies: HashMap<String, Vec<ReplyRow>>,
}

impl RoundReplies {
    /// Loads them for `round_id`.
    pub fn of(conn: &mut DbConnection, round_id: &str) -> Result<Self, ServiceError> {
        let requests = round::requests_of_round(conn, round_id)?;
        let replies = replies_by_request(conn, &requests)?;
        Ok(RoundReplies { requests, replies })
    }

    /// A request's revisions, oldest first.
    pub fn revisions(&self, request_id: &str) -> &[ReplyRow] {
        self.replies.get(request_id).map_or(&[][..], Vec::as_slice)
    }

    /// The replies with comments that stand, with their requests: what the office decides on.
    pub fn standing(&self) -> impl Iterator<Item = (&RequestWithAgency, &ReplyRow)> {
        self.requests
            .iter()
            .filter(|entry| entry.request.cancelled_at.is_none())
            .filter_map(|entry| {
                current_reply(self.revisions(&entry.request.id))
                    .filter(|r| r.kind == ReplyKind::Comments)
                    .map(|reply| (entry, reply))
            })
    }
}

/// A deadline `days` working days from `from` in `zone`, on the calendar in force now.
pub fn count_working_days(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    zone: Tz,
    days: u32,
) -> Result<CountedDeadline, ServiceError> {
    let calendar = calendar::load(conn)?;
    working_day_deadline(&calendar, from, zone, days)
        .ok_or_else(|| ServiceError::internal("no working day found for the deadline"))
}

/// A deadline further ahead than [`crate::domain::round::FURTHEST_DEADLINE`].
pub fn too_far() -> ServiceError {
    ServiceError::field(
        "deadline",
        "too_far",
        "the deadline must be within a year from now",
    )
}
