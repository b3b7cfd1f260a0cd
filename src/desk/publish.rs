//! `GET /desk/rounds/{id}/check` (the decisions checked against the next version, each finding
//! linked to what it is about) and `POST /desk/rounds/{id}/publish` (publishing them, once
//! confirmed).

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};
use maud::html;
use serde::Deserialize;

use super::error::DeskError;
use super::layout;
use super::session::AtDesk;
use crate::db::round;
use crate::domain::round::RoundState;
use crate::service::error::ServiceError;
use crate::service::round_facts::round_state_of;
use crate::service::{publication, rounds};
use crate::state::AppState;

pub async fn check(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
) -> Result<HttpResponse, DeskError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let (row, checked, open) = state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let row = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let checked = publication::check(conn, &row)?;
            let requests: Vec<_> = round::requests_of_rounds(conn, std::slice::from_ref(&row.id))?
                .into_iter()
                .map(|r| r.request)
                .collect();
            // Past its last deadline a round is closed, whether or not anyone closed it.
            let open = round_state_of(&row, &requests, now) == RoundState::Open;
            Ok((row, checked, open))
        })
        .await?;
    let draft = format!("/desk/rounds/{}/draft", row.id);
    Ok(layout::page(
        "发布前检查",
        &desk.0,
        html! {
            h1 { "发布前检查" }
            p { a href={ "/desk/rounds/" (row.id) } { "← 返回本轮概况" } }
            @match &checked.next {
                Some(next) => p { "对照第" (next.number) "版（" (next.label) "）检查每条决定。" },
                None => p.problem {
                    "还没有下一版草案："
                    a href={ "/desk/rounds/" (row.id) "/next" } { "先起草下一版" }
                    "，再对照检查。"
                },
            }
            @if checked.findings.is_empty() {
                p.ok { "没有发现问题。" }
            } @else {
                ol.findings {
                    @for finding in &checked.findings {
                        li {
                            span.code { (finding.code.label_zh()) } "：" (finding.detail)
                            @if let Some(key) = &finding.clause_key {
                                " " a href={ (draft) "?clause=" (key) } { "查看该条意见" }
                            }
                            @for comment in &finding.comment_ids {
                                " " a href={ (draft) "#c-" (comment) } { "查看意见" }
                            }
                        }
                    }
                }
            }
            @if open {
                form.close method="post" action={ "/desk/rounds/" (row.id) "/close" } {
                    input type="hidden" name="csrf" value=(desk.0.row.csrf);
                    input type="hidden" name="base" value=(row.revision);
                    p { "征求尚未截止；发布决定前先截止征求。" }
                    label for="reason" { "截止理由" }
                    input #reason type="text" name="reason" required;
                    button type="submit" { "截止征求" }
                }
            } @else if row.decisions_published_at.is_some() {
                p { "决定已发布。" a href={ "/desk/rounds/" (row.id) "/table" } { "查看意见采纳情况表" } }
            } @else {
                form.publish method="post" action={ "/desk/rounds/" (row.id) "/publish" } {
                    input type="hidden" name="csrf" value=(desk.0.row.csrf);
                    input type="hidden" name="base" value=(row.revision);
                    @if !checked.findings.is_empty() {
                        label for="override" { "仍要发布的理由（检查发现问题时必填）" }
                        textarea #override name="override_reason" rows="2" {}
                    }
                    label { input type="checkbox" name="confirm" value="yes" required; " 确认发布：发布后各单位即可看到对其意见的决定，决定不再更改。" }
                    button type="submit" { "发布决定" }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
struct CloseForm {
    csrf: String,
    base: i32,
    reason: String,
}

/// Closes the round before its deadline: no more replies, and the decisions can be published.
pub async fn close(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: CloseForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = desk.0.actor(None);
    let row = state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let before = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            if before.revision != form.base {
                return Err(ServiceError::Stale);
            }
            Ok(rounds::set_closed(conn, &actor, before, true, &form.reason, None, now)?.0)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/desk/rounds/{}/check", row.id)))
        .finish())
}

#[derive(Deserialize)]
struct PublishForm {
    csrf: String,
    base: i32,
    #[serde(default)]
    override_reason: String,
    #[serde(default)]
    confirm: String,
}

pub async fn publish(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: PublishForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    if form.confirm != "yes" {
        return Err(ServiceError::field("confirm", "required", "请勾选确认后再发布。").into());
    }
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = desk.0.actor(None);
    let reason = Some(form.override_reason).filter(|r| !r.trim().is_empty());
    let row = state
        .db
        .write(move |conn| {
            publication::publish_decisions(conn, &actor, &id, Some(form.base), reason, now)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/desk/rounds/{}/table", row.id)))
        .finish())
}
