//! An agency gets in from its letter: the letter gives the service's address, its reference and a
//! one-time claim code, which the liaison exchanges once for the agency's token.

use chrono::Duration;
use consult::db::outbox::{self, OutboxFilter, OutboxRow};
use consult::domain::role::Role;
use consult::error::ApiError;
use serde_json::{Value, json};

use crate::support::smtp::{Received, Receiver, deliver};
use crate::support::{TestApp, engine_tests};

engine_tests!(
    a_rounds_letters_carry_the_address_the_reference_and_a_code_that_works_once,
    a_code_expires_and_the_office_issues_one_that_replaces_it,
    exchanging_codes_is_limited_per_address,
);

const ADDRESS: &str = "https://consult.fgw.example";

async fn document(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/documents", Some(token)).await.json()["items"][0]["id"]
        .as_str()
        .expect("the demo document")
        .to_owned()
}

/// A round on the demo draft for `agencies`, opened.
async fn opened_round(app: &TestApp, token: &str, agencies: &[&str], extra: Value) -> String {
    let mut body = json!({
        "document_id": document(app, token).await,
        "version": 1,
        "title": "《若干举措》第二次征求意见",
        "working_days": 5,
        "agencies": agencies,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let made = app.post("/api/v1/rounds", Some(token), &body).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let round = made.json()["id"].as_str().expect("id").to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(token),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    round
}

/// What the outbox holds for `round`, of `kind`.
fn queued(app: &TestApp, round: &str, kind: &str) -> Vec<OutboxRow> {
    let filter = OutboxFilter {
        kind: Some(kind.to_owned()),
        round_id: Some(round.to_owned()),
        ..OutboxFilter::default()
    };
    app.db()
        .read_now(|conn| outbox::list(conn, &filter, None, 100).map_err(ApiError::from))
        .expect("the outbox")
}

/// The code a queued message carries for the agency with `code`.
fn code_for(app: &TestApp, round: &str, kind: &str, agency: &str) -> String {
    queued(app, round, kind)
        .into_iter()
        .find(|row| row.recipients.contains(agency))
        .and_then(|row| row.secret)
        .expect("a code waiting to be sent")
}

fn claim_code_in(text: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("领取码："))
        .expect("a claim code line")
        .trim()
        .to_owned()
}

fn sent_to<'a>(messages: &'a [Received], agency: &str, marker: &str) -> &'a Received {
    messages
        .iter()
        .find(|m| m.recipients.iter().any(|r| r.contains(agency)) && m.text().contains(marker))
        .expect("the agency's letter")
}

async fn a_rounds_letters_carry_the_address_the_reference_and_a_code_that_works_once(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    // 司法局 answers through a token the office made it; the others have none.
    let made = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            &json!({"name": "司法局接口", "agency": "sifa"}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let round = opened_round(
        &app,
        &admin,
        &["xihu", "sifa", "jingxin"],
        json!({"letter_reference": "杭发改函〔2026〕99号", "number_letters": true}),
    )
    .await;

    let receiver = Receiver::start();
    let sent = deliver(&app, &receiver, Some(&format!("{ADDRESS}/")));
    assert_eq!(sent, 33, "the demo round's 30 letters and this round's 3");
    let messages = receiver.messages();
    let xihu = sent_to(&messages, "xihu", "〔2026〕99").text();
    assert!(
        xihu.contains(&format!("意见征集系统地址：{ADDRESS}\n")),
        "{xihu}"
    );
    assert!(
        xihu.contains(&format!("curl -X POST {ADDRESS}/api/v1/claims")),
        "{xihu}"
    );
    let code = claim_code_in(&xihu);
    assert_eq!(code.len(), 24, "{code}");
    let sifa = sent_to(&messages, "sifa", "〔2026〕99").text();
    assert!(
        !sifa.contains("领取码"),
        "a token holder gets no code:\n{sifa}"
    );
    assert!(sifa.contains("已有的接口令牌"), "{sifa}");
    // Each letter its own number under the reference.
    let mut numbers: Vec<String> = ["xihu", "sifa", "jingxin"]
        .iter()
        .map(|agency| {
            let text = sent_to(&messages, agency, "〔2026〕99").text();
            text.lines()
                .find_map(|line| line.strip_prefix("文号："))
                .expect("the reference")
                .to_owned()
        })
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "杭发改函〔2026〕99-1号",
            "杭发改函〔2026〕99-2号",
            "杭发改函〔2026〕99-3号"
        ]
    );
    // Delivered, the code is kept nowhere: not in the row, not in its text.
    for row in queued(&app, &round, "comment_request") {
        assert_eq!(row.secret, None, "{}", row.id);
        assert!(!row.body_text.contains(&code));
        assert!(!row.body_html.unwrap_or_default().contains(&code));
    }

    // Typed back in lower case with spaces, the code is exchanged for xihu's token.
    let typed = code.to_lowercase().replace('-', " ");
    let claimed = app
        .post("/api/v1/claims", None, &json!({ "code": typed }))
        .await;
    assert_eq!(claimed.status, 201, "{:?}", claimed.body);
    let claimed = claimed.json();
    assert_eq!(claimed["agency"]["code"], "xihu");
    assert_eq!(claimed["token"]["role"], "agency");
    let secret = claimed["secret"].as_str().expect("the secret").to_owned();
    let me = app.get("/api/v1/me", Some(&secret)).await.json();
    assert_eq!(me["agency"]["code"], "xihu");
    let request = claimed["request_id"].as_str().expect("request").to_owned();
    let letter = app
        .get(&format!("/api/v1/requests/{request}"), Some(&secret))
        .await;
    assert_eq!(letter.status, 200, "{:?}", letter.body);
    let letter = letter.json();
    assert_eq!(letter["round_id"], round.as_str());
    assert!(
        letter["letter_reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("杭发改函〔2026〕99-")),
        "{letter}"
    );
    assert_eq!(letter["asked"]["round_title"], "《若干举措》第二次征求意见");
    assert!(
        letter["effective_deadline_local"]
            .as_str()
            .is_some_and(|t| t.ends_with("T18:00:00+08:00")),
        "{letter}"
    );

    // Once only.
    app.post("/api/v1/claims", None, &json!({ "code": code }))
        .await
        .problem(409, "claim_used");
    app.post("/api/v1/claims", None, &json!({"code": "not a code"}))
        .await
        .problem(422, "validation_failed");
    let unknown = app
        .post(
            "/api/v1/claims",
            None,
            &json!({"code": "0000-0000-0000-0000-0000"}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    // The exchange is in the audit log, without the code or the token's secret.
    let audit = app.get("/api/v1/audit?limit=10", Some(&admin)).await;
    let text = String::from_utf8_lossy(&audit.body);
    assert!(text.contains("claim.use"), "{text}");
    assert!(!text.contains(&secret) && !text.contains(&code));
}

async fn a_code_expires_and_the_office_issues_one_that_replaces_it(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let drafter = app.staff_token(Role::Drafter);
    let round = opened_round(&app, &admin, &["jingxin"], json!({})).await;
    let first = code_for(&app, &round, "comment_request", "jingxin");
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&admin))
        .await
        .json();
    let request = ledger["requests"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    assert_eq!(ledger["requests"][0]["letter_reference"], Value::Null);

    // Five working days and the week's grace after them: the code has expired.
    app.clock.advance(Duration::days(7 + 7 + 2));
    app.post("/api/v1/claims", None, &json!({ "code": first }))
        .await
        .problem(409, "claim_expired");

    // Only an admin issues a new one.
    let url = format!("/api/v1/requests/{request}/claim-code");
    app.post(&url, Some(&drafter), &json!({}))
        .await
        .problem(403, "forbidden");
    let clerk = app.agency_token("xihu");
    app.post(&url, Some(&clerk), &json!({}))
        .await
        .problem(403, "forbidden");
    let issued = app.post(&url, Some(&admin), &json!({})).await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let issued = issued.json();
    assert_eq!(issued["request_id"], request.as_str());
    assert!(
        !issued.to_string().contains(&first),
        "the answer carries no code"
    );
    let second = code_for(&app, &round, "claim_code", "jingxin");
    assert_ne!(second, first);

    // Re-issued, the old code is refused as replaced; the new one works for a week from now.
    app.clock.advance(Duration::days(6));
    app.post("/api/v1/claims", None, &json!({ "code": first }))
        .await
        .problem(409, "claim_replaced");
    let claimed = app
        .post("/api/v1/claims", None, &json!({ "code": second }))
        .await;
    assert_eq!(claimed.status, 201, "{:?}", claimed.body);
    assert_eq!(claimed.json()["agency"]["code"], "jingxin");
    // Its email, not yet sent, no longer holds a code that works.
    assert!(
        queued(&app, &round, "claim_code")
            .iter()
            .all(|row| row.secret.is_none())
    );

    // A round not yet open has no letter out, so no code to issue again.
    let made = app
        .post(
            "/api/v1/rounds",
            Some(&admin),
            &json!({"document_id": document(&app, &admin).await, "version": 1, "title": "草稿轮次", "working_days": 5, "agencies": ["jingxin"]}),
        )
        .await
        .json();
    let draft_request = made["id"].as_str().expect("round").to_owned();
    let draft_ledger = app
        .get(
            &format!("/api/v1/rounds/{draft_request}/requests"),
            Some(&admin),
        )
        .await
        .json();
    let unsent = draft_ledger["requests"][0]["id"].as_str().expect("request");
    app.post(
        &format!("/api/v1/requests/{unsent}/claim-code"),
        Some(&admin),
        &json!({}),
    )
    .await
    .problem(409, "round_not_open");
    app.post(
        &format!("/api/v1/requests/{request}/claim-code"),
        Some(&admin),
        &json!({"expires_at": "2020-01-01T00:00:00+08:00"}),
    )
    .await
    .problem(422, "validation_failed");
}

async fn exchanging_codes_is_limited_per_address(mut app: TestApp) {
    use actix_web::test::TestRequest;
    use consult::limits::{RateLimits, RatePolicy};
    use std::num::NonZeroU32;

    app.seed();
    app.state.limits = std::sync::Arc::new(RateLimits::new(RatePolicy {
        per_address: None,
        per_token: None,
        failed_authentication: NonZeroU32::new(3),
    }));
    let attempt = |address: &str| {
        TestRequest::post()
            .uri("/api/v1/claims")
            .peer_addr(address.parse().expect("address"))
            .set_json(json!({"code": "0000-0000-0000-0000-0000"}))
    };
    for _ in 0..3 {
        assert_eq!(app.send(attempt("10.0.0.5:1")).await.status, 404);
    }
    let limited = app.send(attempt("10.0.0.5:1")).await;
    limited.problem(429, "too_many_requests");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(app.send(attempt("10.0.0.6:1")).await.status, 404);
}
