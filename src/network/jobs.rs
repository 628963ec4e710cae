//! The network's background jobs: `network.daily` (once a day: expires referrals past their
//! deadline, telling both sides, then recomputes every score in batches) and `network.scores`
//! (recomputes the few members a change touched, queued in the change's transaction).

use serde::{Deserialize, Serialize};

use super::standing;
use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::jobs::{self, Context, Job, Registry};

/// Scores written per transaction by the daily run.
pub const SCORE_BATCH: usize = 500;

pub fn register(r: &mut Registry) {
    r.register::<NetworkDaily>().every_day(schedule);
    r.register::<ScoreUpdate>();
}

/// Today's run (one per date, across every server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkDaily {
    pub date: chrono::NaiveDate,
}

/// Queues today's run once, whichever server asks first.
pub fn schedule(conn: &mut DbConnection, today: chrono::NaiveDate) -> Result<bool, AppError> {
    if !crate::agents::model::claim_reminder(conn, &format!("network.daily:{today}"))? {
        return Ok(false);
    }
    jobs::enqueue(conn, &NetworkDaily { date: today }, now())?;
    Ok(true)
}

/// Recomputes the whole network's scores: read once, computed in memory, written in batches.
pub async fn recompute_all(db: &crate::db::Db) -> Result<standing::Report, AppError> {
    let at = now();
    let (rules, snapshot) = db
        .read(|c| Ok((super::rules::load(c)?, standing::snapshot(c, None)?)))
        .await?;
    let rows = standing::compute(&snapshot, &[], &rules, at);
    let mut total = standing::Report::default();
    for chunk in rows.chunks(SCORE_BATCH) {
        let chunk = chunk.to_vec();
        let r = db.write(move |c| standing::save(c, &chunk)).await?;
        total.members += r.members;
        total.moved += r.moved;
        total.tier_changes += r.tier_changes;
    }
    Ok(total)
}

impl Job for NetworkDaily {
    const KIND: &'static str = "network.daily";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let mut expired = 0;
        loop {
            let n = cx
                .db
                .write(|c| super::referrals::expire_overdue(c, now()))
                .await
                .map_err(|e| e.to_string())?;
            expired += n;
            if n < super::referrals::EXPIRE_BATCH {
                break;
            }
        }
        let r = recompute_all(&cx.db).await.map_err(|e| e.to_string())?;
        tracing::info!(date = %self.date, expired, members = r.members, moved = r.moved, tier_changes = r.tier_changes, "network daily run");
        cx.wakeup.notify_one();
        Ok(())
    }
}

/// Recompute the scores of the members a change touched (everyone's when the list is empty:
/// the rules changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreUpdate {
    pub user_ids: Vec<i64>,
}

/// Queues a score update for these members, in the caller's transaction.
pub fn queue_scores(conn: &mut DbConnection, user_ids: &[i64]) -> Result<(), AppError> {
    jobs::enqueue(
        conn,
        &ScoreUpdate {
            user_ids: user_ids.to_vec(),
        },
        now(),
    )?;
    Ok(())
}

impl Job for ScoreUpdate {
    const KIND: &'static str = "network.scores";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let ids = self.user_ids;
        if ids.is_empty() {
            recompute_all(&cx.db).await.map_err(|e| e.to_string())?;
            return Ok(());
        }
        cx.db
            .write(move |c| standing::recompute(c, &ids, now()))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
