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

use crate::api::extract::Caller;
use crate::db::DbConnection;
use crate::db::document::{self, DocumentRow, VersionRow};
use crate::domain::draft::{ClauseInput, Content};
use crate::error::ApiError;

pub use crate::drafting::published;

/// The content of a version: a tree of clauses, or plain text to parse. Give one of the two.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionContent {
    /// Such as 征求意见稿 or 送审稿.
    #[validate(length(min = 1, max = 50))]
    pub label: Option<String>,
    /// The clauses as a tree; keys are kept when given, matched to the previous version when not.
    pub clauses: Option<Vec<ClauseInput>>,
    /// Plain text in the usual layout (一、 chapters, （一） sections, 1. or 第X条 measures).
    #[validate(length(max = 1000000))]
    pub text: Option<String>,
}

impl VersionContent {
    /// The content, if the request gave exactly one form of it; `None` when it gave neither and
    /// `allow_none`.
    fn content(&mut self, allow_none: bool) -> Result<Option<Content>, ApiError> {
        match (self.clauses.take(), self.text.take()) {
            (Some(clauses), None) => Ok(Some(Content::Clauses(clauses))),
            (None, Some(text)) => Ok(Some(Content::Text(text))),
            (None, None) if allow_none => Ok(None),
            _ => Err(ApiError::field(
                "clauses",
                "one_of",
                "give either clauses or text",
            )),
        }
    }
}

/// Refuses callers who may not see documents at all, as if the document did not exist. Staff
/// read every document; an agency reads a document only through a round that consults it.
fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    if caller.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
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
