//! `PUT /api/v1/comments/{id}/assignee`

use actix_web::web::{Data, Json, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::TriageView;
use crate::api::extract::{Caller, JsonBody};
use crate::error::ApiError;
use crate::service::decisions;
use crate::service::triage;
use crate::state::AppState;

/// Who works on a comment.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The id of a person in the office (`GET /api/v1/people`); `null` to give the comment back
    /// to the pool.
    pub person_id: Option<String>,
}

/// Gives a submitted comment to one of the office's people, or back to nobody. Drafters and admins
/// only.
#[utoipa::path(
    put,
    operation_id = "decisions_assign",
    path = "/api/v1/comments/{id}/assignee",
    tag = "decisions",
    request_body = AssignBody,
    params(("id" = String, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The comment's triage", body = TriageView),
        (status = 403, description = "Agency tokens do not triage"),
        (status = 404, description = "No such submitted comment"),
        (status = 422, description = "No such person in the office (`unknown_person`), or one who has left (`person_retired`)"),
    ),
    security(("bearer" = []))
)]
pub async fn assign(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
) -> Result<Json<TriageView>, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    let row = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (comment, _) = decisions::standing_comment(conn, &id)?;
            let input: AssignBody = body.parse()?;
            Ok(triage::assign(
                conn,
                &actor,
                &comment,
                input.person_id.as_deref(),
                now,
            )?)
        })
        .await?;
    Ok(Json(row.into()))
}
