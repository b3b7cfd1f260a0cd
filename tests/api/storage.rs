//! Storage set-up: migrations for both engines, database URLs.

use std::collections::BTreeSet;
use std::path::Path;

use consult::db::{DatabaseUrl, Durability, Engine};
use consult::service::error::ServiceError;
use diesel::RunQueryDsl;

use crate::support::{TestApp, engine_tests};

engine_tests!(
    writes_that_wait_together_land_together_and_one_that_fails_fails_alone,
    a_batch_whose_transaction_ended_underneath_it_runs_no_further_write,
    sqlite_commits_are_flushed_to_disk_before_they_are_acknowledged,
);

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

/// The digest of one migration as it landed: its folder, then `up.sql`, then `down.sql`, then
/// `metadata.toml` where it has one (how the harness runs it).
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
    if let Ok(metadata) = std::fs::read(dir.join("metadata.toml")) {
        digest.update(b"metadata.toml");
        digest.update(metadata);
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

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A write that keeps the writer busy for a moment, running by the time this returns: the
/// writes sent next queue behind it and share the batch after it.
async fn hold_the_writer(
    db: &consult::db::Db,
) -> actix_web::rt::task::JoinHandle<Result<(), ServiceError>> {
    let (running, started) = std::sync::mpsc::channel();
    let writer = db.clone();
    let busy = actix_web::rt::spawn(async move {
        writer
            .write(move |_conn| -> Result<(), ServiceError> {
                let _ = running.send(());
                std::thread::sleep(std::time::Duration::from_millis(200));
                Ok(())
            })
            .await
    });
    while started.try_recv().is_err() {
        actix_web::rt::task::yield_now().await;
    }
    busy
}

/// The probes on disk, in order.
fn landed(db: &consult::db::Db) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct Probe {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    db.read_now(|conn| -> Result<Vec<i64>, ServiceError> {
        let rows: Vec<Probe> =
            diesel::sql_query("SELECT n FROM batch_probe ORDER BY n").load(conn)?;
        Ok(rows.into_iter().map(|p| p.n).collect())
    })
    .expect("probes")
}

fn probes(conn: &mut consult::db::DbConnection) -> Result<i64, ServiceError> {
    let counted: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM batch_probe").get_result(conn)?;
    Ok(counted.n)
}

/// Writes sent at once while the writer is busy: each lands or not by itself, and is answered
/// only once it has. On SQLite they wait for the one writer and share its next transaction,
/// which a reader sees as one commit.
async fn writes_that_wait_together_land_together_and_one_that_fails_fails_alone(app: TestApp) {
    let db = app.db().clone();
    db.write_now(|conn| -> Result<(), ServiceError> {
        diesel::sql_query("CREATE TABLE batch_probe (n BIGINT PRIMARY KEY)").execute(conn)?;
        Ok(())
    })
    .expect("probe table");
    // The first write keeps the writer busy while the others queue behind it.
    let busy = hold_the_writer(&db).await;
    let writes = (1..=6).map(|n: i64| {
        let reader = db.clone();
        db.write(move |conn| -> Result<i64, ServiceError> {
            diesel::sql_query(format!("INSERT INTO batch_probe (n) VALUES ({n})")).execute(conn)?;
            if n == 4 {
                return Err(ServiceError::internal(
                    "the fourth write fails after writing",
                ));
            }
            // What another connection sees as committed while this write runs (on SQLite: on
            // PostgreSQL seven writes already hold the shared pool).
            match reader.engine() {
                Engine::Sqlite => reader.read_now(probes),
                Engine::Postgres => Ok(0),
            }
        })
    });
    let answers = futures_util::future::join_all(writes).await;
    busy.await
        .expect("the busy write's task")
        .expect("the busy write");
    assert!(
        answers[3].is_err(),
        "the failing write is answered with its failure"
    );
    let seen: Vec<i64> = answers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, answer)| *answer.as_ref().expect("the other writes land"))
        .collect();
    assert_eq!(landed(&db), [1, 2, 3, 5, 6]);
    if app.engine() == Engine::Sqlite {
        // Had each write committed alone, the last would see the four before it.
        assert_eq!(
            seen,
            [0, 0, 0, 0, 0],
            "the five writes shared one transaction"
        );
    }
}

/// A commit on SQLite is flushed before it is acknowledged, on every connection (the readers'
/// setting matters for the checkpoints they run); `normal` is there when asked for.
async fn sqlite_commits_are_flushed_to_disk_before_they_are_acknowledged(app: TestApp) {
    if app.engine() != Engine::Sqlite {
        return;
    }
    #[derive(diesel::QueryableByName)]
    struct Synchronous {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        synchronous: i32,
    }
    let read = |conn: &mut consult::db::DbConnection| -> Result<i32, ServiceError> {
        let row: Synchronous = diesel::sql_query("PRAGMA synchronous").get_result(conn)?;
        Ok(row.synchronous)
    };
    // 2 is FULL, 1 NORMAL.
    assert_eq!(app.db().read_now(read).expect("reader"), 2);
    assert_eq!(app.db().write_now(read).expect("writer"), 2);
    assert_eq!(app.db().write(read).await.expect("shared writer"), 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::parse(&format!(
        "sqlite://{}",
        dir.path().join("normal.db").display()
    ))
    .expect("url")
    .with_durability(Durability::Normal);
    let (normal, _) = consult::db::Db::open(&url, 2).expect("open");
    assert_eq!(normal.read_now(read).expect("reader"), 1);
    assert_eq!(normal.write(read).await.expect("writer"), 1);
}

/// SQLite ends a transaction by itself on a full disk or an I/O error, after which each
/// statement would commit on its own. Here a write ends it on purpose and writes after that,
/// as a statement that does not know would: the writes queued behind it in the same batch must
/// not run, and every one is answered with a failure.
async fn a_batch_whose_transaction_ended_underneath_it_runs_no_further_write(app: TestApp) {
    if app.engine() != Engine::Sqlite {
        return;
    }
    let db = app.db().clone();
    db.write_now(|conn| -> Result<(), ServiceError> {
        diesel::sql_query("CREATE TABLE batch_probe (n BIGINT PRIMARY KEY)").execute(conn)?;
        Ok(())
    })
    .expect("probe table");
    let insert = |n: i64| {
        move |conn: &mut consult::db::DbConnection| -> Result<(), ServiceError> {
            diesel::sql_query(format!("INSERT INTO batch_probe (n) VALUES ({n})")).execute(conn)?;
            Ok(())
        }
    };
    let busy = hold_the_writer(&db).await;
    let first = db.write(insert(1));
    let ending = db.write(|conn| -> Result<(), ServiceError> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("ROLLBACK; INSERT INTO batch_probe (n) VALUES (2)")?;
        Ok(())
    });
    let after = db.write(insert(3));
    let (first, ending, after) = futures_util::future::join3(first, ending, after).await;
    busy.await
        .expect("the busy write's task")
        .expect("the busy write");
    assert!(first.is_err(), "rolled back with its batch");
    assert!(ending.is_err());
    assert!(after.is_err(), "never run");
    let landed = landed(&db);
    // The statement that ran outside any transaction is on disk; the write after it is not.
    assert!(!landed.contains(&3), "{landed:?}");
    assert!(!landed.contains(&1), "{landed:?}");
    // The writer goes on with the next batch.
    db.write(insert(4)).await.expect("a later write");
}

const SQLITE_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/postgres");

/// Reverts the app's database to before the migration `version`, runs `sql` there (as a
/// database of that time would hold it), and migrates it forward again, through the same
/// harness as `consult migrate`, over a connection of its own with foreign keys enforced.
pub fn back_to_before(app: &TestApp, version: &str, sql: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;

    fn run<C: MigrationHarness<B> + SimpleConnection, B: diesel::backend::Backend>(
        conn: &mut C,
        migrations: fn() -> diesel_migrations::EmbeddedMigrations,
        version: &str,
        sql: &str,
    ) {
        loop {
            let reverted = conn
                .revert_last_migration(migrations())
                .expect("the migration reverts")
                .to_string();
            if reverted == version {
                break;
            }
        }
        conn.batch_execute(sql).expect("the old rows");
        conn.run_pending_migrations(migrations())
            .expect("the migrations run again");
    }

    match app.engine() {
        consult::db::Engine::Sqlite => {
            let path = app.url.trim_start_matches("sqlite://");
            let mut conn = diesel::SqliteConnection::establish(path).expect("connect");
            conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .expect("pragmas");
            run(&mut conn, || SQLITE_MIGRATIONS, version, sql);
        }
        consult::db::Engine::Postgres => {
            let mut conn = diesel::PgConnection::establish(&app.url).expect("connect");
            run(&mut conn, || POSTGRES_MIGRATIONS, version, sql);
        }
    }
}
