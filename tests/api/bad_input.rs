//! Bad input on every write route, on both engines: each is answered with a 4xx problem, never
//! a server error, and writes nothing.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use consult::routes::{SERVED, document};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::support::fixture::Comment;
use crate::support::{BODY_LIMIT, TestApp, engine_tests, with_token};

/// Every table, counted: what a refused request must leave as it was.
const TABLES: &[&str] = &[
    "agencies",
    "api_tokens",
    "audit_events",
    "outbox_messages",
    "idempotency_keys",
    "documents",
    "versions",
    "clauses",
    "rounds",
    "requests",
    "replies",
    "attachments",
    "comments",
    "submitted_comments",
    "clause_tallies",
    "comment_groups",
    "triage",
    "comment_notes",
    "decisions",
    "calendar_years",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn counts(app: &TestApp) -> Vec<i64> {
    app.db()
        .read_now(|conn| {
            TABLES
                .iter()
                .map(|table| {
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                        .get_result::<Count>(conn)
                        .map(|c| c.n)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(consult::error::ApiError::from)
        })
        .expect("counts")
}

/// A body that is wrong in one way, as `(what, content type, bytes)`.
fn bad_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let json = "application/json";
    let deep = format!("{{\"a\": {}{}}}", "[".repeat(300), "]".repeat(300));
    let huge = format!("{{\"title\": \"{}\"}}", "长".repeat(BODY_LIMIT / 3 + 10));
    vec![
        (
            "NUL in strings",
            json,
            br#"{"title": "a\u0000b", "name": "\u0000", "body": "x\u0000", "reason": "\u0000", "code": "a\u0000"}"#.to_vec(),
        ),
        ("NUL in a key", json, br#"{"ti\u0000tle": "a"}"#.to_vec()),
        ("a raw NUL", json, b"{\"title\": \"a\0b\"}".to_vec()),
        ("invalid UTF-8", json, b"{\"title\": \"\xff\xfe\"}".to_vec()),
        ("deep nesting", json, deep.into_bytes()),
        ("a duplicate key", json, br#"{"title": "a", "title": "b"}"#.to_vec()),
        ("a string past the body limit", json, huge.into_bytes()),
        (
            "numbers out of range",
            json,
            br#"{"working_days": 1e400, "version": 99999999999999999999, "limit": 1e400}"#.to_vec(),
        ),
        (
            "negative numbers",
            json,
            br#"{"working_days": -5, "version": -1, "reminder_hours": [-1]}"#.to_vec(),
        ),
        ("wrong types", json, br#"{"title": 5, "agencies": "x", "items": {}, "kind": []}"#.to_vec()),
        ("nulls", json, br#"{"title": null, "name": null, "kind": null, "items": null}"#.to_vec()),
        ("a JSON array", json, br#"[{"title": "a"}]"#.to_vec()),
        ("a bare string", json, br#""title""#.to_vec()),
        ("not JSON", json, b"title=a".to_vec()),
        ("an empty body", json, Vec::new()),
        ("a form", "application/x-www-form-urlencoded", b"title=a".to_vec()),
        ("Latin-1", "application/json; charset=iso-8859-1", b"{\"title\": \"\xe9\"}".to_vec()),
        ("plain text", "text/plain", b"{}".to_vec()),
    ]
}

/// Ids that are not ids.
const BAD_IDS: &[&str] = &["not-a-uuid", "1'%20OR%20'1'%3D'1", "%2e%2e%2f%2e%2e", "0"];

engine_tests!(every_write_route_refuses_bad_input_and_writes_nothing);

async fn every_write_route_refuses_bad_input_and_writes_nothing(app: TestApp) {
    app.seed();
    let fixture = app.fixture();
    let round = fixture.demo_round();
    fixture.submitted(
        &round,
        "jingxin",
        vec![Comment::new(
            consult::domain::comment::CommentKind::General,
            None,
            "意见",
        )],
    );
    let admin = app.staff_token(Role::Admin);
    let agency = app.agency_token("xihu");
    let request = app.get("/api/v1/requests", Some(&agency)).await.json()["items"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let openapi = document().json().expect("the OpenAPI document");
    let takes_body = |method: &str, path: &str| {
        !openapi["paths"][path][method.to_ascii_lowercase()]["requestBody"].is_null()
    };
    let real_id = |path: &str| {
        if path.starts_with("/api/v1/requests/") {
            request.clone()
        } else {
            round.clone()
        }
    };

    let (mut tried, mut wrong) = (0, Vec::new());
    for (method, path) in SERVED.iter().filter(|(m, _)| *m != "GET") {
        let before = counts(&app);
        let mut sends: Vec<(String, String, &str, Vec<u8>)> = Vec::new();
        if takes_body(method, path) {
            let uri = path
                .replace("{id}", &real_id(path))
                .replace("{n}", "1")
                .replace("{year}", "2026");
            for (what, content_type, body) in bad_bodies() {
                sends.push((what.to_owned(), uri.clone(), content_type, body));
            }
        }
        if path.contains("{id}") {
            for id in BAD_IDS {
                let uri = path.replace("{id}", id).replace("{n}", "1");
                sends.push((
                    format!("the id {id}"),
                    uri,
                    "application/json",
                    b"{}".to_vec(),
                ));
            }
        }
        for (what, uri, content_type, body) in sends {
            for token in [&admin, &agency] {
                tried += 1;
                let request = TestRequest::default()
                    .method(method.parse().expect("method"))
                    .uri(&uri)
                    .insert_header(("Content-Type", content_type))
                    .insert_header(("If-Match", "\"1\""))
                    .set_payload(body.clone());
                let response = app.send(with_token(request, Some(token))).await;
                let status = response.status.as_u16();
                let problem = response.header("content-type") == Some("application/problem+json");
                if !(400..500).contains(&status) || !problem {
                    wrong.push(format!("{method} {path} with {what}: {status}"));
                }
            }
        }
        if counts(&app) != before {
            wrong.push(format!("{method} {path}: bad input wrote something"));
        }
    }
    assert!(tried > 1000, "{tried} bad inputs tried");
    assert!(
        wrong.is_empty(),
        "{tried} tried; wrong:\n{}",
        wrong.join("\n")
    );
}

/// Every string in `value`, by the path a refusal names (`items[0].body`), with `text` put
/// into it.
fn each_string(value: &serde_json::Value, text: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut paths = Vec::new();
    collect(value, "", &mut paths);
    for path in paths {
        let mut changed = value.clone();
        if let Some(slot) = changed.pointer_mut(&path.1)
            && let Some(old) = slot.as_str()
        {
            *slot = serde_json::Value::String(format!("{old}{text}"));
        }
        out.push((path.0, changed));
    }
    out
}

/// `(name as a refusal gives it, JSON pointer)` of every string.
fn collect(value: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    fn pointer(name: &str) -> String {
        format!(
            "/{}",
            name.replace('[', ".").replace(']', "").replace('.', "/")
        )
    }
    match value {
        serde_json::Value::String(_) => out.push((at.to_owned(), pointer(at))),
        serde_json::Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                collect(item, &format!("{at}[{n}]"), out);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                let name = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                collect(item, &name, out);
            }
        }
        _ => {}
    }
}

/// The request with `method`, and on a PATCH the revision it changes (every object patched here
/// is at its first).
fn revised(method: &str, request: TestRequest) -> TestRequest {
    let request = request.method(method.parse().expect("method"));
    if method == "PATCH" {
        request.insert_header(("If-Match", "\"1\""))
    } else {
        request
    }
}

engine_tests!(nul_in_any_field_of_a_body_is_refused_by_name_and_sql_is_text);

/// Valid bodies of the routes that take text, with NUL put into one string at a time: each is
/// refused naming that string, and nothing is written. The same strings holding SQL are text
/// like any other: never a server error, and every table stays.
async fn nul_in_any_field_of_a_body_is_refused_by_name_and_sql_is_text(app: TestApp) {
    use serde_json::json;
    app.seed();
    let fixture = app.fixture();
    let round = fixture.demo_round();
    fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(consult::domain::comment::CommentKind::General, None, "一"),
            Comment::new(consult::domain::comment::CommentKind::General, None, "二"),
        ],
    );
    let drafter = app.staff_token(Role::Drafter);
    let agency = app.agency_token("xihu");
    let request = app.get("/api/v1/requests", Some(&agency)).await.json()["items"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("document")
        .to_owned();
    let xihu = app.agency_id("xihu").await;
    let queue = app
        .get(&format!("/api/v1/rounds/{round}/comments"), Some(&drafter))
        .await
        .json();
    let comment = queue["items"][0]["id"]
        .as_str()
        .expect("comment")
        .to_owned();
    let second = queue["items"][1]["id"]
        .as_str()
        .expect("comment")
        .to_owned();
    let reply = json!({"signer": "王局长", "contact_name": "李明", "contact_phone": "0571-85000000", "note": "说明"});
    let bodies: Vec<(&str, String, &str, serde_json::Value)> = vec![
        (
            "POST",
            "/api/v1/agencies".into(),
            &drafter,
            json!({"code": "nulcheck", "name": "新单位", "kind": "other", "emails": ["a@b.example"]}),
        ),
        (
            "PATCH",
            format!("/api/v1/agencies/{xihu}"),
            &drafter,
            json!({"name": "西湖区", "emails": ["a@b.example"]}),
        ),
        (
            "POST",
            "/api/v1/documents".into(),
            &drafter,
            json!({"title": "新文件"}),
        ),
        (
            "POST",
            format!("/api/v1/documents/{document}/versions"),
            &drafter,
            json!({"label": "修改稿", "text": "一、总体要求\n1. 第一条。\n"}),
        ),
        (
            "POST",
            format!("/api/v1/documents/{document}/versions/preview"),
            &drafter,
            json!({"text": "一、总体要求\n1. 第一条。\n"}),
        ),
        (
            "POST",
            "/api/v1/rounds".into(),
            &drafter,
            json!({"document_id": document, "version": 1, "title": "新一轮", "instructions": "请研提意见", "working_days": 5, "agencies": ["xihu"], "time_zone": "Asia/Shanghai"}),
        ),
        (
            "PATCH",
            format!("/api/v1/rounds/{round}"),
            &drafter,
            json!({"title": "改名", "instructions": "说明"}),
        ),
        (
            "POST",
            format!("/api/v1/rounds/{round}/close"),
            &drafter,
            json!({"reason": "提前结束"}),
        ),
        (
            "POST",
            format!("/api/v1/requests/{request}/extension"),
            &drafter,
            json!({"deadline": "2026-06-12T18:00:00+08:00", "reason": "补充材料"}),
        ),
        (
            "POST",
            format!("/api/v1/requests/{request}/cancel"),
            &drafter,
            json!({"reason": "不再征求"}),
        ),
        (
            "POST",
            format!("/api/v1/rounds/{round}/comments"),
            &agency,
            json!({"kind": "amend", "clause_key": "ch1", "quote": {"exact": "**%"}, "body": "意见", "proposed_text": "3.6%", "rationale": "理由"}),
        ),
        (
            "POST",
            format!("/api/v1/rounds/{round}/comments"),
            &agency,
            json!({"items": [{"kind": "general", "body": "意见"}]}),
        ),
        (
            "POST",
            format!("/api/v1/requests/{request}/no-comments"),
            &agency,
            reply.clone(),
        ),
        (
            "POST",
            format!("/api/v1/requests/{request}/submit"),
            &agency,
            reply,
        ),
        (
            "POST",
            format!("/api/v1/rounds/{round}/groups"),
            &drafter,
            json!({"title": "同类", "comment_ids": [comment, second]}),
        ),
        (
            "POST",
            format!("/api/v1/comments/{comment}/notes"),
            &drafter,
            json!({"body": "内部记录"}),
        ),
        (
            "PUT",
            format!("/api/v1/comments/{comment}/decision"),
            &drafter,
            json!({"outcome": "not_adopted", "reason": "理由"}),
        ),
    ];
    let (mut tried, mut wrong) = (0, Vec::new());
    for (method, uri, token, body) in &bodies {
        for (field, changed) in each_string(body, "\u{0}") {
            let before = counts(&app);
            tried += 1;
            let request = revised(method, TestRequest::default().uri(uri).set_json(&changed));
            let response = app.send(with_token(request, Some(token))).await;
            let answer = response.json();
            if response.status.as_u16() != 422
                || answer["errors"][0]["field"] != field.as_str()
                || answer["errors"][0]["code"] != "nul_character"
            {
                wrong.push(format!(
                    "{method} {uri} NUL in {field}: {} {answer}",
                    response.status
                ));
            }
            if counts(&app) != before {
                wrong.push(format!("{method} {uri} NUL in {field}: wrote something"));
            }
        }
    }
    // SQL in every string: stored as text or refused as text, never run.
    for (method, uri, token, body) in &bodies {
        for (field, changed) in each_string(body, "'; DROP TABLE agencies; --\" OR 1=1") {
            tried += 1;
            let request = revised(method, TestRequest::default().uri(uri).set_json(&changed));
            let status = app.send(with_token(request, Some(token))).await.status;
            if status.is_server_error() {
                wrong.push(format!("{method} {uri} SQL in {field}: {status}"));
            }
        }
    }
    assert_eq!(
        counts(&app).len(),
        TABLES.len(),
        "every table is still there"
    );
    assert!(tried > 60, "{tried} tried");
    assert!(
        wrong.is_empty(),
        "{tried} tried; wrong:\n{}",
        wrong.join("\n")
    );
}
