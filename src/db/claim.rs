//! Claim codes as stored: the hash of each, the request it came with, and whether it was used
//! or replaced.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::claim_codes;

/// A claim code as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = claim_codes)]
pub struct ClaimRow {
    pub id: String,
    pub request_id: String,
    pub agency_id: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    /// When it stops working; `None`: the request's effective deadline plus the grace.
    pub expires_at: Option<NaiveDateTime>,
    pub used_at: Option<NaiveDateTime>,
    /// The token it was exchanged for.
    pub token_id: Option<String>,
    pub replaced_at: Option<NaiveDateTime>,
}

/// Adds a code.
pub fn insert(conn: &mut DbConnection, row: &ClaimRow) -> QueryResult<()> {
    diesel::insert_into(claim_codes::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The code with this hash.
pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<ClaimRow>> {
    claim_codes::table
        .filter(claim_codes::code_hash.eq(hash))
        .first(conn)
        .optional()
}

/// The request's code that is neither used nor replaced, if any.
pub fn outstanding(conn: &mut DbConnection, request_id: &str) -> QueryResult<Option<ClaimRow>> {
    claim_codes::table
        .filter(claim_codes::request_id.eq(request_id))
        .filter(claim_codes::used_at.is_null())
        .filter(claim_codes::replaced_at.is_null())
        .first(conn)
        .optional()
}

/// Marks the request's outstanding codes replaced at `now`; returns how many there were.
pub fn replace_outstanding(
    conn: &mut DbConnection,
    request_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        claim_codes::table
            .filter(claim_codes::request_id.eq(request_id))
            .filter(claim_codes::used_at.is_null())
            .filter(claim_codes::replaced_at.is_null()),
    )
    .set(claim_codes::replaced_at.eq(now))
    .execute(conn)
}

/// Marks the code used for `token_id`, if nobody used or replaced it first; returns whether
/// this call did.
pub fn mark_used(
    conn: &mut DbConnection,
    id: &str,
    token_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        claim_codes::table
            .find(id)
            .filter(claim_codes::used_at.is_null())
            .filter(claim_codes::replaced_at.is_null()),
    )
    .set((
        claim_codes::used_at.eq(now),
        claim_codes::token_id.eq(token_id),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
