//! `GET /desk/rounds/{id}/table` (the adoption table, 意见采纳情况表, as a page) and
//! `GET /desk/rounds/{id}/table.{csv,xlsx}` (its downloads). All are written as the table is
//! read, a thousand comments at a time, by the same service that writes the API's.

use std::io::Write;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{Data, Path, Query};
use maud::html;
use serde::Deserialize;

use super::error::DeskError;
use super::layout;
use super::session::AtDesk;
use crate::db::round::{self, RoundRow};
use crate::domain::report::{TableFormat, TableHead, TableRow, TableSink, TableTail};
use crate::service::error::ServiceError;
use crate::service::reporting::{self, Reader};
use crate::state::AppState;
use crate::streaming;

/// One agency's part of the table, when asked for.
#[derive(Deserialize)]
pub struct Part {
    #[serde(default)]
    agency: String,
}

pub async fn page(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    part: Query<Part>,
) -> Result<HttpResponse, DeskError> {
    let (round, agencies, agency) = found(&state, id.into_inner(), part.into_inner()).await?;
    let query = agency
        .as_ref()
        .map(|a| format!("?agency={a}"))
        .unwrap_or_default();
    let (top, bottom) = layout::split_page(
        "意见采纳情况表",
        &desk.0,
        html! {
            h1 { "意见采纳情况表" }
            p { a href={ "/desk/rounds/" (round.id) } { "← 返回本轮概况" } }
            form.filters method="get" {
                label { "单位 "
                    select name="agency" {
                        option value="" { "全部单位" }
                        @for (id, name) in &agencies {
                            option value=(id) selected[agency.as_deref() == Some(id.as_str())] { (name) }
                        }
                    }
                }
                button type="submit" { "查看" }
            }
            p.downloads {
                a href={ "/desk/rounds/" (round.id) "/table.csv" (query) } { "下载 CSV" }
                " "
                a href={ "/desk/rounds/" (round.id) "/table.xlsx" (query) } { "下载 Excel" }
            }
        },
    );
    let now = state.clock.now();
    let stall = Duration::from_secs(state.config.stream_stall_seconds);
    let body = streaming::written(
        &state.db,
        stall,
        "the adoption table page",
        move |conn, out| {
            out.write_all(top.as_bytes())
                .map_err(ServiceError::internal)?;
            let reader = office(agency.as_deref());
            reporting::write_table(conn, &round, reader, now, &mut HtmlForm { out })?;
            out.write_all(bottom.as_bytes())
                .map_err(ServiceError::internal)
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .streaming(body))
}

pub async fn csv(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    part: Query<Part>,
) -> Result<HttpResponse, DeskError> {
    download(state, desk, id, part, TableFormat::Csv).await
}

pub async fn xlsx(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    part: Query<Part>,
) -> Result<HttpResponse, DeskError> {
    download(state, desk, id, part, TableFormat::Xlsx).await
}

async fn download(
    state: Data<AppState>,
    _desk: AtDesk,
    id: Path<String>,
    part: Query<Part>,
    format: TableFormat,
) -> Result<HttpResponse, DeskError> {
    let (round, _, agency) = found(&state, id.into_inner(), part.into_inner()).await?;
    let now = state.clock.now();
    let stall = Duration::from_secs(state.config.stream_stall_seconds);
    let body = streaming::written(&state.db, stall, "the adoption table", move |conn, out| {
        reporting::write_form(conn, &round, office(agency.as_deref()), now, format, out)
    });
    let extension = format.extension();
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(streaming::attachment(
            &format!("adoption-table.{extension}"),
            &format!("意见采纳情况表.{extension}"),
        ))
        .streaming(body))
}

/// The round, its agencies (id and name), and the agency of the part asked for, if it is one
/// of them.
async fn found(
    state: &AppState,
    id: String,
    part: Part,
) -> Result<(RoundRow, Vec<(String, String)>, Option<String>), DeskError> {
    Ok(state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let row = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let agencies: Vec<(String, String)> =
                round::requests_of_rounds(conn, std::slice::from_ref(&row.id))?
                    .into_iter()
                    .map(|r| (r.request.agency_id, r.agency_name))
                    .collect();
            let agency = match part.agency.as_str() {
                "" => None,
                asked => Some(
                    agencies
                        .iter()
                        .find(|(id, _)| id == asked)
                        .map(|(id, _)| id.clone())
                        .ok_or(ServiceError::NotFound)?,
                ),
            };
            Ok((row, agencies, agency))
        })
        .await?)
}

/// The office's own reading, of the whole table or of one agency's part.
fn office(agency_id: Option<&str>) -> Reader<'_> {
    Reader {
        agency_id,
        internals: true,
    }
}

/// The table as the rows of an HTML table.
struct HtmlForm<'a> {
    out: &'a mut dyn Write,
}

impl TableSink for HtmlForm<'_> {
    fn head(&mut self, head: &TableHead) -> std::io::Result<()> {
        let markup = html! {
            p.facts {
                span { (head.document_title) }
                span { "第" (head.version) "版" }
                @if let Some(next) = head.next_version { span { "对照第" (next) "版" } }
                @if head.decisions_published_at.is_some() { span { "已发布" } } @else { span { "未发布（工作稿）" } }
            }
        };
        write!(
            self.out,
            "{}<table class=\"adoption\"><thead><tr><th>序号</th><th>单位</th><th>条款</th>\
             <th>意见</th><th>修改建议</th><th>采纳情况</th><th>理由</th></tr></thead><tbody>",
            markup.into_string()
        )
    }

    fn row(&mut self, row: &TableRow) -> std::io::Result<()> {
        let markup = html! {
            tr {
                td.number { (row.number) }
                td { @for (i, c) in row.comments.iter().enumerate() {
                    @if i > 0 { br; } (c.agency.name)
                } }
                td { (row.clause_label.clone().unwrap_or_else(|| "总体".to_owned())) }
                td {
                    @if let Some(group) = &row.group { strong { (group.title) } br; }
                    @for (i, c) in row.comments.iter().enumerate() {
                        @if i > 0 { br; } (c.body)
                    }
                }
                td { @for c in &row.comments {
                    @if let Some(proposed) = &c.proposed_text { (proposed) br; }
                } }
                td { (row.outcome.map_or("未决定", |o| o.label_zh())) }
                td { (row.reason.clone().unwrap_or_default()) }
            }
        };
        self.out.write_all(markup.into_string().as_bytes())
    }

    fn tail(&mut self, tail: &TableTail) -> std::io::Result<()> {
        let names = |agencies: &[crate::domain::report::TableAgency]| {
            agencies
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join("、")
        };
        let markup = html! {
            @if !tail.no_comments.is_empty() { p { "无意见：" (names(&tail.no_comments)) } }
            @if !tail.deemed_no_comments.is_empty() { p { "逾期视为无意见：" (names(&tail.deemed_no_comments)) } }
            @if !tail.no_reply.is_empty() { p { "未答复：" (names(&tail.no_reply)) } }
            table.totals {
                thead { tr { th { "采纳情况" } th { "意见条数" } } }
                tbody { @for total in &tail.totals.by_outcome {
                    tr {
                        td { (total.outcome.map_or("未决定", |o| o.label_zh())) }
                        td.number { (total.comments) }
                    }
                } }
            }
        };
        write!(self.out, "</tbody></table>{}", markup.into_string())
    }
}
