//! Background jobs: rows written in the same transaction as the change that causes them, run by a
//! worker inside the server, retried with back-off, visible to owners and admins.
//!
//! A job is a serialisable struct implementing [`Job`] (its kind name, its attempts and `run`),
//! defined next to the code it runs in its own domain; [`enqueue`] writes one in the caller's
//! transaction. At start-up each domain registers its jobs in a [`Registry`], and the
//! [`Worker`] runs a claimed row by looking its kind up there, so this module names no domain.
//! The kind name and the payload's JSON are what the database keeps: changing either would strand
//! jobs already queued, so a rename needs a migration that rewrites the rows.

pub mod email;
pub mod model;
mod registry;
mod worker;

use std::future::Future;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::{now, DbConnection};
pub use email::{EmailJob, Mailer};
pub use registry::{unknown_kind, Context, DailySchedule, Registry, Services};
pub use worker::Worker;

/// The kind name of e-mail jobs (as `EmailJob::KIND`).
pub const KIND_EMAIL: &str = <EmailJob as Job>::KIND;

/// One kind of background work. The struct itself is the payload: it is stored as JSON in the
/// row and read back when the job runs.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The name stored in `jobs.kind`; unique across the application.
    const KIND: &'static str;
    /// How many times the job is tried before it is failed for good.
    const MAX_ATTEMPTS: i32 = 3;

    /// Does the work. An error is recorded on the row and the job is tried again later, until
    /// its attempts run out (`cx.is_last_attempt()` says whether this is the last one).
    fn run(self, cx: &Context) -> impl Future<Output = Result<(), String>> + Send;
}

/// Queues `job` to run at `run_at`, inside the caller's transaction.
pub fn enqueue<J: Job>(conn: &mut DbConnection, job: &J, run_at: NaiveDateTime) -> QueryResult<i64> {
    let payload = serde_json::to_string(job).expect("a job's payload serialises");
    model::insert(conn, J::KIND, &payload, run_at, J::MAX_ATTEMPTS)
}

/// Queues an e-mail to go out now, inside the caller's transaction.
pub fn enqueue_email(conn: &mut DbConnection, email: &EmailJob) -> QueryResult<i64> {
    enqueue(conn, email, now())
}

/// The jobs' own kinds (e-mail); each domain registers its jobs next to them.
pub fn register(registry: &mut Registry) {
    registry.register::<EmailJob>();
}

/// The jobs page, for the users `access` lets in (the application decides who runs the queue).
/// Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … up to an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = (attempts - 1).clamp(0, 7) as u32;
    chrono::Duration::seconds((30i64 << exp).min(3600))
}

/// When the next attempt runs, or None when the job has used its attempts.
pub fn next_attempt(attempts: i32, max_attempts: i32, at: NaiveDateTime) -> Option<NaiveDateTime> {
    (attempts < max_attempts).then(|| at + backoff(attempts))
}

#[cfg(test)]
mod tests;
