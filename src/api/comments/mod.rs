//! `/api/v1/rounds/{id}/comments` and `/api/v1/comments`: agencies' comments, and the
//! drafters' queue of submitted ones.

pub mod clauses;
pub mod create;
pub mod delete;
pub mod queue;
pub mod show;
pub mod update;
pub mod views;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::Caller;
use crate::db::DbConnection;
use crate::db::comment::{self, CommentRow};
use crate::db::round::{self, RequestRow, RoundRow};
use crate::domain::comment::{CommentKind, Quote};
use crate::error::ApiError;
use crate::service::commenting::CommentInput;

/// A comment as written.
#[derive(Clone, Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    pub kind: CommentKind,
    /// The clause of the round's version; required unless `kind` is `general`.
    #[validate(length(min = 1, max = 40))]
    pub clause_key: Option<String>,
    /// The passage of the clause the comment is about.
    pub quote: Option<Quote>,
    /// The comment itself, up to 10,000 characters.
    pub body: String,
    /// The wording the agency proposes.
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
}

impl From<CommentBody> for CommentInput {
    fn from(body: CommentBody) -> Self {
        CommentInput {
            kind: body.kind,
            clause_key: body.clause_key,
            quote: body.quote,
            body: body.body,
            proposed_text: body.proposed_text,
            rationale: body.rationale,
        }
    }
}

/// A working comment the caller may change, with its round and request: an agency its own,
/// staff any (another agency's is not found).
fn own_comment(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<(CommentRow, RoundRow, RequestRow), ApiError> {
    let row = comment::find(conn, id)?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(ApiError::NotFound)?;
    // An agency's draft is its own until it submits: drafters reach only the comments they
    // entered for an agency themselves.
    let allowed = if caller.role.is_staff() {
        row.entered_by.is_some()
    } else {
        caller.agency_id.as_ref() == Some(&row.agency_id)
    };
    if !allowed {
        return Err(ApiError::NotFound);
    }
    let request = round::find_request(conn, &row.request_id)?.ok_or(ApiError::NotFound)?;
    let round = round::find_round(conn, &row.round_id)?.ok_or(ApiError::NotFound)?;
    Ok((row, round, request))
}
