//! A fixed set of reader threads, one per pooled read connection.
//!
//! Reads used to run on the async runtime's blocking pool: each HTTP worker has its own, which
//! grows a thread whenever all are busy, so under load the server held 28 such threads, each with
//! its own allocator heap, for 8 connections. These threads take reads from one queue in order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::oneshot;

use super::{DbConnection, DbError, DbPool};
use crate::error::AppError;

type Read = Box<dyn FnOnce(Result<&mut DbConnection, DbError>) + Send>;

/// The queue of the reader threads; they end when the last handle is dropped.
pub struct Readers {
    queue: mpsc::Sender<Read>,
}

impl Readers {
    pub fn start(pool: DbPool, threads: usize) -> Readers {
        let (queue, waiting) = mpsc::channel::<Read>();
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..threads.max(1) {
            let (pool, waiting) = (pool.clone(), waiting.clone());
            std::thread::Builder::new()
                .name(format!("db-reader-{n}"))
                .spawn(move || serve(pool, waiting))
                .expect("cannot start a database reader thread");
        }
        Readers { queue }
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Read = Box::new(move |conn| {
            let result = match conn {
                Ok(conn) => catch_unwind(AssertUnwindSafe(|| f(conn)))
                    .unwrap_or_else(|_| Err(AppError::internal("the read panicked"))),
                Err(e) => Err(e.into()),
            };
            let _ = reply.send(result);
        });
        self.queue
            .send(job)
            .map_err(|_| AppError::internal("the database readers have stopped"))?;
        answer
            .await
            .map_err(|_| AppError::internal("a database reader dropped a read"))?
    }
}

fn serve(pool: DbPool, waiting: Arc<Mutex<mpsc::Receiver<Read>>>) {
    loop {
        // One thread waits on the queue at a time; the others wait for the lock.
        let job = match waiting.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        match pool.get() {
            Ok(mut conn) => job(Ok(&mut conn)),
            Err(e) => job(Err(DbError::from(e))),
        }
    }
}
