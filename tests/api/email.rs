//! Delivery of the outbox over SMTP to a real receiver.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Duration as Span;
use consult::db::outbox;
use consult::email::delivery::{self, DeliveryPolicy, Mailer, Shift};
use consult::error::ApiError;
use consult::service::reminding;

use crate::support::smtp::Receiver;
use crate::support::{TestApp, engine_tests};

fn mailer(url: &str) -> Mailer {
    Mailer::from_url(
        url,
        "发改委 <consult@fgw.hangzhou.example>",
        Duration::from_secs(5),
    )
    .expect("mailer")
}

fn message_ids(receiver: &Receiver) -> BTreeSet<String> {
    receiver
        .messages()
        .iter()
        .filter_map(|m| m.header("message-id"))
        .collect()
}

/// The queued message under `key`.
fn queued(app: &TestApp, key: &str) -> outbox::OutboxRow {
    app.db()
        .read_now(|conn| outbox::find_by_dedupe_key(conn, key).map_err(ApiError::from))
        .expect("read")
        .expect("queued")
}

engine_tests!(
    a_changed_deadline_drops_what_was_queued_for_the_old_one_and_tells_the_agencies,
    the_demo_round_delivers_thirty_request_emails_once,
    a_receiver_that_is_down_loses_nothing,
    two_workers_racing_send_each_message_once,
    a_worker_stopped_mid_batch_is_taken_over_after_its_lease,
    drafters_see_the_outbox_and_retry_what_was_given_up,
    reminders_overdue_notices_and_the_digest_go_once,
);

async fn a_changed_deadline_drops_what_was_queued_for_the_old_one_and_tells_the_agencies(
    app: TestApp,
) {
    use consult::domain::role::Role;
    use serde_json::json;
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let rounds = app.items("/api/v1/rounds", Some(&drafter)).await;
    let round = rounds[0]["id"].as_str().expect("round").to_owned();
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    let id_of = |code: &str| {
        ledger["requests"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["agency"]["code"] == code))
            .and_then(|r| r["id"].as_str())
            .expect("request")
            .to_owned()
    };
    let opened = crate::support::start_time().timestamp_micros();
    let letter_key = |code: &str| format!("comment_request:{}:{opened}", id_of(code));

    // Removed before its letter went out: the letter does not go out.
    let cancelled = app
        .post(
            &format!("/api/v1/requests/{}/cancel", id_of("xihu")),
            Some(&drafter),
            &json!({"reason": "不涉及"}),
        )
        .await;
    assert_eq!(
        cancelled.status,
        200,
        "{}",
        String::from_utf8_lossy(&cancelled.body)
    );
    assert_eq!(queued(&app, &letter_key("xihu")).state.as_str(), "skipped");

    // A new deadline while the letters wait: they are written again with it.
    let url = format!("/api/v1/rounds/{round}");
    let changed = app
        .patch(
            &url,
            Some(&drafter),
            &json!({"deadline": "2026-06-10T18:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let letter = queued(&app, &letter_key("jingxin"));
    assert!(
        letter.body_text.contains("请于2026年06月10日18:00前反馈"),
        "{}",
        letter.body_text
    );
    assert!(
        letter
            .body_html
            .as_deref()
            .is_some_and(|h| h.contains("2026年06月10日18:00"))
    );
    let notices = app
        .get(
            "/api/v1/outbox?kind=deadline_notice&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    assert_eq!(
        notices["items"],
        json!([]),
        "the letter itself carries the new deadline"
    );

    // The letters go out; reminders are queued for the deadline; then it moves again.
    let receiver = Receiver::start();
    let mailer = mailer(&receiver.url());
    let policy = DeliveryPolicy {
        batch: 100,
        ..DeliveryPolicy::default()
    };
    assert_eq!(
        delivery::step(
            app.db(),
            &mailer,
            app.clock.now(),
            &policy,
            &Shift::default()
        )
        .expect("step")
        .sent,
        29
    );
    let deadline = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 10, 10, 0, 0)
        .single()
        .expect("time");
    let three_days = deadline - Span::hours(72);
    let tick = app
        .db()
        .write_now(|conn| reminding::tick(conn, three_days))
        .expect("tick");
    assert_eq!(tick.reminders, 29);
    app.clock.set(three_days);
    let changed = app
        .patch(
            &url,
            Some(&drafter),
            &json!({"deadline": "2026-06-12T18:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let skipped = app
        .get(
            "/api/v1/outbox?kind=reminder&state=skipped&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    assert_eq!(
        skipped["items"].as_array().map(Vec::len),
        Some(29),
        "reminders of the old deadline"
    );
    let notices = app
        .get(
            "/api/v1/outbox?kind=deadline_notice&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    let notices = notices["items"].as_array().expect("items");
    assert_eq!(notices.len(), 29);
    assert!(
        notices[0]["subject"]
            .as_str()
            .expect("subject")
            .contains("2026年06月12日18:00"),
        "{}",
        notices[0]["subject"]
    );

    // Closed, then reopened: each agency is told of the reopening and its deadline.
    app.post(
        &format!("{url}/close"),
        Some(&drafter),
        &json!({"reason": "提前汇总"}),
    )
    .await;
    let reopened = app
        .post(
            &format!("{url}/reopen"),
            Some(&drafter),
            &json!({"reason": "补充征求", "deadline": "2026-06-19T18:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        reopened.status,
        200,
        "{}",
        String::from_utf8_lossy(&reopened.body)
    );
    let reopen = app
        .get(
            "/api/v1/outbox?kind=reopen_notice&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    let reopen = reopen["items"].as_array().expect("items");
    assert_eq!(reopen.len(), 29);
    assert!(reopen.iter().all(|m| m["agency_id"] != json!(null)));
}

async fn the_demo_round_delivers_thirty_request_emails_once(app: TestApp) {
    app.seed();
    let receiver = Receiver::start();
    let mailer = mailer(&receiver.url());
    let policy = DeliveryPolicy::default();
    let report = delivery::step(
        app.db(),
        &mailer,
        app.clock.now(),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(report.sent, 30);
    let messages = receiver.messages();
    assert_eq!(messages.len(), 30);
    assert_eq!(message_ids(&receiver).len(), 30, "one Message-ID each");
    let touzi = messages
        .iter()
        .find(|m| m.recipients.iter().any(|r| r.contains("touzi")))
        .expect("touzi's letter");
    assert_eq!(
        touzi.recipients,
        [
            "liaison@touzi.hangzhou.example",
            "policy@touzi.hangzhou.example"
        ]
    );
    assert!(touzi.header("subject").is_some_and(|s| !s.is_empty()));
    // Nothing goes twice.
    let again = delivery::step(
        app.db(),
        &mailer,
        app.clock.now() + Span::minutes(5),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(again.sent, 0);
    assert_eq!(receiver.messages().len(), 30);
}

async fn a_receiver_that_is_down_loses_nothing(app: TestApp) {
    app.seed();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mailer = mailer(&format!("smtp://127.0.0.1:{port}"));
    let policy = DeliveryPolicy::default();
    let report = delivery::step(
        app.db(),
        &mailer,
        app.clock.now(),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!((report.sent, report.retrying), (0, 30));
    let pending = app
        .db()
        .read_now(|conn| {
            outbox::due(conn, (app.clock.now() + Span::minutes(3)).naive_utc(), 100)
                .map_err(ApiError::from)
        })
        .expect("due");
    assert_eq!(pending.len(), 30, "all kept for the next attempt");
    // Not before the backoff has passed.
    let receiver = Receiver::on(port);
    let early = delivery::step(
        app.db(),
        &mailer,
        app.clock.now() + Span::seconds(30),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(early.sent, 0);
    let later = delivery::step(
        app.db(),
        &mailer,
        app.clock.now() + Span::minutes(3),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(later.sent, 30);
    assert_eq!(message_ids(&receiver).len(), 30);
}

async fn two_workers_racing_send_each_message_once(app: TestApp) {
    app.seed();
    let receiver = Receiver::start();
    let url = receiver.url();
    let now = app.clock.now();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (db, mailer) = (app.db().clone(), mailer(&url));
            std::thread::spawn(move || {
                delivery::step(
                    &db,
                    &mailer,
                    now,
                    &DeliveryPolicy::default(),
                    &Shift::default(),
                )
                .expect("step")
                .sent
            })
        })
        .collect();
    let sent: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!(sent, 30);
    assert_eq!(receiver.messages().len(), 30);
    assert_eq!(message_ids(&receiver).len(), 30);
}

async fn a_worker_stopped_mid_batch_is_taken_over_after_its_lease(app: TestApp) {
    app.seed();
    let receiver = Receiver::start();
    let mailer = mailer(&receiver.url());
    let policy = DeliveryPolicy::default();
    let now = app.clock.now();
    // A worker claims five messages and stops before sending them.
    let held = app
        .db()
        .write_now(|conn| -> Result<usize, ApiError> {
            let until = (now + policy.lease).naive_utc();
            let mut held = 0;
            for id in outbox::due(conn, now.naive_utc(), 5)? {
                held += usize::from(outbox::claim(conn, &id, now.naive_utc(), until)?.is_some());
            }
            Ok(held)
        })
        .expect("claim");
    assert_eq!(held, 5);
    let restarted =
        delivery::step(app.db(), &mailer, now, &policy, &Shift::default()).expect("step");
    assert_eq!(restarted.sent, 25, "held messages wait for their lease");
    let after_lease = delivery::step(
        app.db(),
        &mailer,
        now + policy.lease + Span::seconds(1),
        &policy,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(after_lease.sent, 5);
    assert_eq!(message_ids(&receiver).len(), 30);
    assert_eq!(receiver.messages().len(), 30, "nothing twice");
}

async fn drafters_see_the_outbox_and_retry_what_was_given_up(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(consult::domain::role::Role::Drafter);
    let listing = app
        .get("/api/v1/outbox?limit=10", Some(&drafter))
        .await
        .json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(listing["items"][0]["state"], "pending");
    assert_eq!(listing["items"][0]["kind"], "comment_request");
    let agency = app.agency_token("xihu");
    app.get("/api/v1/outbox", Some(&agency))
        .await
        .problem(403, "forbidden");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let once = DeliveryPolicy {
        max_attempts: 1,
        ..DeliveryPolicy::default()
    };
    let report = delivery::step(
        app.db(),
        &mailer(&format!("smtp://127.0.0.1:{port}")),
        app.clock.now(),
        &once,
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(report.given_up, 30);
    let failed = app
        .get("/api/v1/outbox?state=failed&limit=500", Some(&drafter))
        .await
        .json();
    let items = failed["items"].as_array().expect("items");
    assert_eq!(items.len(), 30);
    assert!(
        items[0]["last_error"]
            .as_str()
            .is_some_and(|e| !e.contains('@')),
        "addresses masked"
    );
    let id = items[0]["id"].as_str().expect("id");
    let retried = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&drafter),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(retried.status, 200);
    assert_eq!(retried.json()["state"], "pending");
    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&drafter),
        &serde_json::json!({}),
    )
    .await
    .problem(409, "not_failed");
    app.post(
        "/api/v1/outbox/nope/retry",
        Some(&drafter),
        &serde_json::json!({}),
    )
    .await
    .problem(404, "not_found");
    let receiver = Receiver::start();
    let sent = delivery::step(
        app.db(),
        &mailer(&receiver.url()),
        app.clock.now(),
        &DeliveryPolicy::default(),
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(sent.sent, 1, "only the retried one");
}

async fn reminders_overdue_notices_and_the_digest_go_once(app: TestApp) {
    app.seed();
    let receiver = Receiver::start();
    let mailer = mailer(&receiver.url());
    let policy = DeliveryPolicy::default();
    let deadline = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 5, 10, 0, 0)
        .single()
        .expect("time");
    let drafter = consult::cli::create_token(
        app.db(),
        consult::cli::TokenHolder::Staff {
            role: consult::domain::role::Role::Drafter,
            email: Some("zhang@fgw.example".into()),
        },
        "张三",
        None,
        app.clock.now(),
    )
    .expect("token");
    assert_eq!(
        delivery::step(
            app.db(),
            &mailer,
            app.clock.now(),
            &policy,
            &Shift::default()
        )
        .expect("step")
        .sent,
        30
    );
    // One agency answers.
    let replied = app.agency_token("jingxin");
    let own = app.items("/api/v1/requests", Some(&replied)).await;
    let id = own[0]["id"].as_str().expect("id").to_owned();
    app.post(
        &format!("/api/v1/requests/{id}/no-comments"),
        Some(&replied),
        &serde_json::json!({"signer": "王", "contact_name": "李", "contact_phone": "0571-1"}),
    )
    .await;

    let tick = |at: chrono::DateTime<chrono::Utc>| {
        app.db()
            .write_now(|conn| reminding::tick(conn, at))
            .expect("tick")
    };
    // Three days ahead the first reminder is queued; the server then "sleeps" through it.
    assert_eq!(tick(deadline - Span::hours(72)).reminders, 29);
    // A day ahead only the latest reminder goes: the stale one is skipped, not sent.
    let day_before = deadline - Span::hours(24);
    assert_eq!(tick(day_before).reminders, 29);
    assert_eq!(
        tick(day_before).reminders,
        0,
        "a second tick queues nothing"
    );
    let skipped = app
        .get("/api/v1/outbox?state=skipped&limit=500", Some(&drafter))
        .await
        .json();
    assert_eq!(
        skipped["items"].as_array().map(Vec::len),
        Some(29),
        "the stale reminders"
    );
    let sent = delivery::step(
        app.db(),
        &mailer,
        day_before,
        &DeliveryPolicy {
            batch: 100,
            ..policy.clone()
        },
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(sent.sent, 30, "the reminders, and the receipt of the reply");
    let reminders: Vec<_> = receiver
        .messages()
        .into_iter()
        .skip(30)
        .filter(|m| !m.text().contains("回执编号"))
        .collect();
    assert_eq!(reminders.len(), 29);
    assert!(reminders.iter().all(|m| m.header("subject").is_some()));
    assert!(
        !reminders
            .iter()
            .any(|m| m.recipients.iter().any(|r| r.contains("jingxin"))),
        "none to the agency that replied"
    );

    // After the deadline: one notice to each silent agency, one digest to the drafters.
    let after = deadline + Span::hours(1);
    let report = tick(after);
    assert_eq!((report.notices, report.digests), (29, 1));
    assert_eq!(tick(after), reminding::TickReport::default());
    let sent = delivery::step(
        app.db(),
        &mailer,
        after,
        &DeliveryPolicy {
            batch: 100,
            ..policy.clone()
        },
        &Shift::default(),
    )
    .expect("step");
    assert_eq!(sent.sent, 30);
    assert!(
        receiver
            .messages()
            .iter()
            .any(|m| m.recipients == ["zhang@fgw.example"]),
        "the digest went to the drafter"
    );
    let round = own[0]["round_id"].as_str().expect("round").to_owned();
    let digest = app
        .db()
        .read_now(|conn| {
            outbox::find_by_dedupe_key(
                conn,
                &format!("digest:{round}:{}", deadline.timestamp_micros()),
            )
            .map_err(ApiError::from)
        })
        .expect("read")
        .expect("queued");
    assert!(
        digest.body_text.contains("已反馈1家，共30家；逾期29家。"),
        "{}",
        digest.body_text
    );
    // The letters, the reminders with the reply's receipt, the notices with the digest.
    assert_eq!(receiver.messages().len(), 30 + 30 + 30);
    assert_eq!(message_ids(&receiver).len(), 90, "nothing twice");

    // An extension tells the agency.
    let ledger = app
        .get(
            &format!(
                "/api/v1/rounds/{}/requests",
                own[0]["round_id"].as_str().expect("round")
            ),
            Some(&drafter),
        )
        .await
        .json();
    let xihu = ledger["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["agency"]["code"] == "xihu"))
        .expect("xihu")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.clock.set(after);
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &serde_json::json!({"working_days": 2, "reason": "补充材料"}),
        )
        .await;
    assert_eq!(extended.status, 200);
    let notices = app
        .get("/api/v1/outbox?kind=extension_notice", Some(&drafter))
        .await
        .json();
    assert_eq!(notices["items"].as_array().map(Vec::len), Some(1));
    // The new deadline (Tuesday 9 June, 18:00) gets its own reminder; the others are done.
    let monday = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 8, 10, 0, 0)
        .single()
        .expect("time");
    let report = tick(monday);
    assert_eq!(
        (report.reminders, report.notices, report.digests),
        (1, 0, 0)
    );
}
