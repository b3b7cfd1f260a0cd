//! Keyed requests through a server killed mid-stream: every acknowledged comment is stored once,
//! and every request left unanswered, retried with its key, takes effect once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use consult::db::{DatabaseUrl, Db};
use consult::error::ApiError;
use serde_json::json;

use crate::support::postgres::TestDatabase;
use crate::support::served::{Request, Served, consult, start_timeout, token};

/// Clients posting at once, and comments each posts at most before the kill.
const CLIENTS: usize = 32;
const PER_CLIENT: usize = 16;
/// How long a claim of a killed server holds its key here (`CONSULT_IDEMPOTENCY_CLAIM_SECONDS`).
const CLAIM_SECONDS: u64 = 2;

#[test]
fn sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    kills_and_retries(&url);
}

#[test]
fn postgres() {
    if let Some(database) = TestDatabase::create() {
        kills_and_retries(&database.url);
    }
}

/// What the clients saw of one run: the comment id of each acknowledged key, and the keys of
/// requests that got no answer.
#[derive(Default)]
struct Seen {
    acknowledged: BTreeMap<String, String>,
    unanswered: BTreeSet<String>,
    unexpected: Vec<String>,
}

fn settings() -> Vec<(&'static str, String)> {
    vec![(
        "CONSULT_IDEMPOTENCY_CLAIM_SECONDS",
        CLAIM_SECONDS.to_string(),
    )]
}

fn kills_and_retries(url: &str) {
    let seeded = consult(url, &["seed"]);
    assert!(seeded.status.success(), "{seeded:?}");
    let agency = token(url, &["--agency", "xihu"]);
    let mut server = Served::start(url, &settings());
    let (round, request) = server.first_request(&agency);
    let path = format!("/api/v1/rounds/{round}/comments");

    let mut expected = BTreeSet::new();
    // Kills early, mid-way and late in a burst.
    for (run, kill_after) in [8usize, 100, 300].into_iter().enumerate() {
        let seen = burst(&server, &path, &agency, run, kill_after);
        assert!(seen.unexpected.is_empty(), "{:?}", seen.unexpected);
        assert!(
            seen.acknowledged.len() >= kill_after.min(CLIENTS * PER_CLIENT),
            "the server was killed after {} answers",
            seen.acknowledged.len()
        );
        server = Served::start(url, &settings());

        // A replay of an acknowledged request answers what it answered.
        for (key, id) in seen.acknowledged.iter().take(8) {
            let answer = server.send(&keyed(&path, &agency, key)).expect("a replay");
            assert_eq!(answer.status, 201, "{answer:?}");
            assert_eq!(answer.header("idempotent-replayed"), Some("true"));
            assert_eq!(answer.json()["items"][0]["id"], id.as_str());
        }
        // Every unanswered request at once: it ran before the kill and replays, or never took
        // effect and runs now, or its claim is still held by the killed server.
        let mut held = retry(&server, &path, &agency, &seen.unanswered);
        if !held.is_empty() {
            std::thread::sleep(Duration::from_secs(CLAIM_SECONDS) + Duration::from_millis(200));
            held = retry(&server, &path, &agency, &held);
        }
        assert!(
            held.is_empty(),
            "still held after the claim timeout: {held:?}"
        );
        expected.extend(seen.acknowledged.into_keys());
        expected.extend(seen.unanswered);
    }
    server.kill();

    let (db, _) = Db::open(&DatabaseUrl::parse(url).expect("url"), 1).expect("open");
    let stored = db
        .read_now(move |conn| consult::db::comment::working(conn, &request).map_err(ApiError::from))
        .expect("comments");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for comment in stored {
        *counts.entry(comment.body).or_default() += 1;
    }
    let duplicated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "stored more than once: {duplicated:?}"
    );
    let missing: Vec<_> = expected
        .iter()
        .filter(|key| !counts.contains_key(&body(key)))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged or retried but not stored: {missing:?}"
    );
    assert_eq!(
        counts.len(),
        expected.len(),
        "nothing stored that was not sent"
    );
}

fn body(key: &str) -> String {
    format!("第{key}条意见")
}

fn keyed<'a>(path: &'a str, agency: &'a str, key: &str) -> Request<'a> {
    Request::post(
        path,
        Some(agency),
        &json!({"kind": "general", "body": body(key)}),
    )
    .header("Idempotency-Key", key)
}

/// `CLIENTS` clients post keyed comments until `kill_after` have been acknowledged, when the
/// server is killed.
fn burst(server: &Served, path: &str, agency: &str, run: usize, kill_after: usize) -> Seen {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let answered = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (seen, answered, killed) = (seen.clone(), answered.clone(), killed.clone());
            let (path, agency, port) = (path.to_owned(), agency.to_owned(), server.port);
            std::thread::spawn(move || {
                for n in 0..PER_CLIENT {
                    if killed.load(Ordering::SeqCst) {
                        return;
                    }
                    let key = format!("{run}-{client}-{n}");
                    let sent = crate::support::served::send_to(port, &keyed(&path, &agency, &key));
                    let mut seen = seen.lock().expect("lock");
                    match sent {
                        Ok(answer) if answer.status == 201 => {
                            let id = answer.json()["items"][0]["id"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned();
                            seen.acknowledged.insert(key, id);
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(answer) => seen.unexpected.push(format!(
                            "{key}: {} {}",
                            answer.status,
                            String::from_utf8_lossy(&answer.body)
                        )),
                        Err(_) => {
                            seen.unanswered.insert(key);
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < kill_after
        && !clients.iter().all(|c| c.is_finished())
        && started.elapsed() < start_timeout()
    {
        std::thread::yield_now();
    }
    let pid = server.pid();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    killed.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().expect("client");
    }
    Arc::try_unwrap(seen)
        .ok()
        .expect("clients done")
        .into_inner()
        .expect("lock")
}

/// Retries every key in `keys` at once; returns those whose claim is still held.
fn retry(server: &Served, path: &str, agency: &str, keys: &BTreeSet<String>) -> BTreeSet<String> {
    let answers: Vec<_> = keys
        .iter()
        .map(|key| {
            let (path, agency, key, port) =
                (path.to_owned(), agency.to_owned(), key.clone(), server.port);
            std::thread::spawn(move || {
                let answer = crate::support::served::send_to(port, &keyed(&path, &agency, &key))
                    .expect("an answer from the restarted server");
                (key, answer)
            })
        })
        .collect();
    let mut held = BTreeSet::new();
    for answer in answers {
        let (key, answer) = answer.join().expect("retry");
        match answer.status {
            201 => {}
            409 => {
                assert_eq!(
                    answer.json()["code"],
                    "idempotency_request_in_progress",
                    "{answer:?}"
                );
                held.insert(key);
            }
            _ => panic!("{key}: {answer:?}"),
        }
    }
    held
}
