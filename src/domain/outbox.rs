//! Queued emails: where each one is on its way out.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

stored_names!(OutboxState, "outbox state" {
    Pending => "pending",
    Sent => "sent",
    Failed => "failed",
    Skipped => "skipped",
});
