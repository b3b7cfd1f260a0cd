//! Tokens made, listed and revoked through the API, and a secret that is sent once.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use diesel::prelude::*;
use serde_json::json;

use crate::support::{TestApp, engine_tests, with_token};

engine_tests!(
    an_admin_makes_tokens_that_work_and_revokes_them,
    a_new_tokens_secret_is_sent_once_and_kept_nowhere,
    a_token_must_say_whom_it_answers_for,
);

async fn an_admin_makes_tokens_that_work_and_revokes_them(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let made = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "西湖区发改局接口", "agency": "xihu"}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let made = made.json();
    let clerk = made["secret"].as_str().expect("the secret").to_owned();
    assert_eq!(made["token"]["role"], "agency");
    assert_eq!(made["token"]["state"], "active");
    let me = app.get("/api/v1/me", Some(&clerk)).await.json();
    assert_eq!(me["agency"]["code"], "xihu");
    assert_eq!(me["name"], "西湖区发改局接口");

    let zhang = app
        .post(
            "/api/v1/people",
            Some(&admin),
            &json!({"name": "张三", "role": "drafter", "email": "zhang@fgw.example"}),
        )
        .await
        .json();
    let drafter = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "张三的电脑", "person": zhang["id"], "expires_at": "2026-12-31T18:00:00+08:00"}),
        )
        .await
        .json();
    assert_eq!(drafter["token"]["role"], "drafter", "the person's role");
    assert_eq!(drafter["token"]["person_id"], zhang["id"]);
    let secret = drafter["secret"].as_str().expect("secret").to_owned();
    assert_eq!(
        app.get("/api/v1/rounds", Some(&secret)).await.status,
        200,
        "the new drafter works"
    );
    assert_eq!(drafter["token"]["expires_at"], "2026-12-31T10:00:00Z");

    let listed = app.get("/api/v1/tokens", Some(&admin)).await;
    let text = String::from_utf8_lossy(&listed.body).to_string();
    assert!(text.contains("西湖区发改局接口"), "{text}");
    assert!(
        !text.contains(&clerk) && !text.contains(&secret),
        "no secret is listed"
    );

    let id = made["token"]["id"].as_str().expect("id").to_owned();
    let revoked = app
        .post(
            &format!("/api/v1/tokens/{id}/revoke"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert_eq!(revoked.json()["state"], "revoked");
    app.get("/api/v1/me", Some(&clerk))
        .await
        .problem(401, "unauthenticated");
    app.post(
        &format!("/api/v1/tokens/{id}/revoke"),
        Some(&admin),
        &json!({}),
    )
    .await
    .problem(409, "token_revoked");
    // Both changes are in the audit log, with no hash or secret in them.
    let audit = app.get("/api/v1/audit?limit=5", Some(&admin)).await;
    let audit_text = String::from_utf8_lossy(&audit.body).to_string();
    assert!(audit_text.contains("token.revoke") && audit_text.contains("token.create"));
    assert!(!audit_text.contains(&clerk) && !audit_text.contains("token_hash"));
}

/// A keyed request that made a token answers a retry with `secret_issued_once`: the secret is
/// not in the stored response, nor anywhere else in the database but as a hash.
async fn a_new_tokens_secret_is_sent_once_and_kept_nowhere(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let keyed = || {
        with_token(
            TestRequest::post()
                .uri("/api/v1/tokens")
                .insert_header(("Idempotency-Key", "make-clerk-1"))
                .set_json(json!({"name": "经信局接口", "agency": "jingxin"})),
            Some(&admin),
        )
    };
    let first = app.send(keyed()).await;
    assert_eq!(first.status, 201);
    let secret = first.json()["secret"].as_str().expect("secret").to_owned();
    let retry = app.send(keyed()).await;
    retry.problem(409, "secret_issued_once");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let stored: Vec<Option<Vec<u8>>> = app
        .db()
        .read_now(|conn| {
            use consult::db::schema::idempotency_keys::dsl as k;
            k::idempotency_keys
                .select(k::response_body)
                .load(conn)
                .map_err(consult::error::ApiError::from)
        })
        .expect("stored responses");
    assert!(!stored.is_empty());
    for body in stored.into_iter().flatten() {
        assert!(
            !String::from_utf8_lossy(&body).contains(&secret),
            "a stored response holds the secret"
        );
    }
    // Only one token was made.
    let listed = app.get("/api/v1/tokens", Some(&admin)).await.json();
    let clerks = listed["items"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter(|t| t["name"] == "经信局接口")
        .count();
    assert_eq!(clerks, 1);
}

async fn a_token_must_say_whom_it_answers_for(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let refused = |body: serde_json::Value, field: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let answer = app
                .post("/api/v1/tokens", Some(&admin), &body)
                .await
                .problem(422, "validation_failed");
            assert_eq!(answer["errors"][0]["field"], field, "{answer}");
        }
    };
    let person = app.person_id(&admin);
    refused(json!({"name": "x"}), "person").await;
    refused(
        json!({"name": "x", "person": person, "agency": "xihu"}),
        "agency",
    )
    .await;
    refused(json!({"name": "x", "agency": "nowhere"}), "agency").await;
    refused(json!({"name": "x", "person": "nobody"}), "person").await;
    refused(json!({"name": " ", "person": person}), "name").await;
    refused(
        json!({"name": "x", "person": person, "expires_at": "2020-01-01T00:00:00+08:00"}),
        "expires_at",
    )
    .await;
    let unknown = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "x", "role": "drafter", "person": person}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        unknown["errors"][0]["field"], "role",
        "the role is the person's"
    );
    let listed = app.get("/api/v1/tokens", Some(&admin)).await.json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "only the admin's own token"
    );
}
