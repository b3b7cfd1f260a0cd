//! `/api/v1/rounds/{id}/groups` and `/api/v1/groups/{id}`: comments that say the same thing
//! (同类意见合并), decided once.

pub mod create;
pub mod delete;
pub mod list;
pub mod show;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::decisions::views::DecisionRevision;
use crate::db::DbConnection;
use crate::db::decision::{self, GroupRow};
use crate::error::ApiError;

/// A group of comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: String,
    pub round_id: String,
    pub title: String,
    /// The comments in it.
    pub comment_ids: Vec<String>,
    /// Its current decision.
    pub decision: Option<DecisionRevision>,
    pub created_by: String,
    /// The `ETag` of the group.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GroupView {
    /// The view of a group, with its members and decision.
    pub fn load(conn: &mut DbConnection, row: GroupRow) -> Result<Self, ApiError> {
        let comment_ids = decision::members(conn, &row.id)?;
        let decision = decision::history(conn, &row.id)?
            .last()
            .map(DecisionRevision::from);
        Ok(GroupView {
            comment_ids,
            decision,
            id: row.id,
            round_id: row.round_id,
            title: row.title,
            created_by: row.created_by,
            revision: row.revision,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
