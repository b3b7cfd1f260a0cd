//! `GET /api/v1/audit`

use consult::domain::role::Role;
use serde_json::json;

use crate::support::{TestApp, engine_tests};

engine_tests!(
    changes_are_recorded_with_before_and_after,
    the_log_pages_newest_first,
);

async fn changes_are_recorded_with_before_and_after(app: TestApp) {
    let drafter = app.staff_token(Role::Drafter);
    let admin = app.staff_token(Role::Admin);
    let created = app
        .post(
            "/api/v1/agencies",
            Some(&drafter),
            &json!({"code": "audited", "name": "审计单位", "kind": "other", "emails": ["a@b.example"]}),
        )
        .await;
    let request_id = created
        .header("x-request-id")
        .expect("request id")
        .to_owned();
    let id = created.json()["id"].as_str().expect("id").to_owned();
    app.patch(
        &format!("/api/v1/agencies/{id}"),
        Some(&drafter),
        &json!({"name": "审计单位二"}),
    )
    .await;

    let log = app
        .get(
            &format!("/api/v1/audit?entity_type=agency&entity_id={id}"),
            Some(&admin),
        )
        .await
        .json();
    let events = log["items"].as_array().expect("items");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "agency.update", "newest first");
    assert_eq!(events[0]["before"]["name"], "审计单位");
    assert_eq!(events[0]["after"]["name"], "审计单位二");
    assert_eq!(events[0]["actor_role"], "drafter");
    assert_eq!(events[0]["actor_name"], "测试人员");
    assert_eq!(events[1]["action"], "agency.create");
    assert!(events[1]["before"].is_null());
    assert_eq!(events[1]["request_id"], request_id.as_str());

    // Token creation at the command line is in the log too.
    let tokens = app
        .get("/api/v1/audit?action=token.create", Some(&admin))
        .await
        .json();
    assert_eq!(tokens["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(tokens["items"][0]["actor_role"], "operator");
    assert!(
        tokens["items"][0]["after"].get("token_hash").is_none(),
        "no hash in the log"
    );
}

async fn the_log_pages_newest_first(app: TestApp) {
    app.seed();
    app.clock.advance(chrono::Duration::minutes(1));
    let admin = app.staff_token(Role::Admin);
    let mut ids = Vec::new();
    let mut times = Vec::new();
    let mut actions = Vec::new();
    let mut url = "/api/v1/audit?limit=8".to_owned();
    loop {
        let page = app.get(&url, Some(&admin)).await.json();
        for event in page["items"].as_array().expect("items") {
            ids.push(event["id"].as_str().expect("id").to_owned());
            times.push(event["occurred_at"].as_str().expect("time").to_owned());
            actions.push(event["action"].as_str().expect("action").to_owned());
        }
        match page["next_page"].as_str() {
            Some(cursor) => url = format!("/api/v1/audit?limit=8&cursor={cursor}"),
            None => break,
        }
    }
    // 30 seeded agencies, the demo document, its version created and published, its round
    // created and opened, one person and their token.
    assert_eq!(ids.len(), 37);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 37);
    // The token was made a minute after the seed: newest first across every page.
    assert_eq!(actions[0], "token.create");
    assert_ne!(times[0], times[36]);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
}
