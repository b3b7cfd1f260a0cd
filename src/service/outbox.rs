//! The office's hand on the outbox: sending again an email that was given up.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::outbox::{self, OutboxRow};
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
