//! Who may get in and what they may read: API token scopes, sessions that end, redirects that stay
//! on this site, the client address behind a proxy, and sign-in that gives nothing away.

use agency_engine::auth::roles::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{spawn_app, TestApp};

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
