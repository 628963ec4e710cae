//! Teams: owners and admins create them, name a leader, and move agents between them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, AgentRow, TeamRow};
use super::service;
use crate::auth::model::UserRow;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::{non_empty, redirect_with, render_status, AppState};

#[derive(Template)]
#[template(path = "agents/teams.html")]
struct TeamsPage {
    ctx: PageCtx,
    teams: Vec<(TeamRow, i64)>,
    name: String,
    errors: FieldErrors,
}

async fn teams_page(
    ctx: PageCtx,
    state: &AppState,
    name: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let teams = state
        .db
        .read(|c| {
            let sizes = model::team_sizes(c)?;
            Ok(model::list_teams(c)?
                .into_iter()
                .map(|t| {
                    let n = sizes
                        .iter()
                        .find(|(id, _)| *id == Some(t.id))
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    (t, n)
                })
                .collect())
        })
        .await?;
    render_status(
        status,
        &TeamsPage {
            ctx,
            teams,
            name,
            errors,
        },
    )
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    teams_page(ctx, &state, String::new(), FieldErrors::new(), StatusCode::OK).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TeamForm {
    name: Option<String>,
    leader_agent_id: Option<String>,
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let name = form.name.clone().unwrap_or_default();
    let (actor, who) = (user.actor(), user.audit());
    let n = name.clone();
    match state.db.write(move |c| service::create_team(c, actor, &who, &n)).await {
        Ok(id) => Ok(redirect_with(
            &session,
            &format!("/admin/teams/{id}"),
            "success",
            "The team is created. Add its members and leader.",
        )),
        Err(AppError::Validation(errors)) => {
            teams_page(ctx, &state, name, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "agents/team.html")]
struct TeamPage {
    ctx: PageCtx,
    team: TeamRow,
    members: Vec<(AgentRow, UserRow)>,
    others: Vec<(AgentRow, UserRow)>,
    name: String,
    errors: FieldErrors,
}

impl TeamPage {
    fn is_leader(&self, agent_id: &i64) -> bool {
        self.team.leader_agent_id == Some(*agent_id)
    }
}

async fn team_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    name: Option<String>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (team, members, others) = state
        .db
        .read(move |c| {
            let team = model::find_team(c, id)?;
            let members = model::team_members(c, id)?;
            let filter = model::RosterFilter {
                status: Some("active".into()),
                ..Default::default()
            };
            let ids: Vec<i64> = model::roster_ids(c, &filter, model::RosterSort::Name)?;
            let others = model::agents_by_ids(c, &ids)?
                .into_iter()
                .filter(|(a, _)| a.team_id != Some(id))
                .collect();
            Ok((team, members, others))
        })
        .await?;
    let name = name.unwrap_or_else(|| team.name.clone());
    render_status(
        status,
        &TeamPage {
            ctx,
            team,
            members,
            others,
            name,
            errors,
        },
    )
}

pub async fn show(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    team_page(ctx, &state, path.into_inner(), None, FieldErrors::new(), StatusCode::OK).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let name = form.name.clone().unwrap_or_default();
    let leader = match non_empty(&form.leader_agent_id) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(l) => Some(l),
            Err(_) => return Err(AppError::field("leader_agent_id", "Choose an agent from the list.")),
        },
    };
    let (actor, who) = (user.actor(), user.audit());
    let n = name.clone();
    match state
        .db
        .write(move |c| service::update_team(c, actor, &who, id, &n, leader))
        .await
    {
        Ok(()) => Ok(redirect_with(
            &session,
            &format!("/admin/teams/{id}"),
            "success",
            "The team is saved.",
        )),
        Err(AppError::Validation(errors)) => {
            team_page(ctx, &state, id, Some(name), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MemberForm {
    agent_id: Option<String>,
}

pub async fn add_member(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let Some(agent_id) = non_empty(&form.agent_id).and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(redirect_with(
            &session,
            &format!("/admin/teams/{id}"),
            "error",
            "Choose an agent to add.",
        ));
    };
    let (actor, who) = (user.actor(), user.audit());
    let msg = state
        .db
        .write(move |c| service::add_member(c, actor, &who, id, agent_id))
        .await?;
    Ok(redirect_with(&session, &format!("/admin/teams/{id}"), "success", msg))
}

pub async fn remove_member(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, agent_id) = path.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::remove_member(c, actor, &who, id, agent_id))
        .await
    {
        Ok(msg) => Ok(redirect_with(&session, &format!("/admin/teams/{id}"), "success", msg)),
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, &format!("/admin/teams/{id}"), "error", msg)),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfirmForm {
    confirm: Option<String>,
}

pub async fn delete(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    if form.confirm.as_deref() != Some("yes") {
        return Ok(redirect_with(
            &session,
            &format!("/admin/teams/{id}"),
            "error",
            "Tick the confirmation box to delete the team.",
        ));
    }
    let (actor, who) = (user.actor(), user.audit());
    let msg = state
        .db
        .write(move |c| service::delete_team(c, actor, &who, id))
        .await?;
    Ok(redirect_with(&session, "/admin/teams", "success", msg))
}
