//! The forms of one agent's record — profile, licences, certifications — shared by the staff pages
//! and the agent's own pages, parameterised by [`Whose`] record it is; with the two pages that
//! carry the licence and certification forms (the staff agent page and "My licences").

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::model::{self, TeamRow};
use super::service::{self, CertificationForm, LicenceForm, ProfileForm};
use super::view::{self, AgentView};
use super::{fields, photos};
use crate::audit::model::{self as audit_model, AuditFilter, AuditRow};
use crate::auth::CurrentUser;
use crate::domain;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, render_status, AppState};

pub fn today() -> NaiveDate {
    crate::db::now().date()
}

/// Whose record a request is about: the staff page's agent, or the signed-in agent's own.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    Staff(i64),
    Mine(i64),
}

impl Whose {
    pub fn agent_id(self) -> i64 {
        match self {
            Whose::Staff(id) | Whose::Mine(id) => id,
        }
    }

    /// The page with the licence and certification forms, where their changes go back to.
    pub fn page(self) -> String {
        match self {
            Whose::Staff(id) => format!("/admin/agents/{id}"),
            Whose::Mine(_) => "/me/licences".into(),
        }
    }

    /// Where the profile form posts, and where a saved profile goes back to.
    fn profile_action(self) -> String {
        match self {
            Whose::Staff(id) => format!("/admin/agents/{id}"),
            Whose::Mine(_) => "/me/profile".into(),
        }
    }

    /// Where a photo upload goes back to.
    pub fn photo_back(self) -> String {
        match self {
            Whose::Staff(id) => format!("/admin/agents/{id}/edit"),
            Whose::Mine(_) => "/me/profile".into(),
        }
    }

    /// Only staff set an agent's lead capacity.
    fn with_capacity(self) -> bool {
        matches!(self, Whose::Staff(_))
    }
}

// ---- the profile form -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "agents/edit.html")]
struct EditProfilePage {
    ctx: PageCtx,
    heading: String,
    action: String,
    cancel: String,
    form: ProfileForm,
    with_capacity: bool,
    errors: FieldErrors,
    day_names: [&'static str; 7],
    day_keys: [&'static str; 7],
    photo: Option<String>,
    photo_action: String,
    languages: &'static [(&'static str, &'static str)],
}

impl EditProfilePage {
    fn new(
        ctx: PageCtx,
        whose: Whose,
        name: &str,
        form: ProfileForm,
        photo: Option<String>,
        errors: FieldErrors,
    ) -> EditProfilePage {
        let (heading, cancel, photo_action) = match whose {
            Whose::Staff(id) => (
                format!("Edit {name}"),
                format!("/admin/agents/{id}"),
                format!("/admin/agents/{id}/photo"),
            ),
            Whose::Mine(_) => ("My profile".into(), "/".into(), "/me/photo".into()),
        };
        EditProfilePage {
            ctx,
            heading,
            action: whose.profile_action(),
            cancel,
            form,
            with_capacity: whose.with_capacity(),
            errors,
            day_names: fields::DAY_NAMES,
            day_keys: service::DAY_KEYS,
            photo,
            photo_action,
            languages: domain::LANGUAGES,
        }
    }

    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    fn day_error(&self, key: &str) -> Option<String> {
        self.errors.get(&format!("{key}_hours"))
    }
}

/// The profile form, filled from the record.
pub async fn profile_form(ctx: PageCtx, state: &AppState, whose: Whose) -> AppResult<HttpResponse> {
    let id = whose.agent_id();
    let (agent, user) = state.db.read(move |c| Ok(model::find_agent(c, id)?)).await?;
    render(&EditProfilePage::new(
        ctx,
        whose,
        &user.name,
        ProfileForm::from_row(&agent),
        agent.photo_path,
        FieldErrors::new(),
    ))
}

/// Saves the profile form, or shows it again with its errors.
pub async fn profile_saved(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: &AppState,
    whose: Whose,
    form: ProfileForm,
) -> AppResult<HttpResponse> {
    let id = whose.agent_id();
    let result = match service::parse_profile(&form, whose.with_capacity()) {
        Ok(parsed) => {
            let (actor, who) = (user.actor(), user.audit());
            state
                .db
                .write(move |c| service::update_profile(c, actor, &who, id, &parsed))
                .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(()) => {
            let saved = match whose {
                Whose::Staff(_) => "The profile is saved.",
                Whose::Mine(_) => "Your profile is saved.",
            };
            Ok(redirect_with(&session, &whose.profile_action(), "success", saved))
        }
        Err(AppError::Validation(errors)) => {
            let (agent, u) = state.db.read(move |c| Ok(model::find_agent(c, id)?)).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditProfilePage::new(ctx, whose, &u.name, form, agent.photo_path, errors),
            )
        }
        Err(e) => Err(e),
    }
}

/// Receives a profile photo.
pub async fn photo_uploaded(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    whose: Whose,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    photos::receive(user, session, state, whose.agent_id(), payload, &whose.photo_back()).await
}

// ---- the pages with the licence and certification forms ----------------------------------------

/// The licence and certification forms of a page: empty, or as typed with their errors (a 422).
#[derive(Debug, Default)]
pub struct CredentialForms {
    pub licence: LicenceForm,
    pub certification: CertificationForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "agents/show.html")]
struct AgentPage {
    ctx: PageCtx,
    v: AgentView,
    bio_html: String,
    activity: Vec<AuditRow>,
    teams: Vec<TeamRow>,
    today: NaiveDate,
    licence: LicenceForm,
    certification: CertificationForm,
    errors: FieldErrors,
    states: &'static [(&'static str, &'static str)],
    base: String,
    hours: Vec<(String, String)>,
    languages: String,
}

impl AgentPage {
    fn on_team(&self, t: &TeamRow) -> bool {
        self.v.agent.team_id == Some(t.id)
    }

    fn leads(&self, t: &TeamRow) -> bool {
        t.leader_agent_id == Some(self.v.agent.id)
    }
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

/// The page with the licence and certification forms: the staff agent page (with its activity
/// and teams) or the agent's "My licences".
pub async fn credentials_page(
    ctx: PageCtx,
    state: &AppState,
    whose: Whose,
    forms: CredentialForms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rule = state.settings.plan_year_rule;
    let today = today();
    match whose {
        Whose::Mine(agent_id) => {
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
                    base: whose.page(),
                },
            )
        }
        Whose::Staff(id) => {
            let (v, activity, teams) = state
                .db
                .read(move |c| {
                    let v = view::one(c, id, today, &rule)?;
                    let (activity, _) = audit_model::list(
                        c,
                        &AuditFilter {
                            entity: Some("agent".into()),
                            entity_id: Some(id),
                            q: None,
                        },
                        None,
                        15,
                    )?;
                    Ok((v, activity, model::list_teams(c)?))
                })
                .await?;
            let hours = fields::WorkingHours::from_storage(&v.agent.working_hours);
            let page = AgentPage {
                ctx,
                bio_html: crate::web::markdown::render(&v.agent.bio),
                hours: (0..7)
                    .map(|i| (fields::DAY_NAMES[i].to_string(), hours.display_day(i)))
                    .collect(),
                languages: v
                    .agent
                    .language_codes()
                    .iter()
                    .map(|c| domain::language_name(c).unwrap_or(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                v,
                activity,
                teams,
                today,
                licence: forms.licence,
                certification: forms.certification,
                errors: forms.errors,
                states: domain::STATES,
                base: whose.page(),
            };
            render_status(status, &page)
        }
    }
}

// ---- licences and certifications ------------------------------------------------------------

/// Adds a licence, or shows the page again with the form's errors.
pub async fn licence_added(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: &AppState,
    whose: Whose,
    form: LicenceForm,
) -> AppResult<HttpResponse> {
    let parsed = match service::parse_licence(&form) {
        Ok(p) => p,
        Err(errors) => {
            let forms = CredentialForms {
                licence: form,
                errors,
                ..Default::default()
            };
            return credentials_page(ctx, state, whose, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, who, agent_id) = (user.actor(), user.audit(), whose.agent_id());
    let state_code = parsed.state;
    state
        .db
        .write(move |c| service::add_licence(c, actor, &who, agent_id, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &whose.page(),
        "success",
        format!("The {state_code} licence is added."),
    ))
}

/// Adds a certification, or shows the page again with the form's errors.
pub async fn certification_added(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: &AppState,
    whose: Whose,
    form: CertificationForm,
) -> AppResult<HttpResponse> {
    let parsed = match service::parse_certification(&form) {
        Ok(p) => p,
        Err(errors) => {
            let forms = CredentialForms {
                certification: form,
                errors,
                ..Default::default()
            };
            return credentials_page(ctx, state, whose, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, who, agent_id) = (user.actor(), user.audit(), whose.agent_id());
    let label = format!("{} {}", parsed.kind, parsed.plan_year);
    state
        .db
        .write(move |c| service::add_certification(c, actor, &who, agent_id, &parsed, "manual"))
        .await?;
    Ok(redirect_with(
        &session,
        &whose.page(),
        "success",
        format!("The {label} certification is added."),
    ))
}

pub async fn licence_removed(
    user: CurrentUser,
    session: Session,
    state: &AppState,
    whose: Whose,
    licence_id: i64,
) -> AppResult<HttpResponse> {
    let (actor, who, id) = (user.actor(), user.audit(), whose.agent_id());
    state
        .db
        .write(move |c| service::remove_licence(c, actor, &who, id, licence_id))
        .await?;
    Ok(redirect_with(
        &session,
        &whose.page(),
        "success",
        "The licence is removed.",
    ))
}

pub async fn certification_removed(
    user: CurrentUser,
    session: Session,
    state: &AppState,
    whose: Whose,
    cert_id: i64,
) -> AppResult<HttpResponse> {
    let (actor, who, id) = (user.actor(), user.audit(), whose.agent_id());
    state
        .db
        .write(move |c| service::remove_certification(c, actor, &who, id, cert_id))
        .await?;
    Ok(redirect_with(
        &session,
        &whose.page(),
        "success",
        "The certification is removed.",
    ))
}
