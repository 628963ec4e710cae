//! Security issue #12, what comes in: text with hidden characters, webhooks aimed at the server's
//! own network, the SQLite durability setting, and a stream of generated bodies at the lead API.

use std::process::Command;

use agency_engine::auth::roles::Role;
use agency_engine::leads::model;
use proptest::prelude::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{eventually, loopback_webhooks, spawn_app, spawn_on, spawn_with, TestApp, TestDb};
use crate::leads::{lead_json, post_lead, quote_started};
use crate::receiver::Receiver;
use crate::routing::token;

/// The names the issue reported as accepted.
const HIDDEN_NAMES: [&str; 5] = ["\u{0}", "A\u{0}B", "\u{200b}", "\u{202e}evil", "\u{feff}"];
const HIDDEN_NAME_MESSAGE: &str = "Remove the invisible or control characters from this name.";

/// Asserts a form was sent back with 422 and `message` on the page.
async fn assert_refused(r: reqwest::Response, message: &str, case: &str) {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
    assert!(r.text().await.unwrap().contains(message), "{case}: no {message:?}");
}

fn lead_with(field: &str, value: &str) -> Value {
    let mut body = lead_json("Ana", "ana@example.com", "(305) 555-0142");
    body[field] = json!(value);
    body
}

// ---- names and text ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_lead_with_hidden_characters_in_the_name_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let t = token(&app);
    for name in HIDDEN_NAMES {
        let (status, body) = post_lead(&app, &t, &lead_with("first_name", name), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {body}");
        assert_eq!(body["fields"]["first_name"], json!([HIDDEN_NAME_MESSAGE]), "{name:?}");
    }
    assert_eq!((app.count("leads"), app.count("contacts")), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_lead_with_a_nul_in_any_text_field_is_a_422_not_a_failed_write() {
    // PostgreSQL refuses a NUL in text: before the fix this was a failed write, not a message.
    let app = spawn_app().await;
    let t = token(&app);
    let nul = "a\u{0}b";
    let mut cases: Vec<(Value, &str)> = ["last_name", "message", "source", "external_id", "email", "product_line"]
        .into_iter()
        .map(|field| (lead_with(field, nul), field))
        .collect();
    let mut tags = lead_with("source", "vendor-a");
    tags["tags"] = json!(["ok", nul]);
    cases.push((tags, "tags"));
    let mut consent = lead_with("source", "vendor-a");
    consent["consent"]["text"] = json!(nul);
    cases.push((consent, "consent.text"));
    for (body, field) in cases {
        let (status, answer) = post_lead(&app, &t, &body, Some(&format!("nul-{field}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {answer}");
        assert!(answer["fields"][field].is_array(), "{field}: {answer}");
    }
    assert_eq!((app.count("leads"), app.count("contacts")), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_lead_name_typed_decomposed_is_stored_composed() {
    let app = spawn_app().await;
    let t = token(&app);
    let (status, body) = post_lead(&app, &t, &lead_with("first_name", "Jose\u{301}"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let lead = app.api_lead(id, &t).await;
    assert_eq!(lead["contact"]["first_name"], "Jos\u{e9}");
    // Typed composed, the same person is found again rather than stored twice.
    let (status, body) = post_lead(&app, &t, &lead_with("first_name", "Jos\u{e9}"), None).await;
    assert_eq!(
        (status, body["attached"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_with_hidden_characters_in_the_name_is_refused() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let (users, emails) = (app.count("users"), app.email_jobs());
    for (i, name) in HIDDEN_NAMES.into_iter().enumerate() {
        let email = format!("invitee{i}@example.com");
        let r = app
            .post_form("/admin/users", &[("name", name), ("email", &email), ("role", "agent")])
            .await;
        assert_refused(r, HIDDEN_NAME_MESSAGE, &format!("{name:?}")).await;
    }
    assert_eq!((app.count("users"), app.email_jobs()), (users, emails));
    let r = app
        .post_form(
            "/admin/users",
            &[
                ("name", "Nguye\u{302}\u{303}n Van An"),
                ("email", "an@example.com"),
                ("role", "agent"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("users WHERE name = 'Nguy\u{1ec5}n Van An'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_form_team_name_and_note_with_hidden_characters_are_refused() {
    let app = spawn_app().await;
    let started = quote_started(&app.page("/quote").await.1);
    let r = app
        .post_form(
            "/quote",
            &[
                ("first_name", "\u{202e}evil"),
                ("last_name", "Garcia"),
                ("phone", "(305) 555-0142"),
                ("started", &started),
            ],
        )
        .await;
    assert_refused(r, HIDDEN_NAME_MESSAGE, "quote form").await;
    assert_eq!(app.count("leads"), 0);

    app.login_as(Role::Owner).await;
    let r = app.post_form("/admin/teams", &[("name", "Team\u{200b}")]).await;
    let message = "Remove the invisible or control characters from this team name.";
    assert_refused(r, message, "team").await;
    assert_eq!(app.count("teams"), 0);

    let t = token(&app);
    let (_, body) = post_lead(&app, &t, &lead_with("source", "vendor-a"), None).await;
    let id = body["id"].as_i64().unwrap();
    let notes = || app.count(&format!("lead_events WHERE lead_id = {id} AND kind = 'note_added'"));
    let r = app
        .post_form(&format!("/leads/{id}/notes"), &[("body", "call\u{0} back")])
        .await;
    let message = "Remove the invisible or control characters from this note.";
    assert_refused(r, message, "note").await;
    assert_eq!(notes(), 0);
    // A note keeps its lines.
    let r = app
        .post_form(
            &format!("/leads/{id}/notes"),
            &[("body", "Prefers calls\r\n\tafter 5 pm")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(notes(), 1);
}

// ---- webhooks -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_to_a_private_address_is_refused_unless_allowed() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    for url in [
        "http://127.0.0.1:9000/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://10.0.0.5/hooks",
        "https://10.0.0.5/hooks",
        "https://192.168.1.20/hooks",
        "https://localhost/hooks",
    ] {
        let r = app.create_webhook(url, "*").await;
        assert_refused(r, "webhooks go to public addresses only", url).await;
    }
    assert_eq!(app.count("webhook_endpoints"), 0);

    let allowed = spawn_with(loopback_webhooks).await;
    allowed.login_as(Role::Owner).await;
    let r = allowed.create_webhook("http://127.0.0.1:9000/hooks", "*").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_saved_while_allowed_is_refused_at_delivery_once_not_allowed() {
    let receiver = Receiver::start(0).await;
    let app = spawn_with(loopback_webhooks).await;
    app.login_as(Role::Owner).await;
    assert_eq!(
        app.create_webhook(&receiver.url(), "*").await.status(),
        StatusCode::SEE_OTHER
    );
    // The same database, served again with private addresses no longer allowed.
    let app = spawn_on(app.stop().await, |_| {}).await;
    let t = token(&app);
    let (status, _) = post_lead(&app, &t, &lead_with("source", "vendor-a"), None).await;
    assert_eq!(status, StatusCode::CREATED);
    let endpoint = app
        .db
        .read_blocking(|c| Ok(model::webhooks::endpoints(c)?.remove(0)))
        .unwrap();
    let tried = eventually(10, || {
        app.db
            .read_blocking(move |c| Ok(model::webhooks::deliveries_of(c, endpoint.id)?))
            .unwrap()
            .into_iter()
            .find(|d| d.attempts >= 1)
    })
    .await
    .expect("the delivery is attempted");
    assert_eq!(tried.status, "pending", "a failed attempt, to be retried");
    let error = tried.error.expect("the refusal is on the delivery");
    assert!(error.contains("refused") && error.contains("127.0.0.1"), "{error}");
    assert!(receiver.requests().is_empty(), "the receiver got nothing");
    app.login_as(Role::Owner).await;
    let (_, html) = app.page(&format!("/admin/webhooks/{}", endpoint.id)).await;
    assert!(html.contains("refused: 127.0.0.1 is at 127.0.0.1"), "the log shows why");
}

// ---- settings -----------------------------------------------------------------------------------

#[test]
fn sqlite_synchronous_takes_normal_or_full_and_says_so_otherwise() {
    let db = TestDb::new();
    let run = |value: &str| {
        Command::new(env!("CARGO_BIN_EXE_agency-engine"))
            .arg("migrate")
            .env("DATABASE_URL", &db.url)
            .env("AE_DATA_DIR", db.dir.path().join("data"))
            .env("AE_SQLITE_SYNCHRONOUS", value)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run("sometimes");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("AE_SQLITE_SYNCHRONOUS must be normal or full"),
        "{stderr}"
    );
    for value in ["normal", "full", "FULL"] {
        let out = run(value);
        assert!(
            out.status.success(),
            "{value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let help = Command::new(env!("CARGO_BIN_EXE_agency-engine"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("AE_SQLITE_SYNCHRONOUS") && help.contains("AE_WEBHOOK_ALLOW_PRIVATE"));
}

// ---- generated bodies ---------------------------------------------------------------------------

/// Text of every kind: good names, any Unicode (controls included), hidden characters, long runs.
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec!["Ana", "José", "Jose\u{301}", "O'Brien", "Nguyễn", "Mary-Kate", "王秀英", "  Ana  "])
            .prop_map(String::from),
        2 => any::<String>(),
        2 => "[\\x00-\\x1f\\x7f\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}\\x{feff}\\x{e000}a-z ]{0,12}",
        1 => (0usize..12_000).prop_map(|n| "x".repeat(n)),
        1 => Just(String::new()),
    ]
    .boxed()
}

/// A JSON value for a field: mostly text from `text`, sometimes of the wrong type.
fn field_value(text: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => text.prop_map(Value::String),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| json!(f)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => prop::collection::vec(any_text(), 0..3).prop_map(|v| json!(v)),
        1 => any_text().prop_map(|t| json!({ "nested": t })),
    ]
    .boxed()
}

fn text_or(good: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![3 => good, 2 => any_text()].boxed()
}

fn consent_value() -> BoxedStrategy<Value> {
    let field = |s: &'static str| field_value(text_or(Just(s.to_string()).boxed()));
    prop_oneof![
        3 => (
            field("I agree to be contacted."),
            field("2026-11-01T10:00:00Z"),
            field("203.0.113.9"),
            field("Mozilla/5.0"),
            field("https://vendor.example/form"),
            field_value(any_text()),
        )
            .prop_map(|(text, given_at, ip, user_agent, page_url, sellers)| {
                json!({ "text": text, "given_at": given_at, "ip": ip, "user_agent": user_agent,
                        "page_url": page_url, "sellers": sellers })
            }),
        1 => field_value(any_text()),
    ]
    .boxed()
}

/// A lead body: each field left out, well formed, or junk.
fn lead_body() -> BoxedStrategy<Value> {
    let good = |re: &'static str| text_or(re.boxed());
    let fields: Vec<BoxedStrategy<(&'static str, Option<Value>)>> = vec![
        ("first_name", field_value(any_text())),
        ("last_name", field_value(any_text())),
        (
            "email",
            field_value(good("[a-z]{1,8}\\.[0-9]{1,6}@example\\.com|[a-z@. ]{0,10}")),
        ),
        ("phone", field_value(good("\\(305\\) 555-0[0-9]{3}|[0-9()+ -]{0,15}"))),
        (
            "birth_date",
            field_value(good("19[0-9]{2}-0[1-9]-[0-2][0-9]|[0-9/-]{0,12}")),
        ),
        ("zip", field_value(good("[0-9]{5}|[0-9A-Z-]{0,10}"))),
        ("state", field_value(good("FL|Texas|Narnia|tx"))),
        (
            "product_line",
            field_value(good("medicare_advantage|Medicare Supplement|spaceships")),
        ),
        ("message", field_value(any_text())),
        ("source", field_value(any_text())),
        ("external_id", field_value(any_text())),
        ("tags", field_value(any_text())),
        ("consent", consent_value()),
    ]
    .into_iter()
    .map(|(key, value)| prop::option::weighted(0.8, value).prop_map(move |v| (key, v)).boxed())
    .collect();
    fields
        .prop_map(|pairs| {
            Value::Object(
                pairs
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v?)))
                    .collect(),
            )
        })
        .boxed()
}

/// A valid lead with at most one field swapped for a generated value.
fn nearly_valid_body() -> BoxedStrategy<Value> {
    let keys = [
        "first_name",
        "last_name",
        "email",
        "birth_date",
        "message",
        "tags",
        "consent",
    ];
    (
        "[a-z]{6}\\.[0-9]{4}",
        prop::option::weighted(0.6, (prop::sample::select(keys.to_vec()), field_value(any_text()))),
    )
        .prop_map(|(user, swap)| {
            let mut body = lead_json("Ana", &format!("{user}@example.com"), "(305) 555-0142");
            body.as_object_mut().unwrap().remove("phone");
            if let Some((key, value)) = swap {
                body[key] = value;
            }
            body
        })
        .boxed()
}

/// What is sent: JSON objects, nearly valid leads, other JSON, and bytes that are not JSON.
fn request_body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => lead_body().prop_map(|v| v.to_string().into_bytes()),
        4 => nearly_valid_body().prop_map(|v| v.to_string().into_bytes()),
        1 => field_value(any_text()).prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => lead_body().prop_map(|v| format!("{v}}}trailing").into_bytes()),
    ]
    .boxed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_lead_bodies_never_get_a_5xx_and_only_created_leads_are_written() {
    const BODIES: usize = 2_500;
    let app = spawn_with(|s| s.api_rate_per_second = 1_000_000).await;
    let t = token(&app);
    let counts = |app: &TestApp| (app.count("leads"), app.count("contacts"));
    let mut runner = TestRunner::deterministic();
    let strategy = request_body();
    let mut tally = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..BODIES {
        let body = strategy.new_tree(&mut runner).unwrap().current();
        let before = counts(&app);
        let mut request = app
            .client
            .post(app.url("/api/v1/leads"))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(body.clone());
        if n % 4 == 0 {
            request = request.header("Idempotency-Key", format!("key-{n}"));
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).to_string();
        assert!(status.as_u16() < 500, "{status} for {shown:?}: {answer}");
        let after = counts(&app);
        *tally.entry(status.as_u16()).or_default() += 1;
        if status == StatusCode::CREATED {
            assert_eq!(after.0, before.0 + 1, "one lead for {shown:?}");
            let id = answer["id"].as_i64().expect("an id");
            assert_eq!(app.api_lead(id, &t).await["id"], id, "lead {id} exists");
        } else if status == StatusCode::OK {
            assert_eq!(after, before, "an attached lead adds no lead or contact: {shown:?}");
        } else {
            assert!(status.is_client_error(), "{status} for {shown:?}");
            assert_eq!(after, before, "{status} wrote nothing for {shown:?}: {answer}");
        }
    }
    let created = tally.get(&201).copied().unwrap_or(0);
    let refused = tally.get(&422).copied().unwrap_or(0) + tally.get(&400).copied().unwrap_or(0);
    assert!(
        created > 100 && refused > 1_000,
        "a fair mix of good and bad bodies: {tally:?}"
    );
}
