//! Health, readiness, metrics, request ids and error pages.

use agency_engine::auth::roles::Role;
use reqwest::StatusCode;

use crate::harness::{spawn_app, spawn_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_answer() {
    // No worker, so no daily job is queued behind the test's back.
    let app = spawn_with(|s| s.run_worker = false).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("x-request-id").is_some());
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let expected = if crate::harness::postgres_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected, "the suite runs on the backend it says");

    app.get("/login").await;
    app.get("/no/such/page").await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#));
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("jobs_pending 0") && text.contains("jobs_failed 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_require_a_token() {
    let app = spawn_with(|s| s.metrics_token = Some("scrape-secret".into())).await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_pages_for_people_and_json_for_the_api() {
    let app = spawn_app().await;
    app.login_as(Role::Agent).await;
    let (status, html) = app.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("<html") && html.contains("does not exist") && html.contains("main-nav"),
        "a page in the layout"
    );
    let (status, html) = app.page("/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("You do not have permission"));

    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let r = app.get("/api/v1/whoami").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");

    // A body that is not a form is a clear 400, not a crash.
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url("/account"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-CSRF-Token", token)
        .body("name=%ZZ&time_zone=")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_security_headers() {
    let app = spawn_app().await;
    let r = app.get("/login").await;
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.contains_key("referrer-policy"));
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" onclick="),
        "no inline script"
    );
    let css = app.get("/static/css/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(app.get("/static/js/app.js").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_lets_requests_in_flight_finish() {
    let app = spawn_app().await;
    let client = app.client.clone();
    let url = app.url("/readyz");
    let in_flight = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    let stopped = app.stop();
    let status = in_flight.await.unwrap();
    stopped.await;
    // Either it was served before the stop, or it was served during the graceful drain.
    if let Ok(s) = status {
        assert_eq!(s, StatusCode::OK);
    }
}
