//! `POST /api/v1/requests/{id}/attachments`

use actix_web::http::header;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::AttachmentView;
use super::visible_request;
use crate::api::extract::{Caller, parse_query, read_body};
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::attachments;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// The route, the one that takes a body larger than JSON's limit.
pub const ROUTE: &str = "/api/v1/requests/{id}/attachments";

/// The file's name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Upload {
    /// As the agency's office calls it, such as 复函.pdf.
    pub filename: String,
}

/// Uploads a file to send with a reply: the body is the file itself, its `Content-Type` one of
/// `application/pdf`, the DOCX type, `image/jpeg` or `image/png` (checked against the bytes).
/// Then list its id in the reply's `attachments`.
#[utoipa::path(
    post,
    operation_id = "requests_upload",
    path = "/api/v1/requests/{id}/attachments",
    tag = "requests",
    params(("id" = String, Path, description = "Request id"), Upload),
    request_body(
        description = "The file itself",
        content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
        )
    ),
    responses(
        (status = 201, description = "The stored file", body = AttachmentView),
        (status = 404, description = "No such request, or another agency's"),
        (status = 409, description = "The request takes no reply now, or holds as many files (CONSULT_MAX_FILES_PER_REQUEST) or bytes of them (CONSULT_MAX_FILE_BYTES_PER_REQUEST) as it may (`attachments_full`)"),
        (status = 413, description = "Over CONSULT_MAX_ATTACHMENT_BYTES"),
        (status = 415, description = "Not a PDF, DOCX, JPEG or PNG"),
        (status = 422, description = "No file name, or bytes that are not the declared type"),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
    mut payload: Payload,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    // Whose request it is, before a byte of the file is read.
    let (round, entry, _) = {
        let (caller, id) = (caller.clone(), id.clone());
        state
            .db
            .read(move |conn| visible_request(conn, &caller, &id))
            .await?
    };
    let query: Upload = parse_query(&request)?;
    let filename = crate::domain::text::trim_blank(&query.filename).to_owned();
    if filename.is_empty() || filename.chars().count() > 200 || filename.contains(['/', '\\']) {
        return Err(ApiError::from(ServiceError::field(
            "query.filename",
            "invalid_filename",
            "1 to 200 characters, without / or \\",
        )));
    }
    let content_type = request.content_type().to_owned();
    let data = read_body(&request, &mut payload, state.config.max_attachment_bytes)
        .await?
        .to_vec();
    let now = state.clock.now();
    let holding = attachments::Holding {
        files: i64::from(state.config.max_files_per_request),
        bytes: i64::try_from(state.config.max_file_bytes_per_request).unwrap_or(i64::MAX),
    };
    work.commit(
        move |conn| {
            Ok(attachments::upload(
                conn,
                &caller.name,
                &round,
                &entry.request,
                &filename,
                &content_type,
                data,
                holding,
                now,
            )?)
        },
        move |meta| {
            Ok(Reply::created(&AttachmentView::from(&meta))?
                .with(header::LOCATION, format!("/api/v1/attachments/{}", meta.id)))
        },
    )
    .await
}
