//! `GET /api/v1/documents/{id}/versions/{n}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::VersionView;
use super::{readable, readable_version};
use crate::api::extract::{Caller, etag};
use crate::db::document;
use crate::error::ApiError;
use crate::state::AppState;

/// Version n as a whole: its clauses as a tree, and its unfilled figures.
#[utoipa::path(
    get,
    operation_id = "documents_show_version",
    path = "/api/v1/documents/{id}/versions/{n}",
    tag = "documents",
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = i32, Path, description = "Version number, from 1"),
    ),
    responses(
        (status = 200, description = "The version", body = VersionView, headers(("ETag" = String))),
        (status = 404, description = "No such document or version"),
    ),
    security(("bearer" = []))
)]
pub async fn show_version(
    state: Data<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let (row, clauses) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            readable(conn, &caller, &id)?;
            let row = readable_version(conn, &caller, &id, &number)?;
            let clauses = document::clauses_of(conn, &row.id)?;
            Ok((row, clauses))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(VersionView::new(&row, &clauses)))
}
