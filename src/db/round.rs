//! Rounds, their comment requests, and the requests' reply revisions, with their queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{agencies, attachments, replies, requests, rounds};
use crate::domain::round::{Deadline, Due, ReplyKind, ReplySource};

/// A round as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = rounds, treat_none_as_null = true)]
pub struct RoundRow {
    pub id: String,
    pub document_id: String,
    pub version_id: String,
    pub title: String,
    pub instructions: String,
    pub time_zone: String,
    pub deadline: Option<NaiveDateTime>,
    pub working_days: Option<i32>,
    pub scope: Option<String>,
    pub accept_late: bool,
    pub reminder_hours: String,
    pub silence_is_no_comments: bool,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub state_reason: Option<String>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub share_report: bool,
    pub decisions_published_at: Option<NaiveDateTime>,
    pub decisions_published_by: Option<String>,
    pub check_override: Option<String>,
    pub follows_round_id: Option<String>,
    /// `official` or `provisional` when the deadline was counted in working days.
    pub deadline_calendar: Option<String>,
    /// The version the published decisions were checked against.
    pub decisions_version_id: Option<String>,
    /// The office's reference for the round's letters (文号).
    pub letter_reference: Option<String>,
    /// Each letter is numbered under the reference (…88-3号).
    pub number_letters: bool,
}

impl RoundRow {
    /// The deadline as it stands; `None` only for a row that has neither an instant nor a
    /// count, which no write makes.
    pub fn deadline_terms(&self) -> Option<Deadline> {
        let at = self.deadline.map(|t| t.and_utc());
        match (self.working_days, at) {
            (Some(days), at) => Some(Deadline::Counted {
                working_days: u32::try_from(days).unwrap_or(0),
                at,
            }),
            (None, Some(at)) => Some(Deadline::Fixed(at)),
            (None, None) => None,
        }
    }

    /// Sets the deadline as given: a fixed instant drops any count (and what it was counted
    /// on); a count drops the instant until the round opens.
    pub fn set_due(&mut self, due: Due) {
        match due {
            Due::At(at) => {
                self.deadline = Some(at.naive_utc());
                self.deadline_calendar = None;
                self.working_days = None;
            }
            Due::WorkingDays(days) => {
                self.working_days = Some(i32::try_from(days).unwrap_or(i32::MAX));
                self.deadline = None;
            }
        }
    }

    /// Hours before the deadline at which silent agencies are reminded, latest first.
    pub fn reminder_offsets(&self) -> Vec<u32> {
        let mut hours: Vec<u32> = serde_json::from_str(&self.reminder_hours).unwrap_or_default();
        hours.sort_unstable();
        hours.dedup();
        hours
    }

    /// The clause keys open for comment, or `None` for the whole version.
    pub fn scope_keys(&self) -> Option<Vec<String>> {
        self.scope
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }
}

/// A comment request as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = requests, treat_none_as_null = true)]
pub struct RequestRow {
    pub id: String,
    pub round_id: String,
    pub agency_id: String,
    pub issued_at: Option<NaiveDateTime>,
    pub viewed_at: Option<NaiveDateTime>,
    pub extended_deadline: Option<NaiveDateTime>,
    pub extension_reason: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub last_activity_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// `official` or `provisional` when the extension was counted in working days.
    pub extension_calendar: Option<String>,
    pub extension_working_days: Option<i32>,
    /// When the extension was granted: where a count in working days starts.
    pub extended_at: Option<NaiveDateTime>,
    /// The request's number under the round's letter reference, given when it first went out.
    pub letter_number: Option<i32>,
}

/// A reply revision as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = replies)]
pub struct ReplyRow {
    pub id: String,
    pub request_id: String,
    pub revision: i32,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: ReplyKind,
    pub signer: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub note: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub source: ReplySource,
    pub entered_by: Option<String>,
    pub submitted_at: NaiveDateTime,
    pub late: bool,
    pub withdrawn_at: Option<NaiveDateTime>,
}

/// A request with the code and name of its agency.
#[derive(Clone, Debug)]
pub struct RequestWithAgency {
    pub request: RequestRow,
    pub agency_code: String,
    pub agency_name: String,
}

/// Adds a round.
pub fn insert_round(conn: &mut DbConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(rounds::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The round with this id.
pub fn find_round(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RoundRow>> {
    rounds::table.find(id).first(conn).optional()
}

/// Writes `row` over the stored round if that is still at revision `expected`.
pub fn update_round(conn: &mut DbConnection, row: &RoundRow, expected: i32) -> QueryResult<bool> {
    diesel::update(
        rounds::table
            .find(&row.id)
            .filter(rounds::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// Rounds newest first; with `agency_id`, only those that issued that agency a request (one
/// cancelled since included: the agency keeps reading what it was sent).
pub fn list_rounds(conn: &mut DbConnection, agency_id: Option<&str>) -> QueryResult<Vec<RoundRow>> {
    let mut query = rounds::table
        .order((rounds::created_at.desc(), rounds::id.desc()))
        .into_boxed();
    if let Some(agency_id) = agency_id {
        let issued = requests::table
            .filter(requests::agency_id.eq(agency_id.to_owned()))
            .filter(requests::issued_at.is_not_null())
            .select(requests::round_id);
        query = query.filter(rounds::id.eq_any(issued));
    }
    query.load(conn)
}

/// The documents an agency has been sent a request on (cancelled since or not: it keeps
/// reading what it was sent).
pub fn consulted_documents(conn: &mut DbConnection, agency_id: &str) -> QueryResult<Vec<String>> {
    rounds::table
        .inner_join(requests::table)
        .filter(requests::agency_id.eq(agency_id))
        .filter(requests::issued_at.is_not_null())
        .select(rounds::document_id)
        .distinct()
        .load(conn)
}

/// The agencies a round on the document has sent a request to (and not cancelled).
pub fn consulted_agencies(conn: &mut DbConnection, document_id: &str) -> QueryResult<Vec<String>> {
    requests::table
        .inner_join(rounds::table)
        .filter(rounds::document_id.eq(document_id))
        .filter(requests::issued_at.is_not_null())
        .filter(requests::cancelled_at.is_null())
        .select(requests::agency_id)
        .distinct()
        .load(conn)
}

/// Adds a request.
pub fn insert_request(conn: &mut DbConnection, row: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(requests::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The number the round's next numbered letter takes: one above the highest given.
pub fn next_letter_number(conn: &mut DbConnection, round_id: &str) -> QueryResult<i32> {
    let highest: Option<i32> = requests::table
        .filter(requests::round_id.eq(round_id))
        .select(diesel::dsl::max(requests::letter_number))
        .first(conn)?;
    Ok(highest.unwrap_or(0) + 1)
}

/// Writes `row` over the stored request.
pub fn update_request(conn: &mut DbConnection, row: &RequestRow) -> QueryResult<()> {
    diesel::update(requests::table.find(&row.id))
        .set(row.clone())
        .execute(conn)
        .map(drop)
}

/// Takes the request's row lock for the rest of the transaction (on PostgreSQL an UPDATE holds
/// it; SQLite's writer holds the whole database), so that two changes to one request run one
/// after the other; returns the request as it stands once the lock is held.
pub fn lock_request(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<RequestRow>> {
    diesel::update(requests::table.find(id))
        .set(requests::last_activity_at.eq(now))
        .execute(conn)?;
    find_request(conn, id)
}

/// Takes the request's row lock for the rest of the transaction without touching it; returns
/// the request as it stands once the lock is held.
pub fn hold_request(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RequestRow>> {
    diesel::update(requests::table.find(id))
        .set(requests::id.eq(requests::id))
        .execute(conn)?;
    find_request(conn, id)
}

/// A round whose row lock this transaction holds, as it stood when the lock was taken.
///
/// Only [`lock_round`] makes one, and every write to a round's replies, decisions and groups
/// takes one: a new path that forgets the lock does not compile.
#[derive(Debug)]
pub struct LockedRound(RoundRow);

impl LockedRound {
    /// The round's row, for a change that replaces it.
    pub fn into_row(self) -> RoundRow {
        self.0
    }
}

impl std::ops::Deref for LockedRound {
    type Target = RoundRow;

    fn deref(&self) -> &RoundRow {
        &self.0
    }
}

/// Takes the round's row lock for the rest of the transaction; returns the round as it stands.
pub fn lock_round(conn: &mut DbConnection, id: &str) -> QueryResult<Option<LockedRound>> {
    diesel::update(rounds::table.find(id))
        .set(rounds::revision.eq(rounds::revision))
        .execute(conn)?;
    Ok(find_round(conn, id)?.map(LockedRound))
}

/// Ids of the opened rounds, not closed early, with a deadline counted in working days that a
/// recount could change: counted on a provisional calendar, or counted through the span
/// `from..=to` (the years whose notices were just loaded). Extensions of cancelled requests do
/// not count.
pub fn rounds_to_recount(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let provisional = "provisional";
    let by_extension = requests::table
        .filter(requests::cancelled_at.is_null())
        .filter(requests::extension_working_days.is_not_null())
        .filter(
            requests::extension_calendar
                .eq(provisional)
                .or(requests::extended_deadline
                    .ge(from)
                    .and(requests::extended_at.le(to))),
        )
        .select(requests::round_id);
    rounds::table
        .filter(rounds::opened_at.is_not_null())
        .filter(rounds::closed_at.is_null())
        .filter(
            rounds::working_days
                .is_not_null()
                .and(
                    rounds::deadline_calendar
                        .eq(provisional)
                        .or(rounds::deadline.ge(from).and(rounds::opened_at.le(to))),
                )
                .or(rounds::id.eq_any(by_extension)),
        )
        .select(rounds::id)
        .order(rounds::id)
        .load(conn)
}

/// Forgets extensions that end before a round's new deadline: they no longer extend anything.
pub fn drop_extensions_before(
    conn: &mut DbConnection,
    round_id: &str,
    deadline: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        requests::table
            .filter(requests::round_id.eq(round_id))
            .filter(requests::extended_deadline.lt(deadline)),
    )
    .set((
        requests::extended_deadline.eq(None::<NaiveDateTime>),
        requests::extension_reason.eq(None::<String>),
        requests::extension_calendar.eq(None::<String>),
        requests::extension_working_days.eq(None::<i32>),
        requests::extended_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Marks the request read by its agency, unless it was already.
pub fn mark_viewed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        requests::table
            .find(id)
            .filter(requests::viewed_at.is_null()),
    )
    .set((
        requests::viewed_at.eq(now),
        requests::last_activity_at.eq(now),
    ))
    .execute(conn)
    .map(drop)
}

/// The request with this id.
pub fn find_request(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RequestRow>> {
    requests::table.find(id).first(conn).optional()
}

/// The requests of a round with their agencies, by agency code.
pub fn requests_of_round(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<RequestWithAgency>> {
    Ok(with_agencies(
        requests::table
            .inner_join(agencies::table)
            .filter(requests::round_id.eq(round_id))
            .order(agencies::code.asc())
            .select((requests::all_columns, agencies::code, agencies::name))
            .load(conn)?,
    ))
}

/// The request round `round_id` sent agency `agency_id`, once it went out: by key.
pub fn issued_request(
    conn: &mut DbConnection,
    round_id: &str,
    agency_id: &str,
) -> QueryResult<Option<RequestRow>> {
    requests::table
        .filter(requests::round_id.eq(round_id))
        .filter(requests::agency_id.eq(agency_id))
        .filter(requests::issued_at.is_not_null())
        .first(conn)
        .optional()
}

/// The requests of several rounds with their agencies, by round then agency code.
pub fn requests_of_rounds(
    conn: &mut DbConnection,
    round_ids: &[String],
) -> QueryResult<Vec<RequestWithAgency>> {
    Ok(with_agencies(
        requests::table
            .inner_join(agencies::table)
            .filter(requests::round_id.eq_any(round_ids))
            .order((requests::round_id.asc(), agencies::code.asc()))
            .select((requests::all_columns, agencies::code, agencies::name))
            .load(conn)?,
    ))
}

/// An agency's issued requests, newest first.
pub fn requests_of_agency(
    conn: &mut DbConnection,
    agency_id: &str,
) -> QueryResult<Vec<RequestWithAgency>> {
    Ok(with_agencies(
        requests::table
            .inner_join(agencies::table)
            .filter(requests::agency_id.eq(agency_id))
            .filter(requests::issued_at.is_not_null())
            .order((requests::created_at.desc(), requests::id.desc()))
            .select((requests::all_columns, agencies::code, agencies::name))
            .load(conn)?,
    ))
}

/// One request with its agency.
pub fn request_with_agency(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<RequestWithAgency>> {
    Ok(with_agencies(
        requests::table
            .inner_join(agencies::table)
            .filter(requests::id.eq(id))
            .select((requests::all_columns, agencies::code, agencies::name))
            .load(conn)?,
    )
    .pop())
}

fn with_agencies(rows: Vec<(RequestRow, String, String)>) -> Vec<RequestWithAgency> {
    rows.into_iter()
        .map(|(request, agency_code, agency_name)| RequestWithAgency {
            request,
            agency_code,
            agency_name,
        })
        .collect()
}

/// Adds a reply revision.
pub fn insert_reply(
    conn: &mut DbConnection,
    _held: &LockedRound,
    row: &ReplyRow,
) -> QueryResult<()> {
    diesel::insert_into(replies::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Marks a reply revision withdrawn at `now`.
pub fn withdraw_reply(
    conn: &mut DbConnection,
    _held: &LockedRound,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(replies::table.find(id))
        .set(replies::withdrawn_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// Every reply revision of the requests with these ids, oldest first.
pub fn replies_of(conn: &mut DbConnection, request_ids: &[String]) -> QueryResult<Vec<ReplyRow>> {
    replies::table
        .filter(replies::request_id.eq_any(request_ids))
        .order((replies::request_id.asc(), replies::revision.asc()))
        .load(conn)
}

/// An attachment's description, without its bytes.
#[derive(Clone, Debug, PartialEq, Queryable)]
pub struct AttachmentMeta {
    pub id: String,
    pub request_id: String,
    pub reply_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// An attachment as stored.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment {
    pub id: String,
    pub request_id: String,
    pub reply_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: String,
    pub data: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

const META: (
    attachments::id,
    attachments::request_id,
    attachments::reply_id,
    attachments::filename,
    attachments::content_type,
    attachments::size_bytes,
    attachments::sha256,
    attachments::uploaded_by,
    attachments::uploaded_at,
) = (
    attachments::id,
    attachments::request_id,
    attachments::reply_id,
    attachments::filename,
    attachments::content_type,
    attachments::size_bytes,
    attachments::sha256,
    attachments::uploaded_by,
    attachments::uploaded_at,
);

/// Stores an uploaded file.
pub fn insert_attachment(conn: &mut DbConnection, row: &NewAttachment) -> QueryResult<()> {
    diesel::insert_into(attachments::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// How many files a request holds, and how many bytes they take.
pub fn attachment_totals(conn: &mut DbConnection, request_id: &str) -> QueryResult<(i64, i64)> {
    use diesel::dsl::{count_star, sum};
    let (files, bytes): (i64, Option<i64>) = attachments::table
        .filter(attachments::request_id.eq(request_id))
        .select((count_star(), sum(attachments::size_bytes)))
        .first(conn)?;
    Ok((files, bytes.unwrap_or(0)))
}

/// The descriptions of a request's attachments, oldest first.
pub fn attachments_of(
    conn: &mut DbConnection,
    request_ids: &[String],
) -> QueryResult<Vec<AttachmentMeta>> {
    attachments::table
        .filter(attachments::request_id.eq_any(request_ids))
        .order((attachments::uploaded_at.asc(), attachments::id.asc()))
        .select(META)
        .load(conn)
}

/// An attachment's description and bytes.
pub fn attachment(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(AttachmentMeta, Vec<u8>)>> {
    let meta: Option<AttachmentMeta> = attachments::table
        .find(id)
        .select(META)
        .first(conn)
        .optional()?;
    match meta {
        Some(meta) => {
            let data = attachments::table
                .find(id)
                .select(attachments::data)
                .first(conn)?;
            Ok(Some((meta, data)))
        }
        None => Ok(None),
    }
}

/// Ties uploaded attachments to the reply revision they were submitted with; returns how many.
pub fn attach(
    conn: &mut DbConnection,
    ids: &[String],
    request_id: &str,
    reply_id: &str,
) -> QueryResult<usize> {
    diesel::update(
        attachments::table
            .filter(attachments::id.eq_any(ids))
            .filter(attachments::request_id.eq(request_id))
            .filter(attachments::reply_id.is_null()),
    )
    .set(attachments::reply_id.eq(reply_id))
    .execute(conn)
}

/// Rounds that have opened and not closed.
pub fn open_rounds(conn: &mut DbConnection) -> QueryResult<Vec<RoundRow>> {
    rounds::table
        .filter(rounds::opened_at.is_not_null())
        .filter(rounds::closed_at.is_null())
        .load(conn)
}
