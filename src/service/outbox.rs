//! The office's hand on the outbox: sending again an email that was given up.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::outbox::{self, OutboxRow};
use crate::domain::outbox::OutboxState;
use crate::domain::refusal::Refusal;
use crate::service::error::ServiceError;

/// Puts a given-up email back in the queue; returns it as it now stands.
pub fn retry(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<OutboxRow, ServiceError> {
    let before = outbox::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    if !outbox::retry(conn, id, now)? {
        return Err(ServiceError::refused(
            Refusal::NotFailed,
            "only an email that was given up can be retried",
        ));
    }
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "outbox.retry",
            entity_type: "outbox_message",
            entity_id: id,
            before: Some(serde_json::json!({"state": before.state, "attempts": before.attempts})),
            after: Some(serde_json::json!({"state": "pending"})),
        },
    )?;
    outbox::find(conn, id)?.ok_or(ServiceError::NotFound)
}

/// How many messages are in each state, every state named (zero when it has none).
pub fn depth(conn: &mut DbConnection) -> Result<Vec<(&'static str, i64)>, ServiceError> {
    let counted = outbox::depth(conn)?;
    Ok(OutboxState::NAMES
        .iter()
        .map(|name| {
            let messages = counted
                .iter()
                .find(|(state, _)| state == name)
                .map_or(0, |(_, n)| *n);
            (*name, messages)
        })
        .collect())
}
