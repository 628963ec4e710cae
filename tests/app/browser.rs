//! Real Chromium through WebDriver, for what needs script: the users list filters and pages in
//! place, without a full page load.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use agency_engine::auth::roles::Role;
use thirtyfour::prelude::*;

use crate::harness::{in_ci, spawn_app, spawn_with, TestApp, PASSWORD};
use crate::routing::{lead, post, ready_agent, round_robin, token};

/// One browser at a time: on two cores, browsers started together (the page crawl among them)
/// starve each other's waits.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// chromedriver, and the turn to run a browser, both given up when the test ends.
pub(crate) struct Driver(Child, #[allow(dead_code)] tokio::sync::MutexGuard<'static, ()>);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(var: &str, candidates: &[&str]) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|p| std::path::Path::new(p).exists())
        .or_else(|| {
            candidates
                .iter()
                .find(|p| std::path::Path::new(p).exists())
                .map(|p| p.to_string())
        })
}

/// Chromium and chromedriver, or None (outside CI) with a note that the test was skipped.
pub(crate) fn browser_tools() -> Option<(String, String)> {
    let driver = find(
        "CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    );
    let chrome = find(
        "CHROME_BIN",
        &[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ],
    );
    match (driver, chrome) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if in_ci() => {
            panic!("CI must run the browser tests: install chromium and chromium-driver")
        }
        _ => {
            eprintln!("SKIPPED: browser test (chromium or chromedriver not found; .ci/run installs them)");
            None
        }
    }
}

pub(crate) async fn start_browser(driver_path: &str, chrome: &str) -> (Driver, WebDriver, tempfile::TempDir) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let turn = ONE_BROWSER.lock().await;
    let child = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child, turn);
    let profile = tempfile::tempdir().unwrap();
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(chrome).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1200,900",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..100 {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(web) => return (driver, web, profile),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start: {last:?}");
}

/// The text of #user-results once it contains `want` (the partial update has landed).
async fn wait_for_results(web: &WebDriver, want: &str) -> WebDriverResult<String> {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(el) = web.find(By::Css("#user-results")).await {
            if let Ok(t) = el.text().await {
                if t.contains(want) {
                    return Ok(t);
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("#user-results never showed {want:?}; last: {last}");
}

pub(crate) async fn sign_in(web: &WebDriver, app: &TestApp, email: &str) -> WebDriverResult<()> {
    sign_in_with(web, app, email, PASSWORD).await
}

pub(crate) async fn sign_in_with(web: &WebDriver, app: &TestApp, email: &str, password: &str) -> WebDriverResult<()> {
    web.goto(app.url("/login")).await?;
    web.find(By::Id("email")).await?.send_keys(email).await?;
    web.find(By::Id("password")).await?.send_keys(password).await?;
    web.find(By::Css("form[action='/login'] button[type=submit]"))
        .await?
        .click()
        .await?;
    // Wait for the home page after signing in (the click starts a navigation).
    for _ in 0..200 {
        if web.current_url().await?.path() == "/" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The text of `selector` once it satisfies `want`.
pub(crate) async fn wait_for_text(
    web: &WebDriver,
    selector: &str,
    want: impl Fn(&str) -> bool,
) -> WebDriverResult<String> {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(el) = web.find(By::Css(selector)).await {
            if let Ok(t) = el.text().await {
                if want(&t) {
                    return Ok(t);
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{selector} never showed what was wanted; last: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_appears_in_the_open_lead_list_without_a_reload() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, _) = ready_agent(&app, "Ann Able");
    let t = token(&app);
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        sign_in(&web, &app, &ann.email).await?;
        web.goto(app.url("/leads")).await?;
        assert!(!web
            .find(By::Css("#offers-panel"))
            .await?
            .text()
            .await?
            .contains("Offered to you"));
        web.execute("window.__pageMark = 'still-here';", vec![]).await?;
        // Give the page's event stream a moment to connect, then a lead arrives by the API.
        tokio::time::sleep(Duration::from_millis(500)).await;
        post(&app, &t, &lead(1, "33101")).await;
        let panel = wait_for_text(&web, "#offers-panel", |t| t.contains("Lead1 Routing")).await?;
        assert!(panel.contains("Offered to you") && panel.contains("Accept"), "{panel}");
        wait_for_text(&web, "[data-unread]", |t| t == "1").await?;
        let mark = web.execute("return window.__pageMark || null;", vec![]).await?;
        assert_eq!(mark.json(), &serde_json::json!("still-here"), "no full page load");
        // Accepting from the list works as an ordinary form.
        web.find(By::Css("#offers-panel button.button")).await?.click().await?;
        for _ in 0..200 {
            if web.current_url().await?.path().starts_with("/leads/") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(web.find(By::Css("h1")).await?.text().await?.contains("Lead1 Routing"));
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_is_tried_on_a_sample_lead_in_place() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    ready_agent(&app, "Ann Able");
    let owner = app.create_user(Role::Owner, "Dana Whitfield");
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        sign_in(&web, &app, &owner.email).await?;
        web.goto(app.url("/admin/routing/new")).await?;
        web.find(By::Id("name")).await?.send_keys("Florida first").await?;
        web.find(By::Id("sample_zip")).await?.send_keys("33101").await?;
        web.find(By::Css("input[name=ignore_hours]")).await?.click().await?;
        web.execute("window.__pageMark = 'still-here';", vec![]).await?;
        web.find(By::Css("button[data-post='/admin/routing/trial']"))
            .await?
            .click()
            .await?;
        let text = wait_for_text(&web, "#rule-trial", |t| t.contains("would be offered it")).await?;
        assert!(text.contains("Ann Able"), "{text}");
        let mark = web.execute("return window.__pageMark || null;", vec![]).await?;
        assert_eq!(mark.json(), &serde_json::json!("still-here"), "no full page load");
        assert_eq!(app.count("routing_rules"), 0, "trying saves nothing");
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_filters_and_pages_in_place() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, "Dana Whitfield");
    for i in 0..30 {
        app.create_user(Role::Agent, &format!("Agent {i:02}"));
    }
    app.create_user(Role::Broker, "Angela Russo");
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        sign_in(&web, &app, &owner.email).await?;
        web.goto(app.url("/admin/users")).await?;
        let count = web.find(By::Css(".result-count")).await?;
        assert!(count.text().await?.contains("of 32 users"));

        // Mark this page: a full page load would lose the mark.
        web.execute("window.__pageMark = 'still-here';", vec![]).await?;

        // Choosing a role filters in place.
        let select = web.find(By::Id("role")).await?;
        select.find(By::Css("option[value='broker']")).await?.click().await?;
        let text = wait_for_results(&web, "1–1 of 1 user").await?;
        assert!(
            text.contains("Angela Russo") && !text.contains("Agent 01"),
            "filtered in place: {text}"
        );
        let mark = web.execute("return window.__pageMark || null;", vec![]).await?;
        assert_eq!(mark.json(), &serde_json::json!("still-here"), "no full page load");
        assert!(
            web.current_url().await?.as_str().ends_with("/admin/users?role=broker"),
            "the address follows the filter"
        );

        // Back to all roles, then the pager works in place too.
        let select = web.find(By::Id("role")).await?;
        select.find(By::Css("option[value='']")).await?.click().await?;
        wait_for_results(&web, "1–25 of 32 users").await?;
        web.find(By::Css(".pager a[rel=next]")).await?.click().await?;
        let page2 = wait_for_results(&web, "26–32 of 32 users").await?;
        assert!(page2.contains("Page 2 of 2"));
        let mark = web.execute("return window.__pageMark || null;", vec![]).await?;
        assert_eq!(mark.json(), &serde_json::json!("still-here"));
        // Typing in the search box narrows the list after a short pause; every word must match,
        // in any order.
        web.find(By::Id("q")).await?.send_keys("Russo Angela").await?;
        let found = wait_for_results(&web, "of 1 user").await?;
        assert!(found.contains("Angela Russo"));
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}
