//! The adoption table over 100,000 comments, on SQLite and (when `TEST_DATABASE_URL` is set)
//! PostgreSQL: the demo round with every agency's reply holding its share of the comments, a
//! quarter of them quoting a passage, 2,000 groups of five, a decision on every comment or
//! group, and a second version that rewrites, removes and renumbers clauses.
//!
//! `cargo bench --bench report` (add `-- --comments N --runs N` to change the size).

// A measurement program: a setup step that fails ends the run with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use support::{execute, peak_rss_mib, postgres_admin, rss_mib};

use std::io::Seek;
use std::time::{Duration, Instant};

use chrono::Utc;
use consult::db::audit::Actor;
use consult::db::comment::{self, CommentRow, SubmittedRow};
use consult::db::decision::{self, DecisionRow, GroupRow};
use consult::db::round::{self, ReplyRow};
use consult::db::{DatabaseUrl, Db, DbConnection, document};
use consult::domain::comment::CommentKind;
use consult::domain::decision::{Outcome, SubjectKind};
use consult::domain::draft::Content;
use consult::domain::report::{CsvForm, JsonForm, XlsxForm};
use consult::domain::round::{ReplyKind, ReplySource};
use consult::error::ApiError;
use consult::service::error::ServiceError;
use consult::service::queue::{self, QueueQuery};
use consult::service::round_facts::{self, RoundReplies};
use consult::service::{drafting, reporting};
use uuid::Uuid;

const DRAFT: &str = include_str!("../seeds/draft.txt");
const BODIES: [&str; 4] = [
    "建议进一步明确责任单位和完成时限。",
    "目标值偏高，建议结合近三年增速测算后调整。",
    "建议补充与省级政策的衔接内容，避免重复支持。",
    "表述较原则，建议细化具体举措和考核指标。",
];

fn value(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The argument after `name`.
fn text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

fn main() {
    let comments = value("--comments", 100_000);
    let runs = value("--runs", 5);
    // The child that writes the table in a process of its own: the parent's memory is full of
    // the comments it made, and an allocator that keeps freed memory would hide the table's.
    if let (Some(url), Some(round_id)) = (text("--table-of"), text("--round")) {
        table_forms(&url, &round_id, runs);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "sqlite",
        &format!("sqlite://{}", dir.path().join("bench.db").display()),
        comments,
        runs,
    );
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("consult_report_bench_{}", std::process::id());
        let mut admin = postgres_admin(&url);
        execute(&mut admin, &format!("DROP DATABASE IF EXISTS {name}"));
        execute(&mut admin, &format!("CREATE DATABASE {name}"));
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        run("postgresql", &format!("{base}/{name}"), comments, runs);
        execute(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
    }
    println!(
        "peak resident memory of the process: {} MiB",
        peak_rss_mib()
    );
}

fn run(engine: &str, url: &str, comments: usize, runs: usize) {
    let database_url = DatabaseUrl::parse(url).expect("url");
    let (db, _) = Db::open(&database_url, 4).expect("open database");
    let started = Instant::now();
    consult::seed::load_demo(&db, Utc::now()).expect("seed");
    let round_id = db
        .write_now(|conn| fill(conn, comments))
        .expect("comments and decisions");
    println!(
        "{engine}: {comments} comments, groups and decisions stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    queue_pages(engine, &db, &round_id, runs);
    drop(db);
    println!("{engine}: the adoption table, median of {runs} runs (fastest, slowest)");
    let status = std::process::Command::new(std::env::current_exe().expect("this benchmark"))
        .args(["--table-of", url, "--round", &round_id, "--runs"])
        .arg(runs.to_string())
        .status()
        .expect("the table's process");
    assert!(status.success(), "the table's process failed");
}

/// Each form as the service writes it for a response, into a writer that counts the bytes and
/// notes when the first piece of a response (64 KiB) would go out; with the growth of this
/// process's peak memory over what it held before the first table.
fn table_forms(url: &str, round_id: &str, runs: usize) {
    let database_url = DatabaseUrl::parse(url).expect("url");
    let (db, _) = Db::open(&database_url, 4).expect("open database");
    let round = db
        .read_now(|conn| round::find_round(conn, round_id).map_err(ApiError::from))
        .expect("round")
        .expect("the demo round");
    let before = rss_mib();
    let forms: [(&str, Form); 3] = [
        ("JSON", Form::Json),
        ("CSV", Form::Csv),
        ("XLSX", Form::Xlsx),
    ];
    for (name, form) in forms {
        let mut first = Vec::new();
        let mut whole = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let mut out = Counted::new(start);
            db.read_now(|conn| write(conn, &round, form, &mut out))
                .expect("table");
            whole.push(start.elapsed());
            first.push(out.first.unwrap_or_else(|| start.elapsed()));
            bytes = out.bytes;
        }
        report(&format!("{name}, first 64 KiB"), &mut first);
        report(
            &format!("{name} whole ({} MB)", bytes / 1_000_000),
            &mut whole,
        );
    }
    println!(
        "  peak memory of the table's process: {} MiB over the {before} MiB it held before",
        peak_rss_mib().saturating_sub(before)
    );
}

#[derive(Clone, Copy)]
enum Form {
    Json,
    Csv,
    Xlsx,
}

fn write(
    conn: &mut DbConnection,
    round: &round::RoundRow,
    form: Form,
    out: &mut Counted,
) -> Result<(), ServiceError> {
    let reader = reporting::Reader::OFFICE;
    let now = Utc::now();
    match form {
        Form::Json => reporting::write_table(conn, round, reader, now, &mut JsonForm::new(out)),
        Form::Csv => reporting::write_table(conn, round, reader, now, &mut CsvForm::new(out)),
        Form::Xlsx => {
            let mut form = XlsxForm::new();
            reporting::write_table(conn, round, reader, now, &mut form)?;
            let mut file = tempfile::tempfile().expect("temporary file");
            form.finish(&mut file).expect("workbook");
            file.seek(std::io::SeekFrom::Start(0)).expect("seek");
            std::io::copy(&mut file, out).expect("copy");
            Ok(())
        }
    }
}

/// Counts what is written, and when the first 64 KiB were.
struct Counted {
    start: Instant,
    bytes: usize,
    first: Option<Duration>,
}

impl Counted {
    fn new(start: Instant) -> Self {
        Counted {
            start,
            bytes: 0,
            first: None,
        }
    }
}

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len();
        if self.first.is_none() && self.bytes >= 64 * 1024 {
            self.first = Some(self.start.elapsed());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One queue page of 51 rows (a page of 50 and the look-ahead), the clause heat and the ledger, as the
/// service reads them, each timed over `runs * 20` calls.
fn queue_pages(engine: &str, db: &Db, round_id: &str, runs: usize) {
    let calls = runs * 20;
    let time =
        |what: &str, calls: usize, f: &dyn Fn(&mut DbConnection) -> Result<usize, ServiceError>| {
            let mut times = Vec::new();
            let mut rows = 0;
            for _ in 0..calls {
                let start = Instant::now();
                rows = db.read_now(f).expect(what);
                times.push(start.elapsed());
            }
            report_us(&format!("{what} ({rows} rows)"), &mut times);
        };
    let page = |query: QueueQuery, after: Option<(i32, String)>| {
        move |conn: &mut DbConnection| {
            queue::page(conn, round_id, query.clone(), after.clone(), 51).map(|p| p.rows.len())
        }
    };
    // A cursor half way through the round: the start of the middle clause.
    let middle = (20, String::new());
    println!("{engine}: the queue, median of {calls} calls (fastest, slowest)");
    time("first page", calls, &page(QueueQuery::default(), None));
    time(
        "page half way",
        calls,
        &page(QueueQuery::default(), Some(middle.clone())),
    );
    let chapter = QueueQuery {
        chapter: Some("ch2".into()),
        ..QueueQuery::default()
    };
    // The chapter's second page: after the last row of its first.
    let second = db
        .read_now(|conn| queue::page(conn, round_id, chapter.clone(), None, 50))
        .expect("chapter")
        .rows
        .last()
        .map(|r| (r.clause_ordinal, r.comment_id.clone()));
    time("a chapter, second page", calls, &page(chapter, second));
    let agency = QueueQuery {
        agency: Some("xihu".into()),
        ..QueueQuery::default()
    };
    time("one agency, half way", calls, &page(agency, Some(middle)));
    // Every comment is decided here: the filter reads the whole round to find none.
    let undecided = QueueQuery {
        decided: Some(false),
        ..QueueQuery::default()
    };
    time("undecided, first page", runs, &page(undecided, None));
    time("clause heat", calls, &|conn| {
        queue::heat(conn, round_id).map(|h| h.len())
    });
    // What the ledger reads: every request of the round and every reply revision.
    time("ledger", calls, &|conn| {
        let requests = round::requests_of_round(conn, round_id)?;
        round_facts::replies_by_request(conn, &requests).map(|r| r.len() + requests.len())
    });
}

fn report_us(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {what:<34} {:>8.2} ms ({:.2}, {:.2})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {what:<28} {:>8.0} ms ({:.0}, {:.0})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}

/// Comments from every agency of the demo round, grouped and decided, and a second version.
fn fill(conn: &mut DbConnection, count: usize) -> Result<String, ApiError> {
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
                assignee_token_id: None,
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
