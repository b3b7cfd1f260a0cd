//! From comments to decisions, to the next version, to the published adoption table.

use actix_web::test::TestRequest;
use consult::domain::decision::Outcome;
use consult::domain::role::Role;
use consult::error::ApiError;
use serde_json::{Value, json};

use crate::support::fixture::Comment;
use crate::support::smtp::Receiver;
use crate::support::{TestApp, engine_tests, with_token};

const DRAFT: &str = include_str!("../../seeds/draft.txt");

fn reply() -> Value {
    json!({"signer": "张局长", "contact_name": "李明", "contact_phone": "0571-85000000"})
}

/// The demo draft as the office revises it after the round: the target figure filled and
/// reworded, measure 7 dropped (the measures after it renumbered), measure 9 extended.
fn second_draft() -> String {
    let revised = DRAFT
        .replacen(
            "全社会研发与试验经费支出占GDP比重达**%",
            "全社会研发经费支出占GDP比重达3.6%",
            1,
        )
        .replacen("7.深化研究开发程度。\n", "", 1)
        .replacen(
            "9.做优做强跨境电商。",
            "9.做优做强跨境电商，布局建设海外仓。",
            1,
        );
    assert_ne!(revised, DRAFT, "the edits apply to the demo draft");
    revised
        .lines()
        .map(|line| {
            let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<u32>() {
                Ok(n) if n > 7 && line[digits.len()..].starts_with('.') => {
                    format!("{}{}", n - 1, &line[digits.len()..])
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn put(path: &str, token: &str, if_match: Option<&str>, body: &Value) -> TestRequest {
    let mut request = TestRequest::put().uri(path).set_json(body);
    if let Some(tag) = if_match {
        request = request.insert_header(("If-Match", tag));
    }
    with_token(request, Some(token))
}

struct Demo {
    round: String,
    document: String,
    drafter: String,
    jingxin: String,
    shangwu: String,
    sifa: String,
}

/// The demo round with comments from two agencies and a 无意见 reply from a third.
async fn commented(app: &TestApp) -> Demo {
    use consult::domain::comment::CommentKind::{Amend, Delete, General};
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let rounds = app.items("/api/v1/rounds", Some(&drafter)).await;
    let document = rounds[0]["document_id"]
        .as_str()
        .expect("document")
        .to_owned();
    fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(Amend, Some("ch1"), "建议表述为研发经费支出，并明确目标值。")
                .quoting("研发与试验经费支出")
                .proposing("研发经费支出占GDP比重达3.6%"),
            Comment::new(Amend, Some("ch1"), "=营业收入口径请核实。").quoting("全市规上软件"),
            Comment::new(Delete, Some("m7"), "研究开发程度表述不清，建议删除。"),
            Comment::new(Amend, Some("m9"), "建议增加海外仓。")
                .quoting("跨境电商")
                .proposing("做优做强跨境电商，布局建设海外仓。"),
            Comment::new(Amend, Some("m12"), "数字营商环境表述可再具体。"),
        ],
    );
    fixture.submitted(
        &round,
        "shangwu",
        vec![
            Comment::new(Amend, Some("m9"), "跨境电商部分建议补充海外仓布局。"),
            Comment::new(General, None, "建议各措施明确责任单位。"),
        ],
    );
    fixture.no_comments(&round, "sifa");
    Demo {
        round,
        document,
        drafter,
        jingxin: app.agency_token("jingxin"),
        shangwu: app.agency_token("shangwu"),
        sifa: app.agency_token("sifa"),
    }
}

/// Comment ids by the start of their body.
async fn comment_ids(app: &TestApp, demo: &Demo) -> impl Fn(&str) -> String {
    let queue = app
        .get(
            &format!("/api/v1/rounds/{}/comments", demo.round),
            Some(&demo.drafter),
        )
        .await
        .json();
    let items: Vec<(String, String)> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["body"].as_str().unwrap_or_default().to_owned(),
                c["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(items.len(), 7);
    move |start: &str| {
        items
            .iter()
            .find(|(body, _)| body.starts_with(start))
            .map(|(_, id)| id.clone())
            .expect("a comment with this text")
    }
}

async fn decide(app: &TestApp, token: &str, path: &str, tag: Option<&str>, body: Value) -> Value {
    let response = app.send(put(path, token, tag, &body)).await;
    assert!(
        response.status == 201 || response.status == 200,
        "{path}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

fn codes(check: &Value) -> Vec<String> {
    check["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

engine_tests!(
    a_table_larger_than_a_read_keeps_each_group_in_one_row,
    the_stored_assignee_agrees_with_the_triage_after_every_change,
    the_migrations_backfill_the_stored_flags_as_the_workflow_writes_them,
    the_people_migration_makes_people_of_staff_tokens_and_keeps_each_assignment,
    the_stored_decided_flag_agrees_with_the_decisions_after_every_change,
    a_late_reply_racing_the_publication_waits_for_it_and_is_refused,
    published_decisions_keep_the_record_they_were_published_on,
    the_exported_table_and_the_email_say_where_an_adopted_comment_went,
    a_changed_comment_makes_its_decision_stale_until_a_drafter_confirms_it,
    the_demo_round_goes_from_comments_to_a_published_adoption_table,
    the_check_blocks_publication_unless_overridden,
    groups_change_under_if_match_and_dissolve_only_undecided,
    agencies_never_reach_the_offices_work,
    each_agency_that_commented_is_mailed_its_decisions_over_smtp,
    publishing_after_the_deadline_stops_late_replies,
    a_shared_table_shows_every_row_to_invited_agencies,
    a_stored_name_no_variant_knows_fails_instead_of_reading_as_a_default,
    clauses_are_named_as_printed_in_the_queue_and_in_decisions,
);

/// The queue filters and a decision's linked clauses take a clause as the draft prints it: the
/// queue by the version consulted on, a decision by the next version, which is renumbered.
async fn clauses_are_named_as_printed_in_the_queue_and_in_decisions(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let (drafter, round) = (&demo.drafter, &demo.round);
    let queue = |query: &str| format!("/api/v1/rounds/{round}/comments?{query}");
    let count = |items: Value| items.as_array().map(Vec::len);
    // 第九条 and 二、, percent-encoded as a URL carries them.
    for query in [
        "clause=9.",
        "clause=9",
        "clause=%E7%AC%AC%E4%B9%9D%E6%9D%A1",
        "clause=m9",
    ] {
        let items = app.items(&queue(query), Some(drafter)).await;
        assert_eq!(count(items.clone()), Some(2), "{query}: {items}");
        assert!(
            items
                .as_array()
                .is_some_and(|all| all.iter().all(|c| c["clause_key"] == "m9")),
            "{query}: {items}"
        );
    }
    let chapter = app
        .items(&queue("chapter=%E4%BA%8C%E3%80%81"), Some(drafter))
        .await;
    assert_eq!(count(chapter), Some(3), "measures 9 (twice) and 12");
    let nothing = app.items(&queue("clause=99."), Some(drafter)).await;
    assert_eq!(count(nothing), Some(0));

    // Version 2 drops measure 7, so measure 9 is printed 8. there.
    let v2 = app
        .post(
            &format!("/api/v1/documents/{}/versions", demo.document),
            Some(drafter),
            &json!({"label": "送审稿", "text": second_draft()}),
        )
        .await;
    assert_eq!(v2.status, 201, "{}", String::from_utf8_lossy(&v2.body));
    let decided = decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("建议增加海外仓")),
        None,
        json!({"outcome": "adopted", "clause_keys": ["8."]}),
    )
    .await;
    assert_eq!(decided["clause_keys"], json!(["m9"]), "{decided}");
    let unknown = app
        .send(put(
            &format!("/api/v1/comments/{}/decision", id("跨境电商部分")),
            drafter,
            None,
            &json!({"outcome": "adopted", "clause_keys": ["99."]}),
        ))
        .await
        .problem(422, "validation_failed");
    assert_eq!(unknown["errors"][0]["field"], "clause_keys[0]");
    assert_eq!(unknown["errors"][0]["code"], "unknown_clause");
}

async fn a_late_reply_racing_the_publication_waits_for_it_and_is_refused(app: TestApp) {
    let demo = commented(&app).await;
    let drafter = &demo.drafter;
    let round = demo.round.clone();
    let late = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(drafter),
            &json!({"accept_late": true}),
        )
        .await
        .json();
    let deadline =
        chrono::DateTime::parse_from_rfc3339(late["deadline"].as_str().expect("deadline"))
            .expect("a time");
    app.clock
        .set(deadline.with_timezone(&chrono::Utc) + chrono::Duration::hours(1));
    let keji = app.agency_token("keji");
    let written = app
        .post(
            &format!("/api/v1/rounds/{round}/comments"),
            Some(&keji),
            &json!({"kind": "general", "body": "建议补充科技金融内容。"}),
        )
        .await;
    assert_eq!(
        written.status,
        201,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    let request = app.items("/api/v1/requests", Some(&keji)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    // The publication holds the round while the reply comes in.
    let pause = std::env::var("CONSULT_TEST_RACE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let (db, now, publishing) = (app.db().clone(), app.clock.now(), round.clone());
    let (held, holding) = std::sync::mpsc::channel();
    let publisher = std::thread::spawn(move || {
        db.write_now(|conn| -> Result<_, consult::error::ApiError> {
            consult::db::round::lock_round(conn, &publishing)?;
            held.send(()).ok();
            std::thread::sleep(std::time::Duration::from_millis(pause));
            Ok(consult::service::publication::publish_decisions(
                conn,
                &consult::db::audit::Actor::command_line(),
                &publishing,
                None,
                Some("其余意见另行反馈".into()),
                now,
            )?)
        })
    });
    holding.recv().expect("the round is held");
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&keji),
            &reply(),
        )
        .await;
    publisher.join().expect("publisher").expect("published");
    submitted.problem(409, "round_closed");
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    assert!(
        !table.to_string().contains("建议补充科技金融内容"),
        "no undecided comment in the published table"
    );
}

async fn published_decisions_keep_the_record_they_were_published_on(app: TestApp) {
    let demo = commented(&app).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(drafter),
        &json!({"reason": "汇总完毕"}),
    )
    .await;
    let published = app
        .post(
            &format!("/api/v1/rounds/{round}/decisions/publish"),
            Some(drafter),
            &json!({"override_reason": "意见较少，另行反馈"}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let report = format!("/api/v1/rounds/{round}/report");
    let before = app.get(&report, Some(drafter)).await.json();
    // A version started afterwards reaches neither the table nor what agencies read.
    let v2 = app
        .post(
            &format!("/api/v1/documents/{}/versions", demo.document),
            Some(drafter),
            &json!({"label": "送审稿", "text": second_draft()}),
        )
        .await;
    assert_eq!(v2.status, 201, "{}", String::from_utf8_lossy(&v2.body));
    let after = app.get(&report, Some(drafter)).await.json();
    assert_eq!(after["rows"], before["rows"]);
    assert!(
        after["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["clause_in_next"].is_null())
    );
    let own = app.get(&report, Some(&demo.jingxin)).await.json();
    assert!(
        own["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["clause_in_next"].is_null()),
        "{own}"
    );
    let carried = app
        .get(
            &format!("/api/v1/rounds/{round}/carried"),
            Some(&demo.jingxin),
        )
        .await;
    assert_eq!(carried.status, 200);
    assert!(
        !String::from_utf8_lossy(&carried.body).contains("布局建设海外仓"),
        "the draft's text"
    );
    // Who did not reply stays on the table; its title stays as printed.
    let ledger = app
        .get(&format!("/api/v1/rounds/{round}/requests"), Some(drafter))
        .await
        .json();
    let silent = ledger["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["agency"]["code"] == "xihu"))
        .and_then(|r| r["id"].as_str())
        .expect("xihu")
        .to_owned();
    app.post(
        &format!("/api/v1/requests/{silent}/cancel"),
        Some(drafter),
        &json!({"reason": "事后撤回"}),
    )
    .await
    .problem(409, "decisions_published");
    assert_eq!(
        app.get(&report, Some(drafter)).await.json()["no_reply"],
        before["no_reply"]
    );
    app.patch(
        &format!("/api/v1/rounds/{round}"),
        Some(drafter),
        &json!({"title": "改名"}),
    )
    .await
    .problem(409, "decisions_published");
    let shared = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(drafter),
            &json!({"share_report": true}),
        )
        .await;
    assert_eq!(
        shared.status,
        200,
        "{}",
        String::from_utf8_lossy(&shared.body)
    );
}

async fn the_exported_table_and_the_email_say_where_an_adopted_comment_went(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    // 西湖区 quotes the unfilled figure that version 2 fills.
    let xihu = app.agency_token("xihu");
    let figure = app.post(&format!("/api/v1/rounds/{round}/comments"), Some(&xihu), &json!({"kind": "amend", "clause_key": "ch1", "quote": {"exact": "**%"}, "body": "请明确研发投入目标值。"})).await;
    assert_eq!(
        figure.status,
        201,
        "{}",
        String::from_utf8_lossy(&figure.body)
    );
    let request = app.items("/api/v1/requests", Some(&xihu)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    assert_eq!(
        app.post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&xihu),
            &reply()
        )
        .await
        .status,
        201
    );
    // Version 2 adds a measure for what 经信局 asked (after 26, the renumbered 27).
    let text = format!("{}\n27.建设海外仓公共服务体系。", second_draft().trim_end());
    let v2 = app
        .post(
            &format!("/api/v1/documents/{}/versions", demo.document),
            Some(drafter),
            &json!({"label": "送审稿", "text": text}),
        )
        .await;
    assert_eq!(v2.status, 201, "{}", String::from_utf8_lossy(&v2.body));
    let version = app
        .get(
            &format!("/api/v1/documents/{}/versions/2", demo.document),
            Some(drafter),
        )
        .await
        .json();
    fn find_key(clauses: &Value, text: &str) -> Option<String> {
        clauses.as_array()?.iter().find_map(|c| {
            if c["text"] == text {
                c["key"].as_str().map(str::to_owned)
            } else {
                find_key(&c["children"], text)
            }
        })
    }
    let added = find_key(&version["clauses"], "建设海外仓公共服务体系。").expect("the new measure");
    let comment = id("建议增加海外仓");
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{comment}/decision"),
        None,
        json!({"outcome": "adopted", "clause_keys": [added.clone()]}),
    )
    .await;
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    let row = table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["comments"][0]["comment_id"] == comment.as_str())
        .expect("row");
    assert_eq!(
        row["linked_in_next"],
        json!([{"key": added, "label": "27.", "text": "建设海外仓公共服务体系。"}])
    );
    let filled = table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["comments"][0]["body"] == "请明确研发投入目标值。")
        .expect("row");
    assert_eq!(
        filled["comments"][0]["quote_carried"]["state"], "replaced",
        "{filled}"
    );
    assert_eq!(filled["comments"][0]["quote_carried"]["text"], "3.6%");
    let csv = app
        .get(
            &format!("/api/v1/rounds/{round}/report?format=csv"),
            Some(drafter),
        )
        .await;
    let csv = String::from_utf8_lossy(&csv.body).to_string();
    let line = csv
        .lines()
        .find(|l| l.contains("建议增加海外仓"))
        .expect("the row");
    assert!(line.contains("27.　建设海外仓公共服务体系。"), "{line}");
    // Published: the email names the clause too.
    let v2_published = app
        .send(with_token(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/documents/{}/versions/2/publish",
                    demo.document
                ))
                .insert_header(("If-Match", "\"1\""))
                .set_json(json!({"placeholder_override": "数字贸易进出口额待商务局核定"})),
            Some(drafter),
        ))
        .await;
    assert_eq!(
        v2_published.status,
        200,
        "{}",
        String::from_utf8_lossy(&v2_published.body)
    );
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(drafter),
        &json!({"reason": "汇总完毕"}),
    )
    .await;
    let published = app
        .post(
            &format!("/api/v1/rounds/{round}/decisions/publish"),
            Some(drafter),
            &json!({"override_reason": "其余意见另行反馈"}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let mail = app
        .db()
        .read_now(|conn| -> Result<_, consult::error::ApiError> {
            let jingxin =
                consult::db::agency::find_by_id_or_code(conn, "jingxin")?.expect("agency");
            Ok(consult::db::outbox::find_by_dedupe_key(
                conn,
                &format!("decisions_published:{round}:{}", jingxin.id),
            )?)
        })
        .expect("read")
        .expect("queued");
    assert!(
        mail.body_text.contains("修改后见条款27"),
        "{}",
        mail.body_text
    );
}

async fn a_changed_comment_makes_its_decision_stale_until_a_drafter_confirms_it(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    let own = id("数字营商");
    let grouped = id("建议增加海外仓");
    let path = format!("/api/v1/comments/{own}/decision");
    let first = decide(
        &app,
        drafter,
        &path,
        None,
        json!({"outcome": "not_adopted", "reason": "已在第10条体现"}),
    )
    .await;
    assert_eq!(first["stale"], false);
    assert_eq!(first["answered"][&own], 1);
    let group = app
        .post(
            &format!("/api/v1/rounds/{round}/groups"),
            Some(drafter),
            &json!({"title": "海外仓", "comment_ids": [grouped.clone(), id("跨境电商部分")]}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("group")
        .to_owned();
    let group_path = format!("/api/v1/groups/{group}/decision");
    decide(
        &app,
        drafter,
        &group_path,
        None,
        json!({"outcome": "noted", "reason": "已统筹考虑"}),
    )
    .await;
    let request = app.items("/api/v1/requests", Some(&demo.jingxin)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let submit = format!("/api/v1/requests/{request}/submit");

    // Submitting again without changing what a comment says leaves its decision standing.
    assert_eq!(
        app.post(&submit, Some(&demo.jingxin), &reply())
            .await
            .status,
        201
    );
    assert_eq!(app.get(&path, Some(drafter)).await.json()["stale"], false);

    // A new text: the decision answers what the comment said before.
    let edited = app
        .patch(&format!("/api/v1/comments/{own}"), Some(&demo.jingxin), &json!({"kind": "amend", "clause_key": "m12", "body": "数字营商环境表述可再具体，建议增加量化指标。"}))
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    assert_eq!(
        app.post(&submit, Some(&demo.jingxin), &reply())
            .await
            .status,
        201
    );
    let stale = app.get(&path, Some(drafter)).await.json();
    assert_eq!(stale["stale"], true);
    assert_eq!(stale["history"][0]["answered"][&own], 1);
    assert_eq!(
        app.get(&group_path, Some(drafter)).await.json()["stale"],
        false,
        "its members did not change"
    );
    let queue = format!("/api/v1/rounds/{round}/comments");
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    let undecided = app
        .get(&format!("{queue}?decided=false&limit=100"), Some(drafter))
        .await
        .json();
    assert!(ids(&undecided).contains(&own));
    let in_queue = undecided["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == own.as_str())
        .expect("listed");
    assert_eq!(in_queue["content_revision"], 2);
    let decided = app
        .get(&format!("{queue}?decided=true&limit=100"), Some(drafter))
        .await
        .json();
    assert!(!ids(&decided).contains(&own));
    let check = app
        .get(&format!("/api/v1/rounds/{round}/check"), Some(drafter))
        .await
        .json();
    assert!(
        codes(&check).contains(&"decision_stale".to_owned()),
        "{check}"
    );
    // The table does not pair the old reason with the new text.
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    let row = table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["comments"][0]["comment_id"] == own.as_str())
        .expect("row");
    assert_eq!(row["outcome"], Value::Null, "{row}");
    assert_eq!(row["reason"], Value::Null);

    // A grouped comment's change makes the group's decision stale.
    let moved = app
        .patch(&format!("/api/v1/comments/{grouped}"), Some(&demo.jingxin), &json!({"kind": "amend", "clause_key": "m9", "body": "建议增加海外仓和海外服务站。", "proposed_text": "做优做强跨境电商，布局建设海外仓。"}))
        .await;
    assert_eq!(
        moved.status,
        200,
        "{}",
        String::from_utf8_lossy(&moved.body)
    );
    assert_eq!(
        app.post(&submit, Some(&demo.jingxin), &reply())
            .await
            .status,
        201
    );
    assert_eq!(
        app.get(&group_path, Some(drafter)).await.json()["stale"],
        true
    );

    // A comment joining a decided group leaves its decision answering less than the group.
    let confirmed_group = decide(
        &app,
        drafter,
        &group_path,
        Some("\"1\""),
        json!({"outcome": "noted", "reason": "已统筹考虑"}),
    )
    .await;
    assert_eq!(confirmed_group["stale"], false);
    let group_url = format!("/api/v1/groups/{group}");
    let tag = app
        .get(&group_url, Some(drafter))
        .await
        .header("etag")
        .expect("etag")
        .to_owned();
    let joined = app
        .send(with_token(
            TestRequest::patch()
                .uri(&group_url)
                .insert_header(("If-Match", tag.as_str()))
                .set_json(json!({"add": [id("跨境电商部分")]})),
            Some(drafter),
        ))
        .await;
    assert_eq!(
        joined.status,
        200,
        "{}",
        String::from_utf8_lossy(&joined.body)
    );
    assert_eq!(
        app.get(&group_path, Some(drafter)).await.json()["stale"],
        false,
        "the same members"
    );
    let general = id("建议各措施");
    let tag = app
        .get(&group_url, Some(drafter))
        .await
        .header("etag")
        .expect("etag")
        .to_owned();
    let joined = app
        .send(with_token(
            TestRequest::patch()
                .uri(&group_url)
                .insert_header(("If-Match", tag.as_str()))
                .set_json(json!({"add": [general]})),
            Some(drafter),
        ))
        .await;
    assert_eq!(
        joined.status,
        200,
        "{}",
        String::from_utf8_lossy(&joined.body)
    );
    assert_eq!(
        app.get(&group_path, Some(drafter)).await.json()["stale"],
        true
    );

    // The drafter confirms: a new revision answering the new text.
    let confirmed = decide(
        &app,
        drafter,
        &path,
        Some("\"1\""),
        json!({"outcome": "not_adopted", "reason": "已在第10条体现"}),
    )
    .await;
    assert_eq!(confirmed["stale"], false);
    assert_eq!(confirmed["revision"], 2);
    assert_eq!(confirmed["answered"][&own], 2);
    let decided = app
        .get(&format!("{queue}?decided=true&limit=100"), Some(drafter))
        .await
        .json();
    assert!(ids(&decided).contains(&own));
}

async fn the_demo_round_goes_from_comments_to_a_published_adoption_table(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;

    // Triage: like comments grouped, one given to a drafter, an internal note.
    let group = app
        .post(
            &format!("/api/v1/rounds/{round}/groups"),
            Some(drafter),
            &json!({"title": "增加海外仓", "comment_ids": [id("建议增加海外仓"), id("跨境电商部分")]}),
        )
        .await;
    assert_eq!(
        group.status,
        201,
        "{}",
        String::from_utf8_lossy(&group.body)
    );
    let group_id = group.json()["id"].as_str().expect("group id").to_owned();
    let drafter_id = app.person_id(drafter);
    let assigned = app
        .send(put(
            &format!("/api/v1/comments/{}/assignee", id("数字营商")),
            drafter,
            None,
            &json!({"person_id": drafter_id}),
        ))
        .await;
    assert_eq!(assigned.json()["assignee_person_id"], json!(drafter_id));
    let note = app
        .post(
            &format!("/api/v1/comments/{}/notes", id("数字营商")),
            Some(drafter),
            &json!({"body": "与营商环境处核对"}),
        )
        .await;
    assert_eq!(note.status, 201);
    let notes = app
        .items(
            &format!("/api/v1/comments/{}/notes", id("数字营商")),
            Some(drafter),
        )
        .await;
    assert_eq!(notes[0]["body"], "与营商环境处核对");

    // A grouped comment is decided through its group.
    app.send(put(
        &format!("/api/v1/comments/{}/decision", id("建议增加海外仓")),
        drafter,
        None,
        &json!({"outcome": "adopted"}),
    ))
    .await
    .problem(409, "comment_grouped");
    // Everything but adoption needs a reason.
    let refused = app
        .send(put(
            &format!("/api/v1/comments/{}/decision", id("建议各措施")),
            drafter,
            None,
            &json!({"outcome": "noted"}),
        ))
        .await
        .problem(422, "validation_failed");
    assert_eq!(refused["errors"][0]["field"], "reason");
    // No next version yet: nothing to link to.
    let unlinked = app
        .send(put(
            &format!("/api/v1/comments/{}/decision", id("研究开发")),
            drafter,
            None,
            &json!({"outcome": "adopted", "clause_keys": ["m7"]}),
        ))
        .await
        .problem(422, "validation_failed");
    assert_eq!(unlinked["errors"][0]["code"], "no_next_version");

    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("建议表述")),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("研究开发")),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("=营业收入")),
        None,
        json!({"outcome": "noted", "reason": "口径已与统计局核对"}),
    )
    .await;
    decide(
        &app,
        drafter,
        &format!("/api/v1/groups/{group_id}/decision"),
        None,
        json!({"outcome": "adopted", "reason": "两单位意见一致"}),
    )
    .await;
    let first = decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("数字营商")),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    assert_eq!(
        (first["revision"].as_i64(), first["decided_by"].as_str()),
        (Some(1), Some("测试人员"))
    );

    // The queue shows what is left to decide, and what is whose.
    let queue = |query: &'static str| {
        let path = format!("/api/v1/rounds/{round}/comments?{query}");
        let app = &app;
        async move {
            app.get(&path, Some(drafter)).await.json()["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|c| c["body"].as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(queue("decided=false").await, ["建议各措施明确责任单位。"]);
    assert_eq!(
        queue("decided=true").await.len(),
        6,
        "the grouped ones through their group"
    );
    assert_eq!(queue("assignee=me").await, ["数字营商环境表述可再具体。"]);
    assert_eq!(queue("assignee=nobody").await.len(), 0);

    // One comment still undecided, and no next version to carry the adopted ones.
    let check = app
        .get(&format!("/api/v1/rounds/{round}/check"), Some(drafter))
        .await
        .json();
    assert_eq!(check["ok"], false);
    assert_eq!(codes(&check), ["no_next_version", "undecided"]);

    // Version 2 as a draft: the decisions are checked against it.
    let v2 = app
        .post(
            &format!("/api/v1/documents/{}/versions", demo.document),
            Some(drafter),
            &json!({"label": "送审稿", "text": second_draft()}),
        )
        .await;
    assert_eq!(v2.status, 201, "{}", String::from_utf8_lossy(&v2.body));
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("建议各措施")),
        None,
        json!({"outcome": "noted", "reason": "将在任务分解中明确"}),
    )
    .await;
    let check = app
        .get(&format!("/api/v1/rounds/{round}/check"), Some(drafter))
        .await
        .json();
    assert_eq!(
        check["next_version"],
        json!({"number": 2, "state": "draft"})
    );
    assert_eq!(
        codes(&check),
        ["clause_unchanged"],
        "m12 was adopted but did not change: {check}"
    );
    assert_eq!(check["findings"][0]["clause_key"], "m12");

    // The decision changes under If-Match; the earlier one is kept.
    let path = format!("/api/v1/comments/{}/decision", id("数字营商"));
    let body = json!({"outcome": "not_adopted", "reason": "已有相关表述"});
    app.send(put(&path, drafter, None, &body))
        .await
        .problem(428, "precondition_required");
    app.send(put(&path, drafter, Some("\"7\""), &body))
        .await
        .problem(412, "precondition_failed");
    let changed = decide(&app, drafter, &path, Some("\"1\""), body).await;
    assert_eq!(changed["revision"], 2);
    assert_eq!(changed["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(changed["history"][0]["outcome"], "adopted");
    let check = app
        .get(&format!("/api/v1/rounds/{round}/check"), Some(drafter))
        .await
        .json();
    assert_eq!(check["ok"], true, "{check}");

    // The order the office follows: the round closes, version 2 is published, then the
    // decisions.
    let publish = format!("/api/v1/rounds/{round}/decisions/publish");
    app.post(&publish, Some(drafter), &json!({}))
        .await
        .problem(409, "round_not_closed");
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(drafter),
            &json!({"reason": "汇总完毕"}),
        )
        .await;
    assert_eq!(closed.status, 200);
    app.post(&publish, Some(drafter), &json!({}))
        .await
        .problem(409, "next_version_unpublished");
    let published_v2 = app
        .send(with_token(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/documents/{}/versions/2/publish",
                    demo.document
                ))
                .insert_header(("If-Match", "\"1\""))
                .set_json(json!({"placeholder_override": "数字贸易进出口额待商务局核定"})),
            Some(drafter),
        ))
        .await;
    assert_eq!(
        published_v2.status,
        200,
        "{}",
        String::from_utf8_lossy(&published_v2.body)
    );
    // Agencies read nothing of the decisions before they are published.
    app.get(
        &format!("/api/v1/rounds/{round}/report"),
        Some(&demo.jingxin),
    )
    .await
    .problem(409, "decisions_not_published");
    app.get(
        &format!("/api/v1/comments/{}/decision", id("建议表述")),
        Some(&demo.jingxin),
    )
    .await
    .problem(404, "not_found");
    let published = app.post(&publish, Some(drafter), &json!({})).await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    assert!(published.json()["decisions_published_at"].is_string());
    app.send(put(
        &path,
        drafter,
        Some("\"2\""),
        &json!({"outcome": "noted", "reason": "再议"}),
    ))
    .await
    .problem(409, "decisions_published");

    // The table: the general comment first, then by clause; the group once with both members.
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    let rows = table["rows"].as_array().expect("rows");
    let clauses: Vec<&str> = rows
        .iter()
        .map(|r| r["clause_key"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(clauses, ["-", "ch1", "ch1", "m7", "m9", "m12"]);
    let grouped = &rows[4];
    assert_eq!(grouped["group"]["title"], "增加海外仓");
    assert_eq!(grouped["comments"].as_array().map(Vec::len), Some(2));
    assert_eq!(grouped["outcome"], "adopted");
    assert_eq!(
        grouped["clause_fate"],
        json!({"status": "modified", "renumbered": true})
    );
    assert_eq!(grouped["clause_label_next"], "8.");
    assert_eq!(
        grouped["clause_in_next"],
        "做优做强跨境电商，布局建设海外仓。"
    );
    assert_eq!(rows[3]["clause_fate"]["status"], "removed");
    assert_eq!(rows[3]["clause_in_next"], Value::Null);
    assert_eq!(rows[5]["reason"], "已有相关表述");
    assert_eq!(table["no_comments"][0]["code"], "sifa");
    assert_eq!(table["no_reply"].as_array().map(Vec::len), Some(27));
    assert_eq!(table["next_version"], 2);
    let adopted = &table["totals"]["by_outcome"][0];
    assert_eq!(
        (
            adopted["outcome"].as_str(),
            adopted["rows"].as_u64(),
            adopted["comments"].as_u64()
        ),
        (Some("adopted"), Some(3), Some(4))
    );
    let jingxin_totals = table["totals"]["by_agency"]
        .as_array()
        .expect("by agency")
        .iter()
        .find(|t| t["agency"]["code"] == "jingxin")
        .cloned()
        .expect("jingxin");
    assert_eq!(
        (
            jingxin_totals["comments"].as_u64(),
            jingxin_totals["adopted"].as_u64(),
            jingxin_totals["not_adopted"].as_u64()
        ),
        (Some(5), Some(3), Some(1))
    );

    // Quotes carried into version 2.
    let carried = app
        .get(&format!("/api/v1/rounds/{round}/carried"), Some(drafter))
        .await
        .json();
    let quote_state = |start: &str| {
        carried["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .find(|c| c["comment_id"] == json!(id(start)))
            .map(|c| c["quote_carried"]["state"].clone())
            .expect("carried")
    };
    assert_eq!(
        quote_state("建议表述"),
        "fuzzy",
        "the quoted words were reworded"
    );
    assert_eq!(
        quote_state("=营业收入"),
        "shifted",
        "text before it got shorter"
    );
    assert_eq!(quote_state("建议增加海外仓"), "exact");

    // CSV: BOM, Chinese intact, formula-like cells defused.
    let csv = app
        .get(
            &format!("/api/v1/rounds/{round}/report?format=csv"),
            Some(drafter),
        )
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.starts_with("\u{feff}序号,提出单位".as_bytes()));
    let text = String::from_utf8(csv.body.to_vec()).expect("UTF-8");
    assert!(text.contains("'=营业收入口径请核实。"), "{text}");
    assert!(
        text.contains(
            "\"【市经信局】建议增加海外仓。\n【市商务局】跨境电商部分建议补充海外仓布局。\""
        ),
        "a group's members in one cell: {text}"
    );
    assert!(text.contains("无意见单位,市司法局"), "{text}");
    let xlsx = app
        .get(
            &format!("/api/v1/rounds/{round}/report?format=xlsx"),
            Some(drafter),
        )
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(
        xlsx.body.starts_with(b"PK"),
        "an XLSX file is a zip archive"
    );
    app.get(
        &format!("/api/v1/rounds/{round}/report?format=pdf"),
        Some(drafter),
    )
    .await
    .problem(422, "validation_failed");

    // Each agency reads its own rows and its comments' decisions, and got them by email.
    let own = app
        .get(
            &format!("/api/v1/rounds/{round}/report"),
            Some(&demo.shangwu),
        )
        .await
        .json();
    let own_rows = own["rows"].as_array().expect("rows");
    let numbers: Vec<u64> = own_rows
        .iter()
        .filter_map(|r| r["number"].as_u64())
        .collect();
    assert_eq!(numbers, [1, 5], "numbered as in the whole table");
    assert_eq!(
        own_rows[1]["decided_by"],
        Value::Null,
        "who decided is the office's business"
    );
    assert!(own_rows.iter().all(|r| {
        r["comments"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["agency"]["code"] == "shangwu"))
    }));
    assert_eq!(own["no_reply"], json!([]));
    let decision = app
        .get(
            &format!("/api/v1/comments/{}/decision", id("跨境电商部分")),
            Some(&demo.shangwu),
        )
        .await
        .json();
    assert_eq!(
        (
            decision["subject_kind"].as_str(),
            decision["outcome"].as_str()
        ),
        (Some("group"), Some("adopted"))
    );
    assert_eq!(decision["history"].as_array().map(Vec::len), Some(1));
    app.get(
        &format!("/api/v1/comments/{}/decision", id("建议表述")),
        Some(&demo.shangwu),
    )
    .await
    .problem(404, "not_found");
    let twice = app
        .get(
            &format!("/api/v1/comments/{}/decision", id("数字营商")),
            Some(&demo.jingxin),
        )
        .await
        .json();
    assert_eq!(
        (
            twice["revision"].as_i64(),
            twice["history"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1)),
        "the agency sees where it ended, not the way there"
    );
    assert_eq!(twice["decided_by"], Value::Null);
    let staff_view = app
        .get(
            &format!("/api/v1/comments/{}/decision", id("数字营商")),
            Some(drafter),
        )
        .await
        .json();
    assert_eq!(
        (
            staff_view["history"].as_array().map(Vec::len),
            staff_view["decided_by"].as_str()
        ),
        (Some(2), Some("测试人员"))
    );
    let sifa = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(&demo.sifa))
        .await
        .json();
    assert_eq!(
        (
            sifa["rows"].as_array().map(Vec::len),
            sifa["no_comments"][0]["code"].as_str()
        ),
        (Some(0), Some("sifa"))
    );
    let mails = app
        .get("/api/v1/outbox?kind=decisions_published", Some(drafter))
        .await
        .json();
    let mails = mails["items"].as_array().expect("items");
    assert_eq!(mails.len(), 2, "one to each agency that commented");

    // Published means settled: no late reply, no reopening.
    let request = app.items("/api/v1/requests", Some(&demo.jingxin)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    app.post(
        &format!("/api/v1/requests/{request}/submit"),
        Some(&demo.jingxin),
        &reply(),
    )
    .await
    .problem(409, "round_closed");
    app.post(
        &format!("/api/v1/rounds/{round}/reopen"),
        Some(drafter),
        &json!({"reason": "补充征求", "deadline": "2030-01-01T00:00:00+08:00"}),
    )
    .await
    .problem(409, "decisions_published");
    app.patch(
        &format!("/api/v1/rounds/{round}"),
        Some(drafter),
        &json!({"silence_is_no_comments": true}),
    )
    .await
    .problem(409, "decisions_published");
    let shared = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(drafter),
            &json!({"share_report": true}),
        )
        .await;
    assert_eq!(
        shared.json()["share_report"],
        true,
        "sharing the table is still the office's call"
    );

    // A follow-up round on version 2, on what changed, to those who commented.
    let follow = app
        .post(
            &format!("/api/v1/rounds/{round}/follow-up"),
            Some(drafter),
            &json!({"working_days": 3}),
        )
        .await;
    assert_eq!(
        follow.status,
        201,
        "{}",
        String::from_utf8_lossy(&follow.body)
    );
    let follow = follow.json();
    assert_eq!(
        (
            follow["version"].as_i64(),
            follow["follows_round_id"].as_str()
        ),
        (Some(2), Some(round.as_str()))
    );
    assert_eq!(follow["scope"], json!(["ch1", "m9"]));
    let ledger = app
        .get(
            &format!(
                "/api/v1/rounds/{}/requests",
                follow["id"].as_str().unwrap_or_default()
            ),
            Some(drafter),
        )
        .await
        .json();
    assert_eq!(
        ledger["requests"].as_array().map(Vec::len),
        Some(2),
        "{ledger}"
    );
}

async fn the_check_blocks_publication_unless_overridden(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("数字营商")),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(drafter),
        &json!({"reason": "汇总完毕"}),
    )
    .await;
    let publish = format!("/api/v1/rounds/{round}/decisions/publish");
    app.post(&publish, Some(drafter), &json!({}))
        .await
        .problem(409, "check_failed");
    app.post(&publish, Some(drafter), &json!({"override_reason": ""}))
        .await
        .problem(422, "validation_failed");
    let published = app
        .post(
            &publish,
            Some(drafter),
            &json!({"override_reason": "其余意见会后逐条反馈"}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    assert_eq!(
        table["check_override"], "其余意见会后逐条反馈",
        "recorded with the table"
    );
    let own = app
        .get(
            &format!("/api/v1/rounds/{round}/report"),
            Some(&demo.jingxin),
        )
        .await
        .json();
    assert_eq!(
        own["check_override"],
        Value::Null,
        "the office's own business"
    );
    app.post(&publish, Some(drafter), &json!({}))
        .await
        .problem(409, "decisions_published");
}

async fn groups_change_under_if_match_and_dissolve_only_undecided(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let groups = format!("/api/v1/rounds/{}/groups", demo.round);
    let created = app
        .post(
            &groups,
            Some(drafter),
            &json!({"title": "海外仓", "comment_ids": [id("建议增加海外仓"), id("跨境电商部分")]}),
        )
        .await
        .json();
    let group = created["id"].as_str().expect("id").to_owned();
    // A comment sits in one group at a time.
    app.post(
        &groups,
        Some(drafter),
        &json!({"title": "另一组", "comment_ids": [id("建议增加海外仓"), id("数字营商")]}),
    )
    .await
    .problem(409, "comment_grouped");
    let unknown = app
        .post(
            &groups,
            Some(drafter),
            &json!({"title": "x", "comment_ids": [id("数字营商"), "nope"]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(unknown["errors"][0]["field"], "comment_ids[1]");
    let patch = |tag: Option<&'static str>, body: Value| {
        let mut request = TestRequest::patch()
            .uri(&format!("/api/v1/groups/{group}"))
            .set_json(body);
        if let Some(tag) = tag {
            request = request.insert_header(("If-Match", tag));
        }
        with_token(request, Some(drafter))
    };
    app.send(patch(None, json!({"add": [id("数字营商")]})))
        .await
        .problem(428, "precondition_required");
    let grown = app
        .send(patch(Some("\"1\""), json!({"add": [id("数字营商")]})))
        .await
        .json();
    assert_eq!(grown["comment_ids"].as_array().map(Vec::len), Some(3));
    let shrunk = app
        .send(patch(
            Some("\"2\""),
            json!({"remove": [id("数字营商")], "title": "增加海外仓"}),
        ))
        .await
        .json();
    assert_eq!(
        (
            shrunk["comment_ids"].as_array().map(Vec::len),
            shrunk["title"].as_str()
        ),
        (Some(2), Some("增加海外仓"))
    );
    app.send(patch(
        Some("\"3\""),
        json!({"remove": [id("建议增加海外仓")]}),
    ))
    .await
    .problem(422, "validation_failed");
    let both = app
        .send(patch(
            Some("\"3\""),
            json!({"add": [id("建议各措施")], "remove": [id("建议各措施")]}),
        ))
        .await
        .problem(422, "validation_failed");
    assert_eq!(both["errors"][0]["code"], "also_removed");
    let blank = app
        .send(patch(Some("\"3\""), json!({"title": "   "})))
        .await
        .problem(422, "validation_failed");
    assert_eq!(blank["errors"][0]["field"], "title");
    let listed = app.items(&groups, Some(drafter)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    decide(
        &app,
        drafter,
        &format!("/api/v1/groups/{group}/decision"),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    let shown = app
        .get(&format!("/api/v1/groups/{group}"), Some(drafter))
        .await
        .json();
    assert_eq!(shown["decision"]["outcome"], "adopted");
    let delete = |tag: &'static str| {
        with_token(
            TestRequest::delete()
                .uri(&format!("/api/v1/groups/{group}"))
                .insert_header(("If-Match", tag)),
            Some(drafter),
        )
    };
    app.send(delete("\"3\""))
        .await
        .problem(409, "group_decided");

    // A comment decided on its own is not grouped afterwards: its decision would come back
    // unseen if it left the group.
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("研究开发")),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    app.post(
        &groups,
        Some(drafter),
        &json!({"title": "删改", "comment_ids": [id("研究开发"), id("=营业收入")]}),
    )
    .await
    .problem(409, "comment_decided");

    // An undecided group dissolves; its comments are decided one by one again.
    let other = app
        .post(
            &groups,
            Some(drafter),
            &json!({"title": "其他", "comment_ids": [id("数字营商"), id("建议各措施")]}),
        )
        .await
        .json();
    let other_id = other["id"].as_str().expect("id").to_owned();
    let gone = app
        .send(with_token(
            TestRequest::delete().uri(&format!("/api/v1/groups/{other_id}")),
            Some(drafter),
        ))
        .await;
    assert_eq!(gone.status, 204);
    app.get(&format!("/api/v1/groups/{other_id}"), Some(drafter))
        .await
        .problem(404, "not_found");
    decide(
        &app,
        drafter,
        &format!("/api/v1/comments/{}/decision", id("数字营商")),
        None,
        json!({"outcome": "noted", "reason": "已知悉"}),
    )
    .await;
}

async fn agencies_never_reach_the_offices_work(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let round = &demo.round;
    let own = id("建议表述");
    let theirs = id("跨境电商部分");
    let group = app
        .post(
            &format!("/api/v1/rounds/{round}/groups"),
            Some(&demo.drafter),
            &json!({"title": "海外仓", "comment_ids": [id("建议增加海外仓"), theirs.clone()]}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    decide(
        &app,
        &demo.drafter,
        &format!("/api/v1/comments/{own}/decision"),
        None,
        json!({"outcome": "adopted"}),
    )
    .await;
    let agency = &demo.jingxin;
    let body = json!({"outcome": "adopted"});
    for (request, status) in [
        (
            put(
                &format!("/api/v1/comments/{own}/decision"),
                agency,
                None,
                &body,
            ),
            403,
        ),
        (
            put(
                &format!("/api/v1/groups/{group}/decision"),
                agency,
                None,
                &body,
            ),
            403,
        ),
        (
            put(
                &format!("/api/v1/comments/{own}/assignee"),
                agency,
                None,
                &json!({"person_id": null}),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/comments/{own}/notes")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::post()
                    .uri(&format!("/api/v1/comments/{own}/notes"))
                    .set_json(json!({"body": "x"})),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/rounds/{round}/groups")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::post()
                    .uri(&format!("/api/v1/rounds/{round}/groups"))
                    .set_json(json!({"title": "x", "comment_ids": [own.clone(), theirs.clone()]})),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/groups/{group}")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::patch()
                    .uri(&format!("/api/v1/groups/{group}"))
                    .set_json(json!({"title": "x"})),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::delete().uri(&format!("/api/v1/groups/{group}")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/groups/{group}/decision")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/rounds/{round}/check")),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::post()
                    .uri(&format!("/api/v1/rounds/{round}/decisions/publish"))
                    .set_json(json!({})),
                Some(agency),
            ),
            403,
        ),
        (
            with_token(
                TestRequest::post()
                    .uri(&format!("/api/v1/rounds/{round}/follow-up"))
                    .set_json(json!({"working_days": 3})),
                Some(agency),
            ),
            403,
        ),
        // Its own comment's decision is not out yet; another agency's never is.
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/comments/{own}/decision")),
                Some(agency),
            ),
            404,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/comments/{theirs}/decision")),
                Some(agency),
            ),
            404,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/rounds/{round}/report")),
                Some(agency),
            ),
            409,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/rounds/{round}/carried")),
                Some(agency),
            ),
            409,
        ),
        (
            with_token(
                TestRequest::get().uri(&format!("/api/v1/rounds/{round}/report")),
                None,
            ),
            401,
        ),
    ] {
        let response = app.send(request).await;
        assert_eq!(
            response.status,
            status,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
    }
    let shown = app
        .get(&format!("/api/v1/groups/{group}"), Some(&demo.drafter))
        .await
        .json();
    assert_eq!(shown["title"], "海外仓", "nothing changed");
    assert_eq!(shown["decision"], Value::Null);
}

async fn each_agency_that_commented_is_mailed_its_decisions_over_smtp(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    for start in [
        "建议表述",
        "=营业收入",
        "研究开发",
        "建议增加海外仓",
        "数字营商",
        "跨境电商部分",
        "建议各措施",
    ] {
        decide(
            &app,
            drafter,
            &format!("/api/v1/comments/{}/decision", id(start)),
            None,
            json!({"outcome": "not_adopted", "reason": "与上位政策不一致"}),
        )
        .await;
    }
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(drafter),
        &json!({"reason": "汇总完毕"}),
    )
    .await;
    let receiver = Receiver::start();
    let mailer = consult::email::delivery::Mailer::from_url(
        &receiver.url(),
        "发改委 <consult@fgw.hangzhou.example>",
        std::time::Duration::from_secs(5),
    )
    .expect("mailer");
    let policy = consult::email::delivery::DeliveryPolicy::default();
    let letters = consult::email::delivery::step(
        app.db(),
        &mailer,
        app.clock.now(),
        &policy,
        &consult::email::delivery::Shift::default(),
    )
    .expect("step");
    assert_eq!(
        letters.sent, 33,
        "the comment requests, and the receipts of the three replies"
    );
    let published = app
        .post(
            &format!("/api/v1/rounds/{round}/decisions/publish"),
            Some(drafter),
            &json!({}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let sent = consult::email::delivery::step(
        app.db(),
        &mailer,
        app.clock.now(),
        &policy,
        &consult::email::delivery::Shift::default(),
    )
    .expect("step");
    assert_eq!(sent.sent, 2, "one to each agency that commented");
    let messages = receiver.messages();
    let decisions: Vec<_> = messages[33..].iter().collect();
    let shangwu = decisions
        .iter()
        .find(|m| m.recipients.iter().any(|r| r.contains("shangwu")))
        .expect("shangwu's letter");
    assert!(
        decisions
            .iter()
            .all(|m| !m.recipients.iter().any(|r| r.contains("sifa"))),
        "no comments, no letter"
    );
    let outbox = app
        .get("/api/v1/outbox?kind=decisions_published", Some(drafter))
        .await
        .json();
    let row = outbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["recipients"] == json!(shangwu.recipients))
        .cloned()
        .expect("shangwu's letter in the outbox");
    assert_eq!(
        (row["state"].as_str(), row["subject"].as_str()),
        (
            Some("sent"),
            Some("【意见采纳情况】《关于促进杭州市生产性服务业高质量发展的若干举措》征求意见")
        )
    );
    assert_eq!(
        shangwu
            .header("message-id")
            .map(|m| m.contains(row["message_id"].as_str().unwrap_or("-"))),
        Some(true)
    );
    let again = consult::email::delivery::step(
        app.db(),
        &mailer,
        app.clock.now() + chrono::Duration::minutes(5),
        &policy,
        &consult::email::delivery::Shift::default(),
    )
    .expect("step");
    assert_eq!(again.sent, 0, "nothing goes twice");
}

async fn publishing_after_the_deadline_stops_late_replies(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    let late = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(drafter),
            &json!({"accept_late": true}),
        )
        .await
        .json();
    let deadline =
        chrono::DateTime::parse_from_rfc3339(late["deadline"].as_str().expect("deadline"))
            .expect("a time");
    app.clock
        .set(deadline.with_timezone(&chrono::Utc) + chrono::Duration::hours(1));
    // A group whose first member (a general comment) is another agency's than its second.
    let group = app
        .post(
            &format!("/api/v1/rounds/{round}/groups"),
            Some(drafter),
            &json!({"title": "责任与表述", "comment_ids": [id("建议各措施"), id("数字营商")]}),
        )
        .await
        .json();
    decide(
        &app,
        drafter,
        &format!(
            "/api/v1/groups/{}/decision",
            group["id"].as_str().unwrap_or_default()
        ),
        None,
        json!({"outcome": "noted", "reason": "已知悉"}),
    )
    .await;
    for start in [
        "建议表述",
        "=营业收入",
        "研究开发",
        "建议增加海外仓",
        "跨境电商部分",
    ] {
        decide(
            &app,
            drafter,
            &format!("/api/v1/comments/{}/decision", id(start)),
            None,
            json!({"outcome": "noted", "reason": "已知悉"}),
        )
        .await;
    }
    // Past the deadline the round counts as closed though nobody closed it, and it takes late
    // replies; publishing its decisions ends that.
    let published = app
        .post(
            &format!("/api/v1/rounds/{round}/decisions/publish"),
            Some(drafter),
            &json!({}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    assert!(published.json()["closed_at"].is_string());
    let keji = app.agency_token("keji");
    let request = app.items("/api/v1/requests", Some(&keji)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    app.post(
        &format!("/api/v1/requests/{request}/no-comments"),
        Some(&keji),
        &reply(),
    )
    .await
    .problem(409, "round_closed");
    let follow = app
        .post(
            &format!("/api/v1/rounds/{round}/follow-up"),
            Some(drafter),
            &json!({"working_days": 3}),
        )
        .await;
    assert_eq!(
        follow.status,
        409,
        "no next version to consult on: {}",
        String::from_utf8_lossy(&follow.body)
    );

    // The agency reads the group's row on its own comment's clause.
    let whole = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(drafter))
        .await
        .json();
    assert_eq!(
        whole["rows"][0]["clause_key"],
        Value::Null,
        "the group sits at its general comment"
    );
    let own = app
        .get(
            &format!("/api/v1/rounds/{round}/report"),
            Some(&demo.jingxin),
        )
        .await
        .json();
    let grouped = own["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["group"]["title"] == "责任与表述")
        .cloned()
        .expect("the group's row");
    assert_eq!(
        (grouped["number"].as_u64(), grouped["clause_key"].as_str()),
        (Some(1), Some("m12"))
    );
    assert_eq!(grouped["clause_label"], "12.");
}

async fn a_shared_table_shows_every_row_to_invited_agencies(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let drafter = &demo.drafter;
    let round = &demo.round;
    let shared = app
        .patch(
            &format!("/api/v1/rounds/{round}"),
            Some(drafter),
            &json!({"share_report": true}),
        )
        .await;
    assert_eq!(
        shared.status,
        200,
        "{}",
        String::from_utf8_lossy(&shared.body)
    );
    for start in [
        "建议表述",
        "=营业收入",
        "研究开发",
        "建议增加海外仓",
        "数字营商",
        "跨境电商部分",
        "建议各措施",
    ] {
        app.fixture().decided(&id(start), Outcome::Noted);
    }
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(drafter),
        &json!({"reason": "汇总完毕"}),
    )
    .await;
    let published = app
        .post(
            &format!("/api/v1/rounds/{round}/decisions/publish"),
            Some(drafter),
            &json!({}),
        )
        .await;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(&demo.sifa))
        .await
        .json();
    assert_eq!(table["rows"].as_array().map(Vec::len), Some(7));
    // Carried comments stay each agency's own.
    let carried = app
        .get(&format!("/api/v1/rounds/{round}/carried"), Some(&demo.sifa))
        .await
        .json();
    assert_eq!(carried["comments"], json!([]));
    assert_eq!(carried["next_version"], Value::Null);
}

async fn a_stored_name_no_variant_knows_fails_instead_of_reading_as_a_default(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await("建议各措施");
    let path = format!("/api/v1/comments/{id}");
    assert_eq!(
        app.get(&path, Some(&demo.drafter)).await.json()["kind"],
        "general"
    );
    // A row edited by hand, or written by a release that knows more kinds than this one.
    let corrupt =
        format!("UPDATE submitted_comments SET kind = 'question' WHERE comment_id = '{id}'");
    app.db()
        .write_now(|conn| -> Result<usize, ApiError> {
            Ok(diesel::RunQueryDsl::execute(
                diesel::sql_query(&corrupt),
                conn,
            )?)
        })
        .expect("corrupt the row");
    app.get(&path, Some(&demo.drafter))
        .await
        .problem(500, "internal_error");
    app.get(
        &format!("/api/v1/rounds/{}/comments", demo.round),
        Some(&demo.drafter),
    )
    .await
    .problem(500, "internal_error");
}

/// 经信 rewords comment `id` and submits its reply again: decisions on it go stale.
async fn reworded_and_resubmitted(app: &TestApp, demo: &Demo, id: &str) {
    let request = app.items("/api/v1/requests", Some(&demo.jingxin)).await[0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let edited = app
        .patch(
            &format!("/api/v1/comments/{id}"),
            Some(&demo.jingxin),
            &json!({"body": "建议增加海外仓，并明确布局城市。"}),
        )
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&demo.jingxin),
            &reply(),
        )
        .await;
    assert_eq!(submitted.status, 201);
}

/// The queue's decided and undecided comments, and those worked out from the decisions and
/// groups as they stand (a decision that is not stale, the comment's own or its group's).
async fn decided_both_ways(app: &TestApp, demo: &Demo) -> (Vec<String>, Vec<String>) {
    let queue = |decided: bool| {
        format!(
            "/api/v1/rounds/{}/comments?decided={decided}&limit=500",
            demo.round
        )
    };
    let ids = |page: Value| -> Vec<String> {
        let mut ids: Vec<String> = page
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let decided = ids(app.items(&queue(true), Some(&demo.drafter)).await);
    let undecided = ids(app.items(&queue(false), Some(&demo.drafter)).await);
    let everything = ids(app
        .items(
            &format!("/api/v1/rounds/{}/comments?limit=500", demo.round),
            Some(&demo.drafter),
        )
        .await);
    let round = demo.round.clone();
    let worked_out = app
        .db()
        .read_now(
            move |conn| -> Result<Vec<String>, consult::service::error::ServiceError> {
                use consult::db::schema::{decisions, triage};
                use diesel::prelude::*;
                let subjects: Vec<String> = decisions::table
                    .filter(decisions::round_id.eq(&round))
                    .filter(decisions::stale.eq(false))
                    .select(decisions::subject_id)
                    .load(conn)?;
                let mut decided = subjects.clone();
                decided.extend(
                    triage::table
                        .filter(triage::group_id.eq_any(&subjects))
                        .select(triage::comment_id)
                        .load::<String>(conn)?,
                );
                Ok(decided)
            },
        )
        .expect("decisions");
    let expected: Vec<String> = everything
        .iter()
        .filter(|id| worked_out.contains(id))
        .cloned()
        .collect();
    let expected_undecided: Vec<String> = everything
        .iter()
        .filter(|id| !worked_out.contains(id))
        .cloned()
        .collect();
    assert_eq!(undecided, expected_undecided, "undecided");
    (decided, expected)
}

async fn the_stored_decided_flag_agrees_with_the_decisions_after_every_change(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let check = |expected: usize| {
        let (app, demo) = (&app, &demo);
        async move {
            let (decided, worked_out) = decided_both_ways(app, demo).await;
            assert_eq!(decided, worked_out);
            assert_eq!(decided.len(), expected);
            the_states_and_tallies_agree_with_the_queue(app, demo).await;
        }
    };
    check(0).await;
    app.fixture().decided(&id("数字营商"), Outcome::NotAdopted);
    check(1).await;
    // A group and its decision: both members are decided.
    let group = app
        .fixture()
        .grouped(&demo.round, &[id("建议增加海外仓"), id("跨境电商部分")]);
    check(1).await;
    app.fixture().decided_group(&group, Outcome::Noted);
    check(3).await;
    // A member's new text makes the group's decision stale: neither member is decided now.
    reworded_and_resubmitted(&app, &demo, &id("建议增加海外仓")).await;
    check(1).await;
    let stale = app
        .items(
            &format!(
                "/api/v1/rounds/{}/comments?decision=stale&limit=500",
                demo.round
            ),
            Some(&demo.drafter),
        )
        .await;
    assert_eq!(
        stale.as_array().map(Vec::len),
        Some(2),
        "both members wait to be looked at again"
    );
    // Confirmed again: both are decided once more.
    app.fixture().decided_group(&group, Outcome::Noted);
    check(3).await;
}

/// The queue by decision state splits the round's comments as `decided` does, and the clause
/// list counts on each clause the comments the queue lists as still to decide.
async fn the_states_and_tallies_agree_with_the_queue(app: &TestApp, demo: &Demo) {
    let listed = |filter: String| {
        let path = format!("/api/v1/rounds/{}/comments?{filter}&limit=500", demo.round);
        async move {
            let mut ids: Vec<(String, String)> = app
                .items(&path, Some(&demo.drafter))
                .await
                .as_array()
                .expect("items")
                .iter()
                .map(|c| {
                    (
                        c["clause_key"].as_str().unwrap_or("").to_owned(),
                        c["id"].as_str().expect("id").to_owned(),
                    )
                })
                .collect();
            ids.sort();
            ids
        }
    };
    let undecided = listed("decided=false".into()).await;
    let decided = listed("decided=true".into()).await;
    let mut by_state: Vec<(String, String)> = Vec::new();
    for state in ["undecided", "stale"] {
        by_state.extend(listed(format!("decision={state}")).await);
    }
    by_state.sort();
    assert_eq!(
        by_state, undecided,
        "undecided and stale are what is still to decide"
    );
    let mut by_outcome: Vec<(String, String)> = Vec::new();
    for outcome in ["adopted", "partially_adopted", "not_adopted", "noted"] {
        by_outcome.extend(listed(format!("decision={outcome}")).await);
    }
    by_outcome.sort();
    assert_eq!(by_outcome, decided, "the outcomes are what is decided");
    let clauses = app
        .items(
            &format!("/api/v1/rounds/{}/clauses?limit=500", demo.round),
            Some(&demo.drafter),
        )
        .await;
    for clause in clauses.as_array().expect("clauses") {
        let key = clause["key"].as_str().expect("key");
        let expected = undecided.iter().filter(|(k, _)| k == key).count();
        assert_eq!(
            clause["undecided_count"], expected,
            "still to decide on {key}"
        );
    }
}

/// A submitted copy's key and what is stored with it: standing, late, decided, assignee,
/// decision state.
type StoredFlags = (String, String, bool, bool, bool, Option<String>, String);

/// Every submitted copy's stored flags, in a stable order.
fn stored_flags(app: &TestApp) -> Vec<StoredFlags> {
    app.db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::submitted_comments as s;
            use diesel::prelude::*;
            Ok(s::table
                .select((
                    s::reply_id,
                    s::comment_id,
                    s::standing,
                    s::late,
                    s::decided,
                    s::assignee_person_id,
                    s::decision_state,
                ))
                .order((s::reply_id, s::comment_id))
                .load(conn)?)
        })
        .expect("flags")
}

fn stored_tallies(app: &TestApp) -> Vec<consult::db::comment::TallyRow> {
    app.db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::clause_tallies as t;
            use diesel::prelude::*;
            Ok(t::table
                .order((t::round_id, t::agency_id, t::clause_key))
                .load(conn)?)
        })
        .expect("tallies")
}

async fn the_migrations_backfill_the_stored_flags_as_the_workflow_writes_them(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    app.fixture().decided(&id("数字营商"), Outcome::NotAdopted);
    let group = app
        .fixture()
        .grouped(&demo.round, &[id("建议增加海外仓"), id("跨境电商部分")]);
    app.fixture().decided_group(&group, Outcome::Noted);
    let assigned = app
        .send(put(
            &format!("/api/v1/comments/{}/assignee", id("建议增加海外仓")),
            &demo.drafter,
            None,
            &json!({"person_id": app.person_id(&demo.drafter)}),
        ))
        .await;
    assert_eq!(assigned.status, 200);
    // A second revision: the first one's copies no longer stand; an edit makes the group stale.
    reworded_and_resubmitted(&app, &demo, &id("建议增加海外仓")).await;
    let written = stored_flags(&app);
    assert_eq!(
        written.iter().filter(|f| f.5.is_some()).count(),
        2,
        "both copies of the assigned comment carry its assignee"
    );
    let tallied = stored_tallies(&app);
    assert!(
        tallied.iter().any(|t| t.proposals > 0),
        "some clauses have proposals"
    );
    assert!(
        written.iter().any(|f| f.2) && written.iter().any(|f| !f.2),
        "some copies stand, some do not"
    );
    assert!(
        written.iter().any(|f| f.4) && written.iter().any(|f| !f.4),
        "some are decided, some are not"
    );
    let mut states: Vec<&str> = written.iter().map(|f| f.6.as_str()).collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(states, ["not_adopted", "stale", "undecided"]);
    assert!(
        tallied.iter().any(|t| t.decided > 0),
        "some clauses have decided comments"
    );

    // Cleared, then filled again by the migrations' own statements (the assignees' were moved
    // to people since, and are checked by the people migration's test).
    let engine = match app.engine() {
        consult::db::Engine::Sqlite => "sqlite",
        consult::db::Engine::Postgres => "postgres",
    };
    let mut statements = vec![
        "UPDATE submitted_comments SET standing = FALSE, late = FALSE, decided = FALSE, \
         decision_state = 'nothing'"
            .to_owned(),
        "DELETE FROM clause_tallies".to_owned(),
    ];
    for migration in [
        "2026-12-01-000010_standing_comments",
        "2026-12-01-000011_decided_comments",
        "2026-12-02-000022_decision_states",
    ] {
        let path = format!(
            "{}/migrations/{engine}/{migration}/up.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        let sql = std::fs::read_to_string(path).expect("migration");
        let code: String = sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        statements.extend(
            code.split(';')
                .map(str::trim)
                .filter(|s| s.starts_with("UPDATE") || s.starts_with("INSERT"))
                .map(str::to_owned),
        );
    }
    assert_eq!(statements.len(), 7);
    // The tallies are counted by the program after their migration, and their decided counts
    // by the migration that added them, from those counts.
    let (tallied_later, before_tallies): (Vec<String>, Vec<String>) = statements
        .into_iter()
        .partition(|s| s.starts_with("UPDATE clause_tallies"));
    app.db()
        .write_now(
            |conn| -> Result<(), consult::service::error::ServiceError> {
                for statement in &before_tallies {
                    diesel::RunQueryDsl::execute(diesel::sql_query(statement), conn)?;
                }
                consult::db::comment::tally_everything(conn)?;
                diesel::RunQueryDsl::execute(
                    diesel::sql_query("UPDATE clause_tallies SET decided = 0"),
                    conn,
                )?;
                for statement in &tallied_later {
                    diesel::RunQueryDsl::execute(diesel::sql_query(statement), conn)?;
                }
                Ok(())
            },
        )
        .expect("backfill");
    assert_eq!(stored_flags(&app), written);
    assert_eq!(stored_tallies(&app), tallied);
}

/// Staff tokens made before people existed become people (one for the tokens sharing an address
/// and a role), and each comment given to a token is given to its person: the migration reverted
/// and run again by the migration harness over a round in progress, with foreign keys on.
async fn the_people_migration_makes_people_of_staff_tokens_and_keeps_each_assignment(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let (kept, moved) = (id("建议增加海外仓"), id("数字营商"));
    for comment in [&kept, &moved] {
        let assigned = app
            .send(put(
                &format!("/api/v1/comments/{comment}/assignee"),
                &demo.drafter,
                None,
                &json!({"person_id": app.person_id(&demo.drafter)}),
            ))
            .await;
        assert_eq!(assigned.status, 200, "{:?}", assigned.body);
    }
    // 李四's laptop and script, made when a token carried its holder's address; the second
    // holds one of the comments.
    let before_people = format!(
        "INSERT INTO api_tokens (id, name, role, agency_id, email, token_hash, created_at) \
         VALUES ('t-laptop', '李四的电脑', 'drafter', NULL, 'li@fgw.example', 'h-laptop', \
                 '2026-11-30 09:00:00'), \
                ('t-script', '李四的脚本', 'drafter', NULL, 'li@fgw.example', 'h-script', \
                 '2026-11-30 10:00:00'); \
         UPDATE triage SET assignee_token_id = 't-script' WHERE comment_id = '{moved}'; \
         UPDATE submitted_comments SET assignee_token_id = 't-script' \
         WHERE comment_id = '{moved}'"
    );
    crate::storage::back_to_before(&app, "20261202000020", &before_people);
    let people = app
        .items("/api/v1/people", Some(&demo.drafter))
        .await
        .as_array()
        .cloned()
        .expect("people");
    let li: Vec<_> = people
        .iter()
        .filter(|p| p["email"] == "li@fgw.example")
        .collect();
    assert_eq!(li.len(), 1, "one person for the two tokens: {people:?}");
    assert_eq!(
        li[0]["id"], "t-laptop",
        "named and dated by the first token"
    );
    assert_eq!(li[0]["name"], "李四的电脑");
    assert_eq!(li[0]["role"], "drafter");
    assert_eq!(li[0]["working_tokens"], 2);
    let drafter = app.person_id(&demo.drafter);
    assert_eq!(
        drafter,
        app.token_id(&demo.drafter),
        "a token without an address is a person of its own"
    );
    let mine = |person: &str| {
        let (app, demo) = (&app, &demo);
        let url = format!(
            "/api/v1/rounds/{}/comments?assignee={person}&limit=500",
            demo.round
        );
        async move { app.every_id(&url, Some(&demo.drafter)).await }
    };
    assert_eq!(mine(&drafter).await, std::slice::from_ref(&kept));
    assert_eq!(mine("t-laptop").await, std::slice::from_ref(&moved));
    let triaged: Vec<(String, Option<String>)> = app
        .db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::triage as t;
            use diesel::prelude::*;
            Ok(t::table
                .filter(t::assignee_person_id.is_not_null())
                .select((t::comment_id, t::assignee_person_id))
                .order(t::comment_id)
                .load(conn)?)
        })
        .expect("triage");
    let mut expected = vec![(kept, Some(drafter)), (moved, Some("t-laptop".to_owned()))];
    expected.sort();
    assert_eq!(triaged, expected);
}

/// The table is read a thousand comments at a time: a group whose members are read far apart
/// is still one row, at its first member, numbered as the rows around it.
async fn a_table_larger_than_a_read_keeps_each_group_in_one_row(app: TestApp) {
    use consult::domain::comment::CommentKind::Amend;
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let comments = (0..1_100)
        .map(|i| {
            let clause = format!("m{}", 1 + i % 27);
            Comment::new(Amend, Some(&clause), &format!("第{i}条意见"))
        })
        .collect();
    fixture.submitted(&round, "jingxin", comments);
    // The round's first comment and its last: more than a thousand apart in clause order.
    let all_ids = comment_ids_in_order(&app, &round, &drafter).await;
    assert_eq!(all_ids.len(), 1_100);
    let (first, last) = (all_ids[0].clone(), all_ids[1_099].clone());
    let group = fixture.grouped(&round, &[last.clone(), first.clone()]);
    fixture.decided_group(&group, Outcome::Noted);

    let table = app
        .get(&format!("/api/v1/rounds/{round}/report"), Some(&drafter))
        .await;
    assert_eq!(table.status, 200);
    let table = table.json();
    let rows = table["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1_099);
    let numbers: Vec<u64> = rows.iter().filter_map(|r| r["number"].as_u64()).collect();
    assert_eq!(numbers, (1..=1_099).collect::<Vec<u64>>());
    let members: Vec<&str> = rows[0]["comments"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|c| c["comment_id"].as_str())
        .collect();
    assert_eq!(members, [first.as_str(), last.as_str()]);
    assert_eq!(rows[0]["outcome"], "noted");
    let mentions = rows
        .iter()
        .flat_map(|r| r["comments"].as_array().expect("comments"))
        .filter(|c| c["comment_id"] == last.as_str())
        .count();
    assert_eq!(mentions, 1, "the last comment is in its group's row only");
    let noted = table["totals"]["by_outcome"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["outcome"] == "noted")
        .cloned();
    assert_eq!(
        noted,
        Some(json!({"outcome": "noted", "comments": 2, "rows": 1}))
    );

    // The carried comments come from the same rows: every comment once, the group's with its
    // decision.
    let carried = app
        .get(&format!("/api/v1/rounds/{round}/carried"), Some(&drafter))
        .await;
    assert_eq!(carried.status, 200);
    let carried = carried.json();
    let mut ids: Vec<&str> = carried["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|c| c["comment_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1_100);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1_100, "each comment once");
    assert_eq!(carried["comments"][1]["comment_id"], last.as_str());
    assert_eq!(carried["comments"][1]["outcome"], "noted");
    let csv = app
        .get(
            &format!("/api/v1/rounds/{round}/report?format=csv"),
            Some(&drafter),
        )
        .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("\r\n1099,"), "the last row is numbered 1099");
    assert!(
        text.contains("合计,1100,0,0,0,2,1098"),
        "{}",
        &text[text.len() - 300..]
    );
}

/// Every standing comment's id in the queue's order, page by page.
async fn comment_ids_in_order(app: &TestApp, round: &str, drafter: &str) -> Vec<String> {
    app.every_id(
        &format!("/api/v1/rounds/{round}/comments?limit=500"),
        Some(drafter),
    )
    .await
}

/// The queue's comments assigned to the holder of `token`, and those the triage gives them
/// among the standing comments.
async fn assigned_both_ways(app: &TestApp, demo: &Demo, token: &str) -> (Vec<String>, Vec<String>) {
    let ids = |items: Value| -> Vec<String> {
        let mut ids: Vec<String> = items
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let url = format!("/api/v1/rounds/{}/comments?limit=500", demo.round);
    let mine = ids(app.items(&format!("{url}&assignee=me"), Some(token)).await);
    let standing = ids(app.items(&url, Some(&demo.drafter)).await);
    let person_id = app.person_id(token);
    let triaged: Vec<String> = app
        .db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::triage as t;
            use diesel::prelude::*;
            Ok(t::table
                .filter(t::assignee_person_id.eq(&person_id))
                .select(t::comment_id)
                .load(conn)?)
        })
        .expect("triage");
    let worked_out = standing
        .into_iter()
        .filter(|id| triaged.contains(id))
        .collect();
    (mine, worked_out)
}

async fn the_stored_assignee_agrees_with_the_triage_after_every_change(app: TestApp) {
    let demo = commented(&app).await;
    let id = comment_ids(&app, &demo).await;
    let other = app.staff_token(Role::Drafter);
    let assign = |comment: String, to: Option<String>| {
        let (app, demo) = (&app, &demo);
        async move {
            let assigned = app
                .send(put(
                    &format!("/api/v1/comments/{comment}/assignee"),
                    &demo.drafter,
                    None,
                    &json!({"person_id": to}),
                ))
                .await;
            assert_eq!(
                assigned.status,
                200,
                "{}",
                String::from_utf8_lossy(&assigned.body)
            );
        }
    };
    let check = |token: String, expected: usize| {
        let (app, demo) = (&app, &demo);
        async move {
            let (mine, worked_out) = assigned_both_ways(app, demo, &token).await;
            assert_eq!(mine, worked_out);
            assert_eq!(mine.len(), expected);
        }
    };
    let (me, them) = (app.person_id(&demo.drafter), app.person_id(&other));
    check(demo.drafter.clone(), 0).await;
    assign(id("建议增加海外仓"), Some(me.clone())).await;
    assign(id("数字营商"), Some(them.clone())).await;
    check(demo.drafter.clone(), 1).await;
    check(other.clone(), 1).await;
    // A new revision's copies carry the assignees of the comments they copy.
    reworded_and_resubmitted(&app, &demo, &id("建议增加海外仓")).await;
    check(demo.drafter.clone(), 1).await;
    check(other.clone(), 1).await;
    assign(id("建议增加海外仓"), Some(them)).await;
    check(demo.drafter.clone(), 0).await;
    check(other.clone(), 2).await;
    assign(id("数字营商"), None).await;
    check(other, 1).await;
}
