//! Owner pages about training: a course's numbers (enrolled, in progress, completed, overdue,
//! average score, pass rate per question), the training overview of every learner, one person's
//! training record, and CSV exports of both.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::handlers::today;
use super::model;
use super::progress;
use super::view::{self, CourseReport, TrainingRecord};
use crate::error::AppResult;
use crate::web::context::PageCtx;
use crate::web::pagination::{Page, Pager};
use crate::web::{render, AppState};

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "courses/report.html")]
struct ReportPage {
    ctx: PageCtx,
    r: CourseReport,
    pager: Pager,
}

impl ReportPage {
    fn average(&self) -> String {
        self.r
            .stats
            .average_score
            .map(|s| format!("{s}%"))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn course(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let mut r = state.db.read(move |c| view::course_report(c, id, today())).await?;
    // The numbers cover everyone; the table shows one page of learners.
    let page = Page::from_query(query.page.as_deref(), 50);
    let pager = Pager::new(page, r.learners.len() as i64);
    r.learners = r
        .learners
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
        .collect();
    render(&ReportPage { ctx, r, pager })
}

pub async fn course_csv(state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let r = state.db.read(move |c| view::course_report(c, id, today())).await?;
    let mut rows = vec![[
        "name",
        "email",
        "status",
        "progress_percent",
        "due_on",
        "overdue",
        "best_score",
        "completed_at",
        "cycle",
    ]
    .map(String::from)
    .to_vec()];
    for (e, u) in &r.learners {
        rows.push(vec![
            u.name.clone(),
            u.email.clone(),
            e.status_label().to_string(),
            e.progress.percent.to_string(),
            date(e.enrollment.due_on),
            if e.is_overdue() { "yes" } else { "no" }.into(),
            e.best_score.map(|s| s.to_string()).unwrap_or_default(),
            e.enrollment
                .completed_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            e.enrollment.cycle.to_string(),
        ]);
    }
    rows.push(vec![]);
    rows.push(
        ["question_id", "question", "answered", "correct", "pass_rate_percent"]
            .map(String::from)
            .to_vec(),
    );
    for q in &r.questions {
        rows.push(vec![
            q.id.to_string(),
            q.prompt.clone(),
            q.answered.to_string(),
            q.correct.to_string(),
            q.pass_rate().map(|p| p.to_string()).unwrap_or_default(),
        ]);
    }
    Ok(crate::web::csv_download(&format!("course-{id}-report.csv"), rows))
}

/// A learner's line on the overview.
pub struct LearnerLine {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub assigned: usize,
    pub completed: usize,
    pub overdue: usize,
}

#[derive(Template)]
#[template(path = "courses/people.html")]
struct PeoplePage {
    ctx: PageCtx,
    lines: Vec<LearnerLine>,
    pager: Pager,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn people(ctx: PageCtx, state: web::Data<AppState>, query: web::Query<PageQuery>) -> AppResult<HttpResponse> {
    let page = Page::from_query(query.page.as_deref(), 50);
    let today = today();
    let (lines, total) = state
        .db
        .read(move |c| {
            let all = model::learners(c, None)?;
            let mut tally: HashMap<i64, (usize, usize, usize)> = HashMap::new();
            for (uid, status, due) in model::enrollment_summaries(c)? {
                let t = tally.entry(uid).or_default();
                t.0 += 1;
                let done = status == model::COMPLETED;
                if done {
                    t.1 += 1;
                }
                if progress::due_state(due, done, today).is_overdue() {
                    t.2 += 1;
                }
            }
            let total = all.len() as i64;
            let lines = all
                .into_iter()
                .skip(page.offset() as usize)
                .take(page.per_page as usize)
                .map(|(user_id, name, email)| {
                    let (assigned, completed, overdue) = tally.get(&user_id).copied().unwrap_or_default();
                    LearnerLine {
                        user_id,
                        name,
                        email,
                        assigned,
                        completed,
                        overdue,
                    }
                })
                .collect();
            Ok((lines, total))
        })
        .await?;
    render(&PeoplePage {
        ctx,
        lines,
        pager: Pager::new(page, total),
    })
}

#[derive(Template)]
#[template(path = "courses/person.html")]
struct PersonPage {
    ctx: PageCtx,
    r: TrainingRecord,
}

pub async fn person(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let r = state.db.read(move |c| view::training_record(c, id, today())).await?;
    render(&PersonPage { ctx, r })
}

pub async fn person_csv(state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let r = state.db.read(move |c| view::training_record(c, id, today())).await?;
    let mut rows = vec![[
        "course",
        "cycle",
        "status",
        "progress_percent",
        "due_on",
        "best_score",
        "certificate_code",
        "issued_on",
        "expires_on",
    ]
    .map(String::from)
    .to_vec()];
    for e in &r.enrollments {
        let cert = r.certificates.iter().find(|c| c.enrollment_id == e.enrollment.id);
        rows.push(vec![
            e.course.title.clone(),
            e.enrollment.cycle.to_string(),
            e.status_label().to_string(),
            e.progress.percent.to_string(),
            date(e.enrollment.due_on),
            e.best_score.map(|s| s.to_string()).unwrap_or_default(),
            cert.map(|c| c.code.clone()).unwrap_or_default(),
            cert.map(|c| c.issued_on.to_string()).unwrap_or_default(),
            date(cert.and_then(|c| c.expires_on)),
        ]);
    }
    Ok(crate::web::csv_download(&format!("training-record-{id}.csv"), rows))
}
