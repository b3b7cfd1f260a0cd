//! Comments on clauses, submitted replies, and the drafters' queue.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use diesel::RunQueryDsl;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::fixture::Comment;
use crate::support::{TestApp, engine_tests, with_token};

async fn demo_round(app: &TestApp, token: &str) -> String {
    let rounds = app.items("/api/v1/rounds", Some(token)).await;
    rounds[0]["id"].as_str().expect("the demo round").to_owned()
}

async fn request_id(app: &TestApp, agency_token: &str) -> String {
    let own = app.items("/api/v1/requests", Some(agency_token)).await;
    own[0]["id"].as_str().expect("own request").to_owned()
}

fn reply() -> Value {
    json!({"signer": "张局长", "contact_name": "李明", "contact_phone": "0571-85000000"})
}

/// Ten comments on the demo draft: amendments with and without wording, a deletion, an
/// addition, a general remark.
fn ten_comments() -> Value {
    json!({"items": [
        {"kind": "amend", "clause_key": "ch1", "quote": {"exact": "**%"}, "body": "研发投入强度建议明确为具体数值。", "proposed_text": "3.6%", "rationale": "与省定目标衔接"},
        {"kind": "amend", "clause_key": "m1", "body": "建议补充软件名城建设的具体路径。"},
        {"kind": "amend", "clause_key": "m2", "body": "智算设施布局应与全省统筹。", "proposed_text": "统筹布局智算基础设施，建设算力枢纽节点。"},
        {"kind": "add", "clause_key": "m4", "body": "建议增加公共数据授权运营内容。"},
        {"kind": "delete", "clause_key": "m7", "body": "研究开发程度表述不清，建议删除。"},
        {"kind": "amend", "clause_key": "ch2", "quote": {"exact": "*亿美元"}, "body": "请补充数字贸易进出口额目标。"},
        {"kind": "amend", "clause_key": "m9", "body": "跨境电商部分建议增加海外仓。", "proposed_text": "做优做强跨境电商，布局建设海外仓。"},
        {"kind": "amend", "clause_key": "m12", "body": "数字营商环境表述可再具体。"},
        {"kind": "amend", "clause_key": "m20", "body": "多式联运需明确牵头单位。"},
        {"kind": "general", "body": "整体结构清晰，建议各措施明确责任单位。"}
    ]})
}

fn keyed_post(path: &str, token: &str, key: &str, body: &Value) -> TestRequest {
    with_token(
        TestRequest::post()
            .uri(path)
            .insert_header(("Idempotency-Key", key))
            .set_json(body),
        Some(token),
    )
}

engine_tests!(
    a_clerk_names_clauses_as_the_draft_prints_them,
    the_stored_standing_agrees_with_the_replies_after_every_change,
    the_clause_heat_agrees_with_the_queue_after_every_change,
    the_search_finds_rare_and_common_terms_alike,
    a_chapter_or_a_section_spans_everything_under_it,
    a_large_batchs_answer_is_kept_compressed_and_replayed_byte_for_byte,
    the_queue_search_folds_widths_and_case_alike_on_both_engines,
    staff_read_a_submitted_comment_as_submitted_never_the_draft,
    a_patch_changes_the_fields_sent_and_keeps_the_others,
    paging_the_queue_returns_every_comment_once_whatever_the_order_of_submission,
    a_batch_is_submitted_and_shows_in_the_queue,
    an_edit_after_submission_shows_only_when_resubmitted,
    different_proposals_for_one_measure_are_flagged,
    comments_explain_what_is_wrong_and_stay_with_their_agency,
    a_drafter_enters_a_paper_reply_with_its_comments,
    a_scoped_round_takes_comments_on_its_clauses_only,
    the_queue_holds_standing_replies_and_marks_late_ones,
);

async fn the_queue_search_folds_widths_and_case_alike_on_both_engines(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    for (code, body) in [
        ("jingxin", "GDP占比目标建议上调。"),
        ("shangwu", "ＧＤＰ口径请与统计局一致。"),
        ("xihu", "建议补充海外仓。"),
    ] {
        let token = app.agency_token(code);
        assert_eq!(
            app.post(
                &url,
                Some(&token),
                &json!({"kind": "general", "body": body})
            )
            .await
            .status,
            201
        );
        let request = request_id(&app, &token).await;
        assert_eq!(
            app.post(
                &format!("/api/v1/requests/{request}/submit"),
                Some(&token),
                &reply()
            )
            .await
            .status,
            201
        );
    }
    for query in [
        "GDP",
        "gdp",
        "%EF%BC%A7%EF%BC%A4%EF%BC%B0",
        "%EF%BD%87%EF%BD%84%EF%BD%90",
    ] {
        let found = app
            .get(&format!("{url}?q={query}"), Some(&drafter))
            .await
            .json();
        assert_eq!(
            found["items"].as_array().map(Vec::len),
            Some(2),
            "{query}: {found}"
        );
    }
    let none = app
        .get(&format!("{url}?q=%25"), Some(&drafter))
        .await
        .json();
    assert_eq!(none["items"], json!([]), "a wildcard is text");
    // Comments stored before the search text existed are folded when it is added.
    app.db()
        .write_now(|conn| -> Result<_, consult::error::ApiError> {
            diesel::sql_query("UPDATE submitted_comments SET search_text = NULL").execute(conn)?;
            Ok(consult::db::comment::fold_unsearchable(conn)?)
        })
        .expect("folded");
    let found = app
        .get(&format!("{url}?q=gdp"), Some(&drafter))
        .await
        .json();
    assert_eq!(found["items"].as_array().map(Vec::len), Some(2), "{found}");
}

async fn staff_read_a_submitted_comment_as_submitted_never_the_draft(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let agency = app.agency_token("jingxin");
    let created = app
        .post(
            &format!("/api/v1/rounds/{round}/comments"),
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m9", "body": "建议增加海外仓。"}),
        )
        .await
        .json();
    let id = created["items"][0]["id"]
        .as_str()
        .or_else(|| created["id"].as_str())
        .expect("id")
        .to_owned();
    let url = format!("/api/v1/comments/{id}");
    app.get(&url, Some(&drafter))
        .await
        .problem(404, "not_found");
    let request = request_id(&app, &agency).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&agency),
            &reply()
        )
        .await
        .status,
        201
    );
    let read = app.get(&url, Some(&drafter)).await;
    assert_eq!(read.status, 200, "{}", String::from_utf8_lossy(&read.body));
    assert_eq!(read.json()["body"], "建议增加海外仓。");
    // The agency works on its copy again: staff still read what was submitted.
    app.patch(
        &url,
        Some(&agency),
        &json!({"body": "建议增加海外仓和服务站。"}),
    )
    .await;
    assert_eq!(
        app.get(&url, Some(&drafter)).await.json()["body"],
        "建议增加海外仓。"
    );
    assert_eq!(
        app.get(&url, Some(&agency)).await.json()["body"],
        "建议增加海外仓和服务站。"
    );
    // Staff cannot change it.
    app.patch(&url, Some(&drafter), &json!({"body": "改"}))
        .await
        .problem(404, "not_found");
    app.get(&url, Some(&app.agency_token("shangwu")))
        .await
        .problem(404, "not_found");
}

async fn a_patch_changes_the_fields_sent_and_keeps_the_others(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let agency = app.agency_token("jingxin");
    let created = app
        .post(&format!("/api/v1/rounds/{round}/comments"), Some(&agency), &json!({"kind": "amend", "clause_key": "m9", "quote": {"exact": "跨境电商"}, "body": "建议增加海外仓。", "proposed_text": "做优做强跨境电商，布局建设海外仓。", "rationale": "与省里部署一致"}))
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let created = created.json();
    let id = created["items"][0]["id"]
        .as_str()
        .or_else(|| created["id"].as_str())
        .expect("id")
        .to_owned();
    let url = format!("/api/v1/comments/{id}");
    let patched = app
        .patch(
            &url,
            Some(&agency),
            &json!({"body": "建议增加海外仓和海外服务站。"}),
        )
        .await;
    assert_eq!(
        patched.status,
        200,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    let patched = patched.json();
    assert_eq!(patched["body"], "建议增加海外仓和海外服务站。");
    assert_eq!(
        patched["proposed_text"],
        "做优做强跨境电商，布局建设海外仓。"
    );
    assert_eq!(patched["rationale"], "与省里部署一致");
    assert_eq!(patched["quote"]["exact"], "跨境电商");
    assert_eq!(patched["clause_key"], "m9");
    // `null` clears an optional field.
    let cleared = app
        .patch(
            &url,
            Some(&agency),
            &json!({"rationale": null, "quote": null}),
        )
        .await
        .json();
    assert_eq!(cleared["rationale"], Value::Null);
    assert_eq!(cleared["quote"], Value::Null);
    assert_eq!(cleared["body"], "建议增加海外仓和海外服务站。");
    app.patch(&url, Some(&agency), &json!({"colour": "red"}))
        .await
        .problem(422, "validation_failed");
    app.patch(&url, Some(&agency), &json!({"body": "\u{200B}"}))
        .await
        .problem(422, "validation_failed");
}

async fn paging_the_queue_returns_every_comment_once_whatever_the_order_of_submission(
    app: TestApp,
) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    // Three agencies write in turn, then submit in the opposite order.
    let mut written = Vec::new();
    let agencies = ["jingxin", "shangwu", "xihu"];
    let mut tokens = Vec::new();
    for code in agencies {
        let token = app.agency_token(code);
        let items: Vec<Value> = (0..3)
            .map(|i| json!({"kind": "amend", "clause_key": "m9", "body": format!("{code}意见{i}")}))
            .collect();
        let created = app.post(&url, Some(&token), &json!({"items": items})).await;
        assert_eq!(
            created.status,
            201,
            "{}",
            String::from_utf8_lossy(&created.body)
        );
        for item in created.json()["items"].as_array().expect("items") {
            written.push(item["id"].as_str().expect("id").to_owned());
        }
        tokens.push(token);
    }
    for token in tokens.iter().rev() {
        app.clock.advance(chrono::Duration::minutes(1));
        let request = request_id(&app, token).await;
        let submitted = app
            .post(
                &format!("/api/v1/requests/{request}/submit"),
                Some(token),
                &reply(),
            )
            .await;
        assert_eq!(
            submitted.status,
            201,
            "{}",
            String::from_utf8_lossy(&submitted.body)
        );
    }
    let mut seen = Vec::new();
    let mut page_url = format!("{url}?clause=m9&limit=2");
    loop {
        let page = app.get(&page_url, Some(&drafter)).await.json();
        for item in page["items"].as_array().expect("items") {
            seen.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next_page"].as_str() {
            Some(cursor) => page_url = format!("{url}?clause=m9&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    // Each once, in the order they were written.
    assert_eq!(seen, written);
}

async fn a_batch_is_submitted_and_shows_in_the_queue(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let agency = app.agency_token("jingxin");
    let url = format!("/api/v1/rounds/{round}/comments");
    let created = app
        .send(keyed_post(&url, &agency, "batch-1", &ten_comments()))
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        created.json()["items"][0]["quote"]["start"],
        28,
        "offsets found in the clause"
    );
    // A retry with the same key creates nothing more.
    let retried = app
        .send(keyed_post(&url, &agency, "batch-1", &ten_comments()))
        .await;
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    let request = request_id(&app, &agency).await;
    let working = app
        .items(
            &format!("/api/v1/requests/{request}/comments"),
            Some(&agency),
        )
        .await;
    assert_eq!(working.as_array().map(Vec::len), Some(10));
    // Each comment of the batch is in the log once, under the request that made it.
    let admin = app.staff_token(Role::Admin);
    let log = app
        .items("/api/v1/audit?entity_type=comment", Some(&admin))
        .await;
    let events = log.as_array().expect("events");
    assert_eq!(events.len(), 10);
    assert!(events.iter().all(|e| e["action"] == "comment.create"));
    assert!(
        events
            .iter()
            .all(|e| e["request_id"] == created.header("x-request-id").expect("request id"))
    );
    let logged: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["entity_id"].as_str().expect("id"))
        .collect();
    let made: std::collections::BTreeSet<&str> = working
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(logged, made);

    // Drafts are the agency's own until submitted: not in the queue, not readable by drafters.
    let queue = app.get(&url, Some(&drafter)).await.json();
    assert_eq!(queue["items"], json!([]));
    let drafts = app
        .items(
            &format!("/api/v1/requests/{request}/comments"),
            Some(&drafter),
        )
        .await;
    assert_eq!(drafts, json!([]));
    let first = working[0]["id"].as_str().expect("id");
    app.get(&format!("/api/v1/comments/{first}"), Some(&drafter))
        .await
        .problem(404, "not_found");
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&agency),
            &reply(),
        )
        .await;
    assert_eq!(
        submitted.status,
        201,
        "{}",
        String::from_utf8_lossy(&submitted.body)
    );
    assert_eq!(submitted.json()["state"], "submitted");
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    assert_eq!(ledger["counts"]["with_comments"], 1);

    // Pages of four, in clause order, the general comment first.
    let mut seen = Vec::new();
    let mut page_url = format!("{url}?limit=4");
    loop {
        let page = app.get(&page_url, Some(&drafter)).await.json();
        for item in page["items"].as_array().expect("items") {
            seen.push(item["clause_key"].as_str().unwrap_or("-").to_owned());
        }
        match page["next_page"].as_str() {
            Some(cursor) => page_url = format!("{url}?limit=4&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "-", "ch1", "m1", "m2", "m4", "m7", "ch2", "m9", "m12", "m20"
        ]
    );

    let filtered = |query: &str| {
        let path = format!("{url}?{query}");
        let app = &app;
        let drafter = drafter.clone();
        async move {
            app.get(&path, Some(&drafter)).await.json()["items"]
                .as_array()
                .map(Vec::len)
        }
    };
    assert_eq!(
        filtered("chapter=ch1").await,
        Some(5),
        "the chapter and its measures"
    );
    assert_eq!(filtered("clause=m2").await, Some(1));
    assert_eq!(filtered("kind=amend").await, Some(7));
    assert_eq!(filtered("has_proposal=true").await, Some(3));
    assert_eq!(filtered("agency=jingxin").await, Some(10));
    assert_eq!(filtered("agency=shangwu").await, Some(0));
    assert_eq!(filtered("late=true").await, Some(0));
    assert_eq!(
        filtered("q=%E6%B5%B7%E5%A4%96%E4%BB%93").await,
        Some(1),
        "海外仓"
    );
    app.get(&format!("{url}?kind=opinion"), Some(&drafter))
        .await
        .problem(422, "validation_failed");
}

async fn an_edit_after_submission_shows_only_when_resubmitted(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let agency = app.agency_token("shangwu");
    let url = format!("/api/v1/rounds/{round}/comments");
    let created = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m9", "body": "建议增加海外仓。"}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let comment = created.json()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let request = request_id(&app, &agency).await;
    app.post(
        &format!("/api/v1/requests/{request}/submit"),
        Some(&agency),
        &reply(),
    )
    .await;

    let edited = app
        .patch(
            &format!("/api/v1/comments/{comment}"),
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m9", "body": "建议增加海外仓和海外服务站。"}),
        )
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    let queue = app.get(&url, Some(&drafter)).await.json();
    assert_eq!(
        queue["items"][0]["body"], "建议增加海外仓。",
        "the queue shows what was submitted"
    );
    app.post(
        &format!("/api/v1/requests/{request}/submit"),
        Some(&agency),
        &reply(),
    )
    .await;
    let queue = app.get(&url, Some(&drafter)).await.json();
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(queue["items"][0]["body"], "建议增加海外仓和海外服务站。");

    let first = app
        .get(
            &format!("/api/v1/requests/{request}/replies/1/comments"),
            Some(&agency),
        )
        .await
        .json();
    assert_eq!(first["items"][0]["body"], "建议增加海外仓。");
    assert!(first["changes"].is_null());
    let second = app
        .get(
            &format!("/api/v1/requests/{request}/replies/2/comments"),
            Some(&agency),
        )
        .await
        .json();
    assert_eq!(second["changes"]["changed"], json!([comment]));
    assert_eq!(second["changes"]["added"], json!([]));
}

async fn different_proposals_for_one_measure_are_flagged(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    for (code, wording) in [
        ("jiaotong", "加快发展多式联运，建设综合货运枢纽。"),
        ("xiaoshan", "加快发展空铁水多式联运。"),
    ] {
        let agency = app.agency_token(code);
        let created = app.post(&url, Some(&agency), &json!({"kind": "amend", "clause_key": "m20", "body": "修改建议", "proposed_text": wording})).await;
        assert_eq!(created.status, 201);
        let request = request_id(&app, &agency).await;
        app.post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&agency),
            &reply(),
        )
        .await;
    }
    let heat = app
        .items(&format!("/api/v1/rounds/{round}/clauses"), Some(&drafter))
        .await;
    let m20 = heat
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "m20"))
        .expect("m20");
    assert_eq!(m20["comment_count"], 2);
    assert_eq!(m20["agencies"], json!(["jiaotong", "xiaoshan"]));
    assert_eq!(m20["conflicting_proposals"], true);
    let m1 = heat
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "m1"))
        .expect("m1");
    assert_eq!(
        (
            m1["comment_count"].as_u64(),
            m1["conflicting_proposals"].as_bool()
        ),
        (Some(0), Some(false))
    );
    // Two comments on one clause page one at a time, each once.
    let first = app
        .get(&format!("{url}?clause=m20&limit=1"), Some(&drafter))
        .await
        .json();
    let cursor = first["next_page"].as_str().expect("a second page");
    let second = app
        .get(
            &format!("{url}?clause=m20&limit=1&cursor={cursor}"),
            Some(&drafter),
        )
        .await
        .json();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(second["next_page"].is_null());
    let agency = app.agency_token("jiaotong");
    app.get(&format!("/api/v1/rounds/{round}/clauses"), Some(&agency))
        .await
        .problem(403, "forbidden");
    app.get(&url, Some(&agency)).await.problem(403, "forbidden");
}

async fn comments_explain_what_is_wrong_and_stay_with_their_agency(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    let agency = app.agency_token("keji");
    let problem = app
        .post(&url, Some(&agency), &json!({"items": [
            {"kind": "amend", "clause_key": "m1", "body": "好"},
            {"kind": "amend", "clause_key": "m99", "body": "不存在的条款"},
            {"kind": "amend", "body": "没有条款"},
            {"kind": "amend", "clause_key": "m1", "quote": {"exact": "不在文中"}, "body": "引文不对"},
            {"kind": "general", "clause_key": "m1", "body": "通用意见不指向条款"},
            {"kind": "amend", "clause_key": "m1", "body": ""}
        ]}))
        .await
        .problem(422, "validation_failed");
    let fields: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("items[1].clause_key", "unknown_clause"),
            ("items[2].clause_key", "required"),
            ("items[3].quote.exact", "quote_not_found"),
            ("items[4].clause_key", "not_allowed"),
            ("items[5].body", "length"),
        ]
    );
    let request = request_id(&app, &agency).await;
    let working = app
        .items(
            &format!("/api/v1/requests/{request}/comments"),
            Some(&agency),
        )
        .await;
    assert_eq!(working, json!([]), "all or nothing");
    app.post(
        &url,
        Some(&agency),
        &json!({"kind": "amend", "clause_key": "m1", "body": "x", "colour": "red"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        &format!("/api/v1/requests/{request}/submit"),
        Some(&agency),
        &reply(),
    )
    .await
    .problem(409, "no_comments_to_submit");

    let created = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m5", "body": "技术转移部分建议细化。"}),
        )
        .await
        .json();
    let comment = created["items"][0]["id"].as_str().expect("id").to_owned();
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&agency),
            &reply(),
        )
        .await;
    assert_eq!(submitted.status, 201);
    assert_eq!(
        app.get(
            &format!("/api/v1/requests/{request}/replies/1/comments"),
            Some(&agency)
        )
        .await
        .status,
        200
    );
    let other = app.agency_token("sifa");
    app.get(&format!("/api/v1/comments/{comment}"), Some(&other))
        .await
        .problem(404, "not_found");
    app.patch(
        &format!("/api/v1/comments/{comment}"),
        Some(&other),
        &json!({"kind": "general", "body": "x"}),
    )
    .await
    .problem(404, "not_found");
    app.send(with_token(
        TestRequest::delete().uri(&format!("/api/v1/comments/{comment}")),
        Some(&other),
    ))
    .await
    .problem(404, "not_found");
    app.get(
        &format!("/api/v1/requests/{request}/comments"),
        Some(&other),
    )
    .await
    .problem(404, "not_found");
    app.get(
        &format!("/api/v1/requests/{request}/replies/1/comments"),
        Some(&other),
    )
    .await
    .problem(404, "not_found");
    let deleted = app
        .send(with_token(
            TestRequest::delete().uri(&format!("/api/v1/comments/{comment}")),
            Some(&agency),
        ))
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&format!("/api/v1/comments/{comment}"), Some(&agency))
        .await
        .problem(404, "not_found");
}

async fn a_drafter_enters_a_paper_reply_with_its_comments(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    app.post(
        &url,
        Some(&drafter),
        &json!({"kind": "general", "body": "纸质意见"}),
    )
    .await
    .problem(422, "validation_failed");
    let created = app
        .post(&url, Some(&drafter), &json!({"agency": "chunan", "items": [{"kind": "amend", "clause_key": "m21", "body": "建议增加淳安特色会展内容。"}]}))
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["items"][0]["entered_by"], "测试人员");
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(&drafter))
        .await
        .json();
    let request = ledger["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["agency"]["code"] == "chunan"))
        .expect("chunan")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut paper = reply();
    paper["source"] = json!("paper");
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&drafter),
            &paper,
        )
        .await
        .json();
    assert_eq!(submitted["reply"]["source"], "paper");
    assert_eq!(submitted["reply"]["kind"], "comments");
    let queue = app.get(&url, Some(&drafter)).await.json();
    assert_eq!(queue["items"][0]["agency"]["code"], "chunan");
    assert_eq!(queue["items"][0]["entered_by"], "测试人员");
}

async fn a_scoped_round_takes_comments_on_its_clauses_only(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let created = app
        .post("/api/v1/rounds", Some(&drafter), &json!({"document_id": document, "version": 1, "title": "补充征求", "working_days": 3, "scope": ["m9"], "agencies": ["haiguan"]}))
        .await
        .json();
    let round = created["id"].as_str().expect("id").to_owned();
    app.send(with_token(
        TestRequest::post().uri(&format!("/api/v1/rounds/{round}/open")),
        Some(&drafter),
    ))
    .await;
    let agency = app.agency_token("haiguan");
    let url = format!("/api/v1/rounds/{round}/comments");
    let problem = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m2", "body": "不在范围内"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["code"], "outside_scope");
    assert_eq!(
        app.post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "m9", "body": "海关监管便利化。"})
        )
        .await
        .status,
        201
    );
    // Not consulted in this round: its comments are refused as if the round did not exist.
    let outsider = app.agency_token("xihu");
    app.post(
        &url,
        Some(&outsider),
        &json!({"kind": "amend", "clause_key": "m9", "body": "x"}),
    )
    .await
    .problem(404, "not_found");
}

async fn the_queue_holds_standing_replies_and_marks_late_ones(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let url = format!("/api/v1/rounds/{round}/comments");
    app.patch(
        &format!("/api/v1/rounds/{round}"),
        Some(&drafter),
        &json!({"accept_late": true}),
    )
    .await;
    // On time, then withdrawn: it leaves the queue.
    let withdrawing = app.agency_token("linping");
    app.post(
        &url,
        Some(&withdrawing),
        &json!({"kind": "amend", "clause_key": "m3", "body": "场景建议。"}),
    )
    .await;
    let withdrawn_request = request_id(&app, &withdrawing).await;
    app.post(
        &format!("/api/v1/requests/{withdrawn_request}/submit"),
        Some(&withdrawing),
        &reply(),
    )
    .await;
    assert_eq!(
        app.get(&url, Some(&drafter)).await.json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    app.post(
        &format!("/api/v1/requests/{withdrawn_request}/withdraw"),
        Some(&withdrawing),
        &json!({}),
    )
    .await;
    assert_eq!(
        app.get(&url, Some(&drafter)).await.json()["items"],
        json!([])
    );
    // Late, in a round that takes late replies.
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 6, 1, 0, 0)
            .single()
            .expect("time"),
    );
    let late = app.agency_token("qiantang");
    let created = app
        .post(
            &url,
            Some(&late),
            &json!({"kind": "amend", "clause_key": "m10", "body": "服务贸易建议。"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let late_request = request_id(&app, &late).await;
    app.post(
        &format!("/api/v1/requests/{late_request}/submit"),
        Some(&late),
        &reply(),
    )
    .await;
    let queued = app
        .get(&format!("{url}?late=true"), Some(&drafter))
        .await
        .json();
    assert_eq!(queued["items"][0]["agency"]["code"], "qiantang");
    assert_eq!(queued["items"][0]["late"], true);
    assert_eq!(
        app.get(&format!("{url}?late=false"), Some(&drafter))
            .await
            .json()["items"],
        json!([])
    );
    // Once answered late, the draft is closed to edits.
    app.post(
        &url,
        Some(&late),
        &json!({"kind": "general", "body": "补充"}),
    )
    .await
    .problem(409, "deadline_passed");
}

/// The queue's comment ids, and those worked out from the replies as they stand.
async fn queue_and_replies(
    app: &TestApp,
    round: &str,
    drafter: &str,
) -> (Vec<String>, Vec<String>) {
    let mut queued: Vec<String> = app
        .items(
            &format!("/api/v1/rounds/{round}/comments?limit=500"),
            Some(drafter),
        )
        .await
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    queued.sort();
    let round = round.to_owned();
    let mut worked_out: Vec<String> = app
        .db()
        .read_now(
            move |conn| -> Result<_, consult::service::error::ServiceError> {
                let replies = consult::service::round_facts::RoundReplies::of(conn, &round)?;
                let ids: Vec<String> = replies.standing().map(|(_, r)| r.id.clone()).collect();
                use consult::db::schema::submitted_comments as s;
                use diesel::prelude::*;
                Ok(s::table
                    .filter(s::reply_id.eq_any(&ids))
                    .select(s::comment_id)
                    .load::<String>(conn)?)
            },
        )
        .expect("standing");
    worked_out.sort();
    (queued, worked_out)
}

async fn the_stored_standing_agrees_with_the_replies_after_every_change(app: TestApp) {
    use consult::domain::comment::CommentKind::{Amend, General};
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let check = |expected: usize| {
        let (app, round, drafter) = (&app, &round, &drafter);
        async move {
            let (queued, worked_out) = queue_and_replies(app, round, drafter).await;
            assert_eq!(queued, worked_out);
            assert_eq!(queued.len(), expected);
        }
    };
    check(0).await;
    fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(Amend, Some("m1"), "建议补充路径。"),
            Comment::new(General, None, "建议明确责任单位。"),
        ],
    );
    check(2).await;
    // A second revision replaces the first: its three comments stand, the first's two do not.
    fixture.submitted(
        &round,
        "jingxin",
        vec![Comment::new(Amend, Some("m9"), "建议增加海外仓。")],
    );
    check(3).await;
    fixture.submitted(
        &round,
        "shangwu",
        vec![Comment::new(Amend, Some("m2"), "智算设施应统筹。")],
    );
    check(4).await;
    // "No comments" as a later revision: the agency's comments no longer stand.
    fixture.no_comments(&round, "shangwu");
    check(3).await;
    let jingxin = app.agency_token("jingxin");
    let request = request_id(&app, &jingxin).await;
    let withdrawn = app
        .post(
            &format!("/api/v1/requests/{request}/withdraw"),
            Some(&jingxin),
            &json!({}),
        )
        .await;
    assert_eq!(
        withdrawn.status,
        200,
        "{}",
        String::from_utf8_lossy(&withdrawn.body)
    );
    check(0).await;
    // Submitted again after withdrawing: the working copy stands once more.
    fixture.submitted(
        &round,
        "jingxin",
        vec![Comment::new(Amend, Some("m12"), "数字营商环境可再具体。")],
    );
    check(4).await;
}

/// Each clause's heat as the queue's standing comments give it: count, agencies, proposals and
/// whether different agencies propose different wordings.
fn heat_from_queue(items: &Value) -> BTreeMap<String, Value> {
    let mut by_clause: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for item in items.as_array().expect("items") {
        if let Some(key) = item["clause_key"].as_str() {
            by_clause.entry(key.to_owned()).or_default().push(item);
        }
    }
    by_clause
        .into_iter()
        .map(|(key, items)| {
            let codes = |only_proposing: bool| {
                let mut codes: Vec<&str> = items
                    .iter()
                    .filter(|c| !only_proposing || c["proposed_text"].is_string())
                    .filter_map(|c| c["agency"]["code"].as_str())
                    .collect();
                codes.sort_unstable();
                codes.dedup();
                codes
            };
            let mut wordings: Vec<&str> = items
                .iter()
                .filter_map(|c| c["proposed_text"].as_str())
                .collect();
            wordings.sort_unstable();
            wordings.dedup();
            let heat = json!({
                "comment_count": items.len(),
                "agencies": codes(false),
                "proposals": items.iter().filter(|c| c["proposed_text"].is_string()).count(),
                "conflicting_proposals": wordings.len() > 1 && codes(true).len() > 1,
            });
            (key, heat)
        })
        .collect()
}

async fn the_clause_heat_agrees_with_the_queue_after_every_change(app: TestApp) {
    use consult::domain::comment::CommentKind::{Amend, General};
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let check = |expected: usize| {
        let (app, round, drafter) = (&app, &round, &drafter);
        async move {
            let queued = app
                .items(
                    &format!("/api/v1/rounds/{round}/comments?limit=500"),
                    Some(drafter),
                )
                .await;
            let heat: BTreeMap<String, Value> = app
                .items(&format!("/api/v1/rounds/{round}/clauses"), Some(drafter))
                .await
                .as_array()
                .expect("clauses")
                .iter()
                .filter(|c| c["comment_count"] != 0)
                .map(|c| {
                    let key = c["key"].as_str().expect("key").to_owned();
                    let counted = json!({
                        "comment_count": c["comment_count"],
                        "agencies": c["agencies"],
                        "proposals": c["proposals"],
                        "conflicting_proposals": c["conflicting_proposals"],
                    });
                    (key, counted)
                })
                .collect();
            assert_eq!(heat, heat_from_queue(&queued));
            assert_eq!(heat.len(), expected, "{heat:?}");
        }
    };
    check(0).await;
    fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(Amend, Some("m1"), "建议补充路径。").proposing("甲"),
            Comment::new(Amend, Some("m1"), "再补一句。").proposing("乙"),
            Comment::new(Amend, Some("m2"), "同上。").proposing("甲"),
            Comment::new(General, None, "建议明确责任单位。"),
        ],
    );
    check(2).await;
    // One agency's two wordings are its own business; another agency's different one conflicts.
    fixture.submitted(
        &round,
        "shangwu",
        vec![
            Comment::new(Amend, Some("m2"), "同意。").proposing("甲"),
            Comment::new(Amend, Some("m1"), "另拟。").proposing("丙"),
            Comment::new(Amend, Some("m9"), "建议增加海外仓。"),
        ],
    );
    check(3).await;
    // A new revision (the working copy with one more) is counted afresh; "no comments" and a
    // withdrawal clear an agency's counts.
    fixture.submitted(
        &round,
        "jingxin",
        vec![Comment::new(Amend, Some("m2"), "改为乙。").proposing("乙")],
    );
    check(3).await;
    fixture.no_comments(&round, "shangwu");
    check(2).await;
    fixture.withdrawn(&round, "jingxin");
    check(0).await;
}

/// Every standing comment the queue's search for `q` finds, page by page.
async fn searched(app: &TestApp, round: &str, drafter: &str, q: &str) -> Vec<String> {
    let mut ids = app
        .every_id(
            &format!("/api/v1/rounds/{round}/comments?limit=500&q={q}"),
            Some(drafter),
        )
        .await;
    ids.sort();
    ids
}

/// A term few comments contain is looked up in the search index, one most contain is read in
/// clause order, one too short for the index likewise: each finds exactly the comments that
/// contain it, folded.
async fn the_search_finds_rare_and_common_terms_alike(app: TestApp) {
    use consult::domain::comment::CommentKind::General;
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let bodies: Vec<String> = (0..1_100)
        .map(|i| {
            let mut body = format!("第{i}条意见：建议明确责任单位。");
            if i % 200 == 0 {
                body.push_str("并布局海外仓。");
            }
            if i % 300 == 0 {
                body.push_str("加强港口联动。");
            }
            if i % 50 == 0 {
                body.push_str("ＧＤＰ核算口径“100%”一致。");
            }
            body
        })
        .collect();
    let ids = fixture.submitted(
        &round,
        "jingxin",
        bodies
            .iter()
            .map(|b| Comment::new(General, None, b))
            .collect(),
    );
    let containing = |term: &str| {
        let mut found: Vec<String> = bodies
            .iter()
            .zip(&ids)
            .filter(|(body, _)| body.contains(term))
            .map(|(_, id)| id.clone())
            .collect();
        found.sort();
        found
    };
    for (q, term, expected) in [
        // Rare, through the index.
        ("%E6%B5%B7%E5%A4%96%E4%BB%93", "海外仓", 6),
        // Rare and folded: half-width and lower case find the full-width capitals.
        ("gdp", "ＧＤＰ", 22),
        ("100%25", "100%", 22),
        // Too short for a trigram.
        ("%E6%B8%AF%E5%8F%A3", "港口", 4),
        // In every comment: more than the index is asked for.
        ("%E8%B4%A3%E4%BB%BB%E5%8D%95%E4%BD%8D", "责任单位", 1_100),
    ] {
        let found = searched(&app, &round, &drafter, q).await;
        assert_eq!(found.len(), expected, "{term}");
        assert_eq!(found, containing(term), "{term}");
    }
}

/// Where a clause's range of document order ends, read by key, is where everything under it
/// ends, however deep, for each clause of a draft with chapters, sections and measures.
async fn a_chapter_or_a_section_spans_everything_under_it(app: TestApp) {
    use consult::db::audit::Actor;
    use consult::domain::draft::{Clause, Content};
    use consult::service::drafting;
    let text = "测试举措\n\n一、第一章\n（一）第一节\n1.甲。\n2.乙。\n（二）第二节\n3.丙。\n\
                4.丁。\n二、第二章\n5.戊。\n三、第三章\n（一）第一节\n6.己。\n";
    let now = app.clock.now().naive_utc();
    let (clauses, spans) = app
        .db()
        .write_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            let actor = Actor::command_line();
            let document = drafting::create_document(conn, &actor, "测试", now)?;
            let (version, _) = drafting::add_version(
                conn,
                &actor,
                &document.id,
                "征求意见稿",
                Content::Text(text.to_owned()),
                now,
            )?;
            let clauses = consult::db::document::clauses_of(conn, &version.id)?;
            let mut spans = Vec::new();
            for clause in &clauses {
                spans.push(consult::db::document::span_of(
                    conn,
                    &version.id,
                    &clause.key,
                )?);
            }
            assert_eq!(
                consult::db::document::span_of(conn, &version.id, "nowhere")?,
                None
            );
            Ok((clauses, spans))
        })
        .expect("draft");
    assert!(
        clauses.iter().filter(|c| c.parent_key.is_some()).count() >= 8,
        "chapters, sections and measures: {clauses:?}"
    );
    let under = |ancestor: &Clause, clause: &Clause| {
        let mut parent = clause.parent_key.clone();
        while let Some(key) = parent {
            if key == ancestor.key {
                return true;
            }
            parent = clauses
                .iter()
                .find(|c| c.key == key)
                .and_then(|c| c.parent_key.clone());
        }
        false
    };
    for (at, (clause, span)) in clauses.iter().zip(&spans).enumerate() {
        let last = clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| under(clause, c))
            .map(|(i, _)| i)
            .max()
            .unwrap_or(at);
        let (first, end) = span.expect("a clause of the version");
        assert_eq!(first as usize, at, "{}", clause.key);
        // The last clause's range runs to the end of the version.
        let end = if end == i32::MAX {
            clauses.len() - 1
        } else {
            end as usize
        };
        assert_eq!(end, last, "{} ends after everything under it", clause.key);
    }
}

/// A batch's answer is kept compressed for replay, and a retry gets it back as it was sent.
async fn a_large_batchs_answer_is_kept_compressed_and_replayed_byte_for_byte(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let round = demo_round(&app, &drafter).await;
    let agency = app.agency_token("jingxin");
    let url = format!("/api/v1/rounds/{round}/comments");
    let items: Vec<Value> = (0..100)
        .map(|i| json!({"kind": "amend", "clause_key": "m9", "body": format!("第{i}条：跨境电商部分建议增加海外仓。"), "proposed_text": "做优做强跨境电商，布局建设海外仓。"}))
        .collect();
    let batch = json!({ "items": items });
    let first = app
        .send(keyed_post(&url, &agency, "big-batch", &batch))
        .await;
    assert_eq!(first.status, 201);
    let (kept, encoding): (Vec<u8>, Option<String>) = app
        .db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::idempotency_keys as k;
            use diesel::prelude::*;
            let row: (Option<Vec<u8>>, Option<String>) = k::table
                .filter(k::idempotency_key.eq("big-batch"))
                .select((k::response_body, k::response_encoding))
                .first(conn)?;
            Ok((row.0.unwrap_or_default(), row.1))
        })
        .expect("stored response");
    assert_eq!(encoding.as_deref(), Some("deflate"));
    assert!(
        kept.len() * 4 < first.body.len(),
        "{} bytes kept for {} sent",
        kept.len(),
        first.body.len()
    );
    let retried = app
        .send(keyed_post(&url, &agency, "big-batch", &batch))
        .await;
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.status, first.status);
    assert_eq!(retried.body, first.body, "the same bytes");
    assert_eq!(retried.header("content-type"), first.header("content-type"));
    let request = request_id(&app, &agency).await;
    assert_eq!(
        app.items(
            &format!("/api/v1/requests/{request}/comments?limit=500"),
            Some(&agency)
        )
        .await
        .as_array()
        .map(Vec::len),
        Some(100)
    );
}

/// A clerk types the number printed on the draft (`9.`, `第九条`, full width, `二、`) and the
/// comment lands on that clause; a number several clauses print is refused, naming them.
async fn a_clerk_names_clauses_as_the_draft_prints_them(app: TestApp) {
    app.seed();
    let agency = app.agency_token("xihu");
    let round = app.fixture().demo_round();
    let url = format!("/api/v1/rounds/{round}/comments");
    for (reference, key) in [
        ("9.", "m9"),
        ("第九条", "m9"),
        ("９．", "m9"),
        ("9", "m9"),
        ("二、", "ch2"),
        ("第二章", "ch2"),
    ] {
        let made = app
            .post(
                &url,
                Some(&agency),
                &json!({"kind": "amend", "clause_key": reference, "body": format!("关于{reference}的意见")}),
            )
            .await;
        assert_eq!(
            made.status,
            201,
            "{reference}: {:?}",
            String::from_utf8_lossy(&made.body)
        );
        assert_eq!(made.json()["items"][0]["clause_key"], key, "{reference}");
    }
    // In a batch, each item is resolved or named in the refusal by its index.
    let refused = app
        .post(
            &url,
            Some(&agency),
            &json!({"items": [
                {"kind": "amend", "clause_key": "10.", "body": "一"},
                {"kind": "amend", "clause_key": "九十九、", "body": "二"}
            ]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        refused["errors"][0]["field"], "items[1].clause_key",
        "{refused}"
    );
    assert_eq!(refused["errors"][0]["code"], "unknown_clause", "{refused}");

    // A draft whose sections are numbered afresh under each chapter.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sections.txt");
    std::fs::write(
        &file,
        "分节文件\n一、总体要求\n（一）基本原则\n坚持稳中求进。\n二、主要任务\n（一）重点工作\n加快项目建设。\n",
    )
    .expect("draft");
    let now = app.clock.now();
    consult::cli::import_draft(
        app.db(),
        &file.display().to_string(),
        consult::cli::ImportOptions {
            publish: true,
            ..Default::default()
        },
        now,
    )
    .expect("import");
    let drafter = app.staff_token(consult::domain::role::Role::Drafter);
    let documents = app.get("/api/v1/documents", Some(&drafter)).await.json();
    let document = documents["items"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["title"] == "分节文件"))
        .and_then(|d| d["id"].as_str())
        .expect("the new document")
        .to_owned();
    let made = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &json!({"document_id": document, "version": 1, "title": "分节", "working_days": 3, "agencies": ["xihu"]}),
        )
        .await
        .json();
    let sections = made["id"].as_str().expect("round").to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{sections}/open"),
            Some(&drafter),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200);
    let url = format!("/api/v1/rounds/{sections}/comments");
    let unclear = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "（一）", "body": "意见"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        unclear["errors"][0]["code"], "ambiguous_clause",
        "{unclear}"
    );
    let message = unclear["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("一、（一） 基本原则") && message.contains("二、（一） 重点工作"),
        "{message}"
    );
    let picked = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "二（一）", "body": "意见"}),
        )
        .await;
    assert_eq!(
        picked.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&picked.body)
    );
    let key = picked.json()["items"][0]["clause_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let first = app
        .post(
            &url,
            Some(&agency),
            &json!({"kind": "amend", "clause_key": "一、（一）", "body": "意见"}),
        )
        .await
        .json();
    let first = first["items"][0]["clause_key"].as_str().unwrap_or_default();
    assert!(
        !first.is_empty() && first != key,
        "two sections: {first} and {key}"
    );
    // Sections are keyed in document order: the first chapter's is s1, the second's s2.
    assert_eq!((first, key.as_str()), ("s1", "s2"));
}
