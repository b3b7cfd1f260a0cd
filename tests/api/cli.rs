//! The `consult` command as an operator runs it.

use std::process::Output;

use crate::support::served::consult;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn token_create_prints_the_token_alone_and_list_never_shows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let seeded = consult(&url, &["seed"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    assert_eq!(
        stdout(&seeded).trim(),
        "30 agencies added, 0 already present; demo draft added"
    );

    let created = consult(
        &url,
        &[
            "token",
            "create",
            "--role",
            "drafter",
            "--name",
            "张三",
            "--email",
            "zhang@fgw.example",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&created);
    assert_eq!(token.lines().count(), 1);
    assert!(
        token.trim().starts_with("cst_") && token.trim().len() >= 36,
        "{token}"
    );

    let agency = consult(
        &url,
        &[
            "token",
            "create",
            "--agency",
            "jingxin",
            "--name",
            "经信局接口",
        ],
    );
    assert!(agency.status.success(), "{}", stderr(&agency));

    let listed = consult(&url, &["token", "list"]);
    let table = stdout(&listed);
    assert!(table.contains("张三 <zhang@fgw.example>"), "{table}");
    assert!(table.contains("jingxin"), "{table}");
    assert!(!table.contains(token.trim()), "the secret is never listed");

    let unknown = consult(
        &url,
        &["token", "create", "--agency", "nowhere", "--name", "x"],
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no agency has the code"),
        "{}",
        stderr(&unknown)
    );
    let past = consult(
        &url,
        &[
            "token",
            "create",
            "--role",
            "admin",
            "--name",
            "x",
            "--expires",
            "2020-01-01",
        ],
    );
    assert!(!past.status.success());
    assert!(stderr(&past).contains("future"), "{}", stderr(&past));
}

#[test]
fn a_bad_or_unreachable_database_is_a_one_line_error() {
    let bad = consult("mysql://localhost/db", &["migrate"]);
    assert_eq!(bad.status.code(), Some(1));
    let message = stderr(&bad);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: unsupported DATABASE_URL"),
        "{message}"
    );

    // Nothing listens on port 1.
    let down = consult("postgres://nobody@127.0.0.1:1/consult", &["migrate"]);
    assert_eq!(down.status.code(), Some(1));
    let message = stderr(&down);
    assert!(
        message.starts_with("error: cannot open the postgresql database"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn backup_copies_the_sqlite_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    assert!(consult(&url, &["seed"]).status.success());
    let copy = dir.path().join("copy.db");
    let copy_path = copy.display().to_string();
    let backed_up = consult(&url, &["backup", &copy_path]);
    assert!(backed_up.status.success(), "{}", stderr(&backed_up));
    // The copy is a working database with the same agencies.
    let reseeded = consult(&format!("sqlite://{copy_path}"), &["seed"]);
    assert_eq!(
        stdout(&reseeded).trim(),
        "0 agencies added, 30 already present; demo draft already present"
    );
    let again = consult(&url, &["backup", &copy_path]);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
}

#[test]
fn draft_import_reads_text_and_json_and_says_what_it_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("import.db").display());
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let text = consult(&url, &["draft", "import", &format!("{seeds}/draft.txt")]);
    assert!(text.status.success(), "{}", stderr(&text));
    let summary = stdout(&text);
    assert!(summary.contains("version 1 (征求意见稿, draft): 33 clauses: 5 chapters, 0 sections, 27 measures, 1 paragraphs"), "{summary}");
    assert!(summary.contains("unfilled figures: 2"), "{summary}");
    assert!(summary.contains("ch1 一、 \"**\""), "{summary}");

    let json = consult(
        &url,
        &[
            "draft",
            "import",
            &format!("{seeds}/draft.json"),
            "--title",
            "第二份",
            "--publish",
        ],
    );
    assert!(!json.status.success(), "unfilled figures stop publishing");
    assert!(
        stderr(&json).contains("placeholders_remain") || stderr(&json).contains("unfilled figure"),
        "{}",
        stderr(&json)
    );
    let forced = consult(
        &url,
        &[
            "draft",
            "import",
            &format!("{seeds}/draft.json"),
            "--title",
            "第二份",
            "--publish",
            "--placeholder-override",
            "待核定",
        ],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stdout(&forced).contains("version 1 (征求意见稿, published)"),
        "{}",
        stdout(&forced)
    );

    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\u{FEFF}一、甲\n三、丙\n").expect("write");
    let unclear = consult(
        &url,
        &[
            "draft",
            "import",
            &blank.display().to_string(),
            "--title",
            "x",
        ],
    );
    assert!(!unclear.status.success());
    assert!(
        stderr(&unclear).contains("line 2: 三、 is out of sequence"),
        "{}",
        stderr(&unclear)
    );
}

#[test]
fn a_fresh_server_sends_the_thirty_request_letters_and_a_restart_sends_none_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let receiver = crate::support::smtp::Receiver::start();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let start = || {
        crate::support::served::Served::start(
            &url,
            &[
                ("SMTP_URL", receiver.url()),
                ("SMTP_FROM", "consult@fgw.hangzhou.example".to_owned()),
            ],
        )
    };
    let wait_for = |count: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while receiver.messages().len() < count && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        receiver.messages().len()
    };
    let first = start();
    assert_eq!(wait_for(30), 30, "one letter per demo agency");
    // SIGTERM: a graceful stop, as a service manager would.
    first.terminate();
    // Each was recorded as sent before the stop, so nothing waits for a lease to lapse.
    let (db, _) = consult::db::Db::open(&consult::db::DatabaseUrl::parse(&url).expect("url"), 1)
        .expect("open");
    let unsent = db
        .read_now(|conn| {
            use consult::db::schema::outbox_messages::dsl as o;
            use diesel::prelude::*;
            o::outbox_messages
                .filter(o::state.ne("sent"))
                .count()
                .get_result::<i64>(conn)
                .map_err(consult::error::ApiError::from)
        })
        .expect("count");
    assert_eq!(unsent, 0);
    drop(db);
    let second = start();
    // Two delivery ticks of the restarted server.
    std::thread::sleep(std::time::Duration::from_secs(6));
    second.terminate();
    assert_eq!(
        receiver.messages().len(),
        30,
        "a restart sends nothing twice"
    );
}

/// A stop does not wait for a mail server that hangs: the email being sent is given back and
/// goes out, once, at the next start.
fn a_stop_does_not_wait_for_a_hung_mail_server(url: &str) {
    use crate::support::served::{Served, start_timeout};
    use crate::support::smtp::{Receiver, Stalled};
    use std::time::{Duration, Instant};

    let smtp_timeout = Duration::from_secs(60);
    let hung = Stalled::start();
    let mail = |smtp: String| {
        vec![
            ("SMTP_URL", smtp),
            ("SMTP_FROM", "consult@fgw.hangzhou.example".to_owned()),
            ("SMTP_TIMEOUT_SECONDS", smtp_timeout.as_secs().to_string()),
            ("CONSULT_SHUTDOWN_SECONDS", "1".to_owned()),
        ]
    };
    let server = Served::start(url, &mail(hung.url()));
    let started = Instant::now();
    while hung.connections() == 0 {
        assert!(started.elapsed() < start_timeout(), "no letter was sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, took) = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        took < smtp_timeout / 3,
        "the stop took {took:?}, waiting for the mail server"
    );

    let (db, _) = consult::db::Db::open(&consult::db::DatabaseUrl::parse(url).expect("url"), 1)
        .expect("open");
    let (held, sent) = db
        .read_now(|conn| {
            use consult::db::schema::outbox_messages::dsl as o;
            use diesel::prelude::*;
            let held = o::outbox_messages
                .filter(o::locked_until.is_not_null())
                .count()
                .get_result::<i64>(conn)?;
            let sent = o::outbox_messages
                .filter(o::state.eq("sent"))
                .count()
                .get_result::<i64>(conn)?;
            Ok::<_, consult::db::DbError>((held, sent))
        })
        .expect("outbox");
    assert_eq!((held, sent), (0, 0), "the letter in flight was given back");
    drop(db);

    let receiver = Receiver::start();
    let server = Served::start(url, &mail(receiver.url()));
    let started = Instant::now();
    while receiver.messages().len() < 30 && started.elapsed() < start_timeout() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _) = server.terminate();
    assert!(status.success(), "{status:?}");
    let mut ids: Vec<_> = receiver
        .messages()
        .iter()
        .filter_map(|m| m.header("message-id"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "every letter once, the one given back too");
    assert_eq!(receiver.messages().len(), 30);
}

#[test]
fn a_stop_does_not_wait_for_a_hung_mail_server_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    a_stop_does_not_wait_for_a_hung_mail_server(&format!(
        "sqlite://{}",
        dir.path().join("stop.db").display()
    ));
}

#[test]
fn a_stop_does_not_wait_for_a_hung_mail_server_on_postgresql() {
    if let Some(database) = crate::support::postgres::TestDatabase::create() {
        a_stop_does_not_wait_for_a_hung_mail_server(&database.url);
    }
}

#[test]
fn a_years_notice_is_loaded_and_shown_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let before = consult(&url, &["calendar", "show", "2027"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let shown = stdout(&before);
    assert!(shown.starts_with("2027: provisional"), "{shown}");
    // 除夕 to 初三 of the Spring Festival, computed.
    assert!(
        shown.contains("2027-02-05 2027-02-06 2027-02-07 2027-02-08"),
        "{shown}"
    );

    // The statutory days as shown, and a working Saturday: a notice for the test.
    let holidays: Vec<&str> = shown
        .lines()
        .find_map(|l| l.strip_prefix("holidays: "))
        .expect("holidays line")
        .split(' ')
        .collect();
    let file = dir.path().join("2027.json");
    std::fs::write(
        &file,
        serde_json::json!({"years": [{"year": 2027, "source": "测试用通知", "holidays": holidays, "working_weekends": ["2027-01-09"]}]}).to_string(),
    )
    .expect("write file");
    let file = file.display().to_string();
    let loaded = consult(&url, &["calendar", "import", &file]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    assert_eq!(
        stdout(&loaded),
        "2027: 13 holidays, 1 working weekend days (测试用通知)\n"
    );
    let after = stdout(&consult(&url, &["calendar", "show", "2027"]));
    assert!(after.starts_with("2027: official — 测试用通知"), "{after}");
    assert!(after.contains("by command line"), "{after}");
    assert!(after.contains("working weekends: 2027-01-09"), "{after}");

    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"years": [{"year": 2027, "source": "x", "holidays": ["2028-01-01"], "working_weekends": []}]}"#,
    )
    .expect("write file");
    let bad = dir.path().join("bad.json").display().to_string();
    let refused = consult(&url, &["calendar", "import", &bad]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("years[0].holidays[0]"),
        "{}",
        stderr(&refused)
    );
}

/// Every command exits 0 after it succeeds: run many times on PostgreSQL, where a connection
/// still being made in the background at exit once crashed the process after its work was done.
#[test]
fn commands_exit_cleanly_every_time_on_postgresql() {
    let Some(database) = crate::support::postgres::TestDatabase::create() else {
        return;
    };
    let url = database.url.clone();
    let runs: &[(&[&str], usize)] = &[
        (&["migrate"], 5),
        (&["seed"], 5),
        (
            &["token", "create", "--role", "drafter", "--name", "脚本"],
            40,
        ),
        (&["token", "list"], 10),
        (&["calendar", "show", "2027"], 10),
    ];
    for (args, times) in runs {
        for run in 0..*times {
            let output = consult(&url, args);
            assert!(
                output.status.success(),
                "{args:?} run {run}: {:?}\n{}",
                output.status,
                stderr(&output)
            );
        }
    }
    let listed = stdout(&consult(&url, &["token", "list"]));
    assert_eq!(listed.matches("脚本").count(), 40, "{listed}");
}
