//! Errors outside any one resource, and the health check.

use actix_web::test::TestRequest;

use consult::domain::role::Role;
use serde_json::json;

use crate::support::{TestApp, engine_tests};

engine_tests!(
    text_with_nul_or_with_nothing_visible_is_refused_field_by_field,
    a_time_without_its_offset_and_a_bad_query_value_say_what_is_expected,
    unknown_urls_and_methods_answer_in_problem_form,
    health_checks_the_database,
    the_metrics_count_requests_by_route_and_read_the_outbox_at_each_scrape,
);

async fn text_with_nul_or_with_nothing_visible_is_refused_field_by_field(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let agency = app.agency_token("xihu");
    let rounds = app.items("/api/v1/rounds", Some(&drafter)).await;
    let round = rounds[0]["id"].as_str().expect("round").to_owned();
    let url = format!("/api/v1/rounds/{round}/comments");
    let nul = app
        .post(
            &url,
            Some(&agency),
            &json!({"items": [{"kind": "general", "body": "建议\u{0}补充"}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(nul["errors"][0]["field"], "items[0].body");
    assert_eq!(nul["errors"][0]["code"], "nul_character");
    let in_key = app
        .post(
            &url,
            Some(&agency),
            &json!({"items": [{"kind": "general", "body": "x", "a\u{0}": 1}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(in_key["errors"][0]["code"], "nul_character");
    // An escaped backslash before `u0000` is text, not NUL.
    let literal = app
        .post(
            &url,
            Some(&agency),
            &json!({"items": [{"kind": "general", "body": "路径\\u0000"}]}),
        )
        .await;
    assert_eq!(
        literal.status,
        201,
        "{}",
        String::from_utf8_lossy(&literal.body)
    );
    let path = app
        .get("/api/v1/comments/abc%00def", Some(&drafter))
        .await
        .problem(422, "validation_failed");
    assert_eq!(path["errors"][0]["field"], "path");
    let query = app
        .get(&format!("{url}?q=%00"), Some(&drafter))
        .await
        .problem(422, "validation_failed");
    assert_eq!(query["errors"][0]["field"], "query.q");

    // Text of spaces or zero-width characters says nothing.
    let blank = app
        .post(
            &url,
            Some(&agency),
            &json!({"items": [{"kind": "general", "body": "\u{200B}\u{3000}\u{FEFF}"}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(blank["errors"][0]["field"], "items[0].body");
    let rounds = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    let request = rounds["requests"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let reason = app
        .post(
            &format!("/api/v1/requests/{request}/extension"),
            Some(&drafter),
            &json!({"working_days": 2, "reason": "\u{200B}"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(reason["errors"][0]["field"], "reason");
    assert_eq!(reason["errors"][0]["code"], "blank");
    let signer = app
        .post(&format!("/api/v1/requests/{request}/no-comments"), Some(&drafter), &json!({"signer": "\u{200C}", "contact_name": "李明", "contact_phone": "0571-85000000", "source": "paper"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(signer["errors"][0]["field"], "signer");
    // Nothing was stored by any of these.
    let own = app.items("/api/v1/requests", Some(&agency)).await;
    let own_id = own[0]["id"].as_str().expect("own request");
    let working = app
        .items(
            &format!("/api/v1/requests/{own_id}/comments"),
            Some(&agency),
        )
        .await;
    assert_eq!(
        working.as_array().map(Vec::len),
        Some(1),
        "only the literal backslash text"
    );
}

async fn a_time_without_its_offset_and_a_bad_query_value_say_what_is_expected(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let documents = app.get("/api/v1/documents", Some(&drafter)).await.json();
    let document = documents["items"][0]["id"]
        .as_str()
        .or_else(|| documents[0]["id"].as_str())
        .expect("document")
        .to_owned();
    let refused = app
        .post("/api/v1/rounds", Some(&drafter), &json!({"document_id": document, "version": 1, "title": "征求意见", "deadline": "2026-12-10T18:00:00"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(refused["errors"][0]["field"], "deadline");
    let message = refused["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("2026-12-10T18:00:00+08:00"), "{message}");
    let rounds = app.items("/api/v1/rounds", Some(&drafter)).await;
    let round = rounds[0]["id"].as_str().expect("round");
    let bad = app
        .get(
            &format!("/api/v1/rounds/{round}/comments?limit=many"),
            Some(&drafter),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "query.limit");
    let unknown = app
        .get(
            &format!("/api/v1/rounds/{round}/comments?colour=red"),
            Some(&drafter),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(unknown["errors"][0]["field"], "query.colour");
}

async fn unknown_urls_and_methods_answer_in_problem_form(app: TestApp) {
    app.get("/api/v1/nothing-here", None)
        .await
        .problem(404, "no_such_route");
    let refused = app
        .send(TestRequest::delete().uri("/api/v1/agencies"))
        .await;
    refused.problem(405, "method_not_allowed");
    assert_eq!(refused.header("allow"), Some("GET, POST"));
}

async fn health_checks_the_database(app: TestApp) {
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["status"], "ok");
    let engine = app.engine().as_str();
    assert_eq!(body["database"], engine);
    let request_id = response.header("x-request-id").expect("request id");
    assert!(!request_id.is_empty());
    // A caller's own request id is kept.
    let traced = app
        .send(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("X-Request-Id", "client-42")),
        )
        .await;
    assert_eq!(traced.header("x-request-id"), Some("client-42"));
}

/// The value of the series `name{labels}` on a metrics page, its labels in any order.
fn series(page: &str, name: &str, labels: &[&str]) -> Option<f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            series.split('{').next() == Some(name) && labels.iter().all(|l| series.contains(l))
        })
        .and_then(|(_, value)| value.parse().ok())
}

async fn the_metrics_count_requests_by_route_and_read_the_outbox_at_each_scrape(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = app.fixture().demo_round();
    let missing = "00000000-0000-0000-0000-00000000beef";
    for _ in 0..3 {
        let response = app
            .get(&format!("/api/v1/rounds/{missing}"), Some(&drafter))
            .await;
        assert_eq!(response.status, 404);
    }
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}"), Some(&drafter))
            .await
            .status,
        200
    );
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let page = String::from_utf8(response.body.to_vec()).expect("utf-8");
    // The route's pattern, never its ids; every test of this process counts into one page.
    let requests = "consult_http_request_duration_seconds_count";
    let not_found = series(
        &page,
        requests,
        &[
            r#"route="/api/v1/rounds/{id}""#,
            r#"status="404""#,
            r#"method="GET""#,
        ],
    );
    assert!(not_found.is_some_and(|n| n >= 3.0), "{page}");
    assert!(
        series(
            &page,
            requests,
            &[r#"route="/api/v1/rounds/{id}""#, r#"status="200""#]
        )
        .is_some()
    );
    assert!(!page.contains(missing), "an id made a series");
    // What stands is this database's, read for this page.
    let pending = app
        .db()
        .read_now(
            |conn| -> Result<i64, consult::service::error::ServiceError> {
                use consult::db::schema::outbox_messages as o;
                use diesel::prelude::*;
                Ok(o::table
                    .filter(o::state.eq("pending"))
                    .count()
                    .get_result(conn)?)
            },
        )
        .expect("pending");
    assert!(pending > 0, "opening the round queued its letters");
    assert_eq!(
        series(&page, "consult_outbox_messages", &[r#"state="pending""#]),
        Some(pending as f64)
    );
    assert_eq!(
        series(&page, "consult_outbox_messages", &[r#"state="failed""#]),
        Some(0.0)
    );
    let pool = match app.engine() {
        consult::db::Engine::Sqlite => r#"pool="write""#,
        consult::db::Engine::Postgres => r#"pool="shared""#,
    };
    assert!(series(&page, "consult_db_connections", &[pool, r#"state="idle""#]).is_some());
    assert!(
        series(
            &page,
            "consult_db_commit_seconds_count",
            &[r#"outcome="commit""#]
        )
        .is_some_and(|n| n > 0.0)
    );
    assert!(
        series(
            &page,
            "consult_process_memory_bytes",
            &[r#"kind="resident""#]
        )
        .is_some_and(|n| n > 0.0)
    );
    assert!(page.contains("# TYPE consult_comment_batch_size histogram"));
}
