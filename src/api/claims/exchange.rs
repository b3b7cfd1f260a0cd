//! `POST /api/v1/claims`

use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::ClaimedToken;
use crate::api::extract::JsonBody;
use crate::api::extract::RequestId;
use crate::api::rounds::views::AgencyRef;
use crate::api::tokens::views::TokenView;
use crate::api::unit::{Reply, Work};
use crate::domain::claim;
use crate::domain::token::generate;
use crate::error::ApiError;
use crate::limits::client_address;
use crate::service::claims;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// A claim code as the letter gives it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The code from the request letter; case, spaces and hyphens do not matter.
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "7K3M-9QXD-2AB4-HJ8N-TV5C")]
    pub code: String,
}

/// Exchanges the claim code of a request letter for the agency's token; no token is needed to
/// call. A code works once: again it is 409 `claim_used`; a code replaced by a newer one is
/// `claim_replaced`; past its expiry (the request's deadline plus the grace, unless the office
/// set one) `claim_expired`. Every attempt counts against the client address's limit of failed
/// authentications, so that codes cannot be guessed.
#[utoipa::path(
    post,
    operation_id = "claims_exchange",
    path = "/api/v1/claims",
    tag = "tokens",
    request_body = ClaimInput,
    responses(
        (status = 201, description = "The agency's new token; the secret is in this answer only", body = ClaimedToken),
        (status = 404, description = "No such code"),
        (status = 409, description = "Used, replaced or expired (`claim_used`, `claim_replaced`, `claim_expired`), or the agency was removed from the round (`request_cancelled`)"),
        (status = 422, description = "Not a code (`invalid_code`)"),
    ),
)]
pub async fn exchange(
    state: Data<AppState>,
    http: HttpRequest,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    if let Some(address) = client_address(&http, &state.config.trusted_proxies)
        && let Err(wait) = state.limits.failed_authentication(address)
    {
        return Err(ApiError::TooManyRequests {
            retry_after: wait.seconds(),
        });
    }
    let input: ClaimInput = body.parse()?;
    let code_hash = claim::hash(&input.code).ok_or_else(|| {
        ServiceError::field(
            "code",
            "invalid_code",
            "a claim code is 20 letters and digits, in groups of four",
        )
    })?;
    let secret = generate().map_err(ServiceError::internal)?;
    let now = state.clock.now();
    let grace = state.config.claim_grace;
    let call = http.extensions().get::<RequestId>().map(|r| r.0.clone());
    let token_hash = secret.hash.clone();
    work.commit(
        move |conn| {
            Ok(claims::exchange(
                conn,
                call,
                &code_hash,
                &token_hash,
                grace,
                now,
            )?)
        },
        move |made| {
            let view = ClaimedToken {
                secret: secret.secret,
                token: TokenView::new(&made.token, now.naive_utc()),
                agency: AgencyRef {
                    id: made.agency.id,
                    code: made.agency.code,
                    name: made.agency.name,
                },
                request_id: made.request_id,
            };
            Ok(Reply::created(&view)?.carrying_secret())
        },
    )
    .await
}
