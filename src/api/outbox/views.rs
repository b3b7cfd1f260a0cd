//! What the API sends about queued emails.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::outbox::OutboxRow;
pub use crate::domain::outbox::OutboxState;

/// A queued email.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub id: String,
    /// Such as `comment_request`.
    pub kind: String,
    pub state: OutboxState,
    pub recipients: Vec<String>,
    pub subject: String,
    pub agency_id: Option<String>,
    pub round_id: Option<String>,
    /// The same in every attempt, so that a resend is recognisable.
    pub message_id: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxView {
    fn from(row: OutboxRow) -> Self {
        OutboxView {
            recipients: serde_json::from_str(&row.recipients).unwrap_or_default(),
            state: row.state,
            id: row.id,
            kind: row.kind,
            subject: row.subject,
            agency_id: row.agency_id,
            round_id: row.round_id,
            message_id: row.message_id,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.and_utc(),
            last_error: row.last_error,
            created_at: row.created_at.and_utc(),
            sent_at: row.sent_at.map(|t| t.and_utc()),
        }
    }
}
