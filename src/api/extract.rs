//! What handlers take from a request: the authenticated caller, a validated JSON body, a page.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use validator::Validate;

use crate::db::audit::Actor;
use crate::db::token;
use crate::domain::revision::Precondition;
use crate::domain::role::Role;
use crate::domain::round::{BothGiven, Due};
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// The id given to each request, in its log line, its `X-Request-Id` header and the audit log.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The bearer token in the `Authorization` header, if any.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The authenticated caller: a usable token and what it may do.
#[derive(Clone, Debug)]
pub struct Caller {
    pub token_id: String,
    pub name: String,
    pub role: Role,
    /// The agency an `agency` token answers for.
    pub agency_id: Option<String>,
    /// The person a staff token belongs to.
    pub person_id: Option<String>,
    request_id: Option<String>,
}

impl Caller {
    /// Refuses callers who do not work for the drafting office.
    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.role.is_staff() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Refuses callers who are not administrators.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether the caller may see the data of `agency_id`: staff see all, an agency itself.
    pub fn can_see_agency(&self, agency_id: &str) -> bool {
        self.role.is_staff() || self.agency_id.as_deref() == Some(agency_id)
    }

    /// The caller as the audit log records it.
    pub fn actor(&self) -> Actor {
        Actor {
            token_id: Some(self.token_id.clone()),
            name: self.name.clone(),
            role: self.role.as_str().to_owned(),
            request_id: self.request_id.clone(),
        }
    }
}

/// What authenticating a request needs, taken from it without holding on to it.
pub struct Credentials {
    hash: Option<String>,
    state: Option<Data<AppState>>,
    request_id: Option<String>,
}

impl Credentials {
    /// Reads the bearer token (as its hash), the state and the request id.
    pub fn of(request: &HttpRequest) -> Self {
        Credentials {
            hash: bearer_token(request).map(crate::domain::token::hash),
            state: request.app_data::<Data<AppState>>().cloned(),
            request_id: request.extensions().get::<RequestId>().map(|r| r.0.clone()),
        }
    }

    /// The caller, if the token is usable now.
    pub async fn authenticate(self) -> Result<Caller, ApiError> {
        let (Some(hash), Some(state)) = (self.hash, self.state) else {
            return Err(ApiError::Unauthenticated);
        };
        let now = state.clock.now().naive_utc();
        let (row, person_name) = state
            .db
            .read(move |conn| token::find_usable(conn, &hash, now).map_err(ApiError::from))
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Caller {
            token_id: row.id,
            // What the office's record calls a person is their name, whichever token they use.
            name: person_name.unwrap_or(row.name),
            role: row.role,
            agency_id: row.agency_id,
            person_id: row.person_id,
            request_id: self.request_id,
        })
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { caller_of(&request).await })
    }
}

/// What authenticating a request found: the caller, or none for a token that is missing or
/// unusable.
#[derive(Clone)]
struct Authenticated(Option<Caller>);

/// The caller of `request`, its token looked up once per request: the first to ask (the rate
/// limit at the door) looks, and the middleware and handler after it reuse the answer, a
/// refusal included. A database that could not be reached is not remembered.
pub async fn caller_of(request: &HttpRequest) -> Result<Caller, ApiError> {
    let known = request.extensions().get::<Authenticated>().cloned();
    if let Some(Authenticated(found)) = known {
        return found.ok_or(ApiError::Unauthenticated);
    }
    let found = Credentials::of(request).authenticate().await;
    match &found {
        Ok(caller) => {
            request
                .extensions_mut()
                .insert(Authenticated(Some(caller.clone())));
        }
        Err(ApiError::Unauthenticated) => {
            request.extensions_mut().insert(Authenticated(None));
        }
        Err(_) => {}
    }
    found
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes.
pub async fn read_body<S, E>(
    request: &HttpRequest,
    payload: &mut S,
    limit: usize,
) -> Result<Bytes, ApiError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // A sender that stalls would hold a connection and a worker's attention for as long as it
    // likes; the whole body must arrive in time.
    let seconds = request
        .app_data::<Data<AppState>>()
        .map_or(crate::config::DEFAULT_BODY_SECONDS, |s| {
            s.config.body_timeout_seconds
        });
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::MalformedJson(format!("reading the body failed: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    actix_web::rt::time::timeout(Duration::from_secs(seconds), read)
        .await
        .unwrap_or(Err(ApiError::BodyTimeout { seconds }))
}

/// The JSON body, read up to the size limit when the request arrives but parsed and validated
/// only when the handler asks, after it has authorized the caller: a stranger learns nothing
/// from validation errors, and 401 and 403 come before 415 and 422.
#[derive(Debug)]
pub struct JsonBody(Result<Bytes, ApiError>);

impl JsonBody {
    /// Whether the body is a JSON object with this top-level key (for endpoints that take one
    /// item or a batch).
    pub fn has_key(&self, key: &str) -> bool {
        self.0.as_ref().is_ok_and(|bytes| {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .is_ok_and(|value| value.get(key).is_some())
        })
    }

    /// Parses with unknown fields refused, then validates; a bad field is named by its path.
    pub fn parse<T: DeserializeOwned + Validate>(self) -> Result<T, ApiError> {
        let body = self.0?;
        // Every body is an object: serde reads an array into a struct field by field, so a
        // PATCH of `["新名"]` would change whatever field comes first.
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::from(ServiceError::field(
                "body",
                "not_an_object",
                "the body must be a JSON object, not an array",
            )));
        }
        let value = parse_json::<T>(&body)?;
        value.validate()?;
        Ok(value)
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<JsonBody, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            // JSON, in UTF-8: a body declared in another charset would be read as what it is not.
            let is_json = request.mime_type().ok().flatten().is_some_and(|m| {
                (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
                    && m.get_param("charset")
                        .is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"))
            });
            if !is_json {
                return Ok(JsonBody(Err(ApiError::UnsupportedMediaType)));
            }
            let limit = request
                .app_data::<Data<AppState>>()
                .map_or(crate::state::DEFAULT_MAX_BODY_BYTES, |s| {
                    s.config.max_body_bytes
                });
            Ok(JsonBody(read_body(&request, &mut payload, limit).await))
        })
    }
}

/// Parses the query string as `T`, once the handler has authorized the caller; a bad value is
/// named by its parameter (`query.limit`).
pub fn parse_query<T: DeserializeOwned>(request: &HttpRequest) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(request.query_string().as_bytes());
    if let Some((name, _)) = pairs
        .clone()
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(nul_refused(format!("query.{}", name.replace('\0', ""))));
    }
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let named = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(|name| format!("query.{name}"))
        };
        let field = named("unknown field `")
            .or_else(|| named("missing field `"))
            .or_else(|| named("duplicate field `"))
            .unwrap_or_else(|| {
                if path == "." {
                    "query".to_owned()
                } else {
                    format!("query.{path}")
                }
            });
        ApiError::from(ServiceError::field(field, "invalid_query", message))
    })
}

/// A time as a client sends it: RFC 3339 with its UTC offset (`2026-12-10T18:00:00+08:00`), so
/// that a deadline never depends on where the server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[schema(value_type = String, format = DateTime, example = "2026-12-10T18:00:00+08:00")]
pub struct ClientTime(pub DateTime<FixedOffset>);

impl ClientTime {
    /// The same instant in `zone`.
    pub fn with_timezone<Z: TimeZone>(&self, zone: &Z) -> DateTime<Z> {
        self.0.with_timezone(zone)
    }
}

impl<'de> Deserialize<'de> for ClientTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(text.trim())
            .map(ClientTime)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "expected a time with its UTC offset, such as 2026-12-10T18:00:00+08:00 (RFC 3339), not {text:?}"
                ))
            })
    }
}

/// The deadline a body gives: `deadline` (an instant with its offset) or `working_days`, never
/// both; `None` when it gives neither.
pub fn due_of(
    deadline: Option<ClientTime>,
    working_days: Option<u32>,
) -> Result<Option<Due>, ApiError> {
    Due::either(deadline.map(|d| d.with_timezone(&Utc)), working_days).map_err(|BothGiven| one_of())
}

/// The deadline a body must give: `deadline` or `working_days`.
pub fn required_due(
    deadline: Option<ClientTime>,
    working_days: Option<u32>,
) -> Result<Due, ApiError> {
    due_of(deadline, working_days)?.ok_or_else(one_of)
}

fn one_of() -> ApiError {
    ApiError::from(ServiceError::field(
        "deadline",
        "one_of",
        "give either deadline or working_days",
    ))
}

/// The `If-Match` header, checked against the current revision before a change.
#[derive(Debug)]
pub struct IfMatch(pub Precondition);

impl IfMatch {
    /// Refuses the change with 412 when the header names another revision than `current` (or
    /// cannot be read). Without the header the change applies to whatever is current.
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        Ok(self.0.check(current)?)
    }

    /// Whether the request named a revision (`*` names none).
    pub fn names_a_revision(&self) -> bool {
        self.0.names_a_revision()
    }

    /// Like `check`, but the header must be there: for changes that must never overwrite
    /// another's work unseen.
    pub fn require(&self, current: &str) -> Result<(), ApiError> {
        Ok(self.0.require(current)?)
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<IfMatch, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let precondition = match request.headers().get(header::IF_MATCH) {
            None => Precondition::None,
            Some(value) => value.to_str().map_or(Precondition::Unreadable, |tags| {
                Precondition::Tags(tags.to_owned())
            }),
        };
        std::future::ready(Ok(IfMatch(precondition)))
    }
}

/// For PATCH fields: absent means "leave as is", and `null` is refused rather than read as
/// absent. Use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

pub use crate::domain::revision::etag;

/// Parses `body` as `T`: broken JSON is a 400, JSON of the wrong shape a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if has_escaped_nul(body) {
        if let Some(field) = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| nul_path(&value, ""))
        {
            return Err(nul_refused(field));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let (field, code, message) = describe(&path, &inner);
            ApiError::from(ServiceError::field(field, code, message))
        } else if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
            // Valid JSON that serde reads as broken: a null where one of a list of names goes.
            ApiError::from(ServiceError::field(
                path,
                "invalid_value",
                "not a value this field takes (null is not one: leave the field out to keep it)",
            ))
        } else {
            ApiError::MalformedJson(format!("the body is not valid JSON: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::MalformedJson(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Whether a JSON text holds an escaped NUL (`\u0000`); a raw one is refused by the parser.
/// PostgreSQL cannot store NUL in text and SQLite would keep it, so it is refused on both.
fn has_escaped_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(&b"0000"[..]) {
                return true;
            }
            // An escape is two characters at least: `\\u0000` is a backslash, then text.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The path (`items[2].body`) of the first string or key in `value` with a NUL in it.
fn nul_path(value: &serde_json::Value, at: &str) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then(|| at.to_owned()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, &format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains('\0') {
                Some(path.replace('\0', ""))
            } else {
                nul_path(item, &path)
            }
        }),
        _ => None,
    }
}

fn nul_refused(field: String) -> ApiError {
    ApiError::from(ServiceError::field(
        field,
        "nul_character",
        "text must not contain the NUL character (U+0000)",
    ))
}

/// Refuses a request whose path holds an encoded NUL (`%00`) before any handler reads it.
pub async fn refuse_nul_in_path(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    if request.path().to_ascii_lowercase().contains("%00") {
        let refused = actix_web::ResponseError::error_response(&nul_refused("path".to_owned()));
        return Ok(request.into_response(refused).map_into_right_body());
    }
    next.call(request).await.map(|r| r.map_into_left_body())
}

/// Names the field a shape error is about. serde reports a missing field at the path of the
/// object holding it, with the name only in the message; an unknown one at its own path.
fn describe(path: &str, error: &serde_json::Error) -> (String, &'static str, String) {
    let mut message = error.to_string();
    // " at line 1 column 42" means nothing to a client sending a generated body.
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() || parent == name {
            name.to_owned()
        } else if parent.ends_with(&format!(".{name}")) {
            parent.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(|name| name.to_owned())
    };
    if let Some(name) = named("missing field `") {
        (join(&name), "required", "this field is required".to_owned())
    } else if let Some(name) = named("unknown field `") {
        (join(&name), "unknown_field", message)
    } else {
        (parent.to_owned(), "invalid_value", message)
    }
}
