//! `POST /api/v1/outbox/{id}/retry`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::views::OutboxView;
use crate::api::extract::Caller;
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::outbox;
use crate::state::AppState;

/// Puts an email that was given up back in the queue, due now. Drafters and admins only.
#[utoipa::path(
    post,
    path = "/api/v1/outbox/{id}/retry",
    operation_id = "outbox_retry",
    tag = "outbox",
    params(("id" = String, Path, description = "Email id")),
    responses(
        (status = 200, description = "The email, pending again", body = OutboxView),
        (status = 403, description = "Agency tokens may not retry emails"),
        (status = 404, description = "No such email"),
        (status = 409, description = "Not given up (`not_failed`)"),
    ),
    security(("bearer" = []))
)]
pub async fn retry(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| Ok(outbox::retry(conn, &actor, &id, now)?),
        move |row| Reply::ok(&OutboxView::from(row)),
    )
    .await
}
