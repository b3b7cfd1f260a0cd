//! `PATCH /api/v1/documents/{id}/versions/{n}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::VersionView;
use super::{VersionContent, find, require_reader, version};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::app::AppState;
use crate::db::audit::{self, Change};
use crate::db::document;
use crate::drafting::{audit_value, build_content, published};
use crate::error::{ApiError, Problem};

/// Changes a draft version: its label, its content (replaced whole, from clauses or text), or
/// both. `If-Match` with the version's `ETag` is required, so that two drafters cannot overwrite
/// each other unseen. Drafters and admins only.
#[utoipa::path(
    patch,
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
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is published (`version_published`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the If-Match revision", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid content", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = Problem, content_type = "application/problem+json"),
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
    require_reader(&caller)?;
    caller.require_staff()?;
    let mut input: VersionContent = body.parse()?;
    let content = input.content(true)?;
    let label = input.label.take();
    let (id, number) = path.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let (row, clauses) = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let document = find(conn, &id)?;
            let before = version(conn, &document.id, &number)?;
            if_match.require(&etag(before.revision))?;
            if before.is_published() {
                return Err(published());
            }
            let old_clauses = document::clauses_of(conn, &before.id)?;
            let mut after = before.clone();
            if let Some(label) = label {
                after.label = label.trim().to_owned();
            }
            let clauses = match content {
                Some(content) => build_content(conn, &document.id, content)?.0.clauses,
                None => old_clauses.clone(),
            };
            if after == before && clauses == old_clauses {
                return Ok((before, old_clauses));
            }
            after.revision += 1;
            after.updated_at = now;
            if !document::update_version(conn, &after, before.revision)? {
                return Err(ApiError::PreconditionFailed);
            }
            if clauses != old_clauses {
                document::replace_clauses(conn, &after.id, &clauses)?;
            }
            document::touch_document(conn, &document.id, now)?;
            audit::record(
                conn,
                &actor,
                now,
                Change {
                    action: "version.update",
                    entity_type: "version",
                    entity_id: &after.id,
                    before: audit_value(&before, old_clauses.len()),
                    after: audit_value(&after, clauses.len()),
                },
            )?;
            Ok((after, clauses))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(VersionView::new(&row, &clauses)))
}
