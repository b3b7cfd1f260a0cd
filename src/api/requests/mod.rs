//! `/api/v1/requests`: comment requests, as each agency sees its own, and the replies to them.

pub mod attachments;
pub mod cancel;
pub mod comments;
pub mod download;
pub mod extend;
pub mod list;
pub mod no_comments;
pub mod replies;
pub mod revision;
pub mod show;
pub mod submit;
pub mod upload;
pub mod views;
pub mod withdraw;

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::Caller;
use crate::db::DbConnection;
use crate::db::round::{self, ReplyRow, RequestWithAgency, RoundRow};
use crate::domain::round::ReplySource;
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::replies::ReplyDetails;

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
        .ok_or_else(|| ApiError::from(ServiceError::internal("request of a missing round")))?;
    let replies = round::replies_of(conn, std::slice::from_ref(&entry.request.id))?;
    Ok((round, entry, replies))
}

/// A reply: who signs it and how to reach them, with files attached.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Who signs for the agency.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub signer: String,
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub contact_name: String,
    #[validate(length(min = 3, max = 40), custom(function = "not_blank"))]
    pub contact_phone: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// For a drafter entering the reply on the agency's behalf: how it came (`paper`, `email`,
    /// `fax`, `other`). Agencies leave it out.
    pub source: Option<ReplySource>,
    /// Ids of files uploaded to the request (`POST …/attachments`) to send with the reply, such
    /// as the stamped reply letter.
    #[serde(default)]
    #[validate(length(max = 10))]
    pub attachments: Vec<String>,
}

impl ReplyBody {
    /// The reply's details: an agency replies through the API; a drafter entering a reply for
    /// it says how the reply came, and is recorded as having entered it.
    pub fn details(self, caller: &Caller) -> Result<ReplyDetails, ApiError> {
        let (source, entered_by) = match (caller.role.is_staff(), self.source) {
            (false, None | Some(ReplySource::Api)) => (ReplySource::Api, None),
            (false, Some(_)) => {
                return Err(ApiError::from(ServiceError::field(
                    "source",
                    "agency_source",
                    "an agency's own reply comes through the API",
                )));
            }
            (true, Some(source)) if source != ReplySource::Api => {
                (source, Some(caller.name.clone()))
            }
            (true, _) => {
                return Err(ApiError::from(ServiceError::field(
                    "source",
                    "required",
                    "a reply entered for an agency says how it came: paper, email, fax or other",
                )));
            }
        };
        Ok(ReplyDetails {
            signer: self.signer,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            note: self.note,
            source,
            entered_by,
            attachments: self.attachments,
        })
    }
}
