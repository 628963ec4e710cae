//! The policy page (thin: read, render). Each part of the domain has its own handlers file for
//! its actions.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::service::Viewer;
use super::view::PolicyPage;
use crate::auth::CurrentUser;
use crate::error::{AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::{render_status, AppState};

#[derive(Template)]
#[template(path = "policies/show.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub p: PolicyPage,
    pub errors: FieldErrors,
}

/// The page, with the errors of a form that came back (422) or none (200).
pub async fn policy_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let p = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            PolicyPage::load(c, &viewer, id)
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(status, &ShowPage { ctx, p, errors })
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    policy_page(ctx, &state, &user, path.into_inner(), FieldErrors::new()).await
}
