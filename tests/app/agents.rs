//! The agents issue: roster, profiles, licences, readiness, teams, reminders and CSV import.

use agency_engine::agents::model;
use agency_engine::agents::readiness::may_sell;
use agency_engine::auth::roles::Role;
use agency_engine::domain::ProductLine;
use chrono::NaiveDate;
use reqwest::StatusCode;

use crate::harness::{location_id, spawn_app, spawn_with, TestApp};
use crate::smtp::SmtpServer;

fn today() -> NaiveDate {
    agency_engine::db::now().date()
}

fn days(n: i64) -> String {
    (today() + chrono::Duration::days(n)).to_string()
}

/// Adds a licence through the staff page, as an owner would.
async fn add_licence(
    app: &TestApp,
    agent_id: i64,
    state: &str,
    expires_in: i64,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let issued = days(-400);
    let expires = days(expires_in);
    let mut form = vec![
        ("state", state),
        ("number", "L123456"),
        ("resident", "on"),
        ("line_health", "on"),
        ("issued_on", issued.as_str()),
        ("expires_on", expires.as_str()),
    ];
    form.extend_from_slice(extra);
    app.post_form(&format!("/admin/agents/{agent_id}/licences"), &form)
        .await
}

async fn add_ahip(app: &TestApp, agent_id: i64, expires_in: i64) -> reqwest::Response {
    let year = agency_engine::agents::readiness::plan_year(today(), &Default::default()).to_string();
    let (earned, expires) = (days(-30), days(expires_in));
    app.post_form(
        &format!("/admin/agents/{agent_id}/certifications"),
        &[
            ("kind", "ahip"),
            ("plan_year", year.as_str()),
            ("earned_on", earned.as_str()),
            ("expires_on", expires.as_str()),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_invites_an_agent_adds_licences_and_the_agent_becomes_ready() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;

    let r = app
        .post_form(
            "/admin/agents",
            &[
                ("name", "Carmen Delgado"),
                ("email", "carmen@agency.test"),
                ("role", "owner"),
                ("npn", "12ab"),
                ("phone", "555"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Choose agent or trainee.") && html.contains("NPN") && html.contains("valid phone number"),
        "{html}"
    );

    let r = app
        .post_form(
            "/admin/agents",
            &[
                ("name", "Carmen Delgado"),
                ("email", "carmen@agency.test"),
                ("role", "agent"),
                ("npn", "17 234 567"),
                ("phone", "(305) 555-0142"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let agent_id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let (agent, user) = app
        .db
        .read_blocking(move |c| Ok(model::find_agent(c, agent_id)?))
        .unwrap();
    assert_eq!(agent.npn.as_deref(), Some("17234567"));
    assert_eq!(agent.phone.as_deref(), Some("+13055550142"));
    assert_eq!(agent.slug, "carmen-delgado");
    assert!(!user.has_password(), "invited, not yet signed up");
    assert_eq!(app.email_jobs(), 1, "the invitation e-mail is queued");

    let (_, html) = app.page(&location).await;
    assert!(html.contains("No licences yet, so no lead can be offered."));

    // A bad licence is a 422 with every field named; nothing is stored.
    let r = app
        .post_form(
            &format!("/admin/agents/{agent_id}/licences"),
            &[
                ("state", "Atlantis"),
                ("number", ""),
                ("issued_on", "2026-13-01"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tick at least one line of authority.") && html.contains("Enter the licence number"));
    assert_eq!(app.count("agent_licenses"), 0);

    assert_eq!(
        add_licence(&app, agent_id, "FL", 365, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = app.page(&location).await;
    assert!(
        html.contains("No AHIP certification for plan year"),
        "the reason is shown: {}",
        &html[html.find("readiness").unwrap_or(0)..][..400]
    );
    assert_eq!(add_ahip(&app, agent_id, 200).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&location).await;
    assert!(html.contains("<span class=\"badge badge-ok\">Medicare</span>"));
    let actions = app.audit_actions();
    assert!(actions.contains(&"licence.added".to_string()) && actions.contains(&"certification.added".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_licence_removes_readiness() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let agent = app.create_user(Role::Agent, "Linh Tran");
    let id = app.agent_id(&agent);
    add_licence(&app, id, "TX", -1, &[]).await;
    add_ahip(&app, id, 100).await;
    let facts = app
        .db
        .read_blocking(move |c| {
            let (_, user) = model::find_agent(c, id)?;
            Ok(model::facts(
                &user,
                &model::licences_of(c, id)?,
                &model::certifications_of(c, id)?,
            ))
        })
        .unwrap();
    let verdict = may_sell(
        &facts,
        ProductLine::MedicareAdvantage,
        "TX",
        today(),
        &Default::default(),
    );
    assert!(!verdict.is_ready());
    assert!(verdict.reasons().iter().any(|r| r.contains("expired")), "{verdict:?}");
    let (_, html) = app.page(&format!("/admin/agents/{id}")).await;
    assert!(html.contains("badge-expired") && html.contains("expired on"));
    let (_, html) = app.page("/admin/agents?readiness=ready").await;
    assert!(!html.contains("Linh Tran"));
    let (_, html) = app.page("/admin/agents?readiness=not_ready").await;
    assert!(html.contains("Linh Tran"));
    // The same licence renewed: ready again.
    add_licence(&app, id, "TX", 700, &[]).await;
    let (_, html) = app.page("/admin/agents?readiness=ready").await;
    assert!(html.contains("Linh Tran"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_filters_sorts_and_pages() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let mut ids = Vec::new();
    for i in 0..28 {
        let u = app.create_user(Role::Agent, &format!("Agent {i:02}"));
        ids.push(app.agent_id(&u));
    }
    let trainee = app.create_user(Role::Trainee, "Jordan Kim");
    let trainee_id = app.agent_id(&trainee);
    add_licence(&app, ids[0], "FL", 20, &[]).await;
    add_licence(&app, ids[1], "GA", 80, &[]).await;
    add_licence(&app, ids[2], "GA", 400, &[]).await;
    add_ahip(&app, ids[2], 300).await;
    let r = app.post_form("/admin/teams", &[("name", "Sunbelt Medicare")]).await;
    let team = location_id(&r);
    app.post_form(
        &format!("/admin/teams/{team}/members"),
        &[("agent_id", &ids[5].to_string())],
    )
    .await;
    app.post_form(
        &format!("/admin/teams/{team}/members"),
        &[("agent_id", &trainee_id.to_string())],
    )
    .await;

    let (status, html) = app.page("/admin/agents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1–25 of 29 agents") && html.contains("Page 1 of 2"));
    let (_, html) = app.page("/admin/agents?page=2").await;
    assert!(html.contains("26–29 of 29 agents") && html.contains("Jordan Kim"));
    let (_, html) = app.page("/admin/agents?sort=-name").await;
    let first = html.find("Jordan Kim").unwrap();
    assert!(first < html.find("Agent 27").unwrap(), "descending by name");
    let (_, html) = app.page("/admin/agents?state=GA").await;
    assert!(html.contains("1–2 of 2 agents") && html.contains("Agent 01") && html.contains("Agent 02"));
    let (_, html) = app.page("/admin/agents?expiring=30").await;
    assert!(html.contains("1–1 of 1 agent") && html.contains("Agent 00"));
    let (_, html) = app.page("/admin/agents?expiring=90").await;
    assert!(html.contains("1–2 of 2 agents"));
    let (_, html) = app.page(&format!("/admin/agents?team={team}")).await;
    assert!(html.contains("Agent 05") && html.contains("Jordan Kim") && html.contains("1–2 of 2"));
    let (_, html) = app.page("/admin/agents?readiness=ready").await;
    assert!(html.contains("1–1 of 1 agent") && html.contains("Agent 02"));
    let (_, html) = app.page("/admin/agents?q=agent%2002").await;
    assert!(html.contains("1–1 of 1 agent"));
    // A partial request for the filter answers the results block only.
    let r = app
        .client
        .get(app.url("/admin/agents?state=GA"))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(fragment.trim_start().starts_with("<div id=\"agent-results\"") && !fragment.contains("<html"));
    for odd in [
        "/admin/agents?page=x",
        "/admin/agents?state=XX",
        "/admin/agents?expiring=7",
        "/admin/agents?team=abc",
        "/admin/agents?sort=%27",
    ] {
        assert_eq!(app.get(odd).await.status(), StatusCode::OK, "{odd}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_cannot_see_or_edit_another_agents_profile_or_licences() {
    let app = spawn_app().await;
    let other = app.create_user(Role::Agent, "Marcus Johnson");
    let other_id = app.agent_id(&other);
    app.login_as(Role::Owner).await;
    add_licence(&app, other_id, "FL", 300, &[]).await;
    let licence_id = app
        .db
        .read_blocking(move |c| Ok(model::licences_of(c, other_id)?[0].id))
        .unwrap();

    let me = app.new_client();
    let agent = me.login_as(Role::Agent).await;
    let my_id = app.agent_id(&agent);
    assert_eq!(
        me.get(&format!("/admin/agents/{other_id}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(me.get("/admin/agents").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        me.post_form(&format!("/admin/agents/{other_id}"), &[("npn", "1")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        me.post_form(&format!("/admin/agents/{other_id}/licences/{licence_id}/deletion"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Through their own pages, another agent's licence is still out of reach.
    assert_eq!(
        me.post_form(&format!("/me/licences/{licence_id}/deletion"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("agent_licenses"), 1);

    // Their own profile and licences are theirs to keep, except capacity.
    let r = me
        .post_form(
            "/me/profile",
            &[
                ("npn", "88776655"),
                ("phone", "+44 20 7946 0958"),
                ("languages", "English, Spanish"),
                ("bio", "**Medicare** help"),
                ("accepting_leads", "yes"),
                ("leads_per_day", "999"),
                ("mon_start", "08:00"),
                ("mon_end", "16:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (row, _) = app.db.read_blocking(move |c| Ok(model::find_agent(c, my_id)?)).unwrap();
    assert_eq!(
        (row.npn.as_deref(), row.phone.as_deref(), row.languages.as_str()),
        (Some("88776655"), Some("+442079460958"), "en,es")
    );
    assert!(row.accepting_leads && row.working_hours.contains("08:00"));
    assert_eq!(row.leads_per_day, 10, "capacity is the agency's to set");
    let r = me
        .post_form(
            "/me/profile",
            &[("npn", "x"), ("mon_start", "18:00"), ("mon_end", "09:00")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let expires = days(365);
    let r = me
        .post_form(
            "/me/licences",
            &[
                ("state", "NC"),
                ("number", "NC-778"),
                ("resident", "on"),
                ("line_life", "on"),
                ("issued_on", "2024-01-01"),
                ("expires_on", &expires),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = me.page("/me/licences").await;
    assert!(html.contains("NC-778") && html.contains("<span class=\"badge badge-ok\">Life</span>"));
    let (_, html) = me.page("/").await;
    assert!(html.contains("Ready to sell") && html.contains("Accepting"));
    // The owner sees the sanitised bio on the agent page.
    let (_, html) = app.page(&format!("/admin/agents/{my_id}")).await;
    assert!(html.contains("<strong>Medicare</strong> help"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_leader_sees_their_team_and_an_agent_is_on_one_team_at_most() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let leader_browser = app.new_client();
    let leader = leader_browser.login_as(Role::Agent).await;
    let leader_id = app.agent_id(&leader);
    let member = app.create_user(Role::Agent, "Emily Parker");
    let member_id = app.agent_id(&member);
    assert_eq!(
        leader_browser.get("/team").await.status(),
        StatusCode::NOT_FOUND,
        "not a leader yet"
    );

    let r = app.post_form("/admin/teams", &[("name", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let a = location_id(&app.post_form("/admin/teams", &[("name", "Carolinas")]).await);
    let b = location_id(&app.post_form("/admin/teams", &[("name", "Great Lakes Life")]).await);
    assert_eq!(
        app.post_form("/admin/teams", &[("name", "carolinas")]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "names are unique"
    );
    app.post_form(
        &format!("/admin/teams/{a}/members"),
        &[("agent_id", &member_id.to_string())],
    )
    .await;
    app.post_form(
        &format!("/admin/teams/{a}"),
        &[("name", "Carolinas"), ("leader_agent_id", &leader_id.to_string())],
    )
    .await;
    let (_, html) = leader_browser.page("/team").await;
    assert!(html.contains("Carolinas") && html.contains("Emily Parker"));

    // Moving the member to another team takes them off the first.
    app.post_form(
        &format!("/admin/teams/{b}/members"),
        &[("agent_id", &member_id.to_string())],
    )
    .await;
    let team_of = |id: i64| {
        app.db
            .read_blocking(move |c| Ok(model::find_agent(c, id)?.0.team_id))
            .unwrap()
    };
    assert_eq!(team_of(member_id), Some(b));
    let (_, html) = leader_browser.page("/team").await;
    assert!(!html.contains("Emily Parker"));
    // Deleting a team leaves its members on no team.
    let r = app
        .post_form(&format!("/admin/teams/{b}/deletion"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(team_of(member_id), None);
    assert!(app.audit_actions().contains(&"team.deleted".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_reminders_go_out_once_over_smtp() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_with(move |s| s.smtp_url = Some(url)).await;
    let owner = app.login_as(Role::Owner).await;
    // The worker queues today's run as it starts; let it finish (there is nothing to remind yet).
    let daily = format!(
        "jobs WHERE kind = '{}' AND status = 'done'",
        <agency_engine::daily::DailyRun as agency_engine::jobs::Job>::KIND
    );
    crate::harness::eventually(10, || (app.count(&daily) == 1).then_some(()))
        .await
        .expect("today's run is scheduled and done");
    let agent = app.create_user(Role::Agent, "Aisha Williams");
    let id = app.agent_id(&agent);
    add_licence(&app, id, "GA", 30, &[]).await;
    add_ahip(&app, id, 7).await;
    add_licence(&app, id, "FL", 200, &[("resident", "")]).await;

    assert_eq!(smtp.received().len(), 0);
    // Today's run, as the next day's scheduled run would do: the agent hears of both expiries,
    // the owner gets a digest, and the worker delivers them over SMTP.
    let settings = app.settings.clone();
    let queued = app
        .db
        .write_blocking(|c| agency_engine::agents::reminders::run_daily(c, today(), &settings))
        .unwrap();
    assert_eq!(queued, 3);
    app.state.jobs_wakeup.notify_one();
    let mails = smtp.wait_for(3).await;
    let to_agent: Vec<_> = mails.iter().filter(|m| m.to == vec![agent.email.clone()]).collect();
    assert_eq!(to_agent.len(), 2, "{mails:?}");
    assert!(to_agent
        .iter()
        .any(|m| m.subject() == "Your GA licence expires in 30 days"));
    assert!(to_agent
        .iter()
        .any(|m| m.subject() == "Your AHIP certification expires in 7 days"));
    let digest = mails
        .iter()
        .find(|m| m.to == vec![owner.email.clone()])
        .expect("the owner's digest");
    assert!(digest.subject().contains("2 expiring in the next 30 days"));
    assert!(digest.body().contains("Aisha Williams"));

    // Running the day again, or tomorrow, sends nothing new.
    let again = app
        .db
        .write_blocking(|c| agency_engine::agents::reminders::run_daily(c, today(), &settings))
        .unwrap();
    assert_eq!(again, 0);
    use agency_engine::agents::reminders::{digest_key, run_daily};
    // A new week brings a new digest for the owner, and nothing else is due tomorrow.
    let new_week = |d: NaiveDate| usize::from(digest_key(d, owner.id) != digest_key(today(), owner.id));
    let tomorrow = today() + chrono::Duration::days(1);
    let next = app.db.write_blocking(|c| run_daily(c, tomorrow, &settings)).unwrap();
    assert_eq!(
        next,
        new_week(tomorrow),
        "29 days left is still the 30-day reminder, already sent"
    );
    // 23 days on, the licence's 7-day reminder is due, once (and that week's digest).
    let later = today() + chrono::Duration::days(23);
    assert_eq!(
        app.db.write_blocking(|c| run_daily(c, later, &settings)).unwrap(),
        1 + new_week(later)
    );
    assert_eq!(app.db.write_blocking(|c| run_daily(c, later, &settings)).unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_import_creates_the_good_rows_and_reports_the_bad_ones_by_line() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let existing = app.create_user(Role::Agent, "Already Here");
    let csv = format!(
        "Full Name,E-mail,NPN,Phone,Licensed States,Languages,Favourite colour\n\
         Carmen Delgado,carmen@agency.test,17234567,(305) 555-0142,FL;GA,en;es,red\n\
         ,no-name@agency.test,,,FL,,\n\
         Bad Email,not-an-email,123,,Narnia,,\n\
         Linh Tran,linh@agency.test,18234567,,TX,Vietnamese,blue\n\
         Duplicate,{},19234567,,FL,,\n\
         Carmen Again,CARMEN@agency.test,,,FL,,\n",
        existing.email
    );
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes())
            .file_name("roster.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let r = app
        .client
        .post(app.url("/admin/agents/import"))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("<strong>2</strong> agents will be created"), "{html}");
    assert!(html.contains("<strong>4</strong> rows have problems"));
    for line in [
        "<td data-label=\"Line\">3</td>",
        "<td data-label=\"Line\">4</td>",
        "<td data-label=\"Line\">6</td>",
        "<td data-label=\"Line\">7</td>",
    ] {
        assert!(html.contains(line), "line reported: {line}");
    }
    assert!(html.contains("already has an account") && html.contains("Also on line 2"));
    assert!(html.contains("Columns ignored: Favourite colour"));
    assert_eq!(app.count("users"), 2, "a preview writes nothing");
    let upload = html
        .split("name=\"upload\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let r = app
        .post_form("/admin/agents/import/confirmation", &[("upload", &upload)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("2 agents were created and invited by e-mail. 4 rows were not imported"));
    assert_eq!(app.count("users"), 4);
    assert_eq!(app.email_jobs(), 2, "two invitations");
    let carmen = app
        .db
        .read_blocking(|c| {
            Ok(agency_engine::auth::model::find_user_by_email(c, "carmen@agency.test")?
                .unwrap()
                .id)
        })
        .unwrap();
    let profile = app
        .db
        .read_blocking(move |c| Ok(model::find_agent_by_user(c, carmen)?.unwrap()))
        .unwrap();
    assert_eq!(
        (
            profile.npn.as_deref(),
            profile.phone.as_deref(),
            profile.declared_states.as_str(),
            profile.languages.as_str()
        ),
        (Some("17234567"), Some("+13055550142"), "FL,GA", "en,es")
    );
    // The same upload cannot be imported twice.
    let r = app
        .post_form("/admin/agents/import/confirmation", &[("upload", &upload)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("users"), 4);

    // A file without the required columns says so and creates nothing.
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"name,phone\nA,1\n".to_vec()).file_name("x.csv"),
    );
    let r = app
        .client
        .post(app.url("/admin/agents/import"))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("no email column"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_is_checked_by_its_bytes_stored_and_served() {
    let app = spawn_app().await;
    let agent = app.login_as(Role::Agent).await;
    let token = app.csrf().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82".to_vec();
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    let upload = |bytes: Vec<u8>, name: &str| {
        reqwest::multipart::Form::new().part(
            "photo",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str("image/png")
                .unwrap(),
        )
    };
    let r = app
        .client
        .post(app.url("/me/photo"))
        .header("X-CSRF-Token", &token)
        .multipart(upload(svg, "me.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/me/profile").await;
    assert!(html.contains("must be a JPEG, PNG or WebP image"));
    let r = app
        .client
        .post(app.url("/me/photo"))
        .header("X-CSRF-Token", &token)
        .multipart(upload(png.clone(), "me.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = app.agent_id(&agent);
    let (row, _) = app.db.read_blocking(move |c| Ok(model::find_agent(c, id)?)).unwrap();
    let file = row.photo_path.expect("photo stored");
    let served = app.get(&format!("/photos/{file}")).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    assert_eq!(app.get("/photos/..%2Fsecret.key").await.status(), StatusCode::NOT_FOUND);
    // Without the CSRF token, no upload.
    let r = app
        .client
        .post(app.url("/me/photo"))
        .multipart(upload(b"\xff\xd8\xff\xe0".to_vec(), "x.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
