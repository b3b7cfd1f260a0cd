//! `GET /desk` (the rounds) and `GET /desk/rounds/{id}` (one round at a glance: its ledger and
//! its draft's clauses with what stands on each).

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use maud::{Markup, html};

use super::error::DeskError;
use super::layout::{self, local};
use super::session::AtDesk;
use crate::db::round::RequestRow;
use crate::db::{document, round};
use crate::domain::ledger::state_name;
use crate::domain::round::RoundState;
use crate::service::error::ServiceError;
use crate::service::letters::{self, Messages};
use crate::service::queue;
use crate::service::round_facts::{
    effective_deadline, letter_reference, replies_by_request, round_state_of, state_of, zone,
};
use crate::state::AppState;

fn round_state_name(state: RoundState) -> &'static str {
    match state {
        RoundState::Draft => "准备中",
        RoundState::Open => "征求中",
        RoundState::Closed => "已截止",
    }
}

/// Every round, newest first.
pub async fn list(state: Data<AppState>, desk: AtDesk) -> Result<HttpResponse, DeskError> {
    let now = state.clock.now();
    let rounds = state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let rows = round::list_rounds(conn, None)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut requests: HashMap<String, Vec<RequestRow>> = HashMap::new();
            for entry in round::requests_of_rounds(conn, &ids)? {
                requests
                    .entry(entry.request.round_id.clone())
                    .or_default()
                    .push(entry.request);
            }
            Ok(rows
                .into_iter()
                .map(|row| {
                    let mine = requests.get(&row.id).map_or(&[][..], Vec::as_slice);
                    let state = round_state_of(&row, mine, now);
                    let asked = mine.len();
                    (row, state, asked)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(layout::page(
        "轮次",
        &desk.0,
        html! {
            h1 { "征求意见轮次" }
            table.rounds {
                thead { tr { th { "轮次" } th { "状态" } th { "截止时间" } th { "征求单位" } } }
                tbody {
                    @for (row, state, requests) in &rounds {
                        tr {
                            td { a href={ "/desk/rounds/" (row.id) } { (row.title) } }
                            td { (round_state_name(*state)) }
                            td { @if let Some(at) = row.deadline { (local(at, &zone(row))) } }
                            td.number { (requests) }
                        }
                    }
                }
            }
        },
    ))
}

/// One round: who was asked and where each stands, and the draft's clauses with their comments.
pub async fn show(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
) -> Result<HttpResponse, DeskError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let (row, label, requests, replies, heat, written) = state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let row = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let version = document::find_version_by_id(conn, &row.version_id)?
                .map(|v| format!("第{}版 {}", v.number, v.label))
                .unwrap_or_default();
            let requests = round::requests_of_rounds(conn, std::slice::from_ref(&row.id))?;
            let replies = replies_by_request(conn, &requests)?;
            let heat = queue::heat(conn, &row.id)?;
            let written = letters::correspondence(conn, &row.id)?;
            Ok((row, version, requests, replies, heat, written))
        })
        .await?;
    let zone = zone(&row);
    let plain: Vec<_> = requests.iter().map(|r| r.request.clone()).collect();
    let round_state = round_state_of(&row, &plain, now);
    Ok(layout::page(
        &row.title,
        &desk.0,
        html! {
            h1 { (row.title) }
            p.facts {
                span { (label) }
                span { (round_state_name(round_state)) }
                @if let Some(at) = row.deadline { span { "截止 " (local(at, &zone)) } }
                span { "时区 " (row.time_zone) }
            }
            nav.actions {
                a href={ "/desk/rounds/" (row.id) "/draft" } { "逐条查看意见" }
                " "
                a href={ "/desk/rounds/" (row.id) "/draft?decided=false" } { "只看未决定的意见" }
                " "
                a href={ "/desk/rounds/" (row.id) "/next" } { "下一版草案" }
                " "
                a href={ "/desk/rounds/" (row.id) "/check" } { "发布前检查" }
                " "
                a href={ "/desk/rounds/" (row.id) "/table" } { "意见采纳情况表" }
            }
            section.ledger aria-labelledby="ledger" {
                h2 #ledger { "征求意见情况" }
                table {
                    thead { tr {
                        th { "单位" } th { "函号" } th { "状态" } th { "截止时间" }
                        th { "延期" } th { "函件" } th { "催办" } th { "最近动态" }
                    } }
                    tbody {
                        @for entry in &requests {
                            @let request = &entry.request;
                            @let revisions = replies.get(&request.id).map_or(&[][..], Vec::as_slice);
                            @let state = state_of(&row, request, revisions, now);
                            tr {
                                td { (entry.agency_name) }
                                td { (letter_reference(&row, request).unwrap_or_default()) }
                                td.state { (state_name(state)) }
                                td { @if let Some(at) = effective_deadline(&row, request) {
                                    (local(at.naive_utc(), &zone))
                                } }
                                td { (request.extension_reason.clone().unwrap_or_default()) }
                                @let mail = written.get(&request.agency_id).cloned().unwrap_or_default();
                                td.mail { (messages(&mail.letters, "已发", &zone)) }
                                td.mail {
                                    (messages(&mail.reminders, "已催办", &zone))
                                    @if mail.overdue_notices.sent > 0 {
                                        " " span { "已发逾期通知" }
                                    }
                                }
                                td { (local(request.last_activity_at, &zone)) }
                            }
                        }
                    }
                }
            }
            section.tree aria-labelledby="tree" {
                h2 #tree { "草案条文" }
                ol.clauses {
                    @for clause in &heat {
                        li {
                            a href={ "/desk/rounds/" (row.id) "/draft?clause=" (clause.key) } {
                                (layout::clause_label(&clause.number, clause.heading.as_deref(), &clause.text))
                            }
                            @if clause.comments > 0 {
                                " "
                                span.count { (clause.comments) " 条意见" }
                                @if clause.undecided > 0 {
                                    " "
                                    a.count.undecided href={ "/desk/rounds/" (row.id) "/draft?clause=" (clause.key) "&decided=false" } {
                                        (clause.undecided) " 条未决定"
                                    }
                                }
                                @if clause.proposals > 0 {
                                    " "
                                    span.count { (clause.proposals) " 条修改建议" }
                                }
                                @if clause.conflicting_proposals {
                                    " "
                                    span.conflict { "修改建议互相冲突" }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// How the messages of one kind to an agency stand: how many went out and when the last did,
/// and any still to go out or given up (which the office follows up by other means).
fn messages(mail: &Messages, sent: &str, zone: &chrono_tz::Tz) -> Markup {
    html! {
        @if mail.sent > 0 {
            span {
                (sent)
                @if mail.sent > 1 { " " (mail.sent) " 次" }
                @if let Some(at) = mail.last_sent_at { "，" (local(at, zone)) }
            }
        }
        @if mail.waiting > 0 { " " span { "待发送" } }
        @if mail.failed > 0 { " " span.failed { "发送失败 " (mail.failed) " 封" } }
    }
}
