//! `/api/v1/documents`: draft documents, their versions, and the differences between them.

pub mod create;
pub mod create_version;
pub mod diff;
pub mod list;
pub mod preview_version;
pub mod publish_version;
pub mod show;
pub mod show_version;
pub mod update_version;
pub mod views;

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::{Caller, present};
use crate::db::document::{self, DocumentRow, VersionRow};
use crate::db::{DbConnection, round};
use crate::domain::draft::{ClauseInput, Content, validate_label};
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// A new version: its label, and its content as a tree of clauses or as plain text (one of the
/// two).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// Such as 征求意见稿 or 送审稿.
    #[validate(custom(function = "validate_label"))]
    #[schema(example = "送审稿")]
    pub label: String,
    /// The clauses as a tree; keys are kept when given, matched to the previous version when not.
    pub clauses: Option<Vec<ClauseInput>>,
    /// Plain text in the usual layout (一、 chapters, （一） sections, 1. or 第X条 measures).
    #[validate(length(max = 1000000))]
    pub text: Option<String>,
}

/// A change to a draft version, or content to preview: any of a new label, a tree of clauses,
/// or plain text (not both of the last two).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionContent {
    /// Such as 征求意见稿 or 送审稿 (a preview ignores it).
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "validate_label"))]
    pub label: Option<String>,
    /// The clauses as a tree; keys are kept when given, matched to the previous version when not.
    #[serde(default, deserialize_with = "present")]
    pub clauses: Option<Vec<ClauseInput>>,
    /// Plain text in the usual layout (一、 chapters, （一） sections, 1. or 第X条 measures).
    #[serde(default, deserialize_with = "present")]
    #[validate(length(max = 1000000))]
    pub text: Option<String>,
}

/// The content a request gave in exactly one form; `None` when it gave neither.
fn content_of(
    clauses: Option<Vec<ClauseInput>>,
    text: Option<String>,
) -> Result<Option<Content>, ApiError> {
    match (clauses, text) {
        (Some(clauses), None) => Ok(Some(Content::Clauses(clauses))),
        (None, Some(text)) => Ok(Some(Content::Text(text))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(one_of()),
    }
}

/// The 422 for content given in neither form, or in both.
fn one_of() -> ApiError {
    ApiError::from(ServiceError::field(
        "clauses",
        "one_of",
        "give either clauses or text",
    ))
}

/// The document, if the caller may read it: staff read every document, an agency those a
/// round has sent it a request on. Any other is not found.
fn readable(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<DocumentRow, ApiError> {
    let row = document::find_document(conn, id)?.ok_or(ApiError::NotFound)?;
    match &caller.agency_id {
        _ if caller.role.is_staff() => Ok(row),
        Some(agency_id) if round::consulted_documents(conn, agency_id)?.contains(&row.id) => {
            Ok(row)
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Version `number` of a readable document; agencies read published versions only.
fn readable_version(
    conn: &mut DbConnection,
    caller: &Caller,
    document_id: &str,
    number: &str,
) -> Result<VersionRow, ApiError> {
    let row = version(conn, document_id, number)?;
    if caller.role.is_staff() || row.is_published() {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Refuses an agency a change to a document: 403 when it may read the document, 404 when it
/// may not even know it exists. Checked before the body is read.
async fn require_writer(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    if caller.role.is_staff() {
        return Ok(());
    }
    let (caller, id) = (caller.clone(), id.to_owned());
    state
        .db
        .read(move |conn| readable(conn, &caller, &id))
        .await?;
    Err(ApiError::Forbidden)
}

/// The document with this id.
fn find(conn: &mut DbConnection, id: &str) -> Result<DocumentRow, ApiError> {
    document::find_document(conn, id)?.ok_or(ApiError::NotFound)
}

/// Version `number` (as written in the URL) of the document.
fn version(
    conn: &mut DbConnection,
    document_id: &str,
    number: &str,
) -> Result<VersionRow, ApiError> {
    let number: i32 = number.parse().map_err(|_| ApiError::NotFound)?;
    document::find_version(conn, document_id, number)?.ok_or(ApiError::NotFound)
}
