//! API token rows and their queries. Only the hash of a secret is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{agencies, api_tokens, people};
use crate::domain::role::Role;

/// A token as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    pub agency_id: Option<String>,
    /// The person a staff token belongs to; its role is theirs.
    pub person_id: Option<String>,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Whether a token works at `now`: not revoked, and not expired.
#[diesel::dsl::auto_type]
pub fn works_at(now: NaiveDateTime) -> _ {
    api_tokens::revoked_at.is_null().and(
        api_tokens::expires_at
            .is_null()
            .or(api_tokens::expires_at.gt(now)),
    )
}

/// Adds a token.
pub fn insert(conn: &mut DbConnection, row: &TokenRow) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The unrevoked token with this hash that has not expired at `now`, with the name of the
/// person it belongs to.
pub fn find_usable(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(TokenRow, Option<String>)>> {
    api_tokens::table
        .left_join(people::table)
        .filter(api_tokens::token_hash.eq(hash))
        .filter(works_at(now))
        .select((api_tokens::all_columns, people::name.nullable()))
        .first(conn)
        .optional()
}

/// Whether the agency holds a token that works at `now`.
pub fn agency_has_usable(
    conn: &mut DbConnection,
    agency_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        api_tokens::table
            .filter(api_tokens::agency_id.eq(agency_id))
            .filter(works_at(now)),
    ))
    .get_result(conn)
}

/// The token with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<TokenRow>> {
    api_tokens::table.find(id).first(conn).optional()
}

/// A token with whom it answers for: its agency's code, or its person's address.
pub type Listed = (TokenRow, Option<String>, Option<String>);

/// Every token, oldest first, with the code of its agency or the address of its person.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Listed>> {
    api_tokens::table
        .left_join(agencies::table)
        .left_join(people::table)
        .select((
            api_tokens::all_columns,
            agencies::code.nullable(),
            people::email.nullable(),
        ))
        .order((api_tokens::created_at.asc(), api_tokens::id.asc()))
        .load(conn)
}

/// Marks the token revoked at `now`; returns whether it was usable until then.
pub fn revoke(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}
