//! Drafting operations shared by the API and the command line. Each runs inside the caller's
//! transaction and records itself in the audit log.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::document::{self, DocumentRow, VersionRow};
use crate::domain::draft::reference::{OutlineEntry, Resolved, printed_path, resolve};
use crate::domain::draft::{self, Built, Clause, Content, ContentIssue, VersionState};
use crate::domain::refusal::Refusal;
use crate::service::error::{FieldError, ServiceError};

/// The newest published version and its clauses: what new content is compared and keyed
/// against. Empty for a document with none.
pub fn previous_published(
    conn: &mut DbConnection,
    document_id: &str,
) -> Result<Option<(VersionRow, Vec<Clause>)>, ServiceError> {
    let published = document::versions_of(conn, document_id)?
        .into_iter()
        .rev()
        .find(VersionRow::is_published);
    match published {
        Some(row) => {
            let clauses = document::clauses_of(conn, &row.id)?;
            Ok(Some((row, clauses)))
        }
        None => Ok(None),
    }
}

/// Builds content into keyed clauses against the document's newest published version.
pub fn build_content(
    conn: &mut DbConnection,
    document_id: &str,
    content: Content,
) -> Result<(Built, Vec<Clause>), ServiceError> {
    let previous = previous_published(conn, document_id)?
        .map(|(_, clauses)| clauses)
        .unwrap_or_default();
    let used = document::used_keys(conn, document_id)?;
    let built = draft::build(content, &previous, &used).map_err(content_error)?;
    Ok((built, previous))
}

/// A version as the audit log keeps it: everything but the clauses, which are counted.
#[derive(Serialize)]
struct VersionRecord<'a> {
    document_id: &'a str,
    number: i32,
    label: &'a str,
    state: VersionState,
    revision: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    published_by: Option<&'a str>,
    placeholder_override: Option<&'a str>,
    clause_count: usize,
}

/// The version as the audit log records it.
pub fn audit_value(row: &VersionRow, clause_count: usize) -> Option<serde_json::Value> {
    serde_json::to_value(VersionRecord {
        document_id: &row.document_id,
        number: row.number,
        label: &row.label,
        state: row.state,
        revision: row.revision,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        published_at: row.published_at.map(|t| t.and_utc()),
        published_by: row.published_by.as_deref(),
        placeholder_override: row.placeholder_override.as_deref(),
        clause_count,
    })
    .ok()
}

/// A document as the audit log keeps it.
#[derive(Serialize)]
struct DocumentRecord<'a> {
    id: &'a str,
    title: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a DocumentRow> for DocumentRecord<'a> {
    fn from(row: &'a DocumentRow) -> Self {
        DocumentRecord {
            id: &row.id,
            title: &row.title,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The 422 for content that cannot become a version.
pub fn content_error(issues: Vec<ContentIssue>) -> ServiceError {
    ServiceError::Invalid(
        issues
            .into_iter()
            .map(|issue| FieldError::new(issue.field, issue.code, issue.message))
            .collect(),
    )
}

/// The 409 for changing a published version.
pub fn published() -> ServiceError {
    ServiceError::refused(
        Refusal::VersionPublished,
        "a published version cannot change; create the next version instead",
    )
}

fn draft_exists() -> ServiceError {
    ServiceError::refused(
        Refusal::DraftExists,
        "the document has a draft version already: change it, or publish it first",
    )
}

/// Starts a document.
pub fn create_document(
    conn: &mut DbConnection,
    actor: &Actor,
    title: &str,
    now: NaiveDateTime,
) -> Result<DocumentRow, ServiceError> {
    let row = DocumentRow {
        id: Uuid::now_v7().to_string(),
        title: draft::normalize(title.trim()),
        created_at: now,
        updated_at: now,
    };
    document::insert_document(conn, &row)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "document.create",
            entity_type: "document",
            entity_id: &row.id,
            before: None,
            after: serde_json::to_value(DocumentRecord::from(&row)).ok(),
        },
    )?;
    Ok(row)
}

/// Adds the next version of a document as a draft. Refused while another draft exists.
pub fn add_version(
    conn: &mut DbConnection,
    actor: &Actor,
    document_id: &str,
    label: &str,
    content: Content,
    now: NaiveDateTime,
) -> Result<(VersionRow, Vec<Clause>), ServiceError> {
    let latest = document::latest_version(conn, document_id)?;
    if latest.as_ref().is_some_and(|v| !v.is_published()) {
        return Err(draft_exists());
    }
    let (built, _) = build_content(conn, document_id, content)?;
    let row = VersionRow {
        id: Uuid::now_v7().to_string(),
        document_id: document_id.to_owned(),
        number: latest.map_or(1, |v| v.number + 1),
        label: label.trim().to_owned(),
        state: VersionState::Draft,
        revision: 1,
        created_at: now,
        updated_at: now,
        published_at: None,
        published_by: None,
        placeholder_override: None,
    };
    document::insert_version(conn, &row).map_err(|e| match e {
        // Another draft was added at the same moment (PostgreSQL lets both pass the check above).
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => draft_exists(),
        other => other.into(),
    })?;
    document::replace_clauses(conn, &row.id, &built.clauses)?;
    document::touch_document(conn, document_id, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "version.create",
            entity_type: "version",
            entity_id: &row.id,
            before: None,
            after: audit_value(&row, built.clauses.len()),
        },
    )?;
    Ok((row, built.clauses))
}

/// Changes a draft version's label, content, or both. New content keeps the keys of the draft
/// as it stands first, then those of the newest published version, so that editing a draft
/// never renames its clauses.
pub fn update_version(
    conn: &mut DbConnection,
    actor: &Actor,
    before: VersionRow,
    label: Option<String>,
    content: Option<Content>,
    now: NaiveDateTime,
) -> Result<(VersionRow, Vec<Clause>), ServiceError> {
    if before.is_published() {
        return Err(published());
    }
    let old_clauses = document::clauses_of(conn, &before.id)?;
    let mut after = before.clone();
    if let Some(label) = label {
        after.label = label.trim().to_owned();
    }
    let clauses = match content {
        Some(content) => {
            let mut previous = old_clauses.clone();
            if let Some((_, published)) = previous_published(conn, &before.document_id)? {
                let have: std::collections::HashSet<String> =
                    previous.iter().map(|c| c.key.clone()).collect();
                previous.extend(published.into_iter().filter(|c| !have.contains(&c.key)));
            }
            let used = document::used_keys(conn, &before.document_id)?;
            draft::build(content, &previous, &used)
                .map_err(content_error)?
                .clauses
        }
        None => old_clauses.clone(),
    };
    // A change that changes nothing moves neither the revision nor the log.
    if after == before && clauses == old_clauses {
        return Ok((before, old_clauses));
    }
    after.revision += 1;
    after.updated_at = now;
    if !document::update_version(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    if clauses != old_clauses {
        document::replace_clauses(conn, &after.id, &clauses)?;
    }
    document::touch_document(conn, &after.document_id, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "version.update",
            entity_type: "version",
            entity_id: &after.id,
            before: audit_value(&before, old_clauses.len()),
            after: audit_value(&after, clauses.len()),
        },
    )?;
    Ok((after, clauses))
}

/// Publishes a draft version. Refused while unfilled figures remain, unless `override_reason`
/// says why it goes out anyway; the reason is recorded with the version.
pub fn publish(
    conn: &mut DbConnection,
    actor: &Actor,
    before: VersionRow,
    override_reason: Option<String>,
    now: NaiveDateTime,
) -> Result<(VersionRow, Vec<Clause>), ServiceError> {
    if before.is_published() {
        return Err(published());
    }
    let clauses = document::clauses_of(conn, &before.id)?;
    let remaining = draft::placeholders(&clauses);
    let reason = override_reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if !remaining.is_empty() && reason.is_none() {
        let listed: Vec<String> = remaining
            .iter()
            .map(|(clause, p)| format!("{} {} {:?}", clause.key, clause.number, p.found))
            .collect();
        return Err(ServiceError::refused(
            Refusal::PlaceholdersRemain,
            format!(
                "{} unfilled figure(s) remain ({}); fill them, or publish with a placeholder_override reason",
                remaining.len(),
                listed.join(", ")
            ),
        ));
    }
    let mut after = before.clone();
    after.state = VersionState::Published;
    after.revision += 1;
    after.updated_at = now;
    after.published_at = Some(now);
    after.published_by = Some(actor.name.clone());
    after.placeholder_override = if remaining.is_empty() { None } else { reason };
    if !document::update_version(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    document::touch_document(conn, &after.document_id, now)?;
    announce(conn, &after, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "version.publish",
            entity_type: "version",
            entity_id: &after.id,
            before: audit_value(&before, clauses.len()),
            after: audit_value(&after, clauses.len()),
        },
    )?;
    Ok((after, clauses))
}

/// Tells every agency a round has consulted on the document that a new version is out.
fn announce(
    conn: &mut DbConnection,
    version: &VersionRow,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    let agency_ids = crate::db::round::consulted_agencies(conn, &version.document_id)?;
    if agency_ids.is_empty() {
        return Ok(());
    }
    let title = document::find_document(conn, &version.document_id)?
        .map(|d| d.title)
        .unwrap_or_default();
    for agency_id in agency_ids {
        let Some(found) = crate::db::agency::find(conn, &agency_id)?.filter(|a| a.active) else {
            continue;
        };
        let rendered = crate::email::templates::version_published(
            found.locale,
            &found.name,
            &title,
            version.number,
            &version.label,
        );
        crate::db::outbox::enqueue(
            conn,
            crate::db::outbox::NewMessage {
                dedupe_key: format!("version_published:{}:{}", version.id, found.id),
                kind: "version_published".to_owned(),
                agency_id: Some(found.id.clone()),
                round_id: None,
                recipients: found.email_list(),
                body_html: Some(rendered.body_html()),
                subject: rendered.subject,
                body_text: rendered.body_text,
                send_at: now,
                secret: None,
            },
            now,
        )?;
    }
    Ok(())
}

/// A version's clauses as an outline: what references to clauses as the draft prints them
/// (`9.`, `第九条`, `二（三）`) resolve against.
pub fn outline_of(
    conn: &mut DbConnection,
    version_id: &str,
) -> Result<Vec<OutlineEntry>, ServiceError> {
    Ok(document::clauses_of(conn, version_id)?
        .into_iter()
        .map(|clause| OutlineEntry {
            key: clause.key,
            parent_key: clause.parent_key,
            number: clause.number,
            heading: clause.heading,
        })
        .collect())
}

/// The key of the clause `reference` names in `outline`: the reference itself when it is a key,
/// else the one clause that prints it so; `None` when none does. A reference several clauses
/// print is an error on `field` that lists them.
pub fn key_of(
    reference: &str,
    outline: &[OutlineEntry],
    field: &str,
) -> Result<Option<String>, FieldError> {
    if outline.iter().any(|entry| entry.key == reference) {
        return Ok(Some(reference.to_owned()));
    }
    match resolve(reference, outline) {
        Resolved::Nothing => Ok(None),
        Resolved::One(entry) => Ok(Some(entry.key.clone())),
        Resolved::Several(found) => Err(ambiguous(field, reference, &found, outline)),
    }
}

/// The error for a reference that several clauses print: each with its path and heading, and
/// how to name one.
pub fn ambiguous(
    field: &str,
    reference: &str,
    found: &[&OutlineEntry],
    outline: &[OutlineEntry],
) -> FieldError {
    let candidates: Vec<String> = found
        .iter()
        .map(|entry| {
            let heading = entry.heading.as_deref().unwrap_or_default();
            format!("{} {heading} ({})", printed_path(entry, outline), entry.key)
        })
        .collect();
    let example = found
        .first()
        .map(|entry| printed_path(entry, outline))
        .unwrap_or_default();
    FieldError::new(
        field,
        "ambiguous_clause",
        format!(
            "{reference} is printed by several clauses: {}; name one by its path, such as {example}, or by its key",
            candidates.join("; "),
        ),
    )
}
