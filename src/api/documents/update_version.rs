//! `PATCH /api/v1/documents/{id}/versions/{n}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::VersionView;
use super::{VersionContent, content_of, find, require_writer, version};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::error::ApiError;
use crate::service::drafting;
use crate::state::AppState;

/// Changes a draft version: its label, its content (replaced whole, from clauses or text), or
/// both. `If-Match` with the version's `ETag` is required, so that two drafters cannot overwrite
/// each other unseen. Drafters and admins only.
#[utoipa::path(
    patch,
    operation_id = "documents_update_version",
    path = "/api/v1/documents/{id}/versions/{n}",
    tag = "documents",
    request_body = VersionContent,
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = i32, Path, description = "Version number"),
        ("If-Match" = String, Header, description = "ETag of the revision the change is based on"),
    ),
    responses(
        (status = 200, description = "The changed version", body = VersionView, headers(("ETag" = String))),
        (status = 403, description = "Agencies do not write drafts"),
        (status = 404, description = "No such document or version"),
        (status = 409, description = "The version is published (`version_published`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid content"),
        (status = 428, description = "No If-Match header"),
    ),
    security(("bearer" = []))
)]
pub async fn update_version(
    state: Data<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    require_writer(&state, &caller, &path.0).await?;
    let input: VersionContent = body.parse()?;
    let content = content_of(input.clauses, input.text)?;
    let label = input.label;
    let (id, number) = path.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let (row, clauses) = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let document = find(conn, &id)?;
            let before = version(conn, &document.id, &number)?;
            if_match.require(&etag(before.revision))?;
            Ok(drafting::update_version(
                conn, &actor, before, label, content, now,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(VersionView::new(&row, &clauses)))
}
