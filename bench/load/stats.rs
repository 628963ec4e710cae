//! Latencies and the outcome of one timed run.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

/// Latencies of successful round trips, in microseconds (exact percentiles: a 10 s run at
/// 30,000 req/s is 300,000 samples, about a megabyte).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    micros: Vec<u32>,
}

impl Stats {
    pub fn record(&mut self, d: Duration) {
        self.micros.push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn merge(&mut self, other: Stats) {
        self.micros.extend(other.micros);
    }

    /// Sorts the samples and reads the percentiles.
    pub fn summary(mut self) -> Summary {
        self.micros.sort_unstable();
        let ms = |q: f64| -> f64 {
            if self.micros.is_empty() {
                return 0.0;
            }
            // Nearest rank: the smallest sample with at least q of the samples at or below it.
            let rank = (q * self.micros.len() as f64).ceil() as usize;
            f64::from(self.micros[rank.clamp(1, self.micros.len()) - 1]) / 1000.0
        };
        Summary {
            count: self.micros.len() as u64,
            p50: ms(0.50),
            p95: ms(0.95),
            p99: ms(0.99),
            max: ms(1.0),
        }
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// One timed run: a target at a number of connections.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub label: String,
    pub connections: usize,
    pub elapsed: Duration,
    pub latency: Summary,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer (refused, reset, timed out).
    pub errors: u64,
    /// Ids from 201 answers (collected only when asked for).
    pub ids: Vec<i64>,
}

impl RunResult {
    pub fn requests(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.errors
    }

    /// Answers that are not `expected`, plus requests with no answer.
    pub fn failures(&self, expected: u16) -> u64 {
        self.requests() - self.statuses.get(&expected).copied().unwrap_or(0)
    }

    /// Answers with `status` per second.
    pub fn rate(&self, status: u16) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.statuses.get(&status).copied().unwrap_or(0) as f64 / secs
        } else {
            0.0
        }
    }

    /// "201: 51234, 422: 3, no answer: 1"
    pub fn status_text(&self) -> String {
        let mut parts: Vec<String> = self.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        if self.errors > 0 {
            parts.push(format!("no answer: {}", self.errors));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "label": self.label,
            "connections": self.connections,
            "seconds": self.elapsed.as_secs_f64(),
            "requests": self.requests(),
            "statuses": self.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "no_answer": self.errors,
            "per_second": self.statuses.keys().map(|s| (s.to_string(), json!(self.rate(*s)))).collect::<serde_json::Map<_, _>>(),
            "latency_ms": { "samples": self.latency.count, "p50": self.latency.p50, "p95": self.latency.p95, "p99": self.latency.p99, "max": self.latency.max },
        })
    }
}
