//! Storage: one connection type over SQLite and PostgreSQL, the pools, migrations, and one file
//! per entity with its rows and queries.
//!
//! SQLite has a single writer, so on SQLite writes go to one thread that owns the write
//! connection and commits what waits together (`committer`), taking the lock up front
//! (`BEGIN IMMEDIATE`); reads use their own pool. On PostgreSQL both share one pool, each write
//! its own transaction.

pub mod agency;
pub mod audit;
pub mod calendar;
pub mod claim;
pub mod comment;
mod committer;
pub mod decision;
pub mod dialect;
pub mod document;
pub mod idempotency;
pub mod outbox;
pub mod person;
pub mod receipt;
pub mod round;
pub mod schema;
pub mod session;
pub mod token;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::metrics::metrics;
use committer::Committer;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The migration that adds the comments' folded search text.
const SEARCH_TEXT_MIGRATION: &str = "20261201000008";
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever engine `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The database engine behind a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Sqlite,
}

impl Engine {
    /// Lower-case name, as reported by `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgresql",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// Failures opening or preparing the database: reported as one line by the command line.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "unsupported DATABASE_URL {0:?}: use postgres://user@host/db, sqlite://path/to/file.db or a file path"
    )]
    UnsupportedUrl(String),
    #[error("cannot open the {engine} database at {target}: {reason}")]
    Connect {
        engine: &'static str,
        target: String,
        reason: String,
    },
    #[error("migrating the database failed: {0}")]
    Migrate(String),
}

/// The database is out of reach for now (pool exhausted, connection lost, server shutting down).
#[derive(Debug, thiserror::Error)]
#[error("database unavailable: {0}")]
pub struct Unavailable(pub String);

/// A storage failure, for callers that have no error of their own (workers, housekeeping).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

/// `DATABASE_URL`, with the engine picked from its scheme.
///
/// The engine is chosen here rather than by trying each backend in turn, because the derived
/// multi-engine `establish` reports every failure as an invalid URL and hides the real cause.
#[derive(Clone)]
pub struct DatabaseUrl {
    engine: Engine,
    target: String,
    durability: Durability,
    connect_timeout: Duration,
}

/// How long a connection attempt may take unless configured: a database that cannot be
/// reached is reported within it.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a caller waits in line for a connection of a full pool, all in use: the database
/// is busy, not down.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// When SQLite acknowledges a commit (PostgreSQL keeps its own `synchronous_commit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous = FULL`: the commit is on disk first, so it survives a power cut or an
    /// operating system crash. The shared writer pays the flush once a batch.
    #[default]
    Full,
    /// `synchronous = NORMAL`: it survives the process being killed, but the last commits
    /// before a power cut or an operating system crash may be lost.
    Normal,
}

impl Durability {
    /// `full` or `normal`.
    pub fn parse(value: &str) -> Option<Durability> {
        match value.trim().to_ascii_lowercase().as_str() {
            "full" => Some(Durability::Full),
            "normal" => Some(Durability::Normal),
            _ => None,
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`, `file:…` (an SQLite
    /// URI) or a plain file path.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        let url = url.trim();
        let (engine, target) = if url.starts_with("postgres://") || url.starts_with("postgresql://")
        {
            (Engine::Postgres, url.to_owned())
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            (Engine::Sqlite, path.to_owned())
        } else if url.starts_with("file:") || !url.contains("://") {
            (Engine::Sqlite, url.to_owned())
        } else {
            return Err(StorageError::UnsupportedUrl(redact(url)));
        };
        if target.is_empty() {
            return Err(StorageError::UnsupportedUrl(url.to_owned()));
        }
        Ok(DatabaseUrl {
            engine,
            target,
            durability: Durability::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// The URL with connection attempts bounded to `timeout` (on PostgreSQL also libpq's
    /// `connect_timeout`, unless the URL sets its own; libpq counts at least two seconds).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The URL with SQLite's commits acknowledged as `durability` says.
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The engine the URL names.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The SQLite file path, for commands that work on the file itself (backup).
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.engine == Engine::Sqlite).then_some(self.target.as_str())
    }

    fn establish(&self) -> ConnectionResult<DbConnection> {
        match self.engine {
            Engine::Postgres => {
                let target = if self.target.contains("connect_timeout=") {
                    self.target.clone()
                } else {
                    let separator = if self.target.contains('?') { '&' } else { '?' };
                    format!(
                        "{}{separator}connect_timeout={}",
                        self.target,
                        self.connect_timeout.as_secs().max(1)
                    )
                };
                PgConnection::establish(&target).map(DbConnection::Postgres)
            }
            Engine::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                // Foreign keys are off by default in SQLite; WAL lets readers run beside the
                // writer; the busy timeout covers other processes (the CLI) holding the lock.
                conn.batch_execute(&format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = {};",
                    self.durability.pragma()
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.target))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Hides a password in `scheme://user:password@host` or in a `password=` parameter.
fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = redact_credentials(base);
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    out
}

fn redact_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug)]
struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.url
            .establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

type DbPool = Pool<Manager>;

/// The database handle in the application state: cheap to clone.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    connect_timeout: Duration,
    readers: DbPool,
    writer: DbPool,
    /// SQLite's shared writer; none on PostgreSQL.
    committer: Option<Arc<Committer>>,
}

impl Db {
    /// Opens the database, runs pending migrations, and builds the pools. Returns the names of
    /// the migrations it applied.
    ///
    /// The pools are kept full (every connection made at the start, none closed for being idle
    /// or old): a pool short of connections is then one whose connections broke, which is what
    /// lets a request that finds no connection fail fast (see `wait_for_connection`).
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> Result<(Db, Vec<String>), StorageError> {
        Db::open_pools(url, pool_size, true)
    }

    /// Opens the database for one command of the command line: one connection, made when it
    /// is first needed and never in the background. A pool that keeps a connection idle
    /// replaces the one taken on a thread of its own, and a PostgreSQL connection still being
    /// made on that thread when the command exits crashes the process in libpq's exit handlers.
    pub fn open_for_command(url: &DatabaseUrl) -> Result<(Db, Vec<String>), StorageError> {
        Db::open_pools(url, 1, false)
    }

    fn open_pools(
        url: &DatabaseUrl,
        pool_size: u32,
        keep_full: bool,
    ) -> Result<(Db, Vec<String>), StorageError> {
        let connect_error = |reason: String| StorageError::Connect {
            engine: url.engine.as_str(),
            target: url.to_string(),
            reason: reason.trim().to_owned(),
        };
        let applied = migrate(url)?;

        let build = |size: u32| {
            let builder = if keep_full {
                Pool::builder()
                    .min_idle(Some(size))
                    .idle_timeout(None)
                    .max_lifetime(None)
            } else {
                Pool::builder().min_idle(Some(0))
            };
            builder
                .max_size(size)
                .connection_timeout(QUEUE_WAIT)
                // A test query on every checkout costs a round trip per request; broken
                // connections are caught by `has_broken` instead.
                .test_on_check_out(false)
                .build(Manager { url: url.clone() })
                .map_err(|e| connect_error(e.to_string()))
        };
        let readers = build(pool_size.max(1))?;
        let (writer, committer) = match url.engine {
            Engine::Postgres => (readers.clone(), None),
            Engine::Sqlite => {
                let writer = build(1)?;
                let committer = Committer::start(writer.clone())
                    .map_err(|e| connect_error(format!("the writer thread: {e}")))?;
                (writer, Some(Arc::new(committer)))
            }
        };
        Ok((
            Db {
                engine: url.engine,
                connect_timeout: url.connect_timeout,
                readers,
                writer,
                committer,
            },
            applied,
        ))
    }

    /// The engine behind this handle.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Runs `f` in a read transaction on the blocking thread pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<Unavailable> + Send + 'static,
    {
        let db = self.clone();
        blocking(move || db.read_now(f)).await
    }

    /// Runs `f` on the blocking thread pool in a read transaction that sees one snapshot from
    /// its first statement to its last, for a read of many statements while the round goes on
    /// changing (on SQLite every read transaction does; PostgreSQL's default does not).
    pub async fn read_snapshot<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<Unavailable> + Send + 'static,
    {
        let db = self.clone();
        let engine = self.engine;
        blocking(move || {
            db.read_now(|conn| {
                if engine == Engine::Postgres {
                    conn.batch_execute(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                    )?;
                }
                f(conn)
            })
        })
        .await
    }

    /// Runs `f` as one write: all of it lands or none, and it has landed when this returns. On
    /// SQLite it waits for the shared writer without holding a thread; on PostgreSQL it runs in
    /// a transaction of its own on the blocking thread pool.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<Unavailable> + Send + 'static,
    {
        if let Some(committer) = &self.committer {
            return committer.write(f).await;
        }
        let db = self.clone();
        blocking(move || db.write_now(f)).await
    }

    /// Runs `f` in one write transaction of its own on the calling thread (for the command
    /// line and workers that are already off the async executor). On SQLite it takes the write
    /// connection between the shared writer's batches.
    pub fn write_now<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<diesel::result::Error> + From<Unavailable>,
    {
        let mut conn = self.checkout(Role::Write)?;
        let started = Instant::now();
        let result = write_transaction(&mut conn, f);
        metrics().commit(result.is_ok(), 1, started.elapsed());
        result
    }

    /// Runs `f` in a read transaction on the calling thread.
    pub fn read_now<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<diesel::result::Error> + From<Unavailable>,
    {
        let mut conn = self.checkout(Role::Read)?;
        let conn: &mut DbConnection = &mut conn;
        conn.transaction(f)
    }

    /// A connection for `role`, counted while it is waited for.
    fn checkout(&self, role: Role) -> Result<PooledConnection<Manager>, Unavailable> {
        let (name, pool) = self.pool(role);
        metrics().waiting(name, 1);
        let started = Instant::now();
        let conn = checkout(pool, self.connect_timeout);
        metrics().waiting(name, -1);
        metrics().checkout(name, started.elapsed());
        conn
    }

    /// The pool that serves `role`, by the name the metrics give it: on PostgreSQL readers
    /// and writers share one.
    fn pool(&self, role: Role) -> (&'static str, &DbPool) {
        match (self.engine, role) {
            (Engine::Postgres, _) => ("shared", &self.readers),
            (Engine::Sqlite, Role::Read) => ("read", &self.readers),
            (Engine::Sqlite, Role::Write) => ("write", &self.writer),
        }
    }

    /// Each pool's connections in use and idle now, by name.
    pub fn pool_states(&self) -> Vec<(&'static str, u32, u32)> {
        let roles: &[Role] = match self.engine {
            Engine::Postgres => &[Role::Read],
            Engine::Sqlite => &[Role::Read, Role::Write],
        };
        roles
            .iter()
            .map(|role| {
                let (name, pool) = self.pool(*role);
                let state = pool.state();
                let idle = state.idle_connections;
                (name, state.connections.saturating_sub(idle), idle)
            })
            .collect()
    }
}

impl Db {
    /// Writes a consistent copy of the SQLite database to the file `target` (`VACUUM INTO`,
    /// which runs beside the live service and cannot run inside a transaction).
    pub fn sqlite_backup<E>(&self, target: &str) -> Result<(), E>
    where
        E: From<diesel::result::Error> + From<Unavailable>,
    {
        let mut conn = checkout(&self.readers, self.connect_timeout)?;
        let statement = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
        Ok(conn.batch_execute(&statement)?)
    }
}

/// What a connection is taken for.
#[derive(Clone, Copy)]
enum Role {
    Read,
    Write,
}

fn checkout(
    pool: &DbPool,
    connect_timeout: Duration,
) -> Result<PooledConnection<Manager>, Unavailable> {
    let state = pool.state();
    let wait = wait_for_connection(
        state.connections,
        state.idle_connections,
        pool.max_size(),
        connect_timeout,
    );
    pool.get_timeout(wait)
        .map_err(|e| Unavailable(e.to_string()))
}

/// How long to wait for a connection. A pool short of connections with none idle must make
/// one, so the wait is the connection attempt's: when the database cannot be reached (every
/// connection it had broke, and none can be made) the caller hears so at once, not after the
/// queue's wait. A full pool with every connection in use is busy, and the caller waits in line.
fn wait_for_connection(connections: u32, idle: u32, max: u32, connect: Duration) -> Duration {
    if idle == 0 && connections < max {
        connect
    } else {
        QUEUE_WAIT
    }
}

/// Runs `f` off the async executor, inside the caller's tracing span (so that what the query
/// logs carries the request id).
async fn blocking<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<diesel::result::Error> + Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || span.in_scope(f))
        .await
        .unwrap_or_else(|panicked| {
            // A panic in a query is a fault of ours, reported like any other failed query.
            Err(diesel::result::Error::QueryBuilderError(
                format!("database task failed: {panicked}").into(),
            )
            .into())
        })
}

/// Applies pending migrations over one connection of its own; returns their names.
///
/// It runs before any pool is built, so that a bad URL or a server that is down fails at once
/// with the engine's own message instead of after a pool timeout.
pub fn migrate(url: &DatabaseUrl) -> Result<Vec<String>, StorageError> {
    let mut conn = url.establish().map_err(|e| StorageError::Connect {
        engine: url.engine.as_str(),
        target: url.to_string(),
        reason: e.to_string().trim().to_owned(),
    })?;
    let applied: Vec<String> = match &mut conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| StorageError::Migrate(e.to_string()))?
    .iter()
    .map(ToString::to_string)
    .collect();
    // A new database counts working days on the shipped notices from its first deadline.
    let now = crate::clock::Clock::System.now().naive_utc();
    calendar::install_shipped(&mut conn, now)
        .map_err(|e| StorageError::Migrate(format!("loading the shipped calendar: {e}")))?;
    // Comments submitted before the search column existed are folded once, when it is added;
    // later ones are folded as they are written.
    if applied.iter().any(|m| m == SEARCH_TEXT_MIGRATION) {
        comment::fold_unsearchable(&mut conn)
            .map_err(|e| StorageError::Migrate(format!("folding comments for search: {e}")))?;
    }
    // Comments submitted before the tallies existed are counted once, all in one transaction:
    // a start that stopped before it finished counts them on the next.
    if comment::untallied(&mut conn)
        .map_err(|e| StorageError::Migrate(format!("reading the clause tallies: {e}")))?
    {
        conn.transaction(comment::tally_everything)
            .map_err(|e| StorageError::Migrate(format!("counting comments by clause: {e}")))?;
    }
    Ok(applied)
}

/// Begins a write transaction: on SQLite one that takes the write lock at `BEGIN`, so that it
/// cannot fail half-way with "database is locked" when it upgrades from reading to writing.
fn begin_write(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                sqlite,
                "BEGIN IMMEDIATE",
            )
        }
        DbConnection::Postgres(_) => {
            <DbConnection as TransactionManager<DbConnection>>::begin_transaction(conn)
        }
    }
}

/// One write transaction of its own (see [`begin_write`]).
fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin_write(conn)?;
    match f(conn) {
        Ok(value) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_pool_queues_and_a_pool_that_must_connect_does_not_wait_long() {
        let connect = Duration::from_secs(1);
        // All eight in use: busy, wait in line.
        assert_eq!(wait_for_connection(8, 0, 8, connect), QUEUE_WAIT);
        // One idle: it is taken at once, whatever the wait.
        assert_eq!(wait_for_connection(3, 1, 8, connect), QUEUE_WAIT);
        // None idle and room for more: the wait is for a new connection.
        assert_eq!(wait_for_connection(0, 0, 8, connect), connect);
        assert_eq!(wait_for_connection(5, 0, 8, connect), connect);
    }
}
