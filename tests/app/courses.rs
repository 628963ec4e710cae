//! The courses issue: authoring, enrolment, lessons, quizzes (draws, attempt and time limits),
//! certificates and their verification, certification → readiness, recertification, video.

use std::collections::BTreeSet;

use agency_engine::agents::readiness::{may_sell, plan_year};
use agency_engine::auth::roles::Role;
use agency_engine::courses::model;
use agency_engine::domain::ProductLine;
use chrono::NaiveDate;
use reqwest::StatusCode;

use crate::harness::{spawn_with, TestApp, TestUser};

fn today() -> NaiveDate {
    agency_engine::db::now().date()
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

pub(crate) fn id_in(location: &str) -> i64 {
    location
        .split(['/', '#', '?'])
        .filter_map(|p| p.parse().ok())
        .next_back()
        .expect("an id in the location")
}

pub(crate) struct Course {
    pub(crate) id: i64,
    pub(crate) lessons: Vec<i64>,
    pub(crate) quiz: i64,
}

/// What a course is built with, through the authoring pages.
pub(crate) struct Spec<'a> {
    pub(crate) title: &'a str,
    pub(crate) cert_kind: &'a str,
    pub(crate) validity_months: &'a str,
    pub(crate) lessons: usize,
    /// (prompt, tags) of single-choice questions: choice "Right" is correct, "Wrong" is not.
    pub(crate) questions: Vec<(String, &'a str)>,
    pub(crate) draw: &'a str,
    pub(crate) tag: &'a str,
    pub(crate) pass_mark: &'a str,
    pub(crate) max_attempts: &'a str,
    pub(crate) time_limit: &'a str,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            title: "Medicare basics",
            cert_kind: "",
            validity_months: "",
            lessons: 2,
            questions: (1..=3).map(|i| (format!("Question {i}?"), "")).collect(),
            draw: "3",
            tag: "",
            pass_mark: "60",
            max_attempts: "0",
            time_limit: "",
        }
    }
}

/// Builds a published course as the signed-in owner, through the same forms a person uses.
pub(crate) async fn build_course(app: &TestApp, spec: &Spec<'_>) -> Course {
    let r = app
        .post_form(
            "/admin/courses",
            &[
                ("title", spec.title),
                ("summary", "What every **new agent** must know."),
                ("cert_kind", spec.cert_kind),
                ("validity_months", spec.validity_months),
                ("pass_mark", "70"),
                ("due_days", "14"),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_in(&location(&r));
    let r = app
        .post_form(&format!("/admin/courses/{id}/modules"), &[("title", "Getting started")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let module = app
        .db
        .read_blocking(move |c| Ok(model::modules_of(c, id)?[0].id))
        .unwrap();
    let mut lessons = Vec::new();
    for i in 1..=spec.lessons {
        let title = format!("Lesson {i}");
        let r = app
            .post_form(&format!("/admin/modules/{module}/lessons"), &[("title", &title)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let lesson = id_in(&location(&r));
        let body = format!("## Part {i}\n\nMedicare Part A covers **hospital** stays. <script>alert(1)</script>");
        let r = app
            .post_form(
                &format!("/admin/lessons/{lesson}"),
                &[("title", &title), ("body", &body), ("required", "on")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        lessons.push(lesson);
    }
    for (prompt, tags) in &spec.questions {
        let r = app
            .post_form(
                &format!("/admin/courses/{id}/questions"),
                &[
                    ("kind", "single"),
                    ("prompt", prompt),
                    ("choice_1", "Right"),
                    ("correct_1", "on"),
                    ("choice_2", "Wrong"),
                    ("choice_3", "Also wrong"),
                    ("explanation", "Because the rule says so."),
                    ("tags", tags),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{prompt}");
    }
    let r = app
        .post_form(
            &format!("/admin/courses/{id}/quizzes"),
            &[
                ("title", "Final quiz"),
                ("question_count", spec.draw),
                ("tag", spec.tag),
                ("pass_mark", spec.pass_mark),
                ("max_attempts", spec.max_attempts),
                ("time_limit_minutes", spec.time_limit),
                ("is_final", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let quiz = app
        .db
        .read_blocking(move |c| Ok(model::quizzes_of(c, id)?[0].id))
        .unwrap();
    Course { id, lessons, quiz }
}

/// A learner signed in on their own browser.
pub(crate) async fn learner(app: &TestApp, role: Role, name: &str) -> (TestApp, TestUser) {
    let browser = app.new_client();
    let user = app.create_user(role, name);
    let r = browser.login(&user.email, &user.password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (browser, user)
}

/// The attempt's drawn questions and, for each, its correct and a wrong choice id.
pub(crate) fn drawn(app: &TestApp, attempt: i64) -> Vec<(i64, i64, i64)> {
    app.db
        .read_blocking(move |c| {
            let qs = model::attempt_questions_of(c, attempt)?;
            let ids: Vec<i64> = qs.iter().map(|q| q.question_id).collect();
            let choices = model::choices_of_many(c, &ids)?;
            Ok(ids
                .iter()
                .map(|q| {
                    let right = choices.iter().find(|ch| ch.question_id == *q && ch.correct).unwrap().id;
                    let wrong = choices
                        .iter()
                        .find(|ch| ch.question_id == *q && !ch.correct)
                        .unwrap()
                        .id;
                    (*q, right, wrong)
                })
                .collect())
        })
        .unwrap()
}

pub(crate) async fn start_attempt(browser: &TestApp, quiz: i64) -> reqwest::Response {
    browser.post_form(&format!("/learn/quizzes/{quiz}/attempts"), &[]).await
}

pub(crate) async fn submit(browser: &TestApp, attempt: i64, answers: &[(i64, i64)]) -> reqwest::Response {
    let fields: Vec<(String, String)> = answers.iter().map(|(q, c)| (format!("q{q}"), c.to_string())).collect();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form(&format!("/learn/attempts/{attempt}"), &refs).await
}

/// Starts an attempt and answers every drawn question right (or wrong).
pub(crate) async fn take_quiz(app: &TestApp, browser: &TestApp, quiz: i64, right: bool) -> (i64, reqwest::Response) {
    let r = start_attempt(browser, quiz).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    assert!(loc.starts_with("/learn/attempts/"), "{loc}");
    let attempt = id_in(&loc);
    let answers: Vec<(i64, i64)> = drawn(app, attempt)
        .into_iter()
        .map(|(q, ok, bad)| (q, if right { ok } else { bad }))
        .collect();
    (attempt, submit(browser, attempt, &answers).await)
}

/// Moves an attempt's deadline (and its grace) a minute into the past.
pub(crate) fn run_out_of_time(app: &TestApp, attempt: i64) {
    let late = agency_engine::db::now() - chrono::Duration::minutes(1);
    app.db
        .write_blocking(move |c| {
            use agency_engine::db::schema::quiz_attempts::dsl::*;
            use diesel::prelude::*;
            diesel::update(quiz_attempts.find(attempt))
                .set(deadline_at.eq(Some(late)))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
}

pub(crate) async fn complete_lessons(browser: &TestApp, course: &Course) {
    for l in &course.lessons {
        let (s, html) = browser.page(&format!("/learn/lessons/{l}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<strong>hospital</strong>") && !html.contains("<script>alert"));
        let r = browser.post_form(&format!("/learn/lessons/{l}/completion"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_goes_through_lessons_and_a_quiz_to_a_certificate() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(&app, &Spec::default()).await;
    let (browser, agent) = learner(&app, Role::Trainee, "Nora Castillo").await;
    let agent_id = app.agent_id(&agent);

    // Assigned by the owner with a due date: an e-mail goes out, the course shows on "My training".
    let emails = app.email_jobs();
    let due = (today() + chrono::Duration::days(10)).to_string();
    let r = app
        .post_form(
            &format!("/admin/courses/{}/enrollments", course.id),
            &[("audience", &format!("agent:{agent_id}")), ("due_on", &due)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.email_jobs(), emails + 1);
    let (s, html) = browser.page("/learn").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Medicare basics") && html.contains("Due in 10 days") && html.contains("value=\"0\""));
    assert!(
        html.contains(&format!("/learn/lessons/{}", course.lessons[0])),
        "start at the first lesson"
    );

    // First lesson done: progress moves and "continue" points at the second.
    let r = browser
        .post_form(&format!("/learn/lessons/{}/completion", course.lessons[0]), &[])
        .await;
    assert_eq!(location(&r), format!("/learn/lessons/{}", course.lessons[1]));
    let (_, html) = browser.page("/learn").await;
    assert!(
        html.contains("33%") && html.contains("Continue where I left off"),
        "{html}"
    );
    assert!(html.contains(&format!("/learn/lessons/{}", course.lessons[1])));

    // A failed quiz shows the explanations; the course is not complete.
    let (attempt, r) = take_quiz(&app, &browser, course.quiz, false).await;
    assert_eq!(location(&r), format!("/learn/attempts/{attempt}"));
    let (_, html) = browser.page(&format!("/learn/attempts/{attempt}")).await;
    assert!(html.contains("not passed") && html.contains("Because the rule says so."));
    assert_eq!(app.count("certificates"), 0);

    // The rest of the lessons and a passed quiz: complete, with a certificate.
    complete_lessons(&browser, &course).await;
    assert_eq!(app.count("certificates"), 0, "the final quiz is still needed");
    let (_, r) = take_quiz(&app, &browser, course.quiz, true).await;
    let to = location(&r);
    assert!(to.starts_with("/learn/certificates/"), "{to}");
    let (s, html) = browser.page(&to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nora Castillo") && html.contains("Medicare basics"));
    let cert = app
        .db
        .read_blocking(move |c| Ok(model::certificates_of_user(c, agent.id)?.remove(0)))
        .unwrap();
    assert!(html.contains(&cert.code));
    assert_eq!(cert.score, Some(100));
    let (_, html) = browser.page("/learn").await;
    assert!(html.contains("Completed") && html.contains("value=\"100\""));

    // The PDF.
    let r = browser.get(&format!("{to}/pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf).contains(&cert.code));

    // Anyone can verify the code; the page shows name, course, date and validity only.
    let anonymous = app.new_client();
    let (s, html) = anonymous
        .page(&format!("/certificates/{}", cert.code.to_lowercase()))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nora Castillo") && html.contains("Medicare basics") && html.contains("Valid"));
    assert!(html.contains(&today().to_string()));
    assert!(
        !html.contains(&agent.email) && !html.contains("100%"),
        "no e-mail, no score"
    );
    let (s, html) = anonymous.page("/certificates/ABCD-EFGH-JKMN").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("No certificate has the code"));
    assert_eq!(
        anonymous.page("/certificates/..%2F..%2Fetc").await.0,
        StatusCode::NOT_FOUND
    );
    // Someone else's certificate page is not theirs to open.
    let (other, _) = learner(&app, Role::Agent, "Other Agent").await;
    assert_eq!(other.get(&to).await.status(), StatusCode::NOT_FOUND);

    // The owner's report and its CSV count the completion.
    let (s, html) = app.page(&format!("/admin/courses/{}/report", course.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nora Castillo") && html.contains("<strong>1</strong> completed"));
    let csv = app
        .get(&format!("/admin/courses/{}/report.csv", course.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("name,email,status") && csv.contains("Nora Castillo") && csv.contains("Completed"));
    let csv = app
        .get(&format!("/admin/training/{}/record.csv", agent.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&cert.code));
    assert!(app.audit_actions().contains(&"course.completed".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_limits_and_the_time_limit_are_enforced_by_the_server() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            max_attempts: "2",
            time_limit: "10",
            ..Default::default()
        },
    )
    .await;
    let (browser, agent) = learner(&app, Role::Agent, "Sam Okafor").await;
    let r = browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Attempt 1: the deadline is set by the server when it starts.
    let r = start_attempt(&browser, course.quiz).await;
    let first = id_in(&location(&r));
    let a = app
        .db
        .read_blocking(move |c| Ok(model::find_attempt(c, first)?))
        .unwrap();
    assert_eq!(a.deadline_at, Some(a.started_at + chrono::Duration::minutes(10)));
    // Starting again while it is open resumes it rather than drawing anew.
    assert_eq!(id_in(&location(&start_attempt(&browser, course.quiz).await)), first);
    // Answers to questions that were not drawn (or choices of other questions) count for nothing.
    let mine = drawn(&app, first);
    let stranger = app
        .db
        .read_blocking(move |c| {
            let q = model::insert_question(
                c,
                course.id,
                "single",
                "Planted?",
                "",
                "",
                &[("Yes".into(), true), ("No".into(), false)],
            )?;
            Ok((q, model::choices_of_many(c, &[q])?[0].id))
        })
        .unwrap();
    let mut answers = vec![stranger];
    answers.extend(mine.iter().map(|(q, _, _)| (*q, stranger.1)));
    let r = submit(&browser, first, &answers).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = app
        .db
        .read_blocking(move |c| Ok(model::find_attempt(c, first)?))
        .unwrap();
    assert_eq!((a.status.as_str(), a.score, a.passed), ("submitted", Some(0), false));
    // A second submission of the same attempt changes nothing.
    let right: Vec<(i64, i64)> = mine.iter().map(|(q, ok, _)| (*q, *ok)).collect();
    submit(&browser, first, &right).await;
    let a = app
        .db
        .read_blocking(move |c| Ok(model::find_attempt(c, first)?))
        .unwrap();
    assert_eq!(a.score, Some(0));

    // Attempt 2 runs out of time: right answers sent after the deadline are not graded.
    let r = start_attempt(&browser, course.quiz).await;
    let second = id_in(&location(&r));
    assert_ne!(second, first);
    run_out_of_time(&app, second);
    let right: Vec<(i64, i64)> = drawn(&app, second).iter().map(|(q, ok, _)| (*q, *ok)).collect();
    let (_, html) = browser.page(&format!("/learn/attempts/{second}")).await;
    assert!(html.contains("can no longer be submitted") && !html.contains("Submit answers"));
    let r = submit(&browser, second, &right).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = app
        .db
        .read_blocking(move |c| Ok(model::find_attempt(c, second)?))
        .unwrap();
    assert_eq!((a.status.as_str(), a.passed), ("expired", false));
    let (_, html) = browser.page(&format!("/learn/attempts/{second}")).await;
    assert!(html.contains("time limit"), "{html}");

    // No third attempt: refused with a message, nothing drawn.
    let before = app.count("quiz_attempts");
    let r = start_attempt(&browser, course.quiz).await;
    assert_eq!(location(&r), format!("/learn/quizzes/{}", course.quiz));
    let (_, html) = browser.page(&location(&r)).await;
    assert!(html.contains("used all 2 attempts"), "{html}");
    assert_eq!(app.count("quiz_attempts"), before);
    // And nobody else may submit a learner's attempt.
    let (other, _) = learner(&app, Role::Agent, "Not Sam").await;
    assert_eq!(submit(&other, second, &right).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        other.get(&format!("/learn/attempts/{second}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let _ = agent;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_draws_respect_the_bank_and_its_tags() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let questions: Vec<(String, &str)> = (1..=8)
        .map(|i| {
            (
                format!("Q{i}?"),
                if i <= 4 { "parts, eligibility" } else { "enrollment" },
            )
        })
        .collect();
    let course = build_course(
        &app,
        &Spec {
            questions,
            draw: "2",
            tag: "Parts",
            pass_mark: "100",
            ..Default::default()
        },
    )
    .await;
    // A quiz cannot draw more than the bank holds for its tag: 422, the form kept.
    let r = app
        .post_form(
            &format!("/admin/courses/{}/quizzes", course.id),
            &[("title", "Too big"), ("question_count", "5"), ("tag", "parts")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("The bank has 4 question(s) tagged") && html.contains("value=\"Too big\""));

    let tagged: BTreeSet<i64> = app
        .db
        .read_blocking(move |c| {
            Ok(model::questions_of(c, course.id)?
                .into_iter()
                .filter(|q| q.tags.split(',').any(|t| t == "parts"))
                .map(|q| q.id)
                .collect())
        })
        .unwrap();
    assert_eq!(tagged.len(), 4);
    let (browser, _) = learner(&app, Role::Agent, "Dee Tran").await;
    browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    let mut seen = BTreeSet::new();
    let mut orders = BTreeSet::new();
    for _ in 0..12 {
        let (attempt, _) = take_quiz(&app, &browser, course.quiz, false).await;
        let rows = app
            .db
            .read_blocking(move |c| Ok(model::attempt_questions_of(c, attempt)?))
            .unwrap();
        let ids: BTreeSet<i64> = rows.iter().map(|r| r.question_id).collect();
        assert_eq!(ids.len(), 2, "two different questions");
        assert!(ids.is_subset(&tagged), "only tagged questions: {ids:?}");
        for r in &rows {
            let own: BTreeSet<i64> = app
                .db
                .read_blocking({
                    let q = r.question_id;
                    move |c| Ok(model::choices_of_many(c, &[q])?.iter().map(|ch| ch.id).collect())
                })
                .unwrap();
            let order = r.choice_order.clone();
            let shown: BTreeSet<i64> = order.split(',').map(|x| x.parse().unwrap()).collect();
            assert_eq!(shown, own, "all of the question's own choices");
            orders.insert(order);
        }
        seen.extend(ids);
    }
    assert!(seen.len() >= 3, "draws vary: {seen:?}");
    assert!(orders.len() > 4, "choices are shuffled");

    // An answered question is retired, not deleted: its answers stay, and no draw takes it again.
    let gone = *seen.iter().next().unwrap();
    let answers_before = app.count(&format!("attempt_questions WHERE question_id = {gone}"));
    let r = app.post_form(&format!("/admin/questions/{gone}/deletion"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&location(&r)).await.1.contains("it is retired"));
    assert_eq!(
        app.count(&format!("attempt_questions WHERE question_id = {gone}")),
        answers_before
    );
    for _ in 0..8 {
        let (attempt, _) = take_quiz(&app, &browser, course.quiz, false).await;
        let rows = app
            .db
            .read_blocking(move |c| Ok(model::attempt_questions_of(c, attempt)?))
            .unwrap();
        assert!(rows.iter().all(|r| r.question_id != gone));
    }
    // Editing an answered question keeps the old wording with its answers and adds a new version.
    let revised = *seen.iter().find(|q| **q != gone).unwrap();
    let (s, html) = app.page(&format!("/admin/questions/{revised}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("has been answered"));
    let before = app.count("questions");
    let r = app
        .post_form(
            &format!("/admin/questions/{revised}"),
            &[
                ("kind", "true_false"),
                ("prompt", "Part A covers hospital stays."),
                ("answer", "true"),
                ("tags", "parts"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("questions"), before + 1);
    assert_eq!(app.count(&format!("questions WHERE id = {revised} AND retired")), 1);
    assert!(app.count(&format!("attempt_questions WHERE question_id = {revised}")) > 0);
    // One never answered is deleted outright.
    let unused: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(model::questions_of(c, course.id)?
                .into_iter()
                .find(|q| !q.tags.contains("parts"))
                .unwrap()
                .id)
        })
        .unwrap();
    app.post_form(&format!("/admin/questions/{unused}/deletion"), &[]).await;
    assert_eq!(app.count(&format!("questions WHERE id = {unused}")), 0);
    // A quiz with attempts on record is kept.
    let r = app
        .post_form(&format!("/admin/quizzes/{}/deletion", course.quiz), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .page(&location(&r))
        .await
        .1
        .contains("attempt(s) on record, so it stays"));
    assert_eq!(app.count(&format!("quizzes WHERE id = {}", course.quiz)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certification_course_makes_an_agent_ready_for_a_medicare_lead() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let (browser, agent) = learner(&app, Role::Agent, "Ivy Moreno").await;
    let agent_id = app.agent_id(&agent);
    let (issued, expires) = (
        (today() - chrono::Duration::days(400)).to_string(),
        (today() + chrono::Duration::days(400)).to_string(),
    );
    let r = app
        .post_form(
            &format!("/admin/agents/{agent_id}/licences"),
            &[
                ("state", "GA"),
                ("number", "L123456"),
                ("resident", "on"),
                ("line_health", "on"),
                ("issued_on", &issued),
                ("expires_on", &expires),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rule = app.settings.plan_year_rule;
    let ready = || {
        app.db
            .read_blocking(move |c| {
                let (_, user) = agency_engine::agents::model::find_agent(c, agent_id)?;
                let lic = agency_engine::agents::model::licences_of(c, agent_id)?;
                let certs = agency_engine::agents::model::certifications_of(c, agent_id)?;
                let facts = agency_engine::agents::model::facts(&user, &lic, &certs);
                Ok(may_sell(&facts, ProductLine::MedicareAdvantage, "GA", today(), &rule))
            })
            .unwrap()
    };
    let before = ready();
    assert!(!before.is_ready());
    assert!(before.to_string().contains("AHIP"), "{before}");

    let course = build_course(
        &app,
        &Spec {
            title: "AHIP-style Medicare certification",
            cert_kind: "ahip",
            ..Default::default()
        },
    )
    .await;
    browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    complete_lessons(&browser, &course).await;
    let (_, r) = take_quiz(&app, &browser, course.quiz, true).await;
    assert!(location(&r).starts_with("/learn/certificates/"));

    let certs = app
        .db
        .read_blocking(move |c| Ok(agency_engine::agents::model::certifications_of(c, agent_id)?))
        .unwrap();
    assert_eq!(certs.len(), 1);
    let year = plan_year(today(), &rule);
    assert_eq!(
        (certs[0].kind.as_str(), certs[0].plan_year, certs[0].source.as_str()),
        ("AHIP", year, "course")
    );
    assert_eq!(certs[0].earned_on, today());
    assert!(ready().is_ready(), "{}", ready());
    // The agent's page says so too, and leads to the training record.
    let (_, html) = app.page(&format!("/admin/agents/{agent_id}")).await;
    assert!(html.contains("AHIP") && html.contains(&format!("/admin/training/{}", agent.id)));
    let (s, html) = app.page(&format!("/admin/training/{}", agent.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("AHIP-style Medicare certification") && html.contains("Completed"));
    assert!(app.audit_actions().contains(&"certification.added".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recertification_re_enrols_and_reminds_once_and_old_certificates_stay_verifiable() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            title: "Carrier product: Sunshine Health MA",
            cert_kind: "Sunshine Health",
            validity_months: "12",
            ..Default::default()
        },
    )
    .await;
    let (browser, agent) = learner(&app, Role::Agent, "Omar Haddad").await;
    browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    complete_lessons(&browser, &course).await;
    take_quiz(&app, &browser, course.quiz, true).await;
    let cert = app
        .db
        .read_blocking(move |c| Ok(model::certificates_of_user(c, agent.id)?.remove(0)))
        .unwrap();
    let expires = cert.expires_on.expect("a validity");
    assert_eq!(
        Some(expires),
        agency_engine::courses::certificate::expires_on(today(), Some(12))
    );

    let settings = app.settings.clone();
    let run = |day: NaiveDate| {
        let s = settings.clone();
        app.db
            .write_blocking(move |c| agency_engine::courses::recert::run_daily(c, day, &s))
            .unwrap()
    };
    // Not yet: more than AE_RECERT_DAYS (60) before expiry.
    assert_eq!(run(expires - chrono::Duration::days(61)), 0);
    let emails = app.email_jobs();
    // 60 days before: re-enrolled, reminded.
    let day = expires - chrono::Duration::days(60);
    assert_eq!(run(day), 1);
    assert_eq!(app.email_jobs(), emails + 1);
    let subject: String = app
        .db
        .read_blocking(|c| {
            use agency_engine::db::schema::jobs::dsl::*;
            use diesel::prelude::*;
            Ok(jobs
                .filter(kind.eq("email"))
                .order(id.desc())
                .select(payload)
                .first::<String>(c)?)
        })
        .unwrap();
    assert!(subject.contains("Time to recertify") && subject.contains(&agent.email));
    // Once: the same day again, or the next, does nothing more.
    assert_eq!(run(day), 0);
    assert_eq!(run(day + chrono::Duration::days(1)), 0);
    assert_eq!(app.email_jobs(), emails + 1);

    let all = app
        .db
        .read_blocking(move |c| Ok(model::all_enrollments_of_user(c, agent.id)?))
        .unwrap();
    assert_eq!(all.len(), 2);
    let current = all
        .iter()
        .find(|(e, _)| e.status == "active")
        .expect("a fresh enrolment");
    assert_eq!(current.0.cycle, 2);
    assert_eq!(current.0.due_on, Some(expires));
    assert!(all
        .iter()
        .any(|(e, _)| e.status == "archived" && e.id == cert.enrollment_id));
    // Progress starts fresh; the old certificate stays on the record and verifiable.
    let (_, html) = browser.page("/learn").await;
    assert!(
        html.contains("value=\"0\"") && html.contains("Carrier product"),
        "{html}"
    );
    assert!(html.contains(&format!("/learn/certificates/{}", cert.id)));
    let (s, html) = app.new_client().page(&format!("/certificates/{}", cert.code)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Omar Haddad") && html.contains("Valid"));
    // Once past its date, the same page says it has expired.
    let old_id = cert.id;
    let yesterday = today() - chrono::Duration::days(1);
    app.db
        .write_blocking(move |c| {
            use agency_engine::db::schema::certificates::dsl::*;
            use diesel::prelude::*;
            diesel::update(certificates.find(old_id))
                .set(expires_on.eq(Some(yesterday)))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let (_, html) = app.new_client().page(&format!("/certificates/{}", cert.code)).await;
    assert!(html.contains("Expired") && html.contains(&yesterday.to_string()));
    // Passing again issues a new certificate and renews the certification.
    complete_lessons(&browser, &course).await;
    take_quiz(&app, &browser, course.quiz, true).await;
    assert_eq!(app.count("certificates"), 2);
    let agent_id = app.agent_id(&agent);
    let certs = app
        .db
        .read_blocking(move |c| Ok(agency_engine::agents::model::certifications_of(c, agent_id)?))
        .unwrap();
    assert_eq!(certs.len(), 1, "renewed, not duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainee_cannot_open_the_authoring_pages() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(&app, &Spec::default()).await;
    let (trainee, _) = learner(&app, Role::Trainee, "Tia Brooks").await;
    for path in [
        "/admin/courses".to_string(),
        format!("/admin/courses/{}", course.id),
        format!("/admin/courses/{}/questions", course.id),
        format!("/admin/courses/{}/report", course.id),
        format!("/admin/lessons/{}", course.lessons[0]),
        "/admin/training".to_string(),
    ] {
        assert_eq!(trainee.get(&path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let r = trainee.post_form("/admin/courses", &[("title", "Mine now")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = trainee
        .post_form(&format!("/admin/courses/{}/questions", course.id), &[("prompt", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Unenrolled, the trainee sees the course but not its lessons.
    assert_eq!(
        trainee.page(&format!("/learn/courses/{}", course.id)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        trainee
            .get(&format!("/learn/lessons/{}", course.lessons[0]))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_video_is_streamed_with_range_requests() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(&app, &Spec::default()).await;
    let lesson = course.lessons[0];
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    video.extend((0..10_000u32).map(|i| (i % 251) as u8));
    let app_ref = &app;
    let upload = |bytes: Vec<u8>, name: &'static str| async move {
        let token = app_ref.csrf().await;
        let form =
            reqwest::multipart::Form::new().part("video", reqwest::multipart::Part::bytes(bytes).file_name(name));
        app_ref
            .client
            .post(app_ref.url(&format!("/admin/lessons/{lesson}/video")))
            .header("X-CSRF-Token", &token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    };
    // Not a video by its bytes: refused, nothing stored.
    let r = upload(b"<html>hello</html>".to_vec(), "trick.mp4").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&location(&r)).await;
    assert!(html.contains("must be an MP4 or WebM"));
    let r = upload(video.clone(), "intro.mp4").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (browser, _) = learner(&app, Role::Agent, "Val Reyes").await;
    let url = format!("/learn/lessons/{lesson}/video");
    assert_eq!(browser.get(&url).await.status(), StatusCode::FORBIDDEN, "not enrolled");
    browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    let r = browser
        .client
        .get(browser.url(&url))
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-type"], "video/mp4");
    assert_eq!(
        r.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", video.len())
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), video[100..200].to_vec());
    let r = browser.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    let (_, html) = browser.page(&format!("/learn/lessons/{lesson}")).await;
    assert!(html.contains(&format!("src=\"{url}\"")));

    // Documents: known by their bytes, downloaded under their own name by enrolled learners.
    let send = |field: &'static str, path: String, bytes: Vec<u8>, name: &'static str| async move {
        let token = app_ref.csrf().await;
        let form = reqwest::multipart::Form::new().part(field, reqwest::multipart::Part::bytes(bytes).file_name(name));
        app_ref
            .client
            .post(app_ref.url(&path))
            .header("X-CSRF-Token", &token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    };
    let docs = format!("/admin/lessons/{lesson}/documents");
    let r = send("document", docs.clone(), b"MZ\x90\0not a pdf".to_vec(), "guide.pdf").await;
    assert!(app.page(&location(&r)).await.1.contains("must be a PDF"));
    let pdf = b"%PDF-1.4\n% Plan comparison\n".to_vec();
    let r = send("document", docs, pdf.clone(), "Plan comparison 2027.pdf").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let doc = app
        .db
        .read_blocking(move |c| Ok(model::documents_of(c, lesson)?.remove(0)))
        .unwrap();
    assert_eq!(doc.original_name, "Plan comparison 2027.pdf");
    let (_, html) = browser.page(&format!("/learn/lessons/{lesson}")).await;
    assert!(html.contains("Plan comparison 2027.pdf"));
    let r = browser.get(&format!("/learn/documents/{}", doc.id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment; filename=\"Plan comparison 2027.pdf\""));
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // A cover image, by its bytes too.
    let cover = format!("/admin/courses/{}/cover", course.id);
    let r = send("cover", cover.clone(), b"<svg onload=alert(1)>".to_vec(), "x.png").await;
    assert!(app.page(&location(&r)).await.1.contains("must be a JPEG, PNG or WebP"));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    send("cover", cover, png.clone(), "cover.png").await;
    let file = app
        .db
        .read_blocking(move |c| Ok(model::find_course(c, course.id)?.cover_path))
        .unwrap()
        .expect("a cover");
    let r = browser.get(&format!("/course-covers/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);

    // A hosted video instead: the lesson page embeds its player and allows only that frame.
    let second = course.lessons[1];
    let r = app
        .post_form(
            &format!("/admin/lessons/{second}"),
            &[
                ("title", "Lesson 2"),
                ("video_url", "https://youtu.be/dQw4w9WgXcQ"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = browser.get(&format!("/learn/lessons/{second}")).await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-src https://www.youtube-nocookie.com") && csp.contains("script-src 'self'"));
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""));
    let other = browser.get("/learn").await;
    assert!(!other.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("youtube"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_authoring_input_is_a_422_that_keeps_what_was_typed_and_reorder_works_in_place() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let r = app
        .post_form(
            "/admin/courses",
            &[
                ("title", ""),
                ("summary", "Kept summary"),
                ("pass_mark", "150"),
                ("validity_months", "12"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Give the course a title.") && html.contains("from 1 to 100") && html.contains("Kept summary")
    );
    assert_eq!(app.count("courses"), 0);

    let course = build_course(
        &app,
        &Spec {
            lessons: 3,
            ..Default::default()
        },
    )
    .await;
    let r = app
        .post_form(
            &format!("/admin/lessons/{}", course.lessons[0]),
            &[("title", "Lesson 1"), ("video_url", "https://evil.example/x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("YouTube or Vimeo"));
    let r = app
        .post_form(
            &format!("/admin/courses/{}/questions", course.id),
            &[("kind", "single"), ("prompt", "Typed prompt"), ("choice_1", "A")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("at least two choices") && html.contains("Typed prompt"));

    // A question never answered is edited in place; bad input is a 422 that keeps what was typed.
    let question = app
        .db
        .read_blocking(move |c| Ok(model::questions_of(c, course.id)?[0].id))
        .unwrap();
    let (s, html) = app.page(&format!("/admin/questions/{question}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("value=\"Right\"") && !html.contains("has been answered"));
    let r = app
        .post_form(
            &format!("/admin/questions/{question}"),
            &[
                ("kind", "multiple"),
                ("prompt", "Edited prompt"),
                ("choice_1", "Only one"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Edited prompt"));
    let before = app.count("questions");
    let r = app
        .post_form(
            &format!("/admin/questions/{question}"),
            &[
                ("kind", "multiple"),
                ("prompt", "Which are parts of Medicare?"),
                ("choice_1", "Part A"),
                ("correct_1", "on"),
                ("choice_2", "Part D"),
                ("correct_2", "on"),
                ("choice_3", "Part Z"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("questions"), before);
    assert_eq!(
        app.count(&format!("choices WHERE question_id = {question} AND correct")),
        2
    );

    // Reorder without script: 303 back to the page, in the new order.
    let order = |app: &TestApp| {
        let id = course.id;
        app.db
            .read_blocking(move |c| {
                Ok(model::lessons_of_course(c, id)?
                    .iter()
                    .map(|l| l.id)
                    .collect::<Vec<_>>())
            })
            .unwrap()
    };
    let (a, b, c) = (course.lessons[0], course.lessons[1], course.lessons[2]);
    let r = app
        .post_form(&format!("/admin/lessons/{c}/position"), &[("direction", "up")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(order(&app), vec![a, c, b]);
    // With script: the outline block comes back for the page to swap in.
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&format!("/admin/lessons/{a}/position")))
        .header("X-Partial", "1")
        .header("X-CSRF-Token", token)
        .form(&[("direction", "down")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.trim_start().starts_with("<div id=\"outline\"") && !html.contains("<html"));
    assert_eq!(order(&app), vec![c, a, b]);
    let r = app
        .post_form(&format!("/admin/lessons/{a}/position"), &[("direction", "sideways")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A quiz's settings can be changed later (and bad ones come back as a 422).
    let (s, html) = app.page(&format!("/admin/quizzes/{}", course.quiz)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("value=\"Final quiz\""));
    let r = app
        .post_form(
            &format!("/admin/quizzes/{}", course.quiz),
            &[("title", "Final quiz"), ("question_count", "99"), ("pass_mark", "70")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &format!("/admin/quizzes/{}", course.quiz),
            &[
                ("title", "Final exam"),
                ("question_count", "2"),
                ("pass_mark", "90"),
                ("max_attempts", "4"),
                ("time_limit_minutes", "30"),
                ("is_final", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let q = app
        .db
        .read_blocking(move |c| Ok(model::find_quiz(c, course.quiz)?))
        .unwrap();
    assert_eq!(
        (
            q.title.as_str(),
            q.question_count,
            q.pass_mark,
            q.max_attempts,
            q.time_limit_minutes
        ),
        ("Final exam", 2, 90, 4, Some(30))
    );
    // Modules can be renamed; an empty name is a 422.
    let module = app
        .db
        .read_blocking(move |c| Ok(model::modules_of(c, course.id)?[0].id))
        .unwrap();
    let r = app
        .post_form(&format!("/admin/modules/{module}"), &[("title", " ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(&format!("/admin/modules/{module}"), &[("title", "The basics")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .page(&format!("/admin/courses/{}", course.id))
        .await
        .1
        .contains("The basics"));
    // The owner previews the course as a learner.
    let (s, html) = app.page(&format!("/learn/courses/{}", course.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Preview"));
    let (s, html) = app.page(&format!("/learn/lessons/{a}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Preview as a learner"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certification_recorded_by_hand_leads_to_the_course_that_renews_it_once() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            title: "AHIP-style Medicare certification",
            cert_kind: "AHIP",
            ..Default::default()
        },
    )
    .await;
    let agent = app.create_user(Role::Agent, "Hana Sato");
    let agent_id = app.agent_id(&agent);
    let year = plan_year(today(), &app.settings.plan_year_rule).to_string();
    let (earned, expires) = (
        (today() - chrono::Duration::days(300)).to_string(),
        (today() + chrono::Duration::days(20)).to_string(),
    );
    let r = app
        .post_form(
            &format!("/admin/agents/{agent_id}/certifications"),
            &[
                ("kind", "ahip"),
                ("plan_year", &year),
                ("earned_on", &earned),
                ("expires_on", &expires),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let settings = app.settings.clone();
    let run = || {
        let s = settings.clone();
        app.db
            .write_blocking(move |c| agency_engine::courses::recert::run_daily(c, today(), &s))
            .unwrap()
    };
    let emails = app.email_jobs();
    assert_eq!(run(), 1);
    assert_eq!(run(), 0, "once");
    assert_eq!(app.email_jobs(), emails + 1);
    let e = app
        .db
        .read_blocking(move |c| Ok(model::current_enrollment(c, course.id, agent.id)?))
        .unwrap()
        .expect("enrolled in the AHIP course");
    assert_eq!(e.due_on.map(|d| d.to_string()), Some(expires));
    // The worker's daily run (expiry reminders and recertification in one job) completes.
    let worker_app = spawn_with(|_| {}).await;
    let daily = format!(
        "jobs WHERE kind = '{}' AND status = 'done'",
        <agency_engine::daily::DailyRun as agency_engine::jobs::Job>::KIND
    );
    crate::harness::eventually(10, || (worker_app.count(&daily) == 1).then_some(()))
        .await
        .expect("the daily run is scheduled and done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_three_courses_and_learners_at_every_stage() {
    let app = crate::harness::spawn_demo_with(|s| s.run_worker = false).await;
    if app.db.backend() == agency_engine::db::Backend::Postgres {
        // The seed leaves PostgreSQL with statistics of the loaded tables (-1: never analysed),
        // so the lead lists are planned for thousands of rows, not a guess.
        assert!(
            app.count("pg_class WHERE relname = 'leads' AND reltuples > 1000") == 1,
            "the lead table was not analysed after the seed"
        );
    }
    assert_eq!(app.count("courses WHERE published"), 3);
    assert!(app.count("questions") >= 15 && app.count("lessons") >= 8);
    for status in ["active", "completed"] {
        assert!(
            app.count(&format!("enrollments WHERE status = '{status}'")) > 0,
            "{status}"
        );
    }
    assert!(app.count("certificates") > 0 && app.count("quiz_attempts WHERE NOT passed") > 0);
    assert!(app.count("certifications WHERE source = 'course'") > 0);
    // Someone's yearly compliance certificate is due for renewal.
    let settings = app.settings.clone();
    let due = app
        .db
        .write_blocking(move |c| agency_engine::courses::recert::run_daily(c, today(), &settings))
        .unwrap();
    assert!(due > 0);

    let owner = app.new_client();
    assert_eq!(
        owner
            .login("owner@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (s, html) = owner.page("/admin/courses").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Medicare basics") && html.contains("Sunshine Health") && html.contains("Consent and calls"));
    let ids: Vec<i64> = app
        .db
        .read_blocking(|c| Ok(model::list_courses(c, false)?.iter().map(|c| c.id).collect()))
        .unwrap();
    for id in ids {
        let (s, html) = owner.page(&format!("/admin/courses/{id}/report")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("enrolled"));
        assert_eq!(owner.page(&format!("/admin/courses/{id}")).await.0, StatusCode::OK);
    }
    let (s, html) = owner.page("/admin/training").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Jordan Kim"));
    let trainee = app.new_client();
    trainee
        .login("trainee@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
        .await;
    let (s, html) = trainee.page("/learn").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Medicare basics") && html.contains("Continue where I left off"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lessons_reorder_in_place_in_a_real_browser() {
    use thirtyfour::prelude::*;
    let Some((driver_path, chrome)) = crate::browser::browser_tools() else {
        return;
    };
    let app = spawn_with(|s| s.run_worker = false).await;
    let owner = app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            lessons: 3,
            ..Default::default()
        },
    )
    .await;
    let (_driver, web, _profile) = crate::browser::start_browser(&driver_path, &chrome).await;
    // Read in one script call, so a swap in between cannot leave a stale element behind.
    let lesson_titles = |web: &WebDriver| {
        let web = web.clone();
        async move {
            let v = web
                .execute(
                    "return Array.from(document.querySelectorAll('#outline ol.lessons li > a')).map(a => a.textContent.trim());",
                    vec![],
                )
                .await?;
            Ok::<Vec<String>, WebDriverError>(serde_json::from_value(v.json().clone()).unwrap_or_default())
        }
    };
    let result = async {
        web.goto(app.url("/login")).await?;
        web.find(By::Id("email")).await?.send_keys(&owner.email).await?;
        web.find(By::Id("password"))
            .await?
            .send_keys(crate::harness::PASSWORD)
            .await?;
        web.find(By::Css("form[action='/login'] button[type=submit]"))
            .await?
            .click()
            .await?;
        for _ in 0..200 {
            if web.current_url().await?.path() == "/" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        web.goto(app.url(&format!("/admin/courses/{}", course.id))).await?;
        assert_eq!(lesson_titles(&web).await?, vec!["Lesson 1", "Lesson 2", "Lesson 3"]);
        web.execute("window.__pageMark = 'still-here';", vec![]).await?;
        let button = format!(
            "form[action='/admin/lessons/{}/position'] input[value=down] ~ button",
            course.lessons[0]
        );
        web.find(By::Css(&button)).await?.click().await?;
        let mut titles = Vec::new();
        for _ in 0..200 {
            titles = lesson_titles(&web).await?;
            if titles.first().map(String::as_str) == Some("Lesson 2") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(titles, vec!["Lesson 2", "Lesson 1", "Lesson 3"], "moved in place");
        let mark = web.execute("return window.__pageMark || null;", vec![]).await?;
        assert_eq!(mark.json(), &serde_json::json!("still-here"), "no full page load");
        // The swapped-in outline works too.
        web.find(By::Css(&button)).await?.click().await?;
        for _ in 0..200 {
            titles = lesson_titles(&web).await?;
            if titles.get(2).map(String::as_str) == Some("Lesson 1") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(titles, vec!["Lesson 2", "Lesson 3", "Lesson 1"]);
        Ok::<(), WebDriverError>(())
    }
    .await;
    let _ = web.quit().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_draw_one_attempt_only() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    let course = build_course(
        &app,
        &Spec {
            max_attempts: "1",
            ..Default::default()
        },
    )
    .await;
    let (browser, _) = learner(&app, Role::Agent, "Quick Clicker").await;
    browser
        .post_form(&format!("/learn/courses/{}/enrollment", course.id), &[])
        .await;
    let token = browser.csrf().await;
    let url = browser.url(&format!("/learn/quizzes/{}/attempts", course.quiz));
    let requests = (0..6).map(|_| browser.client.post(&url).form(&[("csrf_token", token.as_str())]).send());
    let answers = futures_util::future::join_all(requests).await;
    let mut places = BTreeSet::new();
    for r in answers {
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        places.insert(location(&r));
    }
    assert_eq!(places.len(), 1, "every click lands on the same attempt: {places:?}");
    assert_eq!(app.count("quiz_attempts"), 1);
}
