//! Background jobs: rows written in the same transaction as the change that causes them, run by a
//! worker inside the server, retried with back-off, visible to owners and admins.

pub mod email;
mod handlers;
pub mod model;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use tokio::sync::{watch, Notify};

use crate::auth::roles::STAFF;
use crate::config::Settings;
use crate::db::{now, Db, DbConnection};
use crate::web::routes::{Access, Routes};
pub use email::{EmailJob, Mailer};

pub const KIND_EMAIL: &str = "email";
const MAX_ATTEMPTS: i32 = 6;
/// How long a worker holds a job before another may take it over.
const LEASE: Duration = Duration::from_secs(300);

pub fn routes(r: &mut Routes) {
    r.get("/admin/jobs", Access::Roles(STAFF), handlers::index);
    r.post("/admin/jobs/{id}/retry", Access::Roles(STAFF), handlers::retry);
}

/// Queues an e-mail inside the caller's transaction.
pub fn enqueue_email(conn: &mut DbConnection, email: &EmailJob) -> QueryResult<i64> {
    let payload = serde_json::to_string(email).expect("an e-mail serialises");
    model::insert(conn, KIND_EMAIL, &payload, now(), MAX_ATTEMPTS)
}

/// Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … up to an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = (attempts - 1).clamp(0, 7) as u32;
    chrono::Duration::seconds((30i64 << exp).min(3600))
}

/// When the next attempt runs, or None when the job has used its attempts.
pub fn next_attempt(attempts: i32, max_attempts: i32, at: NaiveDateTime) -> Option<NaiveDateTime> {
    (attempts < max_attempts).then(|| at + backoff(attempts))
}

pub struct Worker {
    db: Db,
    mailer: Mailer,
    settings: Arc<Settings>,
    id: String,
    wakeup: Arc<Notify>,
    /// Whose name every e-mail goes out in, and whose signature it ends with.
    agency: Arc<crate::agency::AgencyCache>,
    /// The application's caches (the routing directory and rules, the scorer), shared with the pages.
    #[allow(dead_code)]
    caches: Arc<crate::caches::Caches>,
    /// The last day this worker made sure the daily reminder run was queued.
    scheduled_on: std::sync::Mutex<Option<chrono::NaiveDate>>,
}

impl Worker {
    pub fn new(
        db: Db,
        mailer: Mailer,
        settings: Arc<Settings>,
        wakeup: Arc<Notify>,
        agency: Arc<crate::agency::AgencyCache>,
        caches: Arc<crate::caches::Caches>,
    ) -> Worker {
        let host = hostname();
        let id = format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            db,
            mailer,
            settings,
            id,
            wakeup,
            agency,
            caches,
            scheduled_on: std::sync::Mutex::new(None),
        }
    }

    /// Queues the daily reminder run once a day (the first server to ask wins).
    async fn schedule(&self) -> anyhow::Result<()> {
        let today = now().date();
        if *self.scheduled_on.lock().expect("lock") == Some(today) {
            return Ok(());
        }
        self.db
            .write(move |c| crate::agents::reminders::schedule_daily(c, today))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        *self.scheduled_on.lock().expect("lock") = Some(today);
        Ok(())
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `stop` turns true; finishes the job in hand first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, "job worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.schedule().await {
                tracing::warn!(error = %e, "could not schedule the daily reminders");
            }
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "job worker could not reach the database"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.worker_poll) => {}
                _ = self.wakeup.notified() => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    /// Claims and runs one due job. Returns whether there was one.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        let id = self.id.clone();
        let lease_until = now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let claimed = self
            .db
            .write(move |c| Ok(model::claim_next(c, &id, lease_until)?))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some(job) = claimed else { return Ok(false) };
        let outcome = self.execute(&job).await;
        let id = self.id.clone();
        let job_id = job.id;
        match outcome {
            Ok(()) => {
                tracing::info!(job = job_id, kind = %job.kind, "job done");
                self.db
                    .write(move |c| Ok(model::complete(c, job_id, &id)?))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Err(error) => {
                let retry_at = next_attempt(job.attempts, job.max_attempts, now());
                tracing::warn!(job = job_id, kind = %job.kind, attempt = job.attempts, error = %error, retry = ?retry_at, "job failed");
                self.db
                    .write(move |c| Ok(model::fail(c, job_id, &id, &error, retry_at)?))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        Ok(true)
    }

    async fn execute(&self, job: &model::Claimed) -> Result<(), String> {
        match job.kind.as_str() {
            KIND_EMAIL => {
                let email: EmailJob = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                let agency = match self.agency.get(&self.db).await {
                    Ok(a) => a,
                    Err(e) => return Err(format!("reading the agency's settings: {e}")),
                };
                let email = EmailJob {
                    body: format!("{}\n\n{}\n", email.body.trim_end(), agency.signature()),
                    ..email
                };
                self.mailer
                    .send(&agency.mail_from(&self.settings.mail_from), &email)
                    .await
            }
            crate::leads::webhooks::KIND => {
                #[derive(serde::Deserialize)]
                struct Delivery {
                    delivery_id: i64,
                }
                let d: Delivery = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                crate::leads::webhooks::deliver(
                    &self.db,
                    self.settings.webhook_allow_private,
                    d.delivery_id,
                    job.attempts >= job.max_attempts,
                )
                .await
            }
            crate::routing::offers::KIND_TIMEOUT => {
                #[derive(serde::Deserialize)]
                struct Timeout {
                    offer_id: i64,
                }
                let t: Timeout = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                let settings = self.settings.clone();
                let caches = self.caches.clone();
                self.db
                    .write(move |c| crate::routing::offers::expire(c, t.offer_id, &settings, &caches.routing))
                    .await
                    .map_err(|e| e.to_string())?;
                self.wakeup.notify_one();
                Ok(())
            }
            crate::routing::offers::KIND_ESCALATE => {
                #[derive(serde::Deserialize)]
                struct Check {
                    lead_id: i64,
                    agent_id: i64,
                }
                let t: Check = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                let settings = self.settings.clone();
                let escalated = self
                    .db
                    .write(move |c| crate::routing::offers::escalate(c, t.lead_id, t.agent_id, &settings))
                    .await
                    .map_err(|e| e.to_string())?;
                if escalated {
                    self.wakeup.notify_one();
                }
                Ok(())
            }
            crate::leads::import::KIND => {
                #[derive(serde::Deserialize)]
                struct Import {
                    import_id: i64,
                }
                let i: Import = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                let (db, settings, caches, last) = (
                    self.db.clone(),
                    self.settings.clone(),
                    self.caches.clone(),
                    job.attempts >= job.max_attempts,
                );
                tokio::task::spawn_blocking(move || {
                    let result = crate::leads::import::run(&db, &settings, &caches, i.import_id);
                    if let (Err(e), true) = (&result, last) {
                        crate::leads::import::mark_failed(&db, i.import_id, e);
                    }
                    result
                })
                .await
                .map_err(|e| format!("the import stopped: {e}"))?
            }
            crate::agents::reminders::KIND_DAILY => {
                #[derive(serde::Deserialize)]
                struct Daily {
                    date: chrono::NaiveDate,
                }
                let daily: Daily = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
                let settings = self.settings.clone();
                let n = self
                    .db
                    .write(move |c| {
                        Ok(crate::agents::reminders::run_daily(c, daily.date, &settings)?
                            + crate::courses::recert::run_daily(c, daily.date, &settings)?)
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(date = %daily.date, queued = n, "expiry reminders queued");
                self.wakeup.notify_one();
                // A file that cannot be removed is logged; it does not make the reminders run again.
                let (db, settings) = (self.db.clone(), self.settings.clone());
                match tokio::task::spawn_blocking(move || crate::uploads::sweep(&db, &settings)).await {
                    Ok(Ok(removed)) => tracing::info!(removed = removed.len(), "abandoned uploads swept"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not sweep abandoned uploads"),
                    Err(e) => tracing::warn!(error = %e, "the upload sweep stopped"),
                }
                Ok(())
            }
            other => Err(format!("no handler for job kind {other:?}")),
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn backoff_doubles_and_caps_at_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(3), chrono::Duration::seconds(120));
        assert_eq!(backoff(20), chrono::Duration::seconds(3600));
    }

    #[test]
    fn attempts_run_out() {
        let t = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(next_attempt(1, 3, t), Some(t + chrono::Duration::seconds(30)));
        assert_eq!(next_attempt(3, 3, t), None);
    }
}
