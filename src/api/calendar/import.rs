//! `POST /api/v1/calendar`

use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::api::extract::{Caller, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::domain::calendar::CalendarFile;
use crate::error::ApiError;
use crate::service::calendaring::{self, Imported};
use crate::state::AppState;

/// Loads the years of a calendar file (the format of `seeds/calendar.json`), replacing any
/// notice loaded for them; all or none. Every day must lie in its year, no day may be both a
/// holiday and a working day, and working days are weekend days. Deadlines counted from now
/// on use it; deadlines already counted provisionally change only when an admin counts them
/// again (`POST /api/v1/rounds/{id}/recount`). Administrators only.
#[utoipa::path(
    post,
    operation_id = "calendar_import",
    path = "/api/v1/calendar",
    tag = "calendar",
    request_body = CalendarFile,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 200, description = "The years loaded, and the rounds with provisional deadlines", body = Imported),
        (status = 403, description = "Not an administrator"),
        (status = 409, description = "The same Idempotency-Key is in flight"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Invalid days, each named by its path (`years[0].holidays[3]`)"),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let file: CalendarFile = body.parse()?;
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| Ok(calendaring::import(conn, &actor, file, now)?),
        move |imported| Reply::ok(&imported),
    )
    .await
}
