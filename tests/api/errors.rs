//! Errors outside any one resource, and the health check.

use actix_web::test::TestRequest;

use consult::domain::role::Role;
use serde_json::json;

use crate::support::{TestApp, engine_tests};

engine_tests! {
    async fn a_time_without_its_offset_and_a_bad_query_value_say_what_is_expected(app: TestApp) {
        app.seed();
        let drafter = app.staff_token(Role::Drafter);
        let documents = app.get("/api/v1/documents", Some(&drafter)).await.json();
        let document = documents["items"][0]["id"].as_str().or_else(|| documents[0]["id"].as_str()).expect("document").to_owned();
        let refused = app
            .post("/api/v1/rounds", Some(&drafter), &json!({"document_id": document, "version": 1, "title": "征求意见", "deadline": "2026-12-10T18:00:00"}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(refused["errors"][0]["field"], "deadline");
        let message = refused["errors"][0]["message"].as_str().expect("message");
        assert!(message.contains("2026-12-10T18:00:00+08:00"), "{message}");
        let rounds = app.get("/api/v1/rounds", Some(&drafter)).await.json();
        let round = rounds[0]["id"].as_str().expect("round");
        let bad = app.get(&format!("/api/v1/rounds/{round}/comments?limit=many"), Some(&drafter)).await.problem(422, "validation_failed");
        assert_eq!(bad["errors"][0]["field"], "query.limit");
        let unknown = app.get(&format!("/api/v1/rounds/{round}/comments?colour=red"), Some(&drafter)).await.problem(422, "validation_failed");
        assert_eq!(unknown["errors"][0]["field"], "query.colour");
    }

    async fn unknown_urls_and_methods_answer_in_problem_form(app: TestApp) {
        app.get("/api/v1/nothing-here", None).await.problem(404, "no_such_route");
        let refused = app.send(TestRequest::delete().uri("/api/v1/agencies")).await;
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
            .send(TestRequest::get().uri("/healthz").insert_header(("X-Request-Id", "client-42")))
            .await;
        assert_eq!(traced.header("x-request-id"), Some("client-42"));
    }
}
