//! `POST /api/v1/requests/{id}/claim-code`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::IssuedClaim;
use crate::api::extract::{Caller, ClientTime, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::claims;
use crate::state::AppState;

/// When the new code stops working.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueClaim {
    /// RFC 3339 with an offset; the request's effective deadline plus the configured grace
    /// unless given.
    pub expires_at: Option<ClientTime>,
}

/// Issues a new claim code for a request whose letter went out and emails it to the agency's
/// addresses; the earlier code stops working (`claim_replaced`). For a liaison who lost the
/// letter, or whose code expired. The code is in the email only. Admins only.
#[utoipa::path(
    post,
    operation_id = "claims_reissue",
    path = "/api/v1/requests/{id}/claim-code",
    tag = "tokens",
    request_body(content = ReissueClaim, description = "`{}` takes the usual expiry"),
    params(
        ("id" = String, Path, description = "Request id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "Issued and queued for sending", body = IssuedClaim),
        (status = 403, description = "Only admins issue claim codes"),
        (status = 404, description = "No such request"),
        (status = 409, description = "The letter has not gone out (`round_not_open`), or the agency was removed (`request_cancelled`)"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn reissue(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input: ReissueClaim = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let expires_at = input.expires_at.map(|at| at.with_timezone(&chrono::Utc));
    work.commit(
        move |conn| Ok(claims::reissue(conn, &actor, &id, expires_at, now)?),
        move |issued| {
            Reply::created(&IssuedClaim {
                id: issued.claim.id,
                request_id: issued.claim.request_id,
                created_at: issued.claim.created_at.and_utc(),
                expires_at: issued.claim.expires_at.map(|t| t.and_utc()),
                message_id: issued.message_id,
            })
        },
    )
    .await
}
