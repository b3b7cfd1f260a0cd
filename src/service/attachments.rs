//! Files attached to a request (a scanned, signed reply letter), checked by their content.

use chrono::{DateTime, Utc};
use sha2::Digest;
use uuid::Uuid;

use super::replies::{check_open_for_replies, locked};
use crate::db::DbConnection;
use crate::db::round::{self, RequestRow, RoundRow};
use crate::domain::refusal::Refusal;
use crate::service::error::ServiceError;

/// File types a reply may carry, by what their first bytes show: a stamped letter scanned to PDF,
/// a Word document, or photographs of it.
const ATTACHMENT_TYPES: [(&str, &[u8]); 4] = [
    ("application/pdf", b"%PDF-"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ("image/jpeg", b"\xFF\xD8\xFF"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
];

/// How much a request may hold in files, all its reply revisions together.
#[derive(Clone, Copy, Debug)]
pub struct Holding {
    pub files: i64,
    pub bytes: i64,
}

/// Stores a file uploaded for a reply to `request`, once its type is checked against its bytes
/// and the request has room for it.
#[allow(clippy::too_many_arguments)]
pub fn upload(
    conn: &mut DbConnection,
    uploaded_by: &str,
    round: &RoundRow,
    request: &RequestRow,
    filename: &str,
    content_type: &str,
    data: Vec<u8>,
    holding: Holding,
    now: DateTime<Utc>,
) -> Result<round::AttachmentMeta, ServiceError> {
    let request = &locked(conn, &request.id, now)?;
    let round = &round::find_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    check_open_for_replies(round, request, now)?;
    // Counted under the request's lock, so that uploads at the same moment cannot pass the
    // bound together.
    let (files, bytes) = round::attachment_totals(conn, &request.id)?;
    let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
    if files >= holding.files || bytes.saturating_add(size) > holding.bytes {
        return Err(ServiceError::refused(
            Refusal::AttachmentsFull,
            format!(
                "a request holds at most {} files and {} bytes of them; it holds {files} files, {bytes} bytes",
                holding.files, holding.bytes
            ),
        ));
    }
    let Some((_, magic)) = ATTACHMENT_TYPES.iter().find(|(t, _)| *t == content_type) else {
        return Err(ServiceError::UnsupportedMediaType);
    };
    if !data.starts_with(magic) {
        return Err(ServiceError::field(
            "body",
            "content_mismatch",
            format!("the file is not {content_type}"),
        ));
    }
    let stamp = now.naive_utc();
    let row = round::NewAttachment {
        id: Uuid::now_v7().to_string(),
        request_id: request.id.clone(),
        reply_id: None,
        filename: filename.to_owned(),
        content_type: content_type.to_owned(),
        size_bytes: i32::try_from(data.len()).unwrap_or(i32::MAX),
        sha256: crate::domain::token::hex(&sha2::Sha256::digest(&data)),
        data,
        uploaded_by: uploaded_by.to_owned(),
        uploaded_at: stamp,
    };
    round::insert_attachment(conn, &row)?;
    Ok(round::AttachmentMeta {
        id: row.id,
        request_id: row.request_id,
        reply_id: None,
        filename: row.filename,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        uploaded_at: stamp,
    })
}
