//! `GET /api/v1/calendar/{year}`

use actix_web::web::{Data, Json, Path};

use crate::api::extract::Caller;
use crate::error::ApiError;
use crate::service::calendaring::{self, CalendarYear};
use crate::state::AppState;

/// One year as deadlines count it: the loaded notice (`official`), or the statutory holidays
/// and weekends only (`provisional`). Any token.
#[utoipa::path(
    get,
    operation_id = "calendar_show",
    path = "/api/v1/calendar/{year}",
    tag = "calendar",
    params(("year" = i32, Path, description = "A year from 1901 to 2099")),
    responses(
        (status = 200, description = "The year in force", body = CalendarYear),
        (status = 404, description = "Not a year the calendar covers"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    _caller: Caller,
    year: Path<String>,
) -> Result<Json<CalendarYear>, ApiError> {
    let year: i32 = year.parse().map_err(|_| ApiError::NotFound)?;
    let found = state
        .db
        .read(move |conn| calendaring::year(conn, year))
        .await?;
    Ok(Json(found))
}
