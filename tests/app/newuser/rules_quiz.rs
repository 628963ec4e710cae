//! Tests for issue 13: rules_quiz — the routing rule editor (fields that follow the strategy,
//! state and source pickers, a trial over the whole rule list in plain words) and quizzes (a
//! countdown in the browser, what a failed attempt reveals, the deadline kept by the server).

use std::time::Duration;

use agency_engine::auth::roles::Role;
use agency_engine::courses::model;
use agency_engine::routing::store;
use agency_engine::routing::{Pool, Strategy};
use reqwest::StatusCode;
use thirtyfour::prelude::*;

use crate::browser::{browser_tools, sign_in, start_browser, wait_for_text};
use crate::courses::{
    build_course, drawn, id_in, learner, location, run_out_of_time, start_attempt, submit, take_quiz, Spec,
};
use crate::harness::{spawn_with, TestApp};
use crate::routing::{lead, post, ready_agent, round_robin, token};

/// Words that leak how routing works inside instead of saying what happens.
const INTERNAL_WORDS: [&str; 4] = ["candidates", "after agent", "round-robin order", "weighting credit"];

fn assert_plain(page: &str) {
    for word in INTERNAL_WORDS {
        assert!(!page.contains(word), "“{word}” in: {page}");
    }
}

/// The opening tag of the element carrying `data-show-when="<condition>"` (the first one).
fn shown_part<'a>(html: &'a str, condition: &str) -> &'a str {
    let at = html
        .find(&format!("data-show-when=\"{condition}\""))
        .unwrap_or_else(|| panic!("no part shown when {condition}"));
    let end = html[at..].find('>').unwrap() + at;
    &html[at..end]
}

fn saved_rules(app: &TestApp) -> Vec<agency_engine::routing::Rule> {
    app.db.read_blocking(|c| Ok(store::saved_rules(c)?)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_form_shows_only_the_strategys_fields_and_ignores_the_others_on_save() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let (_, ann) = ready_agent(&app, "Ann Able");
    app.login_as(Role::Owner).await;

    // A new rule is everyone in turn: no team, no shares, no best-closer settings, no agent list.
    let (status, html) = app.page("/admin/routing/new").await;
    assert_eq!(status, StatusCode::OK);
    for condition in [
        "pool=team",
        "strategy=best_performer",
        "strategy=weighted",
        "pool=agents strategy=weighted",
    ] {
        assert!(
            shown_part(&html, condition).ends_with(" hidden"),
            "{condition} is shown"
        );
    }
    // Agents are a readable list with their names, not header cells.
    assert!(html.contains("<ul class=\"agent-picks\"") && html.contains(">Ann Able</span>"));
    assert!(!html.contains("<th scope=\"row\">Ann Able"));

    // Values typed into hidden parts are ignored when the rule is saved.
    let share = format!("share_{ann}");
    let r = app
        .post_form(
            "/admin/routing",
            &[
                ("name", "Everyone in turn"),
                ("priority", "10"),
                ("pool", "everyone"),
                ("team_id", "999"),
                ("agents", "not-a-number"),
                ("strategy", "round_robin"),
                (&share, "abc"),
                ("floor", "500"),
                ("min_closed", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let rule = saved_rules(&app).remove(0);
    assert_eq!((rule.pool, rule.strategy), (Pool::Everyone, Strategy::RoundRobin));

    // A weighted rule over chosen agents opens with the agent list and shares, nothing else.
    let ann_s = ann.to_string();
    let r = app
        .post_form(
            "/admin/routing",
            &[
                ("name", "Ann takes all"),
                ("priority", "20"),
                ("pool", "agents"),
                ("agents", &ann_s),
                ("strategy", "weighted"),
                (&share, "100"),
                ("floor", "not used"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let weighted = saved_rules(&app).remove(1);
    assert_eq!(weighted.strategy, Strategy::Weighted(vec![(ann, 100)]));
    let (_, html) = app.page(&format!("/admin/routing/{}", weighted.id)).await;
    assert!(!shown_part(&html, "strategy=weighted").ends_with(" hidden"));
    assert!(!shown_part(&html, "pool=agents").ends_with(" hidden"));
    assert!(shown_part(&html, "strategy=best_performer").ends_with(" hidden"));
    assert!(shown_part(&html, "pool=team").ends_with(" hidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn states_and_sources_are_picked_from_lists_and_unknown_ones_are_refused() {
    let app = spawn_with(|s| s.run_worker = false).await;
    ready_agent(&app, "Ann Able");
    app.login_as(Role::Owner).await;
    // A lead from a vendor makes its source one a rule can name.
    post(&app, &token(&app), &{
        let mut l = lead(1, "33101");
        l["source"] = "QuoteLine".into();
        l
    })
    .await;
    let (_, html) = app.page("/admin/routing/new").await;
    for picker in [
        "name=\"states\" value=\"TX\"",
        "name=\"sources\" value=\"web form\"",
        "name=\"sources\" value=\"QuoteLine\"",
    ] {
        assert!(html.contains(&format!("<input type=\"checkbox\" {picker}")), "{picker}");
    }
    assert!(
        !html.contains("id=\"states\" name=\"states\" value="),
        "no free text for states"
    );

    let base = [
        ("name", "Somewhere"),
        ("priority", "10"),
        ("pool", "everyone"),
        ("strategy", "round_robin"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    let r = app
        .post_form("/admin/routing", &with(&[("states", "TX"), ("states", "ZZ")]))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("“ZZ” is not a state we know"), "{page}");
    assert!(page.contains("value=\"TX\" checked"), "what was ticked is kept");
    let r = app
        .post_form("/admin/routing", &with(&[("sources", "carrier pigeon")]))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("No lead has come from “carrier pigeon” yet"));
    assert_eq!(app.count("routing_rules"), 0);

    let r = app
        .post_form(
            "/admin/routing",
            &with(&[("states", "TX"), ("states", "FL"), ("sources", "QuoteLine")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rule = saved_rules(&app).remove(0);
    assert_eq!(rule.conditions.states, vec!["TX", "FL"]);
    assert_eq!(rule.conditions.sources, vec!["QuoteLine"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_runs_every_rule_and_says_when_a_higher_rule_takes_the_lead_first() {
    let app = spawn_with(|s| s.run_worker = false).await;
    ready_agent(&app, "Ann Able");
    ready_agent(&app, "Ben Best");
    app.login_as(Role::Owner).await;
    let r = app
        .post_form(
            "/admin/routing",
            &[
                ("name", "Florida Medicare"),
                ("priority", "10"),
                ("states", "FL"),
                ("pool", "everyone"),
                ("strategy", "round_robin"),
                ("ignore_hours", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A second rule for Florida, below the first, never sees a Florida lead.
    let new_rule = [
        ("name", "Florida to the closest"),
        ("priority", "20"),
        ("states", "FL"),
        ("pool", "everyone"),
        ("strategy", "closest"),
        ("ignore_hours", "on"),
        ("sample_product", "medicare_advantage"),
        ("sample_zip", "33101"),
        ("sample_callable", "on"),
    ];
    let r = app.post_form("/admin/routing/trial", &new_rule).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(
            "Rule 1 “Florida Medicare” would take this lead first; this rule (“Florida to the closest”) would then never see it."
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "would be offered it under “Florida Medicare”. Next in turn of the 2 agents who can take it now."
        ),
        "{page}"
    );
    assert_plain(&page);
    assert_eq!(app.count("routing_rules"), 1, "trying saves nothing");

    // Put first, the same rule catches the lead itself.
    let mut first = new_rule.to_vec();
    first[1] = ("priority", "5");
    let page = app
        .post_form("/admin/routing/trial", &first)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("This rule catches the lead: it is rule 1 in the list"),
        "{page}"
    );
    assert!(page.contains("under “Florida to the closest”"), "{page}");

    // A Texas lead fits neither: the trial says why in an owner's words.
    let mut texas = new_rule.to_vec();
    texas.retain(|(k, _)| *k != "sample_zip");
    texas.push(("sample_state", "TX"));
    let page = app
        .post_form("/admin/routing/trial", &texas)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("No rule fits this lead"), "{page}");
    assert!(
        page.contains("It is in TX; this rule takes leads in FL only."),
        "{page}"
    );
    assert!(!page.contains("would be offered it"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_page_explains_routing_with_names_and_plurals() {
    let app = spawn_with(|s| s.run_worker = false).await;
    round_robin(&app, None);
    ready_agent(&app, "Ann Able");
    ready_agent(&app, "Ben Best");
    let t = token(&app);
    let mut ids = Vec::new();
    for i in 0..2 {
        ids.push(post(&app, &t, &lead(i, "33101")).await["id"].as_i64().unwrap());
    }
    app.login_as(Role::Owner).await;
    let (status, page) = app.page(&format!("/leads/{}", ids[1])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Rule: Medicare in turn. 2 agents are in its pool."),
        "{page}"
    );
    assert!(
        page.contains("Next in turn of the 2 agents who can take it now"),
        "{page}"
    );
    assert_plain(&page);
    let (_, list) = app.page("/admin/routing").await;
    assert!(list.contains("Each agent in turn"));
}

/// A published course with a final quiz, and a learner enrolled in it.
async fn exam(app: &TestApp, cert_kind: &str, time_limit: &str) -> (crate::courses::Course, TestApp) {
    app.login_as(Role::Owner).await;
    let course = build_course(
        app,
        &Spec {
            cert_kind,
            time_limit,
            ..Default::default()
        },
    )
    .await;
    let (browser, _) = learner(app, Role::Trainee, "Nora Castillo").await;
    let r = browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (course, browser)
}

/// The quiz's settings as the edit form sends them, with `failed_reveals` set.
async fn set_reveals(app: &TestApp, quiz: i64, value: &str) -> reqwest::Response {
    app.post_form(
        &format!("/admin/quizzes/{quiz}"),
        &[
            ("title", "Final quiz"),
            ("question_count", "3"),
            ("pass_mark", "60"),
            ("max_attempts", "0"),
            ("is_final", "on"),
            ("failed_reveals", value),
        ],
    )
    .await
}

/// Whether an attempt's result page shows the right answers and their explanations.
async fn shows_answers(browser: &TestApp, attempt: i64) -> bool {
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    html.contains("✓ Right") && html.contains("Because the rule says so.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_certification_exam_shows_which_were_wrong_but_not_the_answers() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let (course, browser) = exam(&app, "AHIP", "").await;
    let (_, edit) = app.page(&format!("/admin/quizzes/{}", course.quiz)).await;
    assert!(
        edit.contains("<option value=\"which_wrong\" selected>"),
        "the default for an exam"
    );

    let (attempt, _) = take_quiz(&app, &browser, course.quiz, false).await;
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    assert!(
        html.contains("not passed") && html.contains("badge-expired\">wrong"),
        "{html}"
    );
    assert!(
        !html.contains("✓ Right") && !html.contains("Because the rule says so."),
        "{html}"
    );

    // "Nothing": the score alone.
    assert_eq!(
        set_reveals(&app, course.quiz, "nothing").await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    assert!(html.contains("not passed"));
    assert!(
        !html.contains("badge-expired\">wrong") && !html.contains("badge-ok\">right"),
        "{html}"
    );
    assert!(!html.contains("✓ Right") && !html.contains("Because the rule says so."));

    // Nonsense is refused and the stored setting stays.
    let r = set_reveals(&app, course.quiz, "everything").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choose what a failed attempt shows"));
    let stored = app
        .db
        .read_blocking(move |c| Ok(model::find_quiz(c, course.quiz)?.failed_reveals))
        .unwrap();
    assert_eq!(stored, "nothing");

    // A passed attempt shows everything.
    crate::courses::complete_lessons(&browser, &course).await;
    let (passed, r) = take_quiz(&app, &browser, course.quiz, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(shows_answers(&browser, passed).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_quiz_shows_the_answers_and_a_late_submission_is_refused() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let (course, browser) = exam(&app, "", "10").await;
    let (_, edit) = app.page(&format!("/admin/quizzes/{}", course.quiz)).await;
    assert!(
        edit.contains("<option value=\"answers\" selected>"),
        "the default for a plain quiz"
    );

    let r = start_attempt(&browser, course.quiz).await;
    let attempt = id_in(&location(&r));
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    assert!(html.contains("data-countdown=\"") && html.contains("data-countdown-expired=\"Time is up\""));
    // The deadline passes (and its grace): right answers sent now are not graded.
    run_out_of_time(&app, attempt);
    let right: Vec<(i64, i64)> = drawn(&app, attempt).iter().map(|(q, ok, _)| (*q, *ok)).collect();
    let r = submit(&browser, attempt, &right).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = app
        .db
        .read_blocking(move |c| Ok(model::find_attempt(c, attempt)?))
        .unwrap();
    assert_eq!(
        (a.status.as_str(), a.passed),
        ("expired", false),
        "right answers sent late are not graded"
    );
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    assert!(html.contains("was not graded"), "{html}");

    // A failed attempt of an ordinary quiz teaches with the answers.
    let (failed, _) = take_quiz(&app, &browser, course.quiz, false).await;
    assert!(shows_answers(&browser, failed).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_quiz_counts_down_in_the_browser() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            time_limit: "10",
            ..Default::default()
        },
    )
    .await;
    let trainee = app.create_user(Role::Trainee, "Nora Castillo");
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        sign_in(&web, &app, &trainee.email).await?;
        web.goto(app.url(&format!("/learn/courses/{}", course.id))).await?;
        // Enrol and start from the pages, as a learner does.
        if let Ok(b) = web.find(By::Css("form[action$='/enrollment'] button")).await {
            b.click().await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        web.goto(app.url(&format!("/learn/quizzes/{}", course.quiz))).await?;
        web.find(By::Css("form[action$='/attempts'] button"))
            .await?
            .click()
            .await?;
        let first = wait_for_text(&web, "[data-countdown]", |t| {
            t.len() == 5 && t.as_bytes()[2] == b':' && t.starts_with("09")
        })
        .await?;
        let later = wait_for_text(&web, "[data-countdown]", |t| t != first).await?;
        assert!(later.starts_with("09:") && later < first, "{first} → {later}");
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_form_hides_the_fields_the_strategy_does_not_use() {
    let Some((driver_path, chrome)) = browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    let (_, ann) = ready_agent(&app, "Ann Able");
    let owner = app.login_as(Role::Owner).await;
    let (_driver, web, _profile) = start_browser(&driver_path, &chrome).await;
    let result = async {
        sign_in(&web, &app, &owner.email).await?;
        web.goto(app.url("/admin/routing/new")).await?;
        let shown = |id: &'static str| {
            let web = web.clone();
            async move { web.find(By::Id(id)).await?.is_displayed().await }
        };
        assert!(!shown("floor").await? && !shown("team_id").await?);
        let share = web.find(By::Css("input[name^='share_']")).await?;
        assert!(!share.is_displayed().await?);

        let choose = |select: &'static str, value: &'static str| {
            let web = web.clone();
            async move {
                web.find(By::Css(format!("#{select} option[value='{value}']")))
                    .await?
                    .click()
                    .await
            }
        };
        choose("strategy", "best_performer").await?;
        assert!(shown("floor").await? && shown("min_closed").await?);
        assert!(!share.is_displayed().await?);
        choose("strategy", "weighted").await?;
        assert!(!shown("floor").await?);
        assert!(share.is_displayed().await?, "shares for the weighted strategy");
        choose("pool", "team").await?;
        assert!(shown("team_id").await?);
        choose("pool", "everyone").await?;
        assert!(!shown("team_id").await?);

        // On a 390 px phone neither the new-rule page nor a full rule's page scrolls sideways.
        let r = app
            .post_form(
                "/admin/routing",
                &[
                    ("name", "A rule with every part shown, and a rather long name to wrap"),
                    ("priority", "10"),
                    ("pool", "agents"),
                    ("agents", &ann.to_string()),
                    ("strategy", "weighted"),
                    (&format!("share_{ann}"), "100"),
                ],
            )
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
        let id = saved_rules(&app)[0].id;
        web.set_window_rect(0, 0, 390, 844).await?;
        for path in ["/admin/routing/new".to_string(), format!("/admin/routing/{id}")] {
            web.goto(app.url(&path)).await?;
            let wide = web
                .execute(
                    "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                    vec![],
                )
                .await?;
            let (scroll, client) = (wide.json()[0].as_i64().unwrap(), wide.json()[1].as_i64().unwrap());
            assert!(
                client <= 400 && scroll <= client,
                "{path}: {scroll} px wide in a {client} px window"
            );
        }
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}
