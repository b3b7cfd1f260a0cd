//! The drafters' desk through the real app: signing in with a staff token once and working in
//! a session held by a cookie, the round at a glance, the draft with its comments, and a
//! decision recorded in place.

use actix_web::test::TestRequest;
use consult::domain::comment::CommentKind::{Amend, General};
use consult::domain::role::Role;

use crate::support::fixture::Comment;
use crate::support::{Response, TestApp, engine_tests};

engine_tests!(
    a_drafter_signs_in_once_and_signing_out_ends_the_session,
    agencies_and_unknown_tokens_do_not_sign_in,
    wrong_tokens_at_the_sign_in_are_limited_per_address,
    a_session_ends_with_its_token_and_when_it_expires,
    the_draft_shows_each_comment_beside_its_clause_and_decides_in_place,
    the_ledger_shows_the_letters_reminders_and_notices_that_went_out,
    a_group_is_renamed_emptied_and_dissolved_at_the_desk,
    publishing_at_the_desk_is_confirmed_and_gives_the_table_and_its_downloads,
);

/// A browser at the desk: the session cookie and the page's CSRF token.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

/// The value of the first field `name` of a page's forms.
fn field_of(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("a form with {name}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .expect("its value")
        .to_owned()
}

/// The CSRF token of a page's forms.
fn csrf_of(page: &str) -> String {
    field_of(page, "csrf")
}

fn text(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).to_string()
}

/// `name=value` of the cookie the response sets, and the whole header.
fn set_cookie(response: &Response, name: &str) -> Option<(String, String)> {
    response
        .headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            (
                v.split(';').next().unwrap_or_default().to_owned(),
                v.to_owned(),
            )
        })
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        out.append_pair(name, value);
    }
    out.finish()
}

/// Fills in and sends the sign-in form with `token`.
async fn signing_in(app: &TestApp, token: &str) -> Response {
    signing_in_from(app, token, None).await
}

/// Fills in and sends the sign-in form with `token`, from `address` when given.
async fn signing_in_from(app: &TestApp, token: &str, address: Option<&str>) -> Response {
    let at = |request: TestRequest| match address {
        Some(address) => request.peer_addr(address.parse().expect("an address")),
        None => request,
    };
    let page = app.send(at(TestRequest::get().uri("/desk/sign-in"))).await;
    assert_eq!(page.status, 200);
    let (pairing, _) = set_cookie(&page, "consult_sign_in").expect("the form's cookie");
    let csrf = csrf_of(&text(&page));
    app.send(
        at(TestRequest::post())
            .uri("/desk/sign-in")
            .insert_header(("Cookie", pairing))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(form(&[("token", token), ("csrf", &csrf)])),
    )
    .await
}

impl<'a> Browser<'a> {
    async fn sign_in(app: &'a TestApp, token: &str) -> Browser<'a> {
        let answer = signing_in(app, token).await;
        assert_eq!(answer.status, 303, "{}", text(&answer));
        assert_eq!(answer.header("location"), Some("/desk"));
        let (cookie, whole) = set_cookie(&answer, "consult_session").expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/desk", "Max-Age=43200"] {
            assert!(whole.contains(attribute), "{whole}");
        }
        assert!(!whole.contains("Secure"), "not over plain HTTP: {whole}");
        assert!(!cookie.contains(token), "the cookie is not the token");
        let mut browser = Browser {
            app,
            cookie,
            csrf: String::new(),
        };
        let home = browser.get("/desk").await;
        assert_eq!(home.status, 200, "{}", text(&home));
        browser.csrf = csrf_of(&text(&home));
        browser
    }

    async fn get(&self, path: &str) -> Response {
        self.app
            .send(
                TestRequest::get()
                    .uri(path)
                    .insert_header(("Cookie", self.cookie.clone())),
            )
            .await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.app
            .send(
                TestRequest::post()
                    .uri(path)
                    .insert_header(("Cookie", self.cookie.clone()))
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .set_payload(form(fields)),
            )
            .await
    }
}

async fn a_drafter_signs_in_once_and_signing_out_ends_the_session(app: TestApp) {
    app.seed();
    app.fixture().demo_round();
    let drafter = app.staff_token(Role::Drafter);
    let browser = Browser::sign_in(&app, &drafter).await;
    let home = browser.get("/desk").await;
    let page = text(&home);
    assert!(
        page.contains("关于促进杭州市生产性服务业高质量发展的若干举措"),
        "{page}"
    );
    assert!(page.contains("测试人员"), "the header names the person");
    assert_eq!(home.header("cache-control"), Some("no-store"));
    let policy = home.header("content-security-policy").expect("a policy");
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    // The database holds the session's hash, never its secret.
    let secret = browser
        .cookie
        .trim_start_matches("consult_session=")
        .to_owned();
    let stored: Vec<String> = app
        .db()
        .read_now(|conn| -> Result<_, consult::service::error::ServiceError> {
            use consult::db::schema::desk_sessions as s;
            use diesel::prelude::*;
            Ok(s::table.select(s::id_hash).load(conn)?)
        })
        .expect("sessions");
    assert_eq!(stored, [consult::domain::token::hash(&secret)]);
    // The stylesheet may be kept; it is the same for everyone.
    let style = app
        .send(TestRequest::get().uri("/desk/static/desk.css"))
        .await;
    assert_eq!(style.status, 200);
    assert!(
        style
            .header("cache-control")
            .is_some_and(|c| c.contains("max-age"))
    );

    // Signing out needs the page's CSRF token, and then ends the session for good.
    let forged = browser.post("/desk/sign-out", &[("csrf", "guessed")]).await;
    assert_eq!(forged.status, 403);
    let out = browser
        .post("/desk/sign-out", &[("csrf", &browser.csrf)])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/desk/sign-in"));
    let after = browser.get("/desk").await;
    assert_eq!(after.status, 303, "the old cookie opens nothing");
    assert_eq!(after.header("location"), Some("/desk/sign-in"));
}

async fn agencies_and_unknown_tokens_do_not_sign_in(app: TestApp) {
    app.seed();
    let clerk = app.agency_token("xihu");
    let refused = signing_in(&app, &clerk).await;
    assert_eq!(refused.status, 401);
    assert!(text(&refused).contains("工作台只供本机关工作人员登录"));
    assert!(set_cookie(&refused, "consult_session").is_none());
    let unknown = signing_in(&app, "cst_not-a-token").await;
    assert_eq!(unknown.status, 401);
    assert!(text(&unknown).contains("令牌无效"));
    // A form posted from elsewhere lacks the cookie its token pairs with.
    let drafter = app.staff_token(Role::Drafter);
    let forged = app
        .send(
            TestRequest::post()
                .uri("/desk/sign-in")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(form(&[("token", &drafter), ("csrf", "x")])),
        )
        .await;
    assert_eq!(forged.status, 403);
    // Without a session every page sends the browser to sign in.
    for path in ["/desk", "/desk/rounds/any", "/desk/rounds/any/draft"] {
        let page = app.send(TestRequest::get().uri(path)).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.header("location"), Some("/desk/sign-in"));
    }
    let decided = app
        .send(
            TestRequest::post()
                .uri("/desk/comments/any/decision")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("csrf=x"),
        )
        .await;
    assert_eq!(decided.status, 303);
}

async fn wrong_tokens_at_the_sign_in_are_limited_per_address(mut app: TestApp) {
    use consult::limits::{RateLimits, RatePolicy};
    use std::num::NonZeroU32;

    app.state.limits = std::sync::Arc::new(RateLimits::new(RatePolicy {
        per_address: None,
        per_token: None,
        failed_authentication: NonZeroU32::new(3),
    }));
    let guessed = "cst_000000000000000000000000000000000000000000";
    for _ in 0..3 {
        let answer = signing_in_from(&app, guessed, Some("10.0.0.5:1")).await;
        assert_eq!(answer.status, 401, "{}", text(&answer));
    }
    let limited = signing_in_from(&app, guessed, Some("10.0.0.5:1")).await;
    assert_eq!(limited.status, 429);
    assert!(
        text(&limited).contains("尝试次数过多"),
        "{}",
        text(&limited)
    );
    assert_eq!(
        signing_in_from(&app, guessed, Some("10.0.0.6:1"))
            .await
            .status,
        401,
        "another address is not held back"
    );
    // As at the API, the limit slows down guessing, and a person's own token still works.
    let drafter = app.staff_token(Role::Drafter);
    assert_eq!(
        signing_in_from(&app, &drafter, Some("10.0.0.5:1"))
            .await
            .status,
        303
    );
}

async fn a_session_ends_with_its_token_and_when_it_expires(app: TestApp) {
    app.seed();
    let drafter = app.staff_token(Role::Drafter);
    let browser = Browser::sign_in(&app, &drafter).await;
    consult::cli::revoke_token(app.db(), &app.token_id(&drafter), app.clock.now()).expect("revoke");
    assert_eq!(
        browser.get("/desk").await.status,
        303,
        "a revoked token's session"
    );

    let other = app.staff_token(Role::Admin);
    let browser = Browser::sign_in(&app, &other).await;
    app.clock.advance(chrono::Duration::hours(11));
    assert_eq!(browser.get("/desk").await.status, 200);
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        browser.get("/desk").await.status,
        303,
        "past its twelve hours"
    );
}

async fn the_draft_shows_each_comment_beside_its_clause_and_decides_in_place(app: TestApp) {
    app.seed();
    let fixture = app.fixture();
    let round = fixture.demo_round();
    fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(Amend, Some("m9"), "建议增加海外仓。")
                .quoting("跨境电商")
                .proposing("做优做强跨境电商，布局建设海外仓。"),
            Comment::new(General, None, "建议各措施明确责任单位。"),
        ],
    );
    fixture.submitted(
        &round,
        "shangwu",
        vec![Comment::new(Amend, Some("ch1"), "目标值请核实。")],
    );
    let drafter = app.staff_token(Role::Drafter);
    let browser = Browser::sign_in(&app, &drafter).await;

    // The round at a glance: who answered, and the clauses with their comments.
    let glance = text(&browser.get(&format!("/desk/rounds/{round}")).await);
    assert!(
        glance.contains("市经信局") && glance.contains("已提出意见"),
        "{glance}"
    );
    assert!(
        glance.contains("待查阅"),
        "agencies that have not read the letter"
    );
    assert!(glance.contains(&format!("/desk/rounds/{round}/draft?clause=m9")));
    assert!(glance.contains("1 条意见") && glance.contains("1 条修改建议"));
    let m9_open = format!("/desk/rounds/{round}/draft?clause=m9&amp;decided=false");
    assert!(
        glance.contains(&format!(r#"href="{m9_open}">1 条未决定"#)),
        "{glance}"
    );

    // One measure: its text, its comment with the quote marked and the proposal as a
    // difference, and nothing of other clauses.
    let page = browser
        .get(&format!("/desk/rounds/{round}/draft?clause=m9"))
        .await;
    assert_eq!(page.status, 200, "{}", text(&page));
    let page = text(&page);
    assert!(page.contains("建议增加海外仓。"), "{page}");
    assert!(page.contains("<mark>跨境电商</mark>"), "{page}");
    assert!(
        page.contains("<ins>"),
        "the proposal as a difference: {page}"
    );
    assert!(!page.contains("目标值请核实。") && !page.contains("建议各措施明确责任单位。"));

    // The submitted comment's id, as its form names it.
    let action = page
        .split(r#"action="/desk/comments/"#)
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a decision form")
        .to_owned();
    let back = format!("/desk/rounds/{round}/draft?clause=m9");
    let decide = |outcome: &'static str, reason: &'static str, base: &'static str| {
        let (browser, action, back) = (&browser, action.clone(), back.clone());
        async move {
            browser
                .post(
                    &format!("/desk/comments/{action}/decision"),
                    &[
                        ("csrf", &browser.csrf),
                        ("base", base),
                        ("back", &back),
                        ("outcome", outcome),
                        ("reason", reason),
                    ],
                )
                .await
        }
    };
    let no_reason = decide("not_adopted", "", "0").await;
    assert_eq!(no_reason.status, 422);
    assert!(text(&no_reason).contains("须写明理由"));
    let decided = decide("adopted", "", "0").await;
    assert_eq!(decided.status, 303, "{}", text(&decided));
    assert_eq!(
        decided.header("location"),
        Some(format!("{back}#c-{action}").as_str())
    );
    let page = text(&browser.get(&back).await);
    assert!(
        page.contains(r#"<span class="outcome">采纳</span>"#),
        "{page}"
    );
    let glance = text(&browser.get(&format!("/desk/rounds/{round}")).await);
    assert!(!glance.contains(&m9_open), "nothing left to decide on m9");
    assert!(glance.contains("1 条未决定"), "商务局's on chapter one");
    // Found by its outcome, and not among the stale ones.
    let adopted = text(
        &browser
            .get(&format!("/desk/rounds/{round}/draft?decided=adopted"))
            .await,
    );
    assert!(adopted.contains("建议增加海外仓。"), "{adopted}");
    assert!(!adopted.contains("目标值请核实。"), "{adopted}");
    let stale = text(
        &browser
            .get(&format!("/desk/rounds/{round}/draft?decided=stale"))
            .await,
    );
    assert!(!stale.contains("建议增加海外仓。"), "{stale}");
    // A form read before that decision does not overwrite it.
    let stale = decide("noted", "已知悉", "0").await;
    assert_eq!(stale.status, 409);
    assert!(text(&stale).contains("有人刚刚修改"));
    let forged = browser
        .post(
            &format!("/desk/comments/{action}/decision"),
            &[
                ("csrf", "x"),
                ("base", "1"),
                ("back", &back),
                ("outcome", "noted"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Given to the drafter, with a note the agencies never see.
    let me = app.person_id(&drafter);
    let assigned = browser
        .post(
            &format!("/desk/comments/{action}/assignee"),
            &[("csrf", &browser.csrf), ("back", &back), ("person_id", &me)],
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", text(&assigned));
    let noted = browser
        .post(
            &format!("/desk/comments/{action}/notes"),
            &[
                ("csrf", &browser.csrf),
                ("back", &back),
                ("body", "与商务局核对口径"),
            ],
        )
        .await;
    assert_eq!(noted.status, 303, "{}", text(&noted));
    // A form sends the browser back to the desk page it came from, and nowhere else.
    for hostile in [
        "https://evil.example/",
        "//evil.example/desk/",
        "/desk//evil.example",
        "/desk/x\r\nSet-Cookie: a=b",
    ] {
        let sent = browser
            .post(
                &format!("/desk/comments/{action}/notes"),
                &[("csrf", &browser.csrf), ("back", hostile), ("body", "核对")],
            )
            .await;
        assert_eq!(sent.status, 303, "{hostile:?}");
        assert_eq!(
            sent.header("location"),
            Some(format!("/desk#c-{action}").as_str()),
            "{hostile:?}"
        );
    }
    let blank = browser
        .post(
            &format!("/desk/comments/{action}/notes"),
            &[("csrf", &browser.csrf), ("back", &back), ("body", "  ")],
        )
        .await;
    assert_eq!(blank.status, 422);
    let page = text(&browser.get(&back).await);
    assert!(page.contains("与商务局核对口径"), "{page}");
    assert!(
        page.contains(&format!(r#"<option value="{me}" selected>"#)),
        "{page}"
    );
    let mine = app
        .items(
            &format!("/api/v1/rounds/{round}/comments?assignee=me"),
            Some(&drafter),
        )
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "the queue agrees");

    // Still to decide: the general comment and 商务局's, not the decided one.
    let open = text(
        &browser
            .get(&format!("/desk/rounds/{round}/draft?decided=false"))
            .await,
    );
    assert!(open.contains("建议各措施明确责任单位。") && open.contains("目标值请核实。"));
    assert!(!open.contains("建议增加海外仓。"), "{open}");

    // The two still to decide, ticked and made one group of like comments, decided once.
    let ticked: Vec<String> = open
        .split(r#"name="comment_ids" value=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    assert_eq!(ticked.len(), 2, "{open}");
    let undecided = format!("/desk/rounds/{round}/draft?decided=false");
    let grouped = browser
        .post(
            &format!("/desk/rounds/{round}/groups"),
            &[
                ("csrf", &browser.csrf),
                ("back", &undecided),
                ("title", "明确口径与责任"),
                ("comment_ids", &ticked[0]),
                ("comment_ids", &ticked[1]),
            ],
        )
        .await;
    assert_eq!(grouped.status, 303, "{}", text(&grouped));
    let open = text(&browser.get(&undecided).await);
    assert!(
        open.contains("同类意见组：<strong>明确口径与责任</strong>"),
        "{open}"
    );
    let group = open
        .split(r#"action="/desk/groups/"#)
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the group's decision form")
        .to_owned();
    let decided = browser
        .post(
            &format!("/desk/groups/{group}/decision"),
            &[
                ("csrf", &browser.csrf),
                ("base", "0"),
                ("back", &undecided),
                ("at", &ticked[0]),
                ("outcome", "noted"),
                ("reason", "在实施细则中明确"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", text(&decided));
    assert_eq!(
        decided.header("location"),
        Some(format!("{undecided}#c-{}", ticked[0]).as_str())
    );
    assert!(text(&browser.get(&undecided).await).contains("没有符合条件的意见"));
}

/// The demo round with 经信局's one general comment submitted, and a drafter's token.
fn demo_with_a_general_comment(app: &TestApp) -> (String, String) {
    app.seed();
    let fixture = app.fixture();
    let round = fixture.demo_round();
    fixture.submitted(
        &round,
        "jingxin",
        vec![Comment::new(General, None, "建议各措施明确责任单位。")],
    );
    (round, app.staff_token(Role::Drafter))
}

/// The ledger's line for the agency named `name` on the round's page.
fn ledger_line(page: &str, name: &str) -> String {
    page.split("<tr>")
        .find(|row| row.contains(name))
        .unwrap_or_default()
        .to_owned()
}

async fn the_ledger_shows_the_letters_reminders_and_notices_that_went_out(app: TestApp) {
    use crate::support::smtp::{Receiver, deliver};
    use consult::service::reminding;

    let (round, drafter) = demo_with_a_general_comment(&app);
    let browser = Browser::sign_in(&app, &drafter).await;
    let glance = || async { text(&browser.get(&format!("/desk/rounds/{round}")).await) };

    let before = glance().await;
    assert!(
        ledger_line(&before, "市商务局").contains("待发送"),
        "{before}"
    );
    let receiver = Receiver::start();
    assert_eq!(
        deliver(&app, &receiver, None),
        31,
        "the demo round's 30 letters and 经信局's receipt"
    );
    let sent = ledger_line(&glance().await, "市商务局");
    assert!(sent.contains("已发，20"), "{sent}");
    assert!(
        !sent.contains("待发送") && !sent.contains("已催办"),
        "{sent}"
    );

    // A reminder before the deadline and a notice after it, to those who have not answered.
    let deadline = app
        .db()
        .read_now({
            let round = round.clone();
            move |conn| -> Result<_, consult::service::error::ServiceError> {
                Ok(consult::db::round::find_round(conn, &round)?
                    .and_then(|r| r.deadline)
                    .expect("a deadline"))
            }
        })
        .expect("the round")
        .and_utc();
    for at in [
        deadline - chrono::Duration::hours(1),
        deadline + chrono::Duration::hours(1),
    ] {
        app.db()
            .write_now(|conn| reminding::tick(conn, at))
            .expect("tick");
        app.clock.set(at);
        assert!(deliver(&app, &receiver, None) > 0);
    }
    // Days later: the morning's session has lapsed.
    let browser = Browser::sign_in(&app, &drafter).await;
    let after = text(&browser.get(&format!("/desk/rounds/{round}")).await);
    let waiting = ledger_line(&after, "市商务局");
    assert!(
        waiting.contains("已催办") && waiting.contains("已发逾期通知"),
        "{waiting}"
    );
    let answered = ledger_line(&after, "市经信局");
    assert!(
        !answered.contains("已催办") && !answered.contains("逾期通知"),
        "an agency that answered is not chased: {answered}"
    );
}

async fn a_group_is_renamed_emptied_and_dissolved_at_the_desk(app: TestApp) {
    app.seed();
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let mut ids = fixture.submitted(
        &round,
        "jingxin",
        vec![
            Comment::new(General, None, "建议各措施明确责任单位。"),
            Comment::new(General, None, "建议明确牵头部门。"),
        ],
    );
    ids.extend(fixture.submitted(
        &round,
        "shangwu",
        vec![Comment::new(General, None, "各项任务宜落实到单位。")],
    ));
    let drafter = app.staff_token(Role::Drafter);
    let browser = Browser::sign_in(&app, &drafter).await;
    let page = format!("/desk/rounds/{round}/draft");
    let made = browser
        .post(
            &format!("/desk/rounds/{round}/groups"),
            &[
                ("csrf", &browser.csrf),
                ("back", &page),
                ("title", "明确责任单位"),
                ("comment_ids", &ids[0]),
                ("comment_ids", &ids[1]),
                ("comment_ids", &ids[2]),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", text(&made));
    let shown = text(&browser.get(&page).await);
    let group = shown
        .split(r#"action="/desk/groups/"#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|action| !action.ends_with("/decision"))
        .expect("the group's forms")
        .to_owned();
    assert!(shown.contains("管理同类意见组"), "{shown}");
    // Each form is on the card of the comment it names, else of the first comment.
    let change = |fields: Vec<(&'static str, String)>| {
        let (browser, group, page) = (&browser, group.clone(), page.clone());
        let at = fields
            .iter()
            .find(|(name, _)| *name == "comment_id")
            .map_or(ids[0].clone(), |(_, id)| id.clone());
        async move {
            let mut form: Vec<(&str, String)> =
                vec![("csrf", browser.csrf.clone()), ("back", page), ("at", at)];
            form.extend(fields);
            let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post(&format!("/desk/groups/{group}"), &borrowed)
                .await
        }
    };
    let members = || async {
        app.get(&format!("/api/v1/groups/{group}"), Some(&drafter))
            .await
    };

    // Renamed; a form read before that is refused, and a blank title is not taken.
    let renamed = change(vec![
        ("base", "1".into()),
        ("action", "rename".into()),
        ("title", "明确牵头和责任单位".into()),
    ])
    .await;
    assert_eq!(renamed.status, 303, "{}", text(&renamed));
    assert_eq!(members().await.json()["title"], "明确牵头和责任单位");
    let late = change(vec![
        ("base", "1".into()),
        ("action", "rename".into()),
        ("title", "别的组名".into()),
    ])
    .await;
    assert_eq!(late.status, 409);
    assert!(text(&late).contains("有人刚刚修改"), "{}", text(&late));
    let blank = change(vec![
        ("base", "2".into()),
        ("action", "rename".into()),
        ("title", "  ".into()),
    ])
    .await;
    assert_eq!(blank.status, 422);
    assert_eq!(members().await.json()["revision"], 2);

    // One comment out: it is decided on its own again; the last two stay together.
    let out = change(vec![
        ("base", "2".into()),
        ("action", "remove".into()),
        ("comment_id", ids[2].clone()),
    ])
    .await;
    assert_eq!(out.status, 303, "{}", text(&out));
    assert_eq!(
        out.header("location"),
        Some(format!("{page}#c-{}", ids[2]).as_str())
    );
    let view = members().await.json();
    assert_eq!(view["comment_ids"].as_array().map(Vec::len), Some(2));
    let alone = text(&browser.get(&page).await);
    assert!(
        alone.contains(&format!(r#"name="comment_ids" value="{}""#, ids[2])),
        "it can be ticked into a group again: {alone}"
    );
    let too_few = change(vec![
        ("base", "3".into()),
        ("action", "remove".into()),
        ("comment_id", ids[1].clone()),
    ])
    .await;
    assert_eq!(too_few.status, 422);

    // Dissolved while undecided; a decided group is not.
    let dissolved = change(vec![("base", "3".into()), ("action", "dissolve".into())]).await;
    assert_eq!(dissolved.status, 303, "{}", text(&dissolved));
    assert_eq!(members().await.status, 404);
    let again = fixture.grouped(&round, &[ids[0].clone(), ids[1].clone()]);
    fixture.decided_group(&again, consult::domain::decision::Outcome::Noted);
    let on_again = |csrf: String, action: &'static str| {
        let (browser, again, page, at) = (&browser, again.clone(), page.clone(), ids[0].clone());
        async move {
            browser
                .post(
                    &format!("/desk/groups/{again}"),
                    &[
                        ("csrf", &csrf),
                        ("back", &page),
                        ("at", &at),
                        ("base", "1"),
                        ("action", action),
                    ],
                )
                .await
        }
    };
    let decided = on_again(browser.csrf.clone(), "dissolve").await;
    assert_eq!(decided.status, 409);
    assert!(
        text(&decided).contains("这个组已有决定"),
        "{}",
        text(&decided)
    );
    let forged = on_again("x".into(), "dissolve").await;
    assert_eq!(forged.status, 403);
    let unknown = on_again(browser.csrf.clone(), "merge").await;
    assert_eq!(unknown.status, 400);
}

async fn publishing_at_the_desk_is_confirmed_and_gives_the_table_and_its_downloads(app: TestApp) {
    let (round, drafter) = demo_with_a_general_comment(&app);
    let browser = Browser::sign_in(&app, &drafter).await;
    let check = format!("/desk/rounds/{round}/check");
    let page = text(&browser.get(&check).await);
    assert!(page.contains("还没有下一版草案"), "{page}");

    // Version 2, written from the consulted text and published at the desk.
    let next = format!("/desk/rounds/{round}/next");
    let page = text(&browser.get(&next).await);
    let marker = r#"name="text" rows="24" required>"#;
    let start = page.find(marker).expect("the text") + marker.len();
    let consulted = page[start..].split("</textarea>").next().expect("the text");
    let consulted = consulted
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"");
    assert!(consulted.contains("做优做强跨境电商。"), "{consulted}");
    let written = consulted.replace("做优做强跨境电商。", "做优做强跨境电商，布局建设海外仓。");
    let saved = browser
        .post(
            &next,
            &[
                ("csrf", &browser.csrf),
                ("label", "送审稿"),
                ("text", &written.replace('\n', "\r\n")),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", text(&saved));
    let page = text(&browser.get(&next).await);
    assert!(
        page.contains("发布这一版") && page.contains("<ins>，布局建设海外仓</ins>"),
        "{page}"
    );
    let stale = browser
        .post(
            &format!("{next}/publish"),
            &[
                ("csrf", &browser.csrf),
                ("base", "99"),
                ("placeholder_override", "待核定"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "a form read before a change");
    let revision = field_of(&page, "base");
    let published = browser
        .post(
            &format!("{next}/publish"),
            &[
                ("csrf", &browser.csrf),
                ("base", &revision),
                ("placeholder_override", "待核定"),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", text(&published));
    assert!(text(&browser.get(&next).await).contains("已发布"));

    // The general comment, adopted at the desk and linked to clauses of version 2 that carry it.
    let draft = format!("/desk/rounds/{round}/draft");
    let page = text(&browser.get(&draft).await);
    assert!(page.contains("落实在下一版的条文"), "{page}");
    let comment = page
        .split(r#"action="/desk/comments/"#)
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the decision form")
        .to_owned();
    let offered: Vec<String> = page
        .split(r#"name="clause_keys""#)
        .nth(1)
        .expect("the next version's clauses")
        .split("</select>")
        .next()
        .unwrap_or_default()
        .split(r#"<option value=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    assert!(offered.len() > 2, "{offered:?}");
    let link = |base: &'static str, keys: Vec<String>| {
        let (browser, comment, draft) = (&browser, comment.clone(), draft.clone());
        async move {
            let mut form: Vec<(&str, String)> = vec![
                ("csrf", browser.csrf.clone()),
                ("base", base.into()),
                ("back", draft),
                ("outcome", "adopted".into()),
                ("reason", String::new()),
                ("linking", "1".into()),
            ];
            form.extend(keys.into_iter().map(|k| ("clause_keys", k)));
            let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post(&format!("/desk/comments/{comment}/decision"), &borrowed)
                .await
        }
    };
    let decision = format!("/api/v1/comments/{comment}/decision");
    let linked = link("0", offered[1..3].to_vec()).await;
    assert_eq!(linked.status, 303, "{}", text(&linked));
    assert_eq!(
        app.get(&decision, Some(&drafter)).await.json()["clause_keys"],
        serde_json::json!(offered[1..3])
    );
    let page = text(&browser.get(&draft).await);
    assert!(
        page.contains(&format!(r#"<option value="{}" selected>"#, offered[2])),
        "{page}"
    );
    let relinked = link("1", vec![offered[1].clone()]).await;
    assert_eq!(relinked.status, 303, "{}", text(&relinked));
    assert_eq!(
        app.get(&decision, Some(&drafter)).await.json()["clause_keys"],
        serde_json::json!([offered[1]])
    );

    // A form read before version 2 was written does not make a version 3 from the old text.
    let late = browser
        .post(
            &next,
            &[
                ("csrf", &browser.csrf),
                ("label", "送审稿"),
                ("text", &written),
            ],
        )
        .await;
    assert_eq!(late.status, 409);

    // Closed first, then published only when confirmed, and with a reason for what is open.
    let page = text(&browser.get(&check).await);
    assert!(
        page.contains("对照第2版") && page.contains("征求尚未截止"),
        "{page}"
    );
    let closed = browser
        .post(
            &format!("/desk/rounds/{round}/close"),
            &[
                ("csrf", &browser.csrf),
                ("base", &field_of(&page, "base")),
                ("reason", "汇总完毕"),
            ],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", text(&closed));
    let page = text(&browser.get(&check).await);
    assert!(page.contains("发布决定"), "{page}");
    let publish = format!("/desk/rounds/{round}/publish");
    let revision = field_of(&page, "base");
    let unconfirmed = browser
        .post(&publish, &[("csrf", &browser.csrf), ("base", &revision)])
        .await;
    assert_eq!(unconfirmed.status, 422);
    let forged = browser
        .post(
            &publish,
            &[("csrf", "x"), ("base", &revision), ("confirm", "yes")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let done = browser
        .post(
            &publish,
            &[
                ("csrf", &browser.csrf),
                ("base", &revision),
                ("confirm", "yes"),
                ("override_reason", "其余意见另行研究"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", text(&done));
    assert_eq!(
        done.header("location"),
        Some(format!("/desk/rounds/{round}/table").as_str())
    );
    let table = browser.get(&format!("/desk/rounds/{round}/table")).await;
    assert_eq!(table.status, 200);
    let table = text(&table);
    assert!(
        table.contains("已发布") && table.contains("建议各措施明确责任单位。"),
        "{table}"
    );
    assert!(table.trim_end().ends_with("</html>"), "the page is whole");
    let csv = browser
        .get(&format!("/desk/rounds/{round}/table.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.contains("adoption-table.csv"))
    );
    assert!(text(&csv).contains("建议各措施明确责任单位。"));
    let xlsx = browser
        .get(&format!("/desk/rounds/{round}/table.xlsx"))
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "a workbook");
    // Without a session, no download.
    let anonymous = app
        .send(TestRequest::get().uri(&format!("/desk/rounds/{round}/table.csv")))
        .await;
    assert_eq!(anonymous.status, 303);
}
