//! `POST /api/v1/documents/{id}/versions/preview`

use actix_web::web::{Data, Json, Path};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::{PlaceholderView, placeholder_views};
use super::{VersionContent, content_of, find, one_of, require_writer};
use crate::api::extract::{Caller, JsonBody};
use crate::domain::draft::diff::{DiffSummary, diff};
use crate::domain::draft::{self, ClauseInput};
use crate::error::ApiError;
use crate::service::drafting::build_content;
use crate::state::AppState;

/// What content would become, without saving anything.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// The title line of plain text, when it had one.
    pub title: Option<String>,
    pub clause_count: usize,
    /// The clauses with the keys they would get.
    pub clauses: Vec<ClauseInput>,
    pub placeholders: Vec<PlaceholderView>,
    /// Against the newest published version; absent when there is none.
    pub changes: Option<DiffSummary>,
}

/// Parses and keys content as `POST …/versions` would, and shows the result without saving.
/// Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "documents_preview_version",
    path = "/api/v1/documents/{id}/versions/preview",
    tag = "documents",
    request_body = VersionContent,
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "The parsed version", body = Preview),
        (status = 403, description = "Agencies do not write drafts"),
        (status = 404, description = "No such document"),
        (status = 422, description = "Invalid content; unclear plain-text structure is listed line by line"),
    ),
    security(("bearer" = []))
)]
pub async fn preview_version(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
) -> Result<Json<Preview>, ApiError> {
    require_writer(&state, &caller, &id).await?;
    let input: VersionContent = body.parse()?;
    let content = content_of(input.clauses, input.text)?.ok_or_else(one_of)?;
    let id = id.into_inner();
    let (built, previous) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let document = find(conn, &id)?;
            Ok(build_content(conn, &document.id, content)?)
        })
        .await?;
    Ok(Json(Preview {
        title: built.title.clone(),
        clause_count: built.clauses.len(),
        placeholders: placeholder_views(&built.clauses),
        // A published version always has clauses: none means there is no previous version.
        changes: (!previous.is_empty()).then(|| diff(&previous, &built.clauses).summary),
        clauses: draft::tree(&built.clauses),
    }))
}
