//! `/api/v1/agencies`: the agencies a drafting office consults.

pub mod create;
pub mod list;
pub mod show;
pub mod update;
pub mod views;

use crate::error::ApiError;

/// Maps the unique violation on `agencies.code` (the only unique column a write can clash on)
/// to its own 409.
fn map_unique(error: diesel::result::Error, code: &str) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict(
            "agency_code_taken",
            format!("another agency already has the code {code:?}"),
        ),
        other => other.into(),
    }
}
