//! `GET /api/v1/rounds/{id}/check`

use actix_web::web::{Data, Json, Path};

use super::views::{CheckView, VersionRef};
use crate::api::extract::Caller;
use crate::db::round;
use crate::error::ApiError;
use crate::service::publication;
use crate::state::AppState;

/// Checks the round's decisions against the next version: comments without a decision, a
/// decision other than adoption without a reason, adopted or partly adopted decisions whose
/// clauses did not change, and changed clauses with no adopted comment behind them and no
/// drafter's note. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "decisions_check",
    path = "/api/v1/rounds/{id}/check",
    tag = "decisions",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "What the check found", body = CheckView),
        (status = 403, description = "Agency tokens do not check decisions"),
        (status = 404, description = "No such round"),
    ),
    security(("bearer" = []))
)]
pub async fn check(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<CheckView>, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let view = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let row = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            let checked = publication::check(conn, &row)?;
            Ok(CheckView {
                round_id: row.id,
                next_version: checked.next.map(|v| VersionRef {
                    number: v.number,
                    state: v.state,
                }),
                ok: checked.findings.is_empty(),
                findings: checked.findings,
            })
        })
        .await?;
    Ok(Json(view))
}
