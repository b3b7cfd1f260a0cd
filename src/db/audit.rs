//! The audit log: who changed what, when, with the values before and after.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::dialect::execute_on_engine;
use super::schema::audit_events;

/// Who made a change.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The token used; `None` for the command line.
    pub token_id: Option<String>,
    pub name: String,
    pub role: String,
    /// The id of the HTTP request, to find its log line.
    pub request_id: Option<String>,
}

impl Actor {
    /// An operator at the command line, who acts without a token.
    pub fn command_line() -> Self {
        Actor {
            token_id: None,
            name: "command line".to_owned(),
            role: "operator".to_owned(),
            request_id: None,
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    /// What was done, as `entity.verb` (`agency.create`).
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// An audit event as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_token_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
}

/// Records one change by `actor` at `at`.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    at: NaiveDateTime,
    change: Change<'_>,
) -> QueryResult<()> {
    record_all(conn, actor, at, [change])
}

/// Records several changes made together, in as few statements as the engines allow (a batch of
/// comments is one insert of its events, not one per comment).
pub fn record_all<'a>(
    conn: &mut DbConnection,
    actor: &Actor,
    at: NaiveDateTime,
    changes: impl IntoIterator<Item = Change<'a>>,
) -> QueryResult<()> {
    let rows: Vec<AuditRow> = changes
        .into_iter()
        .map(|change| AuditRow {
            id: Uuid::now_v7().to_string(),
            occurred_at: at,
            actor_token_id: actor.token_id.clone(),
            actor_name: actor.name.clone(),
            actor_role: actor.role.clone(),
            action: change.action.to_owned(),
            entity_type: change.entity_type.to_owned(),
            entity_id: change.entity_id.to_owned(),
            before_json: change.before.map(|v| v.to_string()),
            after_json: change.after.map(|v| v.to_string()),
            request_id: actor.request_id.clone(),
        })
        .collect();
    // 11 values a row: 500 rows stay well under SQLite's limit of 32,766 bound values.
    for chunk in rows.chunks(500) {
        // A multi-row insert, which diesel builds per engine only.
        execute_on_engine!(conn, diesel::insert_into(audit_events::table).values(chunk))?;
    }
    Ok(())
}

/// Which events a listing returns.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_token_id: Option<String>,
    pub action: Option<String>,
}

/// One page of events, newest first, starting after the event at `(occurred_at, id)`.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .into_boxed();
    if let Some(v) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(v.clone()));
    }
    if let Some(v) = &filter.actor_token_id {
        query = query.filter(audit_events::actor_token_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_events::action.eq(v.clone()));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            audit_events::occurred_at
                .lt(at)
                .or(audit_events::occurred_at
                    .eq(at)
                    .and(audit_events::id.lt(id))),
        );
    }
    query.limit(limit).load(conn)
}
