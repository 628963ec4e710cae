//! Routing: offers to eligible agents, accept, decline, time-out, the unassigned queue, the
//! explanation, and exact round-robin and caps under concurrent intake.

use agency_engine::agents::service as agents;
use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::{Actor, Role};
use agency_engine::domain::ProductLine;
use agency_engine::leads::model;
use agency_engine::routing::{offers, store};
use agency_engine::routing::{Conditions, Pool, Rule, Strategy};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{eventually, spawn_with, TestApp, TestUser};

pub(crate) fn token(app: &TestApp) -> String {
    let who = AuditActor::system("test");
    app.db
        .write_blocking(|c| agency_engine::auth::service::create_api_token(c, &who, "Vendor", &["leads:write"]))
        .unwrap()
        .1
}

/// An agent who may sell Medicare in FL today and is accepting leads.
pub(crate) fn ready_agent(app: &TestApp, name: &str) -> (TestUser, i64) {
    let user = app.create_user(Role::Agent, name);
    let agent = app.agent_id(&user);
    let today = agency_engine::db::now().date();
    let year = agency_engine::agents::readiness::plan_year(today, &Default::default());
    let owner = Actor {
        id: 0,
        role: Role::Owner,
    };
    let who = AuditActor::system("test");
    app.db
        .write_blocking(move |c| {
            agents::set_accepting(c, owner, &who, agent, true)?;
            let licence = agents::ParsedLicence {
                state: "FL",
                number: format!("FL{agent}"),
                resident: true,
                lines: vec![agency_engine::agents::readiness::LineOfAuthority::Health],
                issued_on: today - chrono::Duration::days(400),
                expires_on: today + chrono::Duration::days(400),
            };
            agents::add_licence(c, owner, &who, agent, &licence)?;
            let ahip = agents::ParsedCertification {
                kind: "AHIP".into(),
                plan_year: year,
                earned_on: today - chrono::Duration::days(10),
                expires_on: today + chrono::Duration::days(300),
            };
            agents::add_certification(c, owner, &who, agent, &ahip, "manual")?;
            Ok(())
        })
        .unwrap();
    (user, agent)
}

/// Everyone in turn, whatever the hour (so the tests do not depend on the clock).
pub(crate) fn round_robin(app: &TestApp, cap: Option<u32>) {
    let rule = Rule {
        id: 0,
        name: "Medicare in turn".into(),
        priority: 1,
        conditions: Conditions {
            products: vec![ProductLine::MedicareAdvantage],
            ..Default::default()
        },
        pool: Pool::Everyone,
        strategy: Strategy::RoundRobin,
        daily_cap: cap,
        ignore_hours: true,
    };
    app.db
        .write_blocking(move |c| Ok(store::insert_rule(c, &rule)?))
        .unwrap();
}

pub(crate) fn lead(i: usize, state_zip: &str) -> Value {
    json!({
        "first_name": format!("Lead{i}"), "last_name": "Routing", "email": format!("r{i}@example.com"), "zip": state_zip,
        "product_line": "medicare_advantage", "consent": { "text": "I agree to be contacted." }
    })
}

pub(crate) async fn post(app: &TestApp, t: &str, body: &Value) -> Value {
    app.client
        .post(app.url("/api/v1/leads"))
        .bearer_auth(t)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn offers_of(app: &TestApp, lead: i64) -> Vec<offers::OfferRow> {
    app.db
        .read_blocking(move |c| Ok(offers::offers_of_lead(c, lead)?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_is_declined_then_accepted_and_the_lead_is_assigned() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, ann_id) = ready_agent(&app, "Ann Able");
    let (ben, ben_id) = ready_agent(&app, "Ben Best");
    let t = token(&app);
    let answer = post(&app, &t, &lead(1, "33101")).await;
    let id = answer["id"].as_i64().unwrap();
    assert_eq!(answer["routing"]["offer"]["agent_id"], ann_id, "{answer}");
    let first = offers_of(&app, id).remove(0);
    assert!(first.deadline > agency_engine::db::now() + chrono::Duration::minutes(4));
    // The answer is built from what intake stored; reading the lead back tells the same.
    let stored = app.api_lead(id, &t).await;
    assert_eq!(answer["routing"], stored["routing"]);
    for field in ["status", "product_line", "score", "score_factors", "intent", "urgency"] {
        assert_eq!(answer[field], stored[field], "{field}");
    }
    assert_eq!(
        app.count(&format!("jobs WHERE kind = 'email' AND payload LIKE '%{}%'", ann.email)),
        1,
        "an e-mail on each offer"
    );

    let ann_browser = app.new_client();
    ann_browser.login(&ann.email, &ann.password).await;
    let ben_browser = app.new_client();
    ben_browser.login(&ben.email, &ben.password).await;
    let (_, html) = ann_browser.page("/leads").await;
    assert!(html.contains("Offered to you") && html.contains("Lead1 Routing"));
    assert_eq!(
        ann_browser.get(&format!("/leads/{id}")).await.status(),
        StatusCode::NOT_FOUND,
        "not theirs until accepted"
    );
    // Ben cannot answer Ann's offer.
    assert_eq!(
        ben_browser
            .post_form(&format!("/offers/{}/acceptance", first.id), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Ann passes, with a reason: the lead goes to Ben, never back to Ann.
    let r = ann_browser
        .post_form(&format!("/offers/{}/decline", first.id), &[("reason", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(offers_of(&app, id).len(), 1, "a reason is needed");
    ann_browser
        .post_form(
            &format!("/offers/{}/decline", first.id),
            &[("reason", "Already full this week")],
        )
        .await;
    let all = offers_of(&app, id);
    assert_eq!((all[0].agent_id, all[0].status.as_str()), (ben_id, "pending"));
    assert_eq!(
        (all[1].status.as_str(), all[1].decline_reason.as_deref()),
        ("declined", Some("Already full this week"))
    );
    let r = ben_browser
        .post_form(&format!("/offers/{}/acceptance", all[0].id), &[])
        .await;
    assert_eq!(r.headers()["location"], format!("/leads/{id}").as_str());
    assert_eq!(ben_browser.get(&format!("/leads/{id}")).await.status(), StatusCode::OK);
    let (l, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert_eq!(l.assigned_agent_id, Some(ben_id));
    let got = app.api_lead(id, &t).await;
    assert_eq!(got["routing"]["assigned_agent"], ben_id);
    // Accepting twice does nothing more.
    let r = ben_browser
        .post_form(&format!("/offers/{}/acceptance", all[0].id), &[])
        .await;
    assert_eq!(r.headers()["location"], "/leads");
    // The owner sees why: the rule, the ranking, the decline.
    app.login_as(Role::Owner).await;
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("Rule: Medicare in turn.")
            && html.contains("Already full this week")
            && html.contains("Offer declined")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_offer_times_out_to_the_next_agent_and_then_the_queue() {
    let app = spawn_with(|s| s.offer_minutes = 5).await;
    round_robin(&app, None);
    let (_, ann_id) = ready_agent(&app, "Ann Able");
    let (_, ben_id) = ready_agent(&app, "Ben Best");
    let t = token(&app);
    let id = post(&app, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    for expected in [ann_id, ben_id] {
        let pending = offers_of(&app, id)
            .into_iter()
            .find(|o| o.status == "pending")
            .expect("an open offer");
        assert_eq!(pending.agent_id, expected);
        // The deadline passes.
        let job = format!(
            "jobs WHERE kind = 'offer.timeout' AND payload LIKE '%:{}}}%' AND status = 'pending'",
            pending.id
        );
        assert_eq!(app.count(&job), 1);
        app.db
            .write_blocking(move |c| {
                Ok(diesel::RunQueryDsl::execute(
                    diesel::sql_query(format!(
                        "UPDATE jobs SET run_at = created_at WHERE kind = 'offer.timeout' AND payload LIKE '%:{}}}%'",
                        pending.id
                    )),
                    c,
                )?)
            })
            .unwrap();
        app.state.jobs_wakeup.notify_one();
        eventually(10, || {
            offers_of(&app, id)
                .iter()
                .any(|o| o.id == pending.id && o.status == "expired")
                .then_some(())
        })
        .await
        .expect("expired");
    }
    // Both agents had their turn: nobody is offered it twice, so it waits, with the reason.
    let (l, _) = eventually(10, || {
        let (l, c) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
        l.unassigned_reason.is_some().then_some((l, c))
    })
    .await
    .expect("queued");
    assert!(l.unassigned_reason.unwrap().contains("No eligible agent"));
    assert_eq!(offers_of(&app, id).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_eligible_the_lead_waits_unassigned_and_the_page_says_why() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (_, paused) = ready_agent(&app, "Paula Paused");
    let owner = Actor {
        id: 0,
        role: Role::Owner,
    };
    let who = AuditActor::system("test");
    app.db
        .write_blocking(move |c| agents::set_accepting(c, owner, &who, paused, false))
        .unwrap();
    ready_agent(&app, "Fred Florida");
    let t = token(&app);
    // A Texas lead: nobody is licensed there.
    let answer = post(&app, &t, &lead(1, "75201")).await;
    let reason = answer["routing"]["unassigned_reason"].as_str().unwrap().to_string();
    assert!(reason.contains("No eligible agent"), "{reason}");
    let id = answer["id"].as_i64().unwrap();
    app.login_as(Role::Admin).await;
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(html.contains("Waiting unassigned"));
    let (_, list) = app.page("/leads?agent=none").await;
    assert!(list.contains("Lead1 Routing"));
    // A Florida lead: Fred gets it, and Paula is listed as not accepting.
    let answer = post(&app, &t, &lead(2, "33101")).await;
    let id = answer["id"].as_i64().unwrap();
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("Fred Florida") && html.contains("Paula Paused:"),
        "the explanation names who was left out and why"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_and_caps_stay_exact_under_concurrent_intake() {
    let app = spawn_with(|s| {
        s.run_worker = false;
        s.api_rate_per_second = 10_000;
    })
    .await;
    round_robin(&app, Some(8));
    let mut agents = Vec::new();
    for n in ["A", "B", "C", "D"] {
        agents.push(ready_agent(&app, &format!("Agent {n}")).1);
    }
    let t = token(&app);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (client, url, t) = (app.client.clone(), app.url("/api/v1/leads"), t.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(t)
                .json(&lead(i, "33101"))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
    let per_agent: Vec<i64> = agents
        .iter()
        .map(|a| app.count(&format!("offers WHERE agent_id = {a}")))
        .collect();
    assert_eq!(
        per_agent,
        vec![8, 8, 8, 8],
        "the cap of 8 a day holds and the turns are even"
    );
    assert_eq!(app.count("leads WHERE unassigned_reason IS NOT NULL"), 8);
    assert_eq!(app.count("offers"), 32, "no lead offered twice at once");
}

fn run_due(app: &TestApp, kind: &str) {
    let sql = format!("UPDATE jobs SET run_at = created_at WHERE kind = '{kind}' AND status = 'pending'");
    app.db
        .write_blocking(move |c| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(sql), c)?))
        .unwrap();
    app.state.jobs_wakeup.notify_one();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_lead_nobody_contacts_escalates_and_is_reassigned_in_one_click() {
    let app = spawn_with(|s| s.first_contact_hours = 24).await;
    round_robin(&app, None);
    let (ann, ann_id) = ready_agent(&app, "Ann Able");
    let (ben, ben_id) = ready_agent(&app, "Ben Best");
    let owner = app.login_as(Role::Owner).await;
    let t = token(&app);
    let id = post(&app, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    let offer = offers_of(&app, id).remove(0);
    assert_eq!(offer.agent_id, ann_id);

    let ann_browser = app.new_client();
    ann_browser.login(&ann.email, &ann.password).await;
    let r = ann_browser
        .post_form(&format!("/offers/{}/acceptance", offer.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The check is queued for 24 hours later; nothing is escalated before then.
    let check = "jobs WHERE kind = 'lead.escalate' AND status = 'pending'";
    assert_eq!(app.count(check), 1);
    let (l, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert!(l.escalated_at.is_none());
    let (_, html) = app.page("/leads").await;
    assert!(!html.contains("Needs attention"));

    // A day passes without a first contact.
    run_due(&app, "lead.escalate");
    eventually(10, || {
        let (l, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
        l.escalated_at.map(|_| ())
    })
    .await
    .expect("escalated");
    // The owner is told in the app (the badge and the notifications page) and by e-mail.
    assert_eq!(
        app.count(&format!(
            "notifications WHERE user_id = {} AND kind = 'escalated' AND read_at IS NULL",
            owner.id
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "jobs WHERE kind = 'email' AND payload LIKE '%{}%' AND payload LIKE '%Lead not contacted%'",
            owner.email
        )),
        1
    );
    let (_, html) = app.page("/leads").await;
    assert!(
        html.contains("Needs attention") && html.contains("Lead1 Routing"),
        "{html}"
    );
    assert!(
        html.contains("data-unread>1<"),
        "the badge shows one unread notification"
    );
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(html.contains("Escalated") && html.contains("Reassign to the next agent"));
    let (_, notes) = app.page("/notifications").await;
    assert!(notes.contains("has not been contacted"));

    // An agent may not take leads away; the owner does it in one click.
    assert_eq!(
        ann_browser
            .post_form(&format!("/leads/{id}/rerouting"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app.post_form(&format!("/leads/{id}/rerouting"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (l, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert_eq!(l.assigned_agent_id, None);
    assert!(l.escalated_at.is_none(), "a reassignment clears the escalation");
    let next = offers_of(&app, id)
        .into_iter()
        .find(|o| o.status == "pending")
        .expect("offered again");
    assert_eq!(next.agent_id, ben_id, "never back to the agent it was taken from");
    assert_eq!(
        ann_browser.get(&format!("/leads/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(app.count(&format!("lead_events WHERE lead_id = {id} AND kind = 'rerouted'")) == 1);

    // Ben accepts and calls: the next check finds nothing to escalate.
    let ben_browser = app.new_client();
    ben_browser.login(&ben.email, &ben.password).await;
    ben_browser
        .post_form(&format!("/offers/{}/acceptance", next.id), &[])
        .await;
    let r = ben_browser
        .post_form(&format!("/leads/{id}/status"), &[("status", "contacted")])
        .await;
    assert!(
        r.status().is_success() || r.status() == StatusCode::SEE_OTHER,
        "{}",
        r.status()
    );
    run_due(&app, "lead.escalate");
    eventually(10, || (app.count(check) == 0).then_some(()))
        .await
        .expect("the check ran");
    let (l, _) = app.db.read_blocking(move |c| Ok(model::find_lead(c, id)?)).unwrap();
    assert!(l.escalated_at.is_none());
    assert_eq!(
        app.count(&format!("lead_events WHERE lead_id = {id} AND kind = 'escalated'")),
        1
    );
}

/// Reads server-sent events until one named `notice` arrives; its data.
async fn next_notice(stream: &mut reqwest::Response) -> Value {
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), stream.chunk())
            .await
            .expect("a notice within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.starts_with("event: notice") {
                let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_tells_only_the_offered_agent_the_moment_an_offer_arrives_or_goes() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    let (ann, ann_id) = ready_agent(&app, "Ann Able");
    let (ben, _) = ready_agent(&app, "Ben Best");
    let ann_browser = app.new_client();
    ann_browser.login(&ann.email, &ann.password).await;
    let ben_browser = app.new_client();
    ben_browser.login(&ben.email, &ben.password).await;
    assert_eq!(
        app.get("/events").await.status(),
        StatusCode::SEE_OTHER,
        "signed-in people only"
    );
    let mut ann_stream = ann_browser.get("/events").await;
    assert_eq!(ann_stream.status(), StatusCode::OK);
    assert!(ann_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut ben_stream = ben_browser.get("/events").await;
    // Let both streams subscribe before the offer is made.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let t = token(&app);
    let id = post(&app, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    let notice = next_notice(&mut ann_stream).await;
    assert_eq!(notice["kind"], "offer");
    assert_eq!(notice["unread"], 1);
    // The panel the page reloads on that notice now lists the lead.
    let (_, panel) = ann_browser.page("/leads/offers").await;
    assert!(panel.contains("Lead1 Routing") && panel.contains("Accept"));
    // Ben hears nothing about Ann's offer.
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(700), next_notice(&mut ben_stream)).await;
    assert!(quiet.is_err(), "another agent's offer is not announced to Ben");

    // The office assigns it by hand: Ann's offer is withdrawn and her stream says so.
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let ben_agent = app.agent_id(&ben);
    let r = owner
        .post_form(
            &format!("/leads/{id}/assignment"),
            &[("agent_id", &ben_agent.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let notice = next_notice(&mut ann_stream).await;
    assert_eq!(notice["kind"], "offer_withdrawn");
    // The offer's own notification was answered (read) when it was withdrawn: only this one is new.
    assert_eq!(notice["unread"], 1);
    let (_, panel) = ann_browser.page("/leads/offers").await;
    assert!(!panel.contains("Lead1 Routing"));
    assert!(offers_of(&app, id)
        .iter()
        .all(|o| o.agent_id != ann_id || o.status == "withdrawn"));
    let notice = next_notice(&mut ben_stream).await;
    assert_eq!(notice["kind"], "assigned");

    // Opening a notification marks it read; "mark all" clears the badge.
    let (_, page) = ann_browser.page("/notifications").await;
    assert!(page.contains("New medicare advantage lead offered to you") && page.contains("withdrawn"));
    let r = ann_browser.post_form("/notifications/read", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = ann_browser.page("/leads").await;
    assert!(page.contains("data-unread>0<"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_writes_a_rule_tries_it_on_a_sample_lead_and_new_leads_follow_it() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let (_, ann_id) = ready_agent(&app, "Ann Able");
    let (_, ben_id) = ready_agent(&app, "Ben Best");
    let (_, cy_id) = ready_agent(&app, "Cy Other");
    app.login_as(Role::Owner).await;
    let (status, html) = app.page("/admin/routing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No rules yet"));

    let (ann_s, ben_s) = (ann_id.to_string(), ben_id.to_string());
    let (share_ann, share_ben) = (format!("share_{ann_id}"), format!("share_{ben_id}"));
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Florida Medicare split"),
        ("priority", "10"),
        ("products", "medicare_advantage"),
        ("states", "FL"),
        ("pool", "agents"),
        ("agents", &ann_s),
        ("agents", &ben_s),
        ("strategy", "weighted"),
        (&share_ann, "70"),
        (&share_ben, "20"),
        ("ignore_hours", "on"),
        ("sample_product", "medicare_advantage"),
        ("sample_zip", "33101"),
        ("sample_callable", "on"),
    ];
    // Shares that do not add up are refused, with what was typed kept.
    let r = app.post_form("/admin/routing", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("add up to 90%") && page.contains("Florida Medicare split"));
    assert_eq!(app.count("routing_rules"), 0);

    fields.retain(|(k, _)| *k != share_ben.as_str());
    fields.push((&share_ben, "30"));
    // Tried on a sample lead first: who would get it and why, with nothing saved.
    let r = app.post_form("/admin/routing/trial", &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("would be offered it") && page.contains("Ann Able"),
        "{page}"
    );
    assert!(page.contains("Cy Other: The agent is not in this rule"), "{page}");
    assert_eq!(app.count("routing_rules"), 0);
    assert_eq!(app.count("offers"), 0);
    // The same from the page's script: only the result block comes back.
    let csrf = app.csrf().await;
    let mut partial: Vec<(&str, &str)> = fields.clone();
    partial.retain(|(k, _)| *k != "sample_zip");
    partial.push(("sample_state", "TX"));
    partial.push(("csrf_token", &csrf));
    let r = app
        .client
        .post(app.url("/admin/routing/trial"))
        .header("X-Partial", "1")
        .form(&partial)
        .send()
        .await
        .unwrap();
    let block = r.text().await.unwrap();
    assert!(block.trim_start().starts_with("<section id=\"rule-trial\""), "{block}");
    assert!(
        !block.contains("would be offered it"),
        "the rule only takes Florida leads: {block}"
    );

    let r = app.post_form("/admin/routing", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("routing_rules WHERE active"), 1);
    assert!(app.audit_actions().contains(&"routing_rule.created".to_string()));
    let (_, list) = app.page("/admin/routing").await;
    assert!(list.contains("Florida Medicare split") && list.contains("Weighted: Ann Able 70%, Ben Best 30%"));

    // New Florida Medicare leads follow the rule: 7 of 10 to Ann, 3 to Ben, none to Cy.
    let t = token(&app);
    let mut got = std::collections::HashMap::new();
    for i in 0..10 {
        let answer = post(&app, &t, &lead(i, "33101")).await;
        *got.entry(answer["routing"]["offer"]["agent_id"].as_i64().unwrap())
            .or_insert(0) += 1;
    }
    assert_eq!(got.get(&ann_id), Some(&7), "{got:?}");
    assert_eq!(got.get(&ben_id), Some(&3), "{got:?}");
    assert_eq!(got.get(&cy_id), None);

    // A second rule, moved above the first, then taken out of use.
    let r = app
        .post_form(
            "/admin/routing",
            &[
                ("name", "High scores to Cy"),
                ("priority", "20"),
                ("min_score", "0"),
                ("pool", "agents"),
                ("agents", &cy_id.to_string()),
                ("strategy", "least_busy"),
                ("ignore_hours", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rule_id = app
        .db
        .read_blocking(|c| Ok(store::saved_rules(c)?.last().unwrap().id))
        .unwrap();
    let r = app
        .post_form(&format!("/admin/routing/{rule_id}/move"), &[("direction", "up")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let order: Vec<String> = app
        .db
        .read_blocking(|c| Ok(store::saved_rules(c)?.into_iter().map(|r| r.name).collect()))
        .unwrap();
    assert_eq!(order, vec!["High scores to Cy", "Florida Medicare split"]);
    let answer = post(&app, &t, &lead(20, "33101")).await;
    assert_eq!(
        answer["routing"]["offer"]["agent_id"], cy_id,
        "the first rule that fits wins"
    );
    let r = app
        .post_form(&format!("/admin/routing/{rule_id}/deactivation"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/admin/routing/{rule_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let answer = post(&app, &t, &lead(21, "33101")).await;
    assert_ne!(answer["routing"]["offer"]["agent_id"], cy_id);
    let actions = app.audit_actions();
    assert!(actions.contains(&"routing_rule.moved_up".to_string()));
    assert!(actions.contains(&"routing_rule.deactivated".to_string()));

    // The edit form shows the saved rule as it was typed.
    let first_id = app.db.read_blocking(|c| Ok(store::saved_rules(c)?[0].id)).unwrap();
    let (_, edit) = app.page(&format!("/admin/routing/{first_id}")).await;
    assert!(edit.contains("value=\"FL\"") && edit.contains("value=\"70\""));
}

fn rule(app: &TestApp, name: &str, strategy: Strategy) {
    let rule = Rule {
        id: 0,
        name: name.into(),
        priority: 1,
        conditions: Conditions::default(),
        pool: Pool::Everyone,
        strategy,
        daily_cap: None,
        ignore_hours: true,
    };
    app.db
        .write_blocking(move |c| Ok(store::insert_rule(c, &rule)?))
        .unwrap();
}

fn sql(app: &TestApp, q: String) {
    app.db
        .write_blocking(move |c| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(q), c)?))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closest_uses_office_zips_and_an_agent_licensed_later_is_routed_to_at_once() {
    let app = spawn_with(|s| s.run_worker = false).await;
    rule(&app, "Nearest office", Strategy::Closest);
    let (_, miami) = ready_agent(&app, "Mia Miami");
    let (_, orlando) = ready_agent(&app, "Oli Orlando");
    let tampa_user = app.create_user(Role::Agent, "Tam Tampa");
    let tampa = app.agent_id(&tampa_user);
    sql(
        &app,
        format!("UPDATE agents SET office_zip = '33101' WHERE id = {miami}"),
    );
    sql(
        &app,
        format!("UPDATE agents SET office_zip = '32801' WHERE id = {orlando}"),
    );
    sql(
        &app,
        format!("UPDATE agents SET office_zip = '33602', accepting_leads = TRUE WHERE id = {tampa}"),
    );
    let t = token(&app);
    let to = |a: &Value| a["routing"]["offer"]["agent_id"].as_i64();
    assert_eq!(to(&post(&app, &t, &lead(1, "32801")).await), Some(orlando));
    assert_eq!(to(&post(&app, &t, &lead(2, "33101")).await), Some(miami));
    // Tampa's agent is not licensed yet: the Tampa lead goes to the nearest licensed office.
    let answer = post(&app, &t, &lead(3, "33602")).await;
    assert_eq!(to(&answer), Some(orlando));
    let offer = offers_of(&app, answer["id"].as_i64().unwrap()).remove(0);
    let why = offer.explanation();
    assert!(why.ranking[0].2.starts_with("Closest:"), "{why:?}");
    assert!(
        why.excluded_more >= 1,
        "the unlicensed agent is counted, not scanned: {why:?}"
    );
    // Licensed and certified now: the very next Tampa lead is theirs (the routing directory of
    // this server reloads when agents change).
    let today = agency_engine::db::now().date();
    sql(
        &app,
        format!(
            "INSERT INTO agent_licenses (agent_id, state, number, resident, lines, issued_on, expires_on, created_at, updated_at) \
             VALUES ({tampa}, 'FL', 'FL-T', TRUE, 'health', '{}', '{}', '{today} 00:00:00', '{today} 00:00:00')",
            today - chrono::Duration::days(30),
            today + chrono::Duration::days(300)
        ),
    );
    let year = agency_engine::agents::readiness::plan_year(today, &Default::default());
    sql(
        &app,
        format!(
            "INSERT INTO certifications (agent_id, kind, plan_year, earned_on, expires_on, source, created_at, updated_at) \
             VALUES ({tampa}, 'AHIP', {year}, '{}', '{}', 'manual', '{today} 00:00:00', '{today} 00:00:00')",
            today - chrono::Duration::days(3),
            today + chrono::Duration::days(300)
        ),
    );
    assert_eq!(to(&post(&app, &t, &lead(4, "33602")).await), Some(tampa));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_performer_rates_agents_on_their_own_closed_leads() {
    let app = spawn_with(|s| s.run_worker = false).await;
    rule(
        &app,
        "Best closer",
        Strategy::BestPerformer {
            floor: 0.1,
            min_closed: 4,
        },
    );
    let (_, ann) = ready_agent(&app, "Ann Able");
    let (_, ben) = ready_agent(&app, "Ben Best");
    let t = token(&app);
    // Eight earlier leads, closed: Ben won 3 of 4, Ann 1 of 4.
    for i in 0..8 {
        let id = post(&app, &t, &lead(100 + i, "33101")).await["id"].as_i64().unwrap();
        let (agent, status) = match i {
            0..=2 => (ben, "won"),
            3 => (ben, "lost"),
            4 => (ann, "won"),
            _ => (ann, "lost"),
        };
        sql(
            &app,
            format!(
                "UPDATE leads SET assigned_agent_id = {agent}, status = '{status}', closed_at = created_at WHERE id = {id}"
            ),
        );
        sql(
            &app,
            format!("UPDATE offers SET status = 'withdrawn' WHERE lead_id = {id}"),
        );
    }
    let answer = post(&app, &t, &lead(1, "33101")).await;
    assert_eq!(answer["routing"]["offer"]["agent_id"], ben, "{answer}");
    let offer = offers_of(&app, answer["id"].as_i64().unwrap()).remove(0);
    assert!(
        offer.explanation().ranking[0].2.contains("Converted 3 of 4"),
        "{:?}",
        offer.explanation()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_made_by_one_server_reaches_an_agent_connected_to_another() {
    let first = spawn_with(|s| s.run_worker = false).await;
    round_robin(&first, None);
    let (ann, _) = ready_agent(&first, "Ann Able");
    // A second server on the same database, as behind a load balancer.
    let same_db = crate::harness::TestDb {
        url: first.test_db.url.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let second = crate::harness::spawn_on(same_db, |s| s.run_worker = false).await;
    second.login(&ann.email, &ann.password).await;
    let mut stream = second.get("/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let t = token(&first);
    post(&first, &t, &lead(1, "33101")).await;
    let notice = next_notice(&mut stream).await;
    assert_eq!(notice["kind"], "offer");
    let (_, panel) = second.page("/leads/offers").await;
    assert!(panel.contains("Lead1 Routing"));
}

/// More agents pass the checks that need no count than routing counts at once
/// (`routing::COUNT_WINDOW`): the turn still moves through every one of them in order, the rule's
/// cap still holds across windows, and a lead nobody has room for says so for all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_larger_than_one_count_window_is_routed_in_order_with_caps_kept() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, Some(1));
    let agents = agency_engine::routing::COUNT_WINDOW + 12;
    let mut ids: Vec<i64> = (0..agents)
        .map(|i| ready_agent(&app, &format!("Agent {i:03}")).1)
        .collect();
    ids.sort();
    let t = token(&app);
    let mut offered = Vec::new();
    for i in 0..agents {
        let answer = post(&app, &t, &lead(i, "33101")).await;
        offered.push(
            answer["routing"]["offer"]["agent_id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{answer}")),
        );
    }
    assert_eq!(offered, ids, "each agent in turn, by id, once (the rule's cap is 1)");
    let answer = post(&app, &t, &lead(agents, "33101")).await;
    assert!(answer["routing"]["offer"].is_null(), "{answer}");
    let reason = answer["routing"]["unassigned_reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("{agents} at this rule's daily cap")),
        "{reason}"
    );
}
