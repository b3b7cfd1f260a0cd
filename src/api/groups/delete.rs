//! `DELETE /api/v1/groups/{id}`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use crate::api::decisions::group_of;
use crate::api::extract::{Caller, IfMatch, etag};
use crate::error::ApiError;
use crate::service::groups;
use crate::state::AppState;

/// Dissolves a group that has no decision; its comments are decided one by one again.
/// Drafters and admins only.
#[utoipa::path(
    delete,
    operation_id = "groups_delete",
    path = "/api/v1/groups/{id}",
    tag = "groups",
    params(
        ("id" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the group"),
    ),
    responses(
        (status = 204, description = "Dissolved"),
        (status = 403, description = "Agency tokens do not group comments"),
        (status = 404, description = "No such group"),
        (status = 409, description = "The group has a decision (`group_decided`), or the decisions are published (`decisions_published`)"),
        (status = 412, description = "Changed since the If-Match revision"),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (group, round) = group_of(conn, &id)?;
            if_match.check(&etag(group.revision))?;
            // Compared again under the round's lock, against a change made meanwhile.
            let expected = if_match.names_a_revision().then_some(group.revision);
            Ok(groups::delete_group(
                conn, &actor, &round, &group.id, expected, now,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
