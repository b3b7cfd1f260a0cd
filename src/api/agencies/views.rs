//! What the API sends about an agency.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::agency::AgencyRow;
use crate::domain::agency::{AgencyKind, Locale};

/// An agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: String,
    /// Short ASCII code, unique.
    pub code: String,
    /// Full name, usually in Chinese.
    pub name: String,
    pub kind: AgencyKind,
    /// Contact addresses for comment requests and reminders.
    pub emails: Vec<String>,
    /// Language of the emails the agency receives.
    pub locale: Locale,
    /// Inactive agencies are kept for the record but not invited to new rounds.
    pub active: bool,
    /// Made up for the demonstration rather than taken from a source document.
    pub illustrative: bool,
    /// Increases with every change; the `ETag` of the agency.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AgencyRow> for AgencyView {
    fn from(row: AgencyRow) -> Self {
        AgencyView {
            emails: row.email_list(),
            kind: row.kind,
            locale: row.locale,
            id: row.id,
            code: row.code,
            name: row.name,
            active: row.active,
            illustrative: row.illustrative,
            revision: row.revision,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}
