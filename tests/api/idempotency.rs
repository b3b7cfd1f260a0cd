//! `Idempotency-Key` on POST.

use actix_web::test::TestRequest;
use chrono::Duration;
use consult::api::idempotency::{fingerprint, policy};
use consult::cli;
use consult::db::Engine;
use consult::db::idempotency::{self, Claim, KeyRef};
use consult::domain::role::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, engine_tests, with_token};

fn agency(code: &str) -> Value {
    json!({"code": code, "name": "新单位", "kind": "other", "emails": ["a@b.example"]})
}

fn keyed_post(key: &str, token: &str, body: &Value) -> TestRequest {
    with_token(
        TestRequest::post()
            .uri("/api/v1/agencies")
            .insert_header(("Idempotency-Key", key))
            .set_json(body),
        Some(token),
    )
}

async fn count(app: &TestApp, token: &str, code: &str) -> usize {
    let page = app
        .get(&format!("/api/v1/agencies?q={code}"), Some(token))
        .await
        .json();
    page["items"].as_array().map_or(0, Vec::len)
}

/// Makes storing any response fail, as a crash between the change and its record would.
fn refuse_storing_responses(app: &TestApp) {
    use diesel::connection::SimpleConnection;
    let sql = match app.engine() {
        Engine::Sqlite => {
            "CREATE TRIGGER refuse_responses BEFORE UPDATE OF response_status ON idempotency_keys
             BEGIN SELECT RAISE(ABORT, 'response storage refused'); END;"
        }
        Engine::Postgres => {
            "CREATE FUNCTION refuse_responses() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'response storage refused'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER refuse_responses BEFORE UPDATE OF response_status ON idempotency_keys
             FOR EACH ROW EXECUTE FUNCTION refuse_responses();"
        }
    };
    app.db()
        .write_now(|conn| conn.batch_execute(sql).map_err(consult::db::DbError::from))
        .expect("trigger");
}

fn allow_storing_responses(app: &TestApp) {
    use diesel::connection::SimpleConnection;
    app.db()
        .write_now(|conn| {
            conn.batch_execute("DROP TRIGGER refuse_responses ON idempotency_keys")
                .or_else(|_| conn.batch_execute("DROP TRIGGER refuse_responses"))
                .map_err(consult::db::DbError::from)
        })
        .expect("drop trigger");
}

engine_tests!(
    a_change_and_its_stored_response_commit_together,
    a_retry_returns_the_first_response,
    the_same_key_with_another_body_is_422,
    a_retry_while_the_first_runs_is_409,
    keys_belong_to_their_token_and_expire,
    the_token_is_checked_before_the_key,
    get_and_patch_ignore_the_key_and_repeat_safely,
);

async fn a_change_and_its_stored_response_commit_together(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    refuse_storing_responses(&app);
    let failed = app
        .send(keyed_post("k-together", &token, &agency("together")))
        .await;
    failed.problem(500, "internal_error");
    // The change went with its record: a retry cannot find it done and do it again.
    assert_eq!(count(&app, &token, "together").await, 0);

    allow_storing_responses(&app);
    let retried = app
        .send(keyed_post("k-together", &token, &agency("together")))
        .await;
    assert_eq!(retried.status, 201);
    assert_eq!(retried.header("idempotent-replayed"), None);
    let replayed = app
        .send(keyed_post("k-together", &token, &agency("together")))
        .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.json(), retried.json());
    assert_eq!(count(&app, &token, "together").await, 1);
}

async fn a_retry_returns_the_first_response(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let first = app.send(keyed_post("k-1", &token, &agency("retry"))).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let second = app.send(keyed_post("k-1", &token, &agency("retry"))).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json(), first.json());
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert_eq!(count(&app, &token, "retry").await, 1);

    // A failure is replayed as well: the key stands for that request, whatever came of it.
    let mut invalid = agency("bad");
    invalid["kind"] = json!("nope");
    let failed = app.send(keyed_post("k-2", &token, &invalid)).await;
    failed.problem(422, "validation_failed");
    let replayed = app.send(keyed_post("k-2", &token, &invalid)).await;
    replayed.problem(422, "validation_failed");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

async fn the_same_key_with_another_body_is_422(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    assert_eq!(
        app.send(keyed_post("k-1", &token, &agency("first")))
            .await
            .status,
        201
    );
    app.send(keyed_post("k-1", &token, &agency("second")))
        .await
        .problem(422, "idempotency_key_reused");
    assert_eq!(count(&app, &token, "second").await, 0);
}

async fn a_retry_while_the_first_runs_is_409(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let body = serde_json::to_vec(&agency("slow")).expect("json");
    // The first request has claimed the key and not finished.
    let request_hash = fingerprint("POST", "/api/v1/agencies", &body);
    let (token_id, now) = (app.token_id(&token), app.clock.now().naive_utc());
    let keys = policy(&app.state.config);
    let claim = app
        .db()
        .write_now(|conn| {
            let key = KeyRef {
                token_id: &token_id,
                key: "k-1",
            };
            idempotency::claim(conn, key, &request_hash, now, keys)
                .map_err(consult::error::ApiError::from)
        })
        .expect("claim");
    assert!(matches!(claim, Claim::Run { .. }));
    app.send(keyed_post("k-1", &token, &agency("slow")))
        .await
        .problem(409, "idempotency_request_in_progress");
    assert_eq!(count(&app, &token, "slow").await, 0);

    // A first request that never finished (its server died) is taken over after a while.
    app.clock
        .advance(policy(&app.state.config).abandoned_after + Duration::seconds(1));
    assert_eq!(
        app.send(keyed_post("k-1", &token, &agency("slow")))
            .await
            .status,
        201
    );
}

async fn keys_belong_to_their_token_and_expire(app: TestApp) {
    let alice = app.staff_token(Role::Drafter);
    let bob = app.staff_token(Role::Drafter);
    assert_eq!(
        app.send(keyed_post("shared", &alice, &agency("alice")))
            .await
            .status,
        201
    );
    // Another token's identical key is a different key.
    assert_eq!(
        app.send(keyed_post("shared", &bob, &agency("bob")))
            .await
            .status,
        201
    );

    app.clock
        .advance(policy(&app.state.config).retention + Duration::minutes(1));
    // After retention the key is free again: this runs, and meets the code it created.
    app.send(keyed_post("shared", &alice, &agency("alice")))
        .await
        .problem(409, "agency_code_taken");
}

async fn the_token_is_checked_before_the_key(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    app.send(keyed_post("k-1", "cst_wrong", &agency("later")))
        .await
        .problem(401, "unauthenticated");
    // A stranger learns nothing from the body limit.
    let mut big = agency("big");
    big["name"] = json!("长".repeat(crate::support::BODY_LIMIT));
    app.send(keyed_post("k-big", "cst_wrong", &big))
        .await
        .problem(401, "unauthenticated");
    // A later request with the right token and the same key runs normally.
    assert_eq!(
        app.send(keyed_post("k-1", &token, &agency("later")))
            .await
            .status,
        201
    );
    let bad_key = app
        .send(keyed_post(&"k".repeat(300), &token, &agency("longkey")))
        .await;
    let problem = bad_key.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "header.Idempotency-Key");

    // Once revoked, a token gets no replays of what it stored.
    let id = app.token_id(&token);
    cli::revoke_token(app.db(), &id, app.clock.now()).expect("revoke");
    let replay = app.send(keyed_post("k-1", &token, &agency("later"))).await;
    replay.problem(401, "unauthenticated");
    assert_eq!(replay.header("idempotent-replayed"), None);
}

async fn get_and_patch_ignore_the_key_and_repeat_safely(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("tonglu").await;
    let url = format!("/api/v1/agencies/{id}");
    for _ in 0..2 {
        let get = TestRequest::get()
            .uri(&url)
            .insert_header(("Idempotency-Key", "g"));
        let response = app.send(with_token(get, Some(&token))).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("idempotent-replayed"), None);
    }
    // The key means nothing to PATCH: two different changes under one key both apply.
    for (revision, name) in [(2, "桐庐县人民政府"), (3, "桐庐县")] {
        let patch = TestRequest::patch()
            .uri(&url)
            .insert_header(("Idempotency-Key", "p"))
            .set_json(json!({ "name": name }));
        let response = app.send(with_token(patch, Some(&token))).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("idempotent-replayed"), None);
        assert_eq!(response.json()["revision"], revision);
    }
    // Repeating a PATCH is safe by itself: the same change again changes nothing.
    let again = app
        .patch(&url, Some(&token), &json!({"name": "桐庐县"}))
        .await
        .json();
    assert_eq!(again["revision"], 3);
}
