//! Security headers on every response: no content sniffing, no framing, no referrer, a content
//! security policy (a strict one for the API's JSON, one that lets the docs page run its own
//! scripts, one for the desk's pages), and no caching of anything answered to a token or in a
//! desk session.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// For everything but HTML: nothing may load from it, nothing may frame it.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// For the docs page: its scripts, styles and images come from the service itself (Swagger UI
/// sets inline styles and draws icons from `data:` images).
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                           img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// For the desk's pages: only its own stylesheet and script, forms only to itself, no inline
/// code of any kind.
const DESK_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                           form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The middleware.
pub async fn secure(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let authenticated = request.headers().contains_key(header::AUTHORIZATION);
    let path = request.path();
    let desk = path == "/desk" || path.starts_with("/desk/");
    // A desk page is read in a session; only its stylesheet and script may be kept.
    let private = authenticated || (desk && !path.starts_with("/desk/static/"));
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match (html, desk) {
        (true, true) => DESK_POLICY,
        (true, false) => PAGE_POLICY,
        (false, _) => API_POLICY,
    };
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, policy),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // What a token reads is the office's business: no shared cache, nor the browser's disk.
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
