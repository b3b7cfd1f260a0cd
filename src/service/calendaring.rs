//! The working-day calendar at run time: loading a year's notice, reading what is in force, and
//! counting a round's provisional deadlines again once the notice is loaded, at an admin's
//! request (a deadline is never moved silently).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::calendar::{self, CalendarYearRow};
use crate::db::round::{self, RequestRow, RoundRow};
use crate::domain::calendar::{
    Basis, CalendarFile, Festival, YEARS, statutory_holidays, working_day_deadline,
};
use crate::domain::refusal::Refusal;
use crate::domain::round::RoundState;
use crate::email::templates::Notice;
use crate::service::error::{FieldError, ServiceError};
use crate::service::letters::tell_new_deadlines;
use crate::service::replies::closed;
use crate::service::requests::save_request;
use crate::service::round_facts::{round_state_of, zone};
use crate::service::rounds::save_round;

/// A year of the calendar as it is in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// `official` when the year's notice is loaded; `provisional` when only its statutory
    /// holidays are known.
    pub calendar: Basis,
    /// The notice's title; `null` for a provisional year.
    pub source: Option<String>,
    /// Rest days besides weekends: the notice's, or the statutory holidays.
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are working days; none are known for a provisional year.
    #[schema(value_type = Vec<String>, format = Date)]
    pub working_weekends: Vec<NaiveDate>,
    /// The statutory public holidays of the year, as computed (the notice's blocks hold them).
    pub statutory: Vec<StatutoryDay>,
    pub loaded_at: Option<DateTime<Utc>>,
    /// Who loaded the notice: a person's token name, `command line`, or the shipped file.
    pub loaded_by: Option<String>,
}

/// One statutory public holiday.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatutoryDay {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub festival: Festival,
}

/// The year as it is in force: its loaded notice, or its provisional days.
pub fn year(conn: &mut DbConnection, year: i32) -> Result<CalendarYear, ServiceError> {
    if !YEARS.contains(&year) {
        return Err(ServiceError::NotFound);
    }
    let statutory: Vec<StatutoryDay> = statutory_holidays(year)
        .unwrap_or_default()
        .into_iter()
        .map(|(date, festival)| StatutoryDay { date, festival })
        .collect();
    Ok(match calendar::find(conn, year)? {
        Some(row) => {
            let notice = row.notice()?;
            CalendarYear {
                year,
                calendar: Basis::Official,
                source: Some(notice.source),
                holidays: notice.holidays.into_iter().collect(),
                working_weekends: notice.working_weekends.into_iter().collect(),
                statutory,
                loaded_at: Some(row.loaded_at.and_utc()),
                loaded_by: Some(row.loaded_by),
            }
        }
        None => CalendarYear {
            year,
            calendar: Basis::Provisional,
            source: None,
            holidays: statutory.iter().map(|d| d.date).collect(),
            working_weekends: Vec::new(),
            statutory,
            loaded_at: None,
            loaded_by: None,
        },
    })
}

/// The years whose notices are loaded, in order.
pub fn loaded_years(conn: &mut DbConnection) -> Result<Vec<CalendarYear>, ServiceError> {
    let years: Vec<i32> = calendar::all(conn)?.iter().map(|r| r.year).collect();
    years.into_iter().map(|y| year(conn, y)).collect()
}

/// What loading a calendar file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// The years loaded, as now in force.
    pub years: Vec<CalendarYear>,
    /// Rounds not yet closed with a deadline counted provisionally, or counted through a year
    /// just loaded: an admin may count them again (`POST /api/v1/rounds/{id}/recount`).
    pub rounds_to_recount: Vec<String>,
}

/// Loads (or replaces) every year of `file`, all or none; each year is audited.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    file: CalendarFile,
    now: DateTime<Utc>,
) -> Result<Imported, ServiceError> {
    let notices = file.notices().map_err(|problems| {
        ServiceError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldError::new(p.field, p.code, p.message))
                .collect(),
        )
    })?;
    let stamp = now.naive_utc();
    let mut years = Vec::new();
    for notice in &notices {
        let before = calendar::find(conn, notice.year)?;
        let row = CalendarYearRow::new(notice, &actor.name, stamp);
        calendar::replace(conn, &row)?;
        let value =
            |row: &CalendarYearRow| row.notice().ok().and_then(|n| serde_json::to_value(n).ok());
        audit::record(
            conn,
            actor,
            stamp,
            Change {
                action: "calendar.import",
                entity_type: "calendar_year",
                entity_id: &notice.year.to_string(),
                before: before.as_ref().and_then(value),
                after: value(&row),
            },
        )?;
        years.push(year(conn, notice.year)?);
    }
    let rounds_to_recount = open_rounds_to_recount(conn, &notices, now)?;
    Ok(Imported {
        years,
        rounds_to_recount,
    })
}

/// The rounds still open whose working-day deadlines the new notices could move.
fn open_rounds_to_recount(
    conn: &mut DbConnection,
    notices: &[crate::domain::calendar::YearNotice],
    now: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    // The years' bounds a day wide on each side, so that no time zone's deadline is missed;
    // a round listed needlessly only counts to the same deadline.
    let bound = |year: i32, month, day| {
        NaiveDate::from_ymd_opt(year, month, day).and_then(|d| d.and_hms_opt(0, 0, 0))
    };
    let (Some(first), Some(last)) = (
        notices.iter().map(|n| n.year).min(),
        notices.iter().map(|n| n.year).max(),
    ) else {
        return Ok(Vec::new());
    };
    let (Some(from), Some(to)) = (bound(first - 1, 12, 31), bound(last + 1, 1, 2)) else {
        return Ok(Vec::new());
    };
    let mut open = Vec::new();
    for id in round::rounds_to_recount(conn, from, to)? {
        let Some(found) = round::find_round(conn, &id)? else {
            continue;
        };
        let requests: Vec<RequestRow> = round::requests_of_round(conn, &id)?
            .into_iter()
            .map(|r| r.request)
            .collect();
        if round_state_of(&found, &requests, now) != RoundState::Closed {
            open.push(id);
        }
    }
    Ok(open)
}

/// One deadline counted again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recounted {
    /// The request whose extension was counted again; absent for the round's own deadline.
    pub request_id: Option<String>,
    pub before: DateTime<Utc>,
    pub after: DateTime<Utc>,
    pub calendar: Basis,
    /// Whether the new deadline took effect. A deadline that has passed, or that would now lie
    /// in the past, is kept: an agency is never made overdue, or pending again, by a notice
    /// published later.
    pub applied: bool,
}

/// Counts the round's working-day deadlines (its own and its extensions') again on the calendar
/// now in force, changes those that move, and tells each agency whose effective deadline
/// changed. Runs under the round's lock, with each request's row held while it is changed.
pub fn recount(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    now: DateTime<Utc>,
) -> Result<(RoundRow, Vec<Recounted>), ServiceError> {
    let before = round::lock_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
    let requests: Vec<RequestRow> = round::requests_of_round(conn, round_id)?
        .into_iter()
        .map(|r| r.request)
        .collect();
    let Some(opened_at) = before.opened_at else {
        return Err(ServiceError::refused(
            Refusal::RoundNotOpen,
            "the round has not opened yet: its deadline is counted when it opens",
        ));
    };
    if round_state_of(&before, &requests, now) == RoundState::Closed {
        return Err(closed());
    }
    let calendar = calendar::load(conn)?;
    let zone = zone(&before);
    let recount_one = |from: NaiveDateTime, days: i32, was: NaiveDateTime, basis: Option<&str>| {
        let days = u32::try_from(days.max(1)).unwrap_or(1);
        let counted = working_day_deadline(&calendar, from.and_utc(), zone, days)
            .ok_or_else(|| ServiceError::internal("no working day found for the deadline"))?;
        let was = was.and_utc();
        if counted.at == was && basis.and_then(Basis::parse) == Some(counted.basis) {
            return Ok::<_, ServiceError>(None);
        }
        Ok(Some(Recounted {
            request_id: None,
            before: was,
            after: counted.at,
            calendar: counted.basis,
            applied: was > now && counted.at > now,
        }))
    };
    let stamp = now.naive_utc();
    let mut changes = Vec::new();
    let mut round_after = before.clone();
    if let (Some(days), Some(deadline)) = (before.working_days, before.deadline) {
        if let Some(change) = recount_one(
            opened_at,
            days,
            deadline,
            before.deadline_calendar.as_deref(),
        )? {
            if change.applied {
                round_after.deadline = Some(change.after.naive_utc());
                round_after.deadline_calendar = Some(change.calendar.as_str().to_owned());
            }
            changes.push(change);
        }
    }
    let round_row = if round_after == *before {
        (*before).clone()
    } else {
        save_round(conn, actor, "round.recount", &before, round_after, stamp)?
    };
    for request in &requests {
        let request = round::hold_request(conn, &request.id)?.ok_or(ServiceError::NotFound)?;
        let mut after = request.clone();
        if let (Some(days), Some(granted), Some(deadline)) = (
            request.extension_working_days,
            request.extended_at,
            request.extended_deadline,
        ) {
            if let Some(mut change) = recount_one(
                granted,
                days,
                deadline,
                request.extension_calendar.as_deref(),
            )? {
                if change.applied {
                    after.extended_deadline = Some(change.after.naive_utc());
                    after.extension_calendar = Some(change.calendar.as_str().to_owned());
                }
                change.request_id = Some(request.id.clone());
                changes.push(change);
            }
        }
        // Once both are counted again, an extension that ends before the round's deadline
        // extends nothing (as when a drafter moves the round's deadline past it).
        if let (Some(extension), Some(round_deadline)) =
            (after.extended_deadline, round_row.deadline)
        {
            if extension < round_deadline {
                after.extended_deadline = None;
                after.extension_reason = None;
                after.extension_calendar = None;
                after.extension_working_days = None;
                after.extended_at = None;
            }
        }
        if after != request {
            save_request(conn, actor, "request.recount", &request, after, stamp)?;
        }
    }
    tell_new_deadlines(
        conn,
        (&before, &requests),
        &round_row,
        Notice::Recounted,
        now,
    )?;
    Ok((round_row, changes))
}
