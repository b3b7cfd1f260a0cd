//! Rate limits at the door: per client address, per token, and failed authentications per
//! address, before anything else runs. The token is looked up here, once for the request
//! (`extract::caller_of`).

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpRequest, ResponseError};

use super::extract::{bearer_token, caller_of};
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

/// The client's address: the connection's peer, or, when the peer is one of the trusted
/// reverse proxies, the last address in `X-Forwarded-For` that is not one of them (the one
/// the nearest trusted proxy saw; earlier entries are the client's own word). An entry that is
/// not an address ends the walk at the hop before it, so that a client cannot slip its own
/// word past a proxy that writes something else. An IPv6 client is counted by its /64, which
/// is what one subscriber holds.
pub fn client_address(request: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip().to_canonical();
    if !trusted.contains(&peer) {
        return Some(bucket(peer));
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        match entry.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(address) if trusted.contains(&address) => client = address,
            Ok(address) => return Some(bucket(address)),
            Err(_) => break,
        }
    }
    Some(bucket(client))
}

/// The key an address is counted under: itself for IPv4, its /64 for IPv6.
fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn address(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> Option<IpAddr> {
        let mut request = TestRequest::default().peer_addr(peer.parse().expect("peer"));
        if let Some(chain) = forwarded {
            request = request.insert_header(("X-Forwarded-For", chain));
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|a| a.parse().expect("ip")).collect();
        client_address(&request.to_http_request(), &trusted)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    #[test]
    fn the_client_is_the_peer_or_what_trusted_proxies_saw() {
        // Not behind a trusted proxy: the header is the client's own word.
        assert_eq!(address("10.0.0.3:1", Some("1.2.3.4"), &[]), ip("10.0.0.3"));
        // Behind two trusted proxies: the last address neither of them is.
        assert_eq!(
            address(
                "10.0.0.9:1",
                Some("6.6.6.6, 1.2.3.4, 10.0.0.8"),
                &["10.0.0.9", "10.0.0.8"]
            ),
            ip("1.2.3.4")
        );
        // An entry that is not an address ends the walk: what lies left of it is not trusted.
        assert_eq!(
            address("10.0.0.9:1", Some("6.6.6.6, 1.2.3.4:5678"), &["10.0.0.9"]),
            ip("10.0.0.9")
        );
        // An IPv4 peer on a dual-stack socket is still the IPv4 proxy.
        assert_eq!(
            address("[::ffff:10.0.0.9]:1", Some("1.2.3.4"), &["10.0.0.9"]),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(
            address("[2001:db8:1:2:aaaa::1]:1", None, &[]),
            address("[2001:db8:1:2:bbbb::7]:1", None, &[])
        );
        assert_ne!(
            address("[2001:db8:1:2::1]:1", None, &[]),
            address("[2001:db8:1:3::1]:1", None, &[])
        );
    }
}
