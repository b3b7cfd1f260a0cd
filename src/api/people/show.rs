//! `GET /api/v1/people/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::PersonView;
use crate::api::extract::{Caller, etag};
use crate::db::person;
use crate::error::ApiError;
use crate::state::AppState;

/// One of the office's staff. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "people_show",
    path = "/api/v1/people/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person", body = PersonView,
            headers(("ETag" = String, description = "Current revision"))),
        (status = 403, description = "Agency tokens may not read the office's staff"),
        (status = 404, description = "No such person"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let (row, working) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let row = person::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            let working = person::working_tokens(conn, &id, now)?;
            Ok((row, working))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(PersonView::new(row, working)))
}
