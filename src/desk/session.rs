//! Who is at the desk: the session named by the browser's cookie, read from the database on
//! every request so that any instance serves it and a sign-out anywhere ends it everywhere.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};

use super::error::DeskError;
use crate::domain::token::same;
use crate::service::sessions::{self, Session};
use crate::state::AppState;

/// The cookie that holds a session's secret.
pub const SESSION_COOKIE: &str = "consult_session";
/// The cookie that pairs with the sign-in form's CSRF token, before there is a session.
pub const SIGN_IN_COOKIE: &str = "consult_sign_in";

/// The signed-in caller of a desk page.
pub struct AtDesk(pub Session);

impl AtDesk {
    /// Refuses a form whose CSRF token is not the session's.
    pub fn check(&self, csrf: &str) -> Result<(), DeskError> {
        if same(csrf, &self.0.row.csrf) {
            Ok(())
        } else {
            Err(DeskError::Forged)
        }
    }
}

impl FromRequest for AtDesk {
    type Error = DeskError;
    type Future = Pin<Box<dyn Future<Output = Result<AtDesk, DeskError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secret = cookie(request, SESSION_COOKIE);
        let state = request.app_data::<Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(secret), Some(state)) = (secret, state) else {
                return Err(DeskError::SignIn);
            };
            let now = state.clock.now();
            state
                .db
                .read(move |conn| sessions::find(conn, &secret, now))
                .await?
                .map(AtDesk)
                .ok_or(DeskError::SignIn)
        })
    }
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value: only for the desk's paths, never readable by scripts, never sent from
/// another site, and only over TLS when the service is reached over TLS.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}
