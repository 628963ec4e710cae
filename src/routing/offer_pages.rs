//! An agent answers an offer: accept (the lead is theirs) or decline with a reason.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::offers::{self, OfferRow};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::leads::model::{ContactRow, LeadRow};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, AppState};

#[derive(Template)]
#[template(path = "routing/_offers.html")]
struct OffersPanel {
    ctx: PageCtx,
    offers: Vec<(OfferRow, LeadRow, ContactRow)>,
}

/// The "offered to you" panel alone: the lead list reloads it when the event stream says an offer
/// arrived or was withdrawn.
pub async fn panel(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = user.id;
    let offers = state
        .db
        .read(move |c| match crate::agents::model::find_agent_by_user(c, uid)? {
            Some(a) => Ok(offers::pending_for(c, a.id)?),
            None => Ok(Vec::new()),
        })
        .await?;
    render(&OffersPanel { ctx, offers })
}

async fn my_agent(state: &AppState, user: &CurrentUser) -> AppResult<i64> {
    let (uid, name) = (user.id, user.name.clone());
    state
        .db
        .write(move |c| crate::agents::service::ensure_profile(c, uid, &name))
        .await
}

pub async fn accept(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let offer_id = path.into_inner();
    let agent = my_agent(&state, &user).await?;
    let (uid, label, settings) = (user.id, user.email.clone(), state.settings.clone());
    match state
        .db
        .write(move |c| offers::accept(c, agent, (uid, &label), offer_id, &settings))
        .await
    {
        Ok(lead_id) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(
                &session,
                &format!("/leads/{lead_id}"),
                "success",
                "The lead is yours. Call them while it is fresh.",
            ))
        }
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, "/leads", "error", msg)),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DeclineForm {
    reason: Option<String>,
}

pub async fn decline(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DeclineForm>,
) -> AppResult<HttpResponse> {
    let offer_id = path.into_inner();
    let agent = my_agent(&state, &user).await?;
    let reason = form.reason.clone().unwrap_or_default();
    let caches = state.caches.clone();
    let (uid, label, settings) = (user.id, user.email.clone(), state.settings.clone());
    match state
        .db
        .write(move |c| offers::decline(c, agent, (uid, &label), offer_id, &reason, &settings, &caches.routing))
        .await
    {
        Ok(after) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(&session, "/leads", "success", after.message()))
        }
        Err(AppError::Validation(f)) => Ok(redirect_with(
            &session,
            "/leads",
            "error",
            f.get("reason").unwrap_or_default(),
        )),
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, "/leads", "error", msg)),
        Err(e) => Err(e),
    }
}
