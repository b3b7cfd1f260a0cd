//! `/api/v1/documents`: drafts, versions, the placeholder check and diffs.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, engine_tests, with_token};

const DRAFT_TEXT: &str = include_str!("../../seeds/draft.txt");
const DRAFT_JSON: &str = include_str!("../../seeds/draft.json");

/// The id of the demo document.
async fn demo_document(app: &TestApp, token: &str) -> String {
    let page = app.get("/api/v1/documents", Some(token)).await.json();
    page["items"][0]["id"]
        .as_str()
        .expect("the demo document")
        .to_owned()
}

async fn new_document(app: &TestApp, token: &str) -> String {
    let created = app
        .post(
            "/api/v1/documents",
            Some(token),
            &json!({"title": "测试文件"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.json()["id"].as_str().expect("id").to_owned()
}

/// Every clause of a tree, in document order: (key, number, heading, text).
fn flat(tree: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    fn walk(nodes: &Value, out: &mut Vec<(String, String, String, String)>) {
        for node in nodes.as_array().into_iter().flatten() {
            let field = |name: &str| node[name].as_str().unwrap_or_default().to_owned();
            out.push((
                field("key"),
                field("number"),
                field("heading"),
                field("text"),
            ));
            walk(&node["children"], out);
        }
    }
    walk(tree, &mut out);
    out
}

/// Version 2 of the demo draft, as a drafter would type it: measure 2 edited, measure 5
/// deleted, a measure inserted in chapter 2, the last measure moved to chapter 1, and the
/// measures renumbered to match.
fn version_two_text() -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in DRAFT_TEXT.lines() {
        let body = line.split_once('.').map(|(_, rest)| rest).unwrap_or(line);
        match body {
            "优化布局智算基础设施。" => {
                lines.push("0.优化布局智算基础设施，建设算力枢纽节点。".into())
            }
            "强化技术转移转化赋能。" | "提升检验检测服务能力。" => {}
            "深化研究开发程度。" => {
                lines.push(line.into());
                lines.push("0.提升检验检测服务能力。".into());
            }
            "做优做强跨境电商。" => {
                lines.push(line.into());
                lines.push("0.加快发展数字内容和数字服务贸易新业态。".into());
            }
            _ => lines.push(line.into()),
        }
    }
    let mut n = 0;
    lines
        .into_iter()
        .map(|line| match line.split_once('.') {
            Some((digits, rest)) if digits.chars().all(|c| c.is_ascii_digit()) => {
                n += 1;
                format!("{n}.{rest}")
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn if_match(request: TestRequest, etag: &str) -> TestRequest {
    request.insert_header(("If-Match", etag))
}

fn etag_of(response: &Response) -> String {
    response.header("etag").expect("etag").to_owned()
}

engine_tests!(
    a_version_as_text_reads_back_as_the_same_clauses,
    the_demo_draft_is_version_one_published_for_comment,
    plain_text_and_json_give_the_same_tree,
    version_two_shows_exactly_the_four_changes,
    drafts_change_under_if_match_and_publish_once,
    unfilled_figures_block_publishing_without_a_reason,
    editing_a_draft_keeps_its_keys_and_deleted_keys_stay_retired,
    unclear_structure_is_reported_line_by_line,
    json_keys_are_kept_and_checked,
    agencies_read_the_published_versions_they_are_consulted_on,
);

/// The draft as text is what an office files, and what the service reads back as the same
/// clauses: sent as the next version, it changes nothing.
async fn a_version_as_text_reads_back_as_the_same_clauses(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = demo_document(&app, &token).await;
    let text = app
        .get(
            &format!("/api/v1/documents/{id}/versions/1?format=text"),
            Some(&token),
        )
        .await;
    assert_eq!(text.status, 200);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        text.header("content-disposition")
            .is_some_and(|d| d.contains("draft-1.txt")),
        "{:?}",
        text.header("content-disposition")
    );
    let body = String::from_utf8(text.body.to_vec()).expect("UTF-8");
    assert!(
        body.starts_with("关于促进杭州市生产性服务业高质量发展的若干举措\n\n为深入贯彻"),
        "{body}"
    );
    assert!(
        body.contains(
            "\n一、打造全球新兴产业科创中心\n到2027年，力争全社会研发与试验经费支出占GDP比重达**%"
        ),
        "{body}"
    );
    assert!(body.contains("\n9.做优做强跨境电商。\n"), "{body}");
    let again = app
        .post(
            &format!("/api/v1/documents/{id}/versions"),
            Some(&token),
            &json!({"label": "送审稿", "text": body}),
        )
        .await;
    assert_eq!(
        again.status,
        201,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    let diff = app
        .get(
            &format!("/api/v1/documents/{id}/diff?from=1&to=2"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(diff["summary"]["unchanged"], 33, "{}", diff["summary"]);
    app.get(
        &format!("/api/v1/documents/{id}/versions/1?format=pdf"),
        Some(&token),
    )
    .await
    .problem(422, "validation_failed");
}

async fn the_demo_draft_is_version_one_published_for_comment(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = demo_document(&app, &token).await;
    let response = app
        .get(&format!("/api/v1/documents/{id}/versions/1"), Some(&token))
        .await;
    assert_eq!(response.status, 200);
    let version = response.json();
    assert_eq!(version["label"], "征求意见稿");
    assert_eq!(version["state"], "published");
    assert_eq!(version["clause_count"], 33);
    let chapters = version["clauses"].as_array().expect("clauses");
    let measures: Vec<usize> = chapters
        .iter()
        .filter(|c| c["kind"] == "chapter")
        .map(|c| c["children"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(measures, [7, 5, 5, 4, 6]);
    // The two figures the source leaves unfilled, and the recorded reason it went out anyway.
    let found: Vec<(&str, &str)> = version["placeholders"]
        .as_array()
        .expect("placeholders")
        .iter()
        .map(|p| {
            (
                p["clause_key"].as_str().unwrap_or(""),
                p["found"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found, [("ch1", "**"), ("ch2", "*")]);
    assert!(
        version["placeholders"][0]["context"]
            .as_str()
            .is_some_and(|c| c.contains("GDP比重达**%"))
    );
    assert!(
        version["placeholder_override"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    insta::assert_json_snapshot!("demo_version_one", version, {
        ".document_id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]",
        ".published_at" => "[time]", ".published_by" => "[name]"
    });
}

async fn plain_text_and_json_give_the_same_tree(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let id = new_document(&app, &token).await;
    let url = format!("/api/v1/documents/{id}/versions/preview");
    let from_text = app
        .post(&url, Some(&token), &json!({"text": DRAFT_TEXT}))
        .await;
    assert_eq!(from_text.status, 200, "{:?}", from_text.body);
    let file: Value = serde_json::from_str(DRAFT_JSON).expect("draft.json");
    let from_json = app
        .post(&url, Some(&token), &json!({"clauses": file["clauses"]}))
        .await
        .json();
    let from_text = from_text.json();
    assert_eq!(from_text["title"], file["title"]);
    assert_eq!(from_text["clauses"], from_json["clauses"]);
    assert_eq!(from_text["placeholders"], from_json["placeholders"]);
    assert_eq!(flat(&from_text["clauses"]).len(), 33);
    // A preview saves nothing.
    let document = app
        .get(&format!("/api/v1/documents/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(document["versions"].as_array().map(Vec::len), Some(0));
}

async fn version_two_shows_exactly_the_four_changes(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = demo_document(&app, &token).await;
    let v1 = app
        .get(&format!("/api/v1/documents/{id}/versions/1"), Some(&token))
        .await
        .json();
    let created = app
        .post(
            &format!("/api/v1/documents/{id}/versions"),
            Some(&token),
            &json!({"label": "送审稿", "text": version_two_text()}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/documents/{id}/versions/2").as_str())
    );
    let v2 = created.json();
    assert_eq!(v2["number"], 2);
    assert_eq!(v2["state"], "draft");

    let diff = app
        .get(
            &format!("/api/v1/documents/{id}/diff?from=1&to=2"),
            Some(&token),
        )
        .await
        .json();
    let summary = &diff["summary"];
    assert_eq!(
        (
            summary["added"].as_u64(),
            summary["removed"].as_u64(),
            summary["modified"].as_u64(),
            summary["moved"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(1)),
        "{summary}"
    );
    assert_eq!(summary["unchanged"], 30);
    let changed: Vec<(String, String)> = diff["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["status"] != "unchanged")
        .map(|c| {
            (
                c["key"].as_str().unwrap_or("").to_owned(),
                c["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let changed: Vec<(&str, &str)> = changed
        .iter()
        .map(|(k, s)| (k.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        changed,
        [
            ("m2", "modified"),
            ("m5", "removed"),
            ("m27", "moved"),
            ("m28", "added")
        ]
    );
    // Measures after the deleted one are renumbered, not changed.
    let m6 = diff["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "m6"))
        .expect("m6");
    assert_eq!(
        (m6["status"].as_str(), m6["renumbered"].as_bool()),
        (Some("unchanged"), Some(true))
    );
    assert_eq!(
        (m6["old"]["number"].as_str(), m6["new"]["number"].as_str()),
        (Some("6."), Some("5."))
    );
    let moved = diff["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "m27"))
        .expect("m27");
    assert_eq!(
        (
            moved["old"]["parent_key"].as_str(),
            moved["new"]["parent_key"].as_str()
        ),
        (Some("ch5"), Some("ch1"))
    );
    let edited = diff["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "m2"))
        .expect("m2");
    assert_eq!(
        edited["text_diff"],
        json!([
            {"op": "equal", "text": "优化布局智算基础设施"},
            {"op": "insert", "text": "，建设算力枢纽节点"},
            {"op": "equal", "text": "。"},
        ])
    );
    // Every clause kept its key; only the new measure has a new one.
    let old_keys: Vec<String> = flat(&v1["clauses"]).into_iter().map(|c| c.0).collect();
    let new_keys: Vec<String> = flat(&v2["clauses"]).into_iter().map(|c| c.0).collect();
    let fresh: Vec<&String> = new_keys.iter().filter(|k| !old_keys.contains(k)).collect();
    assert_eq!(fresh, ["m28"]);
    insta::assert_json_snapshot!("diff_one_to_two", diff);

    let text = app
        .get(
            &format!("/api/v1/documents/{id}/diff?from=1&to=2&format=text"),
            Some(&token),
        )
        .await;
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let text = String::from_utf8_lossy(&text.body).to_string();
    assert!(
        text.contains("~ [m2] 2. 优化布局智算基础设施{+，建设算力枢纽节点+}。"),
        "{text}"
    );
    assert!(text.contains("- [m5] 5. 强化技术转移转化赋能。"), "{text}");
    let html = app
        .get(
            &format!("/api/v1/documents/{id}/diff?from=1&to=2&format=html"),
            Some(&token),
        )
        .await;
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8_lossy(&html.body).to_string();
    assert!(html.contains("<ins>，建设算力枢纽节点</ins>"), "{html}");
    assert!(!html.contains("http"), "a self-contained page");
}

async fn drafts_change_under_if_match_and_publish_once(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = demo_document(&app, &token).await;
    let versions = format!("/api/v1/documents/{id}/versions");
    let created = app
        .post(
            &versions,
            Some(&token),
            &json!({"label": "修改稿", "text": DRAFT_TEXT}),
        )
        .await;
    assert_eq!(created.status, 201);
    let etag = etag_of(&created);
    app.post(
        &versions,
        Some(&token),
        &json!({"label": "又一稿", "text": DRAFT_TEXT}),
    )
    .await
    .problem(409, "draft_exists");

    let url = format!("{versions}/2");
    let filled = DRAFT_TEXT
        .replace("**%", "3.5%")
        .replace("*亿美元", "300亿美元");
    let patch = |body: Value| TestRequest::patch().uri(&url).set_json(body);
    app.send(with_token(patch(json!({"text": filled})), Some(&token)))
        .await
        .problem(428, "precondition_required");
    let changed = app
        .send(with_token(
            if_match(patch(json!({"text": filled})), &etag),
            Some(&token),
        ))
        .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    assert_eq!(changed.json()["placeholders"], json!([]));
    app.send(with_token(
        if_match(patch(json!({"label": "送审稿"})), &etag),
        Some(&token),
    ))
    .await
    .problem(412, "precondition_failed");
    let relabelled = app
        .send(with_token(
            if_match(patch(json!({"label": "送审稿"})), &etag_of(&changed)),
            Some(&token),
        ))
        .await;
    assert_eq!(relabelled.json()["label"], "送审稿");

    let publish = format!("{url}/publish");
    let post = |tag: Option<&str>| {
        let request = TestRequest::post().uri(&publish).set_json(json!({}));
        with_token(
            match tag {
                Some(tag) => if_match(request, tag),
                None => request,
            },
            Some(&token),
        )
    };
    app.send(post(None))
        .await
        .problem(428, "precondition_required");
    app.send(post(Some(&etag_of(&changed))))
        .await
        .problem(412, "precondition_failed");
    let published = app.send(post(Some(&etag_of(&relabelled)))).await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    assert_eq!(published.json()["state"], "published");
    assert!(published.json()["placeholder_override"].is_null());
    // Every agency consulted on the document hears of the new version.
    let news = app
        .get("/api/v1/outbox?kind=version_published", Some(&token))
        .await
        .json();
    assert_eq!(news["items"].as_array().map(Vec::len), Some(30));
    app.send(post(Some(&etag_of(&published))))
        .await
        .problem(409, "version_published");
    app.send(with_token(
        if_match(patch(json!({"label": "x"})), &etag_of(&published)),
        Some(&token),
    ))
    .await
    .problem(409, "version_published");
    // The filled figures show as the change they are.
    let diff = app
        .get(
            &format!("/api/v1/documents/{id}/diff?from=1&to=2"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(diff["summary"]["modified"], 2);
}

async fn unfilled_figures_block_publishing_without_a_reason(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let id = new_document(&app, &token).await;
    let created = app
        .post(
            &format!("/api/v1/documents/{id}/versions"),
            Some(&token),
            &json!({"label": "征求意见稿", "text": "一、目标\n增长XX%，规模达【待定】。"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let publish = format!("/api/v1/documents/{id}/versions/1/publish");
    let etag = etag_of(&created);
    let post = |body: Value| {
        with_token(
            if_match(TestRequest::post().uri(&publish).set_json(body), &etag),
            Some(&token),
        )
    };
    let refused = app
        .send(post(json!({})))
        .await
        .problem(409, "placeholders_remain");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2 unfilled") && d.contains("【待定】")),
        "{refused}"
    );
    let published = app
        .send(post(json!({"placeholder_override": "数据待统计局核定"})))
        .await
        .json();
    assert_eq!(published["placeholder_override"], "数据待统计局核定");
    let admin = app.staff_token(Role::Admin);
    let log = app
        .get("/api/v1/audit?action=version.publish", Some(&admin))
        .await
        .json();
    assert_eq!(
        log["items"][0]["after"]["placeholder_override"],
        "数据待统计局核定"
    );
}

async fn editing_a_draft_keeps_its_keys_and_deleted_keys_stay_retired(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let id = new_document(&app, &token).await;
    let versions = format!("/api/v1/documents/{id}/versions");
    let first = app
        .post(
            &versions,
            Some(&token),
            &json!({"label": "征求意见稿", "text": "一、甲\n1.子项一。\n2.子项二。"}),
        )
        .await;
    assert_eq!(first.status, 201);
    let keys = |body: &Value| {
        flat(&body["clauses"])
            .into_iter()
            .map(|c| c.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&first.json()), ["ch1", "m1", "m2"]);
    // Retyping the draft with a small edit renames nothing.
    let edited = app
        .send(with_token(
            if_match(
                TestRequest::patch()
                    .uri(&format!("{versions}/1"))
                    .set_json(json!({"text": "一、甲\n1.子项一，改。\n2.子项二。"})),
                &etag_of(&first),
            ),
            Some(&token),
        ))
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    assert_eq!(keys(&edited.json()), ["ch1", "m1", "m2"]);
    let published = app
        .send(with_token(
            if_match(
                TestRequest::post()
                    .uri(&format!("{versions}/1/publish"))
                    .set_json(json!({})),
                &etag_of(&edited),
            ),
            Some(&token),
        ))
        .await;
    assert_eq!(published.status, 200);
    // Version 2 drops measure 2; version 3 adds a new measure, which gets a key never used.
    let second = app
        .post(
            &versions,
            Some(&token),
            &json!({"label": "修改稿", "text": "一、甲\n1.子项一，改。"}),
        )
        .await;
    app.send(with_token(
        if_match(
            TestRequest::post()
                .uri(&format!("{versions}/2/publish"))
                .set_json(json!({})),
            &etag_of(&second),
        ),
        Some(&token),
    ))
    .await;
    let third = app
        .post(
            &versions,
            Some(&token),
            &json!({"label": "送审稿", "text": "一、甲\n1.子项一，改。\n2.全新的一项措施内容。"}),
        )
        .await;
    assert_eq!(keys(&third.json()), ["ch1", "m1", "m3"]);
}

async fn unclear_structure_is_reported_line_by_line(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let id = new_document(&app, &token).await;
    let problem = app
        .post(
            &format!("/api/v1/documents/{id}/versions"),
            Some(&token),
            &json!({"label": "征求意见稿", "text": "一、甲\n1.子项。\n三、丙\n3.子项。"}),
        )
        .await
        .problem(422, "validation_failed");
    let messages: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["message"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("line 3: 三、 is out of sequence"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("line 4: 3. is out of sequence"),
        "{messages:?}"
    );
    assert_eq!(problem["errors"][0]["code"], "unclear_structure");
    let document = app
        .get(&format!("/api/v1/documents/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(
        document["versions"].as_array().map(Vec::len),
        Some(0),
        "nothing saved"
    );
}

async fn json_keys_are_kept_and_checked(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let id = new_document(&app, &token).await;
    let url = format!("/api/v1/documents/{id}/versions");
    let clauses = json!([
        {"key": "goal", "kind": "chapter", "number": "一、", "heading": "目标", "children": [
            {"key": "goal", "kind": "measure", "number": "1.", "text": "甲。"}
        ]}
    ]);
    let problem = app
        .post(
            &url,
            Some(&token),
            &json!({"label": "稿", "clauses": clauses}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "clauses[0].children[0].key");
    let neither = app
        .post(&url, Some(&token), &json!({"label": "稿"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(neither["errors"][0]["code"], "one_of");
    let empty = app
        .post(
            &url,
            Some(&token),
            &json!({"label": "稿", "clauses": [{"kind": "measure"}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(empty["errors"][0]["field"], "clauses[0]");
    let kept = app
        .post(&url, Some(&token), &json!({"label": "稿", "clauses": [{"key": "goal", "kind": "chapter", "number": "一、", "heading": "目标"}]}))
        .await
        .json();
    assert_eq!(kept["clauses"][0]["key"], "goal");
}

async fn agencies_read_the_published_versions_they_are_consulted_on(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let id = demo_document(&app, &drafter).await;
    // A draft version 2 exists; agencies never see drafts.
    let created = app
        .post(
            &format!("/api/v1/documents/{id}/versions"),
            Some(&drafter),
            &json!({"label": "修改稿", "text": DRAFT_TEXT}),
        )
        .await;
    assert_eq!(created.status, 201);

    // 市经信局 is consulted by the demo round.
    let consulted = app.agency_token("jingxin");
    let listing = app.get("/api/v1/documents", Some(&consulted)).await.json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(1));
    let document = app
        .get(&format!("/api/v1/documents/{id}"), Some(&consulted))
        .await
        .json();
    assert_eq!(
        document["versions"].as_array().map(Vec::len),
        Some(1),
        "the draft is not listed"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/documents/{id}/versions/1"),
            Some(&consulted)
        )
        .await
        .status,
        200
    );
    app.get(
        &format!("/api/v1/documents/{id}/versions/2"),
        Some(&consulted),
    )
    .await
    .problem(404, "not_found");
    app.get(
        &format!("/api/v1/documents/{id}/diff?from=1&to=2"),
        Some(&consulted),
    )
    .await
    .problem(404, "not_found");
    app.post(
        &format!("/api/v1/documents/{id}/versions/preview"),
        Some(&consulted),
        &json!({"text": "一、甲"}),
    )
    .await
    .problem(403, "forbidden");

    // An agency no round consults sees nothing of it.
    let outsider_code = "wenlv";
    let made = app
        .post("/api/v1/agencies", Some(&drafter), &json!({"code": outsider_code, "name": "市文广旅游局", "kind": "department", "emails": ["a@wenlv.example"]}))
        .await;
    assert_eq!(made.status, 201);
    let outsider = app.agency_token(outsider_code);
    let listing = app.get("/api/v1/documents", Some(&outsider)).await.json();
    assert_eq!(listing["items"], json!([]));
    for path in [
        format!("/api/v1/documents/{id}"),
        format!("/api/v1/documents/{id}/versions/1"),
        format!("/api/v1/documents/{id}/diff?from=1&to=1"),
    ] {
        app.get(&path, Some(&outsider))
            .await
            .problem(404, "not_found");
        app.get(&path, None).await.problem(401, "unauthenticated");
    }
    for (path, body) in [
        (
            format!("/api/v1/documents/{id}/versions"),
            json!({"label": "x", "text": "一、甲"}),
        ),
        (
            format!("/api/v1/documents/{id}/versions/preview"),
            json!({"text": "一、甲"}),
        ),
        (
            format!("/api/v1/documents/{id}/versions/1/publish"),
            json!({}),
        ),
    ] {
        app.post(&path, Some(&outsider), &body)
            .await
            .problem(404, "not_found");
    }
    app.patch(
        &format!("/api/v1/documents/{id}/versions/2"),
        Some(&outsider),
        &json!({"label": "x"}),
    )
    .await
    .problem(404, "not_found");
    app.post("/api/v1/documents", Some(&outsider), &json!({"title": "x"}))
        .await
        .problem(403, "forbidden");
    app.get(
        &format!("/api/v1/documents/{id}/versions/9"),
        Some(&drafter),
    )
    .await
    .problem(404, "not_found");
    app.get(
        &format!("/api/v1/documents/{id}/versions/x"),
        Some(&drafter),
    )
    .await
    .problem(404, "not_found");
}
