//! `GET /api/v1/documents/{id}/diff`

use actix_web::http::header::ContentType;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{readable, readable_version};
use crate::api::extract::{Caller, parse_query};
use crate::db::document;
use crate::domain::draft::diff::{VersionDiff, diff};
use crate::domain::draft::render;
use crate::error::ApiError;
use crate::state::AppState;

/// How to show a diff.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiffFormat {
    /// The structured diff.
    #[default]
    Json,
    /// Plain text, one clause a line, changes marked inline.
    Text,
    /// An HTML page with the two versions side by side.
    Html,
}

/// Which versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version's number.
    pub from: i32,
    /// The newer version's number.
    pub to: i32,
    #[serde(default)]
    pub format: DiffFormat,
}

/// Clause by clause, what changed from version `from` to version `to`: added, removed,
/// modified (with a character-level diff), moved, unchanged; flagged `renumbered` where the
/// displayed number changed (a clause renumbered by another's deletion is `unchanged` and
/// `renumbered`).
#[utoipa::path(
    get,
    operation_id = "documents_diff_versions",
    path = "/api/v1/documents/{id}/diff",
    tag = "documents",
    params(("id" = String, Path, description = "Document id"), DiffQuery),
    responses(
        (status = 200, description = "The differences: JSON, or with `format` plain text or HTML",
            content(
                (VersionDiff = "application/json"),
                (String = "text/plain"),
                (String = "text/html"),
            )),
        (status = 404, description = "No such document or version"),
        (status = 422, description = "Bad query"),
    ),
    security(("bearer" = []))
)]
pub async fn diff_versions(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query: DiffQuery = parse_query(&request)?;
    let id = id.into_inner();
    let (from, to) = (query.from, query.to);
    let (document, result) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let document = readable(conn, &caller, &id)?;
            let old = readable_version(conn, &caller, &document.id, &from.to_string())?;
            let new = readable_version(conn, &caller, &document.id, &to.to_string())?;
            let old_clauses = document::clauses_of(conn, &old.id)?;
            let new_clauses = document::clauses_of(conn, &new.id)?;
            Ok((document, diff(&old_clauses, &new_clauses)))
        })
        .await?;
    Ok(match query.format {
        DiffFormat::Json => HttpResponse::Ok().json(result),
        DiffFormat::Text => HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body(render::text(&document.title, from, to, &result)),
        DiffFormat::Html => HttpResponse::Ok()
            .content_type(ContentType::html())
            .body(render::html(&document.title, from, to, &result)),
    })
}
