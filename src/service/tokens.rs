//! API tokens: made for one of the office's staff (a person, whose role the token carries) or
//! for an agency, revoked when no longer wanted. A token's secret is made by the caller, shown once, and stored here
//! only as its hash.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::token::{self, TokenRow};
use crate::db::{DbConnection, agency, person};
use crate::domain::refusal::Refusal;
use crate::domain::role::Role;
use crate::service::error::ServiceError;
use crate::service::people;

/// Whom a new token answers for.
#[derive(Clone, Debug)]
pub enum Holder {
    /// A person in the office, by id.
    Person { person: String },
    /// An agency, by its id or code.
    Agency { agency: String },
}

/// A token to make.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub holder: Holder,
    /// Who uses it: a person or a system.
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Makes the token whose secret hashes to `hash`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewToken,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<TokenRow, ServiceError> {
    let name = people::checked_name(&new.name)?;
    if new.expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::field(
            "expires_at",
            "in_the_past",
            "must be in the future",
        ));
    }
    let (role, agency_id, person_id) = match new.holder {
        Holder::Person { person } => {
            let found = person::find(conn, &person)?.ok_or_else(|| {
                ServiceError::field(
                    "person",
                    "unknown_person",
                    "no one in the office has this id",
                )
            })?;
            if found.retired_at.is_some() {
                return Err(ServiceError::field(
                    "person",
                    "person_retired",
                    "the person has left the office",
                ));
            }
            (found.role, None, Some(found.id))
        }
        Holder::Agency { agency } => {
            let found = agency::find_by_id_or_code(conn, &agency)?.ok_or_else(|| {
                ServiceError::field(
                    "agency",
                    "unknown_agency",
                    format!("no agency has the code {agency:?}"),
                )
            })?;
            (Role::Agency, Some(found.id), None)
        }
    };
    let stamp = now.naive_utc();
    let row = TokenRow {
        id: Uuid::now_v7().to_string(),
        name,
        role,
        agency_id,
        person_id,
        token_hash: hash.to_owned(),
        created_at: stamp,
        expires_at: new.expires_at.map(|at| at.naive_utc()),
        revoked_at: None,
    };
    token::insert(conn, &row)?;
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "token.create",
            entity_type: "token",
            entity_id: &row.id,
            before: None,
            after: Some(audit_value(&row)),
        },
    )?;
    Ok(row)
}

/// Revokes the token `id`; it stops working at once.
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<TokenRow, ServiceError> {
    let stamp = now.naive_utc();
    let before = token::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    if !token::revoke(conn, id, stamp)? {
        return Err(ServiceError::refused(
            Refusal::TokenRevoked,
            "the token is revoked already",
        ));
    }
    let mut after = before.clone();
    after.revoked_at = Some(stamp);
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: "token.revoke",
            entity_type: "token",
            entity_id: id,
            before: Some(audit_value(&before)),
            after: Some(audit_value(&after)),
        },
    )?;
    Ok(after)
}

/// A token as the audit log keeps it: never its hash.
fn audit_value(row: &TokenRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "agency_id": row.agency_id,
        "person_id": row.person_id,
        "created_at": row.created_at.and_utc(),
        "expires_at": row.expires_at.map(|t| t.and_utc()),
        "revoked_at": row.revoked_at.map(|t| t.and_utc()),
    })
}
