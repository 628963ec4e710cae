//! Set-up, sign-in, sessions, lockout, invitations and password resets.

use std::time::Duration;

use agency_engine::auth::model;
use agency_engine::auth::roles::Role;
use reqwest::StatusCode;

use crate::harness::{spawn_app, spawn_with, PASSWORD};
use crate::smtp::SmtpServer;

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_page_creates_the_owner_then_disappears() {
    let app = spawn_app().await;
    let r = app.get("/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/setup");
    let (status, html) = app.page("/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Set up your agency"));

    // Bad input: 422, every bad field named, what was typed kept.
    let r = app
        .post_form(
            "/setup",
            &[
                ("name", "Dana Whitfield"),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("time_zone", "America/Chicago"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter a valid e-mail address"));
    assert!(html.contains("Use at least 10 characters"));
    assert!(html.contains("value=\"Dana Whitfield\""));
    assert!(html.contains("value=\"not-an-email\""));
    assert_eq!(app.count("users"), 0);

    let r = app
        .post_form(
            "/setup",
            &[
                ("agency_name", "Whitfield Insurance"),
                ("name", "Dana Whitfield"),
                ("email", "Dana@Agency.test"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("time_zone", "America/Chicago"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let (status, html) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Welcome, Dana Whitfield"));
    assert!(html.contains("Your agency is set up"), "flash message shown once");
    assert!(html.contains("CST") || html.contains("CDT") || html.contains("America/Chicago"));

    let owner = app
        .db
        .read_blocking(|c| Ok(model::find_user_by_email(c, "dana@agency.test")?))
        .unwrap()
        .unwrap();
    assert_eq!(owner.role(), Role::Owner);
    assert!(owner.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(app.audit_actions().contains(&"user.created".to_string()));

    // Once there is a user, set-up is gone, for everyone.
    assert_eq!(app.get("/setup").await.status(), StatusCode::NOT_FOUND);
    let other = app.new_client();
    let r = other
        .post_form(
            "/setup",
            &[
                ("name", "Mallory"),
                ("email", "m@evil.test"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("users"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_renews_the_session_cookie_and_sign_out_ends_it() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Agent, "Priya Raman");
    let before = app.get("/login").await;
    let cookie_before = before
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();

    let wrong = app.login(&user.email, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("The e-mail address or password is not right"));

    let r = app.login(&user.email.to_uppercase(), PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get("set-cookie")
        .expect("a new session cookie")
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in tests");
    assert_ne!(
        cookie.split(';').next(),
        cookie_before.split(';').next(),
        "cookie renewed at login"
    );

    let (status, html) = app.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&user.email));

    let r = app.post_form("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.get("/account").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Faccount");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Owner, "Dana");
    let r = app
        .post_form(
            "/login",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "/admin/users?role=agent"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/users?role=agent");
    let other = app.new_client();
    let r = other
        .post_form(
            "/login",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_logins_slow_down_then_lock_the_account_from_that_address() {
    let app = spawn_with(|s| {
        s.lockout_threshold = 4;
        s.login_backoff = Duration::from_millis(20);
    })
    .await;
    let user = app.create_user(Role::Agent, "Luis Ortega");
    for _ in 0..3 {
        assert_eq!(
            app.login(&user.email, "wrong password!").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = app.login(&user.email, "wrong password!").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Too many failed attempts from here"));
    // Even the right password is refused from here while the lock lasts.
    let r = app.login(&user.email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let email = user.email.clone();
    let row = app
        .db
        .read_blocking(move |c| Ok(model::find_throttle(c, &email, "127.0.0.1")?))
        .unwrap()
        .expect("the failures are counted for this address");
    assert!(row.locked_until.is_some());
    assert!(app.audit_actions().contains(&"user.locked".to_string()));

    // When the lock is over, the right password works and the count starts again.
    let email = user.email.clone();
    app.db
        .write_blocking(move |c| {
            let past = agency_engine::db::now() - chrono::Duration::seconds(1);
            Ok(model::record_throttle(c, &email, "127.0.0.1", 0, Some(past), past)?)
        })
        .unwrap();
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("login_throttles"), 0, "a sign-in clears the count");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_users_session_stops_working_at_once() {
    let app = spawn_app().await;
    let agent_browser = app.new_client();
    let agent = agent_browser.login_as(Role::Agent).await;
    assert_eq!(agent_browser.get("/").await.status(), StatusCode::OK);

    app.login_as(Role::Owner).await;
    let r = app
        .post_form(
            &format!("/admin/users/{}/deactivation", agent.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&format!("/admin/users/{}", agent.id)).await;
    assert!(html.contains("signed out everywhere"));

    let r = agent_browser.get("/account").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the old session no longer works");
    assert!(location(&r).starts_with("/login"));
    let r = agent_browser.login(&agent.email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("deactivated"));

    // Reactivated, they can sign in again.
    app.post_form(&format!("/admin/users/{}/activation", agent.id), &[])
        .await;
    assert_eq!(
        agent_browser.login(&agent.email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let actions = app.audit_actions();
    assert!(actions.contains(&"user.deactivated".to_string()) && actions.contains(&"user.reactivated".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_e_mailed_over_smtp_and_its_link_works_once() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_with(move |s| s.smtp_url = Some(url)).await;
    let owner = app.login_as(Role::Owner).await;

    // Invalid invitations come back with the fields named and nothing sent.
    let r = app
        .post_form("/admin/users", &[("name", ""), ("email", "grace@"), ("role", "wizard")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Enter a name.")
            && html.contains("Enter a valid e-mail address")
            && html.contains("Choose a role.")
    );
    assert!(html.contains("value=\"grace@\""));
    assert_eq!(app.email_jobs(), 0);

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
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec!["grace@agency.test".to_string()]);
    assert_eq!(mail.from, "no-reply@agency-engine.local");
    assert_eq!(mail.subject(), "You're invited to Agency Engine");
    assert!(
        mail.body()
            .contains(&format!("Test {} has invited you", Role::Owner.label()))
            || mail.body().contains("has invited you")
    );
    let link = mail.link("/invitations/").expect("invitation link");
    assert!(link.starts_with(&app.address), "{link}");
    let path = link.trim_start_matches(&app.address).to_string();
    let _ = owner;

    // The invitee cannot sign in before choosing a password.
    let invitee = app.new_client();
    assert_eq!(
        invitee.login("grace@agency.test", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, html) = invitee.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Grace Holloway"));
    let r = invitee
        .post_form(&path, &[("password", "short"), ("password_confirm", "short")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = invitee
        .post_form(&path, &[("password", PASSWORD), ("password_confirm", PASSWORD)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = invitee.page("/").await;
    assert!(html.contains("Welcome, Grace Holloway"));

    // The link works once.
    let again = app.new_client();
    assert_eq!(again.get(&path).await.status(), StatusCode::GONE);
    assert_eq!(
        again.get("/invitations/not-a-real-token").await.status(),
        StatusCode::NOT_FOUND
    );
    let actions = app.audit_actions();
    assert!(actions.contains(&"user.invited".to_string()) && actions.contains(&"user.invitation_accepted".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_invitation_says_so() {
    let app = spawn_with(|s| {
        s.invitation_ttl = Duration::ZERO;
        s.run_worker = false;
    })
    .await;
    app.login_as(Role::Admin).await;
    app.post_form(
        "/admin/users",
        &[
            ("name", "Tom Nguyen"),
            ("email", "tom@agency.test"),
            ("role", "trainee"),
        ],
    )
    .await;
    // Mint a known link for the same user with an expiry in the past.
    let user = app
        .db
        .read_blocking(|c| Ok(model::find_user_by_email(c, "tom@agency.test")?))
        .unwrap()
        .unwrap();
    let secret = agency_engine::auth::tokens::new_secret();
    let digest = agency_engine::auth::tokens::digest(&secret);
    app.db
        .write_blocking(move |c| {
            Ok(model::insert_account_token(
                c,
                user.id,
                model::PURPOSE_INVITATION,
                &digest,
                None,
                agency_engine::db::now() - chrono::Duration::minutes(1),
            )?)
        })
        .unwrap();
    let r = app.new_client().get(&format!("/invitations/{secret}")).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_e_mail_signs_out_other_sessions() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_with(move |s| s.smtp_url = Some(url)).await;
    let user = app.create_user(Role::Broker, "Angela Russo");
    let old_session = app.new_client();
    old_session.login(&user.email, PASSWORD).await;
    assert_eq!(old_session.get("/account").await.status(), StatusCode::OK);

    // An unknown address gets the same answer and no e-mail.
    let r = app
        .post_form("/password-reset", &[("email", "nobody@agency.test")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.post_form("/password-reset", &[("email", "bad address")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form("/password-reset", &[("email", &user.email)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/login").await;
    assert!(html.contains("a link to choose a new password is on its way"));
    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.received().len(), 1, "no e-mail for an unknown address");
    let link = mails[0].link("/password-reset/").expect("reset link");
    let path = link.trim_start_matches(&app.address).to_string();

    let new_password = "another long password";
    let r = app
        .post_form(&path, &[("password", new_password), ("password_confirm", new_password)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/account").await.status(),
        StatusCode::OK,
        "signed in by the reset"
    );
    assert_eq!(
        old_session.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    let fresh = app.new_client();
    assert_eq!(
        fresh.login(&user.email, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fresh.login(&user.email, new_password).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.new_client().get(&path).await.status(), StatusCode::GONE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_your_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let user = app.login_as(Role::Trainee).await;
    let laptop = app.new_client();
    laptop.login(&user.email, PASSWORD).await;

    let r = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("password", "a new long password"),
                ("password_confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("This is not your current password."));
    let r = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a new long password"),
                ("password_confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
    assert_eq!(laptop.get("/account").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_sets_the_time_zone_times_are_shown_in() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let r = app
        .post_form("/account", &[("name", "Dana W"), ("time_zone", "Mars/Olympus")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choose a time zone from the list."));
    let r = app
        .post_form("/account", &[("name", "Dana W"), ("time_zone", "America/Los_Angeles")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/admin/audit").await;
    assert!(
        html.contains("PST") || html.contains("PDT"),
        "audit times in the viewer's zone"
    );
    assert!(html.contains("times shown in America/Los_Angeles"));
}
