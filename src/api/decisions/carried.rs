//! `GET /api/v1/rounds/{id}/carried`

use actix_web::web::{Data, Json, Path};
use serde::Serialize;
use utoipa::ToSchema;

use super::report::readable_table;
use crate::api::extract::Caller;
use crate::domain::carry::CarriedQuote;
use crate::domain::decision::Outcome;
use crate::domain::report::{ClauseFate, TableAgency};
use crate::error::ApiError;
use crate::service::reporting::{self, Reader};
use crate::state::AppState;

/// A comment carried to the next version.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarriedComment {
    pub comment_id: String,
    pub agency: TableAgency,
    /// The clause commented on; absent for general comments.
    pub clause_key: Option<String>,
    /// Its number and heading as commented, and in the next version.
    pub clause_label: Option<String>,
    pub clause_label_next: Option<String>,
    /// What the clause became: `unchanged`, `modified`, `moved` or `removed`, and whether it
    /// was renumbered.
    pub clause_fate: Option<ClauseFate>,
    /// The passage the comment quoted, as written.
    pub quote: Option<String>,
    /// Where it is in the next version: `exact`, `shifted`, `fuzzy` or `orphaned`.
    pub quote_carried: Option<CarriedQuote>,
    pub outcome: Option<Outcome>,
}

/// A round's comments carried to the next version.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarriedView {
    pub round_id: String,
    pub version: i32,
    /// Absent until the next version is prepared; then each comment has its clause's fate.
    pub next_version: Option<i32>,
    pub comments: Vec<CarriedComment>,
}

/// Each comment of the round with the state of its clause in the diff to the next version, and
/// its quote mapped through the character diff (fuzzy matching inside the clause only when the
/// passage itself was edited). Drafters and admins see every comment; an agency, once the
/// decisions are published, its own.
#[utoipa::path(
    get,
    operation_id = "decisions_carried",
    path = "/api/v1/rounds/{id}/carried",
    tag = "decisions",
    params(("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The comments, in clause order", body = CarriedView),
        (status = 404, description = "No such round, or not one that consulted the agency"),
        (status = 409, description = "An agency asked before the decisions were published (`decisions_not_published`)"),
    ),
    security(("bearer" = []))
)]
pub async fn carried(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<CarriedView>, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    // Read in chunks: one snapshot, so that a resubmission meanwhile is seen whole or not at all.
    let table = state
        .db
        .read_snapshot(move |conn| -> Result<_, ApiError> {
            let (row, agency) = readable_table(conn, &caller, &id, true)?;
            let reader = Reader {
                agency_id: agency.as_deref(),
                internals: false,
            };
            Ok(reporting::adoption_table(conn, &row, reader, now)?)
        })
        .await?;
    let mut comments = Vec::new();
    for row in table.rows {
        for comment in row.comments {
            // A group's members may be on other clauses than its first.
            let same_clause = comment.clause_key == row.clause_key;
            comments.push(CarriedComment {
                comment_id: comment.comment_id,
                agency: comment.agency,
                clause_label: row.clause_label.clone().filter(|_| same_clause),
                clause_label_next: row.clause_label_next.clone().filter(|_| same_clause),
                clause_fate: comment.clause_fate,
                clause_key: comment.clause_key,
                quote: comment.quote,
                quote_carried: comment.quote_carried,
                outcome: row.outcome,
            });
        }
    }
    Ok(Json(CarriedView {
        round_id: table.head.round_id,
        version: table.head.version,
        next_version: table.head.next_version,
        comments,
    }))
}
