//! Receipts as stored, and what they acknowledge: a reply's comments counted by clause and its
//! files.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{attachments, receipts, submitted_comments};
use crate::domain::receipt::ReceiptKind;

/// A receipt as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub number: String,
    pub request_id: String,
    pub round_id: String,
    pub agency_id: String,
    pub reply_id: String,
    pub reply_revision: i32,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: ReceiptKind,
    pub issued_at: NaiveDateTime,
    pub comment_count: i32,
    pub file_count: i32,
}

/// Adds a receipt; `false` when its number is taken already (a one-in-a-quadrillion repeat,
/// answered by drawing again).
pub fn insert(conn: &mut DbConnection, row: &ReceiptRow) -> QueryResult<bool> {
    super::dialect::insert_or_ignore!(conn, receipts::table, row.clone()).map(|n| n == 1)
}

/// The receipt with this number.
pub fn find(conn: &mut DbConnection, number: &str) -> QueryResult<Option<ReceiptRow>> {
    receipts::table.find(number).first(conn).optional()
}

/// The receipts of a request, newest first.
pub fn of_request(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<ReceiptRow>> {
    receipts::table
        .filter(receipts::request_id.eq(request_id))
        .order((receipts::issued_at.desc(), receipts::number.desc()))
        .load(conn)
}

/// A reply's comments counted by the clause they name (`None`: general comments), in clause
/// order: one row per clause, however many comments.
pub fn clause_counts(
    conn: &mut DbConnection,
    reply_id: &str,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    use diesel::dsl::{count_star, min};
    let mut counted: Vec<(Option<String>, Option<i32>, i64)> = submitted_comments::table
        .filter(submitted_comments::reply_id.eq(reply_id))
        .group_by(submitted_comments::clause_key)
        .select((
            submitted_comments::clause_key,
            min(submitted_comments::clause_ordinal),
            count_star(),
        ))
        .load(conn)?;
    counted.sort_by_key(|(_, ordinal, _)| *ordinal);
    Ok(counted
        .into_iter()
        .map(|(clause, _, count)| (clause, count))
        .collect())
}

/// A file sent with a reply: its name, size and SHA-256.
pub type SentFile = (String, i32, String);

/// The files sent with a reply, in the order they were uploaded.
pub fn files_of(conn: &mut DbConnection, reply_id: &str) -> QueryResult<Vec<SentFile>> {
    attachments::table
        .filter(attachments::reply_id.eq(reply_id))
        .order((attachments::uploaded_at.asc(), attachments::id.asc()))
        .select((
            attachments::filename,
            attachments::size_bytes,
            attachments::sha256,
        ))
        .load(conn)
}

/// How many comments each submission of the round held, by reply: one row per reply answered
/// with comments.
pub fn comment_counts(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<std::collections::HashMap<String, i32>> {
    let rows: Vec<(String, i32)> = receipts::table
        .filter(receipts::round_id.eq(round_id))
        .filter(receipts::kind.eq(ReceiptKind::Submission.as_str()))
        .select((receipts::reply_id, receipts::comment_count))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
