//! SQLite's one writer, shared. A thread owns the write connection; when it is free it takes
//! every write waiting (up to [`MAX_BATCH`]), runs them in one transaction with a savepoint
//! each, and answers each only after that transaction commits. A write that fails rolls back
//! to its savepoint and fails alone; a commit that fails fails them all, and so does a write
//! that panics (its batch is rolled back, since nobody can say what it left half-done). The disk flush
//! (`synchronous = FULL`) is the cost of a commit: shared, it is paid once a batch instead of
//! once a write, and nobody waits for a batch to fill, since a batch is whatever queued while
//! the one before it committed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::connection::TransactionManager;
use diesel::r2d2::PooledConnection;
use diesel::result::Error as DieselError;

use super::{DbConnection, DbPool, Manager, Unavailable, begin_write};
use crate::metrics::metrics;

/// The most writes one transaction takes: a bound on how long the last of them waits.
const MAX_BATCH: usize = 64;

/// One write waiting for the writer.
trait Unit: Send {
    /// Runs the change inside the batch's transaction; whether it succeeded.
    fn run(&mut self, conn: &mut DbConnection) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn answer(self: Box<Self>, committed: Result<(), &DieselError>);
}

/// A change, then its outcome, and where the answer goes.
struct Pending<T, E, F> {
    change: Option<F>,
    outcome: Option<Result<T, E>>,
    reply: Box<dyn FnOnce(Result<T, E>) + Send>,
    span: tracing::Span,
}

impl<T, E, F> Unit for Pending<T, E, F>
where
    T: Send,
    E: From<DieselError> + Send,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> bool {
        let Some(change) = self.change.take() else {
            return false;
        };
        let _in = self.span.enter();
        let outcome = change(conn);
        let succeeded = outcome.is_ok();
        self.outcome = Some(outcome);
        succeeded
    }

    fn answer(self: Box<Self>, committed: Result<(), &DieselError>) {
        let answer = match (committed, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            // Its own failure is the answer, whatever became of the others.
            (Err(_), Some(Err(error))) => Err(error),
            (Err(why), _) => Err(E::from(failed(why))),
            (Ok(()), None) => Err(E::from(failed(&cause("the write did not run")))),
        };
        (self.reply)(answer);
    }
}

/// Why a batch failed, as the batch says it.
fn cause(why: &str) -> DieselError {
    DieselError::QueryBuilderError(why.into())
}

/// The answer to a write whose batch failed for `cause`.
fn failed(cause: &DieselError) -> DieselError {
    DieselError::QueryBuilderError(format!("the batch of writes failed: {cause}").into())
}

/// The handle to the writer thread; the thread ends when the last handle is dropped.
pub(super) struct Committer {
    units: mpsc::Sender<Box<dyn Unit>>,
}

impl Committer {
    /// Starts the writer over `pool` (of one connection), taken when the first write comes.
    pub(super) fn start(pool: DbPool) -> std::io::Result<Committer> {
        let (units, waiting) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_batches(&pool, &waiting))?;
        Ok(Committer { units })
    }

    /// Queues `change` and waits, without holding a thread, for its answer.
    pub(super) async fn write<T, E, F>(&self, change: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DieselError> + From<Unavailable> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.queue(change, move |answer| {
            // A caller that went away has nobody to tell.
            let _ = tx.send(answer);
        })?;
        rx.await.unwrap_or_else(|_| Err(E::from(stopped())))
    }

    fn queue<T, E, F>(
        &self,
        change: F,
        reply: impl FnOnce(Result<T, E>) + Send + 'static,
    ) -> Result<(), E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DieselError> + From<Unavailable> + Send + 'static,
    {
        let unit = Pending {
            change: Some(change),
            outcome: None,
            reply: Box::new(reply),
            span: tracing::Span::current(),
        };
        self.units
            .send(Box::new(unit))
            .map_err(|_| E::from(stopped()))
    }
}

fn stopped() -> Unavailable {
    Unavailable("the writer has stopped".into())
}

/// The writer thread: a batch at a time, until every handle is gone. The connection is taken
/// for each batch and given back after it, so that a write of the command line or a worker
/// (`Db::write_now`) can take it in between.
fn write_batches(pool: &DbPool, waiting: &mpsc::Receiver<Box<dyn Unit>>) {
    while let Ok(first) = waiting.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(unit) => batch.push(unit),
                Err(_) => break,
            }
        }
        let mut conn: PooledConnection<Manager> = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                let why = cause(&e.to_string());
                batch.into_iter().for_each(|unit| unit.answer(Err(&why)));
                continue;
            }
        };
        let started = Instant::now();
        let units = batch.len();
        let outcome = catch_unwind(AssertUnwindSafe(|| commit(&mut conn, &mut batch)));
        // Back to the pool before anyone is answered, so that an answered caller's next write
        // of its own finds it free; a connection left broken (a change panicked half-way, its
        // transaction still open) is closed by the pool, which rolls the transaction back.
        drop(conn);
        match outcome {
            Ok(committed) => {
                metrics().commit(committed.is_ok(), units, started.elapsed());
                let committed = committed.as_ref().map(|_| ());
                batch.into_iter().for_each(|unit| unit.answer(committed));
            }
            Err(_) => {
                metrics().commit(false, units, started.elapsed());
                let why = cause("a write panicked");
                batch.into_iter().for_each(|unit| unit.answer(Err(&why)));
            }
        }
    }
}

/// Runs the batch in one transaction that takes the write lock at `BEGIN`, each write in a
/// savepoint of its own that is released when it succeeds and rolled back when it fails. The
/// savepoints are the committer's own statements, so that it knows each one's fate; a
/// savepoint that cannot be rolled back, or a transaction SQLite ended by itself, fails the
/// batch before anything is committed.
fn commit(conn: &mut DbConnection, batch: &mut [Box<dyn Unit>]) -> Result<(), DieselError> {
    begin_write(conn)?;
    let ran = run_each(conn, batch);
    let committed = ran.and_then(|()| {
        <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)
    });
    if committed.is_err() {
        // Whatever ran is undone; a rollback that fails too leaves the connection broken,
        // and the pool replaces it.
        let _ = <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn);
    }
    committed
}

fn run_each(conn: &mut DbConnection, batch: &mut [Box<dyn Unit>]) -> Result<(), DieselError> {
    for unit in batch.iter_mut() {
        conn.batch_execute("SAVEPOINT consult_write")?;
        // SQLite rolls a transaction back whole on some errors (a full disk, an I/O error, no
        // memory), after which every statement would commit on its own; the savepoint goes
        // with it, so releasing or rolling back to it fails, and so does the batch, before
        // another write runs.
        if unit.run(conn) {
            conn.batch_execute("RELEASE consult_write")?;
        } else {
            conn.batch_execute("ROLLBACK TO consult_write; RELEASE consult_write")?;
        }
    }
    Ok(())
}
