//! Who may get in and what they may read: API token scopes, sessions that end, redirects that stay
//! on this site, the client address behind a proxy, and sign-in that gives nothing away.

use agency_engine::auth::roles::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{spawn_app, spawn_with, TestApp};

fn lead(first: &str, email: &str) -> Value {
    json!({ "first_name": first, "last_name": "Lopez", "email": email, "zip": "33101", "source": "vendor-a",
            "message": "Call me about Medicare" })
}

async fn post_lead(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/leads"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

// ---- 1. API token scopes --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_only_token_reads_back_only_the_leads_it_sent() {
    let app = spawn_app().await;
    let vendor = app.api_token("Vendor A", &["leads:write"]);
    let other = app.api_token("Vendor B", &["leads:write"]);
    let (s, mine) = post_lead(&app, &vendor, &lead("Ana", "ana@example.com")).await;
    assert_eq!(s, StatusCode::CREATED, "{mine}");
    let (s, theirs) = post_lead(&app, &other, &lead("Rosa", "rosa@example.com")).await;
    assert_eq!(s, StatusCode::CREATED, "{theirs}");
    let (mine, theirs) = (mine["id"].as_i64().unwrap(), theirs["id"].as_i64().unwrap());

    let r = app.api_get(&format!("/api/v1/leads/{mine}"), &vendor).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["contact"]["first_name"], "Ana");
    // Another vendor's lead, and a lead from the web site, answer as if they did not exist.
    let r = app.api_get(&format!("/api/v1/leads/{theirs}"), &vendor).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body = r.text().await.unwrap();
    assert!(!body.contains("Rosa") && !body.contains("rosa@example.com"), "{body}");

    // A token with leads:read reads every lead; one without leads:write may not send any.
    let reader = app.api_token("CRM", &["leads:read"]);
    for id in [mine, theirs] {
        assert_eq!(
            app.api_get(&format!("/api/v1/leads/{id}"), &reader).await.status(),
            StatusCode::OK
        );
    }
    let (s, body) = post_lead(&app, &reader, &lead("Eva", "eva@example.com")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("leads:write"), "{body}");
    assert_eq!(app.count("contacts WHERE email = 'eva@example.com'"), 0);

    let who: Value = app.api_get("/api/v1/whoami", &vendor).await.json().await.unwrap();
    assert_eq!(who["scopes"], json!(["leads:write"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_page_chooses_and_shows_scopes() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let r = app
        .post_form(
            "/admin/api-tokens",
            &[("name", "Reporting"), ("scope", "leads:read"), ("scope", "leads:write")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = r.text().await.unwrap();
    let token = page
        .split("id=\"new-token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the new token is shown")
        .to_string();
    assert!(
        page.contains("<code>leads:write</code>, <code>leads:read</code>"),
        "scopes listed"
    );
    let who: Value = app.api_get("/api/v1/whoami", &token).await.json().await.unwrap();
    assert_eq!(who["scopes"], json!(["leads:write", "leads:read"]));

    // No scope, or an unknown one, is refused with a message and nothing is created.
    let before = app.count("api_tokens");
    let r = app.post_form("/admin/api-tokens", &[("name", "Nothing")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choose at least one scope"));
    let r = app
        .post_form("/admin/api-tokens", &[("name", "Root"), ("scope", "admin:all")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("is not a scope"));
    assert_eq!(app.count("api_tokens"), before);
}

// ---- 5. The client address behind a proxy ---------------------------------------------------

/// A request through the proxy on loopback: the client sent `forged`, the proxy appended `real`.
fn via_proxy(r: reqwest::RequestBuilder, forged: &str, real: &str) -> reqwest::RequestBuilder {
    r.header("X-Forwarded-For", format!("{forged}, {real}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_does_not_escape_the_sign_in_limit() {
    let app = spawn_with(|s| {
        s.trust_proxy = true;
        s.login_rate_per_minute = 20;
    })
    .await;
    let token = app.csrf().await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        // A new e-mail address each time, so only the per-address limit can answer 429.
        let email = format!("nobody{i}@example.com");
        let r = via_proxy(
            app.client.post(app.url("/login")),
            &format!("10.9.{i}.{i}"),
            "203.0.113.7",
        )
        .form(&[("email", email.as_str()), ("password", "wrong"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
        statuses.push(r.status());
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(
        limited >= 9,
        "the one real address is limited whatever it forges: {statuses:?}"
    );
    // Another real address behind the same proxy is not.
    let r = via_proxy(app.client.post(app.url("/login")), "10.9.9.9", "198.51.100.20")
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "wrong"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_does_not_escape_the_api_limit() {
    let app = spawn_with(|s| {
        s.trust_proxy = true;
        s.api_rate_per_second = 5;
    })
    .await;
    let token = app.api_token("vendor", &["leads:write"]);
    let mut limited = 0;
    for i in 0..40 {
        let r = via_proxy(
            app.client.get(app.url("/api/v1/whoami")),
            &format!("10.8.{i}.1"),
            "203.0.113.8",
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "forty requests in a burst from one real address hit the limit of 5/s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_and_consent_keep_the_real_client_address() {
    let app = spawn_with(|s| {
        s.trust_proxy = true;
        s.quote_min_seconds = 0;
    })
    .await;
    let user = app.create_user(Role::Agent, "Dana Whit");
    let token = app.csrf().await;
    let r = via_proxy(app.client.post(app.url("/login")), "8.8.8.8", "203.0.113.30")
        .form(&[
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ips: Vec<Option<String>> = app
        .db
        .read_blocking(|c| {
            Ok(agency_engine::audit::model::list(c, &Default::default(), None, 50)?
                .0
                .into_iter()
                .filter(|r| r.action == "user.signed_in")
                .map(|r| r.ip)
                .collect())
        })
        .unwrap();
    assert_eq!(ips, vec![Some("203.0.113.30".to_string())]);

    let (_, html) = app.page("/quote").await;
    let started = html
        .split("name=\"started\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let token = app.csrf().await;
    let r = via_proxy(app.client.post(app.url("/quote")), "8.8.8.8", "203.0.113.31")
        .form(&[
            ("first_name", "Ana"),
            ("last_name", "Garcia"),
            ("phone", "(305) 555-0142"),
            ("zip", "33101"),
            ("consent", "yes"),
            ("started", started.as_str()),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/quote/thanks");
    assert_eq!(app.count("lead_consents WHERE ip = '203.0.113.31'"), 1);
    assert_eq!(app.count("lead_consents WHERE ip = '8.8.8.8'"), 0);
}

// ---- 2. Sessions end on the server ----------------------------------------------------------

/// Signs a fresh browser in and returns it with the raw session cookie it was given.
async fn signed_in(app: &TestApp, user: &crate::harness::TestUser) -> (TestApp, String) {
    let browser = app.new_client();
    let r = browser.login(&user.email, &user.password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ae_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (browser, cookie)
}

/// A request carrying a copied cookie, as an attacker who saved it would send it.
async fn with_cookie(app: &TestApp, cookie: &str, path: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_saved_before_signing_out_opens_nothing_after() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, "Olga Owner");
    let (browser, cookie) = signed_in(&app, &owner).await;
    assert_eq!(with_cookie(&app, &cookie, "/admin/users").await, StatusCode::OK);
    let csrf = browser.csrf().await;
    let r = browser.post_form("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(with_cookie(&app, &cookie, "/admin/users").await, StatusCode::SEE_OTHER);
    // Nor can it change anything.
    let r = reqwest::Client::new()
        .post(app.url("/admin/teams"))
        .header("cookie", &cookie)
        .form(&[("name", "Ghosts"), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("teams WHERE name = 'Ghosts'"), 0);
    assert!(app.audit_actions().contains(&"user.signed_out".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_idle_and_when_too_old() {
    let app = spawn_with(|s| s.session_idle = std::time::Duration::from_secs(1)).await;
    let user = app.create_user(Role::Agent, "Ivy Idle");
    let (browser, _) = signed_in(&app, &user).await;
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "idle too long"
    );

    let app = spawn_with(|s| s.session_lifetime = std::time::Duration::from_secs(2)).await;
    let user = app.create_user(Role::Agent, "Olive Old");
    let (browser, _) = signed_in(&app, &user).await;
    for _ in 0..4 {
        assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "busy but too old"
    );
    assert_eq!(app.count("user_sessions WHERE end_reason = 'expired'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_lists_devices_and_signs_them_out() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Agent, "Dev Ice");
    let (laptop, _) = signed_in(&app, &user).await;
    let phone = app.new_client();
    let r = phone
        .client
        .post(app.url("/login"))
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        )
        .form(&[
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
            ("csrf_token", phone.csrf().await.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, page) = laptop.page("/account").await;
    assert!(page.contains("Safari on iPhone"), "the phone is listed");
    assert!(page.contains("This device"));
    assert_eq!(
        page.matches("/revocation\"").count(),
        3,
        "one button a device, and everywhere"
    );
    let phone_session: i64 = app
        .db
        .read_blocking(|c| {
            use agency_engine::db::schema::user_sessions::dsl::*;
            use diesel::prelude::*;
            Ok(user_sessions.filter(user_agent.like("%iPhone%")).select(id).first(c)?)
        })
        .unwrap();
    let r = laptop
        .post_form(&format!("/account/sessions/{phone_session}/revocation"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "the phone is out"
    );
    assert_eq!(
        laptop.get("/account").await.status(),
        StatusCode::OK,
        "the laptop stays in"
    );

    // Someone else's session is not found.
    let other = app.create_user(Role::Agent, "Other Person");
    let (other_browser, _) = signed_in(&app, &other).await;
    let r = other_browser
        .post_form(&format!("/account/sessions/{phone_session}/revocation"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Everywhere: this device too.
    let (tablet, _) = signed_in(&app, &user).await;
    let r = laptop.post_form("/account/sessions/revocation", &[]).await;
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(laptop.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(tablet.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(other_browser.get("/account").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_and_deactivation_end_every_other_session() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Agent, "Pat Word");
    let (a, cookie_a) = signed_in(&app, &user).await;
    let (b, _) = signed_in(&app, &user).await;
    let r = a
        .post_form(
            "/account/password",
            &[
                ("current_password", user.password.as_str()),
                ("password", "an even longer new password"),
                ("password_confirm", "an even longer new password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        a.get("/account").await.status(),
        StatusCode::OK,
        "this browser stays in"
    );
    assert_eq!(b.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        with_cookie(&app, &cookie_a, "/account").await,
        StatusCode::SEE_OTHER,
        "the old cookie is dead"
    );

    let owner = app.login_as(Role::Owner).await;
    let _ = owner;
    let r = app
        .post_form(&format!("/admin/users/{}/deactivation", user.id), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "user_sessions WHERE user_id = {} AND ended_at IS NULL",
            user.id
        )),
        0
    );
}

// ---- 3. Redirects after signing in stay on this site ----------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_after_sign_in_never_leaves_the_site_nor_fails() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Agent, "Nina Next");
    let cases: Vec<(String, &str)> = vec![
        ("/\t/evil.example/".into(), "/"),
        ("/\\evil.example".into(), "/"),
        ("//evil.example".into(), "/"),
        ("https://evil.example/".into(), "/"),
        ("/leads?page=2".into(), "/leads?page=2"),
    ];
    let controls = ['\r', '\n', '\u{b}', '\u{c}', '\u{0}'];
    let mut all = cases.clone();
    for (i, c) in controls.iter().enumerate() {
        all.push((format!("/leads{c}"), ""));
        all.push((format!("/{c}/evil.example"), ""));
        if i < 2 {
            all.push((format!("/leads{c}Set-Cookie: x=1"), ""));
        }
    }
    assert!(all.len() >= 17);
    for (next, want) in all {
        let browser = app.new_client();
        // The sign-in page carries next into its form.
        let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let (status, _) = browser.page(&format!("/login?next={q}")).await;
        assert_eq!(status, StatusCode::OK, "{next:?}");
        let r = browser
            .post_form(
                "/login",
                &[
                    ("email", user.email.as_str()),
                    ("password", user.password.as_str()),
                    ("next", next.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{next:?} → {location:?}"
        );
        assert!(
            !location.contains("evil.example") || location.starts_with("/%"),
            "{next:?} → {location:?}"
        );
        assert!(
            location.bytes().all(|b| b.is_ascii_graphic()),
            "{next:?} → {location:?}"
        );
        if !want.is_empty() {
            assert_eq!(location, want, "{next:?}");
        }
    }
}

// ---- 7. Sign-in gives nothing away and locks out no one else ----------------------------------

async fn attempt(app: &TestApp, email: &str, password: &str, from: &str) -> (StatusCode, String, std::time::Duration) {
    let token = app.csrf().await;
    let started = std::time::Instant::now();
    let r = via_proxy(app.client.post(app.url("/login")), "8.8.8.8", from)
        .form(&[("email", email), ("password", password), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let status = r.status();
    (status, r.text().await.unwrap().replace(email, "EMAIL"), elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_and_unknown_addresses_answer_alike() {
    let app = spawn_with(|s| {
        s.trust_proxy = true;
        s.lockout_threshold = 6;
        s.login_backoff = std::time::Duration::from_millis(80);
    })
    .await;
    let user = app.create_user_with_email(Role::Agent, "Kim Known", "kim.known@example.com");
    let unknown = "ann.nobody@example.com";
    for i in 0..7 {
        let (ks, kb, kt) = attempt(&app, &user.email, "wrong password!", "203.0.113.40").await;
        let (us, ub, ut) = attempt(&app, unknown, "wrong password!", "203.0.113.40").await;
        assert_eq!(ks, us, "attempt {i}: the same status");
        assert_eq!(kb, ub, "attempt {i}: the same page");
        // The same back-off for both: 80 ms from the third failure, doubling, until the lock (a
        // lower bound, so a busy machine cannot fail it; before, an unknown address never waited).
        if (2..5).contains(&i) {
            let delay = std::time::Duration::from_millis(80 << (i - 2));
            assert!(
                kt >= delay && ut >= delay,
                "attempt {i}: known {kt:?}, unknown {ut:?}, both ≥ {delay:?}"
            );
        }
    }
    let (status, body, _) = attempt(&app, unknown, "wrong password!", "203.0.113.40").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body.contains("Too many failed attempts from here"),
        "unknown addresses lock too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_address_do_not_lock_the_user_out_elsewhere() {
    let app = spawn_with(|s| {
        s.trust_proxy = true;
        s.lockout_threshold = 4;
    })
    .await;
    let user = app.create_user(Role::Agent, "Vic Tim");
    for _ in 0..6 {
        attempt(&app, &user.email, "guessing", "198.51.100.66").await;
    }
    let (status, _, _) = attempt(&app, &user.email, &user.password, "198.51.100.66").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address is locked"
    );
    let (status, _, _) = attempt(&app, &user.email, &user.password, "203.0.113.50").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the user, elsewhere, signs in");
}

// ---- 10. Guessing the current password is rate-limited --------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_current_password_hits_the_limit() {
    let app = spawn_with(|s| s.login_rate_per_minute = 20).await;
    let user = app.create_user(Role::Agent, "Gus Guess");
    // Signing in used one attempt of the minute.
    assert_eq!(
        app.login(&user.email, &user.password).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut statuses = Vec::new();
    for i in 0..30 {
        let guess = format!("guess number {i}");
        let r = app
            .post_form(
                "/account/password",
                &[
                    ("current_password", guess.as_str()),
                    ("password", "a brand new password"),
                    ("password_confirm", "a brand new password"),
                ],
            )
            .await;
        statuses.push(r.status());
    }
    assert!(statuses.contains(&StatusCode::UNPROCESSABLE_ENTITY));
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(limited >= 10, "{statuses:?}");
}

// ---- 11. Defence in depth: the CSRF token in the body only, requests from other sites refused --

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csrf_token_counts_in_the_body_or_a_header_never_in_the_address() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let token = app.csrf().await;
    let csv = "name,email\nAlma Reyes,alma@example.com\n";
    let file = || reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("agents.csv");
    let send = |url: String, form: reqwest::multipart::Form| {
        let client = app.client.clone();
        async move { client.post(url).multipart(form).send().await.unwrap().status() }
    };
    // In the address: refused, as for a plain form.
    let status = send(
        app.url(&format!("/admin/agents/import?csrf_token={token}")),
        reqwest::multipart::Form::new().part("file", file()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url(&format!("/admin/teams?csrf_token={token}")))
        .form(&[("name", "Query Team")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("teams WHERE name = 'Query Team'"), 0);
    // After the file: refused (only the first part is read).
    let status = send(
        app.url("/admin/agents/import"),
        reqwest::multipart::Form::new()
            .part("file", file())
            .text("csrf_token", token.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // First, as the page's form sends it: accepted, and the file behind it arrives whole.
    let r = app
        .client
        .post(app.url("/admin/agents/import"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf_token", token.clone())
                .part("file", file()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text().await.unwrap().contains("<strong>1</strong> agent"),
        "the preview read the file"
    );
    // The import page's form puts the token first and not in its address.
    let (_, html) = app.page("/admin/agents/import").await;
    assert!(!html.contains("?csrf_token="));
    let form = html.split("enctype=\"multipart/form-data\">").nth(1).unwrap();
    assert!(form
        .trim_start()
        .starts_with("<input type=\"hidden\" name=\"csrf_token\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_change_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let token = app.csrf().await;
    let post = |origin: Option<&'static str>, fetch_site: Option<&'static str>, name: &'static str| {
        let mut r = app
            .client
            .post(app.url("/admin/teams"))
            .form(&[("name", name), ("csrf_token", token.as_str())]);
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        if let Some(f) = fetch_site {
            r = r.header("Sec-Fetch-Site", f);
        }
        async move { r.send().await.unwrap() }
    };
    let r = post(Some("https://evil.example"), None, "Evil Team").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("sent from another site"));
    assert_eq!(
        post(Some("null"), None, "Null Team").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(None, Some("cross-site"), "Cross Team").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("teams"), 0);
    let ours: &'static str = Box::leak(app.address.clone().into_boxed_str());
    assert_eq!(
        post(Some(ours), Some("same-origin"), "Our Team").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("teams WHERE name = 'Our Team'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_event_stream_hears_nothing_once_its_session_is_ended() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Agent, "Sam Stream");
    let (laptop, _) = signed_in(&app, &user).await;
    let (phone, _) = signed_in(&app, &user).await;
    let mut stream = laptop.get("/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The phone signs out everywhere; then a notification for the user is written.
    assert_eq!(
        phone.post_form("/account/sessions/revocation", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let uid = user.id;
    app.db
        .write_blocking(move |c| {
            Ok(agency_engine::notifications::model::notify(
                c, uid, "offer", "A lead", "/leads",
            )?)
        })
        .unwrap();
    let mut heard = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        match tokio::time::timeout(std::time::Duration::from_millis(500), stream.chunk()).await {
            Ok(Ok(Some(chunk))) => heard.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => break, // the stream closed
            Err(_) => {}
        }
    }
    assert!(
        !heard.contains("event: notice"),
        "an ended session hears no notice: {heard}"
    );
}
