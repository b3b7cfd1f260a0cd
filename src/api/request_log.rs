//! One log line per request, under a request id that is also sent back as `X-Request-Id`, and
//! a tracing span carrying that id around everything the request logs; and the request counted
//! in the metrics by its route.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;
use uuid::Uuid;

use super::extract::RequestId;
use crate::metrics::metrics;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs method, path, status and duration; never headers, so no token reaches the log.
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // A caller's own id is kept when it is short and plain, so that logs on both sides match.
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    let path = request.path().to_owned();
    // The pattern, not the path: one series per route, whatever the ids in it.
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    // Everything logged while the request runs (a 500's cause included) carries its id.
    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(request).instrument(span).await;
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            metrics().request(&route, method.as_str(), status, elapsed);
            tracing::info!(request_id = %id, %method, %path, status, elapsed_ms, "request");
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(response)
        }
        Err(error) => {
            let status = error.as_response_error().status_code().as_u16();
            metrics().request(&route, method.as_str(), status, elapsed);
            tracing::info!(request_id = %id, %method, %path, status, elapsed_ms, "request");
            Err(error)
        }
    }
}
