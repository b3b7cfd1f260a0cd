//! `POST /api/v1/people/{id}/retire`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use super::views::PersonView;
use crate::api::extract::{Caller, etag};
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::people;
use crate::state::AppState;

/// Records that a person has left the office: every token they hold is revoked at once, no
/// comment is given to them again, and digests stop. The comments given to them stay theirs
/// until a drafter gives them to someone else. Admins only.
#[utoipa::path(
    post,
    operation_id = "people_retire",
    path = "/api/v1/people/{id}/retire",
    tag = "tokens",
    params(("id" = String, Path, description = "Person id")),
    responses(
        (status = 200, description = "Retired", body = PersonView, headers(("ETag" = String))),
        (status = 403, description = "Only admins retire people"),
        (status = 404, description = "No such person"),
        (status = 409, description = "Retired already (`person_retired`)"),
    ),
    security(("bearer" = []))
)]
pub async fn retire(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| Ok(people::retire(conn, &actor, &id, now)?),
        |row| {
            let revision = row.revision;
            Ok(Reply::ok(&PersonView::new(row, 0))?.with(header::ETAG, etag(revision)))
        },
    )
    .await
}
