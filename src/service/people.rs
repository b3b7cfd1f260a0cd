//! The office's staff as people: added, changed and retired by admins. A person holds any number
//! of tokens (a laptop, a script), each carrying the person's role; comments are given to people
//! and the office's digests go to their addresses.

use chrono::NaiveDateTime;
use serde_json::json;
use uuid::Uuid;
use validator::ValidateEmail;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::person::{self, PersonRow};
use crate::domain::refusal::Refusal;
use crate::domain::revision::Precondition;
use crate::domain::role::Role;
use crate::service::error::ServiceError;

/// A person to add.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
}

/// The fields a change sets; `None` leaves a field as it is, `Some(None)` clears the address.
#[derive(Clone, Debug, Default)]
pub struct PersonPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
}

/// Adds a person.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewPerson,
    now: NaiveDateTime,
) -> Result<PersonRow, ServiceError> {
    let row = PersonRow {
        id: Uuid::now_v7().to_string(),
        name: checked_name(&new.name)?,
        email: checked_email(new.email)?,
        role: checked_role(new.role)?,
        revision: 1,
        created_at: now,
        updated_at: now,
        retired_at: None,
    };
    person::insert(conn, &row)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "person.create",
            entity_type: "person",
            entity_id: &row.id,
            before: None,
            after: Some(record(&row)),
        },
    )?;
    Ok(row)
}

/// The person still in the office with this address and role, or a new one: how the command
/// line gives a second token to someone who has one.
pub fn find_or_create(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewPerson,
    now: NaiveDateTime,
) -> Result<PersonRow, ServiceError> {
    if let Some(email) = &new.email
        && let Some(found) = person::find_current_by_email(conn, email.trim(), new.role)?
    {
        return Ok(found);
    }
    create(conn, actor, new, now)
}

/// Changes a person made on `precondition`. A new role applies to every token the person holds
/// at once; a patch that changes nothing moves neither the revision nor the log.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    precondition: &Precondition,
    patch: PersonPatch,
    now: NaiveDateTime,
) -> Result<PersonRow, ServiceError> {
    let before = person::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    precondition.check_revision(before.revision)?;
    if before.retired_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::PersonRetired,
            "a person who has left the office is not changed",
        ));
    }
    let mut after = before.clone();
    if let Some(name) = patch.name {
        after.name = checked_name(&name)?;
    }
    if let Some(email) = patch.email {
        after.email = checked_email(email)?;
    }
    if let Some(role) = patch.role {
        after.role = checked_role(role)?;
    }
    if after == before {
        return Ok(before);
    }
    after.revision += 1;
    after.updated_at = now;
    if !person::update(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    if after.role != before.role {
        person::set_token_roles(conn, id, after.role)?;
    }
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "person.update",
            entity_type: "person",
            entity_id: id,
            before: Some(record(&before)),
            after: Some(record(&after)),
        },
    )?;
    Ok(after)
}

/// Marks a person as having left the office: every token they hold stops working, no comment is
/// given to them again, and digests no longer go to them. The comments given to them stay theirs
/// until a drafter gives them to someone else, so that none changes hands unseen.
pub fn retire(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<PersonRow, ServiceError> {
    let before = person::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    if before.retired_at.is_some() {
        return Err(ServiceError::refused(
            Refusal::PersonRetired,
            "the person has left the office already",
        ));
    }
    let mut after = before.clone();
    after.retired_at = Some(now);
    after.revision += 1;
    after.updated_at = now;
    if !person::update(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    let revoked = person::revoke_tokens(conn, id, now)?;
    let mut logged = record(&after);
    logged["tokens_revoked"] = json!(revoked);
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "person.retire",
            entity_type: "person",
            entity_id: id,
            before: Some(record(&before)),
            after: Some(logged),
        },
    )?;
    Ok(after)
}

/// The person a comment may be given to: one still in the office.
pub fn assignable(conn: &mut DbConnection, id: &str) -> Result<PersonRow, ServiceError> {
    match person::find(conn, id)? {
        Some(found) if found.retired_at.is_none() => Ok(found),
        Some(_) => Err(ServiceError::field(
            "person_id",
            "person_retired",
            "the person has left the office",
        )),
        None => Err(ServiceError::field(
            "person_id",
            "unknown_person",
            "no one in the office has this id",
        )),
    }
}

/// A name as a person or a token is given it: trimmed, 1 to 100 characters, not blank.
pub fn checked_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if crate::domain::text::is_blank(name) || name.chars().count() > 100 {
        return Err(ServiceError::field(
            "name",
            "invalid_name",
            "must be 1 to 100 characters and not blank",
        ));
    }
    Ok(name.to_owned())
}

fn checked_email(email: Option<String>) -> Result<Option<String>, ServiceError> {
    match email.map(|e| e.trim().to_owned()) {
        Some(email) if !email.validate_email() => Err(ServiceError::field(
            "email",
            "invalid_email",
            format!("{email:?} is not a valid address"),
        )),
        other => Ok(other),
    }
}

fn checked_role(role: Role) -> Result<Role, ServiceError> {
    if role.is_staff() {
        Ok(role)
    } else {
        Err(ServiceError::field(
            "role",
            "not_staff",
            "a person is an admin or a drafter; an agency's token is made for the agency",
        ))
    }
}

/// A person as the audit log keeps them.
fn record(row: &PersonRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "role": row.role,
        "revision": row.revision,
        "retired_at": row.retired_at.map(|t| t.and_utc()),
    })
}
