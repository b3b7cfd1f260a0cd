//! The desk's sessions and their queries. Only the hash of a session's secret is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::person::PersonRow;
use super::schema::{api_tokens, desk_sessions, people};
use super::{DbConnection, token};

/// A session as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = desk_sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub person_id: String,
    pub token_id: String,
    pub csrf: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

/// Adds a session.
pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(desk_sessions::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The session with this hash that works at `now`, with its person: not ended, not expired,
/// begun with a token that still works, by a person still in the office.
pub fn find_live(
    conn: &mut DbConnection,
    id_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(SessionRow, PersonRow)>> {
    desk_sessions::table
        .inner_join(api_tokens::table)
        .inner_join(people::table)
        .filter(desk_sessions::id_hash.eq(id_hash))
        .filter(desk_sessions::ended_at.is_null())
        .filter(desk_sessions::expires_at.gt(now))
        .filter(token::works_at(now))
        .filter(people::retired_at.is_null())
        .select((desk_sessions::all_columns, people::all_columns))
        .first(conn)
        .optional()
}

/// Ends the session at `now`; returns whether it was still going.
pub fn end(conn: &mut DbConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        desk_sessions::table
            .find(id_hash)
            .filter(desk_sessions::ended_at.is_null()),
    )
    .set(desk_sessions::ended_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}
