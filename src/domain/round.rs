//! Consultation rounds: the states of rounds and comment requests, derived from the facts and
//! the clock whenever they are read (no job has to flip them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a round is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    /// Being prepared; no request has gone out.
    Draft,
    /// Requests are out and replies are taken.
    Open,
    /// Past its last deadline, or closed early by a drafter.
    Closed,
}

/// A round's state now: draft until opened; closed when a drafter closed it or when `now` is
/// past the last effective deadline of its requests; open otherwise.
pub fn round_state(
    opened: bool,
    closed_early: bool,
    last_deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RoundState {
    if !opened {
        RoundState::Draft
    } else if closed_early || now > last_deadline {
        RoundState::Closed
    } else {
        RoundState::Open
    }
}

/// A deadline as the office gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// A fixed instant.
    At(DateTime<Utc>),
    /// Working days, the first day counted, ending at the office's close on the calendar in
    /// force: from opening for a round, from now for an extension.
    WorkingDays(u32),
}

/// Both a fixed deadline and working days were given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BothGiven;

impl Due {
    /// The one of a fixed instant and a number of working days that is given, or `None` for
    /// neither.
    pub fn either(
        at: Option<DateTime<Utc>>,
        working_days: Option<u32>,
    ) -> Result<Option<Due>, BothGiven> {
        match (at, working_days) {
            (Some(_), Some(_)) => Err(BothGiven),
            (Some(at), None) => Ok(Some(Due::At(at))),
            (None, Some(days)) => Ok(Some(Due::WorkingDays(days))),
            (None, None) => Ok(None),
        }
    }

    /// A fixed instant that is not after `now`.
    pub fn is_past(self, now: DateTime<Utc>) -> bool {
        matches!(self, Due::At(at) if at <= now)
    }

    /// A fixed instant further ahead than any round runs.
    pub fn is_too_far(self, now: DateTime<Utc>) -> bool {
        matches!(self, Due::At(at) if too_far(at, now))
    }
}

/// `at` as a clock in `zone` shows it, with the zone's offset then: what a reader in the
/// round's time zone reads beside the UTC instant.
pub fn local(at: DateTime<Utc>, zone: &chrono_tz::Tz) -> DateTime<chrono::FixedOffset> {
    at.with_timezone(zone).fixed_offset()
}

/// The reference one letter of a round goes out under: the round's reference, or, when the
/// round numbers its letters, the reference with the letter's number before its closing 号
/// (杭发改函〔2026〕88号, letter 3: 杭发改函〔2026〕88-3号), or after it when there is none.
pub fn letter_reference(reference: &str, number: Option<i32>) -> String {
    match number {
        None => reference.to_owned(),
        Some(n) => match reference.strip_suffix('号') {
            Some(stem) => format!("{stem}-{n}号"),
            None => format!("{reference}-{n}"),
        },
    }
}

/// How far ahead a deadline may lie: a consultation runs weeks, a long one months; a year
/// leaves room for any and refuses a typo such as year 9999.
pub const FURTHEST_DEADLINE: chrono::Duration = chrono::Duration::days(366);

/// Whether `at` lies further ahead of `now` than a deadline may.
pub fn too_far(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at > now + FURTHEST_DEADLINE
}

/// A round's deadline as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// Given as an instant.
    Fixed(DateTime<Utc>),
    /// Given as working days from opening; the instant is known once the round has opened.
    Counted {
        working_days: u32,
        at: Option<DateTime<Utc>>,
    },
}

impl Deadline {
    /// The instant, once known.
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            Deadline::Fixed(at) => Some(at),
            Deadline::Counted { at, .. } => at,
        }
    }
}

/// What an agency answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Comments,
    /// 无意见
    NoComments,
}

stored_names!(ReplyKind, "reply kind" {
    Comments => "comments",
    NoComments => "no_comments",
});

/// How a reply reached the drafting office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplySource {
    /// Sent by the agency through the API.
    Api,
    Paper,
    Email,
    Fax,
    Other,
}

stored_names!(ReplySource, "reply source" {
    Api => "api",
    Paper => "paper",
    Email => "email",
    Fax => "fax",
    Other => "other",
});

/// Where a comment request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Sent, not yet read by the agency's token.
    Pending,
    /// Read by the agency's token, not answered.
    Viewed,
    /// Answered with comments.
    Submitted,
    /// Answered "no comments" (无意见).
    NoComments,
    /// Silent at the deadline, counted as "no comments" because the round says so.
    DeemedNoComments,
    /// Silent past its effective deadline.
    Overdue,
    /// The agency was removed from the round before it replied.
    Cancelled,
}

/// The facts a request's state follows from.
#[derive(Clone, Copy, Debug)]
pub struct RequestFacts {
    pub cancelled: bool,
    pub viewed: bool,
    /// The current reply, if one stands (a withdrawn reply does not).
    pub reply: Option<ReplyKind>,
    /// The extension's deadline if one was granted, else the round's.
    pub effective_deadline: DateTime<Utc>,
    /// Whether the round counts silence at the deadline as "no comments".
    pub silence_is_no_comments: bool,
}

/// A request's state at `now`.
pub fn request_state(facts: RequestFacts, now: DateTime<Utc>) -> RequestState {
    if facts.cancelled {
        return RequestState::Cancelled;
    }
    match facts.reply {
        Some(ReplyKind::Comments) => return RequestState::Submitted,
        Some(ReplyKind::NoComments) => return RequestState::NoComments,
        None => {}
    }
    if now > facts.effective_deadline {
        if facts.silence_is_no_comments {
            RequestState::DeemedNoComments
        } else {
            RequestState::Overdue
        }
    } else if facts.viewed {
        RequestState::Viewed
    } else {
        RequestState::Pending
    }
}

/// Whether a reply at `at` is on time: at or before the effective deadline.
pub fn on_time(at: DateTime<Utc>, effective_deadline: DateTime<Utc>) -> bool {
    at <= effective_deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_numbered_letter_takes_its_number_before_the_closing_hao() {
        assert_eq!(
            letter_reference("杭发改函〔2026〕88号", None),
            "杭发改函〔2026〕88号"
        );
        assert_eq!(
            letter_reference("杭发改函〔2026〕88号", Some(3)),
            "杭发改函〔2026〕88-3号"
        );
        assert_eq!(letter_reference("FGW-2026-88", Some(12)), "FGW-2026-88-12");
    }

    #[test]
    fn states_follow_from_the_facts_and_the_clock() {
        let deadline = Utc
            .with_ymd_and_hms(2024, 6, 5, 10, 0, 0)
            .single()
            .expect("time");
        let facts = RequestFacts {
            cancelled: false,
            viewed: false,
            reply: None,
            effective_deadline: deadline,
            silence_is_no_comments: false,
        };
        let before = deadline - chrono::Duration::seconds(1);
        let after = deadline + chrono::Duration::microseconds(1);
        assert_eq!(request_state(facts, before), RequestState::Pending);
        assert_eq!(
            request_state(
                RequestFacts {
                    viewed: true,
                    ..facts
                },
                before
            ),
            RequestState::Viewed
        );
        // Exactly at the deadline is still on time.
        assert_eq!(request_state(facts, deadline), RequestState::Pending);
        assert!(on_time(deadline, deadline));
        assert!(!on_time(after, deadline));
        assert_eq!(request_state(facts, after), RequestState::Overdue);
        let deemed = RequestFacts {
            silence_is_no_comments: true,
            ..facts
        };
        assert_eq!(request_state(deemed, after), RequestState::DeemedNoComments);
        let answered = RequestFacts {
            reply: Some(ReplyKind::NoComments),
            ..facts
        };
        assert_eq!(request_state(answered, after), RequestState::NoComments);
        // An extension granted after the agency went overdue makes it pending again.
        let extended = RequestFacts {
            effective_deadline: after + chrono::Duration::days(2),
            ..facts
        };
        assert_eq!(request_state(extended, after), RequestState::Pending);
        let cancelled = RequestFacts {
            cancelled: true,
            ..answered
        };
        assert_eq!(request_state(cancelled, after), RequestState::Cancelled);
    }

    #[test]
    fn rounds_close_after_the_last_deadline_or_early() {
        let deadline = Utc
            .with_ymd_and_hms(2024, 6, 5, 10, 0, 0)
            .single()
            .expect("time");
        let later = deadline + chrono::Duration::hours(1);
        assert_eq!(
            round_state(false, false, deadline, later),
            RoundState::Draft
        );
        assert_eq!(
            round_state(true, false, deadline, deadline),
            RoundState::Open
        );
        assert_eq!(
            round_state(true, false, deadline, later),
            RoundState::Closed
        );
        assert_eq!(
            round_state(true, true, deadline, deadline),
            RoundState::Closed
        );
    }
}
