//! `GET /api/v1/calendar`

use actix_web::web::{Data, Json};

use crate::api::extract::Caller;
use crate::error::{ApiError, Problem};
use crate::service::calendaring::{self, CalendarYear};
use crate::state::AppState;

/// The years whose holiday notices are loaded, each as in force. A year not listed is
/// provisional: `GET /api/v1/calendar/{year}` shows the statutory holidays it counts. Any token.
#[utoipa::path(
    get,
    operation_id = "calendar_list",
    path = "/api/v1/calendar",
    tag = "calendar",
    responses(
        (status = 200, description = "The loaded years, in order", body = [CalendarYear]),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<CalendarYear>>, ApiError> {
    let years = state.db.read(calendaring::loaded_years).await?;
    Ok(Json(years))
}
