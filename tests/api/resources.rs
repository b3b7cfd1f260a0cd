//! Bounded resources, seen from outside the real server: a body that never arrives.

use std::io::Write;
use std::net::TcpStream;

use crate::support::served::{Request, Served, consult, read_answer, start_timeout, token};

/// A request that declares a body and sends none of it is answered 408 once the body timeout
/// passes, on a JSON route, on a keyed one (read before the route), and on the upload route.
#[test]
fn a_body_that_never_arrives_is_408() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("slow.db").display());
    assert!(consult(&url, &["seed"]).status.success());
    let admin = token(&url, &["--role", "admin"]);
    let agency = token(&url, &["--agency", "xihu"]);
    let server = Served::start(&url, &[("CONSULT_BODY_TIMEOUT_SECONDS", "1".to_owned())]);
    let (_, request) = server.first_request(&agency);
    let upload = format!("/api/v1/requests/{request}/attachments?filename=letter.pdf");
    let cases = [
        ("/api/v1/agencies", admin.as_str(), "application/json", None),
        (
            "/api/v1/agencies",
            admin.as_str(),
            "application/json",
            Some("slow-1"),
        ),
        (upload.as_str(), agency.as_str(), "application/pdf", None),
    ];
    for (path, token, content_type, key) in cases {
        let mut stalled = Request {
            method: "POST",
            path,
            token: Some(token),
            headers: vec![("Content-Type", content_type.to_owned())],
            body: Vec::new(),
        };
        if let Some(key) = key {
            stalled = stalled.header("Idempotency-Key", key);
        }
        // The head declares 100 bytes; 10 come, then nothing.
        let head = stalled
            .head()
            .replace("Content-Length: 0", "Content-Length: 100");
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream
            .set_read_timeout(Some(start_timeout()))
            .expect("timeout");
        stream.write_all(head.as_bytes()).expect("head");
        stream.write_all(b"{\"code\": \"").expect("a start");
        let answer = read_answer(&mut stream).expect("an answer before the test gives up");
        assert_eq!(answer.status, 408, "{path} {key:?}: {answer:?}");
        assert_eq!(answer.json()["code"], "request_timeout");
    }
    // The stalled key was released: the same request sent whole now runs.
    let whole = Request::post(
        "/api/v1/agencies",
        Some(&admin),
        &serde_json::json!({"code": "slow", "name": "慢单位", "kind": "other", "emails": ["a@b.example"]}),
    )
    .header("Idempotency-Key", "slow-1");
    assert_eq!(server.send(&whole).expect("answer").status, 201);
}

/// The host and port of a PostgreSQL URL, and the URL through a relay on `port` instead.
fn relayed(url: &str, port: u16) -> (String, String) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    let authority = &url[host_start..end];
    let target = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:5432")
    };
    let through = format!("{}127.0.0.1:{port}{}", &url[..host_start], &url[end..]);
    (target, through)
}

/// With its database out of reach the service says so at once: liveness still answers,
/// readiness and every request are 503 within the connection timeout, not after the queue's
/// wait; and it recovers by itself once the database is back.
#[test]
fn a_database_outage_is_503_at_once_and_readiness_says_so() {
    use crate::support::postgres::TestDatabase;
    use crate::support::proxy::Proxy;
    use std::time::{Duration, Instant};

    let Some(database) = TestDatabase::create() else {
        return;
    };
    let (target, _) = relayed(&database.url, 0);
    let proxy = Proxy::start(&target);
    let (_, through) = relayed(&database.url, proxy.port);
    assert!(consult(&database.url, &["seed"]).status.success());
    let agency = token(&database.url, &["--agency", "xihu"]);
    let server = Served::start(
        &through,
        &[
            ("CONSULT_DB_POOL_SIZE", "2".to_owned()),
            ("CONSULT_DB_CONNECT_TIMEOUT_SECONDS", "1".to_owned()),
        ],
    );
    let ready = Request::get("/readyz", None);
    let requests = Request::get("/api/v1/requests", Some(&agency));
    assert_eq!(server.send(&ready).expect("ready").status, 200);
    assert_eq!(server.send(&requests).expect("requests").status, 200);

    proxy.cut();
    assert_eq!(
        server
            .send(&Request::get("/healthz", None))
            .expect("alive")
            .status,
        200
    );
    // More than the pool holds, so that every connection it had is found broken.
    for _ in 0..2 {
        for request in [&ready, &requests] {
            let asked = Instant::now();
            let answer = server.send(request).expect("an answer");
            assert_eq!(answer.status, 503, "{} {answer:?}", request.path);
            assert_eq!(answer.json()["code"], "service_unavailable");
            assert!(
                asked.elapsed() < Duration::from_secs(5),
                "{} took {:?}: the queue's wait, not the connection's",
                request.path,
                asked.elapsed()
            );
        }
    }

    proxy.restore();
    let started = Instant::now();
    while server.send(&ready).expect("ready").status != 200 {
        assert!(started.elapsed() < start_timeout(), "never ready again");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.send(&requests).expect("requests").status, 200);
}

crate::support::engine_tests!(rate_limits_answer_429_with_retry_after);

/// Each limit refuses with 429 and `Retry-After` once its minute's worth is spent, and only for
/// what it counts: a token, an address's failed authentications, an address.
async fn rate_limits_answer_429_with_retry_after(mut app: crate::support::TestApp) {
    use actix_web::test::TestRequest;
    use consult::domain::role::Role;
    use consult::limits::{RateLimits, RatePolicy};
    use std::net::SocketAddr;
    use std::num::NonZeroU32;

    app.seed();
    app.state.limits = std::sync::Arc::new(RateLimits::new(RatePolicy {
        per_address: NonZeroU32::new(10),
        per_token: NonZeroU32::new(5),
        failed_authentication: NonZeroU32::new(3),
    }));
    let proxy: SocketAddr = "10.0.0.9:443".parse().expect("address");
    app.state.config.trusted_proxies = vec![proxy.ip()];
    let (drafter, other) = (
        app.staff_token(Role::Drafter),
        app.staff_token(Role::Drafter),
    );
    let from = |address: &str, token: Option<&str>| {
        crate::support::with_token(
            TestRequest::get()
                .uri("/api/v1/agencies")
                .peer_addr(address.parse().expect("address")),
            token,
        )
    };
    let limited = |response: &crate::support::Response| {
        response.problem(429, "too_many_requests");
        let seconds: u64 = response
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("whole seconds");
        assert!((1..=60).contains(&seconds), "{seconds}");
    };

    // A token: five a minute here; a sixth waits; another token does not.
    for _ in 0..5 {
        assert_eq!(
            app.send(from("10.0.0.1:1", Some(&drafter))).await.status,
            200
        );
    }
    limited(&app.send(from("10.0.0.1:1", Some(&drafter))).await);
    assert_eq!(app.send(from("10.0.0.1:1", Some(&other))).await.status, 200);

    // Wrong tokens from one address: three are told 401, then the address waits; a good
    // token from it still gets through.
    for _ in 0..3 {
        app.send(from("10.0.0.2:1", Some("cst_wrong")))
            .await
            .problem(401, "unauthenticated");
    }
    limited(&app.send(from("10.0.0.2:1", Some("cst_wrong"))).await);
    assert_eq!(app.send(from("10.0.0.2:1", Some(&other))).await.status, 200);

    // An address: ten requests a minute, with a token or without.
    for _ in 0..10 {
        app.send(from("10.0.0.3:1", None))
            .await
            .problem(401, "unauthenticated");
    }
    limited(&app.send(from("10.0.0.3:1", None)).await);

    // Behind a trusted proxy the client is the address the proxy saw; a client's own
    // X-Forwarded-For does not move it to another bucket.
    let forwarded = |peer: SocketAddr, chain: &str| {
        TestRequest::get()
            .uri("/healthz")
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", chain))
    };
    limited(&app.send(forwarded(proxy, "192.0.2.1, 10.0.0.3")).await);
    assert_eq!(app.send(forwarded(proxy, "10.0.0.4")).await.status, 200);
    let spoofing: SocketAddr = "10.0.0.3:2".parse().expect("address");
    limited(&app.send(forwarded(spoofing, "10.0.0.5")).await);
}

/// A healthy database whose pool is all in use makes a request wait in line, past the
/// connection timeout, rather than answer 503: only a pool whose connections broke is short.
#[actix_web::test]
async fn a_busy_pool_queues_past_the_connect_timeout() {
    use diesel::RunQueryDsl;
    let Some(app) = crate::support::TestApp::postgres().await else {
        return;
    };
    let sleepers: Vec<_> = (0..8)
        .map(|_| {
            let db = app.db().clone();
            actix_web::rt::spawn(async move {
                db.read(|conn| {
                    diesel::sql_query("SELECT pg_sleep(1.5)")
                        .execute(conn)
                        .map_err(consult::error::ApiError::from)
                })
                .await
            })
        })
        .collect();
    for sleeper in sleepers {
        let slept = sleeper.await.expect("the task");
        assert!(slept.is_ok(), "{slept:?}: a busy pool is not an outage");
    }
}
