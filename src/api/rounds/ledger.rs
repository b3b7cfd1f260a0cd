//! `GET /api/v1/rounds/{id}/requests`

use actix_web::web::{Data, Json, Path};

use super::views::Ledger;
use super::visible_round;
use crate::api::extract::Caller;
use crate::error::ApiError;
use crate::service::round_facts::replies_by_request;
use crate::state::AppState;

/// The ledger: every agency's request in the round with its state, effective deadline and last
/// activity, and the counts. Drafters and admins only: agencies see their own requests at
/// `/api/v1/requests`.
#[utoipa::path(
    get,
    operation_id = "rounds_ledger",
    path = "/api/v1/rounds/{id}/requests",
    tag = "rounds",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The ledger", body = Ledger),
        (status = 403, description = "Agency tokens may not read the ledger"),
        (status = 404, description = "No such round"),
    ),
    security(("bearer" = []))
)]
pub async fn ledger(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<Ledger>, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let ledger = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (row, version, requests) = visible_round(conn, &caller, &id)?;
            let replies = replies_by_request(conn, &requests)?;
            Ok(Ledger::new(&row, version, &requests, &replies, now))
        })
        .await?;
    Ok(Json(ledger))
}
