//! Consultation rounds: working-day deadlines, and the states of rounds and comment requests,
//! derived from the facts and the clock whenever they are read (no job has to flip them).

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which days are working days: Monday to Friday, except public holidays, plus the weekend days
/// made working days to balance them (调休).
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
    working_weekends: HashSet<NaiveDate>,
    years: HashSet<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(rename = "about")]
    _about: String,
    years: Vec<CalendarYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarYear {
    year: i32,
    #[serde(rename = "source")]
    _source: String,
    holidays: Vec<NaiveDate>,
    working_weekends: Vec<NaiveDate>,
}

impl Calendar {
    /// Reads a calendar file (`seeds/calendar.json`).
    pub fn from_json(text: &str) -> Result<Calendar, serde_json::Error> {
        let file: CalendarFile = serde_json::from_str(text)?;
        let mut calendar = Calendar::default();
        for year in file.years {
            calendar.years.insert(year.year);
            calendar.holidays.extend(year.holidays);
            calendar.working_weekends.extend(year.working_weekends);
        }
        Ok(calendar)
    }

    /// Whether offices work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.working_weekends.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day from `start`, counting `start` itself when it is one (a request
    /// sent on Thursday 30 May with five working days is due on Wednesday 5 June).
    pub fn nth_working_day(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = start;
        let mut counted = 0;
        loop {
            if self.is_working_day(day) {
                counted += 1;
                if counted >= n.max(1) {
                    return Some(day);
                }
            }
            day = day.succ_opt()?;
        }
    }
}

/// When the office day ends: deadlines given in working days fall at this time.
pub const OFFICE_CLOSES: NaiveTime = match NaiveTime::from_hms_opt(18, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// The deadline `n` working days after `opened`: the end of the office day, in `zone`, of the
/// `n`th working day counting the day of opening (the next day when the office has closed).
pub fn working_day_deadline(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    zone: Tz,
    n: u32,
) -> Option<DateTime<Utc>> {
    let local = opened.with_timezone(&zone);
    let mut first = local.date_naive();
    if local.time() >= OFFICE_CLOSES {
        first = first.succ_opt()?;
    }
    let day = calendar.nth_working_day(first, n)?;
    if !calendar.years.contains(&day.year()) {
        // Without the year's holiday notice only weekends are skipped.
        tracing::warn!(%day, "deadline in a year the calendar does not list: add its holidays to seeds/calendar.json");
    }
    zone.from_local_datetime(&day.and_time(OFFICE_CLOSES))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

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

/// What an agency answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Comments,
    /// 无意见
    NoComments,
}

impl ReplyKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Comments => "comments",
            ReplyKind::NoComments => "no_comments",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "comments" => Some(ReplyKind::Comments),
            "no_comments" => Some(ReplyKind::NoComments),
            _ => None,
        }
    }
}

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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn calendar() -> Calendar {
        Calendar::from_json(include_str!("../../seeds/calendar.json")).expect("calendar")
    }

    #[test]
    fn five_working_days_from_the_source_round() {
        // 30 May 2024, a Thursday: the request ran to 5 June.
        assert_eq!(
            calendar().nth_working_day(date(2024, 5, 30), 5),
            Some(date(2024, 6, 5))
        );
    }

    #[test]
    fn holidays_and_adjusted_working_days_count() {
        let calendar = calendar();
        // The Dragon Boat holiday (10 June 2024, a Monday) is skipped.
        assert_eq!(
            calendar.nth_working_day(date(2024, 6, 7), 2),
            Some(date(2024, 6, 11))
        );
        // Sunday 28 April 2024 was a working day before the May holiday.
        assert!(calendar.is_working_day(date(2024, 4, 28)));
        // 28, 29 and 30 April, then the holiday to 5 May.
        assert_eq!(
            calendar.nth_working_day(date(2024, 4, 28), 4),
            Some(date(2024, 5, 6))
        );
    }

    #[test]
    fn the_deadline_is_the_end_of_the_office_day_in_the_zone() {
        let opened = Utc
            .with_ymd_and_hms(2024, 5, 30, 1, 0, 0)
            .single()
            .expect("time");
        let due =
            working_day_deadline(&calendar(), opened, chrono_tz::Asia::Shanghai, 5).expect("due");
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2024, 6, 5, 10, 0, 0)
                .single()
                .expect("time")
        );
    }

    #[test]
    fn a_request_sent_after_office_hours_starts_counting_the_next_day() {
        // Friday 7 June 2024, 18:30 in Shanghai: Monday 11 June is the next working day.
        let evening = Utc
            .with_ymd_and_hms(2024, 6, 7, 10, 30, 0)
            .single()
            .expect("time");
        let due =
            working_day_deadline(&calendar(), evening, chrono_tz::Asia::Shanghai, 1).expect("due");
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2024, 6, 11, 10, 0, 0)
                .single()
                .expect("time")
        );
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
