//! `/api/v1/requests`: comment requests, as each agency sees its own, and the replies to them.

pub mod attachments;
pub mod cancel;
pub mod download;
pub mod extend;
pub mod list;
pub mod no_comments;
pub mod replies;
pub mod show;
pub mod upload;
pub mod views;
pub mod withdraw;

use crate::api::extract::Caller;
use crate::db::DbConnection;
use crate::db::round::{self, ReplyRow, RequestWithAgency, RoundRow};
use crate::error::ApiError;

/// A request the caller may see, with its round and reply revisions. Staff see every request;
/// an agency only its own issued ones (another's is not found).
fn visible_request(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<(RoundRow, RequestWithAgency, Vec<ReplyRow>), ApiError> {
    let entry = round::request_with_agency(conn, id)?.ok_or(ApiError::NotFound)?;
    if !caller.role.is_staff()
        && (caller.agency_id.as_ref() != Some(&entry.request.agency_id)
            || entry.request.issued_at.is_none())
    {
        return Err(ApiError::NotFound);
    }
    let round = round::find_round(conn, &entry.request.round_id)?
        .ok_or_else(|| ApiError::internal("request of a missing round"))?;
    let replies = round::replies_of(conn, std::slice::from_ref(&entry.request.id))?;
    Ok((round, entry, replies))
}
