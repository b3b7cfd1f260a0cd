//! `POST /api/v1/documents/{id}/versions`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::VersionView;
use super::{NewVersion, content_of, find, one_of, require_writer};
use crate::api::extract::{Caller, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::drafting;
use crate::state::AppState;

/// Adds the next version as a draft, from a tree of clauses or from plain text. Its clauses get
/// the keys of the matching clauses of the newest published version. Drafters and admins only;
/// one draft at a time.
#[utoipa::path(
    post,
    operation_id = "documents_create_version",
    path = "/api/v1/documents/{id}/versions",
    tag = "documents",
    request_body = NewVersion,
    params(
        ("id" = String, Path, description = "Document id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The new draft version", body = VersionView,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Agencies do not write drafts"),
        (status = 404, description = "No such document"),
        (status = 409, description = "A draft version exists already (`draft_exists`)"),
        (status = 415, description = "Body is not JSON"),
        (status = 422, description = "Invalid content; unclear plain-text structure is listed line by line"),
    ),
    security(("bearer" = []))
)]
pub async fn create_version(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    require_writer(&state, &caller, &id).await?;
    let input: NewVersion = body.parse()?;
    let content = content_of(input.clauses, input.text)?.ok_or_else(one_of)?;
    let label = input.label;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let document = find(conn, &id)?;
            Ok(drafting::add_version(
                conn,
                &actor,
                &document.id,
                &label,
                content,
                now,
            )?)
        },
        move |(row, clauses)| {
            Ok(Reply::created(&VersionView::new(&row, &clauses))?
                .with(
                    header::LOCATION,
                    format!(
                        "/api/v1/documents/{}/versions/{}",
                        row.document_id, row.number
                    ),
                )
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
