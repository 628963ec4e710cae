//! The command line, run as a separate process like an operator would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::harness::{client, spawn_on, TestDb};

fn cli(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_agency-engine"));
    c.env("DATABASE_URL", &db.url)
        .env("AE_DATA_DIR", db.dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .env_remove("AE_SECRET_KEY")
        .env_remove("AE_SMTP_URL");
    c
}

/// A count straight from the database a command wrote.
fn db_count(db: &TestDb, query: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let q = query.replacen("SELECT COUNT(*) FROM", "SELECT COUNT(*) AS n FROM", 1);
    agency_engine::db::Db::connect(&db.url, 1)
        .unwrap()
        .read_blocking(move |c| Ok(diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(q), c)?.n))
        .unwrap()
}

#[test]
fn help_documents_every_setting_and_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_agency-engine"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "create-user",
        "create-api-token",
        "seed-demo",
        "DATABASE_URL",
        "AE_BIND",
        "AE_SECRET_KEY",
        "AE_BASE_URL",
        "AE_SMTP_URL",
        "RUST_LOG",
    ] {
        assert!(text.contains(word), "--help mentions {word}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_agency-engine"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("--demo"));
}

#[test]
fn a_wrong_or_unreachable_database_url_fails_fast_and_clearly() {
    let db = TestDb::new();
    let started = Instant::now();
    let out = cli(&db)
        .arg("migrate")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/agency")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cannot open the database at postgres://nobody@127.0.0.1:1/agency"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "no long retry loop");

    let out = cli(&db)
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root@localhost/agency")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("is not understood"));
    // Nothing fell back to a SQLite file.
    assert!(!db.dir.path().join("data").join("agency.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_takes_the_password_from_standard_input() {
    let db = TestDb::new();
    let mut child = cli(&db)
        .args([
            "create-user",
            "--email",
            "Owner@Agency.test",
            "--name",
            "Dana Whitfield",
            "--role",
            "owner",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("Created owner owner@agency.test"));

    let mut weak = cli(&db)
        .args([
            "create-user",
            "--email",
            "x@agency.test",
            "--name",
            "X",
            "--role",
            "agent",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    weak.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = weak.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("at least 10 characters"));
    let out = cli(&db)
        .args([
            "create-user",
            "--email",
            "x@agency.test",
            "--name",
            "X",
            "--role",
            "wizard",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let app = spawn_on(db, |_| {}).await;
    assert_eq!(
        app.login("owner@agency.test", "a long enough password").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(app.audit_actions().contains(&"user.created".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_api_token_prints_the_token_once_and_stores_its_hash() {
    let db = TestDb::new();
    let out = cli(&db)
        .args(["create-api-token", "--name", "Lead vendor"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("ae_"));
    let app = spawn_on(db, |_| {}).await;
    let hashes = app.api_token_hashes();
    assert_eq!(hashes, vec![agency_engine::auth::tokens::digest(&token)]);
    let r = app.api_get("/api/v1/whoami", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let who: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        who["scopes"],
        serde_json::json!(["leads:write"]),
        "a vendor's token by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_api_token_takes_its_scopes_and_refuses_unknown_ones() {
    let db = TestDb::new();
    let out = cli(&db)
        .args(["create-api-token", "--name", "CRM", "--scope", "leads:read"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let out = cli(&db)
        .args(["create-api-token", "--name", "Root", "--scope", "everything"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a scope"));
    let app = spawn_on(db, |_| {}).await;
    let who: serde_json::Value = app.api_get("/api/v1/whoami", &token).await.json().await.unwrap();
    assert_eq!(who["scopes"], serde_json::json!(["leads:read"]));
    assert_eq!(app.count("api_tokens"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_seeds_prints_logins_serves_and_stops_on_sigterm() {
    let db = TestDb::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let errors = db.dir.path().join("serve-demo.stderr");
    let mut child = cli(&db)
        .args(["serve", "--demo"])
        .env("AE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        printed.push_str(&line);
        if line.contains("listening on") {
            break;
        }
        line.clear();
    }
    assert!(
        printed.contains("owner@sunbelt-demo.test") && printed.contains("demo-agency-2026"),
        "printed: {printed}\nerrors: {}",
        std::fs::read_to_string(&errors).unwrap_or_default()
    );
    let base = format!("http://127.0.0.1:{port}");
    let c = client();
    let page = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::harness::csrf_from(&page);
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("email", "owner@sunbelt-demo.test"),
            ("password", "demo-agency-2026"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(format!("{base}/admin/users?q=carter"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sam Carter") && html.contains("Invited"),
        "the invited trainee of the demo"
    );
    let roster = c
        .get(format!("{base}/admin/agents?state=FL"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        roster.contains("Priya Raman") && roster.contains("Carmen Delgado"),
        "the demo roster"
    );
    // Routing rules, and leads the real engine routed under them: offers with explanations,
    // some declined or timed out on the way, and a few waiting with the reason.
    let rules = c
        .get(format!("{base}/admin/routing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        rules.contains("Medicare in the South to Sunbelt Medicare") && rules.contains("nearest office"),
        "the demo's routing rules"
    );
    let offered = |status: &str| {
        let q = format!("SELECT COUNT(*) FROM offers WHERE status = '{status}' AND rule_id IS NOT NULL");
        db_count(&db, &q)
    };
    assert!(offered("accepted") > 1000, "most demo leads were offered and accepted");
    assert!(offered("declined") > 20 && offered("expired") > 20);
    assert!(
        db_count(
            &db,
            "SELECT COUNT(*) FROM leads WHERE unassigned_reason LIKE 'No eligible agent:%'"
        ) > 0
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server stops after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "clean exit: {status:?}");

    // Seeding again changes nothing.
    let out = cli(&db).arg("seed-demo").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("already in this database"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_large_data_set_is_written_through_the_apps_schema_and_serves_pages() {
    let app = crate::harness::spawn_app().await;
    let added = agency_engine::demo::large::seed(&app.db, 40, 2_500, 300).unwrap();
    assert_eq!((added.agents, added.leads, added.policies), (40, 2_500, 300));
    assert_eq!(app.count("policies"), 300);
    assert_eq!(app.count("policy_instalments"), added.instalments as i64);
    assert_eq!(
        app.count("policies WHERE lead_id IS NULL"),
        0,
        "each policy comes from a won lead"
    );
    // What was paid adds up three ways: payments, their allocations, the instalments' paid parts.
    let paid = app.sum("policy_payments", "amount_cents");
    assert!(paid > 0);
    assert_eq!(app.sum("policy_payment_allocations", "amount_cents"), paid);
    assert_eq!(app.sum("policy_instalments", "paid_cents"), paid);
    assert!(added.events >= 2_500, "a history event for each lead at least");
    assert_eq!(app.count("leads"), 2_500);
    assert_eq!(app.count("contacts"), 2_500);
    assert_eq!(app.count("agent_licenses"), 80);
    assert_eq!(app.count("lead_events"), added.events as i64);
    assert!(app.count("leads WHERE assigned_agent_id IS NOT NULL") > 2_000);
    let oldest = app
        .db
        .read_blocking(|c| {
            use agency_engine::db::schema::leads;
            use diesel::prelude::*;
            Ok(leads::table
                .select(diesel::dsl::min(leads::created_at))
                .first::<Option<chrono::NaiveDateTime>>(c)?)
        })
        .unwrap()
        .unwrap();
    assert!(
        oldest < agency_engine::db::now() - chrono::Duration::days(2 * 365),
        "spread over three years"
    );
    // Seeding again adds nothing; a generated agent signs in and sees their leads.
    let again = agency_engine::demo::large::seed(&app.db, 40, 2_500, 300).unwrap();
    assert_eq!(again, agency_engine::demo::large::Added::default());
    let r = app.login("agent0@large.sunbelt-demo.test", "demo-agency-2026").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.page("/leads").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("@large.example.com"), "the agent's own leads are listed");
}
