//! SQLite's one writer, committing waiting writes together.
//!
//! SQLite allows one writer at a time, so every `Db::write` on SQLite is queued to this thread.
//! It takes what is waiting (up to `MAX_BATCH`), runs each write in a savepoint of its own inside
//! one transaction, commits once, then answers each caller. A write that fails (or panics) is rolled
//! back to its savepoint and answered with its error; the others still commit. No caller hears
//! success before the commit that holds its write.
//!
//! Before this, each write waited for a permit, hopped to a blocking thread, took the pooled
//! connection and committed alone: under load the writer sat idle between writes while the next
//! request was being scheduled, and every write paid for its own commit.
//!
//! Copying the write-ahead log back into the database file (a checkpoint, with its `fsync`s) is
//! done by a thread of its own after commits, not by the writer: SQLite's automatic checkpoint
//! runs in the committing connection, and it was 8 % of the writer's time under intake load.
//! The automatic one stays on as a backstop; it finds nothing to copy while this thread keeps up.

use std::panic::{catch_unwind, AssertUnwindSafe};

use diesel::connection::TransactionManager;
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{ConnectionManager, DbConnection, DbPool};
use crate::error::AppError;

/// At most this many writes share one commit: enough to amortise the commit, few enough that the
/// first caller of a batch does not wait long for the last.
const MAX_BATCH: usize = 64;
/// Writes waiting beyond this make callers wait to enqueue (back-pressure, not unbounded memory).
const QUEUE: usize = 1024;
/// After a commit, the checkpointer waits this long so that one checkpoint covers the commits
/// made meanwhile.
const CHECKPOINT_GATHER: std::time::Duration = std::time::Duration::from_millis(50);

trait Job: Send {
    /// Runs the write in a savepoint. False when the connection could not be brought back to the
    /// batch's transaction (the batch must then be abandoned).
    fn run(&mut self, conn: &mut DbConnection) -> bool;
    /// Answers the caller: its own result, or `failed` when the batch did not commit.
    fn answer(self: Box<Self>, failed: Option<&str>);
}

struct Pending<T, F> {
    f: Option<F>,
    result: Option<Result<T, AppError>>,
    reply: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> bool {
        let Some(f) = self.f.take() else { return true };
        // Nested in the batch's transaction, diesel makes this a savepoint.
        match catch_unwind(AssertUnwindSafe(|| conn.transaction(f))) {
            Ok(result) => {
                self.result = Some(result);
                true
            }
            Err(_) => {
                self.result = Some(Err(AppError::internal("the write panicked")));
                // The savepoint is still open: roll it back so the rest of the batch can commit.
                <DbConnection as Connection>::TransactionManager::rollback_transaction(conn).is_ok()
            }
        }
    }

    fn answer(self: Box<Self>, failed: Option<&str>) {
        let result = match (self.result, failed) {
            // Its own error stands: it was rolled back whatever happened to the batch.
            (Some(Err(e)), _) => Err(e),
            (_, Some(why)) => Err(AppError::internal(format!("the write was not committed: {why}"))),
            (Some(Ok(v)), None) => Ok(v),
            (None, None) => Err(AppError::internal("the write did not run")),
        };
        // The caller may have gone (a dropped request); its write stands, like any committed one.
        let _ = self.reply.send(result);
    }
}

/// The handle on the writer thread; the thread ends when the last handle is dropped.
pub struct Batcher {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Batcher {
    /// Starts the writer on `pool` (one connection) and its checkpointer on a connection of its
    /// own from `checkpoints`.
    pub fn start(pool: DbPool, checkpoints: ConnectionManager) -> Batcher {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let (committed, commits) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint(checkpoints, commits))
            .expect("cannot start the SQLite checkpoint thread");
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(pool, waiting, committed))
            .expect("cannot start the SQLite writer thread");
        Batcher { queue }
    }

    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            f: Some(f),
            result: None,
            reply,
        });
        self.queue
            .send(job)
            .await
            .map_err(|_| AppError::internal("the SQLite writer has stopped"))?;
        answer
            .await
            .map_err(|_| AppError::internal("the SQLite writer dropped a write"))?
    }
}

fn serve(pool: DbPool, mut waiting: mpsc::Receiver<Box<dyn Job>>, committed: std::sync::mpsc::SyncSender<()>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = waiting.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let failed = commit(&pool, &mut batch);
        for job in batch.drain(..) {
            job.answer(failed.as_deref());
        }
        // Never waits: a checkpoint already asked for will cover this commit too.
        let _ = committed.try_send(());
    }
}

/// Checkpoints after commits until the writer stops. A checkpoint that fails (the database busy
/// or gone) is left to the next commit or to SQLite's automatic one.
fn checkpoint(manager: ConnectionManager, commits: std::sync::mpsc::Receiver<()>) {
    use diesel::connection::SimpleConnection;
    use diesel::r2d2::ManageConnection;
    let mut conn: Option<DbConnection> = None;
    while commits.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_GATHER);
        while commits.try_recv().is_ok() {}
        if conn.is_none() {
            conn = manager.connect().ok();
        }
        // PASSIVE copies what no reader still needs, without waiting for readers or the writer.
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                tracing::debug!("checkpoint skipped: {e}");
                conn = None;
            }
        }
    }
}

/// Runs the batch in one transaction; the reason when it did not commit.
fn commit(pool: &DbPool, batch: &mut [Box<dyn Job>]) -> Option<String> {
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => return Some(e.to_string()),
    };
    let outcome = conn.transaction::<_, diesel::result::Error, _>(|c| {
        for job in batch.iter_mut() {
            if !job.run(c) {
                return Err(diesel::result::Error::BrokenTransactionManager);
            }
        }
        Ok(())
    });
    // A connection left in a transaction is closed by the pool, not reused (`has_broken`).
    outcome.err().map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Db;
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let db = Db::connect(&url, 2).unwrap();
        db.get_write()
            .unwrap()
            .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")
            .unwrap();
        (dir, db)
    }

    fn insert(c: &mut DbConnection, v: &str) -> Result<usize, AppError> {
        Ok(diesel::sql_query("INSERT INTO t (v) VALUES (?)")
            .bind::<diesel::sql_types::Text, _>(v)
            .execute(c)?)
    }

    fn count(db: &Db) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = db.get_read().unwrap();
        diesel::sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result::<N>(&mut c)
            .unwrap()
            .n
    }

    #[actix_web::test]
    async fn concurrent_writes_all_commit_and_each_hears_its_own_result() {
        let (_dir, db) = db();
        let writes = (0..200).map(|i| {
            let db = db.clone();
            tokio::spawn(async move { db.write(move |c| insert(c, &format!("v{i}"))).await })
        });
        for w in writes.collect::<Vec<_>>() {
            assert_eq!(w.await.unwrap().unwrap(), 1);
        }
        assert_eq!(count(&db), 200);
    }

    #[actix_web::test]
    async fn a_failing_write_is_undone_alone() {
        let (_dir, db) = db();
        // Duplicates of "same" fail on the UNIQUE index; everything else must still commit.
        let writes: Vec<_> = (0..100)
            .map(|i| {
                let db = db.clone();
                let v = if i % 10 == 0 {
                    "same".to_string()
                } else {
                    format!("v{i}")
                };
                tokio::spawn(async move {
                    db.write(move |c| {
                        insert(c, &v)?;
                        // A second statement, so a failure after a good one must undo both.
                        insert(c, &format!("{v}-second"))
                    })
                    .await
                })
            })
            .collect();
        let mut failed = 0;
        for w in writes {
            if w.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 9, "ten writes of the same value: one wins, nine fail");
        assert_eq!(count(&db), 2 * 91);
    }

    #[actix_web::test]
    async fn committed_writes_reach_the_database_file_without_the_writer_checkpointing() {
        let (dir, db) = db();
        let file = dir.path().join("w.db");
        let size = || std::fs::metadata(&file).unwrap().len();
        let before = size();
        // About 400 KB: a tenth of the log SQLite lets grow before it checkpoints by itself.
        for i in 0..100 {
            db.write(move |c| insert(c, &format!("{i:04}{}", "x".repeat(4000))))
                .await
                .unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while size() < before + 300_000 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            size() >= before + 300_000,
            "the database file stayed at {} bytes: nothing was checkpointed",
            size()
        );
        assert_eq!(count(&db), 100);
    }

    #[actix_web::test]
    async fn a_panicking_write_is_answered_and_the_writer_goes_on() {
        let (_dir, db) = db();
        let bad = db.write(|c| -> Result<(), AppError> {
            insert(c, "before the panic")?;
            panic!("a bug in a write");
        });
        let good = db.write(|c| insert(c, "fine"));
        let (bad, good) = tokio::join!(bad, good);
        assert!(bad.is_err());
        assert_eq!(good.unwrap(), 1);
        assert_eq!(db.write(|c| insert(c, "after")).await.unwrap(), 1);
        assert_eq!(count(&db), 2, "the panicking write's row was rolled back");
    }
}
