//! The live event stream's source. One poller per server reads new notification rows every
//! `poll` interval and broadcasts them to this server's open streams. Polling the table (rather
//! than passing messages in memory) is what lets several servers behind a load balancer on one
//! PostgreSQL all see an offer made by any of them.
//!
//! Rows are read by time with an overlap window, not by id: on PostgreSQL a transaction may commit
//! a lower id after a higher one is already visible, and an id cursor would skip it. [`Seen`]
//! removes the repeats the overlap brings.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::broadcast;

use crate::db::{now, Db};

/// How far back each poll looks again, for rows committed late.
pub const OVERLAP_SECONDS: i64 = 15;

/// One new notification, as the streams need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user_id: i64,
    pub kind: String,
}

/// Notification ids already broadcast, forgotten once they are older than the overlap window.
#[derive(Debug, Default)]
pub struct Seen {
    ids: HashMap<i64, NaiveDateTime>,
}

impl Seen {
    /// The rows not seen before (marking them seen), and forgets ids older than `horizon`.
    pub fn fresh(&mut self, rows: Vec<(i64, i64, String, NaiveDateTime)>, horizon: NaiveDateTime) -> Vec<Notice> {
        let mut out = Vec::new();
        for (id, user_id, kind, at) in rows {
            if self.ids.insert(id, at).is_none() {
                out.push(Notice { user_id, kind });
            }
        }
        self.ids.retain(|_, at| *at >= horizon);
        out
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The broadcast side of the live stream.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Notice>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(4096);
        Hub { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }

    /// Polls the notifications table every `every` while anyone listens on this server.
    pub fn spawn_poller(&self, db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut since = now();
            loop {
                tokio::time::sleep(every).await;
                let t = now();
                if tx.receiver_count() == 0 {
                    // Nobody to tell: skip the query; rows from now on are new to the next listener.
                    since = t;
                    seen = Seen::default();
                    continue;
                }
                let from = since.min(t - chrono::Duration::seconds(OVERLAP_SECONDS));
                let rows = db
                    .read(move |c| Ok(super::model::created_since(c, from, 10_000)?))
                    .await;
                match rows {
                    Ok(rows) => {
                        let horizon = t - chrono::Duration::seconds(2 * OVERLAP_SECONDS);
                        for notice in seen.fresh(rows, horizon) {
                            let _ = tx.send(notice);
                        }
                        since = t - chrono::Duration::seconds(OVERLAP_SECONDS);
                    }
                    Err(e) => tracing::warn!(error = %e, "the notification poller could not read"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(12, 0, s)
            .unwrap()
    }

    #[test]
    fn a_row_is_broadcast_once_even_when_polls_overlap() {
        let mut seen = Seen::default();
        let first = seen.fresh(
            vec![(1, 7, "offer".into(), at(1)), (2, 8, "offer".into(), at(2))],
            at(0),
        );
        assert_eq!(first.len(), 2);
        let again = seen.fresh(
            vec![(1, 7, "offer".into(), at(1)), (2, 8, "offer".into(), at(2))],
            at(0),
        );
        assert!(again.is_empty());
    }

    #[test]
    fn a_lower_id_committed_late_is_still_broadcast() {
        let mut seen = Seen::default();
        seen.fresh(vec![(11, 7, "offer".into(), at(2))], at(0));
        let late = seen.fresh(
            vec![(10, 9, "offer".into(), at(1)), (11, 7, "offer".into(), at(2))],
            at(0),
        );
        assert_eq!(
            late,
            vec![Notice {
                user_id: 9,
                kind: "offer".into()
            }]
        );
    }

    #[test]
    fn old_ids_are_forgotten() {
        let mut seen = Seen::default();
        seen.fresh(
            vec![(1, 7, "offer".into(), at(1)), (2, 7, "offer".into(), at(30))],
            at(0),
        );
        assert_eq!(seen.len(), 2);
        seen.fresh(Vec::new(), at(10));
        assert_eq!(seen.len(), 1);
    }
}
