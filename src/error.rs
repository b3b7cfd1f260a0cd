//! The one error type of the API and its policy.
//!
//! Every error leaves as RFC 9457 `application/problem+json` with a stable snake_case `code`:
//!
//! | what went wrong                                   | status | code                        |
//! |---------------------------------------------------|--------|-----------------------------|
//! | no token, unknown, revoked or expired token       | 401    | `unauthenticated`           |
//! | the role may not do this                          | 403    | `forbidden`                 |
//! | no such object, or another agency's object        | 404    | `not_found`                 |
//! | no such URL                                       | 404    | `no_such_route`             |
//! | the URL exists, the method does not              | 405    | `method_not_allowed`        |
//! | body is not JSON at all                           | 400    | `malformed_json`            |
//! | input fails validation (field by field)           | 422    | `validation_failed`         |
//! | a unique value is taken                           | 409    | e.g. `agency_code_taken`    |
//! | a workflow rule forbids it now                    | 409    | a code naming the rule      |
//!
//! The last two, and the idempotency key used for another request (422), are refusals: one
//! `domain::refusal::Refusal` each, so a code is a name the compiler knows.
//! | `If-Match` names an older revision                | 412    | `precondition_failed`       |
//! | a draft edit or publication without `If-Match`    | 428    | `precondition_required`     |
//! | body over the configured limit                    | 413    | `payload_too_large`         |
//! | body is not `application/json`                    | 415    | `unsupported_media_type`    |
//! | the database is out of reach                      | 503    | `service_unavailable`       |
//! | anything else                                     | 500    | `internal_error`            |
//!
//! The cause of a 500 or 503 is logged with the request id and never sent to the client.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Unavailable;
use crate::domain::refusal::{Answer, Refusal};
use crate::domain::revision::Refused;
pub use crate::service::error::FieldError;
use crate::service::error::ServiceError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("this token's role may not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("no such route")]
    NoSuchRoute,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    MalformedJson(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// A well-formed request the workflow turns down as things stand (409 or 422, by the
    /// refusal).
    #[error("{detail}")]
    Refused {
        refusal: Refusal,
        detail: Cow<'static, str>,
    },
    #[error("the object has changed since it was read: fetch it again and reapply the change")]
    PreconditionFailed,
    #[error("this change needs an If-Match header with the ETag of the revision it is based on")]
    PreconditionRequired,
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("the request body did not arrive within {seconds} seconds")]
    BodyTimeout { seconds: u64 },
    #[error("too many requests; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    #[error("the service cannot reach its database; try again shortly")]
    Unavailable(String),
    #[error("an internal error occurred")]
    Internal(String),
}

impl ApiError {
    /// The problem body this error is answered with.
    pub fn problem(&self) -> Problem {
        let code = self.code();
        Problem {
            problem_type: format!("urn:consult:problem:{code}"),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            code: code.to_owned(),
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::NoSuchRoute => "no_such_route",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Refused { refusal, .. } => refusal.code(),
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::BodyTimeout { .. } => "request_timeout",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "Authentication required",
            ApiError::Forbidden => "Forbidden",
            ApiError::NotFound | ApiError::NoSuchRoute => "Not found",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::MalformedJson(_) => "Malformed JSON",
            ApiError::Validation(_) => "Invalid input",
            ApiError::Refused { refusal, .. } => match refusal.answer() {
                Answer::Conflict => "Conflict",
                Answer::Unprocessable => "Unprocessable request",
            },
            ApiError::PreconditionFailed => "Precondition failed",
            ApiError::PreconditionRequired => "Precondition required",
            ApiError::PayloadTooLarge { .. } => "Payload too large",
            ApiError::UnsupportedMediaType => "Unsupported media type",
            ApiError::BodyTimeout { .. } => "Request timeout",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:consult:problem:` and the code.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine code; the same as the end of `type`.
    pub code: String,
    /// Field by field, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoSuchRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Refused { refusal, .. } => match refusal.answer() {
                Answer::Conflict => StatusCode::CONFLICT,
                Answer::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let status = self.status_code();
        let problem = self.problem();
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        match serde_json::to_vec(&problem) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Invalid(errors) => ApiError::Validation(errors),
            ServiceError::Refused { refusal, detail } => ApiError::Refused { refusal, detail },
            ServiceError::Stale => ApiError::PreconditionFailed,
            ServiceError::RevisionRequired => ApiError::PreconditionRequired,
            ServiceError::UnsupportedMediaType => ApiError::UnsupportedMediaType,
            ServiceError::Unavailable(cause) => ApiError::Unavailable(cause),
            ServiceError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// What storage and the revision checks fail with means the same to the API as to the workflow.
macro_rules! through_service_error {
    ($($from:ty),+) => {$(
        impl From<$from> for ApiError {
            fn from(error: $from) -> Self {
                ServiceError::from(error).into()
            }
        }
    )+};
}

through_service_error!(diesel::result::Error, Refused, Unavailable);

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten(&errors, "", &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(fields)
    }
}

/// Turns validator's nested errors into one list with JSON paths (`items[2].name`).
fn flatten(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    // A rule over a list names the bad item (see `domain::agency::at_index`).
                    let path = match error.params.get("index") {
                        Some(index) => format!("{path}[{index}]"),
                        None => path.clone(),
                    };
                    let message = error
                        .message
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| default_message(error));
                    out.push(FieldError::new(path, error.code.to_string(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn default_message(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            (None, None) => "invalid length".to_owned(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "out of range".to_owned(),
        },
        "email" => "must be a valid email address".to_owned(),
        code => format!("invalid ({code})"),
    }
}
