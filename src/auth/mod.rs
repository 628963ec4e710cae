//! Accounts: first-run set-up, sign in and out, invitations, password resets, the user's own
//! account page, API tokens, and the checks that say who may do what.

mod acting;
pub mod devices;
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
use crate::error::AppError;
use crate::web::context::{SESSION_ID, SESSION_USER, SESSION_VERSION};
use crate::web::routes::{Access, Routes};
pub use acting::CurrentUser;
use roles::STAFF;

/// POSTs to these paths share the per-address login rate limit: every form that checks a
/// password or a one-time link.
pub const RATE_LIMITED_PATHS: &[&str] = &[
    "/login",
    "/account/password",
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
        .post(
            "/account/sessions/{id}/revocation",
            Access::SignedIn,
            handlers::end_session,
        )
        .post(
            "/account/sessions/revocation",
            Access::SignedIn,
            handlers::end_all_sessions,
        )
        .get("/admin/api-tokens", Access::Roles(STAFF), handlers::api_tokens)
        .post("/admin/api-tokens", Access::Roles(STAFF), handlers::create_api_token)
        .post(
            "/admin/api-tokens/{id}/revocation",
            Access::Roles(STAFF),
            handlers::revoke_api_token,
        )
        .get("/api/v1/whoami", Access::Api(&[]), handlers::api_whoami);
    r.limit_posts(RATE_LIMITED_PATHS, crate::web::routes::RateLimit::SignIn);
}

/// The client behind an API request.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub token_id: i64,
    pub name: String,
    pub scopes: Vec<scopes::Scope>,
    /// The network member a member's own token acts as.
    pub owner_id: Option<i64>,
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

/// How long sessions last (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: std::time::Duration,
    pub lifetime: std::time::Duration,
}

impl SessionPolicy {
    pub fn of(settings: &crate::config::Settings) -> SessionPolicy {
        SessionPolicy {
            idle: settings.session_idle,
            lifetime: settings.session_lifetime,
        }
    }

    /// Why a session seen last at `last_seen` and started at `started` is over at `now`, if it is.
    pub fn ended(&self, started: NaiveDateTime, last_seen: NaiveDateTime, now: NaiveDateTime) -> Option<&'static str> {
        let over = |since: NaiveDateTime, limit: std::time::Duration| {
            chrono::Duration::from_std(limit).is_ok_and(|limit| now - since >= limit)
        };
        if over(last_seen, self.idle) {
            Some("idle")
        } else if over(started, self.lifetime) {
            Some("expired")
        } else {
            None
        }
    }
}

/// The browser a session is opened from, as the account page lists it.
#[derive(Debug, Clone)]
pub struct Device {
    pub ip: String,
    pub user_agent: String,
}

impl Device {
    pub fn of(req: &actix_web::HttpRequest) -> Device {
        let ip = match req.app_data::<actix_web::web::Data<crate::web::AppState>>() {
            Some(state) => crate::web::context::client_ip(req, &state.settings),
            None => "unknown".into(),
        };
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect();
        Device { ip, user_agent }
    }
}

/// The active user of a session. A session that was ended (signed out, idle, too old, the
/// password changed, the account deactivated) is emptied. `ip` is where the request came from.
pub async fn session_user(
    db: &Db,
    policy: SessionPolicy,
    session: &Session,
    ip: String,
) -> Result<Option<CurrentUser>, AppError> {
    let (Ok(Some(id)), Ok(Some(version)), Ok(Some(secret))) = (
        session.get::<i64>(SESSION_USER),
        session.get::<i32>(SESSION_VERSION),
        session.get::<String>(SESSION_ID),
    ) else {
        return Ok(None);
    };
    let hash = tokens::digest(&secret);
    let row = db
        .read(move |c| {
            Ok(match model::session_user(c, id, version, &hash)? {
                Some((u, s)) => Some((u, s, crate::notifications::model::unread_count(c, id)?)),
                None => None,
            })
        })
        .await?;
    let Some((u, s, unread)) = row else {
        session.purge();
        return Ok(None);
    };
    let t = crate::db::now();
    if let Some(reason) = policy.ended(s.created_at, s.last_seen_at, t) {
        let (uid, sid) = (u.id, s.id);
        db.write(move |c| Ok(model::end_session(c, uid, sid, reason)?)).await?;
        session.purge();
        return Ok(None);
    }
    // "Last seen" is kept to the minute, so a busy session does not write on every request.
    if stale(Some(s.last_seen_at)) {
        let sid = s.id;
        db.write(move |c| Ok(model::touch_session(c, sid)?)).await?;
    }
    Ok(Some(CurrentUser {
        unread,
        id: u.id,
        role: u.role(),
        time_zone: u.tz(),
        email: u.email,
        name: u.name,
        ip,
        session_id: s.id,
    }))
}

/// Opens a session for the user in the caller's transaction; the secret goes in the cookie (see
/// [`start_session`]), only its hash is kept.
pub fn open_session(conn: &mut crate::db::DbConnection, user_id: i64, device: &Device) -> diesel::QueryResult<String> {
    let secret = tokens::new_secret();
    model::insert_session(conn, user_id, &tokens::digest(&secret), &device.ip, &device.user_agent)?;
    Ok(secret)
}

/// Puts a session opened with [`open_session`] in a fresh cookie (a new cookie, so a planted one
/// is useless).
pub fn start_session(session: &Session, user_id: i64, session_version: i32, secret: &str) -> Result<(), AppError> {
    session.renew();
    session.remove(crate::web::context::SESSION_CSRF);
    let put = |key: &str, value: serde_json::Value| {
        session
            .insert(key, value)
            .map_err(|e| AppError::internal(e.to_string()))
    };
    put(SESSION_USER, user_id.into())?;
    put(SESSION_VERSION, session_version.into())?;
    put(SESSION_ID, secret.into())?;
    Ok(())
}

/// The token's client, or None for an unknown or revoked token.
pub async fn api_client(db: &Db, token: String) -> Result<Option<ApiClient>, AppError> {
    let hash = tokens::digest(&token);
    let row = db.read(move |c| Ok(model::find_active_api_token(c, &hash)?)).await?;
    let Some(row) = row else { return Ok(None) };
    if let Some(owner) = row.owner_id {
        // A member's token works only while the member does.
        if !db.read(move |c| Ok(model::user_is_active(c, owner)?)).await? {
            return Ok(None);
        }
    }
    if stale(row.last_used_at) {
        let id = row.id;
        db.write(move |c| Ok(model::touch_api_token(c, id)?)).await?;
    }
    Ok(Some(ApiClient {
        token_id: row.id,
        name: row.name,
        scopes: scopes::parse_stored(&row.scopes),
        owner_id: row.owner_id,
    }))
}

/// "Last used" is kept to the minute, so busy tokens do not write on every request.
fn stale(last: Option<NaiveDateTime>) -> bool {
    last.is_none_or(|t| crate::db::now() - t > chrono::Duration::minutes(1))
}

#[cfg(test)]
mod tests {
    use super::SessionPolicy;
    use chrono::NaiveDate;
    use std::time::Duration;

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        let policy = SessionPolicy {
            idle: Duration::from_secs(3600),
            lifetime: Duration::from_secs(12 * 3600),
        };
        let start = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let h = |n: i64| start + chrono::Duration::hours(n);
        assert_eq!(policy.ended(start, h(0), start + chrono::Duration::minutes(59)), None);
        assert_eq!(policy.ended(start, h(0), h(1)), Some("idle"));
        assert_eq!(policy.ended(start, h(11), h(11) + chrono::Duration::minutes(30)), None);
        assert_eq!(
            policy.ended(start, h(11) + chrono::Duration::minutes(50), h(12)),
            Some("expired")
        );
    }
}
