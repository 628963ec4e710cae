//! The home page: first-run set-up, sign-in, or each role's start page.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::agents::view::AgentView;
use crate::audit::model::{self as audit_model, AuditFilter, AuditRow};
use crate::auth::model as users;
use crate::error::AppResult;
use crate::jobs::model as jobs;
use crate::leads::model::{ContactRow, LeadRow};
use crate::routing::offers::OfferRow;
use crate::web::context::PageCtx;
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
    /// For agents and trainees: their own profile, licences and warnings.
    agent: Option<AgentView>,
    leads_team: Option<String>,
    /// For staff: what expires across the agency in the next 30 days.
    expiring_soon: i64,
    /// For agents: their open leads by status, and follow-ups due by the end of today.
    lead_counts: Vec<(String, i64)>,
    due_tasks: i64,
    /// For agents: the leads offered to them now, first on the page.
    offers: Vec<(OfferRow, LeadRow, ContactRow)>,
    /// For agents and trainees: the courses they have still to finish, overdue first.
    training: Vec<crate::courses::view::EnrollmentView>,
}

impl HomePage {
    fn role_count(&self, role: &str) -> i64 {
        self.role_counts
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn lead_count(&self, status: &str) -> i64 {
        self.lead_counts
            .iter()
            .find(|(s, _)| s == status)
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

/// The courses a person has still to finish: overdue first, then by due date.
fn open_training(
    c: &mut crate::db::DbConnection,
    user_id: i64,
    today: chrono::NaiveDate,
) -> Result<Vec<crate::courses::view::EnrollmentView>, crate::error::AppError> {
    let rows = crate::courses::model::enrollments_of_user(c, user_id)?;
    let mut open: Vec<_> = crate::courses::view::enrollments(c, rows, today)?
        .into_iter()
        .filter(|e| !e.is_completed())
        .collect();
    open.sort_by_key(|e| (!e.is_overdue(), e.enrollment.due_on.is_none(), e.enrollment.due_on));
    Ok(open)
}

async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(user) = ctx.user.clone() else {
        let any = state.db.read(|c| Ok(users::count_users(c)?)).await? > 0;
        return Ok(see_other(if any { "/login" } else { "/setup" }));
    };
    // A broker's home page is their network portal.
    if user.role == crate::auth::roles::Role::Broker {
        return crate::network::pages::portal_page(ctx, &state, user).await;
    }
    let today = crate::db::now().date();
    let rule = state.settings.plan_year_rule;
    let mut page = HomePage {
        ctx,
        role_counts: Vec::new(),
        job_counts: Vec::new(),
        recent: Vec::new(),
        agent: None,
        leads_team: None,
        expiring_soon: 0,
        lead_counts: Vec::new(),
        due_tasks: 0,
        offers: Vec::new(),
        training: Vec::new(),
    };
    if user.role.is_staff() {
        let (roles, jobs, recent, expiring) = state
            .db
            .read(move |c| {
                let (recent, _) = audit_model::list(c, &AuditFilter::default(), None, 10)?;
                let soon = today + chrono::Duration::days(30);
                let expiring = crate::agents::model::licences_expiring(c, today, soon)?.len()
                    + crate::agents::model::certifications_expiring(c, today, soon)?.len();
                Ok((
                    users::count_by_role(c)?,
                    jobs::count_by_status(c)?,
                    recent,
                    expiring as i64,
                ))
            })
            .await?;
        (page.role_counts, page.job_counts, page.recent, page.expiring_soon) = (roles, jobs, recent, expiring);
    } else if crate::agents::service::is_agent_role(user.role) {
        let (id, name) = (user.id, user.name.clone());
        let agent_id = state
            .db
            .write(move |c| crate::agents::service::ensure_profile(c, id, &name))
            .await?;
        // The same window as the tasks page the count links to.
        let end_of_day = crate::leads::view::end_of_local_day(user.time_zone);
        let uid = user.id;
        let (view, team, counts, due, offers, training) = state
            .db
            .read(move |c| {
                let v = crate::agents::view::one(c, agent_id, today, &rule)?;
                let open: Vec<&str> = crate::leads::pipeline::LeadStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str())
                    .collect();
                let counts = crate::leads::model::open_counts(c, &[agent_id], &open)?;
                let due = crate::leads::model::open_task_count(c, uid, end_of_day)?;
                Ok((
                    v,
                    crate::agents::model::team_led_by(c, agent_id)?.map(|t| t.name),
                    counts,
                    due,
                    crate::routing::offers::pending_for(c, agent_id)?,
                    open_training(c, uid, today)?,
                ))
            })
            .await?;
        page.agent = Some(view);
        page.leads_team = team;
        page.lead_counts = counts;
        page.due_tasks = due;
        page.offers = offers;
        page.training = training;
    }
    render(&page)
}
