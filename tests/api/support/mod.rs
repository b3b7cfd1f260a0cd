//! The test harness: an app over a fresh database per test (a temporary SQLite file, or a
//! PostgreSQL database copied from a migrated template), a clock the test moves, and requests
//! through the real actix application.

pub mod browser;
pub mod fixture;
pub mod postgres;
pub mod proxy;
pub mod served;
pub mod smtp;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use consult::app;
use consult::cli::{self, TokenHolder};
use consult::clock::{Clock, ManualClock};
use consult::config::Config;
use consult::db::{Db, Engine};
use consult::domain::role::Role;
use consult::state::AppState;
use serde_json::Value;

/// Runs each listed test once on SQLite and once on PostgreSQL (when `TEST_DATABASE_URL` is set;
/// with `CI=true` a missing PostgreSQL fails the run). A test is an `async fn NAME(app: TestApp)`
/// written beside the list, where rustfmt formats it; it runs as `NAME::sqlite` and
/// `NAME::postgres`.
macro_rules! engine_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name(crate::support::TestApp::sqlite().await).await
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) = crate::support::TestApp::postgres().await {
                        super::$name(app).await
                    }
                }
            }
        )+
    };
}
pub(crate) use engine_tests;

/// A served route's path with ids that name nothing (the nil UUID, version 1, 2026).
pub fn nowhere(path: &str) -> String {
    path.replace("{id}", "00000000-0000-0000-0000-000000000000")
        .replace("{n}", "1")
        .replace("{year}", "2026")
        .replace("{revision}", "1")
}

/// Where the test clock starts: 9:00 in Shanghai on the day the demo round opened.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 30, 1, 0, 0)
        .single()
        .expect("valid instant")
}

/// The largest body the test app accepts.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The largest attachment the test app accepts.
pub const ATTACHMENT_LIMIT: usize = 256 * 1024;
/// Files a request may hold in tests, and their bytes: room for a few largest files.
pub const MAX_FILES_PER_REQUEST: u32 = 4;
pub const MAX_FILE_BYTES_PER_REQUEST: u64 = 3 * ATTACHMENT_LIMIT as u64;

/// The command `$variable` names, else `default` on the path, if it runs. A tool a test needs
/// is required when `CI=true` (`.ci/run` installs it); elsewhere the test is skipped with a
/// notice naming it.
pub fn required_tool(variable: &str, default: &str, tests: &str) -> Option<String> {
    let command = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    let found = std::process::Command::new(&command)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(command);
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "CI=true but {command} is not installed: .ci/run installs it"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "note: {command} is not installed; {tests} skipped"
    );
    None
}

/// A running application over its own database.
pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    /// The database's URL, for a test that connects on its own.
    pub url: String,
    // Dropped last: removes the database once nothing uses it.
    _store: Store,
}

/// Held only so that dropping it removes the database.
#[allow(dead_code)]
enum Store {
    Sqlite(tempfile::TempDir),
    Postgres(postgres::TestDatabase),
}

impl TestApp {
    /// An app over a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestApp::open(&url, Store::Sqlite(dir))
    }

    /// An app over a fresh PostgreSQL database, or `None` when no server is configured.
    pub async fn postgres() -> Option<TestApp> {
        let database = postgres::TestDatabase::create()?;
        let url = database.url.clone();
        Some(TestApp::open(&url, Store::Postgres(database)))
    }

    fn open(url: &str, store: Store) -> TestApp {
        let settings = [
            ("DATABASE_URL", url.to_owned()),
            ("CONSULT_BIND", "127.0.0.1:0".to_owned()),
            ("CONSULT_MAX_BODY_BYTES", BODY_LIMIT.to_string()),
            ("CONSULT_MAX_ATTACHMENT_BYTES", ATTACHMENT_LIMIT.to_string()),
            (
                "CONSULT_MAX_FILES_PER_REQUEST",
                MAX_FILES_PER_REQUEST.to_string(),
            ),
            (
                "CONSULT_MAX_FILE_BYTES_PER_REQUEST",
                MAX_FILE_BYTES_PER_REQUEST.to_string(),
            ),
            ("CONSULT_DB_POOL_SIZE", "4".to_owned()),
            ("CONSULT_WORKERS", "1".to_owned()),
            // Limits are tested where they are the subject; elsewhere a test sends what it needs.
            ("CONSULT_RATE_LIMIT_ADDRESS_PER_MINUTE", "0".to_owned()),
            ("CONSULT_RATE_LIMIT_TOKEN_PER_MINUTE", "0".to_owned()),
            ("CONSULT_RATE_LIMIT_FAILED_AUTH_PER_MINUTE", "0".to_owned()),
        ];
        let config = Config::from_vars(|name| {
            settings
                .iter()
                .find(|(setting, _)| *setting == name)
                .map(|(_, value)| value.clone())
        })
        .expect("test settings");
        let (db, _) =
            Db::open(&config.database_url, config.db_pool_size).expect("open test database");
        let clock = ManualClock::new(start_time());
        TestApp {
            state: AppState::new(db, Clock::Manual(clock.clone()), config),
            clock,
            url: url.to_owned(),
            _store: store,
        }
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Which engine this app runs on.
    pub fn engine(&self) -> Engine {
        self.state.db.engine()
    }

    /// Loads the demo agencies.
    pub fn seed(&self) {
        consult::seed::load_demo(self.db(), self.clock.now()).expect("demo data loads");
    }

    /// A new admin or drafter token.
    pub fn staff_token(&self, role: Role) -> String {
        cli::create_token(
            self.db(),
            TokenHolder::Staff { role, email: None },
            "测试人员",
            None,
            self.clock.now(),
        )
        .expect("token")
    }

    /// A new token for the agency with `code`.
    pub fn agency_token(&self, code: &str) -> String {
        cli::create_token(
            self.db(),
            TokenHolder::Agency {
                code: code.to_owned(),
            },
            "对接人",
            None,
            self.clock.now(),
        )
        .expect("agency token")
    }

    /// The token with this secret.
    fn token(&self, secret: &str) -> consult::db::token::TokenRow {
        let hash = consult::domain::token::hash(secret);
        let now = self.clock.now().naive_utc();
        self.db()
            .read_now(|conn| {
                consult::db::token::find_usable(conn, &hash, now)
                    .map_err(consult::error::ApiError::from)
            })
            .expect("token lookup")
            .expect("token exists")
            .0
    }

    /// The id of the token with this secret.
    pub fn token_id(&self, secret: &str) -> String {
        self.token(secret).id
    }

    /// The id of the person who holds the staff token with this secret.
    pub fn person_id(&self, secret: &str) -> String {
        self.token(secret).person_id.expect("a staff token")
    }

    /// Sends a request through the application.
    pub async fn send(&self, request: TestRequest) -> Response {
        let service = test::init_service(app::build(self.state.clone())).await;
        let response = test::call_service(&service, request.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        Response {
            status,
            headers,
            body,
        }
    }

    /// `GET path` with a token (or none).
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(with_token(TestRequest::get().uri(path), token))
            .await
    }

    /// The items of a listing that fits on its first page (`{items, next_page}`).
    /// The ids of every item of the listing at `path` (with its query), page by page.
    pub async fn every_id(&self, path: &str, token: Option<&str>) -> Vec<String> {
        let mut url = path.to_owned();
        let mut ids = Vec::new();
        loop {
            let page = self.get(&url, token).await.json();
            ids.extend(
                page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned)),
            );
            match page["next_page"].as_str() {
                Some(cursor) => url = format!("{path}&cursor={cursor}"),
                None => return ids,
            }
        }
    }

    pub async fn items(&self, path: &str, token: Option<&str>) -> Value {
        let response = self.get(path, token).await;
        assert_eq!(response.status, 200, "GET {path}");
        let page = response.json();
        assert!(
            page["next_page"].is_null(),
            "GET {path} has more than one page"
        );
        page["items"].clone()
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(with_token(TestRequest::post().uri(path), token).set_json(body))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(with_token(TestRequest::patch().uri(path), token).set_json(body))
            .await
    }

    /// The id of the demo agency with `code`.
    pub async fn agency_id(&self, code: &str) -> String {
        let token = self.staff_token(Role::Drafter);
        let page = self
            .get(&format!("/api/v1/agencies?q={code}"), Some(&token))
            .await
            .json();
        page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|a| a["code"] == code))
            .and_then(|a| a["id"].as_str())
            .expect("agency exists")
            .to_owned()
    }
}

/// Adds `Authorization: Bearer token`.
pub fn with_token(request: TestRequest, token: Option<&str>) -> TestRequest {
    match token {
        Some(token) => request.insert_header(("Authorization", format!("Bearer {token}"))),
        None => request,
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code; returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["code"], code, "problem: {body}");
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], format!("urn:consult:problem:{code}"));
        body
    }
}
