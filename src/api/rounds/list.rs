//! `GET /api/v1/rounds`

use actix_web::web::{Data, Json};

use super::version_number;
use super::views::RoundView;
use crate::api::extract::Caller;
use crate::app::AppState;
use crate::db::round;
use crate::error::{ApiError, Problem};

/// Rounds, newest first. An agency sees the rounds that sent it a request.
#[utoipa::path(
    get,
    operation_id = "rounds_list",
    path = "/api/v1/rounds",
    tag = "rounds",
    responses(
        (status = 200, description = "The rounds", body = Vec<RoundView>),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(state: Data<AppState>, caller: Caller) -> Result<Json<Vec<RoundView>>, ApiError> {
    let now = state.clock.now();
    let agency = (!caller.role.is_staff()).then(|| caller.agency_id.clone().unwrap_or_default());
    let views = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let mut views = Vec::new();
            for row in round::list_rounds(conn, agency.as_deref())? {
                let requests = round::requests_of_round(conn, &row.id)?;
                let version = version_number(conn, &row)?;
                views.push(RoundView::new(&row, version, &requests, now));
            }
            Ok(views)
        })
        .await?;
    Ok(Json(views))
}
