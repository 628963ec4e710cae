//! Thin handlers for the agency settings page, its logo upload and the brand stylesheet.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model;
use super::service::{self, AgencyForm};
use crate::agents::photos;
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render_status, AppState};

#[derive(Template)]
#[template(path = "agency/edit.html")]
struct AgencyPage {
    ctx: PageCtx,
    form: AgencyForm,
    errors: FieldErrors,
    may_edit: bool,
    logo: Option<String>,
    consent_source: String,
    time_zones: Vec<&'static str>,
}

impl AgencyPage {
    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    fn tz_selected(&self, tz: &str) -> bool {
        self.form.time_zone.as_deref() == Some(tz)
    }
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    form: Option<AgencyForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let row = state.db.read(|c| Ok(model::find(c)?)).await?;
    let mut form = form.unwrap_or_else(|| AgencyForm::from_row(&row));
    if form.name.as_deref().is_none_or(|n| n.trim().is_empty()) && errors.is_empty() {
        form.name = Some(state.agency.fallback().name).filter(|n| n != "the agency");
    }
    render_status(
        status,
        &AgencyPage {
            ctx,
            form,
            errors,
            may_edit: user.role == Role::Owner,
            logo: row.logo.map(|f| format!("/photos/{f}")),
            consent_source: row.consent_source,
            time_zones: crate::auth::service::time_zone_choices(),
        },
    )
}

pub async fn show(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(ctx, &state, &user, None, FieldErrors::new(), StatusCode::OK).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AgencyForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (actor, who, typed) = (user.actor(), user.audit(), form.clone());
    let saved = state.db.write(move |c| service::save(c, actor, &who, &typed)).await;
    match saved {
        Ok(()) => {
            state.agency.invalidate();
            Ok(redirect_with(
                &session,
                "/admin/agency",
                "success",
                "The agency's settings are saved.",
            ))
        }
        Err(AppError::Validation(errors)) => {
            page(ctx, &state, &user, Some(form), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The logo: a JPEG, PNG or WebP of at most 2 MB, checked by its first bytes, kept with the
/// profile photos and served at /photos/{file}.
pub async fn upload_logo(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    const BACK: &str = "/admin/agency";
    // Prefix 0: no agent has the number 0, so the logo never collides with a profile photo.
    let saved = match photos::save_image(&state, payload, "logo", "logo", 0).await? {
        Ok(saved) => saved,
        Err(msg) => return Ok(redirect_with(&session, BACK, "error", msg)),
    };
    let (actor, who, file) = (user.actor(), user.audit(), saved.name.clone());
    let old = match state.db.write(move |c| service::set_logo(c, actor, &who, &file)).await {
        Ok(old) => old,
        Err(e) => {
            let _ = std::fs::remove_file(&saved.path);
            return Err(e);
        }
    };
    state.agency.invalidate();
    photos::remove_replaced(&state, old);
    Ok(redirect_with(&session, BACK, "success", "The logo is updated."))
}

/// The brand colour as a CSS custom property, for consumer pages (a stylesheet, because the
/// Content-Security-Policy allows no inline styles).
pub async fn brand_css(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let agency = state.agency.get(&state.db).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(format!(":root {{ --agency: {}; }}\n", agency.brand_colour)))
}
