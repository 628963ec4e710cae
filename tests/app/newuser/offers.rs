//! Issue 13, items 1 and 5: pages stay quick with the back/forward cache on (each page's live
//! stream closes when it is put away), and offers are first, with a live countdown, on the lead
//! list and on the agent's home.

use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use crate::browser::{browser_tools, sign_in, start_browser, wait_for_text};
use crate::harness::spawn_with;
use crate::routing::{lead, post, ready_agent, round_robin, token};

/// Fifteen page loads in a row, each through a link click as a person would (so every page before it
/// goes into the back/forward cache with whatever it holds open), then back and forward again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_pages_in_a_row_each_load_quickly_with_the_back_forward_cache_on() {
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
        let pages = ["/leads", "/tasks", "/me/profile", "/me/licences", "/learn", "/account", "/notifications"];
        let mut slow = Vec::new();
        for i in 0..15 {
            let path = pages[i % pages.len()];
            let start = Instant::now();
            // Navigate by script, like following a link: the page before stays in the cache.
            web.execute(&format!("window.location.href = '{path}';"), vec![]).await?;
            loop {
                let ready = web
                    .execute(
                        "return document.readyState === 'complete' && location.pathname;",
                        vec![],
                    )
                    .await?;
                if ready.json() == &serde_json::json!(path) {
                    break;
                }
                if start.elapsed() > Duration::from_secs(20) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            let took = start.elapsed();
            if took > Duration::from_secs(2) {
                slow.push(format!("{path} (page {}) took {took:?}", i + 1));
            }
        }
        assert!(slow.is_empty(), "pages that hung: {slow:?}");
        // The page restored from the cache listens again: a new offer reaches it without a reload.
        web.back().await?;
        web.back().await?;
        let here = web.current_url().await?.path().to_string();
        tokio::time::sleep(Duration::from_millis(500)).await;
        post(&app, &t, &lead(1, "33101")).await;
        let badge = wait_for_text(&web, "[data-unread]", |t| t == "1").await?;
        assert_eq!(badge, "1", "the unread count on {here} followed the stream");
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}
