//! Documents, their versions and the versions' clauses, with their queries.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::execute_on_engine;
use super::schema::{clauses, documents, versions};
use crate::domain::draft::{Clause, ClauseKind, VersionState};

/// A document as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: String,
    pub title: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A version as stored (without its clauses).
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = versions)]
pub struct VersionRow {
    pub id: String,
    pub document_id: String,
    pub number: i32,
    pub label: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub state: VersionState,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<String>,
    pub placeholder_override: Option<String>,
}

impl VersionRow {
    /// Whether the version can no longer change.
    pub fn is_published(&self) -> bool {
        self.state == VersionState::Published
    }
}

// `None` is written as NULL rather than DEFAULT, which SQLite needs for multi-row inserts.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = clauses, treat_none_as_default_value = false)]
struct ClauseRow {
    version_id: String,
    key: String,
    parent_key: Option<String>,
    ordinal: i32,
    #[diesel(deserialize_as = String, serialize_as = String)]
    kind: ClauseKind,
    number: String,
    heading: Option<String>,
    text: String,
    note: Option<String>,
}

/// Adds a document.
pub fn insert_document(conn: &mut DbConnection, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// The document with this id.
pub fn find_document(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table.find(id).first(conn).optional()
}

/// The oldest document with this title.
pub fn find_by_title(conn: &mut DbConnection, title: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::title.eq(title))
        .order(documents::created_at.asc())
        .first(conn)
        .optional()
}

/// One page of documents, newest first, starting after `(created_at, id)`; with `only`, just
/// those ids.
pub fn list_documents(
    conn: &mut DbConnection,
    before: Option<(NaiveDateTime, String)>,
    only: Option<Vec<String>>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    let mut query = documents::table
        .order((documents::created_at.desc(), documents::id.desc()))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(documents::id.eq_any(ids));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            documents::created_at
                .lt(at)
                .or(documents::created_at.eq(at).and(documents::id.lt(id))),
        );
    }
    query.limit(limit).load(conn)
}

/// Marks the document changed at `now`.
pub fn touch_document(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(documents::table.find(id))
        .set(documents::updated_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// The versions of a document, oldest first.
pub fn versions_of(conn: &mut DbConnection, document_id: &str) -> QueryResult<Vec<VersionRow>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .order(versions::number.asc())
        .load(conn)
}

/// Version `number` of a document.
pub fn find_version(
    conn: &mut DbConnection,
    document_id: &str,
    number: i32,
) -> QueryResult<Option<VersionRow>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .filter(versions::number.eq(number))
        .first(conn)
        .optional()
}

/// The version with this id.
pub fn find_version_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<VersionRow>> {
    versions::table.find(id).first(conn).optional()
}

/// The versions with these ids.
pub fn versions_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<VersionRow>> {
    versions::table.filter(versions::id.eq_any(ids)).load(conn)
}

/// The newest version of a document.
pub fn latest_version(
    conn: &mut DbConnection,
    document_id: &str,
) -> QueryResult<Option<VersionRow>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .order(versions::number.desc())
        .first(conn)
        .optional()
}

/// Adds a version.
pub fn insert_version(conn: &mut DbConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(versions::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Writes `row` over the stored version if that is still at revision `expected`; returns
/// whether it was.
pub fn update_version(
    conn: &mut DbConnection,
    row: &VersionRow,
    expected: i32,
) -> QueryResult<bool> {
    diesel::update(
        versions::table
            .find(&row.id)
            .filter(versions::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// The clauses of a version in document order.
pub fn clauses_of(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<Clause>> {
    let rows: Vec<ClauseRow> = clauses::table
        .filter(clauses::version_id.eq(version_id))
        .order(clauses::ordinal.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(|row| row.into_clause().1).collect())
}

/// The range of document order that clause `key` and everything under it take in a version
/// (contiguous, since a clause's descendants follow it), or `None` for a key it does not have.
/// Read by key: the clause, its ancestors, and where the first clause after it that is not
/// under it starts, which has one of its ancestors for parent or none (the index on version,
/// parent and order finds it), whatever the version's size.
pub fn span_of(
    conn: &mut DbConnection,
    version_id: &str,
    key: &str,
) -> QueryResult<Option<(i32, i32)>> {
    use diesel::dsl::min;
    let found: Option<(i32, Option<String>)> = clauses::table
        .find((version_id, key))
        .select((clauses::ordinal, clauses::parent_key))
        .first(conn)
        .optional()?;
    let Some((start, mut parent)) = found else {
        return Ok(None);
    };
    let mut outer = Vec::new();
    // Bounded, so that a cycle in stored parents cannot hold the request.
    while let Some(above) = parent.take().filter(|_| outer.len() < 16) {
        parent = clauses::table
            .find((version_id, above.as_str()))
            .select(clauses::parent_key)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten();
        outer.push(above);
    }
    let after = || {
        clauses::table
            .filter(clauses::version_id.eq(version_id))
            .filter(clauses::ordinal.gt(start))
    };
    let nested: Option<i32> = after()
        .filter(clauses::parent_key.eq_any(&outer))
        .select(min(clauses::ordinal))
        .first(conn)?;
    let top: Option<i32> = after()
        .filter(clauses::parent_key.is_null())
        .select(min(clauses::ordinal))
        .first(conn)?;
    let end = match (nested, top) {
        (Some(a), Some(b)) => a.min(b) - 1,
        (Some(n), None) | (None, Some(n)) => n - 1,
        // Nothing after it is outside it: it runs to the end.
        (None, None) => i32::MAX,
    };
    Ok(Some((start, end)))
}

/// The clauses `keys` of a version that it has, by key, each with its place in document order
/// (from 0).
pub fn clauses_named(
    conn: &mut DbConnection,
    version_id: &str,
    keys: &[String],
) -> QueryResult<Vec<(i32, Clause)>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<ClauseRow> = clauses::table
            .filter(clauses::version_id.eq(version_id))
            .filter(clauses::key.eq_any(chunk))
            .load(conn)?;
        found.extend(rows.into_iter().map(ClauseRow::into_clause));
    }
    Ok(found)
}

impl ClauseRow {
    fn into_clause(self) -> (i32, Clause) {
        (
            self.ordinal,
            Clause {
                kind: self.kind,
                key: self.key,
                parent_key: self.parent_key,
                number: self.number,
                heading: self.heading,
                text: self.text,
                note: self.note,
            },
        )
    }
}

/// Rows per INSERT: below both engines' limits on bound parameters (9 per row).
const BATCH: usize = 1_000;

/// Replaces the clauses of a version.
pub fn replace_clauses(
    conn: &mut DbConnection,
    version_id: &str,
    list: &[Clause],
) -> QueryResult<()> {
    diesel::delete(clauses::table.filter(clauses::version_id.eq(version_id))).execute(conn)?;
    let rows: Vec<ClauseRow> = list
        .iter()
        .enumerate()
        .map(|(ordinal, c)| ClauseRow {
            version_id: version_id.to_owned(),
            key: c.key.clone(),
            parent_key: c.parent_key.clone(),
            ordinal: i32::try_from(ordinal).unwrap_or(i32::MAX),
            kind: c.kind,
            number: c.number.clone(),
            heading: c.heading.clone(),
            text: c.text.clone(),
            note: c.note.clone(),
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        execute_on_engine!(
            conn,
            diesel::insert_into(clauses::table).values(chunk.to_vec())
        )?;
    }
    Ok(())
}

/// Every clause key any version of the document has had.
pub fn used_keys(conn: &mut DbConnection, document_id: &str) -> QueryResult<HashSet<String>> {
    let keys: Vec<String> = clauses::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(document_id))
        .select(clauses::key)
        .distinct()
        .load(conn)?;
    Ok(keys.into_iter().collect())
}
