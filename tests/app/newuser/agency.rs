//! Tests for issue 13: agency settings (item 3) and one way of writing dates and times (item 10).

use agency_engine::auth::roles::Role;
use agency_engine::leads::model;
use reqwest::StatusCode;

use crate::harness::{input_value, spawn_app, spawn_with, TestApp, PASSWORD};
use crate::leads::{lead_json, post_lead};
use crate::smtp::SmtpServer;

const AGENCY: &str = "Gulf Coast Health &#38; Life";

fn agency_form<'a>(over: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", "Gulf Coast Health & Life"),
        ("legal_name", "Gulf Coast Health & Life Insurance Agency, LLC"),
        ("address", "100 Bay St\nTampa, FL 33602"),
        ("phone", "(813) 555-0199"),
        ("website", "https://gulfcoast.example.com"),
        ("licences", "FL L123456\nGA 987654"),
        ("time_zone", "America/Chicago"),
        ("brand_colour", "#0e7c66"),
        (
            "consent_wording",
            "I agree that {agency} and its licensed insurance agents may contact me about insurance at the phone number and e-mail address I gave.",
        ),
    ];
    for (k, v) in over {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

/// Signs in as an owner and saves the agency's settings.
async fn named_agency(app: &TestApp) {
    app.login_as(Role::Owner).await;
    let r = app.post_form("/admin/agency", &agency_form(&[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_saves_the_agency_settings_and_bad_fields_come_back_with_messages() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let (status, html) = app.page("/admin/agency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Agency settings") && html.contains("Save the settings"));

    let bad = agency_form(&[
        ("phone", "555-1234"),
        ("website", "javascript:alert(1)"),
        ("brand_colour", "blue"),
        ("time_zone", "Mars/Olympus"),
        ("licences", "ZZ 1"),
        ("consent_wording", "I agree to be called."),
    ]);
    let r = app.post_form("/admin/agency", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for message in [
        "Enter a valid phone number",
        "Enter the web address",
        "Enter a colour as #",
        "Choose a time zone from the list.",
        "Unknown state",
        "Keep {agency} in the wording",
    ] {
        assert!(html.contains(message), "{message}");
    }
    // What was typed is kept, the valid fields as well as the bad ones.
    assert_eq!(input_value(&html, "name"), AGENCY);
    assert_eq!(input_value(&html, "brand_colour"), "blue");
    assert!(html.contains("100 Bay St"));
    let (_, html) = app.page("/quote").await;
    assert!(!html.contains(AGENCY), "nothing saved");

    let r = app.post_form("/admin/agency", &agency_form(&[])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/admin/agency").await;
    assert!(html.contains("settings are saved"));
    assert_eq!(input_value(&html, "website"), "https://gulfcoast.example.com/");
    assert!(html.contains("FL L123456"));
    assert!(app.audit_actions().contains(&"agency.updated".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_may_look_at_the_agency_settings_but_not_change_them() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    let (status, html) = app.page("/admin/agency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Only an owner can change these.") && !html.contains("Save the settings"));
    let r = app.post_form("/admin/agency", &agency_form(&[])).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = app.page("/quote").await;
    assert!(!html.contains(AGENCY));
    let agent = app.new_client();
    agent.login_as(Role::Agent).await;
    assert_eq!(agent.get("/admin/agency").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quote_form_and_its_stored_consent_name_the_agency() {
    let app = spawn_with(|s| s.quote_min_seconds = 0).await;
    named_agency(&app).await;
    let public = app.new_client();
    let (status, html) = public.page("/quote").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(AGENCY), "the brand header");
    assert!(html.contains(&format!("I agree that {AGENCY} and its licensed insurance agents")));
    assert!(!html.contains("the agency and its"));
    assert!(html.contains("FL L123456") && html.contains("/agency.css"));
    let css = public.get("/agency.css").await.text().await.unwrap();
    assert!(css.contains("--agency: #0e7c66"));

    let started = input_value(&html, "started");
    let id = public.submit_consenting_quote(&started).await;
    let (_, thanks) = public.page("/quote/thanks").await;
    assert!(thanks.contains(&format!("{AGENCY} has your request")));
    let consents = app.db.read_blocking(move |c| Ok(model::consents_of(c, id)?)).unwrap();
    assert!(
        consents[0]
            .text
            .starts_with("I agree that Gulf Coast Health & Life and its licensed insurance agents"),
        "{}",
        consents[0].text
    );
    assert_eq!(consents[0].sellers, "[\"Gulf Coast Health & Life\"]");
}

/// A certificate for `user`, straight in the database.
fn certificate_for(app: &TestApp, user_id: i64, name: &str) -> (i64, String) {
    use agency_engine::courses::model as courses;
    let name = name.to_string();
    app.db
        .write_blocking(move |c| {
            let course = courses::insert_course(
                c,
                &courses::CourseChanges {
                    title: "Medicare basics".into(),
                    summary: String::new(),
                    published: true,
                    cert_kind: None,
                    cert_plan_year: None,
                    validity_months: Some(12),
                    pass_mark: 80,
                    due_days: 0,
                },
            )?;
            let enrollment = courses::insert_enrollment(c, course, user_id, None, None, 1)?;
            let code = "ABCD-EFGH-JKMN".to_string();
            let id = courses::insert_certificate(
                c,
                &courses::NewCertificate {
                    code: &code,
                    enrollment_id: enrollment,
                    course_id: course,
                    user_id,
                    holder_name: &name,
                    course_title: "Medicare basics",
                    score: Some(90),
                    issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
                    expires_on: chrono::NaiveDate::from_ymd_opt(2027, 11, 3),
                    certification_id: None,
                },
            )?;
            Ok((id, code))
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificate_and_its_verify_page_name_the_agency_and_write_dates_out() {
    let app = spawn_app().await;
    named_agency(&app).await;
    let trainee = app.new_client();
    let user = trainee.login_as(Role::Trainee).await;
    let (id, code) = certificate_for(&app, user.id, "Nora Castillo");
    let (status, html) = trainee.page(&format!("/learn/certificates/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Gulf Coast Health &#38; Life Insurance Agency, LLC"),
        "the legal name heads it"
    );
    assert!(html.contains("<time datetime=\"2026-11-03\">November 3, 2026</time>"));
    assert!(html.contains("November 3, 2027"));
    let (_, html) = app.new_client().page(&format!("/certificates/{code}")).await;
    assert!(html.contains(AGENCY));
    assert!(html.contains(">Nov 3, 2026</time>") && !html.contains(">2026-11-03<"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mails_come_from_the_agency_and_carry_its_signature() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_with(move |s| s.smtp_url = Some(url)).await;
    named_agency(&app).await;
    let r = app
        .post_form(
            "/admin/users",
            &[
                ("name", "Grace Holloway"),
                ("email", "grace@agency.test"),
                ("role", "agent"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mail = smtp.wait_for(1).await;
    let from = mail[0]
        .data
        .lines()
        .find_map(|l| l.strip_prefix("From: "))
        .unwrap_or_default()
        .to_string();
    // The display name is sent encoded (it holds an ampersand).
    let name = match from.strip_prefix("=?utf-8?b?").and_then(|f| f.split_once("?=")) {
        Some((b64, _)) => {
            use base64::Engine;
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
        }
        None => from.clone(),
    };
    assert_eq!(name, "Gulf Coast Health & Life", "{from}");
    let body = mail[0].body();
    assert!(
        body.contains("Gulf Coast Health & Life Insurance Agency, LLC"),
        "{body}"
    );
    assert!(body.contains("(813) 555-0199"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_up_page_asks_for_the_agency_and_stores_it() {
    let app = spawn_app().await;
    let (_, html) = app.page("/setup").await;
    assert!(html.contains("name=\"agency_name\"") && html.contains("The agency's time zone"));
    let mut fields = vec![
        ("agency_name", ""),
        ("name", "Dana Whitfield"),
        ("email", "dana@agency.test"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("time_zone", "America/Chicago"),
    ];
    let r = app.post_form("/setup", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Enter the agency&#39;s name"));
    assert_eq!(app.count("users"), 0);
    fields[0].1 = "Whitfield Insurance";
    let r = app.post_form("/setup", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let row = app
        .db
        .read_blocking(|c| Ok(agency_engine::agency::model::find(c)?))
        .unwrap();
    assert_eq!(
        (row.name.as_str(), row.time_zone.as_str()),
        ("Whitfield Insurance", "America/Chicago")
    );
    let (_, html) = app.new_client().page("/quote").await;
    assert!(html.contains("I agree that Whitfield Insurance and its licensed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_names_people_and_follow_ups_are_due_in_the_viewers_zone() {
    let app = spawn_app().await;
    let token = app.api_token("intake", &["leads:write"]);
    let (_, b) = post_lead(
        &app,
        &token,
        &lead_json("Ana", "ana@example.com", "(305) 555-0142"),
        None,
    )
    .await;
    let id = b["id"].as_i64().unwrap();
    let agent = app.create_user(Role::Agent, "Luis Ortega");
    let agent_id = app.agent_id(&agent);
    // An assignment written the old way: the agent known by their e-mail address.
    let (uid, email) = (agent.id, agent.email.clone());
    app.db
        .write_blocking(move |c| {
            model::assign(c, id, Some(agent_id))?;
            let details = serde_json::json!({ "agent_id": agent_id, "agent": email, "by": "offer" });
            Ok(model::add_event(
                c,
                id,
                Some(uid),
                &email,
                "assigned",
                &details.to_string(),
            )?)
        })
        .unwrap();
    let owner = app.login_as(Role::Owner).await;
    let oid = owner.id;
    app.db
        .write_blocking(move |c| {
            use agency_engine::db::schema::users::dsl::*;
            use diesel::prelude::*;
            diesel::update(users.find(oid))
                .set(time_zone.eq("America/Chicago"))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    // Typed in Chicago: 9:30 AM CST is 15:30 UTC.
    let r = app
        .post_form(
            &format!("/leads/{id}/tasks"),
            &[("title", "Call back about Part D"), ("due", "2026-12-03T09:30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&format!("/leads/{id}")).await;
    assert!(html.contains("Assigned to Luis Ortega."), "a name, not an e-mail");
    assert!(!html.contains(&format!("Assigned to {}", agent.email)));
    assert!(html.contains("<time datetime=\"2026-12-03T15:30:00Z\">Dec 3, 2026 9:30 AM CST</time>"));
    assert!(html.contains("Call back about Part D, due Dec 3, 2026 9:30 AM CST"));
    assert!(!html.contains("15:30:00 UTC"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logo_is_checked_by_its_bytes_and_shown_on_consumer_pages() {
    let app = spawn_app().await;
    named_agency(&app).await;
    let token = app.csrf().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82".to_vec();
    let upload = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("logo.png")
            .mime_str("image/png")
            .unwrap();
        reqwest::multipart::Form::new().part("logo", part)
    };
    let post = |form| {
        app.client
            .post(app.url("/admin/agency/logo"))
            .header("X-CSRF-Token", &token)
            .multipart(form)
            .send()
    };
    assert_eq!(
        post(upload(b"<svg onload=alert(1)>".to_vec())).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert!(app
        .page("/admin/agency")
        .await
        .1
        .contains("The logo must be a JPEG, PNG or WebP image."));
    assert_eq!(post(upload(png)).await.unwrap().status(), StatusCode::SEE_OTHER);
    let (_, html) = app.new_client().page("/quote").await;
    let src = html
        .split("class=\"agency-logo\" src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the logo on /quote")
        .to_string();
    assert!(src.starts_with("/photos/0-"), "{src}");
    assert_eq!(app.new_client().get(&src).await.status(), StatusCode::OK);
    assert!(app.audit_actions().contains(&"agency.logo_changed".to_string()));
}
