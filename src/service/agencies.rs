//! The agencies a drafting office consults: adding and changing them, each change in the audit
//! log.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::agency::{self, AgencyRow, NewAgency};
use crate::db::audit::{self, Actor, Change};
use crate::domain::agency::{AgencyKind, Locale};
use crate::domain::refusal::Refusal;
use crate::domain::revision::Precondition;
use crate::service::error::ServiceError;

/// The fields a change sets; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AgencyPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    pub emails: Option<Vec<String>>,
    pub locale: Option<Locale>,
    pub active: Option<bool>,
    pub illustrative: Option<bool>,
}

/// Adds an agency.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewAgency,
    now: NaiveDateTime,
) -> Result<AgencyRow, ServiceError> {
    let row = AgencyRow::new(new, now);
    agency::insert(conn, &row).map_err(|e| map_unique(e, &row.code))?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "agency.create",
            entity_type: "agency",
            entity_id: &row.id,
            before: None,
            after: Some(record(&row)),
        },
    )?;
    Ok(row)
}

/// Changes an agency made on `precondition`; a patch that changes nothing moves neither the
/// revision nor the log.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    precondition: &Precondition,
    patch: AgencyPatch,
    now: NaiveDateTime,
) -> Result<AgencyRow, ServiceError> {
    let before = agency::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    precondition.check_revision(before.revision)?;
    let mut after = before.clone();
    if let Some(code) = patch.code {
        after.code = code;
    }
    if let Some(name) = patch.name {
        after.set_name(&name);
    }
    if let Some(kind) = patch.kind {
        after.kind = kind;
    }
    if let Some(emails) = patch.emails {
        after.set_emails(emails);
    }
    if let Some(locale) = patch.locale {
        after.locale = locale;
    }
    after.active = patch.active.unwrap_or(after.active);
    after.illustrative = patch.illustrative.unwrap_or(after.illustrative);
    if after == before {
        return Ok(before);
    }
    after.revision += 1;
    after.updated_at = now;
    // The revision guard catches a change committed since `before` was read, which the
    // precondition alone cannot see on PostgreSQL.
    if !agency::update(conn, &after, before.revision).map_err(|e| map_unique(e, &after.code))? {
        return Err(ServiceError::Stale);
    }
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "agency.update",
            entity_type: "agency",
            entity_id: &after.id,
            before: Some(record(&before)),
            after: Some(record(&after)),
        },
    )?;
    Ok(after)
}

/// The ids of the agencies named (by id or code) in a round's `agencies`; an unknown name is
/// refused with its place in the list.
pub fn ids_of(conn: &mut DbConnection, names: &[String]) -> Result<Vec<String>, ServiceError> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            agency::find_by_id_or_code(conn, name)?
                .map(|a| a.id)
                .ok_or_else(|| {
                    ServiceError::field(
                        format!("agencies[{i}]"),
                        "unknown_agency",
                        "no agency with this id or code",
                    )
                })
        })
        .collect()
}

/// Maps the unique violation on `agencies.code` (the only unique column a write can clash on)
/// to its own 409.
fn map_unique(error: diesel::result::Error, code: &str) -> ServiceError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ServiceError::refused(
            Refusal::AgencyCodeTaken,
            format!("another agency already has the code {code:?}"),
        ),
        other => other.into(),
    }
}

/// An agency as the audit log keeps it.
#[derive(Serialize)]
struct AgencyRecord<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    kind: AgencyKind,
    emails: Vec<String>,
    locale: Locale,
    active: bool,
    illustrative: bool,
    revision: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn record(row: &AgencyRow) -> serde_json::Value {
    serde_json::to_value(AgencyRecord {
        id: &row.id,
        code: &row.code,
        name: &row.name,
        kind: row.kind,
        emails: row.email_list(),
        locale: row.locale,
        active: row.active,
        illustrative: row.illustrative,
        revision: row.revision,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
    .unwrap_or_default()
}
