//! Throughput, latency and memory of the HTTP API, on SQLite and (when `TEST_DATABASE_URL` is
//! set) PostgreSQL: the real server on a loopback port, driven by plain HTTP/1.1 keep-alive
//! clients on their own threads.
//!
//! `cargo bench --bench api` (add `-- --seconds N --clients N --writers N --pagers N --comments N`
//! to change the load, `--synchronous normal` for SQLite's other durability, `--only A,B` for
//! the scenarios whose name contains one of them).

// A measurement program: a setup step that fails ends the run with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use support::{execute, peak_rss_mib, postgres_admin};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use consult::app;
use consult::cli::{self, TokenHolder};
use consult::clock::Clock;
use consult::config::Config;
use consult::db::{DatabaseUrl, Db, Durability};
use consult::domain::role::Role;
use consult::state::AppState;

struct Options {
    seconds: u64,
    clients: usize,
    /// Clients of the comment ingest and of the bare handler measured beside it.
    writers: usize,
    /// Clients of the queue page and of the handler that returns its bytes from memory.
    pagers: usize,
    /// Comments in the round before the measures start.
    comments: usize,
    /// Only the scenarios whose name contains this.
    only: Option<String>,
    durability: Durability,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let durability = args
        .iter()
        .position(|a| a == "--synchronous")
        .and_then(|i| args.get(i + 1))
        .map_or(Durability::Full, |v| {
            Durability::parse(v).expect("--synchronous full or normal")
        });
    Options {
        seconds: value("--seconds", 5),
        clients: value("--clients", 8) as usize,
        writers: value("--writers", 64) as usize,
        pagers: value("--pagers", 16) as usize,
        comments: value("--comments", 10_000) as usize,
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .cloned(),
        durability,
    }
}

fn main() {
    let options = options();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut targets = vec![(
        "sqlite",
        format!("sqlite://{}", dir.path().join("bench.db").display()),
        None,
    )];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("consult_bench_{}", std::process::id());
        let mut admin = postgres_admin(&url);
        execute(&mut admin, &format!("DROP DATABASE IF EXISTS {name}"));
        execute(&mut admin, &format!("CREATE DATABASE {name}"));
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        targets.push((
            "postgresql",
            format!("{base}/{name}"),
            Some((url.clone(), name)),
        ));
    }
    println!(
        "{} clients, {} s per scenario, {} CPU cores",
        options.clients,
        options.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (engine, url, cleanup) in targets {
        run_engine(engine, &url, &options);
        if let Some((admin_url, name)) = cleanup {
            let mut admin = postgres_admin(&admin_url);
            execute(
                &mut admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
    println!(
        "peak resident memory of the process: {} MiB",
        peak_rss_mib()
    );
}

fn run_engine(engine: &str, url: &str, options: &Options) {
    let database_url = DatabaseUrl::parse(url)
        .expect("url")
        .with_durability(options.durability);
    let (db, _) = Db::open(&database_url, 8).expect("open database");
    consult::seed::load_demo(&db, chrono::Utc::now()).expect("seed");
    let started = Instant::now();
    db.write_now(|conn| support::fill::fill(conn, options.comments))
        .expect("comments");
    println!(
        "{engine}: {} comments, groups and decisions stored in {:.1} s",
        options.comments,
        started.elapsed().as_secs_f64()
    );
    let now = chrono::Utc::now();
    let drafter = cli::create_token(
        &db,
        TokenHolder::Staff {
            role: Role::Drafter,
            email: None,
        },
        "bench",
        None,
        now,
    )
    .expect("token");
    let agency = cli::create_token(
        &db,
        TokenHolder::Agency {
            code: "xihu".into(),
        },
        "bench",
        None,
        now,
    )
    .expect("token");
    // A drafter signed in to the desk: its pages are read with the session's cookie.
    let session = db
        .write_now(|conn| {
            consult::service::sessions::start(conn, &drafter, chrono::Duration::hours(12), now)
        })
        .expect("a desk session")
        .secret;
    let config = Config {
        database_url,
        ..Config::from_vars(|name| match name {
            "CONSULT_BIND" => Some("127.0.0.1:0".to_owned()),
            "CONSULT_WORKERS" => Some("2".to_owned()),
            // The benchmark's one token and one address send far past any limit.
            "CONSULT_RATE_LIMIT_ADDRESS_PER_MINUTE" | "CONSULT_RATE_LIMIT_TOKEN_PER_MINUTE" => {
                Some("0".to_owned())
            }
            _ => None,
        })
        .expect("settings")
    };
    let state = AppState::new(db, Clock::System, config);
    let (address_tx, address_rx) = std::sync::mpsc::channel();
    let server_state = state.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || app::build(server_state.clone()))
                .workers(2)
                .bind("127.0.0.1:0")
                .expect("bind");
            address_tx.send(server.addrs()[0]).expect("send address");
            server.run().await
        })
    });
    let address = address_rx.recv().expect("server address");

    let mut client = Client::connect(address);
    let listing = client.request("GET", "/api/v1/agencies?q=xihu", Some(&drafter), None, None);
    let xihu = listing
        .split("\"id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("xihu id")
        .to_owned();

    let rounds = client.request("GET", "/api/v1/rounds", Some(&drafter), None, None);
    let round = rounds
        .split("\"id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("demo round id")
        .to_owned();

    // A queue page deep in the round, filtered by chapter and agency: the cursor twenty pages in.
    let filtered = format!("/api/v1/rounds/{round}/comments?chapter=ch2&agency=xihu&limit=50");
    let mut page_path = filtered.clone();
    for _ in 0..20 {
        let page = client.request("GET", &page_path, Some(&drafter), None, None);
        match page
            .split("\"next_page\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            Some(cursor) => page_path = format!("{filtered}&cursor={cursor}"),
            None => break,
        }
    }
    let page_bytes =
        actix_web::web::Bytes::from(client.request("GET", &page_path, Some(&drafter), None, None));
    // A bare actix-web handler in the same process, as the measure of what HTTP alone costs
    // here, and one that answers with the queue page's bytes from memory.
    let (bare_tx, bare_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let page = page_bytes.clone();
                actix_web::App::new()
                    .route(
                        "/",
                        actix_web::web::get()
                            .to(|| async { actix_web::HttpResponse::Ok().body("ok") }),
                    )
                    .route(
                        "/page",
                        actix_web::web::get().to(move || {
                            let page = page.clone();
                            async move {
                                actix_web::HttpResponse::Ok()
                                    .content_type("application/json")
                                    .body(page)
                            }
                        }),
                    )
            })
            .workers(2)
            .bind("127.0.0.1:0")
            .expect("bind");
            bare_tx.send(server.addrs()[0]).expect("send address");
            server.run().await
        })
    });
    let bare = bare_rx.recv().expect("bare server address");

    println!("\n{engine}");
    println!(
        "  {:<44} {:>9} {:>9} {:>9}",
        "scenario", "req/s", "p50 ms", "p99 ms"
    );
    let counter = Arc::new(AtomicUsize::new(0));
    let reads = options.clients;
    let writers = options.writers;
    let mut scenarios: Vec<(&str, SocketAddr, usize, Scenario)> = vec![
        (
            "GET /healthz",
            address,
            reads,
            Box::new(|c, _| {
                c.request("GET", "/healthz", None, None, None);
            }),
        ),
        ("GET /api/v1/agencies (30, drafter)", address, reads, {
            let token = drafter.clone();
            Box::new(move |c, _| {
                c.request("GET", "/api/v1/agencies", Some(&token), None, None);
            })
        }),
        (
            "GET /api/v1/agencies/{id} (agency token)",
            address,
            reads,
            {
                let (token, path) = (agency.clone(), format!("/api/v1/agencies/{xihu}"));
                Box::new(move |c, _| {
                    c.request("GET", &path, Some(&token), None, None);
                })
            },
        ),
        (
            "GET /api/v1/rounds/{id}/requests (ledger, 30)",
            address,
            reads,
            {
                let (token, path) = (drafter.clone(), format!("/api/v1/rounds/{round}/requests"));
                Box::new(move |c, _| {
                    c.request("GET", &path, Some(&token), None, None);
                })
            },
        ),
        ("POST /api/v1/agencies + Idempotency-Key", address, reads, {
            let (token, counter) = (drafter.clone(), counter.clone());
            Box::new(move |c, _| {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let body = format!(
                    r#"{{"code":"bench-{n}","name":"压测单位{n}","kind":"other","emails":["b{n}@bench.example"]}}"#
                );
                c.request(
                    "POST",
                    "/api/v1/agencies",
                    Some(&token),
                    Some(&body),
                    Some(&format!("key-{n}")),
                );
            })
        }),
    ];
    let pagers = options.pagers;
    scenarios.push((
        "queue page: chapter, agency, deep cursor",
        address,
        pagers,
        {
            let (token, path) = (drafter.clone(), page_path.clone());
            Box::new(move |c, _| {
                c.request("GET", &path, Some(&token), None, None);
            })
        },
    ));
    scenarios.push((
        "the same bytes from memory",
        bare,
        pagers,
        Box::new(|c, _| {
            c.request("GET", "/page", None, None, None);
        }),
    ));
    scenarios.push((
        "desk: the draft with its comments, one agency",
        address,
        pagers,
        {
            let path = format!("/desk/rounds/{round}/draft?agency=xihu");
            let session = session.clone();
            Box::new(move |c, _| {
                c.request("GET", &path, Some(&session), None, None);
            })
        },
    ));
    scenarios.push(("GET /api/v1/rounds/{id}/clauses (heat)", address, reads, {
        let (token, path) = (drafter.clone(), format!("/api/v1/rounds/{round}/clauses"));
        Box::new(move |c, _| {
            c.request("GET", &path, Some(&token), None, None);
        })
    }));
    scenarios.push((
        "bare actix-web handler",
        bare,
        writers,
        Box::new(|c, _| {
            c.request("GET", "/", None, None, None);
        }),
    ));
    scenarios.push((
        "POST /api/v1/rounds/{id}/comments + key",
        address,
        writers,
        {
            let (token, counter, path) = (
                agency.clone(),
                counter.clone(),
                format!("/api/v1/rounds/{round}/comments"),
            );
            Box::new(move |c, _| {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let body =
                    format!(r#"{{"kind":"general","body":"压测意见第{n}条：建议明确责任单位。"}}"#);
                c.request(
                    "POST",
                    &path,
                    Some(&token),
                    Some(&body),
                    Some(&format!("comment-{n}")),
                );
            })
        },
    ));
    for (name, address, clients, scenario) in scenarios {
        if options
            .only
            .as_ref()
            .is_some_and(|only| !only.split(',').any(|part| name.contains(part)))
        {
            continue;
        }
        let scenario = Arc::new(scenario);
        let deadline = Instant::now() + Duration::from_secs(options.seconds);
        let threads: Vec<_> = (0..clients)
            .map(|i| {
                let scenario = scenario.clone();
                std::thread::spawn(move || {
                    let mut client = Client::connect(address);
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let started = Instant::now();
                        scenario(&mut client, i);
                        latencies.push(started.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies: Vec<Duration> = threads
            .into_iter()
            .flat_map(|t| t.join().expect("client thread"))
            .collect();
        latencies.sort();
        let rate = latencies.len() as f64 / options.seconds as f64;
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "  {:<44} {:>9.0} {:>9.2} {:>9.2}",
            format!("{name} ({clients})"),
            rate,
            at(0.50).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0
        );
    }
}

/// One request of a scenario, sent by client number `usize`.
type Scenario = Box<dyn Fn(&mut Client, usize) + Send + Sync>;

/// A keep-alive HTTP/1.1 client that checks each response is a success.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            reader: BufReader::new(stream.try_clone().expect("clone stream")),
            writer: stream,
        }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        key: Option<&str>,
    ) -> String {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n");
        if let Some(token) = token {
            // A desk session's secret goes in its cookie; anything else is a bearer token.
            if token.starts_with("cds_") {
                head.push_str(&format!("Cookie: consult_session={token}\r\n"));
            } else {
                head.push_str(&format!("Authorization: Bearer {token}\r\n"));
            }
        }
        if let Some(key) = key {
            head.push_str(&format!("Idempotency-Key: {key}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.writer.write_all(head.as_bytes()).expect("send");

        let mut status = String::new();
        self.reader.read_line(&mut status).expect("status line");
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("content length");
                }
            }
        }
        let mut response = vec![0; length];
        self.reader.read_exact(&mut response).expect("body");
        let response = String::from_utf8_lossy(&response).to_string();
        assert!(
            status.contains(" 200 ") || status.contains(" 201 "),
            "{status} {response}"
        );
        response
    }
}
