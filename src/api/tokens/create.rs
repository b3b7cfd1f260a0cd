//! `POST /api/v1/tokens`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::{CreatedToken, TokenView};
use crate::api::extract::{Caller, ClientTime, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::domain::role::Role;
use crate::domain::token::generate;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::tokens::{self, Holder, NewToken};
use crate::state::AppState;

/// A token to make.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// Who uses it: a person (张三) or a system (西湖区发改局接口).
    #[schema(example = "西湖区发改局接口")]
    pub name: String,
    pub role: Role,
    /// The agency an `agency` token answers for, by id or code.
    #[schema(example = "xihu")]
    pub agency: Option<String>,
    /// Where digests go, for an `admin` or `drafter` token.
    pub email: Option<String>,
    /// When it stops working (RFC 3339 with an offset); it does not expire unless given.
    pub expires_at: Option<ClientTime>,
}

/// Makes a token. Admins only. The answer carries the secret, once: a retry with the same
/// `Idempotency-Key` is refused with 409 `secret_issued_once` rather than sent it again.
#[utoipa::path(
    post,
    operation_id = "tokens_create",
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = CreateToken,
    params(("Idempotency-Key" = Option<String>, Header, description = "Refuses a retry instead of running it twice")),
    responses(
        (status = 201, description = "Made; the secret is in this answer only", body = CreatedToken,
            headers(("Location" = String))),
        (status = 403, description = "Only admins make tokens"),
        (status = 409, description = "A retry of a request that made a token (`secret_issued_once`)"),
        (status = 422, description = "Invalid fields: an agency token without its agency, an address on one, an expiry in the past"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input: CreateToken = body.parse()?;
    let holder = match (input.role, input.agency, input.email) {
        (Role::Agency, Some(agency), None) => Holder::Agency { agency },
        (Role::Agency, None, _) => {
            return Err(ServiceError::field(
                "agency",
                "required",
                "an agency token names its agency",
            )
            .into());
        }
        (Role::Agency, Some(_), Some(_)) => {
            return Err(ServiceError::field(
                "email",
                "not_for_agencies",
                "an agency's addresses are the agency's own",
            )
            .into());
        }
        (role, None, email) => Holder::Staff { role, email },
        (_, Some(_), _) => {
            return Err(ServiceError::field(
                "agency",
                "not_for_staff",
                "only an agency token names an agency",
            )
            .into());
        }
    };
    let secret = generate().map_err(ServiceError::internal)?;
    let new = NewToken {
        holder,
        name: input.name,
        expires_at: input.expires_at.map(|at| at.with_timezone(&chrono::Utc)),
    };
    let now = state.clock.now();
    let actor = caller.actor();
    let hash = secret.hash.clone();
    work.commit(
        move |conn| Ok(tokens::create(conn, &actor, new, &hash, now)?),
        move |row| {
            let made = CreatedToken {
                token: TokenView::new(&row, now.naive_utc()),
                secret: secret.secret,
            };
            Ok(Reply::created(&made)?
                .with(header::LOCATION, format!("/api/v1/tokens/{}", row.id))
                .carrying_secret())
        },
    )
    .await
}
