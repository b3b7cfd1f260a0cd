//! What the API sends about documents and versions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::draft::VersionState;

use crate::db::document::{DocumentRow, VersionRow};
use crate::domain::draft::placeholder::Field;
use crate::domain::draft::{self, Clause, ClauseInput};

/// A document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DocumentRow> for DocumentView {
    fn from(row: DocumentRow) -> Self {
        DocumentView {
            id: row.id,
            title: row.title,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A document with the list of its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDetail {
    #[serde(flatten)]
    pub document: DocumentView,
    pub versions: Vec<VersionSummary>,
}

/// A version without its clauses.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub number: i32,
    pub label: String,
    pub state: VersionState,
    /// Increases with every change to a draft; the `ETag` of the version.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Who published it (the token's name).
    pub published_by: Option<String>,
    /// Why it was published with unfilled figures left, when it was.
    pub placeholder_override: Option<String>,
}

impl From<&VersionRow> for VersionSummary {
    fn from(row: &VersionRow) -> Self {
        VersionSummary {
            number: row.number,
            label: row.label.clone(),
            state: row.state,
            revision: row.revision,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            published_at: row.published_at.map(|t| t.and_utc()),
            published_by: row.published_by.clone(),
            placeholder_override: row.placeholder_override.clone(),
        }
    }
}

/// An unfilled figure, and the clause it is in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceholderView {
    pub clause_key: String,
    /// The clause's displayed number.
    pub number: String,
    pub field: Field,
    /// Offsets in Unicode code points of the clause's heading or text, end exclusive.
    pub start: usize,
    pub end: usize,
    pub found: String,
    pub context: String,
}

/// Every unfilled figure in `clauses`.
pub fn placeholder_views(clauses: &[Clause]) -> Vec<PlaceholderView> {
    draft::placeholders(clauses)
        .into_iter()
        .map(|(clause, p)| PlaceholderView {
            clause_key: clause.key.clone(),
            number: clause.number.clone(),
            field: p.field,
            start: p.start,
            end: p.end,
            found: p.found,
            context: p.context,
        })
        .collect()
}

/// A whole version: its clauses as a tree, and its unfilled figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub document_id: String,
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub clause_count: usize,
    pub placeholders: Vec<PlaceholderView>,
    pub clauses: Vec<ClauseInput>,
}

impl VersionView {
    /// The view of `row` with its `clauses`.
    pub fn new(row: &VersionRow, clauses: &[Clause]) -> Self {
        VersionView {
            document_id: row.document_id.clone(),
            summary: VersionSummary::from(row),
            clause_count: clauses.len(),
            placeholders: placeholder_views(clauses),
            clauses: draft::tree(clauses),
        }
    }
}
