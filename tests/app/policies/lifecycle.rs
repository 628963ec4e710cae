//! Policies: carriers and products, the lifecycle, the licence check, the daily run.

#[allow(unused_imports)]
use super::*;

use agency_engine::domain::policy::PolicyStatus;
use agency_engine::policies::{model as pmodel, sweep};
use chrono::{Duration, Months, NaiveDate};
use reqwest::StatusCode;

use crate::harness::{eventually, location_id, spawn_app};

fn today() -> NaiveDate {
    agency_engine::db::now().date()
}

/// POSTs a move to the policy's transition endpoint: (status, page).
async fn mv(client: &TestApp, id: i64, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let r = client.post_form(&format!("/policies/{id}/transition"), fields).await;
    let s = r.status();
    (s, r.text().await.unwrap())
}

fn status_of(app: &TestApp, id: i64) -> String {
    app.first_value(&format!(
        "SELECT CAST(status AS TEXT) AS v FROM policies WHERE id = {id}"
    ))
    .expect("policy")
}

fn set_status(app: &TestApp, id: i64, to: PolicyStatus) {
    app.db
        .write_blocking(move |c| Ok(pmodel::set_status(c, id, to)?))
        .expect("status set");
}

/// One event of a policy's history: (kind, from, to, actor, details).
type Event = (String, Option<String>, Option<String>, String, String);

fn history(app: &TestApp, id: i64) -> Vec<Event> {
    app.db
        .read_blocking(move |c| {
            Ok(pmodel::events(c, id)?
                .into_iter()
                .map(|e| (e.kind, e.from_status, e.to_status, e.actor_label, e.details))
                .collect())
        })
        .unwrap()
}

/// Pays every instalment of a policy in full (so only its term end can move it).
fn pay_all(app: &TestApp, id: i64) {
    app.db
        .write_blocking(move |c| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(format!(
                "UPDATE policy_instalments SET paid_cents = amount_cents WHERE policy_id = {id}"
            ))
            .execute(c)?)
        })
        .unwrap();
}

fn exec(app: &TestApp, sql: String) {
    app.db
        .write_blocking(move |c| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(sql).execute(c)?)
        })
        .unwrap();
}

/// Waits for the sweep the worker queues at start-up, so it cannot move a test's policies later.
async fn startup_sweep_done(app: &TestApp) {
    eventually(30, || {
        (app.count("jobs WHERE kind = 'policies.sweep' AND status = 'done'") >= 1).then_some(())
    })
    .await
    .expect("the start-up sweep ran");
}

fn run_sweep(app: &TestApp, on: NaiveDate) -> sweep::SweepReport {
    app.db
        .write_blocking(move |c| sweep::sweep(c, on, "http://example.test"))
        .expect("sweep")
}

async fn signed_in(app: &TestApp, user: &TestUser) -> TestApp {
    let c = app.new_client();
    c.login(&user.email, &user.password).await;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lifecycle_move_through_the_endpoint_with_who_may_make_it() {
    let app = spawn_app().await;
    startup_sweep_done(&app).await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let me = signed_in(&app, &writer).await;
    let id = record(&app, input(agent, carrier, life, "LC-1", "FL"));

    // The page offers what the draft may do.
    let (s, html) = me.page(&format!("/policies/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Submit for payment") && html.contains("Cancel the policy"),
        "{html}"
    );
    assert!(!html.contains(">Activate<"), "a draft is not offered activation");

    // Refused moves re-render the page with 422 and the reason.
    let (s, html) = mv(&me, id, &[("move", "activated")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("A draft policy cannot be activated."), "{html}");
    let (s, html) = mv(&me, id, &[("move", "fly")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("Choose what happens to the policy."), "{html}");

    // Another agent: 404, and nothing moves.
    let other = app.new_client();
    other.login_as(Role::Agent).await;
    assert_eq!(mv(&other, id, &[("move", "submitted")]).await.0, 404);
    assert_eq!(mv(&other, 999_999, &[("move", "submitted")]).await.0, 404);
    assert_eq!(status_of(&app, id), "draft");

    // Draft → Pending payment → Active by the writing agent.
    let (s, _) = mv(&me, id, &[("move", "submitted")]).await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, id), "pending_payment");
    let (s, html) = mv(&me, id, &[("move", "submitted")]).await;
    assert_eq!(s, 422, "submitted twice");
    assert!(html.contains("A pending payment policy cannot be submitted."), "{html}");
    let (s, html) = mv(&me, id, &[("move", "lapsed")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Lapses are recorded by the daily run or by an owner or admin."),
        "{html}"
    );
    let (s, _) = mv(&me, id, &[("move", "activated")]).await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, id), "active");
    let (s, html) = mv(&me, id, &[("move", "expired")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("Term ends are recorded by the daily run"), "{html}");

    // Cancellation: a reason, a date, a confirmation.
    let (s, html) = mv(
        &me,
        id,
        &[("move", "cancelled"), ("cancelled_on", &today().to_string())],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Give the reason for the cancellation."), "{html}");
    let (s, html) = mv(&me, id, &[("move", "cancelled"), ("cancel_reason", "Moved abroad")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("Give the date the policy ends."), "{html}");
    let late = (today() + Duration::days(800)).to_string();
    let (s, html) = mv(
        &me,
        id,
        &[
            ("move", "cancelled"),
            ("cancel_reason", "Moved abroad"),
            ("cancelled_on", &late),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("cannot be after the term ends"), "{html}");
    let (s, html) = mv(
        &me,
        id,
        &[
            ("move", "cancelled"),
            ("cancel_reason", "Moved abroad"),
            ("cancelled_on", &today().to_string()),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Tick the box to confirm the cancellation"), "{html}");
    assert_eq!(status_of(&app, id), "active");
    let (s, _) = mv(
        &me,
        id,
        &[
            ("move", "cancelled"),
            ("cancel_reason", "Moved abroad"),
            ("cancelled_on", &today().to_string()),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, id), "cancelled");
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(cancel_reason AS TEXT) AS v FROM policies WHERE id = {id}"
        )),
        Some("Moved abroad".into())
    );
    let (s, html) = mv(&me, id, &[("move", "submitted")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("The policy is cancelled: nothing changes it any more."),
        "{html}"
    );

    // Every move is an event with who and why, and an audit entry.
    let h = history(&app, id);
    let kinds: Vec<&str> = h.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["issued", "submitted", "activated", "cancelled"]);
    assert_eq!(h[1].1.as_deref(), Some("draft"));
    assert_eq!(h[1].2.as_deref(), Some("pending_payment"));
    assert_eq!(h[3].3, writer.email);
    assert!(h[3].4.contains("Moved abroad"), "{}", h[3].4);
    let audit = app.audit_actions();
    for a in ["policy.submitted", "policy.activated", "policy.cancelled"] {
        assert!(audit.contains(&a.to_string()), "{a} in {audit:?}");
    }

    // Staff: a lapse after the grace period of a missed instalment, an expiry after the term, a
    // non-renewal after a declined renewal.
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    let grace = app
        .db
        .read_blocking(|c| Ok(agency_engine::policies::service::rules(c)?.grace_days))
        .unwrap();
    let mut late_payer = input(agent, carrier, life, "LC-2", "FL");
    late_payer.submitted_on = (today() - Duration::days(grace + 30)).to_string();
    late_payer.effective_on = (today() - Duration::days(grace + 20)).to_string();
    let lapsing = record(&app, late_payer);
    set_status(&app, lapsing, PolicyStatus::Active);
    let (s, html) = mv(&me, lapsing, &[("move", "lapsed")]).await;
    assert_eq!(s, 422, "an agent does not record lapses: {html}");
    let (s, _) = mv(&admin, lapsing, &[("move", "lapsed")]).await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, lapsing), "lapsed");

    let fresh = record(&app, input(agent, carrier, life, "LC-3", "FL"));
    set_status(&app, fresh, PolicyStatus::Active);
    let (s, html) = mv(&admin, fresh, &[("move", "lapsed")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("The grace period of the missed instalment runs until"),
        "{html}"
    );
    let (s, html) = mv(&admin, fresh, &[("move", "expired")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("The term runs until"), "{html}");

    let mut ended = input(agent, carrier, life, "LC-4", "FL");
    ended.submitted_on = (today() - Duration::days(120)).to_string();
    ended.effective_on = (today() - Duration::days(100)).to_string();
    ended.term_end_on = (today() - Duration::days(1)).to_string();
    ended.billing_frequency = "annual".into();
    let expiring = record(&app, ended.clone());
    pay_all(&app, expiring);
    set_status(&app, expiring, PolicyStatus::Active);
    let (s, html) = mv(&admin, expiring, &[("move", "non_renewed")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("The renewal was not declined: the policy expires."),
        "{html}"
    );
    let (s, _) = mv(&admin, expiring, &[("move", "expired")]).await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, expiring), "expired");

    ended.policy_number = "LC-5".into();
    let declined = record(&app, ended);
    pay_all(&app, declined);
    set_status(&app, declined, PolicyStatus::Active);
    let at = agency_engine::db::now();
    exec(
        &app,
        format!(
            "INSERT INTO policy_renewals (policy_id, status, decline_reason, created_at, updated_at) VALUES ({declined}, 'declined', 'Too dear', '{at}', '{at}')"
        ),
    );
    let (s, html) = mv(&admin, declined, &[("move", "expired")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("The renewal was declined: the policy is non-renewed, not expired."),
        "{html}"
    );
    let (s, _) = mv(&admin, declined, &[("move", "non_renewed")]).await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, declined), "non_renewed");

    // A trainee has no policies at all.
    let trainee = app.new_client();
    trainee.login_as(Role::Trainee).await;
    assert_eq!(mv(&trainee, fresh, &[("move", "cancelled")]).await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_sweep_expires_non_renews_and_lapses_on_the_right_day_and_only_once() {
    let app = spawn_app().await;
    startup_sweep_done(&app).await;
    let (carrier, _ma, life) = catalogue(&app, "Sweep Life");
    let (_writer, agent) = licensed_agent(&app, "Sam Sweep", &["FL"]);
    let grace = app
        .db
        .read_blocking(|c| Ok(agency_engine::policies::service::rules(c)?.grace_days))
        .unwrap();

    // Paid in full: only the term end moves them.
    let term = record(&app, input(agent, carrier, life, "SW-1", "FL"));
    let declined = record(&app, input(agent, carrier, life, "SW-2", "FL"));
    // Unpaid: its first instalment was due on the effective date.
    let unpaid = record(&app, input(agent, carrier, life, "SW-3", "FL"));
    // A draft is never swept.
    let draft = record(&app, input(agent, carrier, life, "SW-4", "FL"));
    for id in [term, declined, unpaid] {
        set_status(&app, id, PolicyStatus::Active);
    }
    pay_all(&app, term);
    pay_all(&app, declined);
    let at = agency_engine::db::now();
    exec(
        &app,
        format!("INSERT INTO policy_renewals (policy_id, status, created_at, updated_at) VALUES ({declined}, 'declined', '{at}', '{at}')"),
    );
    let effective = today() - Duration::days(10);
    let term_end = effective.checked_add_months(Months::new(12)).unwrap();

    // The last day of grace: nothing yet.
    let r = run_sweep(&app, effective + Duration::days(grace));
    assert_eq!(r, sweep::SweepReport::default());
    assert_eq!(status_of(&app, unpaid), "active");
    // The day after: lapsed, by the system, once.
    let r = run_sweep(&app, effective + Duration::days(grace + 1));
    assert_eq!(r.lapsed, 1);
    assert_eq!(status_of(&app, unpaid), "lapsed");
    let again = run_sweep(&app, effective + Duration::days(grace + 1));
    assert_eq!(
        again,
        sweep::SweepReport::default(),
        "a second run the same day changes nothing"
    );

    // The term's last day: still active.
    let r = run_sweep(&app, term_end);
    assert_eq!((r.expired, r.non_renewed), (0, 0));
    assert_eq!(status_of(&app, term), "active");
    // The day after: expired, and the declined one non-renewed.
    let r = run_sweep(&app, term_end + Duration::days(1));
    assert_eq!((r.expired, r.non_renewed, r.lapsed), (1, 1, 0));
    assert_eq!(status_of(&app, term), "expired");
    assert_eq!(status_of(&app, declined), "non_renewed");
    assert_eq!(status_of(&app, draft), "draft");
    let again = run_sweep(&app, term_end + Duration::days(1));
    assert_eq!(again, sweep::SweepReport::default());

    for (id, kind) in [(unpaid, "lapsed"), (term, "expired"), (declined, "non_renewed")] {
        let moves: Vec<_> = history(&app, id).into_iter().filter(|e| e.0 == kind).collect();
        assert_eq!(moves.len(), 1, "{kind} once");
        assert_eq!(moves[0].1.as_deref(), Some("active"));
        assert_eq!(moves[0].3, "Daily run");
    }
    assert_eq!(
        app.count(&format!(
            "policy_events WHERE policy_id = {unpaid} AND kind = 'lapsed' AND actor_id IS NULL"
        )),
        1
    );
    assert!(app.audit_actions().contains(&"policy.lapsed".to_string()));
    // Queued once a day: a second schedule the same day queues nothing.
    let queued = app
        .db
        .write_blocking(|c| sweep::schedule(c, agency_engine::db::now().date()))
        .unwrap();
    assert!(!queued);
    assert_eq!(app.count("jobs WHERE kind = 'policies.sweep'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_is_refused_for_an_unlicensed_agent_and_allowed_with_an_owners_audited_override() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Override Life");
    let (writer, agent) = licensed_agent(&app, "Lou Licensed", &["FL"]);
    // Insured in Georgia, where the agent holds no licence.
    let id = record(&app, input(agent, carrier, life, "OV-1", "GA"));
    set_status(&app, id, PolicyStatus::PendingPayment);

    let me = signed_in(&app, &writer).await;
    let (s, html) = mv(&me, id, &[("move", "activated")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("could not sell this product in the insured") && html.contains("GA"),
        "the page says why: {html}"
    );
    let (s, html) = mv(&me, id, &[("move", "activated"), ("licence_override", "Trust me")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("Only an owner can override the licence check."), "{html}");

    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    let (s, html) = mv(
        &admin,
        id,
        &[("move", "activated"), ("licence_override", "Carrier says fine")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Only an owner can override the licence check."), "{html}");

    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (s, html) = mv(&owner, id, &[("move", "activated")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("name=\"licence_override\""),
        "the owner is offered the override: {html}"
    );
    assert_eq!(status_of(&app, id), "pending_payment");
    let (s, _) = mv(
        &owner,
        id,
        &[
            ("move", "activated"),
            ("licence_override", "GA licence issued today, record pending"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, id), "active");
    assert!(app.audit_actions().contains(&"policy.licence_override".to_string()));
    let ev = history(&app, id)
        .into_iter()
        .find(|e| e.0 == "activated")
        .expect("activated event");
    assert!(ev.4.contains("GA licence issued today, record pending"), "{}", ev.4);
    assert!(ev.4.contains("licence_problems"), "{}", ev.4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_medicare_activation_without_a_valid_soa_needs_a_reason_and_one_with_an_soa_is_linked() {
    let app = spawn_app().await;
    let (carrier, ma, _life) = catalogue(&app, "Medi Carrier");
    let (writer, agent) = licensed_agent(&app, "Mia Medicare", &["FL"]);
    let me = signed_in(&app, &writer).await;

    let without = record(&app, input(agent, carrier, ma, "MA-1", "FL"));
    set_status(&app, without, PolicyStatus::PendingPayment);
    let (s, html) = mv(&me, without, &[("move", "activated")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("No signed Scope of Appointment"), "{html}");
    let (s, _) = mv(
        &me,
        without,
        &[
            ("move", "activated"),
            ("soa_override", "Walk-in; SOA signed on paper, being scanned"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(status_of(&app, without), "active");
    let ev = history(&app, without).into_iter().find(|e| e.0 == "activated").unwrap();
    assert!(ev.4.contains("being scanned"), "{}", ev.4);

    let with = record(&app, input(agent, carrier, ma, "MA-2", "FL"));
    set_status(&app, with, PolicyStatus::PendingPayment);
    let contact: i64 = app
        .first_value(&format!(
            "SELECT CAST(contact_id AS TEXT) AS v FROM policies WHERE id = {with}"
        ))
        .unwrap()
        .parse()
        .unwrap();
    let signed = agency_engine::db::now() - Duration::days(30);
    let until = signed + Duration::days(365);
    let at = agency_engine::db::now();
    exec(
        &app,
        format!(
            "INSERT INTO soa_records (contact_id, agent_id, product_types, method, status, signed_at, valid_until, retain_until, created_at, updated_at) \
             VALUES ({contact}, {agent}, 'medicare_advantage', 'in_person', 'signed', '{signed}', '{until}', '2036-12-31', '{at}', '{at}')"
        ),
    );
    let soa = app
        .first_value("SELECT CAST(MAX(id) AS TEXT) AS v FROM soa_records")
        .unwrap();
    let (s, html) = mv(&me, with, &[("move", "activated")]).await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(soa_id AS TEXT) AS v FROM policies WHERE id = {with}"
        )),
        Some(soa)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_a_policy_from_a_won_lead_writes_the_lead_history() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Lead Life");
    let (writer, agent) = licensed_agent(&app, "Ava Agent", &["FL"]);
    let who = agency_engine::audit::AuditActor::system("test");
    let token = app
        .db
        .write_blocking(|c| agency_engine::auth::service::create_api_token(c, &who, "vendor", &["leads:write"]))
        .unwrap()
        .1;
    let (s, body) = crate::leads::post_lead(
        &app,
        &token,
        &crate::leads::lead_json("Lena", "lena@example.com", "(305) 555-0199"),
        None,
    )
    .await;
    assert!(s.is_success(), "{body}");
    let lead = body["id"].as_i64().unwrap();
    exec(
        &app,
        format!(
            "UPDATE leads SET assigned_agent_id = {agent}, status = 'quoted', product_line = 'life' WHERE id = {lead}"
        ),
    );

    let me = signed_in(&app, &writer).await;
    let (s, html) = me.page(&format!("/leads/{lead}")).await;
    assert_eq!(s, 200);
    assert!(!html.contains("Record the policy"), "only won leads offer it");
    let r = me.get(&format!("/leads/{lead}/policy")).await;
    assert_eq!(r.status(), 303, "a lead that is not won goes back to its page");

    exec(&app, format!("UPDATE leads SET status = 'won' WHERE id = {lead}"));
    let (s, html) = me.page(&format!("/leads/{lead}")).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("href=\"/leads/{lead}/policy\"")), "{html}");

    let (s, form) = me.page(&format!("/leads/{lead}/policy")).await;
    assert_eq!(s, 200);
    assert!(form.contains("Record the policy for Lena Garcia"), "{form}");
    assert!(
        form.contains("name=\"zip\" inputmode=\"numeric\" value=\"33101\""),
        "filled from the contact: {form}"
    );
    assert!(
        form.contains(&format!("<option value=\"{life}\" selected>")),
        "the lead's product line: {form}"
    );

    // Someone else's lead: 404.
    let other = app.new_client();
    other.login_as(Role::Agent).await;
    assert_eq!(other.get(&format!("/leads/{lead}/policy")).await.status(), 404);

    let path = format!("/leads/{lead}/policy");
    let agent_s = agent.to_string();
    let life_s = life.to_string();
    let today_s = today().to_string();
    let base = vec![
        ("agent_id", agent_s.as_str()),
        ("product_id", life_s.as_str()),
        ("state", "FL"),
        ("zip", "33101"),
        ("submitted_on", today_s.as_str()),
        ("effective_on", today_s.as_str()),
        ("premium", "42.10"),
        ("billing_frequency", "monthly"),
    ];
    let r = me.post_form(&path, &base).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Give the policy number."), "{html}");
    assert!(html.contains("value=\"42.10\""), "what was typed is kept: {html}");

    let mut good = base.clone();
    good.push(("policy_number", "LL-777"));
    let r = me.post_form(&path, &good).await;
    assert_eq!(r.status(), 303);
    let id = location_id(&r);
    assert_eq!(status_of(&app, id), "draft");
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(source AS TEXT) AS v FROM policies WHERE id = {id} AND lead_id = {lead}"
        )),
        Some("lead".into())
    );
    assert_eq!(
        app.count(&format!(
            "lead_events WHERE lead_id = {lead} AND kind = 'policy_recorded'"
        )),
        1
    );
    let (_, html) = me.page(&format!("/leads/{lead}")).await;
    assert!(html.contains("Policy LL-777 recorded from this lead."), "{html}");

    // Recorded directly: an agent records their own.
    let (s, html) = me.page("/policies/new").await;
    assert_eq!(s, 200, "{html}");
    let r = me
        .post_form(
            "/policies/new",
            &[
                ("first_name", "Omar"),
                ("last_name", "Diaz"),
                ("state", "FL"),
                ("product_id", &life_s),
                ("policy_number", "LL-778"),
                ("submitted_on", &today_s),
                ("effective_on", &today_s),
                ("premium", "10"),
                ("billing_frequency", "annual"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let direct = location_id(&r);
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(agent_id AS TEXT) AS v FROM policies WHERE id = {direct}"
        )),
        Some(agent_s.clone())
    );
    let _ = carrier;
}

/// Uploads a CSV file to an import endpoint: (status, page).
async fn upload(client: &TestApp, path: &str, csv: &str) -> (StatusCode, String) {
    let token = client.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("file.csv"),
    );
    let r = client
        .client
        .post(client.url(path))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carriers_and_products_are_kept_by_staff_and_imported_whole_or_not_at_all() {
    let app = spawn_app().await;
    let agent = app.new_client();
    agent.login_as(Role::Agent).await;
    assert_eq!(agent.get("/admin/carriers").await.status(), 403);

    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (s, html) = owner.page("/admin/carriers").await;
    assert_eq!(s, 200);
    assert!(html.contains("No carriers yet"), "{html}");

    // Add one by hand: bad fields are named, what was typed is kept.
    let r = owner
        .post_form(
            "/admin/carriers",
            &[
                ("name", "Sunrise Mutual"),
                ("naic_code", "12"),
                ("contact_email", "nope"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("An NAIC company code is five digits"), "{html}");
    assert!(html.contains("value=\"Sunrise Mutual\""), "{html}");
    let r = owner
        .post_form(
            "/admin/carriers",
            &[
                ("name", "Sunrise Mutual"),
                ("naic_code", "60054"),
                ("contact_name", "Pat Broker"),
                ("contact_email", "pat@sunrise.example"),
                ("contact_phone", "(305) 555-0100"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sunrise = location_id(&r);
    let r = owner.post_form("/admin/carriers", &[("name", "sunrise mutual")]).await;
    assert_eq!(r.status(), 422, "names are unique");

    // Its products: the sub-type must belong to the line.
    let products = format!("/admin/carriers/{sunrise}/products");
    let r = owner
        .post_form(
            &products,
            &[
                ("name", "Term 30"),
                ("product_line", "life"),
                ("sub_type", "home_condo"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("A Life sub-type is one of"));
    let r = owner
        .post_form(
            &products,
            &[
                ("name", "Term 30"),
                ("product_line", "life"),
                ("sub_type", "life_term"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let term30: i64 = app
        .first_value("SELECT CAST(id AS TEXT) AS v FROM carrier_products WHERE name = 'Term 30'")
        .unwrap()
        .parse()
        .unwrap();
    let (s, html) = owner.page(&format!("/admin/carriers/{sunrise}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Term 30") && html.contains("Term"), "{html}");
    // Made inactive on its own page.
    let r = owner
        .post_form(
            &format!("/admin/products/{term30}"),
            &[("name", "Term 30"), ("product_line", "life"), ("sub_type", "life_term")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.count("carrier_products WHERE name = 'Term 30' AND active = false"),
        1
    );
    let audit = app.audit_actions();
    for a in ["carrier.created", "product.created", "product.updated"] {
        assert!(audit.contains(&a.to_string()), "{a}");
    }

    // Import carriers: one bad row, nothing written.
    let bad = "name,naic_code,contact_email,active\nAtlas Health,11111,ops@atlas.example,yes\nBeacon Life,22,beacon@example,maybe\nSunrise Mutual,,,\n";
    let (s, html) = upload(&owner, "/admin/carriers/imports", bad).await;
    assert_eq!(s, 422);
    assert!(html.contains("Nothing was imported"), "{html}");
    assert!(
        html.contains("<td data-label=\"Line\">3</td>") && html.contains("five digits"),
        "{html}"
    );
    assert!(
        html.contains("<td data-label=\"Line\">4</td>") && html.contains("already a carrier named"),
        "{html}"
    );
    assert_eq!(app.count("carriers"), 1);
    let good = "Name,NAIC Code,Contact Name,Active\nAtlas Health,11111,Ana Ops,yes\nBeacon Life,22222,,no\n";
    let (s, html) = upload(&owner, "/admin/carriers/imports", good).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("2 carriers imported"), "{html}");
    assert_eq!(app.count("carriers"), 3);
    assert_eq!(app.count("carriers WHERE name = 'Beacon Life' AND active = false"), 1);

    // Import products: an unknown carrier and a wrong sub-type, nothing written; then a good file.
    let before = app.count("carrier_products");
    let bad = "carrier,name,product_line,sub_type\nAtlas Health,Atlas PPO,health,PPO\nNobody Inc,Ghost,life,\n11111,Atlas Condo,ACA health,Condo\n";
    let (s, html) = upload(&owner, "/admin/products/imports", bad).await;
    assert_eq!(s, 422);
    assert!(html.contains("There is no carrier Nobody Inc"), "{html}");
    assert!(html.contains("<td data-label=\"Line\">4</td>"), "{html}");
    assert_eq!(app.count("carrier_products"), before);
    let good = "carrier,name,product_line,sub_type\nAtlas Health,Atlas PPO,aca_health,PPO\n11111,Atlas Advantage,Medicare Advantage,\n";
    let (s, html) = upload(&owner, "/admin/products/imports", good).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(app.count("carrier_products"), before + 2);
    assert_eq!(
        app.count("carrier_products WHERE name = 'Atlas PPO' AND sub_type = 'health_ppo'"),
        1
    );
    assert!(app.audit_actions().contains(&"product.imported".to_string()));

    // The list searches by name or NAIC code.
    let (_, html) = owner.page("/admin/carriers?q=atlas").await;
    assert!(html.contains("Atlas Health") && !html.contains("Beacon Life"), "{html}");
    let (_, html) = owner.page("/admin/carriers?q=22222").await;
    assert!(html.contains("Beacon Life") && !html.contains("Atlas Health"), "{html}");
}
