//! Policies: the policy lists, export, API and webhooks.

use agency_engine::domain::policy::PolicyStatus;
use agency_engine::leads::model as leads_model;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::*;
use crate::harness::{eventually, loopback_webhooks, spawn_app, spawn_with};
use crate::receiver::Receiver;

/// Moves a policy to a status straight in the database (the lifecycle is tested elsewhere).
fn set_status(app: &TestApp, id: i64, to: PolicyStatus) {
    app.db
        .write_blocking(move |c| Ok(agency_engine::policies::model::set_status(c, id, to)?))
        .expect("status");
}

/// The policy numbers of a list page, in the order shown.
fn numbers(html: &str, candidates: &[String]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = candidates
        .iter()
        .filter_map(|n| {
            html.find(&format!("<td data-label=\"Policy\">{n}</td>"))
                .map(|i| (i, n.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

/// The "More →" link of a list page, if any.
fn next_link(html: &str) -> Option<String> {
    let end = html.find("rel=\"next\"")?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(
        html[start..]
            .split('"')
            .next()?
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_lists_only_their_own_policies_and_another_agents_is_404() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (mine, my_agent) = licensed_agent(&app, "Maya Mine", &["FL"]);
    let (_theirs, their_agent) = licensed_agent(&app, "Theo Theirs", &["FL"]);
    record(&app, input(my_agent, carrier, life, "MINE-1", "FL"));
    let other = record(&app, input(their_agent, carrier, life, "THEIRS-1", "FL"));

    let me = app.new_client();
    me.login(&mine.email, &mine.password).await;
    let (status, html) = me.page("/policies").await;
    assert_eq!(status, 200);
    assert!(html.contains("My policies") && html.contains("MINE-1"), "{html}");
    assert!(!html.contains("THEIRS-1"), "another agent's policy is not listed");
    assert!(!html.contains("Export these policies"), "the export is for staff");
    assert_eq!(me.get(&format!("/policies/{other}")).await.status(), 404);
    assert_eq!(me.get("/policies/export").await.status(), 403);
    // Searching for it finds nothing either.
    let (_, html) = me.page("/policies?q=THEIRS").await;
    assert!(html.contains("No policy matches these filters"), "{html}");

    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (_, html) = owner.page("/policies").await;
    assert!(html.contains("All policies") && html.contains("MINE-1") && html.contains("THEIRS-1"));
    assert!(html.contains("Theo Theirs"), "staff see the agent column");
    // Staff may narrow to one agent.
    let (_, html) = owner.page(&format!("/policies?agent={their_agent}")).await;
    assert!(html.contains("THEIRS-1") && !html.contains("MINE-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_sorts_and_keyset_pages() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (other_carrier, _, other_life) = catalogue(&app, "Beacon Mutual");
    let (_, agent) = licensed_agent(&app, "Paula Pager", &["FL"]);
    let mut all = Vec::new();
    let mut ids = Vec::new();
    for i in 0..52 {
        let mut p = input(agent, carrier, life, &format!("PG-{i:03}"), "FL");
        p.first_name = format!("Insured{i:03}");
        // Premiums with ties, so the keyset's tie-break by id is exercised.
        p.premium = format!("{}.00", 100 + (i % 7) * 10);
        ids.push(record(&app, p));
        all.push(format!("PG-{i:03}"));
    }
    let mut odd = input(agent, other_carrier, other_life, "BM-777", "FL");
    odd.first_name = "Zelda".into();
    odd.last_name = "Quintero".into();
    let today = agency_engine::db::now().date();
    let renewal = today + chrono::Duration::days(500);
    odd.term_end_on = renewal.to_string();
    let odd_id = record(&app, odd);
    all.push("BM-777".into());
    set_status(&app, ids[3], PolicyStatus::Active);
    set_status(&app, odd_id, PolicyStatus::Active);

    let owner = app.new_client();
    owner.login_as(Role::Owner).await;

    // Newest first, 50 a page; the next page holds the rest, none twice.
    let (_, first) = owner.page("/policies").await;
    let page1 = numbers(&first, &all);
    assert_eq!(page1.len(), 50);
    assert_eq!(page1[0], "BM-777");
    let next = next_link(&first).expect("a next page");
    let (_, second) = owner.page(&next).await;
    let page2 = numbers(&second, &all);
    assert_eq!(page2, ["PG-002", "PG-001", "PG-000"].map(String::from).to_vec());
    assert!(next_link(&second).is_none());
    assert!(second.contains("First page"));

    // By premium, largest first, across the page break: every policy once, in order.
    let (_, first) = owner.page("/policies?sort=premium").await;
    let next = next_link(&first).expect("a next page");
    assert!(next.contains("sort=premium"), "the order is kept: {next}");
    let (_, second) = owner.page(&next).await;
    let mut seen = numbers(&first, &all);
    seen.extend(numbers(&second, &all));
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 53, "every policy exactly once: {seen:?} {next}");
    let premium = |n: &str| -> i64 {
        match n.strip_prefix("PG-") {
            Some(i) => 100 + (i.parse::<i64>().unwrap() % 7) * 10,
            None => 100,
        }
    };
    assert!(seen.windows(2).all(|w| premium(&w[0]) >= premium(&w[1])), "{seen:?}");

    // Search by insured name and by number.
    let (_, html) = owner.page("/policies?q=zelda+quintero").await;
    assert_eq!(numbers(&html, &all), vec!["BM-777".to_string()]);
    let (_, html) = owner.page("/policies?q=pg-017").await;
    assert_eq!(numbers(&html, &all), vec!["PG-017".to_string()]);

    // Status, carrier, product and renewal month.
    let (_, html) = owner.page("/policies?status=active").await;
    assert_eq!(numbers(&html, &all), vec!["BM-777".to_string(), "PG-003".to_string()]);
    let (_, html) = owner.page(&format!("/policies?status=active&carrier={carrier}")).await;
    assert_eq!(numbers(&html, &all), vec!["PG-003".to_string()]);
    let (_, html) = owner.page(&format!("/policies?product={other_life}")).await;
    assert_eq!(numbers(&html, &all), vec!["BM-777".to_string()]);
    let (_, html) = owner
        .page(&format!("/policies?renewal={}", renewal.format("%Y-%m")))
        .await;
    assert_eq!(numbers(&html, &all), vec!["BM-777".to_string()]);

    // A partial update answers the results block only.
    let r = owner
        .client
        .get(owner.url("/policies?status=active"))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"policy-results\"") && html.contains("aria-live=\"polite\""));
    assert!(
        !html.contains("<form class=\"filters"),
        "no filter form in a partial: {html}"
    );
    assert_eq!(numbers(&html, &all).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_the_current_filter_as_csv() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (_, agent) = licensed_agent(&app, "Eve Exporter", &["FL"]);
    let a = record(&app, input(agent, carrier, life, "EX-1", "FL"));
    record(&app, input(agent, carrier, life, "EX-2", "FL"));
    set_status(&app, a, PolicyStatus::Active);

    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let r = owner.get("/policies/export?status=active").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[..4], ["id", "policy_number", "status", "insured"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][1], "EX-1");
    assert_eq!(&rows[0][2], "active");
    assert_eq!(&rows[0][3], "Rosa Delgado");
    assert_eq!(&rows[0][4], "Acme Life");
    assert_eq!(&rows[0][7], "Eve Exporter");
    assert_eq!(&rows[0][11], "100.00");
    assert!(app.audit_actions().contains(&"policies.exported".to_string()));
}

fn api_body(agent: i64, carrier: i64, product: i64, number: &str) -> Value {
    let today = agency_engine::db::now().date();
    json!({
        "first_name": "Ana", "last_name": "Api", "state": "FL",
        "agent_id": agent, "carrier_id": carrier, "product_id": product,
        "policy_number": number,
        "submitted_on": (today - chrono::Duration::days(5)).to_string(),
        "effective_on": today.to_string(),
        "premium": "45.50", "billing_frequency": "monthly", "lives": 2,
    })
}

async fn post_policy(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/policies"))
        .bearer_auth(token)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_api_creates_validates_replays_and_reads() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (_, agent) = licensed_agent(&app, "Andy Api", &["FL"]);
    let write = app.api_token("writer", &["policies:write"]);
    let read = app.api_token("reader", &["policies:read"]);
    let leads_only = app.api_token("leads", &["leads:read", "leads:write"]);

    // 201, with the policy as written.
    let (status, b) = post_policy(&app, &write, &api_body(agent, carrier, life, "API-1"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    assert_eq!(
        (b["status"].as_str(), b["premium_cents"].as_i64(), b["lives"].as_i64()),
        (Some("draft"), Some(4550), Some(2))
    );
    assert_eq!(b["source"], "api");
    assert_eq!(app.count(&format!("policy_instalments WHERE policy_id = {id}")), 12);

    // 422 with a message per field, every problem at once.
    let mut bad = api_body(agent, carrier, life, "");
    bad["carrier_id"] = json!(999_999);
    bad["effective_on"] = json!("next tuesday");
    bad["lives"] = json!([1]);
    let (status, b) = post_policy(&app, &write, &bad, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"], "validation");
    for field in ["carrier_id", "policy_number", "effective_on", "lives"] {
        assert!(b["fields"][field][0].is_string(), "{field}: {b}");
    }
    // A number already used at the carrier.
    let (status, b) = post_policy(&app, &write, &api_body(agent, carrier, life, "API-1"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        b["fields"]["policy_number"][0]
            .as_str()
            .unwrap()
            .contains("already has"),
        "{b}"
    );

    // The same key and body: the same answer, no second policy.
    let before = app.count("policies");
    let body = api_body(agent, carrier, life, "API-2");
    let (s1, b1) = post_policy(&app, &write, &body, Some("retry-1")).await;
    let (s2, b2) = post_policy(&app, &write, &body, Some("retry-1")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1["id"], b2["id"]);
    assert_eq!(app.count("policies"), before + 1);
    let (s3, _) = post_policy(&app, &write, &api_body(agent, carrier, life, "API-3"), Some("retry-1")).await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY, "a key reused with another body");
    assert_eq!(app.count("policies"), before + 1);

    // Scopes: none → 401; the wrong ones → 403; read may not write.
    let r = app.client.get(app.url("/api/v1/policies")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.api_get("/api/v1/policies", &leads_only).await.status(), 403);
    assert_eq!(
        app.api_get(&format!("/api/v1/policies/{id}"), &leads_only)
            .await
            .status(),
        403
    );
    let (status, _) = post_policy(&app, &read, &api_body(agent, carrier, life, "API-4"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_policy(&app, &leads_only, &api_body(agent, carrier, life, "API-4"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Reading one, and the list with its cursor.
    let r = app.api_get(&format!("/api/v1/policies/{id}"), &read).await;
    assert_eq!(r.status(), 200);
    let one: Value = r.json().await.unwrap();
    assert_eq!(
        (one["id"].as_i64(), one["policy_number"].as_str()),
        (Some(id), Some("API-1"))
    );
    assert_eq!(app.api_get("/api/v1/policies/999999", &read).await.status(), 404);
    let list: Value = app
        .api_get("/api/v1/policies?limit=1", &read)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["policies"].as_array().unwrap().len(), 1);
    assert_eq!(list["policies"][0]["policy_number"], "API-2");
    let cursor = list["next_cursor"].as_i64().expect("a next page");
    let rest: Value = app
        .api_get(&format!("/api/v1/policies?limit=10&after={cursor}"), &write)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["policies"].as_array().unwrap().len(), 1);
    assert_eq!(rest["policies"][0]["policy_number"], "API-1");
    assert!(rest["next_cursor"].is_null());
    let filtered: Value = app
        .api_get("/api/v1/policies?q=api-2", &read)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["policies"].as_array().unwrap().len(), 1);

    // The token page offers the policy scopes.
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (_, html) = owner.page("/admin/api-tokens").await;
    assert!(
        html.contains("policies:read") && html.contains("policies:write"),
        "{html}"
    );

    // The OpenAPI document describes them.
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/policies"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/policies/{id}"]["get"].is_object());
    assert!(doc["components"]["schemas"]["PolicyRequest"]["properties"]["policy_number"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_policy_is_delivered_signed_to_the_subscribed_endpoint() {
    let receiver = Receiver::start(0).await;
    let app = spawn_with(loopback_webhooks).await;
    app.login_as(Role::Owner).await;
    let (_, html) = app.page("/admin/webhooks").await;
    assert!(html.contains("value=\"policy.issued\"") && html.contains("All policy events"));
    let r = app.create_webhook(&receiver.url(), "policy.issued").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // An endpoint for every lead event is not sent policy events.
    let r = app.create_webhook(&format!("{}/leads-only", receiver.url()), "*").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let endpoints = app
        .db
        .read_blocking(|c| Ok(leads_model::webhooks::endpoints(c)?))
        .unwrap();
    let endpoint = endpoints.iter().find(|e| e.events == "policy.issued").unwrap().clone();

    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (_, agent) = licensed_agent(&app, "Hal Hook", &["FL"]);
    let id = record(&app, input(agent, carrier, life, "HOOK-1", "FL"));
    app.state.jobs_wakeup.notify_one();
    let e_id = endpoint.id;
    let delivered = eventually(10, || {
        let d = app
            .db
            .read_blocking(move |c| Ok(leads_model::webhooks::deliveries_of(c, e_id)?))
            .unwrap();
        d.into_iter().next().filter(|d| d.status == "delivered")
    })
    .await
    .expect("delivered");
    assert_eq!(delivered.policy_id, Some(id));
    assert_eq!(delivered.lead_id, None);
    assert_eq!(
        app.count("webhook_deliveries"),
        1,
        "only the policy endpoint was sent it"
    );

    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    let sig = req.headers.get("x-ae-signature").expect("signed");
    let t: i64 = sig.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(endpoint.secret.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, format!("{t}.{}", req.body).as_bytes());
    assert!(sig.ends_with(&hex::encode(hmac::Mac::finalize(mac).into_bytes())));
    assert_eq!(req.headers["x-ae-event"], "policy.issued");
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["event"], "policy.issued");
    assert_eq!(body["policy"]["id"], id);
    assert_eq!(body["policy"]["policy_number"], "HOOK-1");

    let (_, html) = app.page(&format!("/admin/webhooks/{}", endpoint.id)).await;
    assert!(
        html.contains(&format!("href=\"/policies/{id}\"")),
        "the log links the policy"
    );
}
