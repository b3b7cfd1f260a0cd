//! What the API sends about queued emails.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::outbox::OutboxRow;

/// Where an email is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent (or to be tried again).
    Pending,
    Sent,
    /// Given up after repeated failures; can be retried.
    Failed,
    /// A reminder overtaken by a later one before it went out.
    Skipped,
}

impl OutboxState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Skipped => "skipped",
        }
    }
}

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
            state: match row.state.as_str() {
                "sent" => OutboxState::Sent,
                "failed" => OutboxState::Failed,
                "skipped" => OutboxState::Skipped,
                _ => OutboxState::Pending,
            },
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
