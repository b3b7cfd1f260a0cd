//! `POST /api/v1/rounds/{id}/requests`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::RequestView;
use super::visible_round;
use crate::api::extract::{Caller, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::db::{agency, round};
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::requests;
use crate::state::AppState;

/// The agency to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    /// The agency's id or code.
    #[validate(length(min = 1, max = 64))]
    pub agency: String,
}

/// Adds an agency to a round. In an open round its request goes out at once, with the round's
/// deadline. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_invite",
    path = "/api/v1/rounds/{id}/requests",
    tag = "rounds",
    request_body = Invite,
    params(
        ("id" = String, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The agency's request", body = RequestView, headers(("Location" = String))),
        (status = 403, description = "Agency tokens may not invite agencies"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Invited already (`already_invited`), or the round is closed (`round_closed`)"),
        (status = 422, description = "No such active agency"),
    ),
    security(("bearer" = []))
)]
pub async fn invite(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: Invite = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (row, _, _) = visible_round(conn, &caller, &id)?;
            let found = agency::find_by_id_or_code(conn, &input.agency)?.ok_or_else(|| {
                ApiError::from(ServiceError::field(
                    "agency",
                    "unknown_agency",
                    "no agency with this id or code",
                ))
            })?;
            let request = requests::add_agency(conn, &actor, &row, &found.id, now)?;
            let entry = round::request_with_agency(conn, &request.id)?
                .ok_or_else(|| ApiError::from(ServiceError::internal("request vanished")))?;
            Ok(RequestView::new(&row, &entry, &[], now))
        },
        move |view| {
            Ok(Reply::created(&view)?
                .with(header::LOCATION, format!("/api/v1/requests/{}", view.id)))
        },
    )
    .await
}
