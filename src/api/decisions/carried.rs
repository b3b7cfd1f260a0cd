//! `GET /api/v1/rounds/{id}/carried`

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::Serialize;
use utoipa::ToSchema;

use super::report::readable_table;
use crate::api::extract::Caller;
use crate::domain::carry::CarriedQuote;
use crate::domain::decision::Outcome;
use crate::domain::report::{ClauseFate, TableAgency, TableHead, TableRow, TableSink, TableTail};
use crate::error::ApiError;
use crate::service::reporting::{self, Reader};
use crate::state::AppState;
use crate::streaming;

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
/// decisions are published, its own. Sent as it is read, in clause order, in one snapshot.
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
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let (row, agency) = state
        .db
        .read(move |conn| readable_table(conn, &caller, &id, true))
        .await?;
    let stall = Duration::from_secs(state.config.stream_stall_seconds);
    let body = streaming::written(
        &state.db,
        stall,
        "the carried comments",
        move |conn, pieces| {
            let reader = Reader {
                agency_id: agency.as_deref(),
                internals: false,
            };
            reporting::write_table(conn, &row, reader, now, &mut CarriedForm::new(pieces))
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(body))
}

/// The comments of the table as [`CarriedView`], written as its rows come.
struct CarriedForm<W> {
    out: W,
    written: usize,
}

impl<W: std::io::Write> CarriedForm<W> {
    fn new(out: W) -> Self {
        CarriedForm { out, written: 0 }
    }
}

/// The view's fields before its comments.
#[derive(Serialize)]
struct CarriedHead<'a> {
    round_id: &'a str,
    version: i32,
    next_version: Option<i32>,
}

impl<W: std::io::Write> TableSink for CarriedForm<W> {
    fn head(&mut self, head: &TableHead) -> std::io::Result<()> {
        let mut opening = serde_json::to_vec(&CarriedHead {
            round_id: &head.round_id,
            version: head.version,
            next_version: head.next_version,
        })?;
        // The object stays open for its comments.
        opening.pop();
        self.out.write_all(&opening)?;
        self.out.write_all(br#","comments":["#)
    }

    fn row(&mut self, row: &TableRow) -> std::io::Result<()> {
        for comment in &row.comments {
            // A group's members may be on other clauses than its first.
            let same_clause = comment.clause_key == row.clause_key;
            let carried = CarriedComment {
                comment_id: comment.comment_id.clone(),
                agency: comment.agency.clone(),
                clause_label: row.clause_label.clone().filter(|_| same_clause),
                clause_label_next: row.clause_label_next.clone().filter(|_| same_clause),
                clause_fate: comment.clause_fate,
                clause_key: comment.clause_key.clone(),
                quote: comment.quote.clone(),
                quote_carried: comment.quote_carried.clone(),
                outcome: row.outcome,
            };
            if self.written > 0 {
                self.out.write_all(b",")?;
            }
            self.written += 1;
            serde_json::to_writer(&mut self.out, &carried)?;
        }
        Ok(())
    }

    fn tail(&mut self, _tail: &TableTail) -> std::io::Result<()> {
        self.out.write_all(b"]}")?;
        self.out.flush()
    }
}
