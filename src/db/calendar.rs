//! The working-day calendar as stored: one row per year whose notice is loaded.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::insert_or_ignore;
use super::schema::calendar_years;
use crate::domain::calendar::{Calendar, CalendarFile, YearNotice};

/// A year's notice as stored; the day lists are JSON arrays of ISO dates.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = calendar_years)]
pub struct CalendarYearRow {
    pub year: i32,
    pub source: String,
    pub holidays: String,
    pub working_weekends: String,
    pub loaded_at: NaiveDateTime,
    pub loaded_by: String,
}

/// Who loaded the notices shipped in `seeds/calendar.json`.
pub const SHIPPED_BY: &str = "seeds/calendar.json";

impl CalendarYearRow {
    /// The row for `notice`, loaded by `who` at `now`.
    pub fn new(notice: &YearNotice, who: &str, now: NaiveDateTime) -> Self {
        let list = |days: &BTreeSet<NaiveDate>| {
            serde_json::to_string(days).unwrap_or_else(|_| "[]".to_owned())
        };
        CalendarYearRow {
            year: notice.year,
            source: notice.source.clone(),
            holidays: list(&notice.holidays),
            working_weekends: list(&notice.working_weekends),
            loaded_at: now,
            loaded_by: who.to_owned(),
        }
    }

    /// The notice this row holds; a row whose lists do not parse is an error, not an empty year.
    pub fn notice(&self) -> QueryResult<YearNotice> {
        let list = |text: &str| {
            serde_json::from_str::<BTreeSet<NaiveDate>>(text)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
        };
        Ok(YearNotice {
            year: self.year,
            source: self.source.clone(),
            holidays: list(&self.holidays)?,
            working_weekends: list(&self.working_weekends)?,
        })
    }
}

/// Every loaded year, in order.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<CalendarYearRow>> {
    calendar_years::table.order(calendar_years::year).load(conn)
}

/// One loaded year.
pub fn find(conn: &mut DbConnection, year: i32) -> QueryResult<Option<CalendarYearRow>> {
    calendar_years::table.find(year).first(conn).optional()
}

/// The calendar in force: every loaded notice (a few dozen rows at most).
pub fn load(conn: &mut DbConnection) -> QueryResult<Calendar> {
    let notices = all(conn)?
        .iter()
        .map(CalendarYearRow::notice)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Calendar::new(notices))
}

/// Stores `row`, replacing the year's notice if one is loaded.
pub fn replace(conn: &mut DbConnection, row: &CalendarYearRow) -> QueryResult<()> {
    diesel::delete(calendar_years::table.find(row.year)).execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Loads the shipped notices for the years that have none, never replacing one an admin
/// loaded. Returns how many years it added.
pub fn install_shipped(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    let file: CalendarFile = serde_json::from_str(crate::domain::calendar::SHIPPED)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    let notices = file.notices().map_err(|problems| {
        diesel::result::Error::DeserializationError(
            format!("seeds/calendar.json: {problems:?}").into(),
        )
    })?;
    let mut added = 0;
    for notice in &notices {
        added += insert_or_ignore!(
            conn,
            calendar_years::table,
            CalendarYearRow::new(notice, SHIPPED_BY, now)
        )?;
    }
    Ok(added)
}
