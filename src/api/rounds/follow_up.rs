//! `POST /api/v1/rounds/{id}/follow-up`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::RoundView;
use crate::api::extract::{Caller, ClientTime, JsonBody, etag, required_due};
use crate::api::unit::{Reply, Work};
use crate::db::round;
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::rounds;
use crate::state::AppState;

/// A follow-up round; what is not given comes from the round it follows.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    pub title: Option<String>,
    #[validate(length(max = 10000))]
    pub instructions: Option<String>,
    /// A fixed deadline (RFC 3339 with an offset). Give this or `working_days`.
    pub deadline: Option<ClientTime>,
    #[validate(range(min = 1, max = 60))]
    pub working_days: Option<u32>,
    /// The agencies to consult, by id or code; those whose comments stand in the round
    /// followed unless given.
    #[validate(length(min = 1, max = 1000))]
    pub agencies: Option<Vec<String>>,
}

/// Prepares a round on the next version, scoped to the clauses that changed (added, modified
/// or moved), inviting by default the agencies that commented; a draft until opened. Drafters
/// and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_follow_up",
    path = "/api/v1/rounds/{id}/follow-up",
    tag = "rounds",
    request_body = FollowUp,
    params(
        ("id" = String, Path, description = "The round followed"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The follow-up round, as a draft", body = RoundView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Agency tokens may not prepare rounds"),
        (status = 404, description = "No such round"),
        (status = 409, description = "The round is not closed (`round_not_closed`), no published next version (`version_not_published`), no changed clause (`nothing_changed`), or no agency commented (`no_commenters`)"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn follow_up(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let input: FollowUp = body.parse()?;
    let due = required_due(input.deadline, input.working_days)?;
    let follow_up = rounds::FollowUp {
        title: input.title,
        instructions: input.instructions,
        due,
        agencies: input.agencies,
    };
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (row, version) = rounds::follow_up(conn, &actor, &id, follow_up, now)?;
            let requests = round::requests_of_round(conn, &row.id)?;
            Ok((row, version, requests))
        },
        move |(row, version, requests)| {
            Ok(
                Reply::created(&RoundView::new(&row, version, &requests, now))?
                    .with(header::LOCATION, format!("/api/v1/rounds/{}", row.id))
                    .with(header::ETAG, etag(row.revision)),
            )
        },
    )
    .await
}
