//! Settings, read from environment variables with defaults (documented by `agency-engine --help`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::db::DatabaseUrl;

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub secret_key: Secret,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub trust_proxy: bool,
    /// The reverse proxies whose X-Forwarded-For entries are believed (AE_TRUSTED_PROXIES).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub metrics_token: Option<String>,
    /// Login attempts per minute from one address.
    pub login_rate_per_minute: u32,
    /// API requests per second from one address.
    pub api_rate_per_second: u32,
    /// Base of the delay added after repeated failed logins.
    pub login_backoff: Duration,
    /// Failed logins in a row that lock an account.
    pub lockout_threshold: i32,
    pub lockout_duration: Duration,
    pub invitation_ttl: Duration,
    pub password_reset_ttl: Duration,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub session_lifetime: Duration,
    /// Run the background job worker inside the server.
    pub run_worker: bool,
    pub worker_poll: Duration,
    pub workers: usize,
    pub db_pool_size: u32,
    /// How long an agent has to accept an offered lead.
    pub offer_minutes: u64,
    /// An accepted lead with no first contact after this many hours is escalated to the owners.
    pub first_contact_hours: u64,
    /// How often each server looks for new notifications for its live event streams.
    pub events_poll: Duration,
    /// Serve the benchmark's ceiling endpoint, POST /api/v1/bench/bare (off unless set).
    pub bench_endpoints: bool,
    /// The agency's name, as the public quote form and its consent text say it.
    pub agency_name: String,
    /// A quote form sent sooner than this after it was shown is taken for a bot.
    pub quote_min_seconds: u64,
    /// Public form submissions per minute from one address.
    pub form_rate_per_minute: u32,
    /// From this day of the year, Medicare sales are for the coming plan year (the AEP).
    pub plan_year_rule: crate::domain::plan_year::PlanYearRule,
    /// Days before a course certificate or a certification expires that its holder is enrolled
    /// again in the course that grants it.
    pub recert_days: i64,
    /// Let webhook endpoints point at private, loopback and link-local addresses (off: only public
    /// addresses, checked when an endpoint is saved and again at each delivery).
    pub webhook_allow_private: bool,
    /// SQLite's `synchronous`: normal, or full for power-loss durability.
    pub sqlite_synchronous: crate::db::SqliteSynchronous,
    /// An upload not taken in by an import after this long is removed by the daily job.
    pub upload_max_age: Duration,
    /// The largest policy document an upload may carry (AE_DOCUMENT_MAX_MB, default 20).
    pub document_max_bytes: usize,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/agency.db";

impl Settings {
    /// Reads the environment. Generates and stores the secret key when none is given.
    pub fn from_env() -> anyhow::Result<Settings> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let database_url = env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let parsed = DatabaseUrl::parse(&database_url)?;
        let data_dir = match env("AE_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None => parsed.default_data_dir(),
        };
        let secret_key = match env("AE_SECRET_KEY") {
            Some(k) => secret_from_text(&k)?,
            None => load_or_create_secret(&data_dir.join("secret.key"))?,
        };
        let num = |k: &str, d: u64| -> anyhow::Result<u64> {
            match env(k) {
                Some(v) => v
                    .trim()
                    .parse()
                    .with_context(|| format!("{k} must be a whole number, not {v:?}")),
                None => Ok(d),
            }
        };
        let bind = env("AE_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url = env("AE_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        url::Url::parse(&base_url).with_context(|| format!("AE_BASE_URL is not a URL: {base_url:?}"))?;
        Ok(Settings {
            database_url,
            bind,
            base_url,
            secret_key,
            smtp_url: env("AE_SMTP_URL"),
            mail_from: env("AE_MAIL_FROM").unwrap_or_else(|| "Agency Engine <no-reply@agency-engine.local>".into()),
            trust_proxy: matches!(env("AE_TRUST_PROXY").as_deref(), Some("1" | "true" | "yes")),
            trusted_proxies: match env("AE_TRUSTED_PROXIES") {
                Some(v) => parse_networks(&v).context("AE_TRUSTED_PROXIES")?,
                None => loopback_networks(),
            },
            metrics_token: env("AE_METRICS_TOKEN"),
            login_rate_per_minute: num("AE_LOGIN_RATE_PER_MINUTE", 20)? as u32,
            api_rate_per_second: num("AE_API_RATE_PER_SECOND", 200)? as u32,
            login_backoff: Duration::from_millis(num("AE_LOGIN_BACKOFF_MS", 500)?),
            lockout_threshold: num("AE_LOCKOUT_THRESHOLD", 8)? as i32,
            lockout_duration: Duration::from_secs(60 * num("AE_LOCKOUT_MINUTES", 15)?),
            invitation_ttl: Duration::from_secs(3600 * num("AE_INVITATION_HOURS", 72)?),
            password_reset_ttl: Duration::from_secs(60 * num("AE_PASSWORD_RESET_MINUTES", 60)?),
            session_idle: Duration::from_secs(60 * num("AE_SESSION_IDLE_MINUTES", 120)?.max(1)),
            session_lifetime: Duration::from_secs(3600 * num("AE_SESSION_MAX_HOURS", 12)?.max(1)),
            run_worker: !matches!(env("AE_WORKER").as_deref(), Some("0" | "false" | "off")),
            worker_poll: Duration::from_millis(num("AE_WORKER_POLL_MS", 1000)?),
            workers: num("AE_HTTP_WORKERS", 0)? as usize,
            db_pool_size: num("AE_DB_POOL_SIZE", 8)?.max(1) as u32,
            offer_minutes: num("AE_OFFER_MINUTES", 5)?.max(1),
            first_contact_hours: num("AE_FIRST_CONTACT_HOURS", 24)?.max(1),
            events_poll: Duration::from_millis(num("AE_EVENTS_POLL_MS", 500)?.max(50)),
            bench_endpoints: matches!(env("AE_BENCH_ENDPOINTS").as_deref(), Some("1" | "true" | "yes")),
            agency_name: env("AE_AGENCY_NAME").unwrap_or_else(|| "the agency".into()),
            quote_min_seconds: num("AE_QUOTE_MIN_SECONDS", 3)?,
            form_rate_per_minute: num("AE_FORM_RATE_PER_MINUTE", 5)? as u32,
            plan_year_rule: match env("AE_AEP_START") {
                Some(v) => {
                    parse_month_day(&v).with_context(|| format!("AE_AEP_START must be MM-DD, like 10-15, not {v:?}"))?
                }
                None => Default::default(),
            },
            recert_days: num("AE_RECERT_DAYS", 60)?.min(3650) as i64,
            webhook_allow_private: matches!(env("AE_WEBHOOK_ALLOW_PRIVATE").as_deref(), Some("1" | "true" | "yes")),
            sqlite_synchronous: match env("AE_SQLITE_SYNCHRONOUS") {
                Some(v) => crate::db::SqliteSynchronous::parse(&v).map_err(anyhow::Error::msg)?,
                None => Default::default(),
            },
            upload_max_age: Duration::from_secs(3600 * num("AE_UPLOAD_MAX_AGE_HOURS", 24)?.clamp(1, 24 * 365)),
            document_max_bytes: (num("AE_DOCUMENT_MAX_MB", 20)?.clamp(1, 1024) * 1024 * 1024) as usize,
            data_dir,
        })
    }

    /// Settings for tests and tools: everything explicit, nothing read from the environment.
    pub fn for_database(database_url: &str, data_dir: &Path) -> Settings {
        Settings {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".into(),
            base_url: "http://127.0.0.1".into(),
            data_dir: data_dir.to_path_buf(),
            secret_key: Secret(rand_bytes(64)),
            smtp_url: None,
            mail_from: "Agency Engine <no-reply@agency-engine.local>".into(),
            trust_proxy: false,
            trusted_proxies: loopback_networks(),
            metrics_token: None,
            login_rate_per_minute: 1000,
            api_rate_per_second: 1000,
            login_backoff: Duration::from_millis(5),
            lockout_threshold: 8,
            lockout_duration: Duration::from_secs(900),
            invitation_ttl: Duration::from_secs(72 * 3600),
            password_reset_ttl: Duration::from_secs(3600),
            session_idle: Duration::from_secs(120 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            run_worker: true,
            worker_poll: Duration::from_millis(50),
            workers: 2,
            db_pool_size: 4,
            offer_minutes: 5,
            first_contact_hours: 24,
            events_poll: Duration::from_millis(100),
            bench_endpoints: false,
            agency_name: "Sunbelt Insurance Group".into(),
            quote_min_seconds: 0,
            form_rate_per_minute: 1000,
            plan_year_rule: Default::default(),
            recert_days: 60,
            webhook_allow_private: false,
            sqlite_synchronous: Default::default(),
            upload_max_age: Duration::from_secs(24 * 3600),
            document_max_bytes: 20 * 1024 * 1024,
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// Loopback, the default trusted proxy: a proxy on the same machine.
fn loopback_networks() -> Vec<ipnet::IpNet> {
    vec![
        "127.0.0.0/8".parse().expect("a network"),
        "::1/128".parse().expect("a network"),
    ]
}

/// Addresses or networks separated by commas or spaces: `10.0.0.5, 10.1.0.0/16, fd00::/8`.
fn parse_networks(v: &str) -> anyhow::Result<Vec<ipnet::IpNet>> {
    v.split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| format!("{s:?} is not an address or a network like 10.0.0.0/8"))
        })
        .collect()
}

fn parse_month_day(v: &str) -> anyhow::Result<crate::domain::plan_year::PlanYearRule> {
    let (m, d) = v.trim().split_once('-').context("no dash")?;
    let (m, d): (u32, u32) = (m.parse()?, d.parse()?);
    anyhow::ensure!(
        chrono::NaiveDate::from_ymd_opt(2024, m, d).is_some(),
        "not a day of the year"
    );
    Ok(crate::domain::plan_year::PlanYearRule {
        aep_start_month: m,
        aep_start_day: d,
    })
}

fn rand_bytes(n: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut v = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut v);
    v
}

fn secret_from_text(text: &str) -> anyhow::Result<Secret> {
    let text = text.trim();
    if text.len() < 32 {
        bail!("AE_SECRET_KEY must be at least 32 characters (64 random hex digits are best)");
    }
    // Stretch whatever was given to the 64 bytes the cookie key needs.
    use sha2::{Digest, Sha512};
    Ok(Secret(Sha512::digest(text.as_bytes()).to_vec()))
}

/// The key lives in a 0600 file beside the database so sessions survive restarts.
fn load_or_create_secret(path: &Path) -> anyhow::Result<Secret> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return secret_from_text(&text).with_context(|| format!("the secret key in {}", path.display()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = hex::encode(rand_bytes(64));
    write_private(path, &text).with_context(|| format!("writing the secret key to {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    secret_from_text(&text)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aep_start_parses_month_and_day() {
        let r = parse_month_day("10-15").unwrap();
        assert_eq!((r.aep_start_month, r.aep_start_day), (10, 15));
        assert!(parse_month_day("13-01").is_err() && parse_month_day("Oct 15").is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let nets = parse_networks("10.0.0.5, 10.1.0.0/16 fd00::/8").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"10.0.0.5".parse::<std::net::IpAddr>().unwrap()));
        assert!(nets[1].contains(&"10.1.200.3".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.internal").is_err());
    }

    #[test]
    fn short_secret_is_refused() {
        assert!(secret_from_text("too short").is_err());
        assert_eq!(secret_from_text(&"x".repeat(40)).unwrap().expose().len(), 64);
    }

    #[test]
    fn secret_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = load_or_create_secret(&path).unwrap();
        let b = load_or_create_secret(&path).unwrap();
        assert_eq!(a.expose(), b.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
