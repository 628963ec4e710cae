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
