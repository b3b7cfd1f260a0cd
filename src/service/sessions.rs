//! The desk's sessions: one of the office's people signs in with a token of theirs, once, and
//! the browser then holds a session secret of its own (never the token), stored here only as
//! its hash. A session stops when it is signed out, when it expires, or when its token or its
//! person stops working.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::person::{self, PersonRow};
use crate::db::session::{self, SessionRow};
use crate::db::token;
use crate::domain::token::{generate_session, hash, nonce};
use crate::service::error::ServiceError;

/// A live session and who holds it.
#[derive(Clone, Debug)]
pub struct Session {
    pub row: SessionRow,
    pub person: PersonRow,
}

impl Session {
    /// Who acts through the session, as the audit log records it.
    pub fn actor(&self, request_id: Option<String>) -> Actor {
        Actor {
            token_id: Some(self.row.token_id.clone()),
            name: self.person.name.clone(),
            role: self.person.role.as_str().to_owned(),
            request_id,
        }
    }
}

/// A session just begun, with the secret for the browser's cookie: given this once.
pub struct Started {
    pub session: Session,
    pub secret: String,
}

/// Begins a session for the person holding the token `token_secret`, lasting `lifetime`.
/// Agencies' tokens are refused: the desk is the office's.
pub fn start(
    conn: &mut DbConnection,
    token_secret: &str,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<Started, ServiceError> {
    let stamp = now.naive_utc();
    let (found, _) =
        token::find_usable(conn, &hash(token_secret.trim()), stamp)?.ok_or_else(|| {
            ServiceError::field("token", "unknown_token", "no working token has this secret")
        })?;
    let person = match &found.person_id {
        Some(id) => person::find(conn, id)?,
        None => None,
    }
    .ok_or_else(|| {
        ServiceError::field(
            "token",
            "not_staff",
            "an agency answers through the API; the desk is the office's",
        )
    })?;
    let secret = generate_session().map_err(ServiceError::internal)?;
    let row = SessionRow {
        id_hash: secret.hash,
        person_id: person.id.clone(),
        token_id: found.id,
        csrf: nonce().map_err(ServiceError::internal)?,
        created_at: stamp,
        expires_at: stamp + lifetime,
        ended_at: None,
    };
    session::insert(conn, &row)?;
    let session = Session { row, person };
    record(conn, &session, "session.start", stamp)?;
    Ok(Started {
        session,
        secret: secret.secret,
    })
}

/// The live session whose secret is `secret`, if any.
pub fn find(
    conn: &mut DbConnection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, ServiceError> {
    Ok(session::find_live(conn, &hash(secret), now.naive_utc())?
        .map(|(row, person)| Session { row, person }))
}

/// Ends a session: its cookie opens nothing any more.
pub fn end(
    conn: &mut DbConnection,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let stamp = now.naive_utc();
    if session::end(conn, &session.row.id_hash, stamp)? {
        record(conn, session, "session.end", stamp)?;
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    session: &Session,
    action: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), ServiceError> {
    // The log names the session by the start of its hash: enough to tell sessions apart, and
    // nothing that opens one.
    let id: String = session.row.id_hash.chars().take(16).collect();
    audit::record(
        conn,
        &session.actor(None),
        at,
        Change {
            action,
            entity_type: "session",
            entity_id: &id,
            before: None,
            after: Some(json!({
                "person_id": session.person.id,
                "expires_at": session.row.expires_at.and_utc(),
            })),
        },
    )?;
    Ok(())
}
