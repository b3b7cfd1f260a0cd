//! The round the benchmarks measure: the demo data, and every agency of the demo round with a
//! reply holding its share of the comments.

use chrono::Utc;
use consult::db::audit::Actor;
use consult::db::comment::{self, CommentRow, SubmittedRow};
use consult::db::decision::{self, DecisionRow, GroupRow};
use consult::db::round::{self, ReplyRow};
use consult::db::{DbConnection, document};
use consult::domain::comment::CommentKind;
use consult::domain::decision::{DecisionState, Outcome, SubjectKind};
use consult::domain::draft::Content;
use consult::domain::round::{ReplyKind, ReplySource};
use consult::error::ApiError;
use consult::service::drafting;
use consult::service::round_facts::RoundReplies;
use uuid::Uuid;

const DRAFT: &str = include_str!("../../seeds/draft.txt");
const BODIES: [&str; 4] = [
    "建议进一步明确责任单位和完成时限。",
    "目标值偏高，建议结合近三年增速测算后调整。",
    "建议补充与省级政策的衔接内容，避免重复支持。",
    "表述较原则，建议细化具体举措和考核指标。",
];

/// Comments from every agency of the demo round, grouped and decided, and a second version.
pub fn fill(conn: &mut DbConnection, count: usize) -> Result<String, ApiError> {
    let now = Utc::now().naive_utc();
    let rounds = round::list_rounds(conn, None)?;
    let round = rounds.first().expect("the demo round").clone();
    let held = round::lock_round(conn, &round.id)?.expect("the demo round");
    let clauses = document::clauses_of(conn, &round.version_id)?;
    let requests = RoundReplies::of(conn, &round.id)?.requests;
    let per_agency = count.div_ceil(requests.len());
    let mut working = Vec::with_capacity(count);
    let mut submitted = Vec::with_capacity(count);
    for (a, entry) in requests.iter().enumerate() {
        let reply = ReplyRow {
            id: Uuid::now_v7().to_string(),
            request_id: entry.request.id.clone(),
            revision: 1,
            kind: ReplyKind::Comments,
            signer: "局长".into(),
            contact_name: "联系人".into(),
            contact_phone: "0571-85000000".into(),
            note: None,
            source: ReplySource::Api,
            entered_by: None,
            submitted_at: now,
            late: false,
            withdrawn_at: None,
        };
        round::insert_reply(conn, &held, &reply)?;
        for i in 0..per_agency.min(count - working.len()) {
            let n = a * per_agency + i;
            let (ordinal, clause) = clauses
                .iter()
                .enumerate()
                .nth(n % clauses.len())
                .expect("clauses");
            let chars: Vec<char> = clause.text.chars().collect();
            // A quarter quote four characters from one of a few places in the clause.
            let quote = (n % 4 == 0 && chars.len() > 12).then(|| {
                let start = (n / 4) % 8;
                (chars[start..start + 4].iter().collect::<String>(), start)
            });
            let row = CommentRow {
                id: Uuid::now_v7().to_string(),
                request_id: entry.request.id.clone(),
                round_id: round.id.clone(),
                agency_id: entry.request.agency_id.clone(),
                kind: CommentKind::Amend,
                clause_key: Some(clause.key.clone()),
                quote_exact: quote.as_ref().map(|(q, _)| q.clone()),
                quote_prefix: None,
                quote_suffix: None,
                quote_start: quote.as_ref().map(|(_, s)| *s as i32),
                quote_end: quote.as_ref().map(|(_, s)| *s as i32 + 4),
                body: BODIES[n % BODIES.len()].into(),
                proposed_text: (n % 3 == 0).then(|| format!("{}（修改建议{n}）", clause.text)),
                rationale: None,
                entered_by: None,
                revision: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            submitted.push(SubmittedRow {
                reply_id: reply.id.clone(),
                comment_id: row.id.clone(),
                request_id: row.request_id.clone(),
                round_id: row.round_id.clone(),
                agency_id: row.agency_id.clone(),
                kind: row.kind,
                clause_key: row.clause_key.clone(),
                clause_ordinal: ordinal as i32,
                quote_exact: row.quote_exact.clone(),
                quote_prefix: None,
                quote_suffix: None,
                quote_start: row.quote_start,
                quote_end: row.quote_end,
                body: row.body.clone(),
                proposed_text: row.proposed_text.clone(),
                rationale: None,
                entered_by: None,
                submitted_at: now,
                content_revision: 1,
                search_text: Some(comment::search_text(
                    &row.body,
                    row.proposed_text.as_deref(),
                    None,
                )),
                standing: true,
                late: false,
                decided: false,
                assignee_person_id: None,
                decision_state: DecisionState::Undecided,
            });
            working.push(row);
        }
    }
    comment::insert(conn, &working)?;
    comment::insert_submitted(conn, &held, &submitted)?;
    // What the statistics collector would know of a round this size by the time it is decided.
    // The decisions are loaded in the same transaction, after it: their keyed reads are still
    // planned for an empty table, so PostgreSQL scans, and loading takes minutes there.
    diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn)?;

    // 2,000 groups of five comments on one clause each, then a decision on everything else.
    let mut decisions = Vec::with_capacity(count);
    let mut grouped = std::collections::HashSet::new();
    let by_clause: Vec<Vec<&SubmittedRow>> = clauses
        .iter()
        .map(|c| {
            submitted
                .iter()
                .filter(|s| s.clause_key.as_deref() == Some(c.key.as_str()))
                .collect()
        })
        .collect();
    for g in 0..2_000.min(count / 50) {
        let members: Vec<String> = by_clause[g % by_clause.len()]
            .iter()
            .skip((g / by_clause.len()) * 5)
            .take(5)
            .map(|s| s.comment_id.clone())
            .collect();
        let group = GroupRow {
            id: Uuid::now_v7().to_string(),
            round_id: round.id.clone(),
            title: format!("同类意见{g}"),
            revision: 1,
            created_by: "bench".into(),
            created_at: now,
            updated_at: now,
        };
        decision::insert_group(conn, &held, &group)?;
        decision::set_group(conn, &held, &members, Some(&group.id), now)?;
        grouped.extend(members);
        decisions.push(decided(&round.id, &group.id, SubjectKind::Group, g, now));
    }
    for (n, s) in submitted.iter().enumerate() {
        if !grouped.contains(&s.comment_id) {
            decisions.push(decided(
                &round.id,
                &s.comment_id,
                SubjectKind::Comment,
                n,
                now,
            ));
        }
    }
    decision::insert_decisions(conn, &held, &decisions)?;
    // And what it would know once the round is decided, before anyone reads the queue.
    diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn)?;

    // Version 2: the chapters' targets reworded, measure 7 removed, the rest renumbered.
    let revised = DRAFT
        .replace("力争", "确保")
        .replacen("7.深化研究开发程度。\n", "", 1)
        .lines()
        .map(|line| {
            let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<u32>() {
                Ok(n) if n > 7 && line[digits.len()..].starts_with('.') => {
                    format!("{}{}", n - 1, &line[digits.len()..])
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    drafting::add_version(
        conn,
        &Actor::command_line(),
        &round.document_id,
        "送审稿",
        Content::Text(revised),
        now,
    )?;
    Ok(round.id)
}

fn decided(
    round_id: &str,
    subject: &str,
    kind: SubjectKind,
    n: usize,
    now: chrono::NaiveDateTime,
) -> DecisionRow {
    let outcome = Outcome::ALL[n % Outcome::ALL.len()];
    DecisionRow {
        subject_id: subject.to_owned(),
        revision: 1,
        round_id: round_id.to_owned(),
        subject_kind: kind,
        outcome,
        reason: outcome
            .needs_reason()
            .then(|| "已在其他条款中体现".to_owned()),
        clause_keys: "[]".into(),
        decided_by: "bench".into(),
        decided_by_token: None,
        decided_at: now,
        answered: "{}".into(),
        stale: false,
    }
}
