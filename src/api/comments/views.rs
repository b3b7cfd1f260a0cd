//! What the API sends about comments.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::comment::{CommentRow, SubmittedRow};
use crate::domain::comment::{CommentKind, Quote};
use crate::service::queue::Heat;

pub(crate) fn quote(
    exact: &Option<String>,
    prefix: &Option<String>,
    suffix: &Option<String>,
    start: Option<i32>,
    end: Option<i32>,
) -> Option<Quote> {
    exact.as_ref().map(|exact| Quote {
        exact: exact.clone(),
        prefix: prefix.clone(),
        suffix: suffix.clone(),
        start: start.and_then(|s| usize::try_from(s).ok()),
        end: end.and_then(|e| usize::try_from(e).ok()),
    })
}

/// A comment in an agency's working copy.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: String,
    pub request_id: String,
    pub round_id: String,
    pub agency_id: String,
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub quote: Option<Quote>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
    /// The drafter who entered it for the agency.
    pub entered_by: Option<String>,
    /// The `ETag` of the comment.
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A view of a working or a submitted comment: both rows hold the same comment fields.
macro_rules! comment_view {
    ($row:expr, id: $id:expr, revision: $revision:expr, created: $created:expr, updated: $updated:expr) => {{
        let row = $row;
        CommentView {
            id: $id.clone(),
            request_id: row.request_id.clone(),
            round_id: row.round_id.clone(),
            agency_id: row.agency_id.clone(),
            kind: row.kind,
            clause_key: row.clause_key.clone(),
            quote: quote(
                &row.quote_exact,
                &row.quote_prefix,
                &row.quote_suffix,
                row.quote_start,
                row.quote_end,
            ),
            body: row.body.clone(),
            proposed_text: row.proposed_text.clone(),
            rationale: row.rationale.clone(),
            entered_by: row.entered_by.clone(),
            revision: $revision,
            created_at: $created.and_utc(),
            updated_at: $updated.and_utc(),
        }
    }};
}

impl From<&CommentRow> for CommentView {
    fn from(row: &CommentRow) -> Self {
        comment_view!(row, id: row.id, revision: row.revision, created: row.created_at, updated: row.updated_at)
    }
}

impl CommentView {
    /// A submitted comment as staff read it: `revision` is its content revision, and both
    /// times are when it was submitted.
    pub fn submitted(row: &SubmittedRow) -> Self {
        comment_view!(
            row,
            id: row.comment_id,
            revision: row.content_revision,
            created: row.submitted_at,
            updated: row.submitted_at
        )
    }
}

/// A comment as submitted with a reply revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedView {
    /// The comment's id, the same in every revision it was submitted with.
    pub id: String,
    pub reply_id: String,
    pub request_id: String,
    pub agency: AgencyBrief,
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub quote: Option<Quote>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
    pub entered_by: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// The same instant in the round's time zone, with its offset.
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at_local: DateTime<FixedOffset>,
    /// Submitted after the request's deadline.
    pub late: bool,
    /// The number of what the comment says (text, quote, clause, proposal): a resubmission
    /// that changes none of them keeps it. Decisions name the revision they answered.
    pub content_revision: i32,
}

/// The agency behind a comment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AgencyBrief {
    pub id: String,
    pub code: String,
    pub name: String,
}

impl SubmittedView {
    /// The view of a submitted comment of `agency`, its time also in the round's `zone`.
    pub fn new(row: &SubmittedRow, agency: AgencyBrief, zone: &chrono_tz::Tz) -> Self {
        SubmittedView {
            submitted_at_local: crate::domain::round::local(row.submitted_at.and_utc(), zone),
            id: row.comment_id.clone(),
            reply_id: row.reply_id.clone(),
            request_id: row.request_id.clone(),
            agency,
            kind: row.kind,
            clause_key: row.clause_key.clone(),
            quote: quote(
                &row.quote_exact,
                &row.quote_prefix,
                &row.quote_suffix,
                row.quote_start,
                row.quote_end,
            ),
            body: row.body.clone(),
            proposed_text: row.proposed_text.clone(),
            rationale: row.rationale.clone(),
            entered_by: row.entered_by.clone(),
            submitted_at: row.submitted_at.and_utc(),
            late: row.late,
            content_revision: row.content_revision,
        }
    }
}

/// A clause with the comments on it: the heat of the draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseHeat {
    pub key: String,
    pub number: String,
    pub heading: Option<String>,
    pub comment_count: usize,
    /// Codes of the agencies that commented on it.
    pub agencies: Vec<String>,
    /// Comments proposing wording.
    pub proposals: usize,
    /// Comments still to decide: with no decision, or one made before the comment changed.
    pub undecided_count: usize,
    /// Two or more agencies propose different wordings for this clause.
    pub conflicting_proposals: bool,
}

impl From<Heat> for ClauseHeat {
    fn from(heat: Heat) -> Self {
        ClauseHeat {
            key: heat.key,
            number: heat.number,
            heading: heat.heading,
            comment_count: heat.comments,
            agencies: heat.agencies,
            proposals: heat.proposals,
            undecided_count: heat.undecided,
            conflicting_proposals: heat.conflicting_proposals,
        }
    }
}
