//! The test harness: `spawn_app()`, a cookie-keeping client that does not follow redirects,
//! `login_as(role)`, and form helpers that carry the CSRF token.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use agency_engine::auth::model;
use agency_engine::auth::roles::Role;
use agency_engine::config::Settings;
use agency_engine::db::Db;
use agency_engine::leads::model::imports::ImportRow;
use agency_engine::startup::Application;
use agency_engine::web::AppState;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub const PASSWORD: &str = "a long test password";

static COUNTER: AtomicUsize = AtomicUsize::new(1);
static ANNOUNCE: Once = Once::new();

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// The PostgreSQL server to test against, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("AE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Says something in the test output even when the test passes (the harness captures eprintln!).
pub fn note(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "note: {message}");
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match postgres_admin_url() {
            Some(admin) => {
                ANNOUNCE.call_once(|| note(&format!("tests run against PostgreSQL ({admin})")));
                let name = format!("ae_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn =
                    diesel::PgConnection::establish(&admin).expect("AE_TEST_DATABASE_URL must reach PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut u = url::Url::parse(&admin).expect("AE_TEST_DATABASE_URL is a URL");
                u.set_path(&name);
                u.to_string()
            }
            None => {
                ANNOUNCE.call_once(|| {
                    note("tests run against SQLite. SKIPPED: the PostgreSQL run (set AE_TEST_DATABASE_URL=postgres://… to run the suite against PostgreSQL too; .ci/run does)")
                });
                format!("sqlite://{}", dir.path().join("agency.db").display())
            }
        };
        TestDb { url, dir }
    }

    pub fn settings(&self) -> Settings {
        Settings::for_database(&self.url, &self.dir.path().join("data"))
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: Client,
    pub settings: Settings,
    pub state: actix_web::web::Data<AppState>,
    pub test_db: TestDb,
    handle: actix_web::dev::ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub fn client() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// For `spawn_with`, in tests whose webhooks go to the loopback receiver (`receiver.rs`): private
/// addresses allowed, as a deployment with its CRM on its own network would set.
pub fn loopback_webhooks(settings: &mut Settings) {
    settings.webhook_allow_private = true;
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(TestDb::new(), configure).await
}

/// The `seed-demo` agency, seeded once per test process into a database of its own (no server
/// runs on it) and copied for each test that asks: seeding takes a quarter of a minute, copying a
/// fraction of a second.
struct DemoTemplate {
    /// The seeded SQLite file, or the PostgreSQL database to use as a template.
    source: String,
    data_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

static DEMO: std::sync::OnceLock<DemoTemplate> = std::sync::OnceLock::new();

fn demo_template() -> &'static DemoTemplate {
    DEMO.get_or_init(|| {
        let test_db = TestDb::new();
        let settings = test_db.settings();
        {
            let db = Db::connect_with(&settings.database_url, 2, settings.sqlite_synchronous).expect("connect");
            db.migrate().expect("migrate");
            let added = agency_engine::demo::seed(&db, &settings).expect("the demo seeds");
            assert!(added, "the demo went into an empty database");
            if db.backend() == agency_engine::db::Backend::Sqlite {
                db.write_blocking(|c| {
                    diesel::RunQueryDsl::execute(diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)"), c)?;
                    Ok(())
                })
                .expect("checkpoint");
            }
        }
        let source = match postgres_admin_url() {
            Some(_) => url::Url::parse(&test_db.url)
                .unwrap()
                .path()
                .trim_start_matches('/')
                .to_string(),
            None => test_db.dir.path().join("agency.db").display().to_string(),
        };
        DemoTemplate {
            source,
            data_dir: test_db.dir.path().join("data"),
            _dir: test_db.dir,
        }
    })
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("data folder");
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a data file");
        }
    }
}

/// A fresh copy of the demo agency (its people, courses, six months of leads, policies and
/// commissions), with its data folder.
fn demo_copy() -> TestDb {
    let template = demo_template();
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&template.data_dir, &dir.path().join("data"));
    let url = match postgres_admin_url() {
        Some(admin) => {
            let name = format!("ae_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin).expect("reach PostgreSQL");
            // The template may still have a closing connection for a moment.
            let mut tries = 0;
            while let Err(e) = conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {}", template.source)) {
                tries += 1;
                assert!(tries < 50, "copy the demo database: {e}");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let mut u = url::Url::parse(&admin).unwrap();
            u.set_path(&name);
            u.to_string()
        }
        None => {
            let file = dir.path().join("agency.db");
            std::fs::copy(&template.source, &file).expect("copy the demo database");
            format!("sqlite://{}", file.display())
        }
    };
    TestDb { url, dir }
}

/// Starts the application on a copy of the demo agency.
pub async fn spawn_demo_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = tokio::task::spawn_blocking(demo_copy).await.expect("the demo copy");
    spawn_on(test_db, configure).await
}

/// Starts the application on an existing test database (to restart it, for example).
pub async fn spawn_on(test_db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_db.settings();
    configure(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    settings.base_url = format!("http://127.0.0.1:{port}");
    let db = Db::connect_with(
        &settings.database_url,
        settings.db_pool_size,
        settings.sqlite_synchronous,
    )
    .expect("connect");
    db.migrate().expect("migrate");
    let app = Application::build_with(settings.clone(), db.clone(), listener).expect("build app");
    let handle = app.handle();
    let state = app.state();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db,
        client: client(),
        settings,
        state,
        test_db,
        handle,
        task: Some(task),
    }
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
}

/// The CSRF token of the page's <meta> tag.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("page has a csrf meta tag");
    html[start..].split('"').next().unwrap().to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET and read the body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// A GET to the API with a bearer token.
    pub async fn api_get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("API GET")
    }

    /// A new API token with these scopes (as the token page names them), straight in the database.
    pub fn api_token(&self, name: &str, scopes: &[&str]) -> String {
        let who = agency_engine::audit::AuditActor::system("test");
        self.db
            .write_blocking(|c| agency_engine::auth::service::create_api_token(c, &who, name, scopes))
            .expect("api token")
            .1
    }

    /// A member's own network token acting as `owner` (who must be on the network).
    pub fn member_token(&self, owner: i64, name: &str) -> String {
        let who = agency_engine::audit::AuditActor::system("test");
        let actor = agency_engine::network::service::NetworkActor {
            id: owner,
            role: Role::Broker,
        };
        self.db
            .write_blocking(|c| agency_engine::network::service::create_own_token(c, actor, &who, name))
            .expect("member token")
            .1
    }

    /// A lead as `GET /api/v1/leads/{id}` answers it.
    pub async fn api_lead(&self, id: i64, token: &str) -> serde_json::Value {
        let r = self.api_get(&format!("/api/v1/leads/{id}"), token).await;
        assert_eq!(r.status(), StatusCode::OK, "lead {id}");
        r.json().await.expect("a lead as JSON")
    }

    /// The stored hashes of every API token.
    pub fn api_token_hashes(&self) -> Vec<String> {
        self.db
            .read_blocking(|c| Ok(model::list_api_tokens(c)?.into_iter().map(|t| t.token_hash).collect()))
            .expect("api tokens")
    }

    /// The current session's CSRF token (from a page that always renders).
    pub async fn csrf(&self) -> String {
        csrf_from(&self.page("/password-reset").await.1)
    }

    /// POSTs a form with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.client.post(self.url(path)).form(&all).send().await.expect("POST")
    }

    /// Registers a webhook endpoint through the admin form.
    pub async fn create_webhook(&self, url: &str, events: &str) -> Response {
        self.post_form("/admin/webhooks", &[("url", url), ("events", events)])
            .await
    }

    /// Creates an active user with a password, straight in the database.
    pub fn create_user(&self, role: Role, name: &str) -> TestUser {
        let email = format!("{}@test.agency-engine.test", unique(&format!("{}-", role.as_str())));
        self.create_user_with_email(role, name, &email)
    }

    pub fn create_user_with_email(&self, role: Role, name: &str, email: &str) -> TestUser {
        let hash = agency_engine::auth::password::hash(PASSWORD);
        let id = self
            .db
            .write_blocking(|c| {
                Ok(model::insert_user(
                    c,
                    &model::NewUser::new(email, name, role, Some(&hash), "America/New_York"),
                )?)
            })
            .expect("insert user");
        if agency_engine::agents::service::is_agent_role(role) {
            let n = name.to_string();
            self.db
                .write_blocking(move |c| agency_engine::agents::service::ensure_profile(c, id, &n))
                .expect("profile");
        }
        TestUser {
            id,
            email: email.to_string(),
            password: PASSWORD.into(),
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// The agent profile id of an agent or trainee.
    pub fn agent_id(&self, user: &TestUser) -> i64 {
        let id = user.id;
        self.db
            .read_blocking(move |c| {
                Ok(agency_engine::agents::model::find_agent_by_user(c, id)?
                    .expect("an agent profile")
                    .id)
            })
            .expect("agent")
    }

    /// Creates a user with `role` and signs this app's client in as them.
    pub async fn login_as(&self, role: Role) -> TestUser {
        let user = self.create_user(role, &format!("Test {}", role.label()));
        let r = self.login(&user.email, &user.password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login as {role} failed");
        user
    }

    /// Another browser on the same server.
    pub fn new_client(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            db: self.db.clone(),
            client: client(),
            settings: self.settings.clone(),
            state: self.state.clone(),
            test_db: TestDb {
                url: self.test_db.url.clone(),
                dir: tempfile::tempdir().unwrap(),
            },
            handle: self.handle.clone(),
            task: None,
        }
    }

    pub fn count(&self, sql_table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let q = format!("SELECT COUNT(*) AS n FROM {sql_table}");
        self.db
            .read_blocking(move |c| Ok(diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(q), c)?.n))
            .expect("count")
    }

    /// The sum of a whole-number column over `sql_table` (which may end in a WHERE clause); read
    /// as text so SQLite's integers and PostgreSQL's numeric sums come back alike.
    pub fn sum(&self, sql_table: &str, column: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let q = format!("SELECT CAST(COALESCE(SUM({column}), 0) AS TEXT) AS v FROM {sql_table}");
        let v = self
            .db
            .read_blocking(move |c| Ok(diesel::RunQueryDsl::get_result::<V>(diesel::sql_query(q), c)?.v))
            .expect("sum");
        v.parse().expect("a whole number")
    }

    /// E-mails queued (the worker also queues its own daily reminder run).
    pub fn email_jobs(&self) -> i64 {
        self.count("jobs WHERE kind = 'email'")
    }

    pub fn audit_actions(&self) -> Vec<String> {
        let (rows, _) = self
            .db
            .read_blocking(|c| Ok(agency_engine::audit::model::list(c, &Default::default(), None, 500)?))
            .expect("audit");
        rows.into_iter().map(|r| r.action).collect()
    }

    /// Stops the server gracefully and waits for it (and its job worker).
    pub async fn stop(mut self) -> TestDb {
        self.handle.stop(true).await;
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        std::mem::replace(
            &mut self.test_db,
            TestDb {
                url: String::new(),
                dir: tempfile::tempdir().unwrap(),
            },
        )
    }
}

/// Polls `check` until it returns Some, for up to `seconds`.
pub async fn eventually<T>(seconds: u64, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

// ---- lead imports ---------------------------------------------------------------------------

impl TestApp {
    /// Uploads a CSV file on the lead import page (`POST /leads/imports`).
    pub async fn upload_lead_csv(&self, file_name: &str, bytes: Vec<u8>) -> Response {
        let token = self.csrf().await;
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        self.client
            .post(self.url("/leads/imports"))
            .header("X-CSRF-Token", &token)
            .multipart(form)
            .send()
            .await
            .expect("upload")
    }

    /// Maps column `i` of the upload to `columns[i]` ("" ignores it) and starts the import;
    /// returns the import's id.
    pub async fn start_lead_import(&self, upload: &str, file_name: &str, columns: &[&str]) -> i64 {
        let names: Vec<String> = (0..columns.len()).map(|i| format!("col_{i}")).collect();
        let mut fields = vec![("upload", upload), ("file_name", file_name)];
        fields.extend(names.iter().map(String::as_str).zip(columns.iter().copied()));
        let r = self.post_form("/leads/imports/mapping", &fields).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "the import starts");
        location_id(&r)
    }

    /// Queues today's daily run (reminders, the upload sweep) and wakes the worker.
    pub fn queue_daily_run(&self) {
        let today = chrono::Utc::now().date_naive().to_string();
        self.db
            .write_blocking(move |c| {
                let payload = serde_json::json!({ "date": today }).to_string();
                Ok(agency_engine::jobs::model::insert(
                    c,
                    <agency_engine::daily::DailyRun as agency_engine::jobs::Job>::KIND,
                    &payload,
                    agency_engine::db::now(),
                    3,
                )?)
            })
            .unwrap();
        self.state.jobs_wakeup.notify_one();
    }

    /// Waits for a background import to finish and returns it.
    pub async fn finished_import(&self, import_id: i64, seconds: u64) -> ImportRow {
        eventually(seconds, || {
            self.db
                .read_blocking(move |c| Ok(agency_engine::leads::model::imports::find_import(c, import_id)?))
                .ok()
                .filter(|i| i.status == "done")
        })
        .await
        .expect("the import finishes")
    }
}

/// The value of the form input `name` in a page.
pub fn input_value(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .unwrap_or_else(|| panic!("the page has an input {name}"))
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// The id at the end of a redirect's location (`/things/42` → 42).
pub fn location_id(r: &Response) -> i64 {
    r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .expect("an id at the end of the location")
}

impl TestApp {
    /// Asks for a quote as a consenting person would (`started` from the form's hidden field),
    /// and gives back the newest lead's id after the redirect to the thank-you page.
    pub async fn submit_consenting_quote(&self, started: &str) -> i64 {
        let r = self
            .post_form(
                "/quote",
                &[
                    ("first_name", "Ana"),
                    ("last_name", "Garcia"),
                    ("phone", "(305) 555-0142"),
                    ("zip", "33101"),
                    ("product_line", "medicare_supplement"),
                    ("consent", "yes"),
                    ("started", started),
                ],
            )
            .await;
        assert_eq!(r.headers()["location"], "/quote/thanks");
        self.db
            .read_blocking(|c| {
                use agency_engine::leads::model as leads;
                Ok(leads::list_leads(
                    c,
                    &leads::Scope::All,
                    &Default::default(),
                    leads::LeadSort::Newest,
                    None,
                    1,
                )?
                .0[0]
                    .0
                    .id)
            })
            .expect("the newest lead")
    }

    /// The first value of a one-column query written `SELECT CAST(… AS TEXT) AS v …`, if any row.
    pub fn first_value(&self, sql: &str) -> Option<String> {
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let q = sql.to_string();
        self.db
            .read_blocking(move |c| {
                Ok(diesel::OptionalExtension::optional(
                    diesel::RunQueryDsl::get_result::<V>(diesel::sql_query(q), c),
                )?)
            })
            .expect("query")
            .map(|r| r.v)
    }
}
