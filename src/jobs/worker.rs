//! The worker: claims due jobs one at a time with a lease, runs each through the registry,
//! records the outcome (done, or retry with back-off), and queues the daily jobs once a day.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::{model, next_attempt, Context, Registry, Services};
use crate::config::Settings;
use crate::db::{now, Db};

/// How long a worker holds a job before another may take it over.
const LEASE: Duration = Duration::from_secs(300);

pub struct Worker {
    db: Db,
    settings: Arc<Settings>,
    id: String,
    wakeup: Arc<Notify>,
    /// Every job kind this worker can run.
    registry: Arc<Registry>,
    /// What jobs may ask for: the mailer, the agency's letterhead, the application's caches.
    services: Arc<Services>,
    /// The last day this worker made sure the daily jobs were queued.
    scheduled_on: std::sync::Mutex<Option<chrono::NaiveDate>>,
}

impl Worker {
    pub fn new(
        db: Db,
        settings: Arc<Settings>,
        wakeup: Arc<Notify>,
        registry: Arc<Registry>,
        services: Arc<Services>,
    ) -> Worker {
        let host = hostname();
        let id = format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            db,
            settings,
            id,
            wakeup,
            registry,
            services,
            scheduled_on: std::sync::Mutex::new(None),
        }
    }

    /// Queues the daily jobs once a day (the first server to ask wins).
    async fn schedule(&self) -> anyhow::Result<()> {
        let today = now().date();
        if *self.scheduled_on.lock().expect("lock") == Some(today) {
            return Ok(());
        }
        let daily = self.registry.daily().to_vec();
        self.db
            .write(move |c| {
                for schedule in daily {
                    schedule(c, today)?;
                }
                Ok(())
            })
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
        let cx = Context::new(
            self.db.clone(),
            self.settings.clone(),
            self.wakeup.clone(),
            self.services.clone(),
            job.attempts,
            job.max_attempts,
        );
        let outcome = self.registry.run(&job.kind, job.payload.clone(), cx).await;
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
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
}
