//! `GET /api/v1/requests/{id}/replies/{revision}/comments`

use std::collections::HashMap;

use actix_web::web::{Data, Json, Path};
use serde::Serialize;
use utoipa::ToSchema;

use super::visible_request;
use crate::api::comments::views::{AgencyBrief, SubmittedView};
use crate::api::extract::Caller;
use crate::db::comment;
use crate::error::ApiError;
use crate::state::AppState;

/// What changed since the revision before.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RevisionChanges {
    /// Comment ids new in this revision.
    pub added: Vec<String>,
    /// Comment ids in the revision before and not in this one.
    pub removed: Vec<String>,
    /// Comment ids in both, with other content.
    pub changed: Vec<String>,
}

/// The comments of one reply revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionComments {
    pub revision: i32,
    pub items: Vec<SubmittedView>,
    /// Against the previous revision; absent for the first.
    pub changes: Option<RevisionChanges>,
}

/// The comments as submitted with reply revision `revision`, and what changed since the one
/// before: every revision stays readable.
#[utoipa::path(
    get,
    operation_id = "requests_revision_comments",
    path = "/api/v1/requests/{id}/replies/{revision}/comments",
    tag = "comments",
    params(
        ("id" = String, Path, description = "Request id"),
        ("revision" = i32, Path, description = "Reply revision, from 1"),
    ),
    responses(
        (status = 200, description = "The revision's comments", body = RevisionComments),
        (status = 404, description = "No such request or revision, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn revision_comments(
    state: Data<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
) -> Result<Json<RevisionComments>, ApiError> {
    let (id, revision) = path.into_inner();
    let revision: i32 = revision.parse().map_err(|_| ApiError::NotFound)?;
    let result = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            let zone = crate::service::round_facts::zone(&round);
            let reply = replies
                .iter()
                .find(|r| r.revision == revision)
                .ok_or(ApiError::NotFound)?;
            let rows = comment::submitted_in(conn, std::slice::from_ref(&reply.id))?;
            let previous = replies
                .iter()
                .filter(|r| r.revision < revision)
                .max_by_key(|r| r.revision)
                .map(|r| comment::submitted_in(conn, std::slice::from_ref(&r.id)))
                .transpose()?;
            let changes = previous.map(|before| {
                let old: HashMap<&str, &comment::SubmittedRow> =
                    before.iter().map(|r| (r.comment_id.as_str(), r)).collect();
                let new: HashMap<&str, &comment::SubmittedRow> =
                    rows.iter().map(|r| (r.comment_id.as_str(), r)).collect();
                let same = |a: &comment::SubmittedRow, b: &comment::SubmittedRow| {
                    let content = |r: &comment::SubmittedRow| {
                        (
                            r.kind,
                            r.clause_key.clone(),
                            r.body.clone(),
                            r.proposed_text.clone(),
                            r.rationale.clone(),
                        )
                    };
                    let place = |r: &comment::SubmittedRow| {
                        (
                            r.quote_exact.clone(),
                            r.quote_prefix.clone(),
                            r.quote_suffix.clone(),
                            r.quote_start,
                            r.quote_end,
                        )
                    };
                    content(a) == content(b) && place(a) == place(b)
                };
                RevisionChanges {
                    added: rows
                        .iter()
                        .filter(|r| !old.contains_key(r.comment_id.as_str()))
                        .map(|r| r.comment_id.clone())
                        .collect(),
                    removed: before
                        .iter()
                        .filter(|r| !new.contains_key(r.comment_id.as_str()))
                        .map(|r| r.comment_id.clone())
                        .collect(),
                    changed: rows
                        .iter()
                        .filter(|r| old.get(r.comment_id.as_str()).is_some_and(|o| !same(o, r)))
                        .map(|r| r.comment_id.clone())
                        .collect(),
                }
            });
            let agency = AgencyBrief {
                id: entry.request.agency_id.clone(),
                code: entry.agency_code.clone(),
                name: entry.agency_name.clone(),
            };
            let items = rows
                .iter()
                .map(|r| SubmittedView::new(r, agency.clone(), &zone))
                .collect();
            Ok(RevisionComments {
                revision,
                items,
                changes,
            })
        })
        .await?;
    Ok(Json(result))
}
