//! Rounds, comment requests and replies: the ledger, deadlines, extensions, "no comments".

use actix_web::test::TestRequest;
use chrono::{Duration, TimeZone, Utc};
use consult::db::outbox;
use consult::domain::role::Role;
use consult::error::ApiError;
use serde_json::{Value, json};

use crate::support::{TestApp, engine_tests, with_token};

/// The demo round's deadline: five working days from Saturday 30 May 2026 is Friday 5 June,
/// 18:00 in Shanghai.
fn demo_deadline() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 5, 10, 0, 0)
        .single()
        .expect("time")
}

async fn demo_round(app: &TestApp, token: &str) -> String {
    let rounds = app.items("/api/v1/rounds", Some(token)).await;
    rounds[0]["id"].as_str().expect("the demo round").to_owned()
}

async fn ledger(app: &TestApp, token: &str, round: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(token))
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

fn request_of<'a>(ledger: &'a Value, code: &str) -> &'a Value {
    ledger["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["agency"]["code"] == code))
        .expect("a request for the agency")
}

fn id_of(ledger: &Value, code: &str) -> String {
    request_of(ledger, code)["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn no_comments() -> Value {
    json!({"signer": "王局长", "contact_name": "李明", "contact_phone": "0571-85000000"})
}

engine_tests!(
    a_request_holds_a_bounded_number_and_size_of_files,
    an_agency_reads_its_cancelled_request_and_its_round_and_changes_nothing,
    an_agency_sees_the_round_as_it_applies_to_its_own_request,
    the_demo_round_opens_at_seed_time_with_thirty_requests,
    an_agency_sees_only_its_own_request,
    silence_past_the_deadline_is_overdue_and_an_extension_reopens_it,
    silence_can_count_as_no_comments_and_late_replies_can_be_taken,
    replies_are_revised_and_withdrawn_and_every_revision_stays,
    drafters_enter_paper_replies_and_change_the_invitation_list,
    a_round_closes_early_and_reopens,
    rounds_are_prepared_on_published_versions_with_valid_settings,
    replies_carry_uploaded_files,
    round_settings_change_within_what_its_state_allows,
    states_hold_through_drafts_early_closes_reopening_and_reinvitation,
    closing_a_round_past_its_deadline_stops_late_replies,
    simultaneous_replies_to_one_request_become_two_revisions,
    a_deadline_more_than_a_year_ahead_is_refused,
    a_request_says_what_it_asks_and_when_in_local_time,
);

/// A clerk's first call shows what is asked: the round, the draft and its version, the
/// instructions, the deadline in Beijing time beside UTC, and the clauses a scoped round opens.
async fn a_request_says_what_it_asks_and_when_in_local_time(app: TestApp) {
    app.seed();
    let agency = app.agency_token("xihu");
    let drafter = app.staff_token(Role::Drafter);
    let listed = app.get("/api/v1/requests", Some(&agency)).await.json();
    let first = &listed["items"][0];
    assert!(
        first["asked"]["round_title"]
            .as_str()
            .is_some_and(|t| t.contains("征求意见")),
        "{first}"
    );
    assert_eq!(first["asked"]["version"]["number"], 1);
    assert_eq!(first["asked"]["version"]["label"], "征求意见稿");
    assert!(
        first["asked"]["document"]["title"]
            .as_str()
            .is_some_and(|t| t.contains("生产性服务业")),
        "{first}"
    );
    assert_eq!(first["asked"]["time_zone"], "Asia/Shanghai");
    assert_eq!(first["effective_deadline"], json!(demo_deadline()));
    assert_eq!(
        first["effective_deadline_local"],
        "2026-06-05T18:00:00+08:00"
    );
    assert!(first.get("scope").is_none(), "the whole version is open");
    let round = demo_round(&app, &drafter).await;
    let shown = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&drafter))
        .await
        .json();
    assert_eq!(shown["deadline_local"], "2026-06-05T18:00:00+08:00");

    // A round on two clauses lists them as printed.
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let made = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &json!({"document_id": document, "version": 1, "title": "专项征求", "working_days": 3, "agencies": ["xihu"], "scope": ["m9", "ch1"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let scoped = made.json()["id"].as_str().expect("id").to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{scoped}/open"),
            Some(&drafter),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    let request = app
        .get(
            &format!("/api/v1/requests?round_id={scoped}"),
            Some(&agency),
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let letter = app
        .get(&format!("/api/v1/requests/{request}"), Some(&agency))
        .await
        .json();
    assert_eq!(letter["asked"]["round_title"], "专项征求");
    let scope = letter["scope"].as_array().expect("the scope");
    let keys: Vec<_> = scope.iter().map(|c| c["key"].as_str()).collect();
    assert_eq!(
        keys,
        [Some("ch1"), Some("m9")],
        "in document order: {letter}"
    );
    assert_eq!(scope[1]["number"], "9.");
}

/// A deadline in year 9999 is a typo, not a consultation: every way of setting one refuses a
/// deadline more than a year ahead, and changes nothing.
async fn a_deadline_more_than_a_year_ahead_is_refused(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let far = "9999-12-31T18:00:00+08:00";
    let too_far = |response: crate::support::Response| {
        let body = response.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "deadline", "{body}");
        assert_eq!(body["errors"][0]["code"], "too_far", "{body}");
    };
    too_far(
        app.post(
            "/api/v1/rounds",
            Some(&drafter),
            &json!({"document_id": document, "version": 1, "title": "远期", "deadline": far, "agencies": ["xihu"]}),
        )
        .await,
    );
    // A year and a day past the start is refused; within the year is taken.
    too_far(
        app.patch(
            &format!("/api/v1/rounds/{round}"),
            Some(&drafter),
            &json!({"deadline": "2027-06-01T18:00:00+08:00"}),
        )
        .await,
    );
    let before = ledger(&app, &drafter, &round).await;
    let xihu = id_of(&before, "xihu");
    too_far(
        app.post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"deadline": far, "reason": "x"}),
        )
        .await,
    );
    assert_eq!(
        ledger(&app, &drafter, &round).await,
        before,
        "nothing changed"
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/rounds/{round}"),
            Some(&drafter),
            &json!({"deadline": "2027-05-29T18:00:00+08:00"}),
        )
        .await
        .status,
        200
    );
}

async fn an_agency_reads_its_cancelled_request_and_its_round_and_changes_nothing(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let before = ledger(&app, &drafter, &round).await;
    let xihu = id_of(&before, "xihu");
    let cancelled = app
        .post(
            &format!("/api/v1/requests/{xihu}/cancel"),
            Some(&drafter),
            &json!({"reason": "职能调整，不再征求"}),
        )
        .await;
    assert_eq!(
        cancelled.status,
        200,
        "{}",
        String::from_utf8_lossy(&cancelled.body)
    );
    let agency = app.agency_token("xihu");
    let own = app.items("/api/v1/requests", Some(&agency)).await;
    assert_eq!(own[0]["state"], "cancelled");
    assert_eq!(own[0]["cancel_reason"], "职能调整，不再征求");
    assert_eq!(
        app.get(&format!("/api/v1/requests/{xihu}"), Some(&agency))
            .await
            .json()["state"],
        "cancelled"
    );
    let rounds = app.items("/api/v1/rounds", Some(&agency)).await;
    assert_eq!(rounds[0]["id"], round.as_str());
    assert_eq!(
        rounds[0]["state"], "closed",
        "closed to the agency it removed"
    );
    let shown = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&agency))
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.json()["state"], "closed");
    let document = shown.json()["document_id"]
        .as_str()
        .expect("document")
        .to_owned();
    assert_eq!(
        app.get(
            &format!("/api/v1/documents/{document}/versions/1"),
            Some(&agency)
        )
        .await
        .status,
        200
    );
    // Every change is refused the same way.
    app.post(
        &format!("/api/v1/rounds/{round}/comments"),
        Some(&agency),
        &json!({"kind": "general", "body": "补充意见"}),
    )
    .await
    .problem(409, "request_cancelled");
    app.post(
        &format!("/api/v1/requests/{xihu}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await
    .problem(409, "request_cancelled");
    // Another agency still sees nothing of it.
    let other = app.agency_token("jingxin");
    app.get(&format!("/api/v1/requests/{xihu}"), Some(&other))
        .await
        .problem(404, "not_found");
}

async fn an_agency_sees_the_round_as_it_applies_to_its_own_request(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let before = ledger(&app, &drafter, &round).await;
    let xihu = id_of(&before, "xihu");
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"deadline": "2026-06-12T18:00:00+08:00", "reason": "补充材料"}),
        )
        .await;
    assert_eq!(
        extended.status,
        200,
        "{}",
        String::from_utf8_lossy(&extended.body)
    );
    app.clock.set(demo_deadline() + Duration::hours(1));
    let state = |body: Value| body["state"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        state(
            app.get(&format!("/api/v1/rounds/{round}"), Some(&drafter))
                .await
                .json()
        ),
        "open"
    );
    assert_eq!(
        state(
            app.get(
                &format!("/api/v1/rounds/{round}"),
                Some(&app.agency_token("xihu"))
            )
            .await
            .json()
        ),
        "open"
    );
    let late = app.agency_token("jingxin");
    assert_eq!(
        state(
            app.get(&format!("/api/v1/rounds/{round}"), Some(&late))
                .await
                .json()
        ),
        "closed"
    );
    assert_eq!(
        app.items("/api/v1/rounds", Some(&late)).await[0]["state"],
        "closed"
    );
}

async fn the_demo_round_opens_at_seed_time_with_thirty_requests(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    assert_eq!(ledger["round"]["state"], "open");
    assert_eq!(ledger["round"]["working_days"], 5);
    assert_eq!(ledger["round"]["deadline"], json!(demo_deadline()));
    assert_eq!(ledger["counts"]["invited"], 30);
    assert_eq!(ledger["counts"]["pending"], 30);
    assert_eq!(
        ledger["summary"],
        "0 of 30 replied: 0 with comments, 0 no comments"
    );
    // One request email per agency, queued with the round's opening.
    let xihu = id_of(&ledger, "xihu");
    let queued = app
        .db()
        .read_now(|conn| {
            let key = format!(
                "comment_request:{xihu}:{}",
                crate::support::start_time().timestamp_micros()
            );
            outbox::find_by_dedupe_key(conn, &key).map_err(ApiError::from)
        })
        .expect("read")
        .expect("queued");
    assert_eq!(
        queued.recipients,
        json!(["fgj@xihu.hangzhou.example"]).to_string()
    );
    assert!(
        queued.body_text.contains("请于2026年06月05日18:00前反馈"),
        "{}",
        queued.body_text
    );
    assert!(queued.subject.starts_with("【征求意见】"));
}

async fn an_agency_sees_only_its_own_request(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    let agency = app.agency_token("shangwu");
    let own = app.items("/api/v1/requests", Some(&agency)).await;
    let own = own.as_array().expect("list");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["agency"]["code"], "shangwu");
    let own_id = own[0]["id"].as_str().expect("id");
    let read = app
        .get(&format!("/api/v1/requests/{own_id}"), Some(&agency))
        .await
        .json();
    assert_eq!(read["state"], "viewed", "reading it marks it viewed");
    let other = id_of(&ledger, "sifa");
    app.get(&format!("/api/v1/requests/{other}"), Some(&agency))
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/requests/{other}/replies"), Some(&agency))
        .await
        .problem(404, "not_found");
    app.post(
        &format!("/api/v1/requests/{other}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await
    .problem(404, "not_found");
    app.post(
        &format!("/api/v1/requests/{other}/withdraw"),
        Some(&agency),
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    app.get(&format!("/api/v1/rounds/{round}/requests"), Some(&agency))
        .await
        .problem(403, "forbidden");
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}"), Some(&agency))
            .await
            .status,
        200
    );
    app.post(
        &format!("/api/v1/requests/{own_id}/extension"),
        Some(&agency),
        &json!({"working_days": 2, "reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        &format!("/api/v1/requests/{own_id}/cancel"),
        Some(&agency),
        &json!({"reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    app.post("/api/v1/rounds", Some(&agency), &json!({}))
        .await
        .problem(403, "forbidden");
    app.get("/api/v1/rounds", None)
        .await
        .problem(401, "unauthenticated");
    // Reading the round counts as reading the request.
    let sifa_token = app.agency_token("sifa");
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}"), Some(&sifa_token))
            .await
            .status,
        200
    );
    let ledger_after = self::ledger(&app, &drafter, &round).await;
    assert_eq!(request_of(&ledger_after, "shangwu")["state"], "viewed");
    assert_eq!(request_of(&ledger_after, "sifa")["state"], "viewed");
    assert_eq!(request_of(&ledger_after, "xihu")["state"], "pending");
}

async fn silence_past_the_deadline_is_overdue_and_an_extension_reopens_it(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let before = ledger(&app, &drafter, &round).await;
    let agency = app.agency_token("jingxin");
    let jingxin = id_of(&before, "jingxin");
    let replied = app
        .post(
            &format!("/api/v1/requests/{jingxin}/no-comments"),
            Some(&agency),
            &no_comments(),
        )
        .await;
    assert_eq!(
        replied.status,
        201,
        "{}",
        String::from_utf8_lossy(&replied.body)
    );
    assert_eq!(replied.json()["state"], "no_comments");
    assert_eq!(replied.json()["reply"]["source"], "api");

    // Exactly at the deadline a reply is still on time.
    app.clock.set(demo_deadline());
    let sifa_token = app.agency_token("sifa");
    let sifa = id_of(&before, "sifa");
    let on_time = app
        .post(
            &format!("/api/v1/requests/{sifa}/no-comments"),
            Some(&sifa_token),
            &no_comments(),
        )
        .await
        .json();
    assert_eq!(on_time["reply"]["late"], false);

    app.clock.advance(Duration::microseconds(1));
    let after = ledger(&app, &drafter, &round).await;
    assert_eq!(request_of(&after, "xihu")["state"], "overdue");
    assert_eq!(after["counts"]["overdue"], 28);
    assert_eq!(
        after["summary"],
        "2 of 30 replied: 0 with comments, 2 no comments; 28 overdue"
    );
    assert_eq!(after["round"]["state"], "closed");
    let late_token = app.agency_token("xihu");
    let xihu = id_of(&before, "xihu");
    app.post(
        &format!("/api/v1/requests/{xihu}/no-comments"),
        Some(&late_token),
        &no_comments(),
    )
    .await
    .problem(409, "deadline_passed");

    // An extension makes one agency pending again until its new deadline.
    let extended = app
        .post(
            &format!("/api/v1/requests/{xihu}/extension"),
            Some(&drafter),
            &json!({"working_days": 2, "reason": "区政府常务会议后反馈"}),
        )
        .await;
    assert_eq!(
        extended.status,
        200,
        "{}",
        String::from_utf8_lossy(&extended.body)
    );
    let extended = extended.json();
    assert_eq!(extended["state"], "pending");
    // Friday 5 June after 18:00 counts from Monday: Monday and Tuesday, so Tuesday 9 June.
    assert_eq!(
        extended["effective_deadline"],
        json!(
            Utc.with_ymd_and_hms(2026, 6, 9, 10, 0, 0)
                .single()
                .expect("time")
        )
    );
    let ledger_now = ledger(&app, &drafter, &round).await;
    assert_eq!(ledger_now["counts"]["overdue"], 27);
    assert_eq!(
        ledger_now["round"]["state"], "open",
        "open while an extension runs"
    );
    let answered = app
        .post(
            &format!("/api/v1/requests/{xihu}/no-comments"),
            Some(&late_token),
            &no_comments(),
        )
        .await;
    assert_eq!(answered.status, 201);
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 6, 9, 10, 0, 1)
            .single()
            .expect("time"),
    );
    let last = ledger(&app, &drafter, &round).await;
    assert_eq!(request_of(&last, "xihu")["state"], "no_comments");
    assert_eq!(last["round"]["state"], "closed");
}

async fn silence_can_count_as_no_comments_and_late_replies_can_be_taken(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let created = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &json!({
                "document_id": document, "version": 1, "title": "补充征求意见",
                "deadline": "2026-06-01T17:00:00+08:00",
                "silence_is_no_comments": true, "accept_late": true,
                "agencies": ["xihu", "binjiang"],
            }),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let round = created.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(created.json()["state"], "draft");
    let drafted = ledger(&app, &drafter, &round).await;
    let xihu = id_of(&drafted, "xihu");
    // Not sent yet: the agency does not see it.
    let agency = app.agency_token("xihu");
    app.get(&format!("/api/v1/requests/{xihu}"), Some(&agency))
        .await
        .problem(404, "not_found");
    let opened = app
        .send(with_token(
            TestRequest::post().uri(&format!("/api/v1/rounds/{round}/open")),
            Some(&drafter),
        ))
        .await;
    assert_eq!(
        opened.status,
        200,
        "{}",
        String::from_utf8_lossy(&opened.body)
    );
    assert_eq!(opened.json()["state"], "open");
    app.send(with_token(
        TestRequest::post().uri(&format!("/api/v1/rounds/{round}/open")),
        Some(&drafter),
    ))
    .await
    .problem(409, "round_opened");

    app.clock.set(
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 1)
            .single()
            .expect("time"),
    );
    let after = ledger(&app, &drafter, &round).await;
    assert_eq!(
        request_of(&after, "binjiang")["state"],
        "deemed_no_comments"
    );
    assert_eq!(
        after["summary"],
        "0 of 2 replied: 0 with comments, 0 no comments; 2 deemed no comments"
    );
    let late = app
        .post(
            &format!("/api/v1/requests/{xihu}/no-comments"),
            Some(&agency),
            &no_comments(),
        )
        .await
        .json();
    assert_eq!(late["reply"]["late"], true);
    assert_eq!(late["state"], "no_comments");
}

async fn replies_are_revised_and_withdrawn_and_every_revision_stays(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    let id = id_of(&ledger, "keji");
    let agency = app.agency_token("keji");
    app.post(
        &format!("/api/v1/requests/{id}/withdraw"),
        Some(&agency),
        &json!({}),
    )
    .await
    .problem(409, "no_reply");
    app.post(
        &format!("/api/v1/requests/{id}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await;
    let withdrawn = app
        .post(
            &format!("/api/v1/requests/{id}/withdraw"),
            Some(&agency),
            &json!({}),
        )
        .await
        .json();
    assert_eq!(
        withdrawn["state"], "pending",
        "back to pending until it answers again"
    );
    assert!(withdrawn["reply"].is_null());
    let mut second = no_comments();
    second["note"] = json!("经研究，无意见。");
    app.post(
        &format!("/api/v1/requests/{id}/no-comments"),
        Some(&agency),
        &second,
    )
    .await;
    let revisions = app
        .items(&format!("/api/v1/requests/{id}/replies"), Some(&agency))
        .await;
    let revisions = revisions.as_array().expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert!(revisions[0]["withdrawn_at"].is_string());
    assert_eq!(revisions[1]["note"], "经研究，无意见。");
    assert_eq!(revisions[1]["revision"], 2);
    // Removing an agency that has replied is refused.
    app.post(
        &format!("/api/v1/requests/{id}/cancel"),
        Some(&drafter),
        &json!({"reason": "职能调整"}),
    )
    .await
    .problem(409, "already_replied");
}

async fn drafters_enter_paper_replies_and_change_the_invitation_list(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let before = ledger(&app, &drafter, &round).await;
    let chunan = id_of(&before, "chunan");
    let by_staff = app
        .post(
            &format!("/api/v1/requests/{chunan}/no-comments"),
            Some(&drafter),
            &no_comments(),
        )
        .await;
    by_staff.problem(422, "validation_failed");
    let mut paper = no_comments();
    paper["source"] = json!("paper");
    let entered = app
        .post(
            &format!("/api/v1/requests/{chunan}/no-comments"),
            Some(&drafter),
            &paper,
        )
        .await
        .json();
    assert_eq!(entered["reply"]["source"], "paper");
    assert_eq!(entered["reply"]["entered_by"], "测试人员");

    let jiande = id_of(&before, "jiande");
    let cancelled = app
        .post(
            &format!("/api/v1/requests/{jiande}/cancel"),
            Some(&drafter),
            &json!({"reason": "不涉及本单位职能"}),
        )
        .await
        .json();
    assert_eq!(cancelled["state"], "cancelled");
    let agency = app.agency_token("jiande");
    app.post(
        &format!("/api/v1/requests/{jiande}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await
    .problem(409, "request_cancelled");

    let drafter_made = app
        .post("/api/v1/agencies", Some(&drafter), &json!({"code": "wenlv", "name": "市文广旅游局", "kind": "department", "emails": ["a@wenlv.example"]}))
        .await;
    assert_eq!(drafter_made.status, 201);
    let invited = app
        .post(
            &format!("/api/v1/rounds/{round}/requests"),
            Some(&drafter),
            &json!({"agency": "wenlv"}),
        )
        .await;
    assert_eq!(
        invited.status,
        201,
        "{}",
        String::from_utf8_lossy(&invited.body)
    );
    let invited = invited.json();
    assert!(
        invited["issued_at"].is_string(),
        "sent at once in an open round"
    );
    app.post(
        &format!("/api/v1/rounds/{round}/requests"),
        Some(&drafter),
        &json!({"agency": "wenlv"}),
    )
    .await
    .problem(409, "already_invited");
    let after = ledger(&app, &drafter, &round).await;
    assert_eq!(after["counts"]["invited"], 30);
    assert_eq!(after["counts"]["cancelled"], 1);
    assert_eq!(after["counts"]["no_comments"], 1);
}

async fn a_round_closes_early_and_reopens(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let before = ledger(&app, &drafter, &round).await;
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&drafter),
            &json!({"reason": "领导要求提前汇总"}),
        )
        .await
        .json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["state_reason"], "领导要求提前汇总");
    let fuyang = id_of(&before, "fuyang");
    let agency = app.agency_token("fuyang");
    app.post(
        &format!("/api/v1/requests/{fuyang}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await
    .problem(409, "round_closed");
    app.post(
        &format!("/api/v1/rounds/{round}/reopen"),
        Some(&drafter),
        &json!({"reason": "补充征求", "deadline": "2020-01-01T00:00:00+08:00"}),
    )
    .await
    .problem(422, "validation_failed");
    let reopened = app
        .post(
            &format!("/api/v1/rounds/{round}/reopen"),
            Some(&drafter),
            &json!({"reason": "补充征求", "deadline": "2026-06-10T18:00:00+08:00"}),
        )
        .await
        .json();
    assert_eq!(reopened["state"], "open");
    assert_eq!(
        app.post(
            &format!("/api/v1/requests/{fuyang}/no-comments"),
            Some(&agency),
            &no_comments()
        )
        .await
        .status,
        201
    );
}

async fn rounds_are_prepared_on_published_versions_with_valid_settings(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let base =
        json!({"document_id": document, "version": 1, "title": "征求意见", "working_days": 5});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let both = with("deadline", json!("2026-06-05T18:00:00+08:00"));
    app.post("/api/v1/rounds", Some(&drafter), &both)
        .await
        .problem(422, "validation_failed");
    let problem = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &with("agencies", json!(["jingxin", "nowhere"])),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "agencies[1]");
    let problem = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &with("scope", json!(["m1", "m99"])),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "scope[1]");
    app.post(
        "/api/v1/rounds",
        Some(&drafter),
        &with("time_zone", json!("Mars/Olympus")),
    )
    .await
    .problem(422, "validation_failed");
    let draft = app
        .post(
            &format!("/api/v1/documents/{document}/versions"),
            Some(&drafter),
            &json!({"label": "修改稿", "text": "一、甲"}),
        )
        .await;
    assert_eq!(draft.status, 201);
    app.post("/api/v1/rounds", Some(&drafter), &with("version", json!(2)))
        .await
        .problem(409, "version_not_published");
    let scoped = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &with("scope", json!(["m1", "m2"])),
        )
        .await;
    assert_eq!(scoped.status, 201);
    assert_eq!(scoped.json()["scope"], json!(["m1", "m2"]));
    assert!(scoped.json()["deadline"].is_null(), "fixed when it opens");
}

async fn replies_carry_uploaded_files(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    let id = id_of(&ledger, "caizheng");
    let agency = app.agency_token("caizheng");
    let upload = |content_type: &str, body: Vec<u8>, token: &str| {
        with_token(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/requests/{id}/attachments?filename=%E5%A4%8D%E5%87%BD.pdf"
                ))
                .insert_header(("content-type", content_type.to_owned()))
                .set_payload(body),
            Some(token),
        )
    };
    let letter = b"%PDF-1.7\n% stamped reply letter\n".to_vec();
    let stored = app
        .send(upload("application/pdf", letter.clone(), &agency))
        .await;
    assert_eq!(
        stored.status,
        201,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    let stored = stored.json();
    assert_eq!(stored["filename"], "复函.pdf");
    assert_eq!(stored["size_bytes"], letter.len());
    assert!(stored["reply_id"].is_null());
    let file = stored["id"].as_str().expect("id").to_owned();

    app.send(upload("application/pdf", b"not a pdf".to_vec(), &agency))
        .await
        .problem(422, "validation_failed");
    app.send(upload("application/zip", b"PK\x03\x04".to_vec(), &agency))
        .await
        .problem(415, "unsupported_media_type");
    let mut big = b"%PDF-".to_vec();
    big.resize(crate::support::ATTACHMENT_LIMIT + 1, b'x');
    app.send(upload("application/pdf", big, &agency))
        .await
        .problem(413, "payload_too_large");
    // A file larger than a JSON body, sent with an Idempotency-Key: the upload's own limit holds.
    let mut larger = b"%PDF-1.7\n".to_vec();
    larger.resize(crate::support::BODY_LIMIT * 2, b'x');
    let keyed =
        upload("application/pdf", larger, &agency).insert_header(("Idempotency-Key", "letter-1"));
    let keyed = app.send(keyed).await;
    assert_eq!(
        keyed.status,
        201,
        "{}",
        String::from_utf8_lossy(&keyed.body)
    );
    let stranger = app.agency_token("haiguan");
    app.send(upload("application/pdf", letter.clone(), &stranger))
        .await
        .problem(404, "not_found");

    let mut reply = no_comments();
    reply["attachments"] = json!([file]);
    let replied = app
        .post(
            &format!("/api/v1/requests/{id}/no-comments"),
            Some(&agency),
            &reply,
        )
        .await;
    assert_eq!(
        replied.status,
        201,
        "{}",
        String::from_utf8_lossy(&replied.body)
    );
    // A file goes with one reply revision only.
    app.post(
        &format!("/api/v1/requests/{id}/no-comments"),
        Some(&agency),
        &reply,
    )
    .await
    .problem(422, "validation_failed");
    let files = app
        .items(
            &format!("/api/v1/requests/{id}/attachments"),
            Some(&drafter),
        )
        .await;
    assert!(files[0]["reply_id"].is_string());

    let downloaded = app
        .get(&format!("/api/v1/attachments/{file}"), Some(&drafter))
        .await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.body.as_ref(), letter.as_slice());
    assert_eq!(downloaded.header("content-type"), Some("application/pdf"));
    assert!(
        downloaded
            .header("content-disposition")
            .is_some_and(|d| d.contains("UTF-8''%E5%A4%8D%E5%87%BD.pdf"))
    );
    app.get(&format!("/api/v1/attachments/{file}"), Some(&stranger))
        .await
        .problem(404, "not_found");
}

async fn round_settings_change_within_what_its_state_allows(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}");
    let changed = app
        .patch(&url, Some(&drafter), &json!({"deadline": "2026-06-09T18:00:00+08:00", "accept_late": true, "title": "补充说明后的征求意见"}))
        .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let changed = changed.json();
    assert_eq!(
        changed["deadline"],
        json!(
            Utc.with_ymd_and_hms(2026, 6, 9, 10, 0, 0)
                .single()
                .expect("time")
        )
    );
    assert_eq!(changed["accept_late"], true);
    app.patch(&url, Some(&drafter), &json!({"working_days": 3}))
        .await
        .problem(409, "round_opened");
    app.patch(&url, Some(&drafter), &json!({"scope": ["m1"]}))
        .await
        .problem(409, "round_opened");
    app.patch(&url, Some(&drafter), &json!({"title": null}))
        .await
        .problem(422, "validation_failed");
    let ledger = ledger(&app, &drafter, &round).await;
    let effective = request_of(&ledger, "xihu")["effective_deadline"].clone();
    assert_eq!(
        effective, changed["deadline"],
        "requests follow the round's new deadline"
    );
    let agency = app.agency_token("xihu");
    app.patch(&url, Some(&agency), &json!({"title": "x"}))
        .await
        .problem(403, "forbidden");
    let stale = TestRequest::patch()
        .uri(&url)
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"title": "x"}));
    app.send(with_token(stale, Some(&drafter)))
        .await
        .problem(412, "precondition_failed");
}

async fn states_hold_through_drafts_early_closes_reopening_and_reinvitation(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    // A draft round's requests are pending whatever the clock says: nothing has gone out.
    let drafted = app
        .post("/api/v1/rounds", Some(&drafter), &json!({"document_id": document, "version": 1, "title": "草拟", "deadline": "2026-05-31T18:00:00+08:00", "agencies": ["xihu"]}))
        .await
        .json();
    let draft_round = drafted["id"].as_str().expect("id").to_owned();
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("time"),
    );
    let draft_ledger = ledger(&app, &drafter, &draft_round).await;
    assert_eq!(request_of(&draft_ledger, "xihu")["state"], "pending");
    assert_eq!(draft_ledger["round"]["state"], "draft");
    app.clock.set(crate::support::start_time());

    // Closing early: silent agencies are overdue from then on, and extensions are refused.
    let before = ledger(&app, &drafter, &round).await;
    let gongshu = id_of(&before, "gongshu");
    let extended = app
        .post(
            &format!("/api/v1/requests/{gongshu}/extension"),
            Some(&drafter),
            &json!({"deadline": "2026-06-07T18:00:00+08:00", "reason": "区里另行研究"}),
        )
        .await;
    assert_eq!(
        extended.status,
        200,
        "{}",
        String::from_utf8_lossy(&extended.body)
    );
    app.post(
        &format!("/api/v1/requests/{gongshu}/extension"),
        Some(&drafter),
        &json!({"deadline": "2026-06-02T18:00:00+08:00", "reason": "x"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        &format!("/api/v1/rounds/{round}/reopen"),
        Some(&drafter),
        &json!({"reason": "x", "deadline": "2026-06-20T18:00:00+08:00"}),
    )
    .await
    .problem(409, "round_open");
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&drafter),
        &json!({"reason": "提前汇总"}),
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    let closed = ledger(&app, &drafter, &round).await;
    assert_eq!(closed["counts"]["overdue"], 30);
    app.post(
        &format!("/api/v1/requests/{gongshu}/extension"),
        Some(&drafter),
        &json!({"working_days": 3, "reason": "x"}),
    )
    .await
    .problem(409, "round_closed");

    // Reopening past the old extension: it no longer extends anything.
    let reopened = app
        .post(
            &format!("/api/v1/rounds/{round}/reopen"),
            Some(&drafter),
            &json!({"reason": "补充征求", "deadline": "2026-06-20T18:00:00+08:00"}),
        )
        .await;
    assert_eq!(reopened.status, 200);
    let after = ledger(&app, &drafter, &round).await;
    assert_eq!(
        request_of(&after, "gongshu")["effective_deadline"],
        after["round"]["deadline"]
    );
    assert!(request_of(&after, "gongshu")["extension_reason"].is_null());
    assert_eq!(after["counts"]["pending"], 30);

    // Removed and invited again: a new letter goes out.
    let linan = id_of(&after, "linan");
    app.post(
        &format!("/api/v1/requests/{linan}/cancel"),
        Some(&drafter),
        &json!({"reason": "误发"}),
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    let again = app
        .post(
            &format!("/api/v1/rounds/{round}/requests"),
            Some(&drafter),
            &json!({"agency": "linan"}),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(
        again.json()["id"],
        linan.as_str(),
        "the same request, no longer cancelled"
    );
    let letters = app
        .db()
        .read_now(|conn| -> Result<_, ApiError> {
            use consult::db::schema::outbox_messages::dsl as o;
            use diesel::prelude::*;
            Ok(o::outbox_messages
                .filter(o::dedupe_key.like(format!("comment_request:{linan}:%")))
                .count()
                .get_result::<i64>(conn)?)
        })
        .expect("count");
    assert_eq!(letters, 2);
}

async fn closing_a_round_past_its_deadline_stops_late_replies(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    app.patch(
        &format!("/api/v1/rounds/{round}"),
        Some(&drafter),
        &json!({"accept_late": true}),
    )
    .await;
    app.clock.set(demo_deadline() + Duration::hours(1));
    let before = ledger(&app, &drafter, &round).await;
    let tonglu = id_of(&before, "tonglu");
    let agency = app.agency_token("tonglu");
    let late = app
        .post(
            &format!("/api/v1/requests/{tonglu}/no-comments"),
            Some(&agency),
            &no_comments(),
        )
        .await
        .json();
    assert_eq!(late["reply"]["late"], true);
    // A late reply does not replace itself or an answer given in time.
    app.post(
        &format!("/api/v1/requests/{tonglu}/no-comments"),
        Some(&agency),
        &no_comments(),
    )
    .await
    .problem(409, "deadline_passed");
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&drafter),
            &json!({"reason": "汇总完毕"}),
        )
        .await;
    assert_eq!(closed.status, 200);
    let xihu = id_of(&before, "xihu");
    let other = app.agency_token("xihu");
    app.post(
        &format!("/api/v1/requests/{xihu}/no-comments"),
        Some(&other),
        &no_comments(),
    )
    .await
    .problem(409, "round_closed");
}

async fn simultaneous_replies_to_one_request_become_two_revisions(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    let id = id_of(&ledger, "xiaoshan");
    let now = app.clock.now();
    let replies: Vec<_> = (0..4)
        .map(|i| {
            let (db, id) = (app.db().clone(), id.clone());
            std::thread::spawn(move || {
                db.write_now(|conn| -> Result<i32, ApiError> {
                    let request =
                        consult::db::round::find_request(conn, &id)?.ok_or(ApiError::NotFound)?;
                    let round = consult::db::round::find_round(conn, &request.round_id)?
                        .ok_or(ApiError::NotFound)?;
                    let reply = consult::service::replies::reply(
                        conn,
                        &consult::db::audit::Actor::command_line(),
                        &round,
                        &request,
                        consult::domain::round::ReplyKind::NoComments,
                        consult::service::replies::ReplyDetails {
                            signer: format!("签发人{i}"),
                            contact_name: "李明".into(),
                            contact_phone: "0571-1".into(),
                            note: None,
                            source: consult::domain::round::ReplySource::Api,
                            entered_by: None,
                            attachments: Vec::new(),
                        },
                        now,
                    )?;
                    Ok(reply.revision)
                })
            })
        })
        .collect();
    let mut revisions: Vec<i32> = replies
        .into_iter()
        .map(|r| r.join().expect("thread").expect("reply"))
        .collect();
    revisions.sort_unstable();
    // Each waited for the one before: numbered one after another, none refused.
    assert_eq!(revisions, [1, 2, 3, 4]);
}

/// Every page of `path` fetched `limit` at a time: the ids (or keys) in order.
async fn all_pages(
    app: &TestApp,
    token: &str,
    path: &str,
    limit: usize,
    field: &str,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(cursor) => format!("{path}{separator}limit={limit}&cursor={cursor}"),
            None => format!("{path}{separator}limit={limit}"),
        };
        let response = app.get(&url, Some(token)).await;
        assert_eq!(response.status, 200, "GET {url}");
        let page = response.json();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit, "GET {url} gave more than {limit}");
        seen.extend(
            items
                .iter()
                .map(|item| item[field].as_str().expect(field).to_owned()),
        );
        match page["next_page"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

engine_tests!(listings_page_with_limit_and_cursor,);

async fn listings_page_with_limit_and_cursor(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;

    // A round's 30 requests, 7 a page, by agency code, each once.
    let requests = format!("/api/v1/requests?round_id={round}");
    let paged = all_pages(&app, &drafter, &requests, 7, "id").await;
    let whole: Vec<String> = app
        .items(&requests, Some(&drafter))
        .await
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(whole.len(), 30);
    assert_eq!(paged, whole);

    // The draft's clauses in document order, 10 a page.
    let clauses = format!("/api/v1/rounds/{round}/clauses");
    let paged = all_pages(&app, &drafter, &clauses, 10, "key").await;
    let whole: Vec<String> = app
        .items(&clauses, Some(&drafter))
        .await
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["key"].as_str().expect("key").to_owned())
        .collect();
    assert!(whole.len() > 30);
    assert_eq!(paged, whole);

    // The same refusals as every other listing.
    let bad = app
        .get("/api/v1/rounds?limit=0", Some(&drafter))
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "query.limit");
    let bad = app
        .get("/api/v1/calendar?cursor=zz", Some(&drafter))
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "query.cursor");
    let bad = app
        .get(
            &format!("/api/v1/rounds/{round}/groups?sort=x"),
            Some(&drafter),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "query.sort");
}

/// A request holds at most so many files, and so many bytes of them, all its replies together:
/// an upload past either bound is refused before it is stored.
async fn a_request_holds_a_bounded_number_and_size_of_files(app: TestApp) {
    use crate::support::{ATTACHMENT_LIMIT, MAX_FILE_BYTES_PER_REQUEST, MAX_FILES_PER_REQUEST};
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let ledger = ledger(&app, &drafter, &round).await;
    let upload = |code: &'static str, size: usize| {
        let (app, ledger) = (&app, &ledger);
        async move {
            let id = id_of(ledger, code);
            let mut file = b"%PDF-1.7\n".to_vec();
            file.resize(size, b'x');
            let request = TestRequest::post()
                .uri(&format!("/api/v1/requests/{id}/attachments?filename=a.pdf"))
                .insert_header(("content-type", "application/pdf"))
                .set_payload(file);
            app.send(with_token(request, Some(&app.agency_token(code))))
                .await
        }
    };
    // By bytes: full files up to the total, then not one byte more.
    let full = MAX_FILE_BYTES_PER_REQUEST as usize / ATTACHMENT_LIMIT;
    for _ in 0..full {
        assert_eq!(upload("caizheng", ATTACHMENT_LIMIT).await.status, 201);
    }
    upload("caizheng", 100)
        .await
        .problem(409, "attachments_full");
    // By count.
    for _ in 0..MAX_FILES_PER_REQUEST {
        assert_eq!(upload("jingxin", 100).await.status, 201);
    }
    let refused = upload("jingxin", 100)
        .await
        .problem(409, "attachments_full");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&format!("at most {MAX_FILES_PER_REQUEST} files"))),
        "{refused}"
    );
    let files = app
        .items(
            &format!("/api/v1/requests/{}/attachments", id_of(&ledger, "jingxin")),
            Some(&drafter),
        )
        .await;
    assert_eq!(
        files.as_array().map(Vec::len),
        Some(MAX_FILES_PER_REQUEST as usize)
    );
}
