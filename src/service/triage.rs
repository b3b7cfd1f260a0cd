//! Triage: who works on a comment, and the notes drafters leave on it.

use chrono::NaiveDateTime;
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::comment::SubmittedRow;
use crate::db::decision::{self, NoteRow, TriageRow};
use crate::db::{DbConnection, round, token};
use crate::service::error::ServiceError;

/// Gives a comment to a drafter (a staff token that is still usable), or to nobody.
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    token_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<TriageRow, ServiceError> {
    if let Some(id) = token_id {
        let usable = token::find(conn, id)?.is_some_and(|t| {
            t.agency_id.is_none()
                && t.revoked_at.is_none()
                && t.expires_at.is_none_or(|at| at > now)
        });
        if !usable {
            return Err(ServiceError::field(
                "assignee_token_id",
                "unknown_drafter",
                "no usable drafter or admin token with this id",
            ));
        }
    }
    let held = round::lock_round(conn, &comment.round_id)?.ok_or(ServiceError::NotFound)?;
    let before = decision::triage_of(conn, &comment.comment_id)?;
    decision::set_assignee(conn, &held, &comment.comment_id, token_id, now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "comment.assign",
            entity_type: "comment",
            entity_id: &comment.comment_id,
            before: before.map(|t| json!({"assignee_token_id": t.assignee_token_id})),
            after: Some(json!({"assignee_token_id": token_id})),
        },
    )?;
    decision::triage_of(conn, &comment.comment_id)?.ok_or(ServiceError::NotFound)
}

/// Adds an internal note to a comment.
pub fn add_note(
    conn: &mut DbConnection,
    actor: &Actor,
    comment: &SubmittedRow,
    body: &str,
    now: NaiveDateTime,
) -> Result<NoteRow, ServiceError> {
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
