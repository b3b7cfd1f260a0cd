//! How the workflow fails, before anyone decides how to show it: the API turns a failure into
//! problem details (`crate::error`), the command line into one line ([`ServiceError::describe`]).

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Unavailable;
use crate::domain::refusal::Refusal;
use crate::domain::revision::Refused;

/// One bad input field.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the value is: a JSON path into the body (`emails`, `items[2].name`), or
    /// `query.NAME` / `header.NAME`.
    pub field: String,
    /// A stable machine code for the rule it broke.
    pub code: String,
    /// The rule in words.
    pub message: String,
}

impl FieldError {
    /// A field error from its parts.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Everything an operation of the workflow can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such object, or not one the caller may see.
    #[error("not found")]
    NotFound,
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// Well-formed, but the workflow turns it down as things stand.
    #[error("{detail}")]
    Refused {
        refusal: Refusal,
        detail: Cow<'static, str>,
    },
    /// Changed since the revision the caller based the change on.
    #[error("the object has changed since it was read: fetch it again and reapply the change")]
    Stale,
    /// The change must name the revision it is based on, and did not.
    #[error("this change needs an If-Match header with the ETag of the revision it is based on")]
    RevisionRequired,
    /// A file of a type the service does not keep.
    #[error("the file's type is not one the service accepts")]
    UnsupportedMediaType,
    /// The database is out of reach for now.
    #[error("the service cannot reach its database; try again shortly")]
    Unavailable(String),
    /// Something that should not happen; the cause is for the log.
    #[error("an internal error occurred")]
    Internal(String),
}

impl ServiceError {
    /// A refusal, with the detail that explains it here.
    pub fn refused(refusal: Refusal, detail: impl Into<Cow<'static, str>>) -> Self {
        ServiceError::Refused {
            refusal,
            detail: detail.into(),
        }
    }

    /// One bad field.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// An unexpected failure.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ServiceError::Internal(cause.to_string())
    }

    /// The failure with its field errors, in one line for the command line.
    pub fn describe(&self) -> String {
        match self {
            ServiceError::Invalid(errors) => {
                let fields: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                format!("{}: {}", self, fields.join("; "))
            }
            ServiceError::Internal(cause) => format!("{self}: {cause}"),
            other => other.to_string(),
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            // Reaching here means the caller did not map the violation to its own refusal.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "unmapped unique violation");
                ServiceError::refused(
                    Refusal::AlreadyExists,
                    "an object with these values already exists",
                )
            }
            // Worth a retry: the connection dropped, a serializable transaction lost a race, or
            // SQLite's lock stayed taken past the busy timeout.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::SerializationFailure,
                info,
            ) => ServiceError::Unavailable(info.message().to_owned()),
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked") =>
            {
                ServiceError::Unavailable(info.message().to_owned())
            }
            // Missing rows are turned into `NotFound` where they are looked up (`.optional()`);
            // a NotFound that gets here is a query that should have found something.
            other => ServiceError::internal(other),
        }
    }
}

impl From<Refused> for ServiceError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Stale => ServiceError::Stale,
            Refused::Missing => ServiceError::RevisionRequired,
        }
    }
}

impl From<Unavailable> for ServiceError {
    fn from(error: Unavailable) -> Self {
        ServiceError::Unavailable(error.0)
    }
}
