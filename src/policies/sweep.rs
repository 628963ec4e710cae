//! The daily run: expires policies past term end (or non-renews them), lapses unpaid ones past grace, and sends renewal notices once (items 4, 7).
//!
//! A typed job, `policies.sweep`, queued once a day (keyed by the date, whichever server asks
//! first). Each move is the lifecycle's own (`lifecycle::due` decides, `transitions::apply`
//! writes the status, the event by the system, the audit entry and the webhook), so a policy the
//! run has moved is final and a second run the same day finds nothing to do.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::lifecycle;
use super::service::{self, Viewer};
use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::jobs::{self, Context, Job, Registry};
use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}

/// This part's jobs.
pub fn register(r: &mut Registry) {
    r.register::<Sweep>().every_day(schedule);
}

/// Today's sweep of the book (one per date, across every server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    pub date: NaiveDate,
}

/// Queues today's sweep once, whichever server asks first.
pub fn schedule(conn: &mut DbConnection, today: NaiveDate) -> Result<bool, AppError> {
    if !crate::agents::model::claim_reminder(conn, &format!("policies.sweep:{today}"))? {
        return Ok(false);
    }
    jobs::enqueue(conn, &Sweep { date: today }, now())?;
    Ok(true)
}

impl Job for Sweep {
    const KIND: &'static str = "policies.sweep";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let (date, base_url) = (self.date, cx.settings.base_url.clone());
        let done = cx
            .db
            .write(move |c| sweep(c, date, &base_url))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            date = %date,
            expired = done.expired,
            non_renewed = done.non_renewed,
            lapsed = done.lapsed,
            notices = done.renewal_notices,
            "policies swept"
        );
        cx.wakeup.notify_one();
        Ok(())
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub non_renewed: usize,
    pub lapsed: usize,
    pub renewal_notices: usize,
}

/// Moves every policy the lifecycle says is due today (expired, non-renewed or lapsed), each as
/// an event by the system, then sends the renewal notices. Running it twice the same day changes
/// nothing the second time.
pub fn sweep(conn: &mut DbConnection, today: NaiveDate, base_url: &str) -> Result<SweepReport, AppError> {
    let rules = service::rules(conn)?;
    let system = Viewer::system();
    let mut report = SweepReport::default();
    for p in super::model::sweep::candidates(conn, today, rules.grace_days)? {
        let facts = super::transitions::facts(conn, &p, today, &rules)?;
        let Some(mv) = lifecycle::due(&facts) else {
            continue;
        };
        super::transitions::apply(conn, &system, None, &p, &facts, &mv, None)?;
        match mv {
            lifecycle::Move::Expire => report.expired += 1,
            lifecycle::Move::NonRenew => report.non_renewed += 1,
            lifecycle::Move::Lapse => report.lapsed += 1,
            _ => {}
        }
    }
    report.renewal_notices = super::renewals::renewal_notices(conn, today, base_url)?;
    Ok(report)
}
