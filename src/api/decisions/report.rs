//! `GET /api/v1/rounds/{id}/report`

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;

use crate::api::extract::{Caller, parse_query};
use crate::api::rounds::visible_round;
use crate::api::streaming::ExportFormat as ReportFormat;
use crate::db::DbConnection;
use crate::db::round::{self, RoundRow};
use crate::domain::refusal::Refusal;
use crate::domain::report::{AdoptionTable, TableFormat};
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::reporting::{self, Reader};
use crate::state::AppState;
use crate::streaming;

/// Which form to send.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` unless given.
    pub format: Option<ReportFormat>,
}

/// The round a caller may read the table of, and whose rows: staff every row at any time; an
/// agency, once the decisions are published, its own rows, or every row when the round shares
/// the table (`own_only` false).
pub fn readable_table(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    own_only: bool,
) -> Result<(RoundRow, Option<String>), ApiError> {
    if caller.role.is_staff() {
        let row = round::find_round(conn, id)?.ok_or(ApiError::NotFound)?;
        return Ok((row, None));
    }
    let (row, _, _) = visible_round(conn, caller, id)?;
    if row.decisions_published_at.is_none() {
        return Err(ApiError::from(ServiceError::refused(
            Refusal::DecisionsNotPublished,
            "the office has not published its decisions on this round's comments yet",
        )));
    }
    let agency = if row.share_report && !own_only {
        None
    } else {
        caller.agency_id.clone()
    };
    Ok((row, agency))
}

/// The adoption table (意见采纳情况表): each comment, or group decided once with its members,
/// with its agency, the clause as commented and as it reads in the next version, the proposed
/// wording, the decision and its reason; the agencies that replied 无意见, were deemed to, or did
/// not reply; totals by decision and by agency. As JSON, CSV (UTF-8 with BOM; cells that start
/// with `=`, `+`, `-` or `@` are prefixed with `'`) or XLSX. Drafters and admins read it at any
/// time (before publication it is their working copy); once the decisions are published each
/// agency reads its own rows, or the whole table when the round shares it.
#[utoipa::path(
    get,
    operation_id = "decisions_report",
    path = "/api/v1/rounds/{id}/report",
    tag = "decisions",
    params(("id" = String, Path, description = "Round id"), ReportQuery),
    responses(
        (status = 200, description = "The table", content(
            (AdoptionTable = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "No such round, or not one that consulted the agency"),
        (status = 409, description = "An agency asked before the decisions were published (`decisions_not_published`)"),
        (status = 422, description = "Unknown format"),
    ),
    security(("bearer" = []))
)]
pub async fn report(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let internals = caller.role.is_staff();
    let (row, agency) = state
        .db
        .read(move |conn| readable_table(conn, &caller, &id, false))
        .await?;
    let format = parse_query::<ReportQuery>(&request)?
        .format
        .unwrap_or_default();
    let stall = Duration::from_secs(state.config.stream_stall_seconds);
    let body = streaming::written(
        &state.db,
        stall,
        "the adoption table",
        move |conn, pieces| {
            let reader = Reader {
                agency_id: agency.as_deref(),
                internals,
            };
            reporting::write_form(conn, &row, reader, now, format.into(), pieces)
        },
    );
    let form = TableFormat::from(format);
    if form == TableFormat::Json {
        return Ok(HttpResponse::Ok()
            .content_type(form.content_type())
            .streaming(body));
    }
    let extension = form.extension();
    Ok(HttpResponse::Ok()
        .content_type(form.content_type())
        .insert_header(streaming::attachment(
            &format!("adoption-table.{extension}"),
            &format!("意见采纳情况表.{extension}"),
        ))
        .streaming(body))
}
