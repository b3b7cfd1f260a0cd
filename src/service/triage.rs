//! Triage: who works on a comment, and the notes drafters leave on it.

use chrono::NaiveDateTime;
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::comment::SubmittedRow;
use crate::db::decision::{self, NoteRow, TriageRow};
use crate::db::{DbConnection, round};
use crate::service::error::ServiceError;
use crate::service::people;

/// Gives a comment to one of the office's people still there, or to nobody.
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    person_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<TriageRow, ServiceError> {
    if let Some(id) = person_id {
        people::assignable(conn, id)?;
    }
    let held = round::lock_round(conn, &comment.round_id)?.ok_or(ServiceError::NotFound)?;
    let before = decision::triage_of(conn, &comment.comment_id)?;
    decision::set_assignee(conn, &held, &comment.comment_id, person_id, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "comment.assign",
            entity_type: "comment",
            entity_id: &comment.comment_id,
            before: before.map(|t| json!({"assignee_person_id": t.assignee_person_id})),
            after: Some(json!({"assignee_person_id": person_id})),
        },
    )?;
    decision::triage_of(conn, &comment.comment_id)?.ok_or(ServiceError::NotFound)
}

/// The longest note, in characters.
const MAX_NOTE: usize = 10_000;

/// Adds an internal note to a comment.
pub fn add_note(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    body: &str,
    now: NaiveDateTime,
) -> Result<NoteRow, ServiceError> {
    if crate::domain::text::is_blank(body) || body.chars().count() > MAX_NOTE {
        return Err(ServiceError::field(
            "body",
            "invalid_note",
            format!("a note is 1 to {MAX_NOTE} characters and not blank"),
        ));
    }
    let row = NoteRow {
        id: Uuid::now_v7().to_string(),
        comment_id: comment.comment_id.clone(),
        round_id: comment.round_id.clone(),
        author: actor.name.clone(),
        body: body.trim().to_owned(),
        created_at: now,
    };
    decision::insert_note(conn, &row)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "comment.note",
            entity_type: "comment",
            entity_id: &row.comment_id,
            before: None,
            after: Some(json!({"note_id": row.id})),
        },
    )?;
    Ok(row)
}
