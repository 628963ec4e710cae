//! Tests for issue 13: assign — manual and bulk assignment use routing's eligibility, full-name
//! search, home pages that say what is true, and the tasks page with its calendar.

use agency_engine::agents::readiness::{plan_year, LineOfAuthority};
use agency_engine::agents::service as agents;
use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::{Actor, Role};
use agency_engine::leads::model;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{spawn_with, TestApp, TestUser};
use crate::routing::{post, token};

/// A user of `role` with health licences in `states` (and AHIP), accepting leads.
fn licensed(app: &TestApp, role: Role, name: &str, states: &'static [&'static str]) -> (TestUser, i64) {
    let user = app.create_user(role, name);
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
            agents::set_accepting(c, owner, &who, agent, true)?;
            for (i, state) in states.iter().enumerate() {
                let licence = agents::ParsedLicence {
                    state,
                    number: format!("{state}{agent}"),
                    resident: i == 0,
                    lines: vec![LineOfAuthority::Health],
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
        .unwrap();
    (user, agent)
}

/// A Medicare lead through the API; `consent` false sends none (so it may not be called).
async fn lead(app: &TestApp, t: &str, first: &str, last: &str, zip: &str, consent: bool) -> i64 {
    let mut body = json!({
        "first_name": first, "last_name": last, "email": format!("{}@example.com", crate::harness::unique(first)),
        "zip": zip, "product_line": "medicare_advantage",
    });
    if consent {
        body["consent"] = json!({ "text": "I agree to be contacted." });
    }
    let answer: Value = post(app, t, &body).await;
    answer["id"].as_i64().unwrap_or_else(|| panic!("a lead: {answer}"))
}

fn assigned_to(app: &TestApp, lead: i64) -> Option<i64> {
    app.db
        .read_blocking(move |c| Ok(model::find_lead(c, lead)?.0.assigned_agent_id))
        .unwrap()
}

/// The options of one `<optgroup>` of the page (from its label to its end).
fn group<'a>(html: &'a str, label: &str) -> &'a str {
    html.split(&format!("<optgroup label=\"{label}"))
        .nth(1)
        .map(|g| g.split("</optgroup>").next().unwrap())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_a_no_consent_texas_lead_to_a_florida_agent_needs_the_owners_override_with_a_reason() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    let (_, gina) = licensed(&app, Role::Agent, "Gina Gulf", &["FL", "GA"]);
    let id = lead(&app, &t, "Susan", "Lewis", "75201", false).await;

    // An admin sees the warning and Gina marked, with why; assigning her is refused.
    app.login_as(Role::Admin).await;
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("has not consented to calls"),
        "the page warns about consent"
    );
    let cannot = group(&html, "Cannot take this lead");
    assert!(cannot.contains("Gina Gulf — not licensed in TX"), "{cannot}");
    assert!(!group(&html, "Can take this lead").contains("Gina Gulf"));
    let r = app
        .post_form(&format!("/leads/{id}/assignment"), &[("agent_id", &gina.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Gina Gulf cannot take") && body.contains("Only the owner"),
        "{body}"
    );
    assert_eq!(assigned_to(&app, id), None, "the lead is unchanged");
    let r = app
        .post_form(
            &format!("/leads/{id}/assignment"),
            &[
                ("agent_id", &gina.to_string()),
                ("override", "1"),
                ("override_reason", "She asked"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin may not override"
    );
    assert!(r.text().await.unwrap().contains("Only the owner can assign"));
    assert_eq!(assigned_to(&app, id), None);

    // The owner: an override without a reason is refused, with one it assigns.
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let r = owner
        .post_form(&format!("/leads/{id}/assignment"), &[("agent_id", &gina.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("tick “Assign anyway”"));
    let r = owner
        .post_form(
            &format!("/leads/{id}/assignment"),
            &[
                ("agent_id", &gina.to_string()),
                ("override", "1"),
                ("override_reason", " "),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("should go to Gina Gulf anyway"));
    assert_eq!(assigned_to(&app, id), None);
    let r = owner
        .post_form(
            &format!("/leads/{id}/assignment"),
            &[
                ("agent_id", &gina.to_string()),
                ("override", "1"),
                (
                    "override_reason",
                    "Moving to Tampa next week; she gave consent by phone",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(assigned_to(&app, id), Some(gina));
    assert!(app.audit_actions().contains(&"lead.assigned_by_override".to_string()));
    let (_, html) = owner.page(&format!("/leads/{id}")).await;
    assert!(
        html.contains("Assigned to Gina Gulf by the owner’s override")
            && html.contains("Moving to Tampa next week; she gave consent by phone"),
        "the history shows the override and its reason"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_offers_eligible_agents_first_and_never_a_trainee_or_a_paused_agent() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    licensed(&app, Role::Agent, "Fran Florida", &["FL"]);
    licensed(&app, Role::Trainee, "Tess Trainee", &["FL"]);
    let (_, paused) = licensed(&app, Role::Agent, "Pat Paused", &["FL"]);
    let who = AuditActor::system("test");
    let owner = Actor {
        id: 0,
        role: Role::Owner,
    };
    app.db
        .write_blocking(move |c| agents::set_accepting(c, owner, &who, paused, false))
        .unwrap();
    let id = lead(&app, &t, "Mia", "Miami", "33101", true).await;
    app.login_as(Role::Owner).await;
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    let can = group(&html, "Can take this lead");
    assert!(can.contains("Fran Florida"), "{can}");
    assert!(!can.contains("Tess Trainee") && !can.contains("Pat Paused"), "{can}");
    let cannot = group(&html, "Cannot take this lead");
    assert!(cannot.contains("Tess Trainee — trainee"), "{cannot}");
    assert!(cannot.contains("Pat Paused — paused new leads"), "{cannot}");
    assert!(
        html.find("Can take this lead") < html.find("Cannot take this lead"),
        "eligible agents come first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_assignment_assigns_only_the_leads_the_agent_may_take_and_lists_the_skipped_with_why() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    let (_, carl) = licensed(&app, Role::Agent, "Carl Coast", &["CA"]);
    let (_, fred) = licensed(&app, Role::Agent, "Fred Keys", &["FL"]);
    let fl = lead(&app, &t, "Flora", "Sunshine", "33101", true).await;
    let pa = lead(&app, &t, "Penn", "Liberty", "19103", true).await;
    app.login_as(Role::Owner).await;
    let bulk = |agent: i64| {
        let agent = agent.to_string();
        let (fl, pa) = (fl.to_string(), pa.to_string());
        let app = &app;
        async move {
            let r = app
                .post_form(
                    "/leads/bulk",
                    &[
                        ("lead_id", &fl),
                        ("lead_id", &pa),
                        ("action", "assign"),
                        ("agent_id", &agent),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            app.page("/leads").await.1
        }
    };

    let html = bulk(carl).await;
    assert!(html.contains("0 lead(s) assigned. 2 skipped"), "{html}");
    assert!(
        html.contains("Flora Sunshine (not licensed in FL)") && html.contains("Penn Liberty (not licensed in PA)"),
        "each skipped lead with why"
    );
    assert_ne!(assigned_to(&app, fl), Some(carl));
    assert_ne!(assigned_to(&app, pa), Some(carl));

    let html = bulk(fred).await;
    assert!(
        html.contains("1 lead(s) assigned. 1 skipped"),
        "a mixed batch assigns the eligible"
    );
    assert!(html.contains("Penn Liberty (not licensed in PA)"));
    assert_eq!(assigned_to(&app, fl), Some(fred));
    assert_ne!(assigned_to(&app, pa), Some(fred));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_name_finds_the_lead_in_either_order_and_each_word_must_match() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    lead(&app, &t, "Susan", "Lewis", "33101", true).await;
    lead(&app, &t, "Susan", "Smith", "33101", true).await;
    lead(&app, &t, "Mark", "Lewis", "33101", true).await;
    app.login_as(Role::Owner).await;
    let found = |html: &str, name: &str| html.contains(name);
    for (q, want, not) in [
        ("Susan+Lewis", &["Susan Lewis"][..], &["Susan Smith", "Mark Lewis"][..]),
        ("lewis+susan", &["Susan Lewis"], &["Susan Smith", "Mark Lewis"]),
        ("Lewis", &["Susan Lewis", "Mark Lewis"], &["Susan Smith"]),
        ("Susan", &["Susan Lewis", "Susan Smith"], &["Mark Lewis"]),
        ("susan+jones", &[], &["Susan Lewis", "Susan Smith"]),
    ] {
        let (status, html) = app.page(&format!("/leads?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        for w in want {
            assert!(found(&html, w), "q={q} finds {w}");
        }
        for n in not {
            assert!(!found(&html, n), "q={q} does not find {n}");
        }
    }
    // The roster and the user list: names in either order.
    licensed(&app, Role::Agent, "Gina Gulf", &["FL"]);
    for path in ["/admin/agents?q=gulf+gina", "/admin/users?q=Gulf+Gina"] {
        let (_, html) = app.page(path).await;
        assert!(html.contains("Gina Gulf"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlicensed_trainee_is_told_why_no_lead_comes_instead_of_offered_a_pause_button() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Trainee).await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("Pause new leads") && !html.contains(">Accepting<"),
        "no pause button"
    );
    assert!(html.contains("Not taking leads yet") && html.contains("Trainees take their courses first"));
    // An agent without any licence is told so too.
    let agent = app.new_client();
    agent.login_as(Role::Agent).await;
    let (_, html) = agent.page("/").await;
    assert!(!html.contains("Pause new leads") && html.contains("No licence is recorded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_pages_follow_up_count_is_the_length_of_the_list_it_links_to() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    let (user, _) = licensed(&app, Role::Agent, "Dana Due", &["FL"]);
    let id = lead(&app, &t, "Tom", "Taskman", "33101", true).await;
    let uid = user.id;
    let now = agency_engine::db::now();
    app.db
        .write_blocking(move |c| {
            model::insert_task(c, id, uid, "Call back now", now - chrono::Duration::hours(1), uid)?;
            model::insert_task(c, id, uid, "Call in three days", now + chrono::Duration::days(3), uid)?;
            Ok(())
        })
        .unwrap();
    app.login(&user.email, &user.password).await;
    let (_, home) = app.page("/").await;
    let count: usize = home
        .split("<strong>")
        .find(|p| p.contains("</strong> follow-ups due"))
        .and_then(|p| p.split("</strong>").next())
        .and_then(|n| n.parse().ok())
        .expect("a follow-up count");
    let (_, list) = app.page("/tasks").await;
    // The tasks page shows the week; what is due (overdue and today) comes before the later days.
    let due_part = list.split("<h2 id=\"day-").next().unwrap();
    let listed = ["Call back now", "Call in three days"]
        .iter()
        .filter(|t| due_part.contains(*t))
        .count();
    assert_eq!(count, 1);
    assert_eq!(count, listed, "the count and the list agree");
    assert!(
        list.contains("Call in three days"),
        "the coming week is on the page too"
    );
}

/// Item 12: the follow-ups page shows overdue, today and the coming week together (not ten days
/// out), each later day under its own heading, and a month calendar puts each task on its day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_ups_page_shows_the_week_ahead_and_a_month_calendar() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let t = token(&app);
    let (user, _) = licensed(&app, Role::Agent, "Wendy Week", &["FL"]);
    let id = lead(&app, &t, "Cal", "Endar", "33101", true).await;
    let uid = user.id;
    let now = agency_engine::db::now();
    // Five days out at 17:00 UTC: midday in every US zone, so the day is the same wherever viewed.
    let five = (now.date() + chrono::Duration::days(5)).and_hms_opt(17, 0, 0).unwrap();
    app.db
        .write_blocking(move |c| {
            model::insert_task(c, id, uid, "Overdue call", now - chrono::Duration::days(2), uid)?;
            model::insert_task(c, id, uid, "Call in five days", five, uid)?;
            model::insert_task(c, id, uid, "Call in ten days", now + chrono::Duration::days(10), uid)?;
            Ok(())
        })
        .unwrap();
    app.login(&user.email, &user.password).await;
    let (status, week) = app.page("/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(week.contains("Overdue") && week.contains("Overdue call"), "{week}");
    assert!(week.contains("Call in five days"));
    assert!(!week.contains("Call in ten days"), "ten days out is past the week");
    assert!(
        week.contains(&five.format("%A, ").to_string()),
        "the day has its own heading"
    );

    // The calendar of the month five days from now has that task on its day.
    let month = five.format("%Y-%m").to_string();
    let (status, cal) = app.page(&format!("/tasks?view=calendar&month={month}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cal.contains(&five.format("%B %Y").to_string()), "the month's name");
    assert!(cal.contains("<table class=\"calendar\">") && cal.contains("scope=\"col\""));
    let cell = cal
        .split("<td")
        .find(|c| c.contains("Call in five days"))
        .expect("a day with the task");
    assert!(
        cell.contains(&format!(">{}</span>", five.format("%-d"))),
        "the task sits on day {}: {cell}",
        five.format("%-d")
    );
    assert!(cal.contains("rel=\"prev\"") && cal.contains("rel=\"next\""));
    // A month that is not one falls back to this month with a note, never an error.
    let (status, bad) = app.page("/tasks?view=calendar&month=2026-13").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bad.contains("is not a month like 2026-12"));
    // Nothing due: a next step, not a blank page.
    let (other, _) = licensed(&app, Role::Agent, "Ned None", &["FL"]);
    let fresh = app.new_client();
    fresh.login(&other.email, &other.password).await;
    let (_, empty) = fresh.page("/tasks").await;
    assert!(empty.contains("Nothing due this week") && empty.contains("Open your leads"));
}

/// Item 6: a trainee with overdue courses sees them on the home page, not "will appear here".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainees_home_lists_the_overdue_courses() {
    use crate::courses::{build_course, learner, Spec};
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let first = build_course(&app, &Spec::default()).await;
    let second = build_course(
        &app,
        &Spec {
            title: "Compliance yearly",
            ..Spec::default()
        },
    )
    .await;
    let (browser, trainee) = learner(&app, Role::Trainee, "Nora Castillo").await;
    let (_, before) = browser.page("/").await;
    assert!(before.contains("Nothing to finish"), "no course yet: the empty text");
    let agent_id = app.agent_id(&trainee);
    let due = (agency_engine::db::now().date() + chrono::Duration::days(3)).to_string();
    for course in [first.id, second.id] {
        let r = app
            .post_form(
                &format!("/admin/courses/{course}/enrollments"),
                &[("audience", &format!("agent:{agent_id}")), ("due_on", &due)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    // Both fall overdue.
    let uid = trainee.id;
    app.db
        .write_blocking(move |c| {
            use agency_engine::db::schema::enrollments;
            use diesel::prelude::*;
            let past = agency_engine::db::now().date() - chrono::Duration::days(2);
            diesel::update(enrollments::table.filter(enrollments::user_id.eq(uid)))
                .set(enrollments::due_on.eq(Some(past)))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let (_, home) = browser.page("/").await;
    assert!(!home.contains("will appear here"), "{home}");
    assert!(home.contains("Medicare basics") && home.contains("Compliance yearly"));
    assert_eq!(home.matches("class=\"row overdue\"").count(), 2, "both marked overdue");
    assert!(home.contains(&format!("href=\"/learn/courses/{}\"", first.id)));
}
