//! What the API sends about the office's people.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::person::PersonRow;
use crate::domain::role::Role;

/// One of the office's staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// What a comment is given to: `PUT /api/v1/comments/{id}/assignee` takes it as
    /// `person_id`, and `POST /api/v1/tokens` as `person`.
    pub id: String,
    #[schema(example = "张三")]
    pub name: String,
    /// Where the office's digests go.
    pub email: Option<String>,
    /// `admin` or `drafter`; every token the person holds carries it.
    pub role: Role,
    /// How many of the person's tokens work now.
    pub working_tokens: i64,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the person left the office: their tokens were revoked, and no comment is given to
    /// them.
    pub retired_at: Option<DateTime<Utc>>,
}

impl PersonView {
    pub fn new(row: PersonRow, working_tokens: i64) -> PersonView {
        PersonView {
            id: row.id,
            name: row.name,
            email: row.email,
            role: row.role,
            working_tokens,
            revision: row.revision,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            retired_at: row.retired_at.map(|t| t.and_utc()),
        }
    }
}

/// A person, as other answers name them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

impl From<PersonRow> for PersonRef {
    fn from(row: PersonRow) -> Self {
        PersonRef {
            id: row.id,
            name: row.name,
            email: row.email,
        }
    }
}
