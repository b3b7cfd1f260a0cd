//! `GET /api/v1/attachments/{id}`

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{Data, Path};

use super::visible_request;
use crate::api::extract::Caller;
use crate::db::round;
use crate::error::ApiError;
use crate::state::AppState;

/// A file sent with a reply, as uploaded.
#[utoipa::path(
    get,
    operation_id = "requests_download",
    path = "/api/v1/attachments/{id}",
    tag = "requests",
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, with the type it was uploaded as",
            content(
                (Vec<u8> = "application/pdf"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "image/jpeg"),
                (Vec<u8> = "image/png"),
            )),
        (status = 404, description = "No such file, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (meta, data) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (meta, data) = round::attachment(conn, &id)?.ok_or(ApiError::NotFound)?;
            // Another agency's file is not found, like its request.
            visible_request(conn, &caller, &meta.request_id)?;
            Ok((meta, data))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, meta.content_type.clone()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: meta.filename.into_bytes(),
            })],
        })
        .body(data))
}
