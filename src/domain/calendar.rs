//! The working-day calendar: which days offices work, from the State Council's yearly notice
//! (部分节假日安排的通知) where one is loaded, and from the statutory holidays otherwise.
//!
//! A year without a loaded notice is provisional: its statutory public holidays are computed
//! (the lunar festivals and 清明 with `tyme4rs`), weekends are rest days, and nothing is known of
//! the weekend days the notice will make working days (调休) or of the holidays it will extend.
//! A deadline counted through such a year says so, because the notice may move it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The notices shipped with the service, loaded into a database that lacks their years.
pub const SHIPPED: &str = include_str!("../../seeds/calendar.json");

/// Years the calendar covers: from the national holiday rules of 2014 (the earliest whose
/// statutory days are computed here) to the last year the calendar library computes.
pub const YEARS: std::ops::RangeInclusive<i32> = 2014..=2099;

/// The first year of the rules that added 除夕 and 2 May (国务院令第798号, in force 2025).
const RULES_OF_2025: i32 = 2025;

/// When the office day ends: deadlines given in working days fall at this time.
pub const OFFICE_CLOSES: NaiveTime = match NaiveTime::from_hms_opt(18, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// What a deadline counted in working days was counted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every day counted lies in a year whose notice is loaded.
    Official,
    /// Some day counted lies in a year with no notice loaded: the statutory holidays were
    /// skipped, but the notice may add rest days or working weekends and move the deadline.
    Provisional,
}

stored_names!(Basis, "deadline basis" {
    Official => "official",
    Provisional => "provisional",
});

/// One year's notice: its public holidays and the weekend days made working days (调休).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearNotice {
    pub year: i32,
    /// The notice's title, e.g. 国务院办公厅关于2027年部分节假日安排的通知.
    pub source: String,
    /// Every rest day the notice names, weekend days of the holiday blocks included.
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays and Sundays that are working days.
    #[schema(value_type = Vec<String>, format = Date)]
    pub working_weekends: BTreeSet<NaiveDate>,
}

/// The calendar file (`seeds/calendar.json`), also what an admin loads.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    /// What the file is; not used.
    #[serde(default)]
    pub about: Option<String>,
    pub years: Vec<CalendarFileYear>,
}

/// One year of the calendar file, as written (lists may repeat or mis-order days).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFileYear {
    pub year: i32,
    pub source: String,
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: Vec<NaiveDate>,
    #[schema(value_type = Vec<String>, format = Date)]
    pub working_weekends: Vec<NaiveDate>,
}

/// Why a year of a calendar file cannot be loaded; `field` is its path in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeProblem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// The checks need the whole file (a year named twice, a day in the wrong year), so they run in
/// [`CalendarFile::notices`], which names each bad day by its path.
impl validator::Validate for CalendarFile {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl CalendarFile {
    /// The file's years as notices, or every problem found, each with its path in the file.
    pub fn notices(self) -> Result<Vec<YearNotice>, Vec<NoticeProblem>> {
        let mut problems = Vec::new();
        let mut notices = Vec::new();
        let mut seen = BTreeSet::new();
        if self.years.is_empty() {
            problems.push(problem(
                "years",
                "empty",
                "name at least one year".to_owned(),
            ));
        }
        for (i, entry) in self.years.into_iter().enumerate() {
            let at = format!("years[{i}]");
            if !seen.insert(entry.year) {
                problems.push(problem(
                    &format!("{at}.year"),
                    "duplicate_year",
                    format!("{} appears twice", entry.year),
                ));
            }
            match YearNotice::checked(entry, &at) {
                Ok(notice) => notices.push(notice),
                Err(mut found) => problems.append(&mut found),
            }
        }
        if problems.is_empty() {
            Ok(notices)
        } else {
            Err(problems)
        }
    }
}

fn problem(field: &str, code: &'static str, message: String) -> NoticeProblem {
    NoticeProblem {
        field: field.to_owned(),
        code,
        message,
    }
}

impl YearNotice {
    /// A notice from one year of a file: every day within the year, no day both a holiday and
    /// a working day, working days only on weekends (a weekday works anyway).
    fn checked(entry: CalendarFileYear, at: &str) -> Result<YearNotice, Vec<NoticeProblem>> {
        let mut problems = Vec::new();
        if !YEARS.contains(&entry.year) {
            problems.push(problem(
                &format!("{at}.year"),
                "out_of_range",
                format!("years {} to {} only", YEARS.start(), YEARS.end()),
            ));
        }
        if crate::domain::text::is_blank(&entry.source) || entry.source.chars().count() > 200 {
            problems.push(problem(
                &format!("{at}.source"),
                "length",
                "name the notice, in at most 200 characters".to_owned(),
            ));
        }
        for (i, day) in entry.holidays.iter().enumerate() {
            if day.year() != entry.year {
                problems.push(problem(
                    &format!("{at}.holidays[{i}]"),
                    "outside_year",
                    format!("{day} is not in {}", entry.year),
                ));
            }
        }
        let holidays: BTreeSet<NaiveDate> = entry.holidays.into_iter().collect();
        // A notice arranges the days around the statutory holidays; it never works one.
        if problems.is_empty() {
            for (day, festival) in statutory_holidays(entry.year).unwrap_or_default() {
                if !holidays.contains(&day) {
                    problems.push(problem(
                        &format!("{at}.holidays"),
                        "statutory_holiday_missing",
                        format!("{day} ({festival:?}) is a statutory public holiday"),
                    ));
                }
            }
        }
        for (i, day) in entry.working_weekends.iter().enumerate() {
            let field = format!("{at}.working_weekends[{i}]");
            if day.year() != entry.year {
                problems.push(problem(
                    &field,
                    "outside_year",
                    format!("{day} is not in {}", entry.year),
                ));
            } else if holidays.contains(day) {
                problems.push(problem(
                    &field,
                    "holiday_and_working_day",
                    format!("{day} is also listed as a holiday"),
                ));
            } else if !is_weekend(*day) {
                problems.push(problem(
                    &field,
                    "not_a_weekend",
                    format!("{day} is a weekday, a working day anyway"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(YearNotice {
                year: entry.year,
                source: entry.source.trim().to_owned(),
                holidays,
                working_weekends: entry.working_weekends.into_iter().collect(),
            })
        } else {
            Err(problems)
        }
    }
}

/// A statutory public holiday (全体公民放假的节日), as the national rules set them: since 2025 the
/// list below; from 2014 to 2024 without 除夕 and without 2 May.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Festival {
    /// 元旦, 1 January.
    NewYear,
    /// 春节, from 除夕 (since 2025) to 初三.
    SpringFestival,
    /// 清明节, the day of the solar term.
    Qingming,
    /// 劳动节, 1 May (and 2 May since 2025).
    LabourDay,
    /// 端午节, the fifth of the fifth lunar month.
    DragonBoat,
    /// 中秋节, the fifteenth of the eighth lunar month.
    MidAutumn,
    /// 国庆节, 1 to 3 October.
    NationalDay,
}

/// The statutory public holidays of `year`, in date order; `None` outside [`YEARS`].
pub fn statutory_holidays(year: i32) -> Option<Vec<(NaiveDate, Festival)>> {
    if !YEARS.contains(&year) {
        return None;
    }
    let fixed = |month, day, festival| Some((NaiveDate::from_ymd_opt(year, month, day)?, festival));
    let since_2025 = year >= RULES_OF_2025;
    let mut days = vec![
        fixed(1, 1, Festival::NewYear)?,
        fixed(5, 1, Festival::LabourDay)?,
        fixed(10, 1, Festival::NationalDay)?,
        fixed(10, 2, Festival::NationalDay)?,
        fixed(10, 3, Festival::NationalDay)?,
        (qingming(year)?, Festival::Qingming),
        (lunar(year, 5, 5)?, Festival::DragonBoat),
        (lunar(year, 8, 15)?, Festival::MidAutumn),
    ];
    let new_year = lunar(year, 1, 1)?;
    if since_2025 {
        days.push(fixed(5, 2, Festival::LabourDay)?);
        // 除夕 is the day before the first of the first month, whatever the twelfth's length.
        days.push((new_year.pred_opt()?, Festival::SpringFestival));
    }
    for offset in 0..3 {
        days.push((
            new_year.checked_add_days(chrono::Days::new(offset))?,
            Festival::SpringFestival,
        ));
    }
    days.sort();
    Some(days)
}

fn to_date(day: &tyme4rs::tyme::solar::SolarDay) -> Option<NaiveDate> {
    let year = i32::try_from(day.get_year()).ok()?;
    let month = u32::try_from(day.get_month()).ok()?;
    let date = u32::try_from(day.get_day()).ok()?;
    NaiveDate::from_ymd_opt(year, month, date)
}

/// The Gregorian date of a day of the (non-leap) lunar month in lunar year `year`.
fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    let lunar = tyme4rs::tyme::lunar::LunarDay::new(year as isize, month, day).ok()?;
    to_date(&lunar.get_solar_day())
}

/// The day of the solar term 清明 in `year` (4 or 5 April), in Beijing time.
fn qingming(year: i32) -> Option<NaiveDate> {
    let term = tyme4rs::tyme::solar::SolarTerm::new(year as isize, "清明").ok()?;
    to_date(&term.get_solar_day())
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Which days are working days: the loaded notices, and the statutory rules for other years.
#[derive(Debug, Default)]
pub struct Calendar {
    notices: BTreeMap<i32, YearNotice>,
    // Computed once per provisional year that a count reaches.
    statutory: RefCell<BTreeMap<i32, BTreeSet<NaiveDate>>>,
}

impl Calendar {
    /// A calendar of the given notices.
    pub fn new(notices: impl IntoIterator<Item = YearNotice>) -> Calendar {
        Calendar {
            notices: notices.into_iter().map(|n| (n.year, n)).collect(),
            statutory: RefCell::default(),
        }
    }

    /// Whether `year` has a notice loaded.
    pub fn basis_of(&self, year: i32) -> Basis {
        if self.notices.contains_key(&year) {
            Basis::Official
        } else {
            Basis::Provisional
        }
    }

    /// The loaded notice of `year`.
    pub fn notice(&self, year: i32) -> Option<&YearNotice> {
        self.notices.get(&year)
    }

    /// Whether offices work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.notices.get(&day.year()) {
            Some(notice) if notice.working_weekends.contains(&day) => true,
            Some(notice) => !is_weekend(day) && !notice.holidays.contains(&day),
            None => !is_weekend(day) && !self.is_statutory_holiday(day),
        }
    }

    fn is_statutory_holiday(&self, day: NaiveDate) -> bool {
        let mut cache = self.statutory.borrow_mut();
        cache
            .entry(day.year())
            .or_insert_with(|| {
                statutory_holidays(day.year())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(d, _)| d)
                    .collect()
            })
            .contains(&day)
    }

    /// The `n`th working day from `start`, counting `start` itself when it is one (a request
    /// sent on Thursday 30 May with five working days is due on Wednesday 5 June), and whether
    /// every day counted lies in a year with a notice.
    pub fn nth_working_day(&self, start: NaiveDate, n: u32) -> Option<(NaiveDate, Basis)> {
        let mut day = start;
        let mut counted = 0;
        let mut basis = Basis::Official;
        loop {
            if self.basis_of(day.year()) == Basis::Provisional {
                basis = Basis::Provisional;
            }
            if self.is_working_day(day) {
                counted += 1;
                if counted >= n.max(1) {
                    return Some((day, basis));
                }
            }
            day = day.succ_opt()?;
        }
    }
}

/// A deadline counted in working days, and what it was counted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountedDeadline {
    pub at: DateTime<Utc>,
    pub basis: Basis,
}

/// The deadline `n` working days after `opened`: the end of the office day, in `zone`, of the
/// `n`th working day counting the day of opening (the next day when the office has closed).
pub fn working_day_deadline(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    zone: Tz,
    n: u32,
) -> Option<CountedDeadline> {
    let local = opened.with_timezone(&zone);
    let mut first = local.date_naive();
    if local.time() >= OFFICE_CLOSES {
        first = first.succ_opt()?;
    }
    let (day, basis) = calendar.nth_working_day(first, n)?;
    let at = zone
        .from_local_datetime(&day.and_time(OFFICE_CLOSES))
        .earliest()?
        .with_timezone(&Utc);
    Some(CountedDeadline { at, basis })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn shipped() -> Calendar {
        let file: CalendarFile = serde_json::from_str(SHIPPED).expect("calendar file");
        Calendar::new(file.notices().expect("valid notices"))
    }

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn the_computed_festivals_fall_on_the_days_the_notices_of_2024_to_2026_gave() {
        let calendar = shipped();
        for year in 2024..=2026 {
            let notice = calendar.notice(year).expect("shipped notice");
            for (day, festival) in statutory_holidays(year).expect("in range") {
                assert!(
                    notice.holidays.contains(&day),
                    "{festival:?} on {day} is not a holiday in the {year} notice"
                );
            }
        }
        // The lunar and solar-term dates themselves, as the notices name them.
        let named = |year| {
            statutory_holidays(year)
                .expect("in range")
                .into_iter()
                .filter(|(_, f)| {
                    matches!(
                        f,
                        Festival::Qingming | Festival::DragonBoat | Festival::MidAutumn
                    )
                })
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named(2024),
            [date(2024, 4, 4), date(2024, 6, 10), date(2024, 9, 17)]
        );
        assert_eq!(
            named(2025),
            [date(2025, 4, 4), date(2025, 5, 31), date(2025, 10, 6)]
        );
        assert_eq!(
            named(2026),
            [date(2026, 4, 5), date(2026, 6, 19), date(2026, 9, 25)]
        );
        let eve = |year| {
            statutory_holidays(year)
                .expect("in range")
                .into_iter()
                .find(|(_, f)| *f == Festival::SpringFestival)
                .map(|(d, _)| d)
        };
        // 除夕 became a statutory holiday with the rules of 2025.
        assert_eq!(
            eve(2024),
            Some(date(2024, 2, 10)),
            "初一 is the first in 2024"
        );
        assert_eq!(eve(2025), Some(date(2025, 1, 28)));
        assert_eq!(eve(2026), Some(date(2026, 2, 16)));
        assert_eq!(eve(2027), Some(date(2027, 2, 5)));
    }

    #[test]
    fn five_working_days_from_the_source_round() {
        // 30 May 2024, a Thursday: the request ran to 5 June.
        assert_eq!(
            shipped().nth_working_day(date(2024, 5, 30), 5),
            Some((date(2024, 6, 5), Basis::Official))
        );
    }

    #[test]
    fn holidays_and_adjusted_working_days_count() {
        let calendar = shipped();
        // The Dragon Boat holiday (10 June 2024, a Monday) is skipped.
        assert_eq!(
            calendar.nth_working_day(date(2024, 6, 7), 2),
            Some((date(2024, 6, 11), Basis::Official))
        );
        // Sunday 28 April 2024 was a working day before the May holiday.
        assert!(calendar.is_working_day(date(2024, 4, 28)));
        // 28, 29 and 30 April, then the holiday to 5 May.
        assert_eq!(
            calendar.nth_working_day(date(2024, 4, 28), 4),
            Some((date(2024, 5, 6), Basis::Official))
        );
    }

    #[test]
    fn the_deadline_is_the_end_of_the_office_day_in_the_zone() {
        let due = working_day_deadline(&shipped(), utc(2024, 5, 30, 1), Tz::Asia__Shanghai, 5)
            .expect("due");
        assert_eq!(
            due,
            CountedDeadline {
                at: utc(2024, 6, 5, 10),
                basis: Basis::Official
            }
        );
    }

    #[test]
    fn a_request_sent_after_office_hours_starts_counting_the_next_day() {
        // Friday 7 June 2024, 18:30 in Shanghai: Monday 11 June is the next working day.
        let evening = Utc
            .with_ymd_and_hms(2024, 6, 7, 10, 30, 0)
            .single()
            .expect("time");
        let due = working_day_deadline(&shipped(), evening, Tz::Asia__Shanghai, 1).expect("due");
        assert_eq!(due.at, utc(2024, 6, 11, 10));
    }

    #[test]
    fn counts_across_the_year_end_skip_new_years_day_and_say_they_are_provisional() {
        let calendar = shipped();
        // Opened Monday 28 December 2026 with five working days: 28-31 December, then
        // Monday 4 January, since 1 January 2027 is a holiday.
        let due = working_day_deadline(&calendar, utc(2026, 12, 28, 1), Tz::Asia__Shanghai, 5)
            .expect("due");
        assert_eq!(due.at, utc(2027, 1, 4, 10));
        assert_eq!(due.basis, Basis::Provisional);
        // 24 working days from Tuesday 1 December 2026: the 24th is not New Year's Day.
        let due = working_day_deadline(&calendar, utc(2026, 12, 1, 1), Tz::Asia__Shanghai, 24)
            .expect("due");
        assert_eq!(due.at, utc(2027, 1, 4, 10));
        assert_eq!(due.basis, Basis::Provisional);
        // A count that stays within 2026 is official.
        let due = working_day_deadline(&calendar, utc(2026, 12, 1, 1), Tz::Asia__Shanghai, 5)
            .expect("due");
        assert_eq!((due.at, due.basis), (utc(2026, 12, 7, 10), Basis::Official));
    }

    #[test]
    fn the_2027_spring_festival_is_never_a_deadline() {
        let calendar = shipped();
        // 除夕 is Friday 5 February 2027, 初三 Monday 8 February.
        for day in [5, 8] {
            assert!(
                !calendar.is_working_day(date(2027, 2, day)),
                "2027-02-{day}"
            );
        }
        // Monday 1 February with five working days: 1-4 February, then Tuesday 9 February.
        let due = working_day_deadline(&calendar, utc(2027, 2, 1, 1), Tz::Asia__Shanghai, 5)
            .expect("due");
        assert_eq!(
            (due.at, due.basis),
            (utc(2027, 2, 9, 10), Basis::Provisional)
        );
    }

    #[test]
    fn a_loaded_notice_makes_the_year_official_and_decides_its_days() {
        let mut notices: Vec<YearNotice> = {
            let file: CalendarFile = serde_json::from_str(SHIPPED).expect("file");
            file.notices().expect("valid")
        };
        let mut holidays: BTreeSet<NaiveDate> = statutory_holidays(2027)
            .expect("in range")
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        holidays.insert(date(2027, 1, 4));
        notices.push(YearNotice {
            year: 2027,
            source: "test notice".to_owned(),
            holidays,
            working_weekends: [date(2027, 1, 9)].into_iter().collect(),
        });
        let calendar = Calendar::new(notices);
        let due = working_day_deadline(&calendar, utc(2026, 12, 28, 1), Tz::Asia__Shanghai, 5)
            .expect("due");
        assert_eq!((due.at, due.basis), (utc(2027, 1, 5, 10), Basis::Official));
        assert!(calendar.is_working_day(date(2027, 1, 9)));
    }

    #[test]
    fn every_year_covered_has_its_statutory_days() {
        for year in YEARS {
            let days = statutory_holidays(year).expect("in range");
            let expected = if year >= RULES_OF_2025 { 13 } else { 11 };
            assert_eq!(days.len(), expected, "{year}");
            assert!(days.iter().all(|(d, _)| d.year() == year), "{year}");
        }
        assert_eq!(statutory_holidays(2013), None);
    }

    #[test]
    fn a_notice_that_works_a_statutory_holiday_is_refused() {
        let holidays: Vec<String> = statutory_holidays(2027)
            .expect("in range")
            .into_iter()
            .map(|(d, _)| d.to_string())
            .filter(|d| d != "2027-10-01")
            .collect();
        let text = serde_json::json!({"years": [{"year": 2027, "source": "通知",
            "holidays": holidays, "working_weekends": []}]})
        .to_string();
        let file: CalendarFile = serde_json::from_str(&text).expect("file shape");
        let problems = file.notices().expect_err("refused");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "years[0].holidays");
        assert_eq!(problems[0].code, "statutory_holiday_missing");
        assert!(problems[0].message.contains("2027-10-01"));
    }

    #[test]
    fn a_file_is_refused_with_every_problem_and_where_it_is() {
        let file: CalendarFile = serde_json::from_str(
            r#"{"years": [
                {"year": 2027, "source": "通知", "holidays": ["2027-01-01", "2026-12-31"],
                 "working_weekends": ["2027-01-01", "2027-01-05", "2028-01-08"]},
                {"year": 2027, "source": " ", "holidays": [], "working_weekends": []}
            ]}"#,
        )
        .expect("file shape");
        let problems = file.notices().expect_err("refused");
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.code))
            .collect();
        assert_eq!(
            found,
            [
                ("years[0].holidays[1]", "outside_year"),
                ("years[0].working_weekends[0]", "holiday_and_working_day"),
                ("years[0].working_weekends[1]", "not_a_weekend"),
                ("years[0].working_weekends[2]", "outside_year"),
                ("years[1].year", "duplicate_year"),
                ("years[1].source", "length"),
            ]
        );
    }
}
