//! `POST /api/v1/documents`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::DocumentView;
use crate::api::extract::{Caller, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::domain::draft::validate_title;
use crate::error::ApiError;
use crate::service::drafting;
use crate::state::AppState;

/// A new document.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    #[validate(custom(function = "validate_title"))]
    #[schema(example = "关于促进杭州市生产性服务业高质量发展的若干举措")]
    pub title: String,
}

/// Starts a document; its versions are added with `POST /api/v1/documents/{id}/versions`.
/// Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "documents_create",
    path = "/api/v1/documents",
    tag = "documents",
    request_body = CreateDocument,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created", body = DocumentView, headers(("Location" = String))),
        (status = 403, description = "Agency tokens may not add documents"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: CreateDocument = body.parse()?;
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| Ok(drafting::create_document(conn, &actor, &input.title, now)?),
        move |row| {
            let location = format!("/api/v1/documents/{}", row.id);
            Ok(Reply::created(&DocumentView::from(row))?.with(header::LOCATION, location))
        },
    )
    .await
}
