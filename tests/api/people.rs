//! The office's people: added, given tokens, listed, changed and retired through the API.

use consult::domain::role::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, engine_tests};

engine_tests!(
    a_person_holds_several_tokens_and_leaving_ends_them_all,
    a_new_role_applies_to_every_token_the_person_holds,
    a_person_must_be_named_reachable_and_on_the_staff,
);

/// A new person and a token for them, made by `admin`: (the person, the token's secret).
async fn person_with_token(app: &TestApp, admin: &str, body: Value) -> (Value, String) {
    let made = app.post("/api/v1/people", Some(admin), &body).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    assert!(
        made.header("location")
            .is_some_and(|l| l.starts_with("/api/v1/people/"))
    );
    let person = made.json();
    let secret = token_for(app, admin, &person, "笔记本电脑").await;
    (person, secret)
}

async fn token_for(app: &TestApp, admin: &str, person: &Value, name: &str) -> String {
    let made = app
        .post(
            "/api/v1/tokens",
            Some(admin),
            &json!({"name": name, "person": person["id"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    made.json()["secret"].as_str().expect("secret").to_owned()
}

async fn a_person_holds_several_tokens_and_leaving_ends_them_all(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let clerk = app.agency_token("xihu");
    let (li, laptop) = person_with_token(
        &app,
        &admin,
        json!({"name": "李四", "email": "li@fgw.example", "role": "drafter"}),
    )
    .await;
    let script = token_for(&app, &admin, &li, "李四的导出脚本").await;
    for secret in [&laptop, &script] {
        let me = app.get("/api/v1/me", Some(secret)).await.json();
        assert_eq!(me["role"], "drafter");
        assert_eq!(
            me["person"],
            json!({"id": li["id"], "name": "李四", "email": "li@fgw.example"})
        );
    }
    // Drafters see the staff, each with their working tokens; agencies do not.
    let people = app
        .items("/api/v1/people", Some(&laptop))
        .await
        .as_array()
        .cloned()
        .expect("people");
    assert_eq!(people.len(), 2, "the admin and 李四: {people:?}");
    let listed = people.iter().find(|p| p["id"] == li["id"]).expect("李四");
    assert_eq!(listed["working_tokens"], 2);
    assert_eq!(listed["retired_at"], Value::Null);
    let shown = app
        .get(
            &format!("/api/v1/people/{}", li["id"].as_str().expect("id")),
            Some(&laptop),
        )
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.header("etag"), Some("\"1\""));
    app.get("/api/v1/people", Some(&clerk))
        .await
        .problem(403, "forbidden");
    app.post(
        "/api/v1/people",
        Some(&laptop),
        &json!({"name": "x", "role": "drafter"}),
    )
    .await
    .problem(403, "forbidden");

    // 李四 leaves: both tokens stop at once, and no comment or token is given to them again.
    let url = format!("/api/v1/people/{}/retire", li["id"].as_str().expect("id"));
    app.post(&url, Some(&laptop), &json!({}))
        .await
        .problem(403, "forbidden");
    let retired = app.post(&url, Some(&admin), &json!({})).await;
    assert_eq!(retired.status, 200, "{:?}", retired.body);
    assert!(retired.json()["retired_at"].is_string());
    for secret in [&laptop, &script] {
        app.get("/api/v1/me", Some(secret))
            .await
            .problem(401, "unauthenticated");
    }
    app.post(&url, Some(&admin), &json!({}))
        .await
        .problem(409, "person_retired");
    let refused = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "新电脑", "person": li["id"]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(refused["errors"][0]["code"], "person_retired");
    let people = app
        .items("/api/v1/people", Some(&admin))
        .await
        .as_array()
        .cloned()
        .expect("people");
    let listed = people.iter().find(|p| p["id"] == li["id"]).expect("李四");
    assert_eq!(listed["working_tokens"], 0);
    assert!(listed["retired_at"].is_string(), "who left stays listed");
    let audit = app.get("/api/v1/audit?limit=20", Some(&admin)).await;
    let text = String::from_utf8_lossy(&audit.body).to_string();
    assert!(
        text.contains("person.create") && text.contains("person.retire"),
        "{text}"
    );
}

async fn a_new_role_applies_to_every_token_the_person_holds(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let (wang, secret) =
        person_with_token(&app, &admin, json!({"name": "王五", "role": "drafter"})).await;
    let url = format!("/api/v1/people/{}", wang["id"].as_str().expect("id"));
    app.get("/api/v1/tokens", Some(&secret))
        .await
        .problem(403, "forbidden");
    let changed = app
        .send(crate::support::with_token(
            actix_web::test::TestRequest::patch()
                .uri(&url)
                .insert_header(("If-Match", "\"1\""))
                .set_json(json!({"role": "admin", "email": "wang@fgw.example"})),
            Some(&admin),
        ))
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.header("etag"), Some("\"2\""));
    assert_eq!(changed.json()["working_tokens"], 1);
    assert_eq!(
        app.get("/api/v1/tokens", Some(&secret)).await.status,
        200,
        "the token is an admin's now"
    );
    // A change based on what was read before is refused, not written over.
    let stale = app
        .send(crate::support::with_token(
            actix_web::test::TestRequest::patch()
                .uri(&url)
                .insert_header(("If-Match", "\"1\""))
                .set_json(json!({"name": "王五五"})),
            Some(&admin),
        ))
        .await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    let cleared = app.patch(&url, Some(&admin), &json!({"email": null})).await;
    assert_eq!(cleared.status, 200, "{:?}", cleared.body);
    assert_eq!(cleared.json()["email"], Value::Null);
    app.patch(&url, Some(&admin), &json!({"role": "agency"}))
        .await
        .problem(422, "validation_failed");
    app.patch("/api/v1/people/nobody", Some(&admin), &json!({"name": "x"}))
        .await
        .problem(404, "not_found");
}

async fn a_person_must_be_named_reachable_and_on_the_staff(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    for (body, field, code) in [
        (
            json!({"name": " ", "role": "drafter"}),
            "name",
            "invalid_name",
        ),
        (
            json!({"name": "赵六", "role": "drafter", "email": "not an address"}),
            "email",
            "invalid_email",
        ),
        (
            json!({"name": "赵六", "role": "agency"}),
            "role",
            "not_staff",
        ),
    ] {
        let refused = app
            .post("/api/v1/people", Some(&admin), &body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
        assert_eq!(refused["errors"][0]["code"], code, "{refused}");
    }
    let people = app
        .items("/api/v1/people", Some(&admin))
        .await
        .as_array()
        .cloned()
        .expect("people");
    assert_eq!(people.len(), 1, "nothing was added: {people:?}");
}
