//! `/api/v1/agencies`: the agencies a drafting office consults.

pub mod create;
pub mod list;
pub mod show;
pub mod update;
pub mod views;

use crate::error::ApiError;

/// The 409 for a code another agency has.
fn code_taken(code: &str) -> ApiError {
    ApiError::conflict(
        "agency_code_taken",
        format!("another agency already has the code {code:?}"),
    )
}

/// Maps the unique violation on `agencies.code` (a race the check before the insert missed).
fn map_unique(error: diesel::result::Error, code: &str) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => code_taken(code),
        other => other.into(),
    }
}
