//! `GET /desk/rounds/{id}/next`: the version after the one consulted on. Before there is one,
//! a form to write it, starting from the consulted text; while it is a draft, what changed and
//! a form to publish it; then, side by side, each clause that changed with the comments on it
//! and their decisions. `POST …/next` and `POST …/next/publish` write and publish it.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};
use maud::{Markup, html};
use serde::Deserialize;

use super::draft::difference_of;
use super::error::DeskError;
use super::layout;
use super::session::AtDesk;
use crate::db::comment::SubmittedRow;
use crate::db::decision::{self, DecisionRow};
use crate::db::document::{self, VersionRow};
use crate::db::round::{self, RoundRow};
use crate::domain::draft::Content;
use crate::domain::draft::diff::{ChangeKind, ClauseChange, ClauseSide};
use crate::domain::draft::render::draft_text;
use crate::service::decisions;
use crate::service::drafting;
use crate::service::error::ServiceError;
use crate::service::queue::{self, QueueQuery};
use crate::state::AppState;

/// Comments shown under each changed clause; the draft page has the rest.
const PER_CLAUSE: i64 = 20;

/// What the page shows.
struct Next {
    round: RoundRow,
    consulted: VersionRow,
    next: Option<VersionRow>,
    /// The consulted text, for writing the next version from.
    text: String,
    changes: Vec<ClauseChange>,
    comments: HashMap<String, Vec<SubmittedRow>>,
    decisions: HashMap<String, DecisionRow>,
    agencies: HashMap<String, (String, String)>,
}

pub async fn show(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
) -> Result<HttpResponse, DeskError> {
    let id = id.into_inner();
    let next = state
        .db
        .read(move |conn| -> Result<Next, ServiceError> {
            let round = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let consulted = document::find_version_by_id(conn, &round.version_id)?
                .ok_or(ServiceError::NotFound)?;
            let title = document::find_document(conn, &round.document_id)?
                .map(|d| d.title)
                .unwrap_or_default();
            let text = draft_text(&title, &document::clauses_of(conn, &consulted.id)?);
            let next = decisions::next_version(conn, &round)?;
            let changes: Vec<ClauseChange> = decisions::changes(conn, &round, next.as_ref())?
                .map(|d| d.changes)
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c.status != ChangeKind::Unchanged || c.renumbered)
                .collect();
            let (mut comments, mut agencies) = (HashMap::new(), HashMap::new());
            for change in &changes {
                if change.old.is_none() {
                    continue;
                }
                let asked = QueueQuery {
                    clause: Some(change.key.clone()),
                    ..QueueQuery::default()
                };
                let page = queue::page(conn, &round.id, asked, None, PER_CLAUSE)?;
                agencies.extend(page.agencies);
                comments.insert(change.key.clone(), page.rows);
            }
            let ids: Vec<String> = comments
                .values()
                .flatten()
                .map(|r| r.comment_id.clone())
                .collect();
            let decisions = decision::current_among(conn, &ids)?
                .into_iter()
                .map(|d| (d.subject_id.clone(), d))
                .collect();
            Ok(Next {
                round,
                consulted,
                next,
                text,
                changes,
                comments,
                decisions,
                agencies,
            })
        })
        .await?;
    Ok(layout::page(
        "下一版",
        &desk.0,
        render(&next, &desk.0.row.csrf),
    ))
}

fn render(next: &Next, csrf: &str) -> Markup {
    let round = &next.round;
    html! {
        h1 { "下一版草案" }
        p { a href={ "/desk/rounds/" (round.id) } { "← 返回本轮概况" } }
        @match &next.next {
            None => {
                p { "征求意见的是第" (next.consulted.number) "版（" (next.consulted.label) "）。在下面修改全文，保存为下一版草稿。" }
                form.version method="post" action={ "/desk/rounds/" (round.id) "/next" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="label" { "版本名称" }
                    input #label type="text" name="label" value="送审稿" required;
                    label for="text" { "全文（标题一行，其后每条以编号开头）" }
                    textarea #text name="text" rows="24" required { (next.text) }
                    button type="submit" { "保存为草稿" }
                }
            }
            Some(version) => {
                p.facts {
                    span { "第" (version.number) "版（" (version.label) "）" }
                    span { @if version.is_published() { "已发布" } @else { "草稿" } }
                }
                @if !version.is_published() {
                    form.publish-version method="post" action={ "/desk/rounds/" (round.id) "/next/publish" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="base" value=(version.revision);
                        label for="placeholder" { "仍有待填数值（**%）时发布的理由" }
                        input #placeholder type="text" name="placeholder_override";
                        button type="submit" { "发布这一版" }
                    }
                } @else {
                    p { a href={ "/desk/rounds/" (round.id) "/check" } { "对照这一版检查决定 →" } }
                }
                h2 { "修改的条文（" (next.changes.len()) "处）" }
                @for change in &next.changes {
                    (changed(next, change))
                }
            }
        }
    }
}

fn side(side: Option<&ClauseSide>) -> Markup {
    html! {
        @match side {
            Some(side) => {
                strong { (side.number) " " (side.heading.clone().unwrap_or_default()) }
                p { (side.text) }
            }
            None => { p.none { "（无）" } }
        }
    }
}

fn changed(next: &Next, change: &ClauseChange) -> Markup {
    let status = match change.status {
        ChangeKind::Added => "新增",
        ChangeKind::Removed => "删除",
        ChangeKind::Modified => "修改",
        ChangeKind::Moved => "移动",
        ChangeKind::Unchanged => "重新编号",
    };
    let comments = next
        .comments
        .get(&change.key)
        .map_or(&[][..], Vec::as_slice);
    html! {
        section.change id={ "k-" (change.key) } {
            h3 { (status) " " span.count { (change.key) } }
            div.sides {
                div.old { (side(change.old.as_ref())) }
                div.new {
                    @match (&change.old, &change.new) {
                        (Some(old), Some(new)) if old.text != new.text => {
                            strong { (new.number) " " (new.heading.clone().unwrap_or_default()) }
                            p { (difference_of(&old.text, &new.text)) }
                        }
                        _ => { (side(change.new.as_ref())) }
                    }
                }
            }
            @if let Some(note) = &change.note { p.note { "说明：" (note) } }
            @if !comments.is_empty() {
                ul.behind {
                    @for row in comments {
                        @let (_, agency) = next.agencies.get(&row.agency_id).cloned().unwrap_or_default();
                        li {
                            strong { (agency) } "：" (row.body)
                            " — "
                            @match next.decisions.get(&row.comment_id) {
                                Some(d) => span.outcome { (d.outcome.label_zh()) },
                                None => span.late { "未决定" },
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct NewVersion {
    csrf: String,
    label: String,
    text: String,
}

pub async fn create(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: NewVersion = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    let back = format!("/desk/rounds/{id}/next");
    state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let round = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            // The form was read when there was no next version; one written since is not
            // followed by another made from the old text.
            if decisions::next_version(conn, &round)?.is_some() {
                return Err(ServiceError::Stale);
            }
            // Browsers send a textarea's lines ending in CR LF.
            let text = form.text.replace("\r\n", "\n");
            drafting::add_version(
                conn,
                &actor,
                &round.document_id,
                form.label.trim(),
                Content::Text(text),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .finish())
}

#[derive(Deserialize)]
struct PublishVersion {
    csrf: String,
    base: i32,
    #[serde(default)]
    placeholder_override: String,
}

pub async fn publish(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: PublishVersion =
        serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    let back = format!("/desk/rounds/{id}/next");
    let reason = Some(form.placeholder_override).filter(|r| !r.trim().is_empty());
    state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let round = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let before = decisions::next_version(conn, &round)?.ok_or(ServiceError::NotFound)?;
            // What is published must be what the drafter last saw.
            if before.revision != form.base {
                return Err(ServiceError::Stale);
            }
            drafting::publish(conn, &actor, before, reason, now)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .finish())
}
