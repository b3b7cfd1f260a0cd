//! Rate limits at the door: per client address, per token, and failed authentications per
//! address, before anything else runs. The token is authenticated here once; the handler's
//! `Caller` is the one found here.

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpRequest, ResponseError};

use super::extract::{Credentials, bearer_token};
use super::pass;
use crate::error::ApiError;
use crate::limits::Wait;
use crate::state::AppState;

/// The middleware.
pub async fn limit_rate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = request.app_data::<Data<AppState>>().cloned() else {
        return pass(request, next).await;
    };
    let address = client_address(request.request(), &state.config.trusted_proxies);
    if let Some(address) = address
        && let Err(wait) = state.limits.address(address)
    {
        return Ok(refuse(request, wait));
    }
    if bearer_token(request.request()).is_some() {
        match Credentials::of(request.request()).authenticate().await {
            Ok(caller) => {
                if let Err(wait) = state.limits.token(&caller.token_id) {
                    return Ok(refuse(request, wait));
                }
                request.extensions_mut().insert(caller);
            }
            // Guessing tokens is slowed down per address; the handler answers 401.
            Err(ApiError::Unauthenticated) => {
                if let Some(address) = address
                    && let Err(wait) = state.limits.failed_authentication(address)
                {
                    return Ok(refuse(request, wait));
                }
            }
            // The handler meets the same failure (a database out of reach) and answers it.
            Err(_) => {}
        }
    }
    pass(request, next).await
}

fn refuse(request: ServiceRequest, wait: Wait) -> ServiceResponse<BoxBody> {
    let error = ApiError::TooManyRequests {
        retry_after: wait.seconds(),
    };
    request.into_response(error.error_response())
}

/// The client's address: the connection's peer, or, when the peer is one of the trusted
/// reverse proxies, the last address in `X-Forwarded-For` that is not one of them (the one
/// the nearest trusted proxy saw; earlier entries are the client's own word).
pub fn client_address(request: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|address| !trusted.contains(address))
            .unwrap_or(peer),
    )
}
