//! Accounts: first-run set-up, sign in and out, invitations, password resets, the user's own
//! account page, API tokens, and the checks that say who may do what.

mod handlers;
pub mod model;
pub mod password;
pub mod roles;
pub mod scopes;
pub mod service;
pub mod throttle;
pub mod tokens;

use actix_session::Session;
use chrono::NaiveDateTime;

use crate::db::Db;
use crate::web::context::{CurrentUser, SESSION_USER, SESSION_VERSION};
use crate::web::errors::AppError;
use crate::web::routes::{Access, Routes};
use roles::STAFF;

/// POSTs to these paths share the per-address login rate limit.
pub const RATE_LIMITED_PATHS: &[&str] = &[
    "/login",
    "/setup",
    "/password-reset",
    "/password-reset/{token}",
    "/invitations/{token}",
];

pub fn routes(r: &mut Routes) {
    r.get("/setup", Access::Public, handlers::setup_form)
        .post("/setup", Access::Public, handlers::setup)
        .get("/login", Access::Public, handlers::login_form)
        .post("/login", Access::Public, handlers::login)
        .post("/logout", Access::SignedIn, handlers::logout)
        .get("/invitations/{token}", Access::Public, handlers::invitation_form)
        .post("/invitations/{token}", Access::Public, handlers::accept_invitation)
        .get("/password-reset", Access::Public, handlers::reset_request_form)
        .post("/password-reset", Access::Public, handlers::reset_request)
        .get("/password-reset/{token}", Access::Public, handlers::reset_form)
        .post("/password-reset/{token}", Access::Public, handlers::reset)
        .get("/account", Access::SignedIn, handlers::account)
        .post("/account", Access::SignedIn, handlers::update_account)
        .post("/account/password", Access::SignedIn, handlers::change_password)
        .get("/admin/api-tokens", Access::Roles(STAFF), handlers::api_tokens)
        .post("/admin/api-tokens", Access::Roles(STAFF), handlers::create_api_token)
        .post(
            "/admin/api-tokens/{id}/revocation",
            Access::Roles(STAFF),
            handlers::revoke_api_token,
        )
        .get("/api/v1/whoami", Access::Api(&[]), handlers::api_whoami);
}

/// The client behind an API request.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub token_id: i64,
    pub name: String,
    pub scopes: Vec<scopes::Scope>,
}

impl ApiClient {
    pub fn has(&self, scope: scopes::Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

impl actix_web::FromRequest for ApiClient {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(
            req.extensions()
                .get::<ApiClient>()
                .cloned()
                .ok_or(AppError::Unauthorized),
        )
    }
}

/// The active user of a session. A session of a deactivated user, or one from before a password
/// change, is emptied.
pub async fn session_user(db: &Db, session: &Session) -> Result<Option<CurrentUser>, AppError> {
    let (Ok(Some(id)), Ok(Some(version))) = (session.get::<i64>(SESSION_USER), session.get::<i32>(SESSION_VERSION))
    else {
        return Ok(None);
    };
    let row = db
        .read(move |c| {
            Ok(match model::session_user(c, id, version)? {
                Some(u) => Some((u, crate::notifications::model::unread_count(c, id)?)),
                None => None,
            })
        })
        .await?;
    match row {
        Some((u, unread)) => Ok(Some(CurrentUser {
            unread,
            id: u.id,
            role: u.role(),
            time_zone: u.tz(),
            email: u.email,
            name: u.name,
        })),
        None => {
            session.purge();
            Ok(None)
        }
    }
}

/// Starts a fresh session for `user` (a new cookie, so a planted one is useless).
pub fn start_session(session: &Session, user_id: i64, session_version: i32) -> Result<(), AppError> {
    session.renew();
    session.remove(crate::web::context::SESSION_CSRF);
    session
        .insert(SESSION_USER, user_id)
        .map_err(|e| AppError::internal(e.to_string()))?;
    session
        .insert(SESSION_VERSION, session_version)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(())
}

/// The token's client, or None for an unknown or revoked token.
pub async fn api_client(db: &Db, token: String) -> Result<Option<ApiClient>, AppError> {
    let hash = tokens::digest(&token);
    let row = db.read(move |c| Ok(model::find_active_api_token(c, &hash)?)).await?;
    let Some(row) = row else { return Ok(None) };
    if stale(row.last_used_at) {
        let id = row.id;
        db.write(move |c| Ok(model::touch_api_token(c, id)?)).await?;
    }
    Ok(Some(ApiClient {
        token_id: row.id,
        name: row.name,
        scopes: scopes::parse_stored(&row.scopes),
    }))
}

/// "Last used" is kept to the minute, so busy tokens do not write on every request.
fn stale(last: Option<NaiveDateTime>) -> bool {
    last.is_none_or(|t| crate::db::now() - t > chrono::Duration::minutes(1))
}
