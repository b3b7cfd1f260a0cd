//! The working-day calendar: deadlines across a year end, provisional years, and a year's
//! holiday notice loaded while the service runs.

use actix_web::test::TestRequest;
use chrono::{DateTime, TimeZone, Utc};
use consult::db::outbox;
use consult::domain::role::Role;
use consult::error::ApiError;
use serde_json::{Value, json};

use crate::support::{TestApp, engine_tests, with_token};

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time")
}

/// A 2027 notice for the tests (not the State Council's): the statutory holidays the service
/// computes for 2027, and `extra` days off; Saturday 9 January worked.
async fn notice_2027(app: &TestApp, token: &str, extra: &[&str]) -> Value {
    let provisional = app.get("/api/v1/calendar/2027", Some(token)).await.json();
    let mut holidays: Vec<Value> = provisional["holidays"]
        .as_array()
        .expect("holidays")
        .clone();
    holidays.extend(extra.iter().map(|d| json!(d)));
    json!({"years": [{
        "year": 2027,
        "source": "测试用2027年节假日安排",
        "holidays": holidays,
        "working_weekends": ["2027-01-09"]
    }]})
}

/// New Year's Day to Monday 4 January off.
const LONG_NEW_YEAR: &[&str] = &["2027-01-02", "2027-01-03", "2027-01-04"];

/// The demo data loaded at `now`: its round opens then with five working days.
async fn demo_round_at(app: &TestApp, now: DateTime<Utc>, token: &str) -> (String, Value) {
    app.clock.set(now);
    app.seed();
    let rounds = app.items("/api/v1/rounds", Some(token)).await;
    let round = rounds[0]["id"].as_str().expect("the demo round").to_owned();
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(token))
        .await
        .json();
    (round, ledger)
}

fn request_id(ledger: &Value, code: &str) -> String {
    ledger["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["agency"]["code"] == code))
        .and_then(|r| r["id"].as_str())
        .expect("a request for the agency")
        .to_owned()
}

/// Sends what the outbox holds (the request letters) to a real SMTP receiver.
fn deliver(app: &TestApp) -> usize {
    let receiver = crate::support::smtp::Receiver::start();
    crate::support::smtp::deliver(app, &receiver, None)
}

fn body_of(app: &TestApp, key: &str) -> String {
    app.db()
        .read_now(|conn| outbox::find_by_dedupe_key(conn, key).map_err(ApiError::from))
        .expect("read")
        .expect("queued")
        .body_text
}

engine_tests!(
    an_extension_of_24_working_days_from_1_december_skips_new_years_day,
    a_round_opened_on_28_december_with_five_working_days_ends_on_4_january,
    a_deadline_counted_into_the_2027_spring_festival_lands_after_it,
    a_2027_notice_loaded_at_run_time_counts_from_then_on_and_a_recount_tells_the_agencies,
    a_calendar_file_is_checked_whole_and_only_admins_load_one,
    a_recount_counts_extensions_too_and_keeps_an_extension_that_still_ends_later,
);

async fn an_extension_of_24_working_days_from_1_december_skips_new_years_day(app: TestApp) {
    let drafter = app.staff_token(Role::Drafter);
    let (round, ledger) = demo_round_at(&app, utc(2026, 12, 1, 1), &drafter).await;
    // Five working days within 2026, whose notice is loaded: official.
    assert_eq!(ledger["round"]["deadline"], json!(utc(2026, 12, 7, 10)));
    assert_eq!(ledger["round"]["calendar"], "official");
    let xihu = request_id(&ledger, "xihu");
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"working_days": 24, "reason": "跨年研究"}),
        )
        .await;
    assert_eq!(
        extended.status,
        200,
        "{}",
        String::from_utf8_lossy(&extended.body)
    );
    let extended = extended.json();
    // 1 January 2027 is a holiday even with no 2027 notice: Monday 4 January, 18:00.
    assert_eq!(extended["effective_deadline"], json!(utc(2027, 1, 4, 10)));
    assert_eq!(extended["calendar"], "provisional");
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    assert_eq!(ledger["counts"]["provisional_deadlines"], 1);
    assert!(
        ledger["summary"]
            .as_str()
            .expect("summary")
            .contains("1 deadlines provisional"),
        "{}",
        ledger["summary"]
    );
    let agency = app.agency_token("xihu");
    let own = app
        .get(&format!("/api/v1/requests/{xihu}"), Some(&agency))
        .await
        .json();
    assert_eq!(own["calendar"], "provisional");
    // The letter, not yet sent, gives the new deadline too.
    let letter = body_of(
        &app,
        &format!(
            "comment_request:{xihu}:{}",
            utc(2026, 12, 1, 1).timestamp_micros()
        ),
    );
    assert!(letter.contains("请于2027年01月04日18:00前反馈"), "{letter}");
    let notice = body_of(
        &app,
        &format!(
            "extension:{xihu}:{}",
            utc(2027, 1, 4, 10).timestamp_micros()
        ),
    );
    assert!(notice.contains("2027年01月04日18:00"), "{notice}");
    assert!(notice.contains("节假日安排尚未公布，系暂定"), "{notice}");
}

async fn a_round_opened_on_28_december_with_five_working_days_ends_on_4_january(app: TestApp) {
    let drafter = app.staff_token(Role::Drafter);
    let (_, ledger) = demo_round_at(&app, utc(2026, 12, 28, 1), &drafter).await;
    assert_eq!(ledger["round"]["deadline"], json!(utc(2027, 1, 4, 10)));
    assert_eq!(ledger["round"]["calendar"], "provisional");
    assert_eq!(ledger["counts"]["provisional_deadlines"], 30);
    let xihu = request_id(&ledger, "xihu");
    let letter = body_of(
        &app,
        &format!(
            "comment_request:{xihu}:{}",
            utc(2026, 12, 28, 1).timestamp_micros()
        ),
    );
    assert!(letter.contains("请于2027年01月04日18:00前反馈"), "{letter}");
    assert!(letter.contains("系暂定"), "{letter}");
}

async fn a_deadline_counted_into_the_2027_spring_festival_lands_after_it(app: TestApp) {
    let drafter = app.staff_token(Role::Drafter);
    // Monday 1 February 2027: 1-4 February, then 除夕 (5th) to 初三 (8th) are off.
    let (_, ledger) = demo_round_at(&app, utc(2027, 2, 1, 1), &drafter).await;
    assert_eq!(ledger["round"]["deadline"], json!(utc(2027, 2, 9, 10)));
    assert_eq!(ledger["round"]["calendar"], "provisional");
}

async fn a_2027_notice_loaded_at_run_time_counts_from_then_on_and_a_recount_tells_the_agencies(
    app: TestApp,
) {
    let admin = app.staff_token(Role::Admin);
    let drafter = app.staff_token(Role::Drafter);
    let (round, ledger) = demo_round_at(&app, utc(2026, 12, 28, 1), &drafter).await;
    assert_eq!(ledger["round"]["deadline"], json!(utc(2027, 1, 4, 10)));
    let before = app
        .get("/api/v1/calendar/2027", Some(&drafter))
        .await
        .json();
    assert_eq!(before["calendar"], "provisional");
    assert_eq!(before["holidays"][0], "2027-01-01");
    assert_eq!(before["working_weekends"], json!([]));

    let notice = notice_2027(&app, &admin, LONG_NEW_YEAR).await;
    let loaded = app.post("/api/v1/calendar", Some(&admin), &notice).await;
    assert_eq!(
        loaded.status,
        200,
        "{}",
        String::from_utf8_lossy(&loaded.body)
    );
    let loaded = loaded.json();
    assert_eq!(loaded["years"][0]["calendar"], "official");
    assert_eq!(loaded["rounds_to_recount"], json!([round]));
    let after = app
        .get("/api/v1/calendar/2027", Some(&drafter))
        .await
        .json();
    assert_eq!(after["source"], "测试用2027年节假日安排");
    assert_eq!(after["working_weekends"], json!(["2027-01-09"]));
    let years = app.items("/api/v1/calendar", Some(&drafter)).await;
    assert_eq!(
        years.as_array().map(Vec::len),
        Some(4),
        "2024 to 2026 shipped, 2027 loaded"
    );

    // The round's deadline does not move by itself.
    let unchanged = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&drafter))
        .await
        .json();
    assert_eq!(unchanged["deadline"], json!(utc(2027, 1, 4, 10)));
    assert_eq!(unchanged["calendar"], "provisional");
    // The next deadline counted uses the notice: 28-31 December, then Tuesday 5 January.
    let xihu = request_id(&ledger, "xihu");
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"working_days": 5, "reason": "补充材料"}),
        )
        .await
        .json();
    assert_eq!(extended["effective_deadline"], json!(utc(2027, 1, 5, 10)));
    assert_eq!(extended["calendar"], "official");

    // The letters (and 西湖区's extension notice) have gone out: a moved deadline is news
    // of its own.
    assert_eq!(deliver(&app), 31);
    // Only an admin counts the round again.
    let url = format!("/api/v1/rounds/{round}/recount");
    app.post(&url, Some(&drafter), &json!({}))
        .await
        .problem(403, "forbidden");
    app.post(&url, Some(&app.agency_token("xihu")), &json!({}))
        .await
        .problem(403, "forbidden");
    let recounted = app.post(&url, Some(&admin), &json!({})).await;
    assert_eq!(
        recounted.status,
        200,
        "{}",
        String::from_utf8_lossy(&recounted.body)
    );
    let recounted = recounted.json();
    assert_eq!(recounted["round"]["deadline"], json!(utc(2027, 1, 5, 10)));
    assert_eq!(recounted["round"]["calendar"], "official");
    assert_eq!(
        recounted["deadlines"],
        json!([{
            "request_id": null, "before": utc(2027, 1, 4, 10), "after": utc(2027, 1, 5, 10),
            "calendar": "official", "applied": true
        }])
    );
    // Every agency whose deadline moved is told; 西湖区's own extension already ends then.
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
            .contains("2027年01月05日18:00"),
        "{}",
        notices[0]["subject"]
    );
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    assert_eq!(ledger["counts"]["provisional_deadlines"], 0);
    // Counting again changes nothing more and sends nothing more.
    let again = app.post(&url, Some(&admin), &json!({})).await.json();
    assert_eq!(again["deadlines"], json!([]));
    let notices = app
        .get(
            "/api/v1/outbox?kind=deadline_notice&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    assert_eq!(notices["items"].as_array().map(Vec::len), Some(29));
    // Both changes are in the audit log.
    let audit = app
        .get("/api/v1/audit?action=calendar.import", Some(&admin))
        .await
        .json();
    assert_eq!(audit["items"][0]["entity_id"], "2027");
    let audit = app
        .get("/api/v1/audit?action=round.recount", Some(&admin))
        .await
        .json();
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1));
}

async fn a_calendar_file_is_checked_whole_and_only_admins_load_one(app: TestApp) {
    let admin = app.staff_token(Role::Admin);
    let drafter = app.staff_token(Role::Drafter);
    app.seed();
    let agency = app.agency_token("xihu");
    let bad = json!({"years": [{
        "year": 2027, "source": "通知",
        "holidays": ["2027-01-01", "2026-12-31"],
        "working_weekends": ["2027-01-01", "2027-01-05"]
    }]});
    let refused = app
        .post("/api/v1/calendar", Some(&admin), &bad)
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "years[0].holidays[1]",
            "years[0].working_weekends[0]",
            "years[0].working_weekends[1]"
        ]
    );
    // Nothing was loaded.
    let year = app.get("/api/v1/calendar/2027", Some(&admin)).await.json();
    assert_eq!(year["calendar"], "provisional");
    app.post(
        "/api/v1/calendar",
        Some(&admin),
        &json!({"years": [{"year": 2027}]}),
    )
    .await
    .problem(422, "validation_failed");
    let notice = notice_2027(&app, &admin, LONG_NEW_YEAR).await;
    app.post("/api/v1/calendar", Some(&drafter), &notice)
        .await
        .problem(403, "forbidden");
    app.post("/api/v1/calendar", Some(&agency), &notice)
        .await
        .problem(403, "forbidden");
    app.post("/api/v1/calendar", None, &notice)
        .await
        .problem(401, "unauthenticated");
    // A notice must keep the statutory holidays: here it works 除夕.
    let mut working_eve = notice.clone();
    if let Some(days) = working_eve["years"][0]["holidays"].as_array_mut() {
        days.retain(|d| d != "2027-02-05");
    }
    let refused = app
        .post("/api/v1/calendar", Some(&admin), &working_eve)
        .await
        .problem(422, "validation_failed");
    assert_eq!(refused["errors"][0]["code"], "statutory_holiday_missing");
    // Every token reads the calendar; it belongs to no agency.
    assert_eq!(
        app.get("/api/v1/calendar/2026", Some(&agency)).await.json()["calendar"],
        "official"
    );
    app.get("/api/v1/calendar", None)
        .await
        .problem(401, "unauthenticated");
    app.get("/api/v1/calendar/2013", Some(&agency))
        .await
        .problem(404, "not_found");
    app.get("/api/v1/calendar/twenty", Some(&agency))
        .await
        .problem(404, "not_found");
    let request = with_token(
        TestRequest::delete().uri("/api/v1/calendar/2026"),
        Some(&admin),
    );
    assert_eq!(app.send(request).await.status, 405);
}

async fn a_recount_counts_extensions_too_and_keeps_an_extension_that_still_ends_later(
    app: TestApp,
) {
    let admin = app.staff_token(Role::Admin);
    let drafter = app.staff_token(Role::Drafter);
    // Monday 1 February 2027 with five working days: Tuesday 9 February, provisionally.
    let (round, ledger) = demo_round_at(&app, utc(2027, 2, 1, 1), &drafter).await;
    assert_eq!(ledger["round"]["deadline"], json!(utc(2027, 2, 9, 10)));
    let xihu = request_id(&ledger, "xihu");
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"working_days": 6, "reason": "春节后反馈"}),
        )
        .await
        .json();
    assert_eq!(extended["effective_deadline"], json!(utc(2027, 2, 10, 10)));
    // The notice (for the test) gives the whole week off: 9 to 11 February too.
    assert_eq!(deliver(&app), 31, "the letters and the extension notice");
    let notice = notice_2027(&app, &admin, &["2027-02-09", "2027-02-10", "2027-02-11"]).await;
    let loaded = app
        .post("/api/v1/calendar", Some(&admin), &notice)
        .await
        .json();
    assert_eq!(loaded["rounds_to_recount"], json!([round]));
    let recounted = app
        .post(
            &format!("/api/v1/rounds/{round}/recount"),
            Some(&admin),
            &json!({}),
        )
        .await
        .json();
    // The round: 1-4 February, then Friday 12 February. 西湖区: the sixth day, Monday 15th.
    assert_eq!(recounted["round"]["deadline"], json!(utc(2027, 2, 12, 10)));
    assert_eq!(
        recounted["deadlines"],
        json!([
            {"request_id": null, "before": utc(2027, 2, 9, 10), "after": utc(2027, 2, 12, 10), "calendar": "official", "applied": true},
            {"request_id": xihu, "before": utc(2027, 2, 10, 10), "after": utc(2027, 2, 15, 10), "calendar": "official", "applied": true},
        ])
    );
    let own = app
        .get(&format!("/api/v1/requests/{xihu}"), Some(&drafter))
        .await
        .json();
    assert_eq!(own["effective_deadline"], json!(utc(2027, 2, 15, 10)));
    assert_eq!(own["calendar"], "official");
    let notices = app
        .get(
            "/api/v1/outbox?kind=deadline_notice&limit=500",
            Some(&drafter),
        )
        .await
        .json();
    assert_eq!(notices["items"].as_array().map(Vec::len), Some(30));
    // Agencies are never moved by a recount once their deadline passed: a second notice
    // after the round's deadline changes nothing for them.
    app.clock.set(utc(2027, 2, 12, 11));
    let mut later = notice.clone();
    if let Some(days) = later["years"][0]["holidays"].as_array_mut() {
        days.push(json!("2027-02-12"));
    }
    app.post("/api/v1/calendar", Some(&admin), &later)
        .await
        .json();
    let again = app
        .post(
            &format!("/api/v1/rounds/{round}/recount"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(
        again.status,
        200,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    let again = again.json();
    assert_eq!(
        again["round"]["deadline"],
        json!(utc(2027, 2, 12, 10)),
        "a passed deadline stays"
    );
    assert_eq!(again["deadlines"][0]["applied"], false);
    // 西湖区's extension, still running, is counted again: 12 February is off now.
    assert_eq!(again["deadlines"][1]["after"], json!(utc(2027, 2, 16, 10)));
    assert_eq!(again["deadlines"][1]["applied"], true);
    app.post(
        &format!("/api/v1/rounds/{round}/recount"),
        Some(&app.agency_token("xihu")),
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        "/api/v1/rounds/00000000-0000-0000-0000-000000000000/recount",
        Some(&admin),
        &json!({}),
    )
    .await
    .problem(404, "not_found");
}
