//! What the API sends about reply attachments.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::round::AttachmentMeta;

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
