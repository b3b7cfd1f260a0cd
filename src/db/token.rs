//! API token rows and their queries. Only the hash of a secret is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{agencies, api_tokens};
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
    pub email: Option<String>,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Adds a token.
pub fn insert(conn: &mut DbConnection, row: &TokenRow) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The unrevoked token with this hash that has not expired at `now`.
pub fn find_usable(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
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
            .filter(api_tokens::revoked_at.is_null())
            .filter(
                api_tokens::expires_at
                    .is_null()
                    .or(api_tokens::expires_at.gt(now)),
            ),
    ))
    .get_result(conn)
}

/// The token with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<TokenRow>> {
    api_tokens::table.find(id).first(conn).optional()
}

/// Every token, oldest first, with the code of its agency.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<(TokenRow, Option<String>)>> {
    api_tokens::table
        .left_join(agencies::table)
        .select((api_tokens::all_columns, agencies::code.nullable()))
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

/// The distinct addresses on drafters' and admins' usable tokens, sorted: who gets the office's
/// digests.
pub fn staff_addresses(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    let mut addresses: Vec<String> = api_tokens::table
        .filter(api_tokens::role.eq_any(["drafter", "admin"]))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .select(api_tokens::email)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    addresses.sort();
    addresses.dedup();
    Ok(addresses)
}

/// The drafters' and admins' tokens that work at `now`, by name: who a comment can be given to.
pub fn usable_staff(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::role.eq_any(["drafter", "admin"]))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .order((api_tokens::name.asc(), api_tokens::id.asc()))
        .load(conn)
}
