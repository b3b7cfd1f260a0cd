//! Errors outside any one resource, and the health check.

use actix_web::test::TestRequest;

use crate::support::{TestApp, engine_tests};

engine_tests! {
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
