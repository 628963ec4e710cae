//! A member's own API tokens (item 11): each acts as the member who made it, with the `network`
//! scope only, on `/api/v1/network/…`. Shown once when made; only its hash is kept.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::pages::actor;
use super::service::{self, MEMBER_ROLES};
use crate::auth::model::{self as auth_model, ApiTokenRow};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render_status, AppState};

pub fn routes(r: &mut Routes) {
    r.get("/network/api-tokens", Access::Roles(MEMBER_ROLES), page)
        .post("/network/api-tokens", Access::Roles(MEMBER_ROLES), create)
        .post(
            "/network/api-tokens/{id}/revocation",
            Access::Roles(MEMBER_ROLES),
            revoke,
        );
}

#[derive(Template)]
#[template(path = "network/api_tokens.html")]
struct TokensPage {
    ctx: PageCtx,
    tokens: Vec<ApiTokenRow>,
    new_token: Option<String>,
    name: String,
    errors: FieldErrors,
}

#[derive(Debug, Default, serde::Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn show(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    new_token: Option<String>,
    name: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let a = actor(user);
    super::pages::ensure_member(state, a).await?;
    let tokens = state.db.read(move |c| Ok(auth_model::api_tokens_of(c, a.id)?)).await?;
    render_status(
        status,
        &TokensPage {
            ctx,
            tokens,
            new_token,
            name,
            errors,
        },
    )
}

/// The page; an agent who has not joined the network is sent to the profile page first.
async fn page(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    match show(
        ctx,
        &state,
        &user,
        StatusCode::OK,
        None,
        String::new(),
        FieldErrors::new(),
    )
    .await
    {
        Err(AppError::NotFound) => Ok(crate::web::see_other("/network/profile")),
        other => other,
    }
}

async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> AppResult<HttpResponse> {
    let name = form.into_inner().name;
    let (a, who, n) = (actor(&user), user.audit(), name.clone());
    match state.db.write(move |c| service::create_own_token(c, a, &who, &n)).await {
        Ok((_, token)) => {
            show(
                ctx,
                &state,
                &user,
                StatusCode::CREATED,
                Some(token),
                String::new(),
                FieldErrors::new(),
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            show(ctx, &state, &user, StatusCode::UNPROCESSABLE_ENTITY, None, name, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (a, who, id) = (actor(&user), user.audit(), path.into_inner());
    let msg = state
        .db
        .write(move |c| service::revoke_own_token(c, a, &who, id))
        .await?;
    Ok(redirect_with(&session, "/network/api-tokens", "success", msg))
}
