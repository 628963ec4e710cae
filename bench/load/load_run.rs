//! Closed-loop load: one task per connection, each with its own keep-alive connection, sending
//! the next request as soon as the last answer is read, until the time is up or it is told to stop.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use reqwest::{Client, RequestBuilder};

use crate::leads::LeadGen;
use crate::stats::{RunResult, Stats};

/// What each request of a run is.
pub enum Target {
    /// POST a new lead body to `path` with the API token.
    Leads {
        path: String,
        token: String,
        gen: Arc<LeadGen>,
    },
    /// GET `path` with a session cookie.
    Page { path: String, cookie: String },
}

impl Target {
    fn headers(&self) -> anyhow::Result<HeaderMap> {
        let mut h = HeaderMap::new();
        match self {
            Target::Leads { token, .. } => {
                h.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}"))?);
                h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Target::Page { cookie, .. } => {
                h.insert(COOKIE, HeaderValue::from_str(cookie)?);
            }
        }
        Ok(h)
    }

    fn request(&self, client: &Client, base: &str) -> RequestBuilder {
        match self {
            Target::Leads { path, gen, .. } => client.post(format!("{base}{path}")).body(gen.body()),
            Target::Page { path, .. } => client.get(format!("{base}{path}")),
        }
    }
}

/// How long a run lasts: `seconds`, or until `stop` is set (whichever comes first).
#[derive(Clone)]
pub struct Until {
    pub deadline: Instant,
    pub stop: Arc<AtomicBool>,
}

impl Until {
    pub fn after(d: Duration) -> Until {
        Until {
            deadline: Instant::now() + d,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    fn reached(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }
}

/// A client that keeps exactly one connection open.
pub fn one_connection_client(headers: HeaderMap) -> anyhow::Result<Client> {
    Ok(Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()?)
}

/// Runs `target` on `connections` connections until `until`; `collect_ids` keeps the id of each
/// 201 answer.
pub async fn run(
    label: &str,
    base: &str,
    target: Arc<Target>,
    connections: usize,
    until: Until,
    collect_ids: bool,
) -> anyhow::Result<RunResult> {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let client = one_connection_client(target.headers()?)?;
        let (target, base, until) = (target.clone(), base.to_string(), until.clone());
        tasks.push(tokio::spawn(async move {
            connection(client, &target, &base, &until, collect_ids).await
        }));
    }
    let mut result = RunResult {
        label: label.to_string(),
        connections,
        elapsed: Duration::ZERO,
        latency: Default::default(),
        statuses: BTreeMap::new(),
        errors: 0,
        ids: Vec::new(),
    };
    let mut stats = Stats::default();
    for task in tasks {
        let one = task.await?;
        stats.merge(one.stats);
        for (status, n) in one.statuses {
            *result.statuses.entry(status).or_default() += n;
        }
        result.errors += one.errors;
        result.ids.extend(one.ids);
    }
    result.elapsed = started.elapsed();
    result.latency = stats.summary();
    Ok(result)
}

#[derive(Default)]
struct ConnectionResult {
    stats: Stats,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    ids: Vec<i64>,
}

async fn connection(client: Client, target: &Target, base: &str, until: &Until, collect_ids: bool) -> ConnectionResult {
    let mut out = ConnectionResult::default();
    while !until.reached() {
        let sent = Instant::now();
        let answer = match target.request(&client, base).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                r.bytes().await.map(|body| (status, body))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, body)) => {
                out.stats.record(sent.elapsed());
                *out.statuses.entry(status).or_default() += 1;
                if collect_ids && status == 201 {
                    if let Some(id) = id_of(&body) {
                        out.ids.push(id);
                    }
                }
            }
            Err(_) => {
                out.errors += 1;
                // A refused connection fails at once: do not spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    out
}

fn id_of(body: &[u8]) -> Option<i64> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("id")?
        .as_i64()
}
