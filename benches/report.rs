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
use consult::db::round;
use consult::db::{DatabaseUrl, Db, DbConnection};
use consult::domain::report::{CsvForm, JsonForm, XlsxForm};
use consult::error::ApiError;
use consult::service::error::ServiceError;
use consult::service::queue::{self, QueueQuery};
use consult::service::reporting;
use consult::service::round_facts;

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
        .write_now(|conn| support::fill::fill(conn, comments))
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
    // A term a dozen comments propose, one a quarter of them say, and one too short for a
    // trigram that a quarter of them say.
    for (what, term) in [
        ("search, a rare term", "建议12345"),
        ("search, a common term", "责任单位"),
        ("search, a short common term", "考核"),
    ] {
        let query = QueueQuery {
            text: Some(term.into()),
            ..QueueQuery::default()
        };
        time(what, calls, &page(query, None));
    }
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
