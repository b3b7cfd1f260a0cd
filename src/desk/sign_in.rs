//! `GET|POST /desk/sign-in` and `POST /desk/sign-out`: a member of staff pastes a token of
//! theirs once; an agency's token is refused.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::error::DeskError;
use super::layout;
use super::session::{AtDesk, SESSION_COOKIE, SIGN_IN_COOKIE, cookie, set_cookie};
use crate::domain::token::{nonce, same};
use crate::limits::client_address;
use crate::service::error::ServiceError;
use crate::service::sessions;
use crate::state::AppState;

#[derive(Deserialize)]
struct SignIn {
    token: String,
    csrf: String,
}

#[derive(Deserialize)]
struct SignOut {
    csrf: String,
}

/// The sign-in form, with a CSRF token paired with a cookie of its own.
pub async fn form(state: Data<AppState>) -> Result<HttpResponse, DeskError> {
    let csrf = nonce().map_err(ServiceError::internal)?;
    Ok(with_sign_in_cookie(
        signing_in(StatusCode::OK, &csrf, None),
        &state,
        &csrf,
    ))
}

fn with_sign_in_cookie(mut response: HttpResponse, state: &AppState, csrf: &str) -> HttpResponse {
    let value = set_cookie(SIGN_IN_COOKIE, csrf, "/desk/sign-in", 3600, secure(state));
    if let Ok(value) = header::HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn signing_in(status: StatusCode, csrf: &str, problem: Option<&str>) -> HttpResponse {
    layout::bare(
        status,
        "登录",
        html! {
            @if let Some(problem) = problem {
                p.problem role="alert" { (problem) }
            }
            form.sign-in method="post" action="/desk/sign-in" {
                input type="hidden" name="csrf" value=(csrf);
                label for="token" { "访问令牌（管理员或起草人员）" }
                input #token type="password" name="token" autocomplete="off" required autofocus;
                button type="submit" { "登录" }
            }
            p.hint { "令牌只用于这一次登录；浏览器此后只保存会话，不保存令牌。" }
        },
    )
}

/// Signs in: a working staff token begins a session, whose secret goes to a cookie.
pub async fn sign_in(
    state: Data<AppState>,
    request: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let input: SignIn = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    let paired = cookie(&request, SIGN_IN_COOKIE).is_some_and(|c| same(&c, &input.csrf));
    if !paired {
        return Err(DeskError::Forged);
    }
    let now = state.clock.now();
    let lifetime = state.config.desk_session;
    let token = input.token;
    let started = state
        .db
        .write(move |conn| sessions::start(conn, &token, lifetime, now))
        .await;
    match started {
        Ok(started) => {
            let value = set_cookie(
                SESSION_COOKIE,
                &started.secret,
                "/desk",
                lifetime.num_seconds(),
                secure(&state),
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/desk"))
                .insert_header((header::SET_COOKIE, value))
                .finish())
        }
        Err(ServiceError::Invalid(errors)) => {
            // Guessing tokens here is slowed down as it is at the API.
            if let Some(address) = client_address(&request, &state.config.trusted_proxies)
                && state.limits.failed_authentication(address).is_err()
            {
                return Ok(HttpResponse::TooManyRequests()
                    .content_type("text/plain; charset=utf-8")
                    .body("尝试次数过多，请稍后再试。"));
            }
            let message = errors
                .first()
                .map(|e| match e.code.as_str() {
                    "not_staff" => {
                        "这是各单位通过接口报送意见用的令牌；工作台只供本机关工作人员登录。"
                    }
                    _ => "令牌无效、已过期或已撤销。",
                })
                .unwrap_or("令牌无效。");
            let csrf = nonce().map_err(ServiceError::internal)?;
            Ok(with_sign_in_cookie(
                signing_in(StatusCode::UNAUTHORIZED, &csrf, Some(message)),
                &state,
                &csrf,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// Signs out: the session ends for every instance, and the cookie is cleared.
pub async fn sign_out(
    state: Data<AppState>,
    desk: AtDesk,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let input: SignOut = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&input.csrf)?;
    let now = state.clock.now();
    let session = desk.0;
    state
        .db
        .write(move |conn| sessions::end(conn, &session, now))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/desk/sign-in"))
        .insert_header((
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", "/desk", 0, secure(&state)),
        ))
        .finish())
}

/// Whether cookies are marked for TLS only: when the service is reached over TLS.
fn secure(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}
