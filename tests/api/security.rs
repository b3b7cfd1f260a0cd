//! Security headers on every response, whatever answered it.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use consult::routes::{DOCS_PATH, SERVED};
use serde_json::json;

use crate::support::{Response, TestApp, engine_tests, with_token};

engine_tests!(every_response_carries_the_security_headers);

fn assert_secured(response: &Response, what: &str) {
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        response.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    let policy = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    for (method, path) in SERVED {
        let uri = crate::support::nowhere(path);
        for token in [None, Some(drafter.as_str())] {
            let request = TestRequest::default()
                .method(method.parse().expect("method"))
                .uri(&uri)
                .set_json(serde_json::json!({}));
            let response = app.send(with_token(request, token)).await;
            let what = format!("{method} {path} ({}) {}", token.is_some(), response.status);
            assert_secured(&response, &what);
            // Whatever a token is answered stays out of caches.
            if token.is_some() {
                assert_eq!(response.header("cache-control"), Some("no-store"), "{what}");
            }
        }
    }
    // A URL nothing serves, and a method a URL does not take.
    assert_secured(&app.get("/nowhere", None).await, "no route");
    let refused = app
        .send(TestRequest::delete().uri("/api/v1/agencies"))
        .await;
    assert_eq!(refused.status, 405);
    assert_secured(&refused, "405");

    // The docs page may run its own scripts and nothing else's.
    let page = app
        .send(TestRequest::get().uri(&format!("{DOCS_PATH}index.html")))
        .await;
    assert_eq!(page.status, 200);
    assert_secured(&page, "docs page");
    let policy = page.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
}

/// The server's log, at its most talkative, holds no token, no database password and no
/// comment text, whatever the requests were.
#[test]
fn nothing_secret_reaches_the_logs() {
    use crate::support::served::{Request, Served, consult, token};

    let Some(database) = crate::support::postgres::TestDatabase::create() else {
        return;
    };
    // Trust authentication ignores the password, so it can be any secret word.
    let password = "hunter2-secret-word";
    let url = database
        .url
        .replacen("://postgres@", &format!("://postgres:{password}@"), 1);
    assert_ne!(url, database.url, "a URL with a password: {}", database.url);
    assert!(consult(&url, &["seed"]).status.success());
    let agency = token(&url, &["--agency", "xihu"]);
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("serve.log");
    let server = Served::logging_to(&url, &[("RUST_LOG", "debug".to_owned())], &log);
    let (round, _) = server.first_request(&agency);
    let text = "这是一条不应出现在日志里的意见";
    let posted = server
        .send(
            &Request::post(
                &format!("/api/v1/rounds/{round}/comments"),
                Some(&agency),
                &json!({"kind": "general", "body": text}),
            )
            .header("Idempotency-Key", "log-1"),
        )
        .expect("post");
    assert_eq!(posted.status, 201);
    let wrong = "cst_not_a_real_token_at_all";
    assert_eq!(
        server
            .send(&Request::get("/api/v1/requests", Some(wrong)))
            .expect("refused")
            .status,
        401
    );
    drop(server);
    let written = std::fs::read_to_string(&log).expect("the log");
    assert!(
        written.contains("/api/v1/requests"),
        "requests are logged: {written}"
    );
    for secret in [agency.as_str(), wrong, password, text] {
        assert!(!written.contains(secret), "{secret:?} is in the log");
    }
}
