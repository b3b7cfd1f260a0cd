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
    /// The person in the office who holds it (`GET /api/v1/people`), whose role it carries.
    pub person: Option<String>,
    /// The agency it answers for, by id or code.
    #[schema(example = "xihu")]
    pub agency: Option<String>,
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
        (status = 422, description = "Invalid fields: neither a person nor an agency, or both; an unknown or retired person; an expiry in the past"),
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
    let holder = match (input.person, input.agency) {
        (Some(person), None) => Holder::Person { person },
        (None, Some(agency)) => Holder::Agency { agency },
        (Some(_), Some(_)) => {
            return Err(ServiceError::field(
                "agency",
                "one_holder",
                "a token is a person's or an agency's, not both",
            )
            .into());
        }
        (None, None) => {
            return Err(ServiceError::field(
                "person",
                "required",
                "a token names the person or the agency that holds it",
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
