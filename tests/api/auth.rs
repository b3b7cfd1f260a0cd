//! Who may call what: the role × route table of docs/authorization.md.

use actix_web::test::TestRequest;
use chrono::Duration;
use consult::cli::{self, TokenHolder};
use consult::domain::role::Role;
use consult::routes::{DOCS_PATH, SERVED};
use serde_json::json;

use crate::support::{TestApp, engine_tests, with_token};

/// Every agency route, with a body where it takes one.
fn agency_routes(id: &str) -> Vec<TestRequest> {
    let body =
        json!({"code": "newcode", "name": "新单位", "kind": "other", "emails": ["a@b.example"]});
    vec![
        TestRequest::get().uri("/api/v1/agencies"),
        TestRequest::post().uri("/api/v1/agencies").set_json(&body),
        TestRequest::get().uri(&format!("/api/v1/agencies/{id}")),
        TestRequest::patch()
            .uri(&format!("/api/v1/agencies/{id}"))
            .set_json(json!({"name": "改名"})),
        TestRequest::get().uri("/api/v1/audit"),
    ]
}

/// The routes anyone may call: they say nothing about the office's work.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
];

/// The route that takes no token because it is how an agency gets one: a claim code exchanged.
const TOKENLESS: &[(&str, &str)] = &[("POST", "/api/v1/claims")];

/// Every served route but the public ones refuses a caller without a token, before it looks
/// at the path's ids or the body: a new route that forgets its `Caller` fails here.
#[actix_web::test]
async fn every_route_but_the_public_ones_needs_a_token() {
    let app = TestApp::sqlite().await;
    app.seed();
    for (method, path) in SERVED {
        let uri = crate::support::nowhere(path);
        let request = TestRequest::default()
            .method(method.parse().expect("method"))
            .uri(&uri)
            .set_json(json!({}));
        let response = app.send(request).await;
        if PUBLIC.contains(&(*method, *path)) {
            assert_eq!(response.status, 200, "{method} {path}");
        } else if TOKENLESS.contains(&(*method, *path)) {
            response.problem(422, "validation_failed");
        } else {
            response.problem(401, "unauthenticated");
        }
    }
    let docs = app
        .send(TestRequest::get().uri(&format!("{DOCS_PATH}index.html")))
        .await;
    assert_eq!(docs.status, 200);
}

engine_tests!(
    no_token_is_401_everywhere,
    unknown_expired_and_revoked_tokens_are_401,
    agency_tokens_cannot_write_agencies_or_read_the_audit_log,
    drafters_cannot_read_the_audit_log,
    another_agencys_object_is_404_not_403,
    a_token_says_who_it_is,
);

/// `GET /api/v1/me` tells each token its name, role, agency and expiry, and never its secret.
async fn a_token_says_who_it_is(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let agency = app.agency_token("xihu");
    let me = app.get("/api/v1/me", Some(&drafter)).await.json();
    assert_eq!(me["role"], "drafter");
    assert_eq!(me["token_id"], app.token_id(&drafter));
    assert!(me["agency"].is_null());
    let clerk = app.get("/api/v1/me", Some(&agency)).await.json();
    assert_eq!(clerk["role"], "agency");
    assert_eq!(clerk["agency"]["code"], "xihu");
    assert_eq!(clerk["agency"]["name"], "西湖区");
    assert!(
        !clerk.to_string().contains(&agency),
        "the secret is never sent back"
    );
    app.get("/api/v1/me", None)
        .await
        .problem(401, "unauthenticated");
}

async fn no_token_is_401_everywhere(app: TestApp) {
    app.seed();
    let id = app.agency_id("jingxin").await;
    for request in agency_routes(&id) {
        let response = app.send(request).await;
        response.problem(401, "unauthenticated");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
}

async fn unknown_expired_and_revoked_tokens_are_401(app: TestApp) {
    app.seed();
    let id = app.agency_id("jingxin").await;
    let expiring = cli::create_token(
        app.db(),
        TokenHolder::Staff {
            role: Role::Drafter,
            email: None,
        },
        "临时",
        Some("2026-06-01"),
        app.clock.now(),
    )
    .expect("token");
    assert_eq!(
        app.get("/api/v1/agencies", Some(&expiring)).await.status,
        200
    );
    // Valid through 1 June in Shanghai, that is until 16:00 UTC that day: still valid at 15:00.
    app.clock.advance(Duration::days(2) + Duration::hours(14));
    assert_eq!(
        app.get("/api/v1/agencies", Some(&expiring)).await.status,
        200
    );
    app.clock.advance(Duration::hours(1));

    let revoked = app.staff_token(Role::Admin);
    let listing = cli::list_tokens(app.db(), app.clock.now()).expect("list");
    let revoked_id = listing
        .lines()
        .last()
        .and_then(|line| line.split_whitespace().next())
        .expect("token id")
        .to_owned();
    cli::revoke_token(app.db(), &revoked_id, app.clock.now()).expect("revoke");

    for token in [expiring.as_str(), revoked.as_str(), "cst_not-a-real-token"] {
        for request in agency_routes(&id) {
            app.send(with_token(request, Some(token)))
                .await
                .problem(401, "unauthenticated");
        }
    }
    let listing = cli::list_tokens(app.db(), app.clock.now()).expect("list");
    assert!(listing.contains("expired"), "{listing}");
    assert!(listing.contains("revoked"), "{listing}");
}

async fn agency_tokens_cannot_write_agencies_or_read_the_audit_log(app: TestApp) {
    app.seed();
    let own = app.agency_id("jingxin").await;
    let token = app.agency_token("jingxin");
    let created = app
        .post(
            "/api/v1/agencies",
            Some(&token),
            &json!({"code": "newcode", "name": "新单位", "kind": "other", "emails": ["a@b.example"]}),
        )
        .await;
    created.problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/agencies/{own}"),
        Some(&token),
        &json!({"name": "改名"}),
    )
    .await
    .problem(403, "forbidden");
    app.get("/api/v1/audit", Some(&token))
        .await
        .problem(403, "forbidden");
    // Nothing was written by the refused requests.
    let drafter = app.staff_token(Role::Drafter);
    let listing = app
        .get("/api/v1/agencies?q=newcode", Some(&drafter))
        .await
        .json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(0));
}

async fn drafters_cannot_read_the_audit_log(app: TestApp) {
    let drafter = app.staff_token(Role::Drafter);
    app.get("/api/v1/audit", Some(&drafter))
        .await
        .problem(403, "forbidden");
    let admin = app.staff_token(Role::Admin);
    assert_eq!(app.get("/api/v1/audit", Some(&admin)).await.status, 200);
}

async fn another_agencys_object_is_404_not_403(app: TestApp) {
    app.seed();
    let other = app.agency_id("shangwu").await;
    let token = app.agency_token("jingxin");
    app.get(&format!("/api/v1/agencies/{other}"), Some(&token))
        .await
        .problem(404, "not_found");
    app.patch(
        &format!("/api/v1/agencies/{other}"),
        Some(&token),
        &json!({"name": "改名"}),
    )
    .await
    .problem(404, "not_found");
    // The same answer as for an id that does not exist at all.
    app.get("/api/v1/agencies/no-such-id", Some(&token))
        .await
        .problem(404, "not_found");
}
