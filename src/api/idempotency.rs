//! `Idempotency-Key` on POST: a retry with the same key and body gets the first response again.
//!
//! The token is checked first: without a usable one the request goes on to its handler, which
//! answers 401, and nothing is stored. Keys belong to the token that sent them. The first response
//! is stored unless it is a 5xx (the retry should run again), which releases the key.
//!
//! A handler that changes something commits through [`super::unit::Work`], which stores the
//! response in the change's own transaction: a retry after a crash either replays it or runs a
//! request that never took effect. Responses of requests that changed nothing (refusals,
//! previews) are stored here, after the handler answered.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::extract::{caller_of, read_body};
use super::pass;
use super::requests::upload;
use super::unit::{ClaimedKey, KeyCompleted, kept_headers};
use crate::config::Config;
use crate::db::idempotency::{self as keys, Claim, KeyPolicy, KeyRef, StoredResponse};
use crate::domain::refusal::Refusal;
use crate::domain::token::hex;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::state::AppState;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long keys are kept.
pub const RETENTION: chrono::Duration = chrono::Duration::hours(24);

/// How long keys are kept, and when an unfinished first request counts as dead.
pub fn policy(config: &Config) -> KeyPolicy {
    KeyPolicy {
        retention: RETENTION,
        abandoned_after: i64::try_from(config.idempotency_claim_seconds)
            .ok()
            .and_then(chrono::Duration::try_seconds)
            .unwrap_or(chrono::Duration::MAX),
    }
}

/// The middleware.
pub async fn idempotent_post(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if request.method() != Method::POST || !request.headers().contains_key(&IDEMPOTENCY_KEY) {
        return pass(request, next).await;
    }
    let caller = match caller_of(request.request()).await {
        Ok(caller) => caller,
        Err(ApiError::Unauthenticated) => return pass(request, next).await,
        Err(error) => return Ok(request.error_response(error)),
    };

    // The request is never cloned: actix needs it unshared to route it.
    let (http, mut payload) = request.into_parts();
    let key = match http
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .map(HeaderValue::to_str)
    {
        Some(Ok(key)) if (1..=255).contains(&key.len()) => key.to_owned(),
        _ => {
            let error = ApiError::from(ServiceError::field(
                "header.Idempotency-Key",
                "invalid_idempotency_key",
                "1 to 255 visible ASCII characters",
            ));
            return Ok(problem(http, error));
        }
    };
    let Some(state) = http.app_data::<Data<AppState>>().cloned() else {
        return Ok(problem(
            http,
            ApiError::from(ServiceError::internal("application state missing")),
        ));
    };
    // The route's own limit, before any of the body is kept: an attachment's on the upload
    // route, JSON's on every other.
    let limit = if http.match_pattern().as_deref() == Some(upload::ROUTE) {
        state.config.max_attachment_bytes
    } else {
        state.config.max_body_bytes
    };
    let body = match read_body(&http, &mut payload, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(problem(http, error)),
    };
    let request_hash = fingerprint(http.method().as_str(), &http.uri().to_string(), &body);

    let now = state.clock.now().naive_utc();
    let policy = policy(&state.config);
    let claimed = {
        let (token_id, key) = (caller.token_id.clone(), key.clone());
        state
            .db
            .write(move |conn| {
                let key = KeyRef {
                    token_id: &token_id,
                    key: &key,
                };
                keys::claim(conn, key, &request_hash, now, policy).map_err(ApiError::from)
            })
            .await
    };
    let claimed_at = match claimed {
        Ok(Claim::Run { claimed_at }) => claimed_at,
        Ok(Claim::Replay(stored)) => return Ok(ServiceResponse::new(http, replay(stored))),
        Ok(Claim::Mismatch) => {
            let error = ApiError::from(ServiceError::refused(
                Refusal::IdempotencyKeyReused,
                "this Idempotency-Key was used with a different request",
            ));
            return Ok(problem(http, error));
        }
        Ok(Claim::InProgress) => {
            let error = ApiError::from(ServiceError::refused(
                Refusal::IdempotencyRequestInProgress,
                "the first request with this Idempotency-Key is still running; retry shortly",
            ));
            return Ok(problem(http, error));
        }
        Err(error) => return Ok(problem(http, error)),
    };
    let claim = Held {
        state: state.clone(),
        token_id: caller.token_id,
        key,
        claimed_at,
    };

    // A handler that commits through `Work` stores its response in its own transaction.
    http.extensions_mut().insert(ClaimedKey {
        token_id: claim.token_id.clone(),
        key: claim.key.clone(),
        claimed_at,
    });
    let request = ServiceRequest::from_parts(http, actix_web::dev::Payload::from(body));
    let response = match next.call(request).await {
        Ok(response) => response,
        Err(error) => {
            claim.release().await;
            return Err(error);
        }
    };
    if response.response().extensions().contains::<KeyCompleted>() {
        return Ok(response.map_into_boxed_body());
    }
    let status = response.status();
    let (http, response) = response.into_parts();
    let (head, response_body) = response.into_parts();
    let Ok(bytes) = body::to_bytes(response_body).await else {
        claim.release().await;
        return Ok(problem(
            http,
            ApiError::from(ServiceError::internal("response body could not be read")),
        ));
    };
    if status.is_server_error() {
        claim.release().await;
    } else {
        let headers = kept_headers(
            head.headers()
                .iter()
                .filter_map(|(name, value)| Some((name, value.to_str().ok()?))),
        );
        claim
            .complete(StoredResponse {
                status: status.as_u16(),
                headers,
                body: bytes.to_vec(),
            })
            .await;
    }
    Ok(ServiceResponse::new(
        http,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

fn problem(http: HttpRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    ServiceResponse::new(http, error.error_response())
}

/// A claimed key, to be completed with the response or released.
struct Held {
    state: Data<AppState>,
    token_id: String,
    key: String,
    claimed_at: NaiveDateTime,
}

impl Held {
    async fn complete(self, response: StoredResponse) {
        let Held {
            state,
            token_id,
            key,
            claimed_at,
        } = self;
        let saved = state
            .db
            .write(move |conn| {
                let key = KeyRef {
                    token_id: &token_id,
                    key: &key,
                };
                keys::complete(conn, key, claimed_at, &response).map_err(ApiError::from)
            })
            .await;
        match saved {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("idempotency key was taken over before its response was stored")
            }
            // The change has landed but its replay record has not: a retry after the key is
            // presumed abandoned runs the request again.
            Err(error) => tracing::error!(%error, "storing the idempotent response failed"),
        }
    }

    async fn release(self) {
        let Held {
            state,
            token_id,
            key,
            claimed_at,
        } = self;
        let released = state
            .db
            .write(move |conn| {
                let key = KeyRef {
                    token_id: &token_id,
                    key: &key,
                };
                keys::release(conn, key, claimed_at).map_err(ApiError::from)
            })
            .await;
        if let Err(error) = released {
            tracing::error!(%error, "releasing an idempotency key failed");
        }
    }
}

/// What makes two requests the same request: method, path with query, and body.
pub fn fingerprint(method: &str, uri: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(method);
    digest.update([0]);
    digest.update(uri);
    digest.update([0]);
    digest.update(body);
    hex(&digest.finalize())
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    if let Ok(serde_json::Value::Object(headers)) = serde_json::from_str(&stored.headers) {
        for (name, value) in headers {
            if let (Ok(name), Some(value)) = (HeaderName::try_from(name), value.as_str()) {
                if let Ok(value) = HeaderValue::from_str(value) {
                    response.insert_header((name, value));
                }
            }
        }
    }
    response.insert_header((REPLAYED, "true"));
    response.body(stored.body)
}
