//! `GET /api/v1/documents/{id}`

use actix_web::web::{Data, Json, Path};

use super::readable;
use super::views::{DocumentDetail, DocumentView, VersionSummary};
use crate::api::extract::Caller;
use crate::db::document;
use crate::error::ApiError;
use crate::state::AppState;

/// A document and its versions.
#[utoipa::path(
    get,
    operation_id = "documents_show",
    path = "/api/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentDetail),
        (status = 404, description = "No such document, or not one the caller may read"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<DocumentDetail>, ApiError> {
    let id = id.into_inner();
    let (row, versions) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let row = readable(conn, &caller, &id)?;
            let versions = document::versions_of(conn, &id)?
                .into_iter()
                .filter(|v| caller.role.is_staff() || v.is_published())
                .collect::<Vec<_>>();
            Ok((row, versions))
        })
        .await?;
    Ok(Json(DocumentDetail {
        document: DocumentView::from(row),
        versions: versions.iter().map(VersionSummary::from).collect(),
    }))
}
