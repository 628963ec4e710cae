//! The daily run: once a day, one job does each domain's upkeep — agents' expiry reminders and
//! courses' recertification (in one transaction), then the sweep of abandoned uploads.
//!
//! It lives here, beside the domains rather than in one of them, because it composes three of
//! them: inside `agents` it would make `agents` import `courses` (which already imports `agents`).
//! Its kind name (`reminders.daily`) and payload (`{"date": "YYYY-MM-DD"}`) are those it always
//! had, so a run queued before an upgrade still runs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::jobs::{self, Context, Job, Registry};

pub fn register(registry: &mut Registry) {
    registry.register::<DailyRun>().every_day(schedule);
}

/// Today's run (one per date, across every server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyRun {
    pub date: NaiveDate,
}

/// Queues today's run once, whichever server asks first.
pub fn schedule(conn: &mut DbConnection, today: NaiveDate) -> Result<bool, AppError> {
    if !crate::agents::model::claim_reminder(conn, &format!("daily:{today}"))? {
        return Ok(false);
    }
    jobs::enqueue(conn, &DailyRun { date: today }, now())?;
    Ok(true)
}

impl Job for DailyRun {
    const KIND: &'static str = "reminders.daily";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let (settings, date) = (cx.settings.clone(), self.date);
        let n = cx
            .db
            .write(move |c| {
                Ok(crate::agents::reminders::run_daily(c, date, &settings)?
                    + crate::courses::recert::run_daily(c, date, &settings)?)
            })
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(date = %date, queued = n, "expiry reminders queued");
        cx.wakeup.notify_one();
        // A file that cannot be removed is logged; it does not make the reminders run again.
        let (db, settings) = (cx.db.clone(), cx.settings.clone());
        match tokio::task::spawn_blocking(move || {
            let in_use = db
                .read_blocking(|c| {
                    let mut files = crate::leads::model::imports::import_files_in_use(c)?;
                    files.extend(crate::policies::model::book::import_files_in_use(c)?);
                    Ok(files)
                })
                .map_err(|e| e.to_string())?;
            crate::uploads::sweep(&in_use, &settings)
        })
        .await
        {
            Ok(Ok(removed)) => tracing::info!(removed = removed.len(), "abandoned uploads swept"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not sweep abandoned uploads"),
            Err(e) => tracing::warn!(error = %e, "the upload sweep stopped"),
        }
        Ok(())
    }
}
