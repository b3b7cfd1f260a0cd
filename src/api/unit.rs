//! The unit of work: one request's change, its audit record, the emails it queues and, when the
//! request carries an `Idempotency-Key`, the response a retry replays, all in one transaction.
//!
//! The idempotency middleware claims the key before the handler runs and leaves the claim in
//! the request's extensions; [`Work::commit`] runs the change and renders its reply inside the
//! same transaction as completing that claim. A crash at any point leaves either nothing (the
//! retry runs the request again) or the change with its response (the retry replays it), never
//! the change alone. The change is a closure handed over whole, so the way units are committed
//! (one transaction each today) can change without changing handlers.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::idempotency::{self as keys, KeyRef, StoredResponse};
use crate::db::{Db, DbConnection};
use crate::domain::refusal::Refusal;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// Response headers that belong to a stored response.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// The headers a replay keeps, as the JSON object stored with the response.
pub fn kept_headers<'a>(headers: impl IntoIterator<Item = (&'a HeaderName, &'a str)>) -> String {
    let kept: serde_json::Map<String, serde_json::Value> = headers
        .into_iter()
        .filter(|(name, _)| KEPT_HEADERS.contains(name))
        .map(|(name, value)| (name.as_str().to_owned(), value.into()))
        .collect();
    serde_json::Value::Object(kept).to_string()
}

/// An `Idempotency-Key` claimed for this request and not yet completed.
#[derive(Clone, Debug)]
pub struct ClaimedKey {
    pub token_id: String,
    pub key: String,
    pub claimed_at: NaiveDateTime,
}

/// Marks a response whose idempotency record committed with its change.
#[derive(Clone, Copy, Debug)]
pub struct KeyCompleted;

/// What a change answers: status, the headers a replay keeps, and the body.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, String)>,
    body: Vec<u8>,
    /// The body holds a secret: a retry is refused instead of sent it again.
    secret: bool,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: StatusCode, view: &impl Serialize) -> Result<Reply, ApiError> {
        let body = serde_json::to_vec(view).map_err(ServiceError::internal)?;
        Ok(Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, "application/json".to_owned())],
            body,
            secret: false,
        })
    }

    /// 200 with a JSON body.
    pub fn ok(view: &impl Serialize) -> Result<Reply, ApiError> {
        Reply::json(StatusCode::OK, view)
    }

    /// 201 with a JSON body.
    pub fn created(view: &impl Serialize) -> Result<Reply, ApiError> {
        Reply::json(StatusCode::CREATED, view)
    }

    /// The reply with a header (`Location`, `ETag`) added.
    pub fn with(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The reply, whose body holds a secret (a new token): it is sent this once and kept
    /// nowhere, so a retry with the request's key gets `secret_issued_once` instead.
    pub fn carrying_secret(mut self) -> Reply {
        self.secret = true;
        self
    }

    fn stored(&self) -> StoredResponse {
        if self.secret {
            let refusal = ApiError::from(ServiceError::refused(
                Refusal::SecretIssuedOnce,
                "the request with this Idempotency-Key made a secret, which is sent only once; \
                 if its answer was lost, revoke what it made and make another",
            ));
            return StoredResponse {
                status: refusal.status_code().as_u16(),
                headers: kept_headers([(&header::CONTENT_TYPE, "application/problem+json")]),
                body: serde_json::to_vec(&refusal.problem()).unwrap_or_default(),
            };
        }
        StoredResponse {
            status: self.status.as_u16(),
            headers: kept_headers(
                self.headers
                    .iter()
                    .map(|(name, value)| (name, value.as_str())),
            ),
            body: self.body.clone(),
        }
    }

    fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.insert_header((name, value));
            }
        }
        response.body(self.body)
    }
}

/// The handle a handler commits its change through.
pub struct Work {
    db: Db,
    key: Option<ClaimedKey>,
}

impl Work {
    /// Runs `change` and renders its reply with `respond` in one write transaction, together
    /// with the idempotency record of a keyed request.
    pub async fn commit<T, F, R>(self, change: F, respond: R) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        R: FnOnce(T) -> Result<Reply, ApiError> + Send + 'static,
        T: 'static,
    {
        let key = self.key;
        let keyed = key.is_some();
        let reply = self
            .db
            .write(move |conn| {
                let reply = respond(change(conn)?)?;
                if let Some(key) = &key {
                    let at = KeyRef {
                        token_id: &key.token_id,
                        key: &key.key,
                    };
                    // Taken over by a retry after this request was presumed dead: the retry
                    // owns the key now, so this one must leave no trace.
                    if !keys::complete(conn, at, key.claimed_at, &reply.stored())? {
                        return Err(ApiError::from(ServiceError::refused(
                            Refusal::IdempotencyRequestInProgress,
                            "a retry with this Idempotency-Key took the request over",
                        )));
                    }
                }
                Ok(reply)
            })
            .await?;
        let mut response = reply.into_response();
        if keyed {
            response.extensions_mut().insert(KeyCompleted);
        }
        Ok(response)
    }
}

impl FromRequest for Work {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Work, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let work = request
            .app_data::<Data<AppState>>()
            .map(|state| Work {
                db: state.db.clone(),
                key: request.extensions().get::<ClaimedKey>().cloned(),
            })
            .ok_or_else(|| ApiError::from(ServiceError::internal("application state missing")));
        std::future::ready(work)
    }
}
