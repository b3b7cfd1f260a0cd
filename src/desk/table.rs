//! `GET /desk/rounds/{id}/table` (the adoption table, 意见采纳情况表, as a page) and
//! `GET /desk/rounds/{id}/table.{csv,xlsx}` (its downloads). All are written as the table is
//! read, a thousand comments at a time, by the same service that writes the API's.

use std::io::Write;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use maud::html;

use super::error::DeskError;
use super::layout;
use super::session::AtDesk;
use crate::domain::report::{TableFormat, TableHead, TableRow, TableSink, TableTail};
use crate::service::error::ServiceError;
use crate::service::reporting::{self, Reader};
use crate::state::AppState;
use crate::streaming;

/// The office's own reading: every comment and its internal details.
const OFFICE: Reader<'static> = Reader {
    agency_id: None,
    internals: true,
};

pub async fn page(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
) -> Result<HttpResponse, DeskError> {
    let round = found(&state, id.into_inner()).await?;
    let (top, bottom) = layout::split_page(
        "意见采纳情况表",
        &desk.0,
        html! {
            h1 { "意见采纳情况表" }
            p { a href={ "/desk/rounds/" (round.id) } { "← 返回本轮概况" } }
            p.downloads {
                a href={ "/desk/rounds/" (round.id) "/table.csv" } { "下载 CSV" }
                " "
                a href={ "/desk/rounds/" (round.id) "/table.xlsx" } { "下载 Excel" }
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
            reporting::write_table(conn, &round, OFFICE, now, &mut HtmlForm { out })?;
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
) -> Result<HttpResponse, DeskError> {
    download(state, desk, id, TableFormat::Csv).await
}

pub async fn xlsx(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
) -> Result<HttpResponse, DeskError> {
    download(state, desk, id, TableFormat::Xlsx).await
}

async fn download(
    state: Data<AppState>,
    _desk: AtDesk,
    id: Path<String>,
    format: TableFormat,
) -> Result<HttpResponse, DeskError> {
    let round = found(&state, id.into_inner()).await?;
    let now = state.clock.now();
    let stall = Duration::from_secs(state.config.stream_stall_seconds);
    let body = streaming::written(&state.db, stall, "the adoption table", move |conn, out| {
        reporting::write_form(conn, &round, OFFICE, now, format, out)
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

async fn found(state: &AppState, id: String) -> Result<crate::db::round::RoundRow, DeskError> {
    Ok(state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            crate::db::round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)
        })
        .await?)
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
