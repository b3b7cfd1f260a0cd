//! What the API sends about requests as their agencies read them, and about reply attachments.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::rounds::views::RequestView;
use crate::db::round::{AttachmentMeta, RoundRow};
use crate::db::{DbConnection, document};
use crate::error::ApiError;
use crate::service::error::ServiceError;

/// A file sent with a reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    /// SHA-256 of the bytes, in hexadecimal.
    pub sha256: String,
    /// Who uploaded it (the token's name).
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// The reply revision it was sent with; absent while only uploaded.
    pub reply_id: Option<String>,
}

impl From<&AttachmentMeta> for AttachmentView {
    fn from(meta: &AttachmentMeta) -> Self {
        AttachmentView {
            id: meta.id.clone(),
            filename: meta.filename.clone(),
            content_type: meta.content_type.clone(),
            size_bytes: meta.size_bytes,
            sha256: meta.sha256.clone(),
            uploaded_by: meta.uploaded_by.clone(),
            uploaded_at: meta.uploaded_at.and_utc(),
            reply_id: meta.reply_id.clone(),
        }
    }
}

/// What a request asks of its agency, as the letter says it: the round, the draft and its
/// version, the instructions and the time zone its deadline is kept in.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Asked {
    pub round_title: String,
    /// What the agency is asked to do.
    pub instructions: String,
    pub document: ConsultedDocument,
    pub version: ConsultedVersion,
    /// The IANA time zone of the deadline; `effective_deadline_local` is in it.
    pub time_zone: String,
}

/// The draft a request is on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConsultedDocument {
    pub id: String,
    pub title: String,
}

/// The version consulted on: its number and label (征求意见稿).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConsultedVersion {
    pub number: i32,
    pub label: String,
}

/// A clause open for comment, as the draft prints it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeClause {
    /// What comments name it by.
    pub key: String,
    /// Its number as printed (`三、`, `9.`).
    pub number: String,
    pub heading: Option<String>,
}

/// A request with what it asks: what `GET /api/v1/requests` lists and `GET
/// /api/v1/requests/{id}` shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct LetterView {
    #[serde(flatten)]
    pub request: RequestView,
    pub asked: Asked,
    /// In `GET /api/v1/requests/{id}`, the clauses open for comment in document order when the
    /// round names them; absent when the whole version is open (and in listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<ScopeClause>>,
}

impl Asked {
    /// What `round` asks, read with its document and version.
    pub fn of(conn: &mut DbConnection, round: &RoundRow) -> Result<Asked, ApiError> {
        let missing = || ApiError::from(ServiceError::internal("a round's draft is missing"));
        let document = document::find_document(conn, &round.document_id)?.ok_or_else(missing)?;
        let version = document::find_version_by_id(conn, &round.version_id)?.ok_or_else(missing)?;
        Ok(Asked {
            round_title: round.title.clone(),
            instructions: round.instructions.clone(),
            document: ConsultedDocument {
                id: document.id,
                title: document.title,
            },
            version: ConsultedVersion {
                number: version.number,
                label: version.label,
            },
            time_zone: round.time_zone.clone(),
        })
    }
}

/// The clauses `round` opens for comment, in document order; none when it opens the whole
/// version.
pub fn scope_of(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> Result<Option<Vec<ScopeClause>>, ApiError> {
    let Some(keys) = round.scope_keys() else {
        return Ok(None);
    };
    let mut clauses = document::clauses_named(conn, &round.version_id, &keys)?;
    clauses.sort_by_key(|(ordinal, _)| *ordinal);
    Ok(Some(
        clauses
            .into_iter()
            .map(|(_, clause)| ScopeClause {
                key: clause.key,
                number: clause.number,
                heading: clause.heading,
            })
            .collect(),
    ))
}
