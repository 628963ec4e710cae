//! Owner and admin pages: the roster, invite, and the staff side of an agent's record (its forms
//! are shared with the agent's own pages in `forms.rs`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::forms::{self, today, CredentialForms, Whose};
use super::model::{self, RosterFilter, RosterSort, TeamRow};
use super::service::{self, CertificationForm, LicenceForm, NewAgentForm, ProfileForm};
use super::view::{self, AgentView};
use crate::auth::CurrentUser;
use crate::domain;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{is_partial, PageCtx};
use crate::web::pagination::{Page, Pager};
use crate::web::{non_empty, redirect_with, render, render_status, AppState};

// ---- the roster -----------------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct RosterQuery {
    q: Option<String>,
    status: Option<String>,
    team: Option<String>,
    state: Option<String>,
    readiness: Option<String>,
    expiring: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "agents/index.html", blocks = ["results"])]
struct RosterPage {
    ctx: PageCtx,
    q: String,
    status: String,
    team: String,
    state: String,
    readiness: String,
    expiring: String,
    sort: RosterSort,
    teams: Vec<TeamRow>,
    states: &'static [(&'static str, &'static str)],
    rows: Vec<AgentView>,
    pager: Pager,
    today: NaiveDate,
}

impl RosterPage {
    fn url_with(&self, page: i64, sort: &str) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("team", &self.team),
            ("state", &self.state),
            ("readiness", &self.readiness),
            ("expiring", &self.expiring),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if sort != "name" {
            s.append_pair("sort", sort);
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/admin/agents".into()
        } else {
            format!("/admin/agents?{qs}")
        }
    }

    fn page_url(&self, page: i64) -> String {
        self.url_with(page, self.sort.key())
    }

    /// The header link that sorts by `key`, flipping the direction for names.
    fn sort_url(&self, key: &str) -> String {
        let next = if key == "name" && self.sort == RosterSort::Name {
            "-name"
        } else {
            key
        };
        self.url_with(1, next)
    }

    fn sort_state(&self, key: &str) -> &'static str {
        match (key, self.sort) {
            ("name", RosterSort::Name) => "ascending",
            ("name", RosterSort::NameDesc) => "descending",
            ("npn", RosterSort::Npn) => "ascending",
            ("newest", RosterSort::Newest) => "descending",
            _ => "none",
        }
    }

    fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "status" => self.status == value,
            "team" => self.team == value,
            "state" => self.state == value,
            "readiness" => self.readiness == value,
            "expiring" => self.expiring == value,
            _ => false,
        }
    }

    fn filtered(&self) -> bool {
        [
            &self.q,
            &self.status,
            &self.team,
            &self.state,
            &self.readiness,
            &self.expiring,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<RosterQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let today = today();
    let status = non_empty(&q.status)
        .filter(|s| ["active", "deactivated", "accepting", "paused"].contains(s))
        .map(str::to_string);
    let team_id = non_empty(&q.team).and_then(|t| t.parse::<i64>().ok());
    let licence_state = non_empty(&q.state).and_then(|s| domain::parse_state(s).ok());
    let readiness = non_empty(&q.readiness)
        .filter(|r| ["ready", "not_ready"].contains(r))
        .map(str::to_string);
    let expiring = non_empty(&q.expiring)
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| [30, 60, 90].contains(d));
    let sort = RosterSort::parse(non_empty(&q.sort));
    let filter = RosterFilter {
        q: non_empty(&q.q).map(|s| s.chars().take(100).collect()),
        status: status.clone(),
        team_id,
        licence_state: licence_state.map(str::to_string),
        expiring_by: expiring.map(|d| today + chrono::Duration::days(d)),
        today: Some(today),
    };
    let page = Page::from_query(q.page.as_deref(), Page::DEFAULT_PER_PAGE);
    let rule = state.settings.plan_year_rule;
    let wanted = readiness.clone();
    let (rows, total, teams) = state
        .db
        .read(move |c| {
            let ids = model::roster_ids(c, &filter, sort)?;
            let teams = model::list_teams(c)?;
            let (page_ids, total) = match wanted.as_deref() {
                // Readiness is the rule's to answer, so that filter runs here, over the matches.
                Some(want) => {
                    let rows = model::agents_by_ids(c, &ids)?;
                    let all = view::build(c, rows, today, &rule)?;
                    let keep: Vec<i64> = all
                        .iter()
                        .filter(|v| v.is_medicare_ready() == (want == "ready"))
                        .map(|v| v.agent.id)
                        .collect();
                    let total = keep.len() as i64;
                    (
                        keep.into_iter()
                            .skip(page.offset() as usize)
                            .take(page.per_page as usize)
                            .collect::<Vec<_>>(),
                        total,
                    )
                }
                None => {
                    let total = ids.len() as i64;
                    (
                        ids.into_iter()
                            .skip(page.offset() as usize)
                            .take(page.per_page as usize)
                            .collect(),
                        total,
                    )
                }
            };
            let rows = model::agents_by_ids(c, &page_ids)?;
            let rows = view::build(c, rows, today, &rule)?;
            Ok((rows, total, teams))
        })
        .await?;
    let view = RosterPage {
        ctx,
        q: non_empty(&q.q).unwrap_or("").to_string(),
        status: status.unwrap_or_default(),
        team: team_id.map(|t| t.to_string()).unwrap_or_default(),
        state: licence_state.unwrap_or("").to_string(),
        readiness: readiness.unwrap_or_default(),
        expiring: expiring.map(|d| d.to_string()).unwrap_or_default(),
        sort,
        teams,
        states: domain::STATES,
        rows,
        pager: Pager::new(page, total),
        today,
    };
    if is_partial(&req) {
        return render(&view.as_results());
    }
    render(&view)
}

// ---- one agent ------------------------------------------------------------------------------

pub async fn show(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let whose = Whose::Staff(path.into_inner());
    forms::credentials_page(ctx, &state, whose, CredentialForms::default(), StatusCode::OK).await
}

// ---- invite ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "agents/new.html")]
struct NewAgentPage {
    ctx: PageCtx,
    form: NewAgentForm,
    teams: Vec<TeamRow>,
    errors: FieldErrors,
}

impl NewAgentPage {
    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

pub async fn new_form(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let teams = state.db.read(|c| Ok(model::list_teams(c)?)).await?;
    render(&NewAgentPage {
        ctx,
        form: NewAgentForm {
            role: Some("agent".into()),
            ..Default::default()
        },
        teams,
        errors: FieldErrors::new(),
    })
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<NewAgentForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (actor, who, inviter) = (user.actor(), user.audit(), user.name.clone());
    let settings = state.settings.clone();
    let f = form.clone();
    match state
        .db
        .write(move |c| service::invite_agent(c, actor, &who, &inviter, &f, &settings))
        .await
    {
        Ok(id) => {
            state.jobs_wakeup.notify_one();
            let email = form.email.unwrap_or_default();
            Ok(redirect_with(
                &session,
                &format!("/admin/agents/{id}"),
                "success",
                format!("Invitation sent to {email}. Add their licences below."),
            ))
        }
        Err(AppError::Validation(errors)) => {
            let teams = state.db.read(|c| Ok(model::list_teams(c)?)).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewAgentPage {
                    ctx,
                    form,
                    teams,
                    errors,
                },
            )
        }
        Err(e) => Err(e),
    }
}

// ---- edit -----------------------------------------------------------------------------------

pub async fn edit_form(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    forms::profile_form(ctx, &state, Whose::Staff(path.into_inner())).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let whose = Whose::Staff(path.into_inner());
    forms::profile_saved(ctx, user, session, &state, whose, form.into_inner()).await
}

pub async fn upload_photo(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    forms::photo_uploaded(user, session, state, Whose::Staff(path.into_inner()), payload).await
}

// ---- licences and certifications ------------------------------------------------------------

pub async fn add_licence(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<LicenceForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    forms::licence_added(ctx, user, session, &state, Whose::Staff(id), form.into_inner()).await
}

pub async fn add_certification(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CertificationForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    forms::certification_added(ctx, user, session, &state, Whose::Staff(id), form.into_inner()).await
}

pub async fn remove_licence(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, licence_id) = path.into_inner();
    forms::licence_removed(user, session, &state, Whose::Staff(id), licence_id).await
}

pub async fn remove_certification(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, cert_id) = path.into_inner();
    forms::certification_removed(user, session, &state, Whose::Staff(id), cert_id).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TeamChoice {
    team_id: Option<String>,
}

/// Moves the agent to a team, or off any team.
pub async fn set_team(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TeamChoice>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let team = non_empty(&form.team_id)
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| AppError::field("team_id", "Choose a team from the list."))
        })
        .transpose()?;
    let (actor, who) = (user.actor(), user.audit());
    let result = state
        .db
        .write(move |c| match team {
            Some(t) => service::add_member(c, actor, &who, t, id),
            None => {
                let (agent, _) = model::find_agent(c, id)?;
                match agent.team_id {
                    Some(old) => service::remove_member(c, actor, &who, old, id),
                    None => Ok("The agent is on no team.".to_string()),
                }
            }
        })
        .await;
    match result {
        Ok(msg) => Ok(redirect_with(&session, &format!("/admin/agents/{id}"), "success", msg)),
        Err(AppError::NotFound) if team.is_some() => Err(AppError::field("team_id", "Choose a team from the list.")),
        Err(e) => Err(e),
    }
}
