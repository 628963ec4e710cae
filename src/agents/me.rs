//! The agent's own pages: profile, licences and certifications (the forms shared with the staff
//! pages, in `forms.rs`, on the agent's own record), accepting leads, and a team leader's roster.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::forms::{self, today, CredentialForms, Whose};
use super::model::{self, TeamRow};
use super::service::{self, CertificationForm, LicenceForm, ProfileForm};
use super::view::{self, AgentView};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, AppState};

/// The signed-in agent's profile id (made on first visit).
pub async fn my_agent_id(state: &AppState, user: &CurrentUser) -> AppResult<i64> {
    let (id, name) = (user.id, user.name.clone());
    state.db.write(move |c| service::ensure_profile(c, id, &name)).await
}

pub async fn profile(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::profile_form(ctx, &state, Whose::Mine(id)).await
}

pub async fn update_profile(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::profile_saved(ctx, user, session, &state, Whose::Mine(id), form.into_inner()).await
}

pub async fn upload_photo(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::photo_uploaded(user, session, state, Whose::Mine(id), payload).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AcceptingForm {
    accepting: Option<String>,
}

pub async fn set_accepting(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AcceptingForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let accepting = form.accepting.as_deref() == Some("yes");
    let (actor, who) = (user.actor(), user.audit());
    state
        .db
        .write(move |c| service::set_accepting(c, actor, &who, id, accepting))
        .await?;
    let msg = if accepting {
        "You are accepting new leads."
    } else {
        "New leads are paused for you."
    };
    Ok(redirect_with(&session, "/", "success", msg))
}

pub async fn licences(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::credentials_page(ctx, &state, Whose::Mine(id), CredentialForms::default(), StatusCode::OK).await
}

pub async fn add_licence(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LicenceForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::licence_added(ctx, user, session, &state, Whose::Mine(id), form.into_inner()).await
}

pub async fn add_certification(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CertificationForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::certification_added(ctx, user, session, &state, Whose::Mine(id), form.into_inner()).await
}

pub async fn remove_licence(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::licence_removed(user, session, &state, Whose::Mine(id), path.into_inner()).await
}

pub async fn remove_certification(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    forms::certification_removed(user, session, &state, Whose::Mine(id), path.into_inner()).await
}

#[derive(Template)]
#[template(path = "agents/my_team.html")]
struct MyTeamPage {
    ctx: PageCtx,
    team: TeamRow,
    members: Vec<AgentView>,
    today: NaiveDate,
}

/// A team leader's roster of their team.
pub async fn team(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let rule = state.settings.plan_year_rule;
    let today = today();
    let found = state
        .db
        .read(move |c| {
            let Some(team) = model::team_led_by(c, id)? else {
                return Ok(None);
            };
            let members = model::team_members(c, team.id)?;
            let members = view::build(c, members, today, &rule)?;
            Ok(Some((team, members)))
        })
        .await?;
    let Some((team, members)) = found else {
        // Only a team's leader has this page.
        return Err(AppError::NotFound);
    };
    render(&MyTeamPage {
        ctx,
        team,
        members,
        today,
    })
}
