//! Tests for issue 15: policies. Fixtures shared by the parts live here; each part of the domain
//! has its own file.

mod book;
mod lifecycle;
mod lists;
mod money;
mod papers;

use agency_engine::agents::readiness::{plan_year, LineOfAuthority};
use agency_engine::agents::service as agents;
use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::{Actor, Role};
use agency_engine::domain::policy::PolicySource;
use agency_engine::policies::service::{self, PolicyInput, Viewer};

use crate::harness::{TestApp, TestUser};

/// A carrier with a Medicare Advantage product and a term life product: (carrier, MA, life).
pub fn catalogue(app: &TestApp, name: &str) -> (i64, i64, i64) {
    let name = name.to_string();
    app.db
        .write_blocking(move |c| {
            use agency_engine::db::schema::{carrier_products as p, carriers};
            use diesel::prelude::*;
            let at = agency_engine::db::now();
            let carrier: i64 = diesel::insert_into(carriers::table)
                .values((
                    carriers::name.eq(&name),
                    carriers::active.eq(true),
                    carriers::contact_name.eq(""),
                    carriers::contact_email.eq(""),
                    carriers::contact_phone.eq(""),
                    carriers::created_at.eq(at),
                    carriers::updated_at.eq(at),
                ))
                .returning(carriers::id)
                .get_result(c)?;
            let mut ids = Vec::new();
            for (product, line, sub) in [
                ("Advantage HMO", "medicare_advantage", None),
                ("Term 20", "life", Some("life_term")),
            ] {
                ids.push(
                    diesel::insert_into(p::table)
                        .values((
                            p::carrier_id.eq(carrier),
                            p::name.eq(product),
                            p::product_line.eq(line),
                            p::sub_type.eq(sub),
                            p::active.eq(true),
                            p::created_at.eq(at),
                            p::updated_at.eq(at),
                        ))
                        .returning(p::id)
                        .get_result::<i64>(c)?,
                );
            }
            Ok((carrier, ids[0], ids[1]))
        })
        .expect("catalogue")
}

/// An agent licensed in `states` for health and life (with AHIP for this plan year).
pub fn licensed_agent(app: &TestApp, name: &str, states: &'static [&'static str]) -> (TestUser, i64) {
    let user = app.create_user(Role::Agent, name);
    let agent = app.agent_id(&user);
    let today = agency_engine::db::now().date();
    let year = plan_year(today, &Default::default());
    let owner = Actor {
        id: 0,
        role: Role::Owner,
    };
    let who = AuditActor::system("test");
    app.db
        .write_blocking(move |c| {
            for (i, state) in states.iter().enumerate() {
                let licence = agents::ParsedLicence {
                    state,
                    number: format!("{state}{agent}"),
                    resident: i == 0,
                    lines: vec![LineOfAuthority::Health, LineOfAuthority::Life],
                    issued_on: today - chrono::Duration::days(400),
                    expires_on: today + chrono::Duration::days(400),
                };
                agents::add_licence(c, owner, &who, agent, &licence)?;
            }
            let ahip = agents::ParsedCertification {
                kind: "AHIP".into(),
                plan_year: year,
                earned_on: today - chrono::Duration::days(10),
                expires_on: today + chrono::Duration::days(300),
            };
            agents::add_certification(c, owner, &who, agent, &ahip, "manual")?;
            Ok(())
        })
        .expect("licences");
    (user, agent)
}

/// A valid policy input for `agent` with a new insured in `state` (monthly, $100.00).
pub fn input(agent: i64, carrier: i64, product: i64, number: &str, state: &str) -> PolicyInput {
    let today = agency_engine::db::now().date();
    PolicyInput {
        first_name: "Rosa".into(),
        last_name: "Delgado".into(),
        state: state.into(),
        agent_id: Some(agent),
        carrier_id: Some(carrier),
        product_id: Some(product),
        policy_number: number.into(),
        submitted_on: (today - chrono::Duration::days(20)).to_string(),
        effective_on: (today - chrono::Duration::days(10)).to_string(),
        premium: "100.00".into(),
        billing_frequency: "monthly".into(),
        enrollment_type: "new_to_medicare".into(),
        ..Default::default()
    }
}

/// Records a policy directly through the service (as the system would), in Draft.
pub fn record(app: &TestApp, input: PolicyInput) -> i64 {
    app.db
        .write_blocking(move |c| service::create(c, &Viewer::system(), None, &input, PolicySource::Manual))
        .expect("policy recorded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_policy_has_its_schedule_history_and_page_and_other_agents_get_404() {
    let app = crate::harness::spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let id = record(&app, input(agent, carrier, life, "AL-1001", "FL"));
    assert_eq!(app.count(&format!("policy_instalments WHERE policy_id = {id}")), 12);
    assert_eq!(
        app.count(&format!("policy_events WHERE policy_id = {id} AND kind = 'issued'")),
        1
    );
    assert!(app.audit_actions().contains(&"policy.created".to_string()));

    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;
    let (status, html) = me.page(&format!("/policies/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("AL-1001") && html.contains("Rosa Delgado") && html.contains("$100.00"),
        "{html}"
    );

    let other = app.new_client();
    other.login_as(Role::Agent).await;
    assert_eq!(other.get(&format!("/policies/{id}")).await.status(), 404);
    assert_eq!(other.get("/policies/999999").await.status(), 404);

    // The history is append-only in the database itself.
    let refused = app.db.write_blocking(move |c| {
        use diesel::RunQueryDsl;
        Ok(diesel::sql_query(format!("UPDATE policy_events SET details = 'x' WHERE policy_id = {id}")).execute(c)?)
    });
    assert!(refused.is_err(), "policy_events refuses UPDATE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_book_of_business_whose_money_adds_up() {
    let app = crate::harness::spawn_demo_with(|_| {}).await;
    let policies = app.count("policies");
    assert!(policies > 100, "a policy for most won leads: {policies}");
    assert_eq!(
        app.count("policies WHERE source = 'lead' AND lead_id IS NULL"),
        0,
        "each comes from its lead"
    );
    assert_eq!(app.count("policies p WHERE p.product_line IN ('medicare_advantage','medicare_supplement','part_d') AND p.renewal_of_id IS NULL AND p.soa_id IS NULL"), 0, "each Medicare sale has its SOA");
    for status in ["active", "pending_payment", "cancelled", "lapsed"] {
        assert!(
            app.count(&format!("policies WHERE status = '{status}'")) > 0,
            "some {status}"
        );
    }
    assert!(app.count("policy_endorsements") > 0);
    assert!(app.count("policy_renewals WHERE status = 'renewed'") > 0);
    assert!(app.count("policies WHERE renewal_of_id IS NOT NULL") > 0);
    assert_eq!(
        app.count("policy_events e WHERE e.kind = 'issued'"),
        policies,
        "each has its history"
    );
    let paid = app.sum("policy_payments", "amount_cents");
    assert!(paid > 0);
    assert_eq!(app.sum("policy_payment_allocations", "amount_cents"), paid);
    assert_eq!(app.sum("policy_instalments", "paid_cents"), paid);
    assert_eq!(
        app.count("policy_instalments WHERE paid_cents > amount_cents"),
        0,
        "no instalment is overpaid"
    );
    // A cancelled policy says why.
    assert_eq!(
        app.count("policies WHERE status = 'cancelled' AND cancel_reason IS NULL"),
        0
    );

    // The owner reads a cancelled policy's page: its history, and its application on file.
    assert!(app.count("policy_documents") > 0);
    let cancelled: i64 = app
        .db
        .read_blocking(|c| {
            use agency_engine::db::schema::{policies, policy_documents};
            use diesel::prelude::*;
            Ok(policies::table
                .inner_join(policy_documents::table)
                .filter(policies::status.eq("cancelled"))
                .select(policies::id)
                .first(c)?)
        })
        .expect("a cancelled policy with its application");
    app.login("owner@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
        .await;
    let (status, html) = app.page(&format!("/policies/{cancelled}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("History") && html.contains("Recorded from the lead"),
        "{html}"
    );
    assert!(html.contains("Cancelled: "), "the cancellation and its reason: {html}");
    let doc: i64 = app
        .db
        .read_blocking(move |c| {
            use agency_engine::db::schema::policy_documents as d;
            use diesel::prelude::*;
            Ok(d::table.filter(d::policy_id.eq(cancelled)).select(d::id).first(c)?)
        })
        .unwrap();
    let r = app.get(&format!("/policies/{cancelled}/documents/{doc}")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.bytes().await.unwrap().starts_with(b"%PDF-"),
        "the application is a real PDF"
    );
}
