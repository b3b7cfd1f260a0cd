//! Claim codes: how an agency without a token gets one. A request's letter carries a one-time
//! code when the agency holds no working token; the liaison exchanges it once for the agency's
//! token. The office can issue a new code, which replaces the old.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::db::agency::{self, AgencyRow};
use crate::db::audit::{self, Actor, Change};
use crate::db::claim::{self, ClaimRow};
use crate::db::outbox;
use crate::db::round::{self, RequestRow, RoundRow};
use crate::db::token::{self, TokenRow};
use crate::domain::claim::generate;
use crate::domain::refusal::Refusal;
use crate::email::notices::agency_message;
use crate::email::templates::{self, ClaimNotice};
use crate::service::error::ServiceError;
use crate::service::round_facts::{effective_deadline, letter_reference};
use crate::service::tokens::{self, Holder, NewToken};

/// The code for a letter about to go out to `agency`: a new one, replacing any earlier code of
/// the request, unless the agency holds a working token already (then `None`: the letter tells
/// it to use that).
pub(super) fn for_letter(
    conn: &mut DbConnection,
    request: &RequestRow,
    agency: &AgencyRow,
    now: DateTime<Utc>,
) -> Result<Option<String>, ServiceError> {
    if token::agency_has_usable(conn, &agency.id, now.naive_utc())? {
        return Ok(None);
    }
    issue(conn, request, None, now).map(|(_, code)| Some(code))
}

/// Replaces the request's outstanding code with a new one; returns the row and the code.
fn issue(
    conn: &mut DbConnection,
    request: &RequestRow,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(ClaimRow, String), ServiceError> {
    let stamp = now.naive_utc();
    // Only a replaced code has messages that carry it.
    if claim::replace_outstanding(conn, &request.id, stamp)? > 0 {
        outbox::forget_secrets(conn, &request.id)?;
    }
    let made = generate().map_err(ServiceError::internal)?;
    let row = ClaimRow {
        id: Uuid::now_v7().to_string(),
        request_id: request.id.clone(),
        agency_id: request.agency_id.clone(),
        code_hash: made.hash,
        created_at: stamp,
        expires_at: expires_at.map(|at| at.naive_utc()),
        used_at: None,
        token_id: None,
        replaced_at: None,
    };
    claim::insert(conn, &row)?;
    Ok((row, made.code))
}

/// A code issued again by the office, and the email that carries it.
#[derive(Debug)]
pub struct Reissued {
    pub claim: ClaimRow,
    pub message_id: String,
}

/// Issues a new code for a request whose letter went out, and emails it to the agency; the
/// earlier code stops working. `expires_at` overrides the usual expiry.
pub fn reissue(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Reissued, ServiceError> {
    let Issued {
        claim: row,
        code,
        request,
        round,
        agency,
    } = issue_again(conn, actor, request_id, expires_at, now)?;
    let stamp = now.naive_utc();
    let reference = letter_reference(&round, &request);
    let rendered = templates::claim_code(
        agency.locale,
        &ClaimNotice {
            agency_name: &agency.name,
            round_title: &round.title,
            request_id: &request.id,
            reference: reference.as_deref(),
        },
    );
    let dedupe_key = format!("claim_code:{}:{}", request.id, row.id);
    outbox::enqueue(
        conn,
        agency_message(
            &agency,
            &round.id,
            "claim_code",
            dedupe_key.clone(),
            rendered,
            now,
            Some(code),
        ),
        stamp,
    )?;
    let message = outbox::find_by_dedupe_key(conn, &dedupe_key)?
        .ok_or_else(|| ServiceError::internal("the claim code's email was not queued"))?;
    Ok(Reissued {
        claim: row,
        message_id: message.id,
    })
}

/// Issues a new code for a request whose letter went out and returns it, for the office to hand
/// over itself (by phone, in person); nothing is emailed, and the earlier code stops working.
pub fn hand_out(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    issue_again(conn, actor, request_id, expires_at, now).map(|issued| issued.code)
}

/// A code issued again, with what it is for.
struct Issued {
    claim: ClaimRow,
    code: String,
    request: RequestRow,
    round: RoundRow,
    agency: AgencyRow,
}

/// A new code replacing the request's outstanding one, once the letter is out; recorded in the
/// audit log.
fn issue_again(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Issued, ServiceError> {
    if expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::field(
            "expires_at",
            "in_the_past",
            "must be in the future",
        ));
    }
    let stamp = now.naive_utc();
    let request = round::lock_request(conn, request_id, stamp)?.ok_or(ServiceError::NotFound)?;
    let round = round::find_round(conn, &request.round_id)?.ok_or(ServiceError::NotFound)?;
    if request.cancelled_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RequestCancelled,
            "the agency was removed from the round",
        ));
    }
    if request.issued_at.is_none() {
        return Err(ServiceError::refused(
            Refusal::RoundNotOpen,
            "the request's letter has not gone out: the code goes with it when the round opens",
        ));
    }
    let agency = agency::find(conn, &request.agency_id)?
        .ok_or_else(|| ServiceError::internal("request for a missing agency"))?;
    let (row, code) = issue(conn, &request, expires_at, now)?;
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "claim.issue",
            entity_type: "request",
            entity_id: &request.id,
            before: None,
            after: Some(audit_value(&row)),
        },
    )?;
    Ok(Issued {
        claim: row,
        code,
        request,
        round,
        agency,
    })
}

/// What exchanging a code gave.
#[derive(Debug)]
pub struct Exchanged {
    pub token: TokenRow,
    pub agency: AgencyRow,
    pub request_id: String,
}

/// Exchanges the code whose hash is `code_hash` for a new agency token with the secret hashing
/// to `token_hash`. The code works once, until it is replaced or expires: at its own expiry, or
/// `grace` after the request's effective deadline or after it was issued, whichever is later.
pub fn exchange(
    conn: &mut DbConnection,
    call_id: Option<String>,
    code_hash: &str,
    token_hash: &str,
    grace: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Exchanged, ServiceError> {
    let row = claim::find_by_hash(conn, code_hash)?.ok_or(ServiceError::NotFound)?;
    if row.used_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::ClaimUsed,
            "the code was exchanged already; if the token was lost, ask the office for a new code",
        ));
    }
    if row.replaced_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::ClaimReplaced,
            "the office issued a newer code for this request: use the one in its latest email",
        ));
    }
    let stamp = now.naive_utc();
    let request = round::lock_request(conn, &row.request_id, stamp)?
        .ok_or_else(|| ServiceError::internal("a code for a missing request"))?;
    let round = round::find_round(conn, &request.round_id)?
        .ok_or_else(|| ServiceError::internal("a request of a missing round"))?;
    if request.cancelled_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::RequestCancelled,
            "the agency was removed from the round",
        ));
    }
    // A code issued late (re-issued after the deadline, or with a letter to an agency invited
    // late) still gets its grace from when it was issued.
    let expires = row.expires_at.map(|at| at.and_utc()).unwrap_or_else(|| {
        let issued = row.created_at.and_utc() + grace;
        effective_deadline(&round, &request).map_or(issued, |at| issued.max(at + grace))
    });
    if expires <= now {
        return Err(ServiceError::refused(
            Refusal::ClaimExpired,
            "the code has expired: ask the office for a new one",
        ));
    }
    let agency = agency::find(conn, &row.agency_id)?
        .ok_or_else(|| ServiceError::internal("a code for a missing agency"))?;
    let actor = Actor {
        token_id: None,
        name: format!("{}（领取码）", agency.name),
        role: "agency".to_owned(),
        request_id: call_id,
    };
    let made = tokens::create(
        conn,
        &actor,
        NewToken {
            holder: Holder::Agency {
                agency: agency.id.clone(),
            },
            name: format!("{}（领取码换取，{}）", agency.name, now.format("%Y-%m-%d")),
            expires_at: None,
        },
        token_hash,
        now,
    )?;
    let won = claim::mark_used(conn, &row.id, &made.id, stamp)?;
    if !won {
        return Err(ServiceError::refused(
            Refusal::ClaimUsed,
            "the code was exchanged already",
        ));
    }
    outbox::forget_secrets(conn, &request.id)?;
    let mut used = row;
    used.used_at = Some(stamp);
    used.token_id = Some(made.id.clone());
    audit::record(
        conn,
        &actor,
        stamp,
        Change {
            action: "claim.use",
            entity_type: "request",
            entity_id: &request.id,
            before: None,
            after: Some(audit_value(&used)),
        },
    )?;
    Ok(Exchanged {
        token: made,
        agency,
        request_id: request.id,
    })
}

/// A code as the audit log keeps it: never its hash.
fn audit_value(row: &ClaimRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "request_id": row.request_id,
        "agency_id": row.agency_id,
        "created_at": row.created_at.and_utc(),
        "expires_at": row.expires_at.map(|t| t.and_utc()),
        "used_at": row.used_at.map(|t| t.and_utc()),
        "token_id": row.token_id,
    })
}
