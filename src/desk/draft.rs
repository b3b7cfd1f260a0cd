//! `GET /desk/rounds/{id}/draft`: the draft with its comments. Each clause on the page with its
//! text and every standing comment beside it: the passage it quotes marked in the clause, the
//! wording it proposes shown against the clause's as an inline difference, its decision and a
//! form to decide it. The comments come a page at a time from the drafters' queue, so a page
//! costs the same in a round of a hundred comments as in one of a million.

use std::collections::HashMap;

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::DeskError;
use super::layout::{self, local};
use super::session::AtDesk;
use crate::db::comment::SubmittedRow;
use crate::db::decision::{self, DecisionRow, GroupRow, NoteRow};
use crate::db::document;
use crate::db::person::{self, PersonRow};
use crate::db::round::{self, RoundRow};
use crate::domain::comment::CommentKind;
use crate::domain::decision::{DecisionState, Outcome};
use crate::domain::draft::Clause;
use crate::domain::draft::diff::{SegmentOp, inline};
use crate::service::decisions;
use crate::service::error::ServiceError;
use crate::service::queue::{self, Heat, QueueQuery};
use crate::state::AppState;

/// Comments on one page.
const PAGE: usize = 50;

/// The filters, as the form sends them; an empty field filters nothing.
#[derive(Deserialize)]
pub struct Filters {
    #[serde(default)]
    clause: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    decided: String,
    /// Where the page starts: after this clause place and comment (`ordinal.comment`).
    #[serde(default)]
    after: String,
}

impl Filters {
    fn query(&self) -> Result<QueueQuery, DeskError> {
        let given = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(QueueQuery {
            clause: given(&self.clause),
            agency: given(&self.agency),
            kind: match given(&self.kind) {
                Some(kind) => Some(CommentKind::parse(&kind).ok_or(DeskError::NotFound)?),
                None => None,
            },
            decided: match self.decided.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            decision: match self.decided.as_str() {
                "" | "true" | "false" => None,
                state => Some(DecisionState::parse(state).ok_or(DeskError::NotFound)?),
            },
            ..QueueQuery::default()
        })
    }

    fn after(&self) -> Result<Option<(i32, String)>, DeskError> {
        if self.after.is_empty() {
            return Ok(None);
        }
        let (ordinal, id) = self.after.split_once('.').ok_or(DeskError::NotFound)?;
        Ok(Some((
            ordinal.parse().map_err(|_| DeskError::NotFound)?,
            id.to_owned(),
        )))
    }

    /// The query string of these filters, starting after `after`.
    fn link(&self, after: Option<&str>) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("clause", &self.clause)
            .append_pair("agency", &self.agency)
            .append_pair("kind", &self.kind)
            .append_pair("decided", &self.decided)
            .append_pair("after", after.unwrap_or_default())
            .finish()
    }
}

/// What a page shows.
struct Sheet {
    round: RoundRow,
    rows: Vec<SubmittedRow>,
    more: bool,
    agencies: HashMap<String, (String, String)>,
    /// The version's clauses in document order, with what stands on each.
    clauses: Vec<Heat>,
    /// The decision that applies to each comment: its own, or its group's.
    decisions: HashMap<String, DecisionRow>,
    grouped: HashMap<String, String>,
    /// The groups of the comments on the page, by id.
    groups: HashMap<String, GroupRow>,
    /// The office's notes on each comment, oldest first.
    notes: HashMap<String, Vec<NoteRow>>,
    /// Whom a comment can be given to: the people still in the office, by name.
    people: Vec<PersonRow>,
    /// The next version's clauses, once there is one: what an adoption is linked to.
    next_clauses: Option<Vec<Clause>>,
    zone: chrono_tz::Tz,
}

pub async fn show(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, DeskError> {
    let filters: Filters =
        serde_urlencoded::from_str(request.query_string()).map_err(|_| DeskError::NotFound)?;
    let (asked, after) = (filters.query()?, filters.after()?);
    let id = id.into_inner();
    let now = state.clock.now();
    let sheet = state
        .db
        .read(move |conn| -> Result<Sheet, ServiceError> {
            let round = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let mut page = queue::page(conn, &id, asked, after, PAGE as i64 + 1)?;
            let more = page.rows.len() > PAGE;
            page.rows.truncate(PAGE);
            let ids: Vec<String> = page.rows.iter().map(|r| r.comment_id.clone()).collect();
            let grouped: HashMap<String, String> = decision::triage_among(conn, &ids)?
                .into_iter()
                .filter_map(|t| Some((t.comment_id, t.group_id?)))
                .collect();
            let group_ids: Vec<String> = grouped.values().cloned().collect();
            let groups = decision::groups_among(conn, &group_ids)?
                .into_iter()
                .map(|g| (g.id.clone(), g))
                .collect();
            let mut subjects = ids.clone();
            subjects.extend(group_ids);
            let current: HashMap<String, DecisionRow> = decision::current_among(conn, &subjects)?
                .into_iter()
                .map(|d| (d.subject_id.clone(), d))
                .collect();
            let decisions = ids
                .iter()
                .filter_map(|id| {
                    let subject = grouped.get(id).unwrap_or(id);
                    Some((id.clone(), current.get(subject)?.clone()))
                })
                .collect();
            let mut notes: HashMap<String, Vec<NoteRow>> = HashMap::new();
            for note in decision::notes_among(conn, &ids)? {
                notes.entry(note.comment_id.clone()).or_default().push(note);
            }
            let people = person::list(conn, now.naive_utc())?
                .into_iter()
                .map(|(p, _)| p)
                .filter(|p| p.retired_at.is_none())
                .collect();
            let clauses = queue::heat(conn, &round.id)?;
            let next_clauses = match decisions::next_version(conn, &round)? {
                Some(next) => Some(document::clauses_of(conn, &next.id)?),
                None => None,
            };
            Ok(Sheet {
                round,
                rows: page.rows,
                more,
                agencies: page.agencies,
                clauses,
                decisions,
                grouped,
                groups,
                notes,
                people,
                next_clauses,
                zone: page.zone,
            })
        })
        .await?;
    let back = format!(
        "/desk/rounds/{}/draft?{}",
        sheet.round.id,
        request.query_string()
    );
    Ok(layout::page(
        &format!("{} · 逐条意见", sheet.round.title),
        &desk.0,
        render(&sheet, &filters, &desk.0.row.csrf, &back),
    ))
}

fn kind_name(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::Amend => "修改",
        CommentKind::Delete => "删除",
        CommentKind::Add => "增加",
        CommentKind::General => "总体意见",
    }
}

fn render(sheet: &Sheet, filters: &Filters, csrf: &str, back: &str) -> Markup {
    let by_key: HashMap<&str, &Heat> = sheet.clauses.iter().map(|c| (c.key.as_str(), c)).collect();
    // Consecutive comments on one clause share its heading and text.
    let mut runs: Vec<(Option<&str>, Vec<&SubmittedRow>)> = Vec::new();
    for row in &sheet.rows {
        match runs.last_mut() {
            Some((key, rows)) if *key == row.clause_key.as_deref() => rows.push(row),
            _ => runs.push((row.clause_key.as_deref(), vec![row])),
        }
    }
    html! {
        h1 { (sheet.round.title) }
        p { a href={ "/desk/rounds/" (sheet.round.id) } { "← 返回本轮概况" } }
        form.filters method="get" role="search" {
            label { "条文 "
                select name="clause" {
                    option value="" { "全部" }
                    @for clause in &sheet.clauses {
                        option value=(clause.key) selected[filters.clause == clause.key] {
                            (layout::clause_label(&clause.number, clause.heading.as_deref(), &clause.text))
                        }
                    }
                }
            }
            label { "单位代码 " input type="text" name="agency" value=(filters.agency) size="10"; }
            label { "类型 "
                select name="kind" {
                    option value="" { "全部" }
                    @for kind in [CommentKind::Amend, CommentKind::Delete, CommentKind::Add, CommentKind::General] {
                        option value=(kind.as_str()) selected[filters.kind == kind.as_str()] { (kind_name(kind)) }
                    }
                }
            }
            label { "决定 "
                select name="decided" {
                    option value="" { "全部" }
                    option value="false" selected[filters.decided == "false"] { "未决定（含待复核）" }
                    option value="stale" selected[filters.decided == "stale"] { "待复核：决定后意见有修改" }
                    option value="true" selected[filters.decided == "true"] { "已决定" }
                    @for outcome in Outcome::ALL {
                        @let state = DecisionState::of(Some((outcome, false)));
                        option value=(state.as_str()) selected[filters.decided == state.as_str()] {
                            "已决定：" (outcome.label_zh())
                        }
                    }
                }
            }
            button type="submit" { "筛选" }
        }
        div.keys {
            p { "快捷键：Alt+J 下一条未决定的意见，Alt+K 上一条，Alt+Enter 记录当前决定。" }
            p {
                input #single-keys type="checkbox" aria-describedby="single-keys-help";
                label for="single-keys" { " 启用单键快捷键" }
                " "
                span #single-keys-help { "（J/K 上下移动，1–4 选择决定，R 填写理由，Enter 记录；使用读屏软件时请保持关闭）" }
            }
        }
        form.group #group-form method="post" action={ "/desk/rounds/" (sheet.round.id) "/groups" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="back" value=(back);
            label for="group-title" { "把勾选的意见合并为同类意见组（按组决定一次）" }
            input #group-title type="text" name="title" placeholder="组名，如：明确责任单位" required;
            button type="submit" { "合并" }
        }
        @if sheet.rows.is_empty() {
            p.empty { "没有符合条件的意见。" }
        }
        @for (key, rows) in &runs {
            @let clause = key.and_then(|k| by_key.get(k).copied());
            section.clause {
                @match clause {
                    Some(clause) => {
                        h2 {
                            (clause.number) " " (clause.heading.clone().unwrap_or_default())
                            @if clause.conflicting_proposals {
                                " " span.conflict { "各单位的修改建议互相冲突" }
                            }
                        }
                        @if !clause.text.is_empty() { p.text { (clause.text) } }
                    }
                    None => { h2 { "总体意见" } }
                }
                @for row in rows {
                    (comment(sheet, row, clause, csrf, back))
                }
            }
        }
        @if sheet.more {
            @if let Some(last) = sheet.rows.last() {
                nav.paging {
                    a rel="next" href={ "/desk/rounds/" (sheet.round.id) "/draft?"
                        (filters.link(Some(&format!("{}.{}", last.clause_ordinal, last.comment_id)))) } { "下一页 →" }
                }
            }
        }
    }
}

fn comment(
    sheet: &Sheet,
    row: &SubmittedRow,
    clause: Option<&Heat>,
    csrf: &str,
    back: &str,
) -> Markup {
    let (_, agency) = sheet
        .agencies
        .get(&row.agency_id)
        .cloned()
        .unwrap_or_default();
    let decided = sheet.decisions.get(&row.comment_id);
    let undecided = decided.is_none() || decided.is_some_and(|d| d.stale);
    html! {
        article.comment id={ "c-" (row.comment_id) } data-undecided[undecided] tabindex="-1" {
            header {
                strong { (agency) }
                " · " (kind_name(row.kind))
                " · " (local(row.submitted_at, &sheet.zone))
                @if row.late { " · " span.late { "逾期" } }
            }
            @if let (Some(exact), Some(clause)) = (&row.quote_exact, clause) {
                (quoted(&clause.text, exact))
            }
            p.body { (row.body) }
            @if let Some(proposed) = &row.proposed_text {
                div.proposal {
                    span.label { "建议改为：" }
                    @match clause {
                        Some(clause) => { (difference_of(&clause.text, proposed)) }
                        None => { span { (proposed) } }
                    }
                }
            }
            @if let Some(rationale) = &row.rationale {
                p.rationale { span.label { "理由：" } (rationale) }
            }
            @if let Some(decision) = decided {
                p.decision {
                    span.outcome { (decision.outcome.label_zh()) }
                    @if let Some(reason) = &decision.reason { "：" (reason) }
                    @if decision.stale {
                        " " strong.stale { "意见已修改，原决定待复核" }
                    }
                }
            }
            @match sheet.grouped.get(&row.comment_id) {
                Some(group_id) => {
                    p.grouped {
                        "同类意见组："
                        strong { (sheet.groups.get(group_id).map_or("", |g| g.title.as_str())) }
                        "（按组决定）"
                    }
                    (decide_form(&Subject::Group { id: group_id, card: &row.comment_id }, decided, sheet.next_clauses.as_deref(), csrf, back))
                    @if let Some(group) = sheet.groups.get(group_id) {
                        (group_forms(group, &row.comment_id, decided.is_none(), csrf, back))
                    }
                }
                None => {
                    @if decided.is_none() {
                        label.pick {
                            input type="checkbox" name="comment_ids" value=(row.comment_id) form="group-form";
                            " 选入同类意见组"
                        }
                    }
                    (decide_form(&Subject::Comment(&row.comment_id), decided, sheet.next_clauses.as_deref(), csrf, back))
                }
            }
            (triage_forms(sheet, row, csrf, back))
        }
    }
}

/// Renaming the group a card shows, taking the card's comment out of it, and dissolving it
/// while it has no decision. Each form carries the group's revision.
fn group_forms(group: &GroupRow, card: &str, undecided: bool, csrf: &str, back: &str) -> Markup {
    let action = format!("/desk/groups/{}", group.id);
    let hidden = html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="back" value=(back);
        input type="hidden" name="at" value=(card);
        input type="hidden" name="base" value=(group.revision);
    };
    html! {
        details.group-manage {
            summary { "管理同类意见组" }
            form.rename method="post" action=(action) {
                (hidden)
                input type="hidden" name="action" value="rename";
                label for={ "title-" (card) } { "组名" }
                input id={ "title-" (card) } type="text" name="title" value=(group.title) required maxlength="200";
                button type="submit" { "改名" }
            }
            form.remove method="post" action=(action) {
                (hidden)
                input type="hidden" name="action" value="remove";
                input type="hidden" name="comment_id" value=(card);
                button type="submit" { "把这条意见移出本组" }
            }
            @if undecided {
                form.dissolve method="post" action=(action) {
                    (hidden)
                    input type="hidden" name="action" value="dissolve";
                    button type="submit" { "解散本组（各条意见重新逐条决定）" }
                }
            }
        }
    }
}

/// What a decision form decides: a comment, or the group a comment's card shows.
enum Subject<'a> {
    Comment(&'a str),
    Group { id: &'a str, card: &'a str },
}

fn decide_form(
    subject: &Subject<'_>,
    decided: Option<&DecisionRow>,
    next: Option<&[Clause]>,
    csrf: &str,
    back: &str,
) -> Markup {
    let linked = decided.map(DecisionRow::keys).unwrap_or_default();
    let current = decided.map(|d| d.outcome);
    let (action, card) = match subject {
        Subject::Comment(id) => (format!("/desk/comments/{id}/decision"), *id),
        Subject::Group { id, card } => (format!("/desk/groups/{id}/decision"), *card),
    };
    let field = |name: &str| format!("{name}-{card}");
    html! {
        form.decide method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="base" value=(decided.map_or(0, |d| d.revision));
            input type="hidden" name="back" value=(back);
            input type="hidden" name="at" value=(card);
            label for=(field("outcome")) { "决定" }
            select id=(field("outcome")) name="outcome" required {
                @if current.is_none() { option value="" { "请选择" } }
                @for outcome in Outcome::ALL {
                    option value=(outcome.as_str()) selected[current == Some(outcome)] { (outcome.label_zh()) }
                }
            }
            label for=(field("reason")) { "理由（采纳以外必填）" }
            textarea id=(field("reason")) name="reason" rows="2" {
                (decided.and_then(|d| d.reason.clone()).unwrap_or_default())
            }
            @if let Some(clauses) = next {
                // Says that the form links clauses, so that none ticked unlinks them.
                input type="hidden" name="linking" value="1";
                label for=(field("links")) { "落实在下一版的条文（采纳或部分采纳时选择，可多选）" }
                select id=(field("links")) name="clause_keys" multiple size="4" {
                    @for clause in clauses {
                        option value=(clause.key) selected[linked.contains(&clause.key)] {
                            (layout::clause_label(&clause.number, clause.heading.as_deref(), &clause.text))
                        }
                    }
                }
            }
            button type="submit" { "记录决定" }
        }
    }
}

/// Who works on the comment, and the office's notes on it (agencies never see either).
fn triage_forms(sheet: &Sheet, row: &SubmittedRow, csrf: &str, back: &str) -> Markup {
    let field = |name: &str| format!("{name}-{}", row.comment_id);
    let notes = sheet
        .notes
        .get(&row.comment_id)
        .map_or(&[][..], Vec::as_slice);
    html! {
        details.triage open[!notes.is_empty()] {
            summary { "分配与备注" @if !notes.is_empty() { "（" (notes.len()) "条备注）" } }
            form.assign method="post" action={ "/desk/comments/" (row.comment_id) "/assignee" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                label for=(field("person")) { "承办人" }
                select id=(field("person")) name="person_id" {
                    option value="" { "未分配" }
                    @for person in &sheet.people {
                        option value=(person.id) selected[row.assignee_person_id.as_deref() == Some(person.id.as_str())] {
                            (person.name)
                        }
                    }
                }
                button type="submit" { "分配" }
            }
            @if !notes.is_empty() {
                ul.notes {
                    @for note in notes {
                        li { (note.body) span.count { " — " (note.author) " " (local(note.created_at, &sheet.zone)) } }
                    }
                }
            }
            form.note method="post" action={ "/desk/comments/" (row.comment_id) "/notes" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                label for=(field("note")) { "内部备注（各单位看不到）" }
                textarea id=(field("note")) name="body" rows="2" required {}
                button type="submit" { "添加备注" }
            }
        }
    }
}

/// The clause's text with the quoted passage marked; the quote alone if the text no longer
/// holds it.
fn quoted(text: &str, exact: &str) -> Markup {
    match text.find(exact) {
        Some(at) => html! {
            blockquote.quote {
                (&text[..at]) mark { (exact) } (&text[at + exact.len()..])
            }
        },
        None => html! { blockquote.quote { mark { (exact) } } },
    }
}

/// `new` against `old`, character by character: what it removes struck through, what it adds
/// underlined.
pub(super) fn difference_of(old: &str, new: &str) -> Markup {
    html! {
        span.difference {
            @for segment in inline(old, new) {
                @match segment.op {
                    SegmentOp::Equal => { (segment.text) }
                    SegmentOp::Delete => { del { (segment.text) } }
                    SegmentOp::Insert => { ins { (segment.text) } }
                }
            }
        }
    }
}
