//! What the API sends about an audit event.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::audit::AuditRow;

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// The token used; absent for changes made at the command line.
    pub actor_token_id: Option<String>,
    pub actor_name: String,
    /// `admin`, `drafter`, `agency`, or `operator` for the command line.
    pub actor_role: String,
    /// `entity.verb`, such as `agency.update`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The object before the change; absent for creations.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The object after the change; absent for deletions.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The `X-Request-Id` of the HTTP request that made the change.
    pub request_id: Option<String>,
}

impl From<AuditRow> for AuditEventView {
    fn from(row: AuditRow) -> Self {
        let parse = |json: Option<String>| json.and_then(|j| serde_json::from_str(&j).ok());
        AuditEventView {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor_token_id: row.actor_token_id,
            actor_name: row.actor_name,
            actor_role: row.actor_role,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: parse(row.before_json),
            after: parse(row.after_json),
            request_id: row.request_id,
        }
    }
}
