//! Storage set-up: migrations for both engines, database URLs.

use std::collections::BTreeSet;
use std::path::Path;

use consult::db::{DatabaseUrl, Engine};

fn migration_names(engine: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(engine);
    std::fs::read_dir(&dir)
        .expect("migrations directory")
        .flatten()
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{engine}/{name} lacks {file}"
                );
            }
            name
        })
        .collect()
}

#[test]
fn both_engines_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgres"));
}

#[test]
fn the_engine_comes_from_the_url_scheme() {
    let cases = [
        ("postgres://u@localhost/db", Engine::Postgres),
        ("postgresql://u@localhost/db", Engine::Postgres),
        ("sqlite://consult.db", Engine::Sqlite),
        ("sqlite:data/consult.db", Engine::Sqlite),
        ("consult.db", Engine::Sqlite),
        ("file:consult.db?mode=rwc", Engine::Sqlite),
    ];
    for (url, engine) in cases {
        assert_eq!(
            DatabaseUrl::parse(url).expect(url).engine(),
            engine,
            "{url}"
        );
    }
    let unsupported = DatabaseUrl::parse("mysql://root:secret@localhost/db").expect_err("refused");
    let message = unsupported.to_string();
    assert!(message.contains("unsupported"), "{message}");
    assert!(!message.contains("secret"), "password shown: {message}");
    let shown = DatabaseUrl::parse("postgres://u:secret@localhost/db")
        .expect("parses")
        .to_string();
    assert!(!shown.contains("secret"), "{shown}");
}

/// The digest of one migration as it landed: its folder, then `up.sql`, then `down.sql`.
fn migration_digest(engine: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(engine)
        .join(name);
    let mut digest = Sha256::new();
    for file in ["up.sql", "down.sql"] {
        digest.update(file.as_bytes());
        digest.update(std::fs::read(dir.join(file)).expect("migration file"));
    }
    consult::domain::token::hex(&digest.finalize())
}

/// A database that ran a migration never runs it again, so an edit to one that has landed
/// reaches new installations only and the engines drift apart. `migrations/landed.txt` holds
/// each migration's digest; a new migration adds its line, an old one is never changed.
#[test]
fn landed_migrations_are_never_edited() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/landed.txt");
    let text = std::fs::read_to_string(&path).expect("migrations/landed.txt");
    let mut listed = BTreeSet::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let (migration, digest) = line.split_once(' ').expect("`engine/name digest` per line");
        let (engine, name) = migration.split_once('/').expect("engine/name");
        assert_eq!(
            migration_digest(engine, name),
            digest.trim(),
            "{migration} was edited after it landed: add a new migration instead"
        );
        listed.insert(migration.to_string());
    }
    for engine in ["sqlite", "postgres"] {
        for name in migration_names(engine) {
            let migration = format!("{engine}/{name}");
            assert!(
                listed.contains(&migration),
                "{migration} is not in migrations/landed.txt; add the line `{migration} {}`",
                migration_digest(engine, &name)
            );
        }
    }
}
