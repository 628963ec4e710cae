//! Rate limits on sign-in and the API, and API tokens.

use agency_engine::audit::AuditActor;
use agency_engine::auth::service;
use reqwest::StatusCode;

use crate::harness::spawn_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let app = spawn_with(|s| s.login_rate_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(
            app.login("someone@agency.test", "whatever password").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = app.login("someone@agency.test", "whatever password").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many requests"));
    // Reading pages is not limited.
    assert_eq!(app.get("/password-reset").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_authenticate_are_revocable_and_rate_limited() {
    let app = spawn_with(|s| s.api_rate_per_second = 5).await;
    let who = AuditActor::system("test");
    let (id, token) = app
        .db
        .write_blocking(|c| service::create_api_token(c, &who, "Lead vendor", &["leads:write"]))
        .unwrap();
    assert!(token.starts_with("ae_"));
    // Only the hash is stored.
    let stored = app.api_token_hashes();
    assert!(!stored.iter().any(|h| h == &token));

    let r = app.api_get("/api/v1/whoami", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["token"], "Lead vendor");
    let r = app.api_get("/api/v1/whoami", "ae_wrong_token").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Past the burst, 429 with JSON.
    let mut limited = None;
    for _ in 0..20 {
        let r = app.api_get("/api/v1/whoami", &token).await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the API is rate limited");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");

    // Revoked through the admin page: 401 from then on.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.login_as(agency_engine::auth::roles::Role::Owner).await;
    let r = app.post_form(&format!("/admin/api-tokens/{id}/revocation"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.api_get("/api/v1/whoami", &token).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(app.audit_actions().contains(&"api_token.revoked".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_token_page_shows_a_new_token_once() {
    let app = spawn_with(|_| {}).await;
    app.login_as(agency_engine::auth::roles::Role::Admin).await;
    let r = app.post_form("/admin/api-tokens", &[("name", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Enter a name."));
    let r = app
        .post_form(
            "/admin/api-tokens",
            &[("name", "Website quote form"), ("scope", "leads:write")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let start = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = html[start..].split('<').next().unwrap().to_string();
    let (_, again) = app.page("/admin/api-tokens").await;
    assert!(again.contains("Website quote form") && !again.contains(&token));
    let r = app.api_get("/api/v1/whoami", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
}
