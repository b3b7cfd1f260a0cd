//! The office's staff as people, and their queries. A person holds any number of tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, people};
use super::{DbConnection, token};
use crate::domain::role::Role;

/// A person as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the person left the office; a retired person holds no working token and is given
    /// no comment.
    pub retired_at: Option<NaiveDateTime>,
}

/// Adds a person.
pub fn insert(conn: &mut DbConnection, row: &PersonRow) -> QueryResult<()> {
    diesel::insert_into(people::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Writes `row` over the person if it is still at revision `expected`; returns whether it was.
pub fn update(conn: &mut DbConnection, row: &PersonRow, expected: i32) -> QueryResult<bool> {
    diesel::update(
        people::table
            .find(&row.id)
            .filter(people::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// The person with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PersonRow>> {
    people::table.find(id).first(conn).optional()
}

/// The person still in the office with this address and role, the earliest if several.
pub fn find_current_by_email(
    conn: &mut DbConnection,
    email: &str,
    role: Role,
) -> QueryResult<Option<PersonRow>> {
    people::table
        .filter(people::email.eq(email))
        .filter(people::role.eq(role.as_str()))
        .filter(people::retired_at.is_null())
        .order((people::created_at.asc(), people::id.asc()))
        .first(conn)
        .optional()
}

/// Everyone, by name, each with the number of their tokens that work at `now`. An office's
/// staff is a few dozen people. Sorted here rather than by the engine, whose collation of
/// names differs between engines and locales, so that the order is the one the cursors
/// compare in.
pub fn list(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<(PersonRow, i64)>> {
    let mut everyone: Vec<PersonRow> = people::table.load(conn)?;
    everyone.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let working: Vec<(Option<String>, i64)> = api_tokens::table
        .filter(api_tokens::person_id.is_not_null())
        .filter(token::works_at(now))
        .group_by(api_tokens::person_id)
        .select((api_tokens::person_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: std::collections::HashMap<String, i64> = working
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect();
    Ok(everyone
        .into_iter()
        .map(|p| {
            let n = counts.get(&p.id).copied().unwrap_or(0);
            (p, n)
        })
        .collect())
}

/// The number of the person's tokens that work at `now`.
pub fn working_tokens(
    conn: &mut DbConnection,
    person_id: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    api_tokens::table
        .filter(api_tokens::person_id.eq(person_id))
        .filter(token::works_at(now))
        .count()
        .get_result(conn)
}

/// The distinct addresses of the people still in the office, sorted: who gets the office's
/// digests.
pub fn addresses(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let mut addresses: Vec<String> = people::table
        .filter(people::retired_at.is_null())
        .select(people::email)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    addresses.sort();
    addresses.dedup();
    Ok(addresses)
}

/// Gives every token of the person the person's role, as a change of role takes effect at once.
pub fn set_token_roles(conn: &mut DbConnection, person_id: &str, role: Role) -> QueryResult<()> {
    diesel::update(api_tokens::table.filter(api_tokens::person_id.eq(person_id)))
        .set(api_tokens::role.eq(role.as_str()))
        .execute(conn)
        .map(drop)
}

/// Revokes, at `now`, every token of the person that is not revoked yet; returns how many.
pub fn revoke_tokens(
    conn: &mut DbConnection,
    person_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::person_id.eq(person_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
}
