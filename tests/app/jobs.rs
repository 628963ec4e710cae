//! The job queue: retries with back-off, the admin page, restarts, and exclusive claims.

use std::collections::HashSet;
use std::time::Duration;

use agency_engine::auth::roles::Role;
use agency_engine::db::{now, Db};
use agency_engine::jobs::{self, model, EmailJob};
use reqwest::StatusCode;

use crate::harness::{eventually, spawn_on, spawn_with, TestDb};
use crate::smtp::SmtpServer;

fn job(db: &Db, id: i64) -> model::JobRow {
    db.read_blocking(move |c| Ok(model::find(c, id)?)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_e_mail_is_retried_later_and_shown_to_admins() {
    // Nothing listens on port 1: every delivery fails.
    let app = spawn_with(|s| s.smtp_url = Some("smtp://127.0.0.1:1".into())).await;
    app.login_as(Role::Owner).await;
    let email = EmailJob {
        to: "grace@agency.test".into(),
        subject: "Hello".into(),
        body: "Hi".into(),
    };
    let id = app.db.write_blocking(|c| Ok(jobs::enqueue_email(c, &email)?)).unwrap();
    app.state.jobs_wakeup.notify_one();
    let failed_once = eventually(10, || {
        Some(job(&app.db, id)).filter(|j| j.attempts == 1 && j.status == model::PENDING)
    })
    .await
    .expect("first attempt made");
    assert!(
        failed_once.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{:?}",
        failed_once.last_error
    );
    let wait = failed_once.run_at - now();
    assert!(
        wait > chrono::Duration::seconds(20) && wait <= chrono::Duration::seconds(30),
        "retried after the back-off, not at once: {wait}"
    );

    // A job that has used its attempts is failed for good, listed, and can be retried by hand.
    let last = app
        .db
        .write_blocking(|c| {
            Ok(model::insert(
                c,
                jobs::KIND_EMAIL,
                &serde_json::to_string(&email).unwrap(),
                now(),
                1,
            )?)
        })
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    eventually(10, || Some(job(&app.db, last)).filter(|j| j.status == model::FAILED))
        .await
        .expect("failed for good");
    let (status, html) = app.page("/admin/jobs?status=failed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<td>{last}</td>")) && html.contains("SMTP"));
    let before = job(&app.db, last).updated_at;
    let r = app.post_form(&format!("/admin/jobs/{last}/retry"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/admin/jobs").await;
    assert!(html.contains(&format!("Job {last} is queued again.")));
    // The worker takes it again at once (and, with SMTP still down, fails it again).
    eventually(10, || {
        Some(job(&app.db, last)).filter(|j| j.status == model::FAILED && j.updated_at > before)
    })
    .await
    .expect("ran again");
    assert!(app.audit_actions().contains(&"job.retried".to_string()));

    let (_, metrics) = app.page("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("jobs_pending ") && l != "jobs_pending 0"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_job_survives_a_restart() {
    let first = spawn_with(|s| s.run_worker = false).await;
    first.login_as(Role::Owner).await;
    let r = first
        .post_form(
            "/admin/users",
            &[
                ("name", "Sam Carter"),
                ("email", "sam@agency.test"),
                ("role", "trainee"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.email_jobs(), 1);
    let test_db: TestDb = first.stop().await;

    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let second = spawn_on(test_db, move |s| s.smtp_url = Some(url)).await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, vec!["sam@agency.test".to_string()]);
    eventually(10, || {
        let (rows, _) = second
            .db
            .read_blocking(|c| Ok(model::list(c, Some(model::DONE), 0, 10)?))
            .unwrap();
        rows.iter().any(|j| j.kind == jobs::KIND_EMAIL).then_some(())
    })
    .await
    .expect("marked done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_on_separate_connections_never_take_the_same_job() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let email = EmailJob {
        to: "x@agency.test".into(),
        subject: "s".into(),
        body: "b".into(),
    };
    let total = 120;
    app.db
        .write_blocking(|c| {
            for _ in 0..total {
                jobs::enqueue_email(c, &email)?;
            }
            Ok(())
        })
        .unwrap();
    // Four "servers", each with its own pool on the same database, claim as fast as they can.
    let url = app.settings.database_url.clone();
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let url = url.clone();
            std::thread::spawn(move || {
                let db = Db::connect(&url, 2).unwrap();
                let mut mine = Vec::new();
                loop {
                    let lease = now() + chrono::Duration::minutes(5);
                    let worker = format!("worker-{n}");
                    match db
                        .write_blocking(|c| Ok(model::claim_next(c, &worker, lease)?))
                        .unwrap()
                    {
                        Some(j) => mine.push(j.id),
                        None => break,
                    }
                }
                mine
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let mut count = 0;
    for h in handles {
        for id in h.join().unwrap() {
            count += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(count, total);
    // A job whose lease ran out (its server died) is claimed again; a live lease is not.
    let id = *seen.iter().next().unwrap();
    let db = app.db.clone();
    assert!(db
        .write_blocking(|c| Ok(model::claim_next(c, "late", now())?))
        .unwrap()
        .is_none());
    db.write_blocking(move |c| {
        use agency_engine::db::schema::jobs::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::jobs.find(id))
            .set(dsl::locked_until.eq(Some(now() - chrono::Duration::seconds(1))))
            .execute(c)?;
        Ok(())
    })
    .unwrap();
    let again = db
        .write_blocking(|c| Ok(model::claim_next(c, "rescuer", now() + chrono::Duration::minutes(5))?))
        .unwrap();
    assert_eq!(again.map(|j| (j.id, j.attempts)), Some((id, 2)));
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Inserts a job row exactly as the code before the job registry wrote it: the kind and the
/// payload are literal text here, not built from today's types.
fn old_row(db: &Db, kind: &'static str, payload: String, max_attempts: i32) -> i64 {
    db.write_blocking(move |c| Ok(model::insert(c, kind, &payload, now(), max_attempts)?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queued_before_the_job_registry_still_run() {
    use crate::receiver::Receiver;
    use crate::routing::{lead, post, ready_agent, round_robin, token};

    // Before the upgrade: an offer waiting for its deadline, an accepted lead waiting for its
    // first-contact check, an import waiting to run, a book import too, a webhook delivery, a
    // licence about to expire.
    let receiver = Receiver::start(0).await;
    let first = spawn_with(|s| {
        s.run_worker = false;
        crate::harness::loopback_webhooks(s);
    })
    .await;
    let owner = first.login_as(Role::Owner).await;
    round_robin(&first, None);
    let (ann, ann_id) = ready_agent(&first, "Ann Able");
    let t = token(&first);
    let timed_out = post(&first, &t, &lead(1, "33101")).await["id"].as_i64().unwrap();
    let contacted_late = post(&first, &t, &lead(2, "33101")).await["id"].as_i64().unwrap();
    let offers = |app: &crate::harness::TestApp, id: i64| {
        app.db
            .read_blocking(move |c| Ok(agency_engine::routing::offers::offers_of_lead(c, id)?))
            .unwrap()
    };
    let offer = offers(&first, timed_out).remove(0);
    let accepted = offers(&first, contacted_late).remove(0);
    let ann_browser = first.new_client();
    ann_browser.login(&ann.email, &ann.password).await;
    let r = ann_browser
        .post_form(&format!("/offers/{}/acceptance", accepted.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = first
        .upload_lead_csv(
            "old.csv",
            b"first_name,last_name,email,zip\nOld,Queue,old.queue@example.com,33101\n".to_vec(),
        )
        .await
        .text()
        .await
        .unwrap();
    let import_id = first
        .start_lead_import(
            &crate::harness::input_value(&html, "upload"),
            "old.csv",
            &["first_name", "last_name", "email", "zip"],
        )
        .await;
    // A book-of-business import waiting to run (its one row names a carrier the agency lacks).
    let book_id = {
        let dir = first.settings.data_dir.join("imports");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("policies-00000000000000000000000000000015.csv");
        let csv = "Name,State,Carrier,Product,Policy,Agent,Effective,Premium,Mode\n\
                   Old Book,FL,No Such Carrier,Term,OB-1,nobody@example.com,2026-01-01,10.00,Monthly\n";
        std::fs::write(&path, csv).unwrap();
        let mapping = r#"{"columns":["full_name","state","carrier","product","policy_number","agent","effective_on","premium","billing_frequency"]}"#;
        let (path, size, by) = (path.display().to_string(), csv.len() as i64, owner.id);
        first
            .db
            .write_blocking(move |c| {
                Ok(agency_engine::policies::model::book::insert_import(
                    c,
                    by,
                    "old-book.csv",
                    &path,
                    mapping,
                    size,
                )?)
            })
            .unwrap()
    };
    let (url, owner_id) = (receiver.url(), owner.id);
    let delivery_id = first
        .db
        .write_blocking(move |c| {
            use agency_engine::leads::model as leads;
            let endpoint = leads::webhooks::insert_endpoint(c, &url, "old-secret", "lead.created", owner_id)?;
            Ok(leads::webhooks::insert_delivery(
                c,
                endpoint,
                "lead.created",
                (None, None),
                r#"{"queued":"before the upgrade"}"#,
            )?)
        })
        .unwrap();
    let today = now().date();
    first
        .db
        .write_blocking(move |c| {
            let licence = agency_engine::agents::service::ParsedLicence {
                state: "GA",
                number: "GA-OLD-1".into(),
                resident: false,
                lines: vec![agency_engine::agents::readiness::LineOfAuthority::Health],
                issued_on: today - chrono::Duration::days(700),
                expires_on: today + chrono::Duration::days(30),
            };
            let owner = agency_engine::auth::roles::Actor {
                id: 0,
                role: Role::Owner,
            };
            let who = agency_engine::audit::AuditActor::system("test");
            agency_engine::agents::service::add_licence(c, owner, &who, ann_id, &licence)?;
            Ok(())
        })
        .unwrap();

    // The queue as the old code left it: every row rewritten by hand in the old JSON, and today's
    // daily run already claimed, so only the old row can send the reminder.
    first
        .db
        .write_blocking(move |c| {
            diesel::RunQueryDsl::execute(diesel::sql_query("DELETE FROM jobs"), c)?;
            agency_engine::agents::model::claim_reminder(c, &format!("daily:{today}"))?;
            Ok(())
        })
        .unwrap();
    let db = first.db.clone();
    let rows = [
        old_row(
            &db,
            "email",
            r#"{"body":"Queued before the upgrade.","subject":"An old e-mail","to":"old@agency.test"}"#.into(),
            6,
        ),
        old_row(&db, "offer.timeout", format!(r#"{{"offer_id":{}}}"#, offer.id), 3),
        old_row(
            &db,
            "lead.escalate",
            format!(r#"{{"agent_id":{ann_id},"lead_id":{contacted_late}}}"#),
            3,
        ),
        old_row(&db, "leads.import", format!(r#"{{"import_id":{import_id}}}"#), 3),
        old_row(&db, "policies.import", format!(r#"{{"import_id":{book_id}}}"#), 3),
        old_row(&db, "webhook", format!(r#"{{"delivery_id":{delivery_id}}}"#), 8),
        old_row(&db, "reminders.daily", format!(r#"{{"date":"{today}"}}"#), 3),
    ];
    let unknown = old_row(&db, "no.such.kind", "{}".into(), 1);
    let test_db: TestDb = first.stop().await;

    // After the upgrade, the worker runs each of them.
    let smtp = SmtpServer::start().await;
    let smtp_url = smtp.url();
    let second = spawn_on(test_db, move |s| {
        s.smtp_url = Some(smtp_url);
        crate::harness::loopback_webhooks(s);
    })
    .await;
    for id in rows {
        let row = eventually(20, || {
            Some(job(&second.db, id)).filter(|j| j.status != model::PENDING && j.status != model::RUNNING)
        })
        .await
        .expect("the old job ran");
        assert_eq!(row.status, model::DONE, "{} {:?}", row.kind, row.last_error);
    }
    let failed = eventually(10, || {
        Some(job(&second.db, unknown)).filter(|j| j.status == model::FAILED)
    })
    .await
    .expect("an unknown kind fails");
    assert_eq!(
        failed.last_error.as_deref(),
        Some("no handler for job kind \"no.such.kind\"")
    );

    // What people notice: the e-mail (with the agency's signature), the offer timed out, the
    // escalation e-mail to the owner, the imported lead, the webhook, the licence reminder.
    let (owner_email, ann_email) = (owner.email.clone(), ann.email.clone());
    let mail = eventually(20, || {
        let mail = smtp.received();
        let to = |address: &str, subject: &str| {
            mail.iter()
                .any(|m| m.to == vec![address.to_string()] && m.subject().starts_with(subject))
        };
        (to("old@agency.test", "An old e-mail")
            && to(&owner_email, "Lead not contacted")
            && to(&ann_email, "Your GA licence expires"))
        .then_some(mail)
    })
    .await
    .expect("the old e-mail, the escalation and the reminder go out");
    let old: Vec<_> = mail
        .iter()
        .filter(|m| m.to == vec!["old@agency.test".to_string()])
        .collect();
    assert_eq!(old.len(), 1);
    assert!(old[0].body().contains("Queued before the upgrade.") && old[0].body().contains("-- "));
    assert!(offers(&second, timed_out)
        .iter()
        .any(|o| o.id == offer.id && o.status == "expired"));
    let (l, _) = second
        .db
        .read_blocking(move |c| Ok(agency_engine::leads::model::find_lead(c, contacted_late)?))
        .unwrap();
    assert!(l.escalated_at.is_some());
    assert_eq!(second.finished_import(import_id, 20).await.status, "done");
    let book = second
        .db
        .read_blocking(move |c| Ok(agency_engine::policies::model::book::find_import(c, book_id)?))
        .unwrap();
    assert_eq!((book.status.as_str(), book.rejected_count), ("done", 1));
    let delivered = eventually(10, || {
        receiver
            .requests()
            .into_iter()
            .find(|r| r.body == r#"{"queued":"before the upgrade"}"#)
    })
    .await;
    assert!(delivered.is_some(), "the old delivery reached the endpoint");
}
