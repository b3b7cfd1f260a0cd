//! Agency rows and their queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::dialect::{contains_pattern, lower};
use super::schema::agencies;
use crate::domain::agency::{AgencyKind, Locale};

/// An agency as stored. `emails` is a JSON array of addresses.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = agencies)]
pub struct AgencyRow {
    pub id: String,
    pub code: String,
    pub name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: AgencyKind,
    pub emails: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub locale: Locale,
    pub active: bool,
    pub illustrative: bool,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields of a new agency, already validated.
#[derive(Debug)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub emails: Vec<String>,
    pub locale: Locale,
    pub active: bool,
    pub illustrative: bool,
}

impl AgencyRow {
    /// The row for a new agency at revision 1.
    pub fn new(agency: NewAgency, now: NaiveDateTime) -> Self {
        let mut row = AgencyRow {
            id: Uuid::now_v7().to_string(),
            code: agency.code,
            name: String::new(),
            kind: agency.kind,
            emails: String::new(),
            locale: agency.locale,
            active: agency.active,
            illustrative: agency.illustrative,
            revision: 1,
            created_at: now,
            updated_at: now,
        };
        row.set_name(&agency.name);
        row.set_emails(agency.emails);
        row
    }

    /// Sets the name, without surrounding blanks.
    pub fn set_name(&mut self, name: &str) {
        self.name = name.trim().to_owned();
    }

    /// Sets the contact addresses.
    pub fn set_emails(&mut self, emails: Vec<String>) {
        self.emails = serde_json::Value::from(emails).to_string();
    }

    /// The contact addresses. They are written only from validated lists, so a row that does not
    /// parse has been edited by hand; it reads as having none rather than failing every listing.
    pub fn email_list(&self) -> Vec<String> {
        serde_json::from_str(&self.emails).unwrap_or_default()
    }
}

/// Which agencies a listing returns.
#[derive(Debug, Default)]
pub struct AgencyFilter {
    /// Only this one (an agency token sees itself alone).
    pub id: Option<String>,
    pub kind: Option<AgencyKind>,
    pub active: Option<bool>,
    /// Part of the code or the name.
    pub text: Option<String>,
}

/// Adds a new agency.
pub fn insert(conn: &mut DbConnection, row: &AgencyRow) -> QueryResult<()> {
    diesel::insert_into(agencies::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Writes every field of `row` over the stored agency with its id, if that is still at
/// revision `expected`; returns whether it was.
pub fn update(conn: &mut DbConnection, row: &AgencyRow, expected: i32) -> QueryResult<bool> {
    diesel::update(
        agencies::table
            .find(&row.id)
            .filter(agencies::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// The agency with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table.find(id).first(conn).optional()
}

/// The agency with this code.
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .first(conn)
        .optional()
}

/// The agency named by `name`, which is its id or its code (API callers give either).
pub fn find_by_id_or_code(conn: &mut DbConnection, name: &str) -> QueryResult<Option<AgencyRow>> {
    match find(conn, name)? {
        Some(found) => Ok(Some(found)),
        None => find_by_code(conn, name),
    }
}

/// One page of agencies ordered by code, starting after the code `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &AgencyFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AgencyRow>> {
    let mut query = agencies::table.order(agencies::code.asc()).into_boxed();
    if let Some(id) = &filter.id {
        query = query.filter(agencies::id.eq(id.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(agencies::kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(agencies::active.eq(active));
    }
    if let Some(text) = &filter.text {
        // Lower-cased on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let pattern = contains_pattern(&text.to_ascii_lowercase());
        query = query.filter(
            lower(agencies::code)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(agencies::name).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(agencies::code.gt(after.to_owned()));
    }
    query.limit(limit).load(conn)
}

/// The ids of every active agency, by code: who a round invites when it names none.
pub fn active_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    agencies::table
        .filter(agencies::active.eq(true))
        .order(agencies::code.asc())
        .select(agencies::id)
        .load(conn)
}

/// The code and name of each of `ids`, by id: what a page of comments shows of their agencies.
pub fn names_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    agencies::table
        .filter(agencies::id.eq_any(ids))
        .select((agencies::id, agencies::code, agencies::name))
        .load(conn)
}

/// How many agencies there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    agencies::table.count().get_result(conn)
}
