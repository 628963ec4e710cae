//! The job queue's admin page: what is queued, running, done and failed, and a retry for a failed
//! job (audited). The queue itself is `crate::jobs`, which knows nothing of pages or users.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::audit;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::jobs::model::{self, JobRow};
use crate::web::context::{is_partial, PageCtx};
use crate::web::pagination::{Page, Pager};
use crate::web::{non_empty, redirect_with, render, AppState};

#[derive(Debug, serde::Deserialize)]
pub struct JobsQuery {
    status: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "jobs/index.html", blocks = ["results"])]
struct JobsPage {
    ctx: PageCtx,
    status: String,
    statuses: [&'static str; 4],
    counts: Vec<(String, i64)>,
    rows: Vec<JobRow>,
    pager: Pager,
}

impl JobsPage {
    fn count(&self, status: &str) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn is_status(&self, s: &str) -> bool {
        self.status == s
    }

    fn page_url(&self, n: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !self.status.is_empty() {
            s.append_pair("status", &self.status);
        }
        s.append_pair("page", &n.to_string());
        format!("/admin/jobs?{}", s.finish())
    }
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<JobsQuery>,
) -> AppResult<HttpResponse> {
    let status = non_empty(&query.status)
        .filter(|s| model::STATUSES.contains(s))
        .map(str::to_string);
    let page = Page::from_query(query.page.as_deref(), Page::DEFAULT_PER_PAGE);
    let s = status.clone();
    let (rows, total, counts) = state
        .db
        .read(move |c| {
            let (rows, total) = model::list(c, s.as_deref(), page.offset(), page.per_page)?;
            Ok((rows, total, model::count_by_status(c)?))
        })
        .await?;
    let view = JobsPage {
        ctx,
        status: status.unwrap_or_default(),
        statuses: model::STATUSES,
        counts,
        rows,
        pager: Pager::new(page, total),
    };
    if is_partial(&req) {
        return render(&view.as_results());
    }
    render(&view)
}

pub async fn retry(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String,)>,
) -> AppResult<HttpResponse> {
    let id: i64 = path.into_inner().0.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.audit();
    let changed = state
        .db
        .write(move |c| {
            let job = model::find(c, id)?;
            let n = model::retry(c, id)?;
            if n == 1 {
                audit::record(
                    c,
                    &actor,
                    "job.retried",
                    "job",
                    Some(id),
                    &format!("{} job, {} attempts used", job.kind, job.attempts),
                )?;
            }
            Ok(n == 1)
        })
        .await?;
    if changed {
        state.jobs_wakeup.notify_one();
        Ok(redirect_with(
            &session,
            "/admin/jobs",
            "success",
            format!("Job {id} is queued again."),
        ))
    } else {
        Ok(redirect_with(
            &session,
            "/admin/jobs",
            "error",
            format!("Job {id} has not failed, so there is nothing to retry."),
        ))
    }
}
