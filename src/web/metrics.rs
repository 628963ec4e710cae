//! Prometheus metrics: requests by route and status, latency, jobs pending and failed.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pub jobs_pending: IntGauge,
    pub jobs_failed: IntGauge,
    /// Live-update streams (/events) open now: one per person's browser, however many tabs.
    pub event_streams: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route").buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("metric");
        let jobs_pending = IntGauge::new("jobs_pending", "Jobs waiting to run").expect("metric");
        let jobs_failed = IntGauge::new("jobs_failed", "Jobs that gave up after their last attempt").expect("metric");
        let event_streams = IntGauge::new("event_streams_open", "Live-update streams open now").expect("metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(jobs_pending.clone()),
            Box::new(jobs_failed.clone()),
            Box::new(event_streams.clone()),
        ] {
            registry.register(c).expect("register metric");
        }
        Metrics {
            registry,
            requests,
            latency,
            jobs_pending,
            jobs_failed,
            event_streams,
        }
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Counts one open stream for as long as it lives.
pub struct OpenStream(IntGauge);

impl OpenStream {
    pub fn new(gauge: &IntGauge) -> OpenStream {
        gauge.inc();
        OpenStream(gauge.clone())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
