//! Stored first responses for `Idempotency-Key`, per token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::insert_or_ignore;
use super::schema::idempotency_keys;

/// A key as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub token_hash: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub locked_at: Option<NaiveDateTime>,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<Vec<u8>>,
}

/// A first response kept for replay.
#[derive(Clone, Debug)]
pub struct StoredResponse {
    pub status: u16,
    /// JSON object of header name to value.
    pub headers: String,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// The key is new (or its record expired, or its first request died): run the request.
    Run,
    /// The key was used for this same request: send its first response again.
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// Timing rules for keys.
#[derive(Clone, Copy, Debug)]
pub struct KeyPolicy {
    /// Keys older than this are forgotten.
    pub retention: chrono::Duration,
    /// A first request still unfinished after this long is taken to have died with its server.
    pub abandoned_after: chrono::Duration,
}

/// Claims `key` for a request with hash `request_hash`, in one transaction.
pub fn claim(
    conn: &mut DbConnection,
    token_hash: &str,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
    policy: KeyPolicy,
) -> QueryResult<Claim> {
    let fresh = IdempotencyRow {
        token_hash: token_hash.to_owned(),
        idempotency_key: key.to_owned(),
        request_hash: request_hash.to_owned(),
        created_at: now,
        locked_at: Some(now),
        response_status: None,
        response_headers: None,
        response_body: None,
    };
    if insert_or_ignore!(conn, idempotency_keys::table, &fresh)? == 1 {
        return Ok(Claim::Run);
    }
    let existing: IdempotencyRow = idempotency_keys::table
        .find((token_hash, key))
        .first(conn)?;
    let expired = existing.created_at < now - policy.retention;
    let abandoned = existing.response_status.is_none()
        && existing
            .locked_at
            .is_none_or(|locked| locked < now - policy.abandoned_after);
    if expired || (abandoned && existing.request_hash == request_hash) {
        diesel::update(idempotency_keys::table.find((token_hash, key)))
            .set((
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(now),
                idempotency_keys::locked_at.eq(Some(now)),
                idempotency_keys::response_status.eq(None::<i32>),
                idempotency_keys::response_headers.eq(None::<String>),
                idempotency_keys::response_body.eq(None::<Vec<u8>>),
            ))
            .execute(conn)?;
        return Ok(Claim::Run);
    }
    if existing.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    match (
        existing.response_status,
        existing.response_headers,
        existing.response_body,
    ) {
        (Some(status), Some(headers), Some(body)) => Ok(Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers,
            body,
        })),
        _ => Ok(Claim::InProgress),
    }
}

/// Stores the first response for the key and releases it.
pub fn complete(
    conn: &mut DbConnection,
    token_hash: &str,
    key: &str,
    response: &StoredResponse,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((token_hash, key)))
        .set((
            idempotency_keys::locked_at.eq(None::<NaiveDateTime>),
            idempotency_keys::response_status.eq(Some(i32::from(response.status))),
            idempotency_keys::response_headers.eq(Some(&response.headers)),
            idempotency_keys::response_body.eq(Some(&response.body)),
        ))
        .execute(conn)
        .map(drop)
}

/// Forgets the key, so that a retry runs the request again (after a failure that did not
/// change anything).
pub fn release(conn: &mut DbConnection, token_hash: &str, key: &str) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find((token_hash, key)))
        .execute(conn)
        .map(drop)
}

/// Deletes keys created before `cutoff`; returns how many.
pub fn purge_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)
}
