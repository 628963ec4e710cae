//! The leads issue: intake (API, form, CSV), consent, history, pipeline, visibility, export,
//! webhooks.

use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::Role;
use agency_engine::auth::service as auth_service;
use agency_engine::leads::model;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{eventually, input_value, loopback_webhooks, spawn_app, spawn_with, TestApp};
use crate::receiver::Receiver;

fn token(app: &TestApp) -> String {
    let who = AuditActor::system("test");
    app.db
        .write_blocking(|c| auth_service::create_api_token(c, &who, "Lead vendor", &["leads:write"]))
        .unwrap()
        .1
}

pub(crate) async fn post_lead(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut r = app.client.post(app.url("/api/v1/leads")).bearer_auth(token).json(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) fn lead_json(first: &str, email: &str, phone: &str) -> Value {
    json!({
        "first_name": first, "last_name": "Garcia", "email": email, "phone": phone, "zip": "33101",
        "birth_date": "1958-04-02", "product_line": "medicare_advantage", "source": "vendor-a",
        "message": "My coverage ends this month", "external_id": "A-1",
        "consent": { "text": "I agree to be contacted by Sunbelt and its agents.", "given_at": "2026-11-01T10:00:00Z",
                     "ip": "203.0.113.9", "user_agent": "Mozilla/5.0", "page_url": "https://vendor.example/form", "sellers": ["Sunbelt"] }
    })
}

/// The signed start time the quote form page carries (a form sent too soon is taken for a bot).
pub(crate) fn quote_started(html: &str) -> String {
    input_value(html, "started")
}
fn events(app: &TestApp, lead: i64) -> Vec<String> {
    app.db
        .read_blocking(move |c| Ok(model::events_of(c, lead)?.into_iter().map(|e| e.kind).collect()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_names_every_bad_field_and_takes_a_good_lead() {
    let app = spawn_app().await;
    let t = token(&app);
    let (status, body) = post_lead(&app, &t, &json!({ "first_name": " ", "email": "nope", "phone": "12", "birth_date": "2090-01-01", "zip": "ABCDE", "state": "Narnia", "product_line": "spaceships", "consent": { "given_at": "yesterday", "ip": "not-an-ip" }, "tags": "x" }), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "validation");
    for field in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "zip",
        "state",
        "product_line",
        "consent.text",
        "consent.given_at",
        "consent.ip",
        "tags",
    ] {
        assert!(body["fields"][field].is_array(), "{field} is named: {body}");
    }
    let (status, body) = post_lead(&app, &t, &json!({ "first_name": "Ana", "last_name": "Garcia" }), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["email"].is_array() && body["fields"]["phone"].is_array(),
        "one of e-mail or phone"
    );
    let r = app
        .client
        .post(app.url("/api/v1/leads"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("leads"), 0);
    let r = app
        .client
        .post(app.url("/api/v1/leads"))
        .json(&lead_json("Ana", "ana@example.com", "(305) 555-0142"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no token");

    let (status, body) = post_lead(&app, &t, &lead_json("Ana", "Ana@Example.com", "(305) 555-0142"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "new");
    assert_eq!(body["attached"], false);
    let id = body["id"].as_i64().unwrap();
    assert!(body["url"].as_str().unwrap().ends_with(&format!("/api/v1/leads/{id}")));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/leads/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let lead: Value = r.json().await.unwrap();
    assert_eq!(lead["contact"]["email"], "ana@example.com");
    assert_eq!(lead["contact"]["phone"], "+13055550142");
    assert_eq!(lead["contact"]["city"], "Miami");
    assert_eq!(lead["contact"]["state"], "FL");
    assert_eq!(lead["has_consent"], true);
    let r = app
        .client
        .get(app.url("/api/v1/leads/999999"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Created, then routed (nobody here may sell it, so it waits unassigned, with the reason).
    assert_eq!(events(&app, id), vec!["unrouted".to_string(), "created".to_string()]);
    assert!(
        lead["routing"]["unassigned_reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{lead}"
    );
    // The answer to the POST, built from what intake stored, tells the same.
    assert_eq!(body["routing"], lead["routing"]);
    assert_eq!(body["score"], lead["score"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_person_is_attached_and_a_retried_request_creates_nothing() {
    let app = spawn_app().await;
    let t = token(&app);
    let (s1, b1) = post_lead(
        &app,
        &t,
        &lead_json("Ana", "ana@example.com", "(305) 555-0142"),
        Some("req-1"),
    )
    .await;
    assert_eq!(s1, StatusCode::CREATED);
    // The same key and body: the first answer again, nothing new.
    let (s2, b2) = post_lead(
        &app,
        &t,
        &lead_json("Ana", "ana@example.com", "(305) 555-0142"),
        Some("req-1"),
    )
    .await;
    assert_eq!((s2, &b2), (StatusCode::CREATED, &b1));
    assert_eq!(app.count("leads"), 1);
    assert_eq!(app.count("lead_events"), 2, "created and routed, once");
    // The same key with another body is refused.
    let (s3, b3) = post_lead(&app, &t, &lead_json("Other", "other@example.com", ""), Some("req-1")).await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b3["fields"]["Idempotency-Key"].is_array());
    // The same person by phone only, another day: attached to the open lead.
    let (s4, b4) = post_lead(
        &app,
        &t,
        &json!({ "first_name": "Ana", "last_name": "G", "phone": "+1 305-555-0142", "source": "vendor-b" }),
        None,
    )
    .await;
    assert_eq!(s4, StatusCode::OK);
    assert_eq!(b4["attached"], true);
    assert_eq!(b4["id"], b1["id"]);
    assert_eq!(app.count("leads"), 1);
    let id = b1["id"].as_i64().unwrap();
    assert_eq!(
        events(&app, id),
        vec!["attached".to_string(), "unrouted".to_string(), "created".to_string()]
    );
    // Once that lead is closed, the person's next request is a new lead of the same contact.
    app.db
        .write_blocking(move |c| Ok(model::set_status(c, id, "lost")?))
        .unwrap();
    let (s5, b5) = post_lead(
        &app,
        &t,
        &json!({ "first_name": "Ana", "last_name": "Garcia", "email": "ana@example.com" }),
        None,
    )
    .await;
    assert_eq!(s5, StatusCode::CREATED);
    assert_ne!(b5["id"], b1["id"]);
    assert_eq!(app.count("contacts"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_is_recorded_and_its_revocation_honoured_everywhere() {
    let app = spawn_app().await;
    let t = token(&app);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let first = b["id"].as_i64().unwrap();
    let (_, b) = post_lead(
        &app,
        &t,
        &json!({ "first_name": "Bo", "last_name": "Lee", "phone": "(415) 555-2671" }),
        None,
    )
    .await;
    let unconsented = b["id"].as_i64().unwrap();
    app.login_as(Role::Owner).await;
    let (_, html) = app.page(&format!("/leads/{first}")).await;
    assert!(html.contains("I agree to be contacted by Sunbelt and its agents.") && html.contains("203.0.113.9"));
    assert!(html.contains("href=\"tel:+13055550142\""), "callable");
    let (_, html) = app.page(&format!("/leads/{unconsented}")).await;
    assert!(html.contains("No consent: do not call") && !html.contains("href=\"tel:"));

    // Ana asks not to be called: from now on, on every lead of hers.
    app.db
        .write_blocking(move |c| Ok(model::set_status(c, first, "lost")?))
        .unwrap();
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", ""), None).await;
    let second = b["id"].as_i64().unwrap();
    let r = app.post_form(&format!("/leads/{second}/consent-revocation"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for id in [first, second] {
        assert!(events(&app, id).contains(&"consent_revoked".to_string()));
        let (_, html) = app.page(&format!("/leads/{id}")).await;
        assert!(
            html.contains("Do not call") && !html.contains("href=\"tel:"),
            "lead {id}"
        );
    }
    let (_, html) = app.page("/leads").await;
    assert!(html.contains("<span class=\"badge badge-failed\">Do not call</span>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_changes_follow_the_rules_and_every_change_is_history() {
    let app = spawn_app().await;
    let t = token(&app);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let id = b["id"].as_i64().unwrap();
    app.login_as(Role::Owner).await;
    // An agent who may take this FL Medicare lead (assignment checks that, as routing does).
    let (_, agent_id) = crate::routing::ready_agent(&app, "Priya Raman");

    assert_eq!(
        app.post_form(&format!("/leads/{id}/status"), &[("status", "won")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "new → won is refused"
    );
    assert_eq!(
        app.post_form(&format!("/leads/{id}/status"), &[("status", "wizard")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for to in ["contacted", "qualified", "quoted", "won"] {
        let r = app.post_form(&format!("/leads/{id}/status"), &[("status", to)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "→ {to}");
    }
    let r = app
        .post_form(&format!("/leads/{id}/status"), &[("status", "contacted")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "won is final");
    let (lead, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert!(
        lead.contacted_at.is_some()
            && lead.qualified_at.is_some()
            && lead.quoted_at.is_some()
            && lead.closed_at.is_some()
    );

    let r = app
        .post_form(
            &format!("/leads/{id}/assignment"),
            &[("agent_id", &agent_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "an eligible agent is assigned");
    app.post_form(&format!("/leads/{id}/notes"), &[("body", "Prefers calls after 5 pm")])
        .await;
    assert_eq!(
        app.post_form(&format!("/leads/{id}/notes"), &[("body", "   ")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = app
        .post_form(
            &format!("/leads/{id}/tasks"),
            &[("title", "Send the plan comparison"), ("due", "2026-12-01T17:30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let task = app
        .db
        .read_blocking(move |c| Ok(model::tasks_of(c, id)?.remove(0)))
        .unwrap();
    // 5:30 pm in New York is 22:30 UTC in December.
    assert_eq!(task.due_at.format("%H:%M").to_string(), "22:30");
    app.post_form(&format!("/tasks/{}/completion", task.id), &[]).await;
    let kinds = events(&app, id);
    for k in [
        "created",
        "status_changed",
        "assigned",
        "note_added",
        "task_added",
        "task_done",
    ] {
        assert!(kinds.contains(&k.to_string()), "{k} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| *k == "status_changed").count(), 4);
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("Status changed from quoted to won.")
            && html.contains("Note: Prefers calls after 5 pm")
            && html.contains("Assigned to Priya Raman.")
    );

    // History cannot be altered, not even with SQL.
    let changed = app.db.write_blocking(|c| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE lead_events SET details = 'forged'"),
            c,
        )?)
    });
    assert!(changed.is_err(), "lead_events refuses UPDATE");
    let removed = app.db.write_blocking(|c| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query("DELETE FROM lead_events"),
            c,
        )?)
    });
    assert!(removed.is_err(), "lead_events refuses DELETE");
    assert!(app.count("lead_events") >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sees_only_their_leads_and_other_ids_answer_404() {
    let app = spawn_app().await;
    let t = token(&app);
    let mine_user = app.new_client();
    let me = mine_user.login_as(Role::Agent).await;
    let my_agent = app.agent_id(&me);
    let other = app.create_user(Role::Agent, "Marcus Johnson");
    let other_agent = app.agent_id(&other);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let mine = b["id"].as_i64().unwrap();
    let (_, b) = post_lead(&app, &t, &lead_json("Bo", "bo@example.com", "(415) 555-2671"), None).await;
    let theirs = b["id"].as_i64().unwrap();
    let (_, b) = post_lead(&app, &t, &lead_json("Cy", "cy@example.com", "(212) 555-1234"), None).await;
    let unassigned = b["id"].as_i64().unwrap();
    app.db
        .write_blocking(move |c| {
            model::assign(c, mine, Some(my_agent))?;
            model::assign(c, theirs, Some(other_agent))?;
            Ok(())
        })
        .unwrap();

    assert_eq!(mine_user.get(&format!("/leads/{mine}")).await.status(), StatusCode::OK);
    for id in [theirs, unassigned, 999_999] {
        assert_eq!(
            mine_user.get(&format!("/leads/{id}")).await.status(),
            StatusCode::NOT_FOUND,
            "lead {id}"
        );
        assert_eq!(
            mine_user
                .post_form(&format!("/leads/{id}/status"), &[("status", "contacted")])
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            mine_user
                .post_form(&format!("/leads/{id}/notes"), &[("body", "x")])
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    let (_, html) = mine_user.page("/leads").await;
    assert!(html.contains("Ana Garcia") && !html.contains("Bo Garcia") && !html.contains("Cy Garcia"));
    assert_eq!(
        mine_user
            .post_form(&format!("/leads/{mine}/assignment"), &[("agent_id", "")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(mine_user.get("/leads/export").await.status(), StatusCode::FORBIDDEN);

    // Leading Marcus's team shows his leads too.
    let team = app
        .db
        .write_blocking(|c| Ok(agency_engine::agents::model::insert_team(c, "Miami")?))
        .unwrap();
    app.db
        .write_blocking(move |c| {
            agency_engine::agents::model::set_team(c, other_agent, Some(team))?;
            agency_engine::agents::model::set_team(c, my_agent, Some(team))?;
            agency_engine::agents::model::set_leader(c, team, Some(my_agent))?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        mine_user.get(&format!("/leads/{theirs}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        mine_user.get(&format!("/leads/{unassigned}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_list_filters_pages_by_keyset_and_finds_nearby_leads() {
    let app = spawn_app().await;
    let t = token(&app);
    // 60 leads in Miami, 5 in New York.
    for i in 0..60 {
        let body = json!({ "first_name": format!("Miami{i:02}"), "last_name": "Lead", "email": format!("m{i}@example.com"), "zip": "33101", "product_line": if i % 2 == 0 { "life" } else { "medicare_supplement" }, "source": "vendor-a" });
        assert_eq!(post_lead(&app, &t, &body, None).await.0, StatusCode::CREATED);
    }
    for i in 0..5 {
        let body = json!({ "first_name": format!("Gotham{i}"), "last_name": "Lead", "email": format!("n{i}@example.com"), "zip": "10001", "source": "vendor-b" });
        post_lead(&app, &t, &body, None).await;
    }
    app.login_as(Role::Admin).await;
    let (_, html) = app.page("/leads").await;
    assert_eq!(html.matches("<tr id=\"lead-").count(), 50, "a page of 50");
    assert!(html.contains("Gotham4") && !html.contains("Miami00"), "newest first");
    let next = html
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (_, page2) = app.page(&next).await;
    assert_eq!(page2.matches("<tr id=\"lead-").count(), 15);
    assert!(page2.contains("Miami00") && !page2.contains("rel=\"next\""));

    let (_, html) = app.page("/leads?near=10001&radius=10").await;
    assert_eq!(
        html.matches("<tr id=\"lead-").count(),
        5,
        "only New York within 10 miles"
    );
    let (_, html) = app.page("/leads?near=33130&radius=25").await;
    assert_eq!(html.matches("<tr id=\"lead-").count(), 50);
    let (_, html) = app.page("/leads?product=life&source=vendor-a").await;
    assert_eq!(html.matches("<tr id=\"lead-").count(), 30);
    let (_, html) = app.page("/leads?q=gotham3").await;
    assert_eq!(html.matches("<tr id=\"lead-").count(), 1);
    let (_, html) = app.page("/leads?near=99999").await;
    assert!(html.contains("is not one we know"));
    for odd in [
        "/leads?after=abc",
        "/leads?from=2026-13-45",
        "/leads?status=zzz",
        "/leads?radius=7&near=33101",
        "/leads?agent=x",
    ] {
        assert_eq!(app.get(odd).await.status(), StatusCode::OK, "{odd}");
    }
    // Partial: the results block only.
    let r = app
        .client
        .get(app.url("/leads?source=vendor-b"))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap();
    let frag = r.text().await.unwrap();
    assert!(frag.trim_start().starts_with("<div id=\"lead-results\"") && frag.matches("<tr id=\"lead-").count() == 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_exactly_the_filter_and_is_recorded() {
    let app = spawn_app().await;
    let t = token(&app);
    for i in 0..30 {
        let body = json!({ "first_name": format!("P{i}"), "last_name": "Lead", "email": format!("p{i}@example.com"), "source": if i % 3 == 0 { "fair" } else { "web" } });
        post_lead(&app, &t, &body, None).await;
    }
    app.login_as(Role::Owner).await;
    let r = app.get("/leads/export?source=fair").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| &r[3] == "fair"));
    let exported: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    for id in &exported {
        assert!(events(&app, *id).contains(&"exported".to_string()));
    }
    let web_lead = app
        .db
        .read_blocking(|c| {
            Ok(model::list_leads(
                c,
                &model::Scope::All,
                &model::LeadFilter {
                    source: Some("web".into()),
                    ..Default::default()
                },
                model::LeadSort::Newest,
                None,
                1,
            )?
            .0[0]
                .0
                .id)
        })
        .unwrap();
    assert!(!events(&app, web_lead).contains(&"exported".to_string()));
    assert!(app.audit_actions().contains(&"leads.exported".to_string()));
    // A bulk selection exports just those.
    let r = app
        .get(&format!("/leads/export?id={}&id={}", exported[0], exported[1]))
        .await;
    let n = csv::Reader::from_reader(r.text().await.unwrap().as_bytes())
        .records()
        .count();
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_verified_by_the_receiver_and_retried_after_a_failure() {
    let receiver = Receiver::start(1).await;
    let app = spawn_with(loopback_webhooks).await;
    app.login_as(Role::Owner).await;
    let r = app.create_webhook("http://crm.example.com/hook", "*").await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "https only, except on this machine"
    );
    let r = app.create_webhook(&receiver.url(), "lead.created").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let endpoint = app
        .db
        .read_blocking(|c| Ok(model::webhooks::endpoints(c)?.remove(0)))
        .unwrap();

    let t = token(&app);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let id = b["id"].as_i64().unwrap();
    // The first delivery gets a 500 and is scheduled again with back-off.
    let first = eventually(10, || {
        let d = app
            .db
            .read_blocking(move |c| Ok(model::webhooks::deliveries_of(c, endpoint.id)?))
            .unwrap();
        d.into_iter().next().filter(|d| d.attempts == 1)
    })
    .await
    .expect("first attempt");
    assert_eq!((first.status.as_str(), first.response_status), ("pending", Some(500)));
    // Once the job has recorded its failure, let the back-off pass.
    eventually(10, || {
        (app.count("jobs WHERE kind = 'webhook' AND status = 'pending' AND attempts = 1 AND last_error IS NOT NULL")
            == 1)
            .then_some(())
    })
    .await
    .expect("the job waits for its retry");
    app.db
        .write_blocking(|c| {
            Ok(diesel::RunQueryDsl::execute(
                diesel::sql_query("UPDATE jobs SET run_at = created_at WHERE kind = 'webhook'"),
                c,
            )?)
        })
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    eventually(10, || {
        let d = app
            .db
            .read_blocking(move |c| Ok(model::webhooks::deliveries_of(c, endpoint.id)?))
            .unwrap();
        d.into_iter().next().filter(|d| d.status == "delivered")
    })
    .await
    .expect("delivered on retry");
    let got = receiver.requests();
    assert_eq!(got.len(), 2);
    for req in &got {
        // Verify as a receiver would: recompute the HMAC over "t.body" with the shared secret.
        let sig = req.headers.get("x-ae-signature").expect("signed");
        let t: i64 = sig.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
        assert_eq!(
            sig,
            &agency_engine::leads::webhooks::signature(&endpoint.secret, t, &req.body)
        );
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(endpoint.secret.as_bytes()).unwrap();
        hmac::Mac::update(&mut mac, format!("{t}.{}", req.body).as_bytes());
        assert!(sig.ends_with(&hex::encode(hmac::Mac::finalize(mac).into_bytes())));
        let body: Value = serde_json::from_str(&req.body).unwrap();
        assert_eq!(body["event"], "lead.created");
        assert_eq!(body["lead"]["id"], id);
        assert_eq!(req.headers["x-ae-event"], "lead.created");
    }
    let (_, html) = app.page(&format!("/admin/webhooks/{}", endpoint.id)).await;
    assert!(
        html.contains("badge-delivered") && html.contains("<td data-label=\"Attempts\">2</td>"),
        "the log shows the retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quote_form_keeps_consent_and_drops_bots() {
    let app = spawn_with(|s| s.quote_min_seconds = 0).await;
    let (status, html) = app.page("/quote").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sunbelt Insurance Group and its licensed insurance agents may contact me"));
    let started = input_value(&html, "started");

    // A bot fills the honeypot: it is told thanks and nothing is kept.
    let r = app
        .post_form(
            "/quote",
            &[
                ("first_name", "Spam"),
                ("last_name", "Bot"),
                ("email", "bot@example.com"),
                ("website", "http://spam.example"),
                ("started", &started),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/quote/thanks");
    // A forged start time is a bot too.
    app.post_form(
        "/quote",
        &[
            ("first_name", "Spam"),
            ("last_name", "Bot"),
            ("email", "bot2@example.com"),
            ("started", "1.deadbeef"),
        ],
    )
    .await;
    assert_eq!(app.count("leads"), 0);

    let r = app
        .post_form(
            "/quote",
            &[
                ("first_name", "Ana"),
                ("last_name", ""),
                ("email", "bad"),
                ("started", &started),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Ana\"") && html.contains("field-error"));

    let id = app.submit_consenting_quote(&started).await;
    assert_eq!(app.get("/quote/thanks").await.status(), StatusCode::OK);
    let consents = app.db.read_blocking(move |c| Ok(model::consents_of(c, id)?)).unwrap();
    assert_eq!(consents.len(), 1);
    assert!(
        consents[0].text.contains("may contact me") && consents[0].page_url.as_deref().unwrap().ends_with("/quote")
    );
    assert_eq!(consents[0].ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quote_form_is_rate_limited_per_address() {
    let app = spawn_with(|s| s.form_rate_per_minute = 2).await;
    for _ in 0..2 {
        assert_eq!(
            app.post_form("/quote", &[("first_name", "A")]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.post_form("/quote", &[("first_name", "A")]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_exactly_the_api_routes() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let served: std::collections::BTreeSet<(String, String)> = agency_engine::startup::route_specs()
        .into_iter()
        .filter(|s| s.access.is_api())
        .map(|s| (s.method.to_string(), s.path.to_string()))
        .collect();
    assert_eq!(documented, served);
    for field in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "zip",
        "state",
        "product_line",
        "message",
        "source",
        "external_id",
        "consent",
    ] {
        assert!(
            doc["components"]["schemas"]["LeadRequest"]["properties"][field].is_object(),
            "{field} documented"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_ups_due_today_and_overdue_are_listed() {
    let app = spawn_app().await;
    let t = token(&app);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let id = b["id"].as_i64().unwrap();
    let user = app.login_as(Role::Agent).await;
    let agent = app.agent_id(&user);
    app.db
        .write_blocking(move |c| Ok(model::assign(c, id, Some(agent))?))
        .unwrap();
    let now = agency_engine::db::now();
    let (uid, past, soon) = (
        user.id,
        now - chrono::Duration::hours(3),
        now + chrono::Duration::minutes(5),
    );
    app.db
        .write_blocking(move |c| {
            model::insert_task(c, id, uid, "Call back about Part D", past, uid)?;
            model::insert_task(c, id, uid, "Send the brochure", soon, uid)?;
            model::insert_task(c, id, uid, "Annual review", now + chrono::Duration::days(40), uid)?;
            Ok(())
        })
        .unwrap();
    let (_, html) = app.page("/tasks").await;
    assert!(html.contains("Overdue") && html.contains("Call back about Part D"));
    assert!(!html.contains("Annual review"));
    let overdue_at = html.find("Call back about Part D").unwrap();
    let today_at = html.find("Due today").unwrap_or(usize::MAX);
    assert!(overdue_at < today_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_maps_columns_dedupes_rejects_with_a_report_and_remembers_the_mapping() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let t = token(&app);
    post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let csv = "Given Name,Surname,E-mail,Mobile,Zip Code,Notes,Shoe size\n\
               Bo,Lee,bo@example.com,(415) 555-2671,94103,wants life,10\n\
               Ana,Garcia,ana@example.com,,33101,again,7\n\
               ,Nameless,x@example.com,,,,\n\
               Cy,Dee,not-an-email,,,,\n\
               Di,Fox,,(212) 555-1234,10001,,\n";
    let r = app.upload_lead_csv("leads.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Shoe size"));
    let upload_id = input_value(&html, "upload");
    // The guesses: Given Name → first name, Surname → last name, E-mail, Mobile → phone, Zip Code, Notes → message.
    for (col, field) in [
        (0, "first_name"),
        (1, "last_name"),
        (2, "email"),
        (3, "phone"),
        (4, "zip"),
        (5, "message"),
    ] {
        let select = html
            .split(&format!("name=\"col_{col}\""))
            .nth(1)
            .unwrap()
            .split("</select>")
            .next()
            .unwrap();
        assert!(
            select.contains(&format!("value=\"{field}\" selected")),
            "column {col} guessed as {field}"
        );
    }
    let columns = ["first_name", "last_name", "email", "phone", "zip", "message", ""];
    let import_id = app.start_lead_import(&upload_id, "leads.csv", &columns).await;
    let page = format!("/leads/imports/{import_id}");
    let done = app.finished_import(import_id, 30).await;
    assert_eq!(
        (done.created_count, done.attached_count, done.rejected_count),
        (2, 1, 2)
    );
    let (_, html) = app.page(&page).await;
    assert!(html.contains("<progress max=\"100\" value=\"100\""));
    let report = app.get(&format!("{page}/report")).await;
    assert_eq!(report.status(), StatusCode::OK);
    let text = report.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header and two rejected rows: {text}");
    assert!(lines[1].starts_with("4,") && lines[2].starts_with("5,"), "{text}");

    // The same columns again: the mapping is remembered.
    let r = app.upload_lead_csv("leads.csv", csv.as_bytes().to_vec()).await;
    assert!(r.text().await.unwrap().contains("match your last import"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100000_row_file_imports_in_the_background() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let mut csv = String::with_capacity(8_000_000);
    csv.push_str("first_name,last_name,email,zip\n");
    for i in 0..100_000 {
        csv.push_str(&format!(
            "Person{i},Bulk,p{i}@bulk.example.com,{}\n",
            ["33101", "10001", "60601", "94103"][i % 4]
        ));
    }
    let html = app
        .upload_lead_csv("big.csv", csv.into_bytes())
        .await
        .text()
        .await
        .unwrap();
    let columns = ["first_name", "last_name", "email", "zip"];
    let import_id = app
        .start_lead_import(&input_value(&html, "upload"), "big.csv", &columns)
        .await;
    let done = app.finished_import(import_id, 600).await;
    assert_eq!(
        (done.processed_rows, done.created_count, done.rejected_count),
        (100_000, 100_000, 0)
    );
    assert_eq!(app.count("leads"), 100_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrected_details_are_saved_and_the_history_names_the_fields() {
    let app = spawn_app().await;
    let t = token(&app);
    let (_, b) = post_lead(&app, &t, &lead_json("Ana", "ana@example.com", "(305) 555-0142"), None).await;
    let id = b["id"].as_i64().unwrap();
    app.login_as(Role::Owner).await;
    let r = app
        .post_form(
            &format!("/leads/{id}/details"),
            &[
                ("first_name", "Ana"),
                ("last_name", "Garcia"),
                ("email", "not an email"),
                ("phone", ""),
                ("zip", "10001"),
                ("product_line", "life"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &format!("/leads/{id}/details"),
            &[
                ("first_name", "Ana"),
                ("last_name", "Garcia-Lopez"),
                ("email", "ana@example.com"),
                ("phone", "(305) 555-0142"),
                ("birth_date", "1958-04-02"),
                ("zip", "10001"),
                ("product_line", "life"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (lead, contact) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert_eq!(
        (
            contact.last_name.as_str(),
            contact.zip.as_deref(),
            contact.state.as_deref(),
            lead.product_line.as_str()
        ),
        ("Garcia-Lopez", Some("10001"), Some("NY"), "life")
    );
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("Details corrected: last name, zip, state, product line."),
        "{}",
        &html[html.find("timeline").unwrap()..][..600]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_lead_is_qualified_and_the_page_says_why() {
    let app = spawn_app().await;
    let t = token(&app);
    let body = json!({ "first_name": "Rosa", "last_name": "Diaz", "phone": "(305) 555-0142", "zip": "33101", "birth_date": "1960-01-15",
                       "message": "Looking for a medigap plan, my coverage ends this month", "source": "website" });
    let (status, answer) = post_lead(&app, &t, &body, None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        answer["product_line"], "medicare_supplement",
        "read from the message: {answer}"
    );
    assert_eq!(answer["urgency"], "high");
    assert_eq!(answer["intent"], "quote");
    let score = answer["score"].as_i64().unwrap();
    assert!((0..=100).contains(&score));
    let factors = answer["score_factors"].as_array().unwrap();
    assert!(factors.iter().any(|f| f["key"] == "phone"), "{factors:?}");
    let sum: f64 = factors.iter().map(|f| f["points"].as_f64().unwrap()).sum();
    let base = agency_engine::scoring::Weights::default().base;
    assert!(
        ((base + sum).round().clamp(0.0, 100.0) as i64 - score).abs() <= 1,
        "the factors add up to the score"
    );
    let id = answer["id"].as_i64().unwrap();
    let lead = app.api_lead(id, &t).await;
    assert_eq!(lead["score"], score);
    assert_eq!(lead["scored_by"], "rules-v1");
    app.login_as(Role::Owner).await;
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains(&format!("Score {score}"))
            && html.contains("why this score")
            && html.contains("Urgency: <strong>high</strong>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_trained_on_the_agencys_outcomes_beats_a_constant_and_can_be_chosen() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    // 400 closed leads whose outcome follows what they gave: a phone and a Medicare-age person win more.
    let mut rng: u64 = 7;
    for i in 0..400 {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let good = i % 2 == 0;
        let mut body = json!({ "first_name": format!("P{i}"), "last_name": "Test", "email": format!("p{i}@example.com"), "zip": "33101", "product_line": "medicare_advantage" });
        if good {
            body["phone"] = json!(format!("+1305555{:04}", 1000 + i));
            body["birth_date"] = json!("1955-05-05");
        }
        let (_, answer) = post_lead(&app, &t, &body, None).await;
        let id = answer["id"].as_i64().unwrap();
        let won = (rng >> 33) % 100 < if good { 70 } else { 25 };
        app.db
            .write_blocking(move |c| Ok(model::set_status(c, id, if won { "won" } else { "lost" })?))
            .unwrap();
    }
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    assert_eq!(
        admin.post_form("/admin/scoring/training", &[]).await.status(),
        StatusCode::FORBIDDEN,
        "the owner's choice"
    );
    app.login_as(Role::Owner).await;
    let r = app.post_form("/admin/scoring/training", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let models = app
        .db
        .read_blocking(|c| Ok(agency_engine::scoring::model::models(c)?))
        .unwrap();
    assert_eq!(models.len(), 1);
    let auc = models[0].auc.unwrap();
    assert!(auc > 0.6, "held-out AUC {auc} beats a constant score (0.5)");
    let (_, html) = app.page("/admin/scoring").await;
    assert!(html.contains(&models[0].version) && html.contains("Held-out AUC"));

    // Until chosen, the rule set scores; once chosen, the learned model does.
    let (_, before) = post_lead(
        &app,
        &t,
        &json!({ "first_name": "New", "last_name": "One", "email": "new1@example.com" }),
        None,
    )
    .await;
    let first = before["id"].as_i64().unwrap();
    let r = app
        .post_form("/admin/scoring/choice", &[("model_id", &models[0].id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, after) = post_lead(
        &app,
        &t,
        &json!({ "first_name": "New", "last_name": "Two", "email": "new2@example.com" }),
        None,
    )
    .await;
    let second = after["id"].as_i64().unwrap();
    let scored_by = |id: i64| {
        app.db
            .read_blocking(move |c| Ok(model::find_lead(c, id)?.0.scored_by))
            .unwrap()
    };
    assert_eq!(scored_by(first).as_deref(), Some("rules-v1"));
    assert_eq!(
        scored_by(second).as_deref(),
        Some(models[0].version.as_str()),
        "each lead keeps the version that scored it"
    );
    assert_eq!(
        app.post_form("/admin/scoring/choice", &[("model_id", "9999")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_ceiling_endpoint_exists_only_when_switched_on() {
    let off = spawn_app().await;
    let t = token(&off);
    let body = json!({ "first_name": "Ada", "last_name": "Bench", "email": "ada@example.com" });
    let r = off
        .client
        .post(off.url("/api/v1/bench/bare"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let on = spawn_with(|s| s.bench_endpoints = true).await;
    let t = token(&on);
    let r = on
        .client
        .post(on.url("/api/v1/bench/bare"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(on.count("bench_rows"), 1);
    assert_eq!(on.count("leads"), 0, "nothing else is written");
    let r = on
        .client
        .post(on.url("/api/v1/bench/bare"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the same token check as intake");
}
