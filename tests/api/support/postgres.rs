//! PostgreSQL test databases: each test gets a copy of a template that was migrated once.

use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A database that is dropped with this value.
pub struct TestDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

/// The server to test against, from `TEST_DATABASE_URL` (a database the tests may connect to
/// and create databases from).
fn admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run")
        }
        _ => {
            // Straight to stderr, past the test harness's capture, so that the skip is seen.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: TEST_DATABASE_URL is not set; the PostgreSQL half of the tests is skipped"
                );
            });
            None
        }
    }
}

impl TestDatabase {
    /// A fresh, migrated database, or `None` when no PostgreSQL is configured.
    pub fn create() -> Option<TestDatabase> {
        let admin_url = admin_url()?;
        let template = template(&admin_url);
        let name = format!("consult_test_{}", Uuid::now_v7().simple());
        let mut admin = connect(&admin_url);
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .expect("create test database from template");
        Some(TestDatabase {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The migrated template, named after a hash of the migrations so that a change to them makes a
/// new one. Built once per test process; across processes an advisory lock keeps two from
/// building at once. It stays between runs as a cache; older ones are dropped.
fn template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = format!("consult_template_{}", migrations_hash());
            let mut admin = connect(admin_url);
            admin
                .batch_execute("SELECT pg_advisory_lock(727274)")
                .expect("advisory lock");
            let existing: Vec<String> = diesel::sql_query(
                "SELECT datname AS name FROM pg_database WHERE datname LIKE 'consult\\_template\\_%'",
            )
            .load::<DatabaseName>(&mut admin)
            .expect("list templates")
            .into_iter()
            .map(|d| d.name)
            .collect();
            for stale in existing.iter().filter(|n| **n != name) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {stale} WITH (FORCE)"));
            }
            if !existing.contains(&name) {
                // Built under another name and renamed, so that a run that dies half-way never
                // leaves a half-migrated template behind the real name.
                let building = format!("{name}_building");
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .expect("drop a half-built template");
                admin
                    .batch_execute(&format!("CREATE DATABASE {building}"))
                    .expect("create template");
                let url = consult::db::DatabaseUrl::parse(&with_database(admin_url, &building))
                    .expect("template URL");
                consult::db::migrate(&url).expect("migrate template");
                admin
                    .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .expect("rename template");
            }
            admin
                .batch_execute("SELECT pg_advisory_unlock(727274)")
                .expect("advisory unlock");
            name
        })
        .clone()
}

#[derive(QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn connect(url: &str) -> PgConnection {
    PgConnection::establish(url)
        .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"))
}

/// `url` with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{}", &base[..path_start], database);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files = Vec::new();
    for entry in walk(&dir) {
        let relative = entry.strip_prefix(&dir).unwrap_or(&entry).to_path_buf();
        files.push((relative, std::fs::read(&entry).expect("read migration")));
    }
    files.sort();
    let mut digest = Sha256::new();
    for (path, content) in files {
        digest.update(path.to_string_lossy().as_bytes());
        digest.update(content);
    }
    consult::domain::token::hex(&digest.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read migrations directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
