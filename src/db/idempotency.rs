//! Stored first responses for `Idempotency-Key`, per token.
//!
//! A claim records when it was taken (`locked_at`); completing or releasing a key only touches
//! the claim it was given, so a slow first request cannot overwrite a request that took its key
//! over after it was presumed dead.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::insert_or_ignore;
use super::schema::idempotency_keys;

/// A key as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub token_id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub locked_at: Option<NaiveDateTime>,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<Vec<u8>>,
    /// `deflate` when the body is kept compressed; absent when it is kept as sent.
    pub response_encoding: Option<String>,
}

/// Bodies larger than this are kept compressed: a single comment's answer is not worth the
/// time, a batch's is.
const COMPRESS_FROM: usize = 4096;
const DEFLATE: &str = "deflate";

/// The body as kept, and how.
fn pack(body: &[u8]) -> (Vec<u8>, Option<&'static str>) {
    use std::io::Write;
    if body.len() < COMPRESS_FROM {
        return (body.to_vec(), None);
    }
    // The fastest level: this runs in the write's transaction, and most of the gain is in it.
    let mut packed = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    match packed.write_all(body).and_then(|()| packed.finish()) {
        Ok(packed) => (packed, Some(DEFLATE)),
        Err(_) => (body.to_vec(), None),
    }
}

/// The body as it was sent.
fn unpack(kept: Vec<u8>, encoding: Option<&str>) -> QueryResult<Vec<u8>> {
    use std::io::Read;
    match encoding {
        None => Ok(kept),
        Some(DEFLATE) => {
            let mut body = Vec::new();
            flate2::read::DeflateDecoder::new(kept.as_slice())
                .read_to_end(&mut body)
                .map_err(|e| {
                    diesel::result::Error::DeserializationError(
                        format!("a stored response that does not inflate: {e}").into(),
                    )
                })?;
            Ok(body)
        }
        Some(other) => Err(diesel::result::Error::DeserializationError(
            format!("a stored response in an unknown encoding {other:?}").into(),
        )),
    }
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
    /// The key is new (or its record expired, or its first request died): run the request, and
    /// complete or release the claim taken at this instant.
    Run { claimed_at: NaiveDateTime },
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

/// Which key: the token that sent it and the key itself.
#[derive(Clone, Copy, Debug)]
pub struct KeyRef<'a> {
    pub token_id: &'a str,
    pub key: &'a str,
}

/// Claims `key` for a request with hash `request_hash`.
pub fn claim(
    conn: &mut DbConnection,
    key: KeyRef<'_>,
    request_hash: &str,
    now: NaiveDateTime,
    policy: KeyPolicy,
) -> QueryResult<Claim> {
    let fresh = IdempotencyRow {
        token_id: key.token_id.to_owned(),
        idempotency_key: key.key.to_owned(),
        request_hash: request_hash.to_owned(),
        created_at: now,
        locked_at: Some(now),
        response_status: None,
        response_headers: None,
        response_body: None,
        response_encoding: None,
    };
    if insert_or_ignore!(conn, idempotency_keys::table, &fresh)? == 1 {
        return Ok(Claim::Run { claimed_at: now });
    }
    let Some(existing) = idempotency_keys::table
        .find((key.token_id, key.key))
        .first::<IdempotencyRow>(conn)
        .optional()?
    else {
        // Released between the insert and the read: another request is retrying right now.
        return Ok(Claim::InProgress);
    };
    let expired = existing.created_at < now - policy.retention;
    let abandoned = existing.response_status.is_none()
        && existing
            .locked_at
            .is_none_or(|locked| locked < now - policy.abandoned_after);
    if expired || (abandoned && existing.request_hash == request_hash) {
        // Only if nobody else took it over since it was read.
        let target = idempotency_keys::table
            .find((key.token_id, key.key))
            .filter(idempotency_keys::created_at.eq(existing.created_at));
        let changes = || {
            (
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(now),
                idempotency_keys::locked_at.eq(Some(now)),
                idempotency_keys::response_status.eq(None::<i32>),
                idempotency_keys::response_headers.eq(None::<String>),
                idempotency_keys::response_body.eq(None::<Vec<u8>>),
                idempotency_keys::response_encoding.eq(None::<String>),
            )
        };
        let taken = match existing.locked_at {
            Some(locked) => diesel::update(target.filter(idempotency_keys::locked_at.eq(locked)))
                .set(changes())
                .execute(conn)?,
            None => diesel::update(target.filter(idempotency_keys::locked_at.is_null()))
                .set(changes())
                .execute(conn)?,
        };
        return Ok(if taken == 1 {
            Claim::Run { claimed_at: now }
        } else {
            Claim::InProgress
        });
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
            body: unpack(body, existing.response_encoding.as_deref())?,
        })),
        _ => Ok(Claim::InProgress),
    }
}

/// Stores the first response for the claim taken at `claimed_at`; returns false if the claim
/// was taken over meanwhile.
pub fn complete(
    conn: &mut DbConnection,
    key: KeyRef<'_>,
    claimed_at: NaiveDateTime,
    response: &StoredResponse,
) -> QueryResult<bool> {
    let (body, encoding) = pack(&response.body);
    diesel::update(
        idempotency_keys::table
            .find((key.token_id, key.key))
            .filter(idempotency_keys::locked_at.eq(claimed_at)),
    )
    .set((
        idempotency_keys::locked_at.eq(None::<NaiveDateTime>),
        idempotency_keys::response_status.eq(Some(i32::from(response.status))),
        idempotency_keys::response_headers.eq(Some(&response.headers)),
        idempotency_keys::response_body.eq(Some(body)),
        idempotency_keys::response_encoding.eq(encoding),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Forgets the claim taken at `claimed_at`, so that a retry runs the request again (after a
/// failure that changed nothing).
pub fn release(
    conn: &mut DbConnection,
    key: KeyRef<'_>,
    claimed_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((key.token_id, key.key))
            .filter(idempotency_keys::locked_at.eq(claimed_at)),
    )
    .execute(conn)
    .map(drop)
}

/// Deletes keys created before `cutoff`; returns how many.
pub fn purge_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)
}
