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
        let pages = [
            "/leads",
            "/tasks",
            "/me/profile",
            "/me/licences",
            "/learn",
            "/account",
            "/notifications",
        ];
        let mut slow = Vec::new();
        for i in 0..15 {
            let path = pages[i % pages.len()];
            let start = Instant::now();
            // Navigate by script, like following a link: the page before stays in the cache.
            web.execute(&format!("window.location.href = '{path}';"), vec![])
                .await?;
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

fn pending_offer(app: &crate::harness::TestApp, lead: i64) -> agency_engine::routing::offers::OfferRow {
    app.db
        .read_blocking(move |c| Ok(agency_engine::routing::offers::offers_of_lead(c, lead)?))
        .unwrap()
        .into_iter()
        .find(|o| o.status == "pending")
        .expect("a pending offer")
}

/// The offer comes before the filters on the lead list, is on the agent's home too, and carries a
/// deadline the browser counts down from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_is_first_on_the_lead_list_and_on_the_home_page_with_its_deadline() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, _) = ready_agent(&app, "Ann Able");
    let t = token(&app);
    let id = post(&app, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    let offer = pending_offer(&app, id);
    app.login(&ann.email, &ann.password).await;
    let (_, list) = app.page("/leads").await;
    let offer_at = list.find("Offered to you").expect("the offer is on the list");
    let filters_at = list.find("aria-label=\"Filter leads\"").expect("the filters");
    assert!(offer_at < filters_at, "the offer comes before the filters");
    let countdown = format!("data-countdown=\"{}\"", offer.deadline_utc());
    assert!(list.contains(&countdown), "a countdown to {}", offer.deadline_utc());
    assert!(list.contains("Answer within"), "{list}");
    let (_, home) = app.page("/").await;
    assert!(
        home.contains("Offered to you") && home.contains("Lead1 Routing") && home.contains(&countdown),
        "the offer is on the home page"
    );
    assert!(home.contains(&format!("action=\"/offers/{}/acceptance\"", offer.id)));
    // Once answered, neither page shows it.
    app.post_form(&format!("/offers/{}/acceptance", offer.id), &[]).await;
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Offered to you"), "answered offers leave the home page");
}

/// After a pass the agent is told what really happened to the lead, and the offer's notification is
/// marked answered (read, with how) whichever way it was answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_says_where_the_lead_went_and_answers_the_notification() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, _) = ready_agent(&app, "Ann Able");
    let (ben, _) = ready_agent(&app, "Ben Best");
    let t = token(&app);
    let id = post(&app, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    let ann_browser = app.new_client();
    ann_browser.login(&ann.email, &ann.password).await;
    let (_, page) = ann_browser.page("/notifications").await;
    assert!(page.contains("New medicare advantage lead offered to you"), "{page}");
    assert!(page.contains("data-unread>1<"), "one unread");

    // Ann passes while Ben can take it: it went to another agent.
    let first = pending_offer(&app, id);
    ann_browser
        .post_form(
            &format!("/offers/{}/decline", first.id),
            &[("reason", "Full this week")],
        )
        .await;
    let (_, page) = ann_browser.page("/notifications").await;
    assert!(
        page.contains("it has been offered to another agent"),
        "the flash says so"
    );
    assert!(
        page.contains("Answered") && page.contains("You passed: Full this week"),
        "{page}"
    );
    assert!(page.contains("data-unread>0<"), "answering marks it read");

    // Ben passes too: nobody else can take it, and he is told it waits unassigned.
    let ben_browser = app.new_client();
    ben_browser.login(&ben.email, &ben.password).await;
    let second = pending_offer(&app, id);
    assert_ne!(first.id, second.id);
    ben_browser
        .post_form(&format!("/offers/{}/decline", second.id), &[("reason", "Not my area")])
        .await;
    let (_, page) = ben_browser.page("/leads").await;
    assert!(
        page.contains("No other agent can take it now, so it waits unassigned for the office"),
        "{page}"
    );
    assert!(!page.contains("goes to the next agent"));
    let unanswered = app.count("notifications WHERE kind = 'offer' AND outcome IS NULL");
    assert_eq!(unanswered, 0, "both offer notifications are answered");

    // An accepted offer's notification says so.
    let id2 = post(&app, &t, &lead(2, "33101")).await["id"].as_i64().unwrap();
    let third = pending_offer(&app, id2);
    let taker = if third.agent_id == app.agent_id(&ann) {
        &ann_browser
    } else {
        &ben_browser
    };
    taker.post_form(&format!("/offers/{}/acceptance", third.id), &[]).await;
    let (_, page) = taker.page("/notifications").await;
    assert!(page.contains("You accepted it."), "{page}");
    assert_eq!(app.count("notifications WHERE kind = 'offer' AND read_at IS NULL"), 0);
}

/// On a phone the offer is in the first screenful of the lead list and of the home page, and its
/// countdown ticks in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_offer_is_on_the_first_screen_and_counts_down() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, _) = ready_agent(&app, "Ann Able");
    let t = token(&app);
    post(&app, &t, &lead(1, "33101")).await;
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        web.set_window_rect(0, 0, 390, 844).await?;
        sign_in(&web, &app, &ann.email).await?;
        for path in ["/leads", "/"] {
            web.goto(app.url(path)).await?;
            let top = web
                .execute(
                    "var o = document.querySelector('#offers-panel .offer');
                     return o ? [o.getBoundingClientRect().top, window.innerHeight, window.innerWidth] : null;",
                    vec![],
                )
                .await?;
            let v = top
                .json()
                .as_array()
                .cloned()
                .unwrap_or_else(|| panic!("no offer on {path}"));
            let (y, h, w) = (v[0].as_f64().unwrap(), v[1].as_f64().unwrap(), v[2].as_f64().unwrap());
            assert!(w <= 400.0, "phone width, got {w}");
            assert!(
                y < h,
                "the offer starts in the first screen of {path}: at {y} px of {h}"
            );
            let first = web.find(By::Css("[data-countdown]")).await?.text().await?;
            let mut later = first.clone();
            for _ in 0..40 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                later = web.find(By::Css("[data-countdown]")).await?.text().await?;
                if later != first {
                    break;
                }
            }
            assert_ne!(first, later, "the countdown on {path} ticks");
            assert!(later.contains(':') || later.contains("min"), "{later}");
        }
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}

/// Two tabs of one person share one stream: the server holds one, and a notice reaches both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_share_one_live_stream_and_both_hear_a_notice() {
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
        let first = web.window().await?;
        let second = web.new_tab().await?;
        web.switch_to_window(second.clone()).await?;
        web.goto(app.url("/leads")).await?;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics.lines().any(|l| l == "event_streams_open 1"),
            "one stream for two tabs: {}",
            metrics
                .lines()
                .filter(|l| l.contains("event_streams"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        post(&app, &t, &lead(1, "33101")).await;
        wait_for_text(&web, "[data-unread]", |t| t == "1").await?;
        web.switch_to_window(first).await?;
        wait_for_text(&web, "[data-unread]", |t| t == "1").await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}
