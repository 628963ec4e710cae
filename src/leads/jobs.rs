//! The leads domain's background jobs: running a CSV import, and delivering a webhook.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::jobs::{Context, Job, Registry};

pub fn register(registry: &mut Registry) {
    registry.register::<ImportRun>().register::<WebhookDelivery>();
}

/// Reads an uploaded CSV file into leads (off the async threads: the file is read row by row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRun {
    pub import_id: i64,
}

impl Job for ImportRun {
    const KIND: &'static str = "leads.import";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let settings = cx.settings.clone();
        let caches = cx.service::<Arc<crate::caches::Caches>>()?.clone();
        run_import(
            cx,
            self.import_id,
            move |db, id| super::import::run(db, &settings, &caches, id),
            super::import::mark_failed,
        )
        .await
    }
}

/// Runs import `import_id` with the blocking `run` off the async threads; when the last attempt
/// fails, `failed` marks the run failed for good. Every CSV import's job runs this way.
pub async fn run_import(
    cx: &Context,
    import_id: i64,
    run: impl FnOnce(&Db, i64) -> Result<(), String> + Send + 'static,
    failed: fn(&Db, i64, &str),
) -> Result<(), String> {
    let (db, last) = (cx.db.clone(), cx.is_last_attempt());
    tokio::task::spawn_blocking(move || {
        let result = run(&db, import_id);
        if let (Err(e), true) = (&result, last) {
            failed(&db, import_id, e);
        }
        result
    })
    .await
    .map_err(|e| format!("the import stopped: {e}"))?
}

/// Posts one logged delivery to its endpoint; the last failed attempt marks the delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub delivery_id: i64,
}

impl Job for WebhookDelivery {
    const KIND: &'static str = "webhook";
    const MAX_ATTEMPTS: i32 = 8;

    async fn run(self, cx: &Context) -> Result<(), String> {
        super::webhooks::deliver(
            &cx.db,
            cx.settings.webhook_allow_private,
            self.delivery_id,
            cx.is_last_attempt(),
        )
        .await
    }
}
