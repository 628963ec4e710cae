//! The command line.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::audit::AuditActor;
use crate::auth::roles::Role;
use crate::auth::{model, password, service};
use crate::config::Settings;
use crate::db::Db;
use crate::error::AppError;
use crate::startup::Application;

const SETTINGS_HELP: &str = "\
Settings (environment variables):
  DATABASE_URL      Where the data lives. Default sqlite://data/agency.db (created on first start).
                    A postgres://user:pass@host:5432/db URL selects PostgreSQL.
  AE_BIND           Address and port to listen on. Default 127.0.0.1:8080.
  AE_BASE_URL       The public address, used for links in e-mails. Default http://<AE_BIND>.
                    An https:// address turns on Secure cookies and HSTS.
  AE_SECRET_KEY     Key that signs and encrypts session cookies (32+ characters). When absent, one is
                    generated once and kept in <data dir>/secret.key (mode 0600). Give every server
                    behind one load balancer the same key.
  AE_SMTP_URL       Where e-mail goes, e.g. smtp://user:pass@mail.example.com:587?tls=required.
                    When absent, e-mails are written as .eml files to <data dir>/outbox/ and logged.
  AE_MAIL_FROM      Sender of e-mails. Default \"Agency Engine <no-reply@agency-engine.local>\".
  AE_DATA_DIR       Folder for the secret key, outbox and uploads. Default: the SQLite file's
                    folder, or ./data with PostgreSQL.
  AE_STATIC_DIR     Folder with css/ and js/. Default ./static.
  AE_TRUST_PROXY    true when behind a reverse proxy: the client address comes from X-Forwarded-For,
                    the right-most entry that is not one of AE_TRUSTED_PROXIES.
  AE_TRUSTED_PROXIES  The proxies' addresses or networks, comma-separated. Default 127.0.0.0/8, ::1.
  AE_SESSION_IDLE_MINUTES   A session unused this long ends. Default 120.
  AE_SESSION_MAX_HOURS      A session ends this long after sign-in. Default 12.
  AE_METRICS_TOKEN  When set, /metrics requires \"Authorization: Bearer <token>\".
  AE_LOGIN_RATE_PER_MINUTE  Sign-in attempts per minute from one address. Default 20.
  AE_API_RATE_PER_SECOND    API requests per second from one address. Default 200.
  AE_LOCKOUT_THRESHOLD      Failed sign-ins in a row, for one e-mail address from one client address,
                            that lock that address out of it. Default 8.
  AE_LOCKOUT_MINUTES        How long the lock lasts. Default 15.
  AE_LOGIN_BACKOFF_MS       Delay after the third failed sign-in, doubling after. Default 500.
  AE_INVITATION_HOURS       How long an invitation link works. Default 72.
  AE_PASSWORD_RESET_MINUTES How long a password-reset link works. Default 60.
  AE_AGENCY_NAME    The agency's name on the public quote form and in its consent text.
  AE_QUOTE_MIN_SECONDS      A quote form sent sooner than this after it was shown is spam. Default 3.
  AE_FORM_RATE_PER_MINUTE   Public form submissions per minute from one address. Default 5.
  AE_OFFER_MINUTES  How long an agent has to accept an offered lead. Default 5.
  AE_FIRST_CONTACT_HOURS  Escalate an accepted lead nobody contacted after this many hours. Default 24.
  AE_EVENTS_POLL_MS  How often each server checks for notifications to push live. Default 500.
  AE_BENCH_ENDPOINTS  Set to 1 to serve the load test's ceiling endpoint. Default off.
  AE_AEP_START      From this day (MM-DD) Medicare sales count for the coming plan year. Default 10-15.
  AE_RECERT_DAYS    Days before a course certificate expires that its holder is enrolled again
                    (and told by e-mail) to recertify. Default 60.
  AE_UPLOAD_MAX_AGE_HOURS  An upload no import has taken in is removed by the daily job after this
                    many hours (an upload older than this cannot be imported). Default 24.
  AE_DOCUMENT_MAX_MB  The largest policy document (PDF or image) an upload may carry. Default 20.
  AE_WORKER         Set to false to run no background job worker in this server. Default true.
  AE_WORKER_POLL_MS How often the worker looks for due jobs. Default 1000.
  AE_HTTP_WORKERS   HTTP worker threads. Default: one per core.
  AE_DB_POOL_SIZE   Database connections for reads. Default 8.
  AE_SQLITE_SYNCHRONOUS  SQLite only: normal (a crash of the process loses no committed write) or
                    full (a power loss loses none either; slower writes). Default normal.
  AE_WEBHOOK_ALLOW_PRIVATE  Set to true to let webhooks go to private, loopback and link-local
                    addresses (a CRM on the same network). Default false: public addresses only.
  RUST_LOG          Log filter, e.g. info or agency_engine=debug. Default info.";

#[derive(Debug, Parser)]
#[command(
    name = "agency-engine",
    version,
    about = "Agency Engine: run a health, Medicare and life insurance agency from one server.",
    after_help = SETTINGS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the web server (the default). Migrates the database first.
    Serve {
        /// Fill an empty database with the demo agency and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a user. The password is read from standard input, or asked for at a terminal.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner, admin, agent, trainee or broker
        #[arg(long)]
        role: Role,
    },
    /// Create an API token for an outside system. The token is printed once; only its hash is kept.
    CreateApiToken {
        #[arg(long)]
        name: String,
        /// What the token may do; repeat for several. `leads:write` sends leads and reads back only
        /// the leads this token sent; `leads:read` reads every lead.
        #[arg(long = "scope", default_value = "leads:write")]
        scopes: Vec<String>,
    },
    /// Fill the database with a realistic demo agency (skipped when the demo is already there).
    SeedDemo {
        /// `large` adds the benchmark's data set: 10,000 agents and 1,000,000 leads over three years,
        /// 100,000 policies, and 10,000 brokers with 100,000 connections and 200,000 referrals.
        #[arg(long, value_enum, default_value_t = Scale::Small)]
        scale: Scale,
    },
    /// Compute a month's expected commissions now (what the daily job does), and report how long
    /// it took and how many entries it wrote.
    ComputeCommissions {
        /// The month, as 2026-11 (default: this month).
        #[arg(long)]
        month: Option<String>,
    },
    /// Recompute every broker network score now (what the daily job does), and report how long it
    /// took. Prints the figures as JSON on stdout.
    RecomputeScores,
    /// Time the 3rd-degree reach query for brokers spread over the network (the benchmark's
    /// figure), one at a time. Prints the figures as JSON on stdout.
    MeasureReach {
        /// How many brokers to time.
        #[arg(long, default_value_t = 500)]
        samples: usize,
    },
    /// Train a lead-scoring model on the agency's won and lost leads and report its held-out AUC
    /// beside the rule set's. The model is stored but scores new leads only once the owner chooses it.
    TrainScoring,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    Large,
    /// The demo and the large data set's broker network only (no large agents, leads or
    /// policies): the network benchmark's data in a minute instead of a quarter of an hour.
    Network,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect_with(
        &settings.database_url,
        settings.db_pool_size,
        settings.sqlite_synchronous,
    )?;
    db.migrate()?;
    Ok(db)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(settings, demo),
        Command::Migrate => {
            let db = Db::connect_with(&settings.database_url, 1, settings.sqlite_synchronous)?;
            let n = db.migrate()?;
            println!("{n} migration(s) applied to {}", db.redacted_url());
            Ok(())
        }
        Command::CreateUser { email, name, role } => {
            let email = service::parse_email(&email).map_err(anyhow::Error::msg)?;
            let name = service::parse_name(&name).map_err(anyhow::Error::msg)?;
            let pw = read_password()?;
            password::validate_new(&pw, None, &email).map_err(anyhow::Error::msg)?;
            let hash = password::hash(&pw);
            let db = connect(&settings)?;
            let who = AuditActor::system("command line");
            let id = db
                .write_blocking(|c| {
                    crate::users::service::create_user_with_password(c, &who, &email, &name, role, &hash)
                })
                .map_err(explain)?;
            println!("Created {role} {email} (user {id}).");
            Ok(())
        }
        Command::CreateApiToken { name, scopes } => {
            let db = connect(&settings)?;
            let who = AuditActor::system("command line");
            let (id, token) = db
                .write_blocking(|c| service::create_api_token(c, &who, &name, &scopes))
                .map_err(explain)?;
            eprintln!(
                "API token {id} \"{name}\" created with scopes {}. It is shown only now; keep it secret:",
                scopes.join(", ")
            );
            println!("{token}");
            Ok(())
        }
        Command::ComputeCommissions { month } => {
            let db = connect(&settings)?;
            let period = match month {
                Some(m) => crate::commissions::payouts::parse_month(&m)
                    .map_err(|_| anyhow::anyhow!("give the month as 2026-11"))?,
                None => crate::commissions::engine::month_of(crate::db::now().date()),
            };
            let started = std::time::Instant::now();
            let run = db
                .write_blocking(move |c| crate::commissions::jobs::queue(c, period, None))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let written =
                crate::commissions::jobs::run_all(&db, run, &settings.plan_year_rule).map_err(anyhow::Error::msg)?;
            let r = db
                .read_blocking(move |c| Ok(crate::commissions::model::find_run(c, run)?))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Commissions for {}: {} policies, {written} entries written in {:.1} s.",
                period.format("%B %Y"),
                r.policies,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::RecomputeScores => {
            let db = connect(&settings)?;
            let started = std::time::Instant::now();
            let r = crate::demo::large::network::recompute_all(&db).map_err(|e| anyhow::anyhow!("{e}"))?;
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "Network scores: {} members recomputed in {seconds:.1} s ({} moved, {} changed tier).",
                r.members, r.moved, r.tier_changes
            );
            println!(
                "{}",
                serde_json::json!({ "members": r.members, "moved": r.moved, "tier_changes": r.tier_changes, "seconds": seconds })
            );
            Ok(())
        }
        Command::MeasureReach { samples } => {
            let db = connect(&settings)?;
            let f = crate::demo::large::network::measure_reach(&db, samples).map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "Reach to 3 steps of {} brokers: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; on average {:.0} / {:.0} / {:.0} members at 1 / 2 / 3 steps.",
                f.brokers, f.p50_ms, f.p95_ms, f.max_ms, f.mean_reach[0], f.mean_reach[1], f.mean_reach[2]
            );
            println!("{}", serde_json::to_string(&f)?);
            Ok(())
        }
        Command::TrainScoring => {
            let db = connect(&settings)?;
            let o = db
                .write_blocking(|c| Ok(crate::scoring::training::train(c)))
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .map_err(anyhow::Error::msg)?;
            println!(
                "Trained {}: {} leads for training, {} held out.\nHeld-out AUC: learned model {:.3}, rule set {:.3}, constant {:.3}.\nChoose it on the Lead scoring page to use it.",
                o.version, o.train_size, o.holdout_size, o.auc, o.rules_auc, o.constant_auc
            );
            Ok(())
        }
        Command::SeedDemo { scale } => {
            let db = connect(&settings)?;
            if !crate::demo::seed(&db, &settings)? {
                println!("The demo agency is already in this database.");
            }
            if scale == Scale::Large {
                let started = std::time::Instant::now();
                let added =
                    crate::demo::large::seed(&db, 10_000, 1_000_000, 100_000).map_err(|e| anyhow::anyhow!("{e}"))?;
                db.refresh_statistics().map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "Large data set: {} agents, {} leads with {} history events, {} policies with {} instalments and {} commission entries added in {:.0} s.",
                    added.agents,
                    added.leads,
                    added.events,
                    added.policies,
                    added.instalments,
                    added.commission_entries,
                    started.elapsed().as_secs_f64()
                );
            }
            if matches!(scale, Scale::Large | Scale::Network) {
                let started = std::time::Instant::now();
                let net = crate::demo::large::network::seed(&db, 10_000, 100_000, 200_000)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                db.refresh_statistics().map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "Large broker network: {} brokers with {} connections and {} referrals ({} scores) added in {:.0} s.",
                    net.brokers,
                    net.connections,
                    net.referrals,
                    net.scored,
                    started.elapsed().as_secs_f64()
                );
            }
            print_logins();
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the two passwords do not match");
        Ok(first)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn print_logins() {
    println!("Demo logins (password for all: {}):", crate::demo::DEMO_PASSWORD);
    for l in crate::demo::logins() {
        println!("  {:<8} {}", l.role.as_str(), l.email);
    }
}

fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let app = Application::build(settings.clone()).await?;
        if demo {
            let db = app.db();
            let s = settings.clone();
            let empty = db.read_blocking(|c| Ok(model::count_users(c)?)).map_err(|e| anyhow::anyhow!("{e}"))? == 0;
            if empty {
                tokio::task::spawn_blocking(move || crate::demo::seed(&db, &s)).await??;
                print_logins();
            } else if crate::demo::is_seeded(&app.db())? {
                print_logins();
            } else {
                println!("This database already has users, so the demo was not added. Use an empty DATABASE_URL for the demo.");
            }
        }
        tracing::info!(
            address = %settings.bind,
            url = %settings.base_url,
            database = %app.db().redacted_url(),
            backend = app.db().backend().name(),
            startup_ms = started.elapsed().as_millis() as u64,
            "Agency Engine is ready"
        );
        println!("Agency Engine is listening on http://{} (press Ctrl-C to stop)", settings.bind);
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// An error for the terminal: the message, and each field's problem on a line of its own.
fn explain(e: AppError) -> anyhow::Error {
    match &e {
        AppError::Validation(fields) => {
            let lines: Vec<String> = fields.0.iter().map(|(f, m)| format!("{f}: {}", m.join(" "))).collect();
            anyhow::anyhow!("{}\n{}", e.public_message(), lines.join("\n"))
        }
        _ => anyhow::anyhow!("{}", e.public_message()),
    }
}
