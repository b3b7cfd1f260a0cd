//! `GET /api/v1/rounds/{id}/requests`

use std::collections::HashMap;

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{Ledger, LedgerCounts, RequestView};
use super::visible_round;
use crate::api::extract::{Caller, parse_query};
use crate::api::streaming::ExportFormat as ReportFormat;
use crate::db::receipt;
use crate::domain::ledger::{self, LedgerLine, LedgerReply};
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::service::round_facts::{current_reply, replies_by_request, zone};
use crate::state::AppState;
use crate::streaming::attachment;

/// Which form to send.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// `json` unless given; `csv` and `xlsx` are the ledger as the office files it.
    pub format: Option<ReportFormat>,
}

/// The ledger: every agency's request in the round with its state, effective deadline and last
/// activity, and the counts. As JSON, or as the office files it (征求意见情况登记表: who was
/// asked, under which reference, when, what they answered, by which means, late or not, with
/// times in the round's time zone) in CSV (UTF-8 with BOM, cells guarded against formulas) or
/// XLSX. Drafters and admins only: agencies see their own requests at `/api/v1/requests`.
#[utoipa::path(
    get,
    operation_id = "rounds_ledger",
    path = "/api/v1/rounds/{id}/requests",
    tag = "rounds",
    params(("id" = String, Path, description = "Round id"), LedgerQuery),
    responses(
        (status = 200, description = "The ledger", content(
            (Ledger = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 403, description = "Agency tokens may not read the ledger"),
        (status = 404, description = "No such round"),
        (status = 422, description = "Unknown format"),
    ),
    security(("bearer" = []))
)]
pub async fn ledger(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let format = parse_query::<LedgerQuery>(&request)?
        .format
        .unwrap_or_default();
    let id = id.into_inner();
    let now = state.clock.now();
    let (ledger, zone, comments) = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let (row, version, requests) = visible_round(conn, &caller, &id)?;
            let replies = replies_by_request(conn, &requests)?;
            // The comments of each request's standing reply, as its receipt counted them.
            let comments: HashMap<String, i64> = match format {
                ReportFormat::Json => HashMap::new(),
                ReportFormat::Csv | ReportFormat::Xlsx => {
                    let by_reply = receipt::comment_counts(conn, &row.id)?;
                    replies
                        .iter()
                        .filter_map(|(request, revisions)| {
                            let count = by_reply.get(&current_reply(revisions)?.id)?;
                            Some((request.clone(), i64::from(*count)))
                        })
                        .collect()
                }
            };
            let ledger = Ledger::new(&row, version, &requests, &replies, now);
            Ok((ledger, zone(&row), comments))
        })
        .await?;
    let (content_type, extension, body) = match format {
        ReportFormat::Json => return Ok(HttpResponse::Ok().json(ledger)),
        ReportFormat::Csv | ReportFormat::Xlsx => {
            let lines: Vec<LedgerLine> = ledger
                .requests
                .iter()
                .map(|view| line(view, &zone, comments.get(&view.id).copied()))
                .collect();
            let title = &ledger.round.title;
            let summary = summary(&ledger.counts);
            match format {
                ReportFormat::Xlsx => (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                    ledger::xlsx(title, &lines, &summary).map_err(ServiceError::internal)?,
                ),
                _ => (
                    "text/csv; charset=utf-8",
                    "csv",
                    ledger::csv(title, &lines, &summary).into_bytes(),
                ),
            }
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(attachment(
            &format!("ledger.{extension}"),
            &format!("征求意见情况登记表.{extension}"),
        ))
        .body(body))
}

/// The counts as the filed ledger words them.
fn summary(counts: &LedgerCounts) -> String {
    let mut text = format!(
        "共征求{}家单位意见，已反馈{}家（提出意见{}家，无意见{}家）",
        counts.invited, counts.replied, counts.with_comments, counts.no_comments
    );
    for (count, what) in [
        (counts.deemed_no_comments, "逾期视为无意见"),
        (counts.overdue, "逾期未答复"),
        (counts.cancelled, "撤销"),
    ] {
        if count > 0 {
            text.push_str(&format!("；{what}{count}家"));
        }
    }
    text.push('。');
    text
}

/// A request's line, its times as a clock in the round's zone shows them.
fn line(view: &RequestView, zone: &chrono_tz::Tz, comments: Option<i64>) -> LedgerLine {
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(zone).format("%Y-%m-%d %H:%M").to_string()
    };
    LedgerLine {
        agency_code: view.agency.code.clone(),
        agency_name: view.agency.name.clone(),
        reference: view.letter_reference.clone(),
        state: view.state,
        issued_at: view.issued_at.map(local),
        deadline: view.effective_deadline.map(local),
        extension_reason: view.extension_reason.clone(),
        viewed_at: view.viewed_at.map(local),
        reply: view.reply.as_ref().map(|reply| LedgerReply {
            kind: reply.kind,
            submitted_at: local(reply.submitted_at),
            source: reply.source,
            late: reply.late,
            signer: reply.signer.clone(),
            contact: format!("{} {}", reply.contact_name, reply.contact_phone),
            comments,
        }),
        revision: view.reply.as_ref().map_or(0, |reply| reply.revision),
        cancel_reason: view.cancel_reason.clone(),
    }
}
