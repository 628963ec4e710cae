//! The home page: first-run set-up, sign-in, or each role's start page.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::audit::model::{self as audit_model, AuditFilter, AuditRow};
use crate::auth::model as users;
use crate::jobs::model as jobs;
use crate::web::context::PageCtx;
use crate::web::errors::AppResult;
use crate::web::routes::{Access, Routes};
use crate::web::{render, see_other, AppState};

pub fn routes(r: &mut Routes) {
    r.get("/", Access::Public, index);
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    role_counts: Vec<(String, i64)>,
    job_counts: Vec<(String, i64)>,
    recent: Vec<AuditRow>,
}

impl HomePage {
    fn role_count(&self, role: &str) -> i64 {
        self.role_counts
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn job_count(&self, status: &str) -> i64 {
        self.job_counts
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(user) = ctx.user.clone() else {
        let any = state.db.read(|c| Ok(users::count_users(c)?)).await? > 0;
        return Ok(see_other(if any { "/login" } else { "/setup" }));
    };
    let (role_counts, job_counts, recent) = if user.role.is_staff() {
        state
            .db
            .read(|c| {
                let (recent, _) = audit_model::list(c, &AuditFilter::default(), None, 10)?;
                Ok((users::count_by_role(c)?, jobs::count_by_status(c)?, recent))
            })
            .await?
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    render(&HomePage {
        ctx,
        role_counts,
        job_counts,
        recent,
    })
}
