//! The monthly computation as a job: `commissions.run` takes a run row and goes through the book
//! in batches (one transaction each, its place kept on the run), so it resumes where it stopped.
//! Queued once a day for the current month (keyed by the date), and by an owner's "compute now".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::engine::{self, Book};
use super::model;
use crate::db::{now, Db, DbConnection};
use crate::domain::plan_year::PlanYearRule;
use crate::error::AppError;
use crate::jobs::{self, Context, Job, Registry};

pub fn register(r: &mut Registry) {
    r.register::<CommissionRun>().every_day(schedule);
}

/// One computation of a month (the run row says which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionRun {
    pub run_id: i64,
}

/// Queues today's computation of the current month once, whichever server asks first.
pub fn schedule(conn: &mut DbConnection, today: NaiveDate) -> Result<bool, AppError> {
    if !crate::agents::model::claim_reminder(conn, &format!("commissions.run:{today}"))? {
        return Ok(false);
    }
    queue(conn, engine::month_of(today), None)?;
    Ok(true)
}

/// Queues a computation of the month starting `period`: the run row and its job, in the caller's
/// transaction.
pub fn queue(conn: &mut DbConnection, period: NaiveDate, by: Option<i64>) -> Result<i64, AppError> {
    let run_id = model::insert_run(conn, period, by)?;
    jobs::enqueue(conn, &CommissionRun { run_id }, now())?;
    Ok(run_id)
}

impl Job for CommissionRun {
    const KIND: &'static str = "commissions.run";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let (db, rule, last) = (cx.db.clone(), cx.settings.plan_year_rule, cx.is_last_attempt());
        let id = self.run_id;
        tokio::task::spawn_blocking(move || {
            let result = run_all(&db, id, &rule);
            if let (Err(_), true) = (&result, last) {
                let _ = db.write_blocking(move |c| Ok(model::fail_run(c, id)?));
            }
            result.map(|_| ())
        })
        .await
        .map_err(|e| format!("the commission run stopped: {e}"))?
    }
}

/// Runs every remaining batch of a run (blocking); returns the entries written.
pub fn run_all(db: &Db, run_id: i64, plan_rule: &PlanYearRule) -> Result<usize, String> {
    let run = db
        .read_blocking(move |c| Ok(model::find_run(c, run_id)?))
        .map_err(|e| e.to_string())?;
    if run.status == "done" {
        return Ok(0);
    }
    let book = std::sync::Arc::new(db.read_blocking(Book::load).map_err(|e| e.to_string())?);
    let (period, mut written) = (run.period, 0);
    loop {
        let (b, rule) = (book.clone(), *plan_rule);
        let report = db
            .write_blocking(move |c| {
                // The run's position is read under the compute lock, so a second runner of the
                // same run (the job retried while an admin's click runs it) goes on from where
                // the first stopped instead of counting its batches again.
                crate::db::serialise(c, engine::COMPUTE_LOCK)?;
                let run = model::find_run(c, run_id)?;
                if run.status == "done" {
                    return Ok(engine::BatchReport {
                        done: true,
                        ..Default::default()
                    });
                }
                let r = engine::compute_batch(c, &b, Some(run_id), period, run.last_policy_id, &rule)?;
                model::advance_run(c, run_id, r.last_policy_id, r.policies as i32, r.entries as i32, r.done)?;
                Ok(r)
            })
            .map_err(|e| e.to_string())?;
        written += report.entries;
        if report.done {
            tracing::info!(run = run_id, period = %period, entries = written, "commissions computed");
            return Ok(written);
        }
    }
}
