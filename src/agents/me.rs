//! The agent's own pages: profile, licences and certifications, and a team leader's roster.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::handlers::{certification_added, licence_added, today, CredentialForms, EditProfilePage, Whose};
use super::model::{self, TeamRow};
use super::service::{self, CertificationForm, LicenceForm, ProfileForm};
use super::view::{self, AgentView};
use super::{fields, photos};
use crate::audit::AuditActor;
use crate::domain;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::errors::{AppError, AppResult, FieldErrors};
use crate::web::{redirect_with, render, render_status, AppState};

/// The signed-in agent's profile id (made on first visit).
pub async fn my_agent_id(state: &AppState, user: &CurrentUser) -> AppResult<i64> {
    let (id, name) = (user.id, user.name.clone());
    state.db.write(move |c| service::ensure_profile(c, id, &name)).await
}

fn my_edit_page(ctx: PageCtx, form: ProfileForm, photo: Option<String>, errors: FieldErrors) -> EditProfilePage {
    EditProfilePage {
        ctx,
        heading: "My profile".into(),
        action: "/me/profile".into(),
        cancel: "/".into(),
        form,
        with_capacity: false,
        errors,
        day_names: fields::DAY_NAMES,
        day_keys: service::DAY_KEYS,
        photo,
        photo_action: "/me/photo".into(),
        languages: domain::LANGUAGES,
    }
}

pub async fn profile(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let (agent, _) = state.db.read(move |c| Ok(model::find_agent(c, id)?)).await?;
    render(&my_edit_page(
        ctx,
        ProfileForm::from_row(&agent),
        agent.photo_path,
        FieldErrors::new(),
    ))
}

pub async fn update_profile(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let form = form.into_inner();
    let result = match service::parse_profile(&form, false) {
        Ok(parsed) => {
            let (actor, who) = (user.actor(), AuditActor::user(&user, &req));
            state
                .db
                .write(move |c| service::update_profile(c, actor, &who, id, &parsed))
                .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(()) => Ok(redirect_with(
            &session,
            "/me/profile",
            "success",
            "Your profile is saved.",
        )),
        Err(AppError::Validation(errors)) => {
            let (agent, _) = state.db.read(move |c| Ok(model::find_agent(c, id)?)).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &my_edit_page(ctx, form, agent.photo_path, errors),
            )
        }
        Err(e) => Err(e),
    }
}

pub async fn upload_photo(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    photos::receive(req, user, session, state, id, payload, "/me/profile").await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AcceptingForm {
    accepting: Option<String>,
}

pub async fn set_accepting(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AcceptingForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let accepting = form.accepting.as_deref() == Some("yes");
    let (actor, who) = (user.actor(), AuditActor::user(&user, &req));
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

#[derive(Template)]
#[template(path = "agents/my_licences.html")]
struct MyLicencesPage {
    ctx: PageCtx,
    v: AgentView,
    today: NaiveDate,
    licence: LicenceForm,
    certification: CertificationForm,
    errors: FieldErrors,
    states: &'static [(&'static str, &'static str)],
    base: String,
}

pub async fn licences_page(
    ctx: PageCtx,
    state: &AppState,
    agent_id: i64,
    forms: CredentialForms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rule = state.settings.plan_year_rule;
    let today = today();
    let v = state
        .db
        .read(move |c| Ok(view::one(c, agent_id, today, &rule)?))
        .await?;
    render_status(
        status,
        &MyLicencesPage {
            ctx,
            v,
            today,
            licence: forms.licence,
            certification: forms.certification,
            errors: forms.errors,
            states: domain::STATES,
            base: Whose::Mine(agent_id).page(),
        },
    )
}

pub async fn licences(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    licences_page(ctx, &state, id, CredentialForms::default(), StatusCode::OK).await
}

pub async fn add_licence(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LicenceForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    licence_added(req, ctx, user, session, &state, Whose::Mine(id), form.into_inner()).await
}

pub async fn add_certification(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CertificationForm>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    certification_added(req, ctx, user, session, &state, Whose::Mine(id), form.into_inner()).await
}

pub async fn remove_licence(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let licence_id = path.into_inner();
    let (actor, who) = (user.actor(), AuditActor::user(&user, &req));
    state
        .db
        .write(move |c| service::remove_licence(c, actor, &who, id, licence_id))
        .await?;
    Ok(redirect_with(
        &session,
        "/me/licences",
        "success",
        "The licence is removed.",
    ))
}

pub async fn remove_certification(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = my_agent_id(&state, &user).await?;
    let cert_id = path.into_inner();
    let (actor, who) = (user.actor(), AuditActor::user(&user, &req));
    state
        .db
        .write(move |c| service::remove_certification(c, actor, &who, id, cert_id))
        .await?;
    Ok(redirect_with(
        &session,
        "/me/licences",
        "success",
        "The certification is removed.",
    ))
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
