//! The users pages: list with search, filters and pages (full page and partial), roles, rules.

use agency_engine::auth::model;
use agency_engine::auth::roles::Role;
use reqwest::StatusCode;

use crate::harness::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_list_searches_filters_and_paginates_without_script() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    for i in 0..30 {
        app.create_user(Role::Agent, &format!("Agent {i:02}"));
    }
    app.create_user(Role::Broker, "Angela Russo");
    app.create_user(Role::Trainee, "Jordan Kim");

    let (status, html) = app.page("/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("1–25 of 33 users"),
        "{}",
        &html[html.find("result-count").unwrap_or(0)..][..80]
    );
    assert!(html.contains("Page 1 of 2"));
    assert!(html.contains("<html"), "a full page");

    let (_, html) = app.page("/admin/users?page=2").await;
    assert!(html.contains("26–33 of 33 users"));

    let (_, html) = app.page("/admin/users?role=broker").await;
    assert!(html.contains("Angela Russo") && !html.contains("Agent 01") && !html.contains("Jordan Kim"));
    assert!(
        html.contains("<option value=\"broker\" selected>"),
        "the filter stays chosen"
    );

    let (_, html) = app.page("/admin/users?q=agent%201").await;
    assert!(html.contains("Agent 10") && html.contains("Agent 19") && !html.contains("Agent 20"));

    let (_, html) = app.page("/admin/users?q=zzz-nobody").await;
    assert!(html.contains("No user matches these filters."));

    // Odd input never breaks the page.
    for q in [
        "/admin/users?page=-4",
        "/admin/users?page=abc",
        "/admin/users?role=wizard",
        "/admin/users?q=%25_%5C",
        "/admin/users?status=zzz",
    ] {
        assert_eq!(app.get(q).await.status(), StatusCode::OK, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_request_gets_only_the_results_block() {
    let app = spawn_app().await;
    app.login_as(Role::Admin).await;
    app.create_user(Role::Broker, "Angela Russo");
    app.create_user(Role::Agent, "Priya Raman");
    let r = app
        .client
        .get(app.url("/admin/users?role=broker"))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.trim_start().starts_with("<div id=\"user-results\""), "{html}");
    assert!(!html.contains("<html") && !html.contains("<nav class=\"main-nav\""));
    assert!(html.contains("Angela Russo") && !html.contains("Priya Raman"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_change_within_the_rules() {
    let app = spawn_app().await;
    let admin = app.login_as(Role::Admin).await;
    let agent = app.create_user(Role::Trainee, "Jordan Kim");
    let owner = app.create_user(Role::Owner, "Dana Whitfield");

    let r = app
        .post_form(&format!("/admin/users/{}/role", agent.id), &[("role", "agent")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let role = |id: i64| {
        app.db
            .read_blocking(move |c| Ok(model::find_user(c, id)?.role()))
            .unwrap()
    };
    assert_eq!(role(agent.id), Role::Agent);

    // An admin cannot make an owner, touch an owner, or change their own role.
    app.post_form(&format!("/admin/users/{}/role", agent.id), &[("role", "owner")])
        .await;
    assert_eq!(role(agent.id), Role::Agent);
    let (_, html) = app.page(&format!("/admin/users/{}", agent.id)).await;
    assert!(html.contains("Only an owner may"));
    app.post_form(&format!("/admin/users/{}/role", owner.id), &[("role", "agent")])
        .await;
    assert_eq!(role(owner.id), Role::Owner);
    app.post_form(&format!("/admin/users/{}/role", admin.id), &[("role", "owner")])
        .await;
    assert_eq!(role(admin.id), Role::Admin);

    // A bad role is a 422, not a crash.
    let r = app
        .post_form(&format!("/admin/users/{}/role", agent.id), &[("role", "wizard")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/admin/users/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/admin/users/abc").await.status(), StatusCode::NOT_FOUND);
    assert!(app.audit_actions().contains(&"user.role_changed".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_owner_cannot_be_removed_and_deactivation_needs_confirming() {
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let other_owner = app.create_user(Role::Owner, "Second Owner");
    let agent = app.create_user(Role::Agent, "Priya Raman");

    let r = app
        .post_form(&format!("/admin/users/{}/deactivation", agent.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let active = |id: i64| {
        app.db
            .read_blocking(move |c| Ok(model::find_user(c, id)?.active))
            .unwrap()
    };
    assert!(active(agent.id), "not deactivated without the confirmation box");

    app.post_form(
        &format!("/admin/users/{}/deactivation", other_owner.id),
        &[("confirm", "yes")],
    )
    .await;
    assert!(!active(other_owner.id));
    // Now the signed-in owner is the last one: nobody may remove them, not even themselves.
    app.post_form(
        &format!("/admin/users/{}/deactivation", owner.id),
        &[("confirm", "yes")],
    )
    .await;
    assert!(active(owner.id));
    app.post_form(&format!("/admin/users/{}/role", owner.id), &[("role", "admin")])
        .await;
    let (_, html) = app.page(&format!("/admin/users/{}", owner.id)).await;
    assert!(html.contains("This is your own account"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_invitation_is_refused_and_sends_nothing() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let existing = app.create_user(Role::Agent, "Priya Raman");
    let jobs_before = app.email_jobs();
    let r = app
        .post_form(
            "/admin/users",
            &[
                ("name", "Priya Again"),
                ("email", &existing.email.to_uppercase()),
                ("role", "agent"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("already exists"));
    assert_eq!(app.email_jobs(), jobs_before);
    assert_eq!(app.count("users"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_records_who_what_and_from_where() {
    let app = spawn_app().await;
    let admin = app.login_as(Role::Admin).await;
    let agent = app.create_user(Role::Trainee, "Jordan Kim");
    app.post_form(&format!("/admin/users/{}/role", agent.id), &[("role", "agent")])
        .await;
    let (status, html) = app.page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("user.role_changed") && html.contains(&admin.email) && html.contains("127.0.0.1"));
    assert!(html.contains("from trainee to agent"));
    let (_, html) = app.page("/admin/audit?q=role_changed").await;
    assert!(html.contains("user.role_changed") && !html.contains("user.signed_in"));
    let r = app
        .client
        .get(app.url("/admin/audit?entity=user"))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(fragment.trim_start().starts_with("<div id=\"audit-results\""));
    // The agent's own page shows their history.
    let (_, html) = app.page(&format!("/admin/users/{}", agent.id)).await;
    assert!(html.contains("from trainee to agent"));
}
