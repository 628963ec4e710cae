use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::model::{self, ApiTokenRow, PURPOSE_INVITATION, PURPOSE_RESET};
use super::scopes::Scope;
use super::service::{self, parse_email, parse_name, parse_time_zone, time_zone_choices};
use super::throttle::{self, LoginPolicy};
use super::{open_session, password, start_session, ApiClient, Device};
use crate::audit::{self, AuditActor};
use crate::auth::CurrentUser;
use crate::db::now;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, render_status, see_other, AppState};

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or_default().to_string()
}

/// Where to go after signing in: a path on this site, or `/`. The `next` value is parsed the way
/// browsers parse URLs (WHATWG, by the `url` crate), so a tab, a backslash or a control character
/// cannot turn it into another host, and the result is written back as parsed (percent-encoded),
/// so it is always a valid `Location` header.
pub fn safe_next(next: &Option<String>) -> String {
    local_path(next.as_deref()).unwrap_or_else(|| "/".into())
}

fn local_path(raw: Option<&str>) -> Option<String> {
    let raw = raw?.trim();
    if !raw.starts_with('/') {
        return None;
    }
    let base = url::Url::parse("https://agency-engine.invalid/").expect("a base URL");
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    // "//host" would be read as another host; signing out right after signing in is pointless.
    (!path.starts_with("//") && !path.starts_with("/logout")).then_some(path)
}

async fn hash_off_thread(password: String) -> AppResult<String> {
    web::block(move || password::hash(&password))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}

// ---- set-up ---------------------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct SetupForm {
    agency_name: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
    time_zone: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    ctx: PageCtx,
    agency_name: String,
    name: String,
    email: String,
    time_zone: String,
    time_zones: Vec<&'static str>,
    errors: FieldErrors,
}

impl SetupPage {
    fn tz_selected(&self, tz: &str) -> bool {
        self.time_zone == tz
    }
}

async fn has_users(state: &AppState) -> AppResult<bool> {
    Ok(state.db.read(|c| Ok(model::count_users(c)?)).await? > 0)
}

pub async fn setup_form(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if has_users(&state).await? {
        return Err(AppError::NotFound);
    }
    render(&SetupPage {
        ctx,
        agency_name: String::new(),
        name: String::new(),
        email: String::new(),
        time_zone: "America/New_York".into(),
        time_zones: time_zone_choices(),
        errors: FieldErrors::new(),
    })
}

pub async fn setup(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    if has_users(&state).await? {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let agency_name = crate::agency::service::parse_name(&text(&form.agency_name))
        .map_err(|m| errors.add("agency_name", m))
        .ok();
    let name = parse_name(&text(&form.name)).map_err(|m| errors.add("name", m)).ok();
    let email = parse_email(&text(&form.email)).map_err(|m| errors.add("email", m)).ok();
    let tz = parse_time_zone(&text(&form.time_zone))
        .map_err(|m| errors.add("time_zone", m))
        .ok();
    let pw = text(&form.password);
    if let Err(m) = password::validate_new(&pw, form.password_confirm.as_deref(), email.as_deref().unwrap_or("")) {
        errors.add("password", m);
    }
    let (Some(agency_name), Some(name), Some(email), Some(tz), true) =
        (agency_name, name, email, tz, errors.is_empty())
    else {
        let page = SetupPage {
            ctx,
            agency_name: text(&form.agency_name),
            name: text(&form.name),
            email: text(&form.email),
            time_zone: text(&form.time_zone),
            time_zones: time_zone_choices(),
            errors,
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let hash = hash_off_thread(pw).await?;
    let who = AuditActor::anonymous(&email, &req);
    let device = Device::of(&req);
    let (id, secret) = state
        .db
        .write(move |c| {
            let id = service::create_first_owner(c, &who, &email, &name, &hash, &tz)?;
            crate::agency::service::set_up(c, &who, &agency_name, &tz)?;
            Ok((id, open_session(c, id, &device)?))
        })
        .await?;
    state.agency.invalidate();
    start_session(&session, id, 1, &secret)?;
    Ok(redirect_with(
        &session,
        "/",
        "success",
        "Your agency is set up and you are signed in as its owner. Add its logo, address and licences in Agency settings, then invite your team from Users.",
    ))
}

// ---- sign in and out ------------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    error: Option<String>,
}

pub async fn login_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    if !has_users(&state).await? {
        return Ok(see_other("/setup"));
    }
    if ctx.user.is_some() {
        return Ok(see_other(&safe_next(&query.next)));
    }
    render(&LoginPage {
        ctx,
        email: String::new(),
        next: safe_next(&query.next),
        error: None,
    })
}

pub async fn login(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = safe_next(&form.next);
    let email = text(&form.email).trim().to_lowercase();
    let pw = text(&form.password);
    let fail = |ctx: PageCtx, status: StatusCode, message: &str| {
        render_status(
            status,
            &LoginPage {
                ctx,
                email: text(&form.email),
                next: next.clone(),
                error: Some(message.into()),
            },
        )
    };
    if email.is_empty() || pw.is_empty() {
        return fail(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your e-mail address and password.",
        );
    }
    // Failures are counted per e-mail address and client address, for addresses with and without
    // an account alike: the answers, their timing and the lock say nothing about whether an
    // account exists, and failures from one place do not lock the user out everywhere else.
    let ip = crate::web::context::client_ip(&req, &state.settings);
    let (lookup, key_ip) = (email.clone(), ip.clone());
    let (user, throttle) = state
        .db
        .read(move |c| {
            Ok((
                model::find_user_by_email(c, &lookup)?,
                model::find_throttle(c, &lookup, &key_ip)?,
            ))
        })
        .await?;
    let t = now();
    let policy = LoginPolicy {
        backoff: state.settings.login_backoff,
        threshold: state.settings.lockout_threshold,
        lock_for: state.settings.lockout_duration,
    };
    let locked_message = |until: chrono::NaiveDateTime| {
        let minutes = ((until - t).num_seconds() + 59) / 60;
        format!(
            "Too many failed attempts from here: try again in {} minute{}, or reset your password.",
            minutes.max(1),
            if minutes > 1 { "s" } else { "" }
        )
    };
    if let Some(until) = throttle
        .as_ref()
        .and_then(|r| r.locked_until)
        .filter(|u| throttle::is_locked(Some(*u), t))
    {
        return fail(ctx, StatusCode::TOO_MANY_REQUESTS, &locked_message(until));
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = web::block(move || service::password_matches(hash.as_deref(), &pw))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    match user {
        Some(u) if matches && u.active => {
            let who = AuditActor {
                id: Some(u.id),
                ..AuditActor::anonymous(&u.email, &req)
            };
            let id = u.id;
            let device = Device::of(&req);
            let (e, i) = (email.clone(), ip.clone());
            let secret = state
                .db
                .write(move |c| {
                    model::record_login(c, id)?;
                    model::clear_throttle(c, &e, Some(&i))?;
                    audit::record(c, &who, "user.signed_in", "user", Some(id), "")?;
                    Ok(open_session(c, id, &device)?)
                })
                .await?;
            start_session(&session, u.id, u.session_version, &secret)?;
            Ok(see_other(&next))
        }
        Some(_) if matches => fail(
            ctx,
            StatusCode::FORBIDDEN,
            "This account has been deactivated. Ask your agency's owner to reactivate it.",
        ),
        known => {
            // A run of failures goes stale after the lock period: it starts again from zero.
            let stale_before = t - chrono::Duration::from_std(policy.lock_for).unwrap_or_default();
            let before = throttle
                .filter(|r| r.updated_at >= stale_before)
                .map_or(0, |r| r.failures);
            let outcome = throttle::after_failure(before, t, policy);
            let who = AuditActor::anonymous(&email, &req);
            let user_id = known.map(|u| u.id);
            let forget_before = t - chrono::Duration::days(1);
            state
                .db
                .write(move |c| {
                    model::record_throttle(c, &email, &ip, outcome.failures, outcome.locked_until, forget_before)?;
                    if outcome.locked_until.is_some() {
                        audit::record(
                            c,
                            &who,
                            "user.locked",
                            "user",
                            user_id,
                            "too many failed sign-in attempts from one address",
                        )?;
                    }
                    Ok(())
                })
                .await?;
            tokio::time::sleep(outcome.delay).await;
            match outcome.locked_until {
                Some(until) => fail(ctx, StatusCode::TOO_MANY_REQUESTS, &locked_message(until)),
                None => fail(
                    ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The e-mail address or password is not right.",
                ),
            }
        }
    }
}

/// Signing out ends this session on the server too: a copy of the cookie opens nothing after.
pub async fn logout(session: Session, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let who = user.audit();
    state
        .db
        .write(move |c| service::end_session(c, &who, user.id, user.session_id, "signed out"))
        .await?;
    session.purge();
    Ok(see_other("/login"))
}

// ---- one-time links -------------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct PasswordForm {
    password: Option<String>,
    password_confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPasswordPage {
    ctx: PageCtx,
    heading: &'static str,
    intro: String,
    action: String,
    button: &'static str,
    errors: FieldErrors,
}

fn link_page(ctx: PageCtx, purpose: &str, user: &model::UserRow, secret: &str, errors: FieldErrors) -> SetPasswordPage {
    if purpose == PURPOSE_INVITATION {
        SetPasswordPage {
            ctx,
            heading: "Welcome to Agency Engine",
            intro: format!(
                "Hello {}. Choose a password for {} to finish setting up your account.",
                user.name, user.email
            ),
            action: format!("/invitations/{secret}"),
            button: "Set password and sign in",
            errors,
        }
    } else {
        SetPasswordPage {
            ctx,
            heading: "Choose a new password",
            intro: format!(
                "Choose a new password for {}. You will be signed out everywhere else.",
                user.email
            ),
            action: format!("/password-reset/{secret}"),
            button: "Save password and sign in",
            errors,
        }
    }
}

async fn link_form(ctx: PageCtx, state: &AppState, secret: String, purpose: &'static str) -> AppResult<HttpResponse> {
    let hash = super::tokens::digest(&secret);
    let found = state
        .db
        .read(move |c| Ok(model::find_usable_token(c, &hash, purpose)?))
        .await?;
    let (_, user) = found.map_err(service::link_error)?;
    render(&link_page(ctx, purpose, &user, &secret, FieldErrors::new()))
}

async fn use_link(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: &AppState,
    secret: String,
    purpose: &'static str,
    form: PasswordForm,
) -> AppResult<HttpResponse> {
    let hash = super::tokens::digest(&secret);
    let found = state
        .db
        .read(move |c| Ok(model::find_usable_token(c, &hash, purpose)?))
        .await?;
    let (_, user) = found.map_err(service::link_error)?;
    let pw = text(&form.password);
    if let Err(m) = password::validate_new(&pw, form.password_confirm.as_deref(), &user.email) {
        let mut errors = FieldErrors::new();
        errors.add("password", m);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &link_page(ctx, purpose, &user, &secret, errors),
        );
    }
    let pw_hash = hash_off_thread(pw).await?;
    let who = AuditActor::anonymous(&user.email, &req);
    let device = Device::of(&req);
    let (id, version, session_secret) = state
        .db
        .write(move |c| {
            let (id, version) = service::set_password_with_link(c, &who, &secret, purpose, &pw_hash)?;
            Ok((id, version, open_session(c, id, &device)?))
        })
        .await?;
    start_session(&session, id, version, &session_secret)?;
    let msg = if purpose == PURPOSE_INVITATION {
        "Your password is set and you are signed in. Welcome aboard."
    } else {
        "Your password has been changed and you are signed in."
    };
    Ok(redirect_with(&session, "/", "success", msg))
}

pub async fn invitation_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    link_form(ctx, &state, path.into_inner(), PURPOSE_INVITATION).await
}

pub async fn accept_invitation(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    use_link(
        req,
        ctx,
        session,
        &state,
        path.into_inner(),
        PURPOSE_INVITATION,
        form.into_inner(),
    )
    .await
}

pub async fn reset_form(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    link_form(ctx, &state, path.into_inner(), PURPOSE_RESET).await
}

pub async fn reset(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    use_link(
        req,
        ctx,
        session,
        &state,
        path.into_inner(),
        PURPOSE_RESET,
        form.into_inner(),
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ResetRequestForm {
    email: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/reset_request.html")]
struct ResetRequestPage {
    ctx: PageCtx,
    email: String,
    errors: FieldErrors,
}

pub async fn reset_request_form(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&ResetRequestPage {
        ctx,
        email: String::new(),
        errors: FieldErrors::new(),
    })
}

pub async fn reset_request(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ResetRequestForm>,
) -> AppResult<HttpResponse> {
    let raw = text(&form.email);
    let email = match parse_email(&raw) {
        Ok(e) => e,
        Err(m) => {
            let mut errors = FieldErrors::new();
            errors.add("email", m);
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetRequestPage {
                    ctx,
                    email: raw,
                    errors,
                },
            );
        }
    };
    let who = AuditActor::anonymous(&email, &req);
    let settings = state.settings.clone();
    let e = email.clone();
    state
        .db
        .write(move |c| service::request_password_reset(c, &who, &e, &settings))
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(redirect_with(
        &session,
        "/login",
        "info",
        format!("If {email} belongs to an account, a link to choose a new password is on its way. It expires in {} minutes.", state.settings.password_reset_ttl.as_secs() / 60),
    ))
}

// ---- the user's own account -----------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct AccountForm {
    name: Option<String>,
    time_zone: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ChangePasswordForm {
    current_password: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    ctx: PageCtx,
    name: String,
    email: String,
    role: String,
    time_zone: String,
    time_zones: Vec<&'static str>,
    sessions: Vec<SessionView>,
    errors: FieldErrors,
}

impl AccountPage {
    fn tz_selected(&self, tz: &str) -> bool {
        self.time_zone == tz
    }
}

/// One signed-in device on the account page.
struct SessionView {
    id: i64,
    device: String,
    ip: String,
    started: String,
    last_seen: String,
    current: bool,
}

async fn account_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    name: String,
    time_zone: String,
    errors: FieldErrors,
) -> AppResult<AccountPage> {
    let (uid, policy) = (user.id, super::SessionPolicy::of(&state.settings));
    let t = now();
    let since = |d: std::time::Duration| t - chrono::Duration::from_std(d).unwrap_or_default();
    let (seen_after, started_after) = (since(policy.idle), since(policy.lifetime));
    let rows = state
        .db
        .read(move |c| Ok(model::open_sessions_of(c, uid, seen_after, started_after)?))
        .await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            device: super::devices::describe(&s.user_agent),
            started: ctx.time(&s.created_at),
            last_seen: ctx.time(&s.last_seen_at),
            current: s.id == user.session_id,
            ip: s.ip,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        name,
        email: user.email.clone(),
        role: user.role.label().into(),
        time_zone,
        time_zones: time_zone_choices(),
        sessions,
        errors,
    })
}

pub async fn account(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let page = account_page(
        &state,
        ctx,
        &user,
        user.name.clone(),
        user.time_zone.name().into(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

/// "Sign out" beside one device. Ending this browser's own session signs it out.
pub async fn end_session(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let who = user.audit();
    let uid = user.id;
    state
        .db
        .write(move |c| service::end_session(c, &who, uid, id, "signed out from the account page"))
        .await?;
    if id == user.session_id {
        session.purge();
        return Ok(see_other("/login"));
    }
    Ok(redirect_with(
        &session,
        "/account",
        "success",
        "That device is signed out.",
    ))
}

/// "Sign out everywhere": every session of the user ends, this one too.
pub async fn end_all_sessions(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let who = user.audit();
    let uid = user.id;
    state.db.write(move |c| service::end_all_sessions(c, &who, uid)).await?;
    session.purge();
    Ok(see_other("/login"))
}

pub async fn update_account(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AccountForm>,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    let name = parse_name(&text(&form.name)).map_err(|m| errors.add("name", m)).ok();
    let tz = parse_time_zone(&text(&form.time_zone))
        .map_err(|m| errors.add("time_zone", m))
        .ok();
    let (Some(name), Some(tz)) = (name, tz) else {
        let page = account_page(&state, ctx, &user, text(&form.name), text(&form.time_zone), errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let who = user.audit();
    let id = user.id;
    state
        .db
        .write(move |c| service::update_profile(c, &who, id, &name, &tz))
        .await?;
    Ok(redirect_with(&session, "/account", "success", "Your account is saved."))
}

pub async fn change_password(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ChangePasswordForm>,
) -> AppResult<HttpResponse> {
    let id = user.id;
    let row = state.db.read(move |c| Ok(model::find_user(c, id)?)).await?;
    let current = text(&form.current_password);
    let hash = row.password_hash.clone();
    let ok = web::block(move || service::password_matches(hash.as_deref(), &current))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let mut errors = FieldErrors::new();
    if !ok {
        errors.add("current_password", "This is not your current password.");
    }
    let pw = text(&form.password);
    if let Err(m) = password::validate_new(&pw, form.password_confirm.as_deref(), &user.email) {
        errors.add("password", m);
    }
    if !errors.is_empty() {
        let page = account_page(
            &state,
            ctx,
            &user,
            user.name.clone(),
            user.time_zone.name().into(),
            errors,
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let pw_hash = hash_off_thread(pw).await?;
    let who = user.audit();
    let device = Device::of(&req);
    let (version, secret) = state
        .db
        .write(move |c| {
            model::set_password(c, id, &pw_hash)?;
            audit::record(c, &who, "user.password_changed", "user", Some(id), "")?;
            Ok((model::find_user(c, id)?.session_version, open_session(c, id, &device)?))
        })
        .await?;
    // Every session of the user ended; this browser goes on in a new one.
    start_session(&session, id, version, &secret)?;
    Ok(redirect_with(
        &session,
        "/account",
        "success",
        "Your password is changed. Other devices have been signed out.",
    ))
}

// ---- API tokens -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/api_tokens.html")]
struct ApiTokensPage {
    ctx: PageCtx,
    tokens: Vec<ApiTokenRow>,
    new_token: Option<String>,
    name: String,
    chosen: Vec<Scope>,
    errors: FieldErrors,
}

impl ApiTokensPage {
    fn all_scopes(&self) -> &'static [Scope] {
        &Scope::AGENCY
    }

    fn is_chosen(&self, scope: &Scope) -> bool {
        self.chosen.contains(scope)
    }
}

pub async fn api_tokens(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let tokens = state.db.read(|c| Ok(model::list_api_tokens(c)?)).await?;
    render(&ApiTokensPage {
        ctx,
        tokens,
        new_token: None,
        name: String::new(),
        chosen: vec![Scope::LeadsWrite],
        errors: FieldErrors::new(),
    })
}

/// The form: `name`, and a `scope` field for each box ticked.
pub async fn create_api_token(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let pairs = form.into_inner();
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let chosen: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v)
        .collect();
    let who = user.audit();
    let (n, c) = (name.clone(), chosen.clone());
    let created = state
        .db
        .write(move |conn| service::create_api_token(conn, &who, &n, &c))
        .await;
    let tokens = state.db.read(|c| Ok(model::list_api_tokens(c)?)).await?;
    match created {
        Ok((_, token)) => render_status(
            StatusCode::CREATED,
            &ApiTokensPage {
                ctx,
                tokens,
                new_token: Some(token),
                name: String::new(),
                chosen: vec![Scope::LeadsWrite],
                errors: FieldErrors::new(),
            },
        ),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ApiTokensPage {
                ctx,
                tokens,
                new_token: None,
                name,
                chosen: chosen.iter().filter_map(|c| c.parse().ok()).collect(),
                errors,
            },
        ),
        Err(e) => Err(e),
    }
}

pub async fn revoke_api_token(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let who = user.audit();
    let actor = user.actor();
    let msg = state
        .db
        .write(move |c| service::revoke_api_token(c, actor, &who, id))
        .await?;
    Ok(redirect_with(&session, "/admin/api-tokens", "success", msg))
}

pub async fn api_whoami(client: ApiClient) -> HttpResponse {
    HttpResponse::Ok()
        .json(serde_json::json!({ "token": client.name, "token_id": client.token_id, "scopes": client.scopes }))
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use proptest::prelude::*;

    fn next(s: &str) -> String {
        safe_next(&Some(s.to_string()))
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(next("/admin/users?page=2"), "/admin/users?page=2");
        assert_eq!(next("//evil.example"), "/");
        assert_eq!(next("https://evil.example"), "/");
        assert_eq!(next("/\\evil.example"), "/");
        assert_eq!(next("/\t/evil.example/"), "/");
        assert_eq!(next("/\n/evil.example/"), "/");
        assert_eq!(next("/.//evil.example/"), "/");
        assert_eq!(next("/logout"), "/");
        assert_eq!(safe_next(&None), "/");
        // Control characters are dropped or encoded, never passed on.
        assert_eq!(next("/leads\r\nSet-Cookie: x=1"), "/leadsSet-Cookie:%20x=1");
        assert_eq!(next("/a\u{0}b"), "/a%00b");
        assert_eq!(next("/leads/ü"), "/leads/%C3%BC");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Whatever `next` holds, the answer is a path on this site that a Location header takes.
        #[test]
        fn any_next_is_a_local_path(raw in proptest::string::string_regex("(/|\\\\|\\t|\\n|\\r|\\.|[a-z:@%?#]|\\PC|[\\x00-\\x20\\x7f]){0,24}").unwrap()) {
            let out = next(&raw);
            prop_assert!(out.starts_with('/'), "{out:?}");
            prop_assert!(!out.starts_with("//") && !out.starts_with("/\\"), "{out:?}");
            prop_assert!(out.bytes().all(|b| b.is_ascii_graphic()), "{out:?}");
            prop_assert!(actix_web::http::header::HeaderValue::from_str(&out).is_ok());
            let base = url::Url::parse("https://agency-engine.invalid/").unwrap();
            prop_assert_eq!(base.join(&out).unwrap().origin(), base.origin());
        }
    }
}
