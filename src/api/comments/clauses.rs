//! `GET /api/v1/rounds/{id}/clauses`

use std::collections::{BTreeSet, HashMap};

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::queue::Standing;
use super::views::ClauseHeat;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Order, Page, PageQuery, ordinal_position, page_of};
use crate::db::{comment, round};
use crate::error::ApiError;
use crate::service::commenting::VersionClauses;
use crate::state::AppState;

/// Every clause of the round's version with the comments on it: how many, from which agencies,
/// and whether agencies propose different wordings for it. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "comments_clauses",
    path = "/api/v1/rounds/{id}/clauses",
    tag = "comments",
    params(("id" = String, Path, description = "Round id"), PageQuery),
    responses(
        (status = 200, description = "The clauses in document order", body = Page<ClauseHeat>),
        (status = 403, description = "Agency tokens may not read it"),
        (status = 404, description = "No such round"),
    ),
    security(("bearer" = []))
)]
pub async fn clauses(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<ClauseHeat>>, ApiError> {
    caller.require_staff()?;
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let heat = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let round_row = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            let standing = Standing::of(conn, &round_row.id)?;
            let clauses = VersionClauses::of(conn, &round_row)?;
            let mut by_clause: HashMap<String, Vec<comment::SubmittedRow>> = HashMap::new();
            for row in comment::submitted_in(conn, &standing.reply_ids)? {
                if let Some(key) = row.clause_key.clone() {
                    by_clause.entry(key).or_default().push(row);
                }
            }
            Ok(clauses
                .in_order()
                .into_iter()
                .map(|clause| {
                    let rows = by_clause.get(&clause.key).map_or(&[][..], Vec::as_slice);
                    let agencies: BTreeSet<String> =
                        rows.iter().map(|r| standing.view(r).agency.code).collect();
                    // Different wordings from different agencies: one agency's several
                    // proposals are its own business.
                    let wordings: BTreeSet<(&str, &str)> = rows
                        .iter()
                        .filter_map(|r| Some((r.proposed_text.as_deref()?, r.agency_id.as_str())))
                        .collect();
                    let distinct: BTreeSet<&str> = wordings.iter().map(|(w, _)| *w).collect();
                    let proposers: BTreeSet<&str> = wordings.iter().map(|(_, a)| *a).collect();
                    ClauseHeat {
                        key: clause.key.clone(),
                        number: clause.number.clone(),
                        heading: clause.heading.clone(),
                        comment_count: rows.len(),
                        agencies: agencies.into_iter().collect(),
                        proposals: rows.iter().filter(|r| r.proposed_text.is_some()).count(),
                        conflicting_proposals: distinct.len() > 1 && proposers.len() > 1,
                    }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    // Document order: a clause's place in the consulted version, which does not change.
    Ok(Json(page_of(
        heat.into_iter().enumerate().collect(),
        &page,
        Order::Ascending,
        |(n, _)| ordinal_position(*n as i64),
        |(_, clause)| clause,
    )?))
}
