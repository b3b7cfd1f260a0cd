//! The authorization matrix: every served route, called by every kind of caller, on one
//! agency's objects and on another's. A route served without an entry here fails; the table
//! in docs/authorization.md is this matrix rendered, and fails when the two differ.

use actix_web::test::TestRequest;
use chrono::Duration;
use consult::cli::{self, TokenHolder};
use consult::domain::comment::CommentKind;
use consult::domain::role::Role;
use consult::routes::SERVED;
use serde_json::json;

use crate::support::fixture::Comment;
use crate::support::{TestApp, engine_tests, with_token};

/// What a caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    /// Anyone, with or without a token: 200.
    Open,
    /// Anyone, with or without a token, is let through: not 401, 403 or 404.
    Anyone,
    /// Let through: whatever the answer, it is not 401, 403 or 404.
    Yes,
    /// 403: the caller's role may not.
    Forbidden,
    /// 404: the object is not the caller's to see.
    Hidden,
}

use Cell::{Anyone as A, Forbidden as F, Hidden as H, Open as O, Yes as Y};

impl Cell {
    fn shown(self) -> &'static str {
        match self {
            Cell::Open => "200",
            Cell::Anyone => "anyone",
            Cell::Yes => "yes",
            Cell::Forbidden => "403",
            Cell::Hidden => "404",
        }
    }

    fn holds(self, status: u16) -> bool {
        match self {
            Cell::Open => status == 200,
            Cell::Yes | Cell::Anyone => ![401, 403, 404].contains(&status),
            Cell::Forbidden => status == 403,
            Cell::Hidden => status == 404,
        }
    }
}

/// Route, then what an admin, a drafter, an agency on its own objects and an agency on another
/// agency's objects get. No token, an expired one and a revoked one get 401 everywhere but on
/// the open routes.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [Cell; 4])] = &[
    ("GET", "/healthz", [O, O, O, O]),
    ("GET", "/readyz", [O, O, O, O]),
    ("GET", "/metrics", [O, O, O, O]),
    ("GET", "/api/v1/openapi.json", [O, O, O, O]),
    ("GET", "/api/v1/me", [Y, Y, Y, Y]),
    ("GET", "/api/v1/tokens", [Y, F, F, F]),
    ("POST", "/api/v1/tokens", [Y, F, F, F]),
    ("POST", "/api/v1/tokens/{id}/revoke", [Y, F, F, F]),
    ("POST", "/api/v1/claims", [A, A, A, A]),
    ("GET", "/api/v1/people", [Y, Y, F, F]),
    ("POST", "/api/v1/people", [Y, F, F, F]),
    ("GET", "/api/v1/people/{id}", [Y, Y, F, F]),
    ("PATCH", "/api/v1/people/{id}", [Y, F, F, F]),
    ("POST", "/api/v1/people/{id}/retire", [Y, F, F, F]),
    ("GET", "/api/v1/receipts/{number}", [Y, Y, Y, H]),
    ("GET", "/api/v1/agencies", [Y, Y, Y, Y]),
    ("POST", "/api/v1/agencies", [Y, Y, F, F]),
    ("GET", "/api/v1/agencies/{id}", [Y, Y, Y, H]),
    ("PATCH", "/api/v1/agencies/{id}", [Y, Y, F, H]),
    ("GET", "/api/v1/audit", [Y, F, F, F]),
    ("GET", "/api/v1/calendar", [Y, Y, Y, Y]),
    ("POST", "/api/v1/calendar", [Y, F, F, F]),
    ("GET", "/api/v1/calendar/{year}", [Y, Y, Y, Y]),
    ("GET", "/api/v1/documents", [Y, Y, Y, Y]),
    ("POST", "/api/v1/documents", [Y, Y, F, F]),
    ("GET", "/api/v1/documents/{id}", [Y, Y, Y, H]),
    ("POST", "/api/v1/documents/{id}/versions", [Y, Y, F, H]),
    ("POST", "/api/v1/documents/{id}/versions/preview", [Y, Y, F, H]),
    ("GET", "/api/v1/documents/{id}/versions/{n}", [Y, Y, Y, H]),
    ("PATCH", "/api/v1/documents/{id}/versions/{n}", [Y, Y, F, H]),
    ("POST", "/api/v1/documents/{id}/versions/{n}/publish", [Y, Y, F, H]),
    ("GET", "/api/v1/documents/{id}/diff", [Y, Y, Y, H]),
    ("GET", "/api/v1/rounds", [Y, Y, Y, Y]),
    ("POST", "/api/v1/rounds", [Y, Y, F, F]),
    ("GET", "/api/v1/rounds/{id}", [Y, Y, Y, H]),
    ("PATCH", "/api/v1/rounds/{id}", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/open", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/close", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/reopen", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/recount", [Y, F, F, F]),
    ("GET", "/api/v1/rounds/{id}/requests", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/requests", [Y, Y, F, F]),
    ("GET", "/api/v1/requests", [Y, Y, Y, Y]),
    ("GET", "/api/v1/requests/{id}", [Y, Y, Y, H]),
    ("GET", "/api/v1/requests/{id}/replies", [Y, Y, Y, H]),
    ("POST", "/api/v1/requests/{id}/no-comments", [Y, Y, Y, H]),
    ("POST", "/api/v1/requests/{id}/withdraw", [Y, Y, Y, H]),
    ("POST", "/api/v1/requests/{id}/extension", [Y, Y, F, F]),
    ("POST", "/api/v1/requests/{id}/cancel", [Y, Y, F, F]),
    ("POST", "/api/v1/requests/{id}/claim-code", [Y, F, F, F]),
    ("GET", "/api/v1/requests/{id}/attachments", [Y, Y, Y, H]),
    ("POST", "/api/v1/requests/{id}/attachments", [Y, Y, Y, H]),
    ("GET", "/api/v1/attachments/{id}", [Y, Y, Y, H]),
    ("POST", "/api/v1/requests/{id}/submit", [Y, Y, Y, H]),
    ("GET", "/api/v1/requests/{id}/comments", [Y, Y, Y, H]),
    ("GET", "/api/v1/requests/{id}/replies/{revision}/comments", [Y, Y, Y, H]),
    ("GET", "/api/v1/rounds/{id}/comments", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/comments", [Y, Y, Y, H]),
    ("GET", "/api/v1/rounds/{id}/clauses", [Y, Y, F, F]),
    ("GET", "/api/v1/rounds/{id}/groups", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/groups", [Y, Y, F, F]),
    ("GET", "/api/v1/rounds/{id}/check", [Y, Y, F, F]),
    ("POST", "/api/v1/rounds/{id}/decisions/publish", [Y, Y, F, F]),
    ("GET", "/api/v1/rounds/{id}/carried", [Y, Y, Y, H]),
    ("GET", "/api/v1/rounds/{id}/report", [Y, Y, Y, H]),
    ("POST", "/api/v1/rounds/{id}/follow-up", [Y, Y, F, F]),
    ("GET", "/api/v1/outbox", [Y, Y, F, F]),
    ("POST", "/api/v1/outbox/{id}/retry", [Y, Y, F, F]),
    ("GET", "/api/v1/comments/{id}", [Y, Y, Y, H]),
    ("PATCH", "/api/v1/comments/{id}", [H, H, Y, H]),
    ("DELETE", "/api/v1/comments/{id}", [H, H, Y, H]),
    ("GET", "/api/v1/comments/{id}/decision", [Y, Y, H, H]),
    ("PUT", "/api/v1/comments/{id}/decision", [Y, Y, F, F]),
    ("PUT", "/api/v1/comments/{id}/assignee", [Y, Y, F, F]),
    ("GET", "/api/v1/comments/{id}/notes", [Y, Y, F, F]),
    ("POST", "/api/v1/comments/{id}/notes", [Y, Y, F, F]),
    ("GET", "/api/v1/groups/{id}", [Y, Y, F, F]),
    ("PATCH", "/api/v1/groups/{id}", [Y, Y, F, F]),
    ("DELETE", "/api/v1/groups/{id}", [Y, Y, F, F]),
    ("GET", "/api/v1/groups/{id}/decision", [Y, Y, F, F]),
    ("PUT", "/api/v1/groups/{id}/decision", [Y, Y, F, F]),
];

/// The ids a route's path takes, for one agency's objects.
#[derive(Clone)]
struct Objects {
    agency: String,
    document: String,
    round: String,
    request: String,
    attachment: String,
    /// The agency's own copy of a comment (what `/comments/{id}` takes), and the submitted
    /// comment the office decides (what its decision, assignee and notes take).
    comment: String,
    submitted: String,
    group: String,
    outbox: String,
    /// A token made to be revoked, and a person to be retired.
    token: String,
    person: String,
    /// The receipt of the agency's submission.
    receipt: String,
}

impl Objects {
    fn path(&self, path: &str) -> String {
        let id = if path.starts_with("/api/v1/agencies/") {
            &self.agency
        } else if path.starts_with("/api/v1/documents/") {
            &self.document
        } else if path.starts_with("/api/v1/rounds/") {
            &self.round
        } else if path.starts_with("/api/v1/requests/") {
            &self.request
        } else if path.starts_with("/api/v1/attachments/") {
            &self.attachment
        } else if path == "/api/v1/comments/{id}" {
            &self.comment
        } else if path.starts_with("/api/v1/comments/") {
            &self.submitted
        } else if path.starts_with("/api/v1/groups/") {
            &self.group
        } else if path.starts_with("/api/v1/tokens/") {
            &self.token
        } else if path.starts_with("/api/v1/people/") {
            &self.person
        } else if path.starts_with("/api/v1/receipts/") {
            &self.receipt
        } else {
            &self.outbox
        };
        let uri = path
            .replace("{id}", id)
            .replace("{number}", id)
            .replace("{n}", "1")
            .replace("{year}", "2026")
            .replace("{revision}", "1");
        // Listings and the diff read their query before any object.
        match path {
            "/api/v1/requests" => format!("{uri}?round_id={}", self.round),
            "/api/v1/documents/{id}/diff" => format!("{uri}?from=1&to=1"),
            _ => uri,
        }
    }

    /// A body the route takes where it reads its body before the object it names; `{}` (which
    /// most routes refuse after authorizing, as 422) elsewhere.
    fn body(path: &str) -> serde_json::Value {
        match path {
            "/api/v1/rounds/{id}/comments" => json!({"kind": "general", "body": "矩阵"}),
            _ => json!({}),
        }
    }
}

const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";

async fn attachment(app: &TestApp, token: &str, request: &str) -> String {
    let uploaded = app
        .send(with_token(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/requests/{request}/attachments?filename=letter.pdf"
                ))
                .insert_header(("Content-Type", "application/pdf"))
                .set_payload(PDF),
            Some(token),
        ))
        .await;
    assert_eq!(uploaded.status, 201, "{:?}", uploaded.body);
    uploaded.json()["id"].as_str().expect("id").to_owned()
}

async fn request_of(app: &TestApp, token: &str, round: &str) -> String {
    app.get(&format!("/api/v1/requests?round_id={round}"), Some(token))
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("a request")
        .to_owned()
}

engine_tests!(every_route_answers_every_caller_as_the_matrix_says);

async fn every_route_answers_every_caller_as_the_matrix_says(app: TestApp) {
    app.seed();
    let admin = app.staff_token(Role::Admin);
    let drafter = app.staff_token(Role::Drafter);
    let (own, other) = (app.agency_token("xihu"), app.agency_token("jingxin"));
    let now = app.clock.now();
    let expiring = cli::create_token(
        app.db(),
        TokenHolder::Agency {
            code: "xihu".into(),
        },
        "过期",
        Some(&(now + Duration::hours(1)).to_rfc3339()),
        now,
    )
    .expect("token");
    let revoked = app.agency_token("xihu");
    let spare = app.token_id(&app.staff_token(Role::Drafter));
    let leaving = app.person_id(&app.staff_token(Role::Drafter));
    cli::revoke_token(app.db(), &app.token_id(&revoked), now).expect("revoke");

    // The demo round consults both; a second document's round consults only the other.
    let fixture = app.fixture();
    let round = fixture.demo_round();
    let document = app.get("/api/v1/documents", Some(&drafter)).await.json()["items"][0]["id"]
        .as_str()
        .expect("document")
        .to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("other.txt");
    std::fs::write(&file, "另一份文件\n一、总体要求\n1. 第一条措施。\n").expect("draft");
    cli::import_draft(
        app.db(),
        &file.display().to_string(),
        cli::ImportOptions {
            document: None,
            title: Some("另一份文件".into()),
            label: None,
            publish: true,
            placeholder_override: None,
        },
        now,
    )
    .expect("import");
    let listed = app.get("/api/v1/documents", Some(&drafter)).await.json();
    let other_document = listed["items"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] != document.as_str()))
        .and_then(|d| d["id"].as_str())
        .expect("the second document")
        .to_owned();
    let made = app
        .post(
            "/api/v1/rounds",
            Some(&drafter),
            &json!({"document_id": other_document, "version": 1, "title": "另一轮", "working_days": 5, "agencies": ["jingxin"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let other_round = made.json()["id"].as_str().expect("id").to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{other_round}/open"),
            Some(&drafter),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);

    let (own_request, other_request) = (
        request_of(&app, &own, &round).await,
        request_of(&app, &other, &other_round).await,
    );
    let own_file = attachment(&app, &own, &own_request).await;
    let other_file = attachment(&app, &other, &other_request).await;
    let own_comment = fixture.submitted(
        &round,
        "xihu",
        (1..=5)
            .map(|n| Comment::new(CommentKind::General, None, &format!("西湖区的第{n}条意见")))
            .collect(),
    );
    let other_comment = fixture.submitted(
        &other_round,
        "jingxin",
        vec![Comment::new(CommentKind::General, None, "经信局的意见")],
    );
    // The office's view of them: submitted copies, two groups (one for each staff caller to
    // delete) and a decision on the fifth.
    let queue = app
        .get(
            &format!("/api/v1/rounds/{round}/comments?agency=xihu"),
            Some(&drafter),
        )
        .await
        .json();
    let submitted: Vec<String> = queue["items"]
        .as_array()
        .expect("the queue")
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(submitted.len(), 5, "{queue}");
    let group = fixture.grouped(&round, &submitted[0..2]);
    let drafters_group = fixture.grouped(&round, &submitted[2..4]);
    fixture.decided_group(&group, consult::domain::decision::Outcome::Noted);
    fixture.decided_group(&drafters_group, consult::domain::decision::Outcome::Noted);
    fixture.decided(&submitted[4], consult::domain::decision::Outcome::Noted);
    let other_submitted = app
        .get(
            &format!("/api/v1/rounds/{other_round}/comments"),
            Some(&drafter),
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("the other agency's comment")
        .to_owned();
    let outbox = app
        .get("/api/v1/outbox?limit=1", Some(&drafter))
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("a queued letter")
        .to_owned();
    let (own_agency, other_agency) = (app.agency_id("xihu").await, app.agency_id("jingxin").await);
    let receipt_of = |request: &str| {
        app.db()
            .read_now(|conn| {
                consult::db::receipt::of_request(conn, request)
                    .map_err(consult::error::ApiError::from)
            })
            .expect("receipts")[0]
            .number
            .clone()
    };
    let (own_receipt, other_receipt) = (receipt_of(&own_request), receipt_of(&other_request));
    let objects = |mine: bool| Objects {
        agency: if mine { &own_agency } else { &other_agency }.clone(),
        document: if mine { &document } else { &other_document }.clone(),
        round: if mine { &round } else { &other_round }.clone(),
        request: if mine { &own_request } else { &other_request }.clone(),
        attachment: if mine { &own_file } else { &other_file }.clone(),
        comment: if mine {
            &own_comment[4]
        } else {
            &other_comment[0]
        }
        .clone(),
        submitted: if mine {
            &submitted[4]
        } else {
            &other_submitted
        }
        .clone(),
        group: group.clone(),
        outbox: outbox.clone(),
        token: spare.clone(),
        person: leaving.clone(),
        receipt: if mine { &own_receipt } else { &other_receipt }.clone(),
    };
    let (mine, theirs) = (objects(true), objects(false));
    let drafters = Objects {
        group: drafters_group,
        ..mine.clone()
    };
    app.clock.advance(Duration::hours(2));

    // Reads first, then changes, then what takes objects away (a withdrawn reply's comments
    // no longer stand): a change by one caller leaves the objects there for the next.
    let mut routes: Vec<(&str, &str)> = SERVED.to_vec();
    routes.sort_by_key(|(method, path)| match *method {
        "GET" => 0,
        "DELETE" => 2,
        _ if path.ends_with("/withdraw") => 2,
        _ => 1,
    });
    let mut wrong = Vec::new();
    let mut observed = Vec::new();
    for (method, path) in routes {
        let expected = MATRIX
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .map(|(_, _, cells)| *cells);
        let callers: [(&str, Option<&str>, &Objects); 7] = [
            ("no token", None, &mine),
            ("expired", Some(&expiring), &mine),
            ("revoked", Some(&revoked), &mine),
            ("admin", Some(&admin), &mine),
            ("drafter", Some(&drafter), &drafters),
            ("agency, own", Some(&own), &mine),
            ("agency, another's", Some(&own), &theirs),
        ];
        let mut seen = Vec::new();
        for (n, (who, token, objects)) in callers.into_iter().enumerate() {
            let request = TestRequest::default()
                .method(method.parse().expect("method"))
                .uri(&objects.path(path))
                .set_json(Objects::body(path));
            let status = app.send(with_token(request, token)).await.status.as_u16();
            seen.push(status);
            let Some(cells) = expected else { continue };
            let cell = match n {
                0..=2 if matches!(cells[0], Cell::Open | Cell::Anyone) => cells[0],
                0..=2 => {
                    if status != 401 {
                        wrong.push(format!("{method} {path} {who}: {status}, not 401"));
                    }
                    continue;
                }
                n => cells[n - 3],
            };
            if !cell.holds(status) {
                wrong.push(format!(
                    "{method} {path} {who}: {status}, not {}",
                    cell.shown()
                ));
            }
        }
        observed.push(format!("{method} {path} {seen:?}"));
        if expected.is_none() {
            wrong.push(format!("{method} {path}: no entry in the matrix"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n\nobserved:\n{}",
        wrong.join("\n"),
        observed.join("\n")
    );
}

/// The matrix as the table in docs/authorization.md.
fn rendered() -> String {
    let mut table = String::from(
        "| route | no token, expired, revoked | admin | drafter | agency, its own | agency, another's |\n\
         |---|---|---|---|---|---|\n",
    );
    for (method, path, cells) in MATRIX {
        let anonymous = match cells[0] {
            Cell::Open => "200",
            Cell::Anyone => "anyone",
            _ => "401",
        };
        table.push_str(&format!(
            "| `{method} {path}` | {anonymous} | {} | {} | {} | {} |\n",
            cells[0].shown(),
            cells[1].shown(),
            cells[2].shown(),
            cells[3].shown()
        ));
    }
    table
}

const BEGIN: &str = "<!-- the matrix, from tests/api/matrix.rs -->\n";
const END: &str = "<!-- end of the matrix -->\n";

/// docs/authorization.md shows the matrix as tested; `CONSULT_WRITE_DOCS=1` writes it there.
#[test]
fn the_documented_matrix_is_the_tested_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/authorization.md");
    let text = std::fs::read_to_string(&path).expect("docs/authorization.md");
    let (Some(start), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/authorization.md has no matrix between {BEGIN:?} and {END:?}");
    };
    let shown = &text[start + BEGIN.len()..end];
    if std::env::var("CONSULT_WRITE_DOCS").is_ok_and(|v| v == "1") {
        let written = format!("{}{BEGIN}{}{}", &text[..start], rendered(), &text[end..]);
        std::fs::write(&path, written).expect("write docs/authorization.md");
        return;
    }
    let expected = rendered();
    let differing: Vec<&str> = expected
        .lines()
        .filter(|line| !shown.lines().any(|l| l == *line))
        .chain(
            shown
                .lines()
                .filter(|line| !expected.lines().any(|l| l == *line)),
        )
        .collect();
    assert!(
        differing.is_empty() && shown == expected,
        "docs/authorization.md differs from the matrix (run the test with CONSULT_WRITE_DOCS=1):\n{}",
        differing.join("\n")
    );
}

/// The OpenAPI document lists, for each operation, the 403 and 404 the matrix says it answers.
#[test]
fn the_openapi_document_lists_what_the_matrix_answers() {
    let openapi = consult::routes::document().json().expect("document");
    let mut missing = Vec::new();
    for (method, path, cells) in MATRIX {
        let responses = &openapi["paths"][path][method.to_ascii_lowercase()]["responses"];
        for (cell, status) in [(Cell::Forbidden, "403"), (Cell::Hidden, "404")] {
            if cells.contains(&cell) && responses[status].is_null() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented:\n{}", missing.join("\n"));
}
