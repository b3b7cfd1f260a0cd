//! The desk in a real browser (headless Chromium over WebDriver) against the real server: a
//! drafter signs in, opens the demo round, filters the draft to one measure, records a decision
//! with the keyboard, sees it flagged once the agency changes its comment, decides every other
//! comment, writes and publishes version 2, checks the decisions against it, publishes them and
//! downloads the adoption table. Each page's
//! screenshot is written to `target/desk-screenshots/`, and to `docs/screenshots/` with
//! `CONSULT_WRITE_DOCS=1`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::browser::{Browser, ENTER};
use crate::support::served::{Request, Served, token};

fn shoot(browser: &Browser, name: &str) {
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders: Vec<PathBuf> = vec![root.join("target/desk-screenshots")];
    if std::env::var("CONSULT_WRITE_DOCS").is_ok_and(|v| v == "1") {
        folders.push(root.join("docs/screenshots"));
    }
    for folder in folders {
        std::fs::create_dir_all(&folder).expect("a folder for screenshots");
        std::fs::write(folder.join(format!("{name}.png")), &png).expect("the screenshot");
    }
}

/// The agency with `token` comments in `round` and submits its reply.
fn answers(served: &Served, token: &str, round: &str, items: serde_json::Value) -> String {
    let path = format!("/api/v1/rounds/{round}/comments");
    let made = served
        .send(&Request::post(
            &path,
            Some(token),
            &json!({ "items": items }),
        ))
        .expect("comments");
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let (_, request) = served.first_request(token);
    submit(served, token, &request);
    made.json()["items"][0]["id"]
        .as_str()
        .expect("a comment")
        .to_owned()
}

fn submit(served: &Served, token: &str, request: &str) {
    let path = format!("/api/v1/requests/{request}/submit");
    let body =
        json!({"signer": "王局长", "contact_name": "李明", "contact_phone": "0571-85000000"});
    let submitted = served
        .send(&Request::post(&path, Some(token), &body))
        .expect("submit");
    assert!(
        submitted.status == 200 || submitted.status == 201,
        "{}",
        String::from_utf8_lossy(&submitted.body)
    );
}

#[test]
fn a_drafter_decides_the_demo_round_in_a_browser() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("consult.db").display());
    // The first start loads the demo data: the draft, its 30 agencies and the open round.
    let served = Served::start(&url, &[]);
    let base = format!("http://127.0.0.1:{}", served.port);
    let drafter = token(&url, &["--role", "drafter", "--email", "zhang@fgw.example"]);
    let jingxin = token(&url, &["--agency", "jingxin"]);
    let shangwu = token(&url, &["--agency", "shangwu"]);
    let (round, _) = served.first_request(&jingxin);
    let proposal = answers(
        &served,
        &jingxin,
        &round,
        json!([{"kind": "amend", "clause_key": "9.", "quote": {"exact": "跨境电商"},
                "body": "建议增加海外仓。", "proposed_text": "做优做强跨境电商，布局建设海外仓。"},
               {"kind": "general", "body": "建议各措施明确责任单位。"}]),
    );
    answers(
        &served,
        &shangwu,
        &round,
        json!([{"kind": "amend", "clause_key": "9.", "body": "跨境电商部分建议补充海外仓布局。",
                "proposed_text": "大力发展跨境电商和海外仓。"}]),
    );

    // Signing in: any page leads there first.
    browser.go(&format!("{base}/desk"));
    assert!(
        browser.url().ends_with("/desk/sign-in"),
        "{}",
        browser.url()
    );
    shoot(&browser, "sign-in");
    let field = browser.find("#token");
    browser.type_into(&field, &drafter);
    browser.click(&browser.find("form.sign-in button"));
    browser.wait_for("征求意见轮次");
    shoot(&browser, "rounds");

    // The round at a glance, then its draft with the comments.
    browser.click(&browser.find("table.rounds a"));
    browser.wait_for("征求意见情况");
    assert!(browser.source().contains("已提出意见"));
    shoot(&browser, "round");
    browser.click(&browser.find("nav.actions a"));
    browser.wait_for("逐条");

    // Filtered to measure 9: both agencies' proposals, nothing else.
    browser.click(&browser.find(r#"select[name="clause"] option[value="m9"]"#));
    browser.click(&browser.find("form.filters button"));
    browser.wait_for("clause=m9");
    let page = browser.source();
    assert!(page.contains("建议增加海外仓。") && page.contains("跨境电商部分建议补充海外仓布局。"));
    assert!(
        !page.contains("建议各措施明确责任单位。"),
        "the general comment is filtered out"
    );
    assert!(page.contains("<mark>跨境电商</mark>"));
    shoot(&browser, "draft");

    // Alt+J reaches the first comment still to decide; Alt+Enter records its decision.
    browser.alt("j");
    let focused = browser.run("return document.activeElement.name;");
    assert_eq!(
        focused,
        json!("outcome"),
        "the decision's first field has the focus"
    );
    browser.run(
        "var f = document.activeElement.form; f.outcome.value = 'partially_adopted'; \
         f.reason.value = '海外仓布局另行研究'; return true;",
    );
    browser.alt(ENTER);
    browser.wait_for(r#"<span class="outcome">部分采纳</span>"#);
    assert!(
        browser.url().contains("clause=m9"),
        "back on the filtered page"
    );

    // The agency changes the decided comment and submits again: the decision is flagged.
    let comment = format!("/api/v1/comments/{proposal}");
    let mut patch = Request::post(
        &comment,
        Some(&jingxin),
        &json!({"body": "建议增加海外仓，并明确布局城市。"}),
    );
    patch.method = "PATCH";
    let edited = served.send(&patch).expect("edit");
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    let (_, request) = served.first_request(&jingxin);
    submit(&served, &jingxin, &request);
    browser.go(&format!("{base}/desk/rounds/{round}/draft?clause=m9"));
    browser.wait_for("意见已修改，原决定待复核");
    shoot(&browser, "stale");
    // Confirmed as it stands, with the keyboard again.
    browser.alt("j");
    browser.alt(ENTER);
    browser.wait_for("clause=m9");
    assert!(!browser.source().contains("意见已修改，原决定待复核"));

    // Every other comment, decided from the list of those still to decide.
    browser.go(&format!("{base}/desk/rounds/{round}/draft?decided=false"));
    let undecided = || {
        browser
            .run("return document.querySelectorAll('article.comment[data-undecided]').length;")
            .as_u64()
            .unwrap_or_default()
    };
    let mut left = undecided();
    assert_eq!(left, 2, "商务局's proposal and 经信局's general comment");
    // The first with single keys, once they are turned on: J to it, 4 for 已知悉, R to the
    // reason, and Alt+Enter from there, where Enter alone is a new line.
    browser.click(&browser.find("#single-keys"));
    browser.press("j4r");
    assert_eq!(
        browser.run("return document.activeElement.name;"),
        json!("reason")
    );
    browser.type_into(&browser.find(":focus"), "已知悉，在实施细则中研究");
    browser.alt(ENTER);
    let started = std::time::Instant::now();
    while undecided() != 1 {
        assert!(
            started.elapsed() < crate::support::served::start_timeout(),
            "not decided with single keys"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    left = 1;
    // Kept on in this browser until turned off again, which the rest of the list needs.
    assert_eq!(
        browser.run("return document.getElementById('single-keys').checked;"),
        json!(true)
    );
    browser.click(&browser.find("#single-keys"));
    while left > 0 {
        browser.alt("j");
        browser.run(
            "var f = document.activeElement.form; f.outcome.value = 'noted'; \
             f.reason.value = '已知悉，在实施细则中研究'; return true;",
        );
        browser.alt(ENTER);
        let started = std::time::Instant::now();
        while undecided() >= left {
            assert!(
                started.elapsed() < crate::support::served::start_timeout(),
                "not decided"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        left = undecided();
    }
    assert!(browser.source().contains("没有符合条件的意见"));

    // Version 2, written at the desk from the consulted text, takes up part of the proposal;
    // the decisions are checked against it and published.
    browser.go(&format!("{base}/desk/rounds/{round}/next"));
    browser.wait_for("保存为草稿");
    browser.run(
        "var t = document.getElementById('text'); \
         t.value = t.value.replace('做优做强跨境电商。', '做优做强跨境电商，布局建设海外仓。'); \
         return true;",
    );
    browser.click(&browser.find("form.version button"));
    browser.wait_for("发布这一版");
    browser.type_into(&browser.find("#placeholder"), "其余数值待各单位核定");
    browser.click(&browser.find("form.publish-version button"));
    browser.wait_for("已发布");
    let page = browser.source();
    assert!(page.contains("<ins>，布局建设海外仓</ins>"), "{page}");
    assert!(page.contains("部分采纳"), "the decision behind the change");
    shoot(&browser, "next");
    browser.go(&format!("{base}/desk/rounds/{round}/check"));
    browser.wait_for("对照第2版");
    browser.type_into(&browser.find("#reason"), "意见已汇总");
    browser.click(&browser.find("form.close button"));
    browser.wait_for("发布决定");
    assert!(
        browser.source().contains("没有发现问题"),
        "{}",
        browser.source()
    );
    shoot(&browser, "check");
    browser.click(&browser.find(r#"input[name="confirm"]"#));
    browser.click(&browser.find("form.publish button"));
    browser.wait_for("已发布");
    let table = browser.source();
    assert!(table.contains("部分采纳"));
    // The totals' last line: nothing left undecided.
    assert!(
        table.contains(r#"<td>未决定</td><td class="number">0</td>"#),
        "every comment decided: {table}"
    );
    shoot(&browser, "table");

    // The CSV the office files, downloaded in the same session.
    browser.click(&browser.find(r#"a[href$="table.csv"]"#));
    let csv = browser.downloaded("意见采纳情况表.csv");
    let text = String::from_utf8(csv).expect("UTF-8");
    assert!(
        text.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets: {text}"
    );
    let rows: Vec<&str> = text.lines().collect();
    let adopted = rows
        .iter()
        .find(|row| row.contains("建议增加海外仓，并明确布局城市。"))
        .unwrap_or_else(|| panic!("the decided comment's row: {text}"));
    assert!(adopted.contains("部分采纳") && adopted.contains("海外仓布局另行研究"));
    assert!(
        rows.iter()
            .any(|row| row.contains("建议各措施明确责任单位。"))
    );
}
