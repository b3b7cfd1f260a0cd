//! Rate limits at the door: per client address, per token, and failed authentications per
//! address, before anything else runs. The token is looked up here, once for the request
//! (`extract::caller_of`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, ResponseError};

use super::extract::{bearer_token, caller_of};
use super::pass;
use crate::error::ApiError;
use crate::limits::{Wait, client_address};
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
        match caller_of(request.request()).await {
            Ok(caller) => {
                if let Err(wait) = state.limits.token(&caller.token_id) {
                    return Ok(refuse(request, wait));
                }
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
