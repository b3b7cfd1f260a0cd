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
