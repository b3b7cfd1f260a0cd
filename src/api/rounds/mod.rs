//! `/api/v1/rounds`: consultation rounds, and the ledger of their comment requests.

pub mod close;
pub mod create;
pub mod follow_up;
pub mod invite;
pub mod ledger;
pub mod list;
pub mod open;
pub mod recount;
pub mod reopen;
pub mod show;
pub mod update;
pub mod views;

use crate::api::extract::Caller;
use crate::db::round::{self, RequestWithAgency, RoundRow};
use crate::db::{DbConnection, document};
use crate::error::ApiError;

/// Reminder hours: each 1 to 720 (thirty days).
pub fn validate_reminders(hours: &[u32]) -> Result<(), validator::ValidationError> {
    if hours.iter().all(|h| (1..=720).contains(h)) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("out_of_range")
            .with_message("each from 1 to 720 hours".into()))
    }
}

/// A round the caller may see, with its requests and the number of its version. Staff see
/// every round; an agency only rounds that sent it a request, cancelled or not (reading one
/// counts as viewing the request).
pub(crate) fn visible_round(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<(RoundRow, i32, Vec<RequestWithAgency>), ApiError> {
    let row = round::find_round(conn, id)?.ok_or(ApiError::NotFound)?;
    let requests = round::requests_of_round(conn, &row.id)?;
    if !caller.role.is_staff() {
        let own = requests.iter().any(|r| {
            Some(&r.request.agency_id) == caller.agency_id.as_ref() && r.request.issued_at.is_some()
        });
        if !own {
            return Err(ApiError::NotFound);
        }
    }
    let version = version_number(conn, &row)?;
    Ok((row, version, requests))
}

/// A round for a staff-only change, with the number of its version: its requests are read by
/// the change itself, under the round's lock.
pub(crate) fn staff_round(conn: &mut DbConnection, id: &str) -> Result<(RoundRow, i32), ApiError> {
    let row = round::find_round(conn, id)?.ok_or(ApiError::NotFound)?;
    let version = version_number(conn, &row)?;
    Ok((row, version))
}

/// The number of the version a round consults on.
fn version_number(conn: &mut DbConnection, row: &RoundRow) -> Result<i32, ApiError> {
    Ok(document::find_version_by_id(conn, &row.version_id)?
        .map(|v| v.number)
        .unwrap_or_default())
}
