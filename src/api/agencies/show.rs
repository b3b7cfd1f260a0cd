//! `GET /api/v1/agencies/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::AgencyView;
use crate::api::extract::{Caller, etag};
use crate::db::agency;
use crate::error::ApiError;
use crate::state::AppState;

/// One agency. Another agency's token gets 404, as if it did not exist.
#[utoipa::path(
    get,
    operation_id = "agencies_show",
    path = "/api/v1/agencies/{id}",
    tag = "agencies",
    params(("id" = String, Path, description = "Agency id")),
    responses(
        (status = 200, description = "The agency", body = AgencyView,
            headers(("ETag" = String, description = "Current revision"))),
        (status = 404, description = "No such agency"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    if !caller.can_see_agency(&id) {
        return Err(ApiError::NotFound);
    }
    let row = state
        .db
        .read(move |conn| agency::find(conn, &id).map_err(ApiError::from))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(AgencyView::from(row)))
}
