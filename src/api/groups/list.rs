//! `GET /api/v1/rounds/{id}/groups`

use actix_web::web::{Data, Json, Path};

use super::GroupView;
use crate::api::extract::Caller;
use crate::db::{decision, round};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A round's groups, oldest first. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "groups_list",
    path = "/api/v1/rounds/{id}/groups",
    tag = "groups",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The groups", body = Vec<GroupView>),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Agency tokens do not see groups", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such round", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<Vec<GroupView>>, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let views = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let round = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            decision::groups_of_round(conn, &round.id)?
                .into_iter()
                .map(|g| GroupView::load(conn, g))
                .collect()
        })
        .await?;
    Ok(Json(views))
}
