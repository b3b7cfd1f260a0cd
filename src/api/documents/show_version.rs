//! `GET /api/v1/documents/{id}/versions/{n}`

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::VersionView;
use super::{readable, readable_version};
use crate::api::extract::{Caller, etag, parse_query};
use crate::db::document;
use crate::domain::draft::render::draft_text;
use crate::error::ApiError;
use crate::state::AppState;
use crate::streaming::attachment;

/// The forms of a version.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VersionFormat {
    #[default]
    Json,
    /// Plain text in the layout drafts are written in: what an office files, and what
    /// `POST …/versions` reads back as the same clauses.
    Text,
}

/// Which form to send.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// `json` unless given.
    pub format: Option<VersionFormat>,
}

/// Version n as a whole: its clauses as a tree, and its unfilled figures; or, with
/// `format=text`, the draft itself as plain text.
#[utoipa::path(
    get,
    operation_id = "documents_show_version",
    path = "/api/v1/documents/{id}/versions/{n}",
    tag = "documents",
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = i32, Path, description = "Version number, from 1"),
        VersionQuery,
    ),
    responses(
        (status = 200, description = "The version", headers(("ETag" = String)), content(
            (VersionView = "application/json"),
            (String = "text/plain"),
        )),
        (status = 404, description = "No such document or version"),
    ),
    security(("bearer" = []))
)]
pub async fn show_version(
    state: Data<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let format = parse_query::<VersionQuery>(&request)?
        .format
        .unwrap_or_default();
    let (id, number) = path.into_inner();
    let (title, row, clauses) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let document = readable(conn, &caller, &id)?;
            let row = readable_version(conn, &caller, &id, &number)?;
            let clauses = document::clauses_of(conn, &row.id)?;
            Ok((document.title, row, clauses))
        })
        .await?;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::ETAG, etag(row.revision)));
    Ok(match format {
        VersionFormat::Json => response.json(VersionView::new(&row, &clauses)),
        VersionFormat::Text => response
            .content_type("text/plain; charset=utf-8")
            .insert_header(attachment(
                &format!("draft-{}.txt", row.number),
                &format!("{title}（{}）.txt", row.label),
            ))
            .body(draft_text(&title, &clauses)),
    })
}
