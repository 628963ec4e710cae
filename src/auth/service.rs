//! State changes to accounts. Each checks who may make it, validates its input, and writes the
//! change, its audit entry and any e-mail job in the caller's transaction.
//!
//! Creating, inviting and re-roling a user do not make an agent profile: callers go through
//! `users::service`, which adds it for agent roles, or (the agents domain's own invitations) make
//! it themselves.

use chrono::NaiveDateTime;

use super::model::{self, NewUser, PURPOSE_INVITATION, PURPOSE_RESET};
use super::password;
use super::roles::{self, Actor, Role, Target};
use super::scopes;
use super::tokens;
use crate::audit::{self, AuditActor};
use crate::config::Settings;
use crate::db::{now, Backend, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::jobs::{self, EmailJob};

/// A lower-cased, syntactically valid e-mail address.
pub fn parse_email(raw: &str) -> Result<String, String> {
    let e = raw.trim().to_lowercase();
    if e.is_empty() {
        return Err("Enter an e-mail address.".into());
    }
    if e.len() > 254
        || e.chars().any(crate::text::is_hidden)
        || !email_address::EmailAddress::is_valid(&e)
        || !e.contains('.')
    {
        return Err("Enter a valid e-mail address, like name@example.com.".into());
    }
    Ok(e)
}

pub fn parse_name(raw: &str) -> Result<String, String> {
    crate::text::person_name(raw, 120).map_err(|e| e.message("name"))
}

pub fn parse_time_zone(raw: &str) -> Result<String, String> {
    let tz = raw.trim();
    tz.parse::<chrono_tz::Tz>()
        .map(|_| tz.to_string())
        .map_err(|_| "Choose a time zone from the list.".to_string())
}

/// Time zones offered in forms: the US ones first, then the rest.
pub fn time_zone_choices() -> Vec<&'static str> {
    const US: [&str; 9] = [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
        "UTC",
    ];
    let mut all: Vec<&'static str> = US.to_vec();
    all.extend(
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|t| t.name())
            .filter(|n| !US.contains(n) && n.contains('/')),
    );
    all
}

fn expiry(ttl: std::time::Duration) -> NaiveDateTime {
    now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1))
}

/// The first account, made on the set-up page. Fails with NotFound once any user exists.
pub fn create_first_owner(
    conn: &mut DbConnection,
    actor: &AuditActor,
    email: &str,
    name: &str,
    password_hash: &str,
    time_zone: &str,
) -> Result<i64, AppError> {
    if conn.backend() == Backend::Postgres {
        // Two set-up forms sent at once on two servers: the second waits, then sees the first.
        diesel::RunQueryDsl::execute(diesel::sql_query("LOCK TABLE users IN EXCLUSIVE MODE"), conn)?;
    }
    if model::count_users(conn)? > 0 {
        return Err(AppError::NotFound);
    }
    let id = model::insert_user(
        conn,
        &NewUser::new(email, name, Role::Owner, Some(password_hash), time_zone),
    )?;
    audit::record(
        conn,
        actor,
        "user.created",
        "user",
        Some(id),
        &format!("first owner {email} at set-up"),
    )?;
    Ok(id)
}

/// A user with a password, from the command line.
pub fn create_user_with_password(
    conn: &mut DbConnection,
    actor: &AuditActor,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Result<i64, AppError> {
    if model::find_user_by_email(conn, email)?.is_some() {
        return Err(AppError::field(
            "email",
            "A user with this e-mail address already exists.",
        ));
    }
    let id = model::insert_user(
        conn,
        &NewUser::new(
            email,
            name,
            role,
            Some(password_hash),
            crate::dates::DEFAULT_TIME_ZONE.name(),
        ),
    )?;
    audit::record(
        conn,
        actor,
        "user.created",
        "user",
        Some(id),
        &format!("{email} as {role}"),
    )?;
    Ok(id)
}

pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl Invitation {
    /// Validates the invitation form; every bad field is named.
    pub fn parse(email: &str, name: &str, role: &str) -> Result<Invitation, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = parse_email(email).map_err(|m| errors.add("email", m)).ok();
        let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
        let role = role
            .parse::<Role>()
            .map_err(|_| errors.add("role", "Choose a role."))
            .ok();
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) if errors.is_empty() => Ok(Invitation { email, name, role }),
            _ => Err(errors),
        }
    }
}

/// Creates the account (without a password) and queues the invitation e-mail.
pub fn invite(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    inviter_name: &str,
    inv: &Invitation,
    settings: &Settings,
) -> Result<i64, AppError> {
    roles::may_invite(actor, inv.role).map_err(|r| AppError::field("role", &r.to_string()))?;
    if model::find_user_by_email(conn, &inv.email)?.is_some() {
        return Err(AppError::field(
            "email",
            "A user with this e-mail address already exists.",
        ));
    }
    let tz = crate::dates::DEFAULT_TIME_ZONE.name();
    let id = model::insert_user(conn, &NewUser::new(&inv.email, &inv.name, inv.role, None, tz))?;
    send_invitation(
        conn,
        actor.id,
        inviter_name,
        id,
        &inv.email,
        &inv.name,
        inv.role,
        settings,
    )?;
    audit::record(
        conn,
        who,
        "user.invited",
        "user",
        Some(id),
        &format!("{} as {}", inv.email, inv.role),
    )?;
    Ok(id)
}

/// Sends a fresh invitation to a user who has not set a password yet.
pub fn resend_invitation(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    inviter_name: &str,
    user_id: i64,
    settings: &Settings,
) -> Result<String, AppError> {
    let user = model::find_user(conn, user_id)?;
    roles::may_invite(actor, user.role()).map_err(|r| AppError::Conflict(r.to_string()))?;
    if user.has_password() {
        return Err(AppError::Conflict(format!("{} has already set a password.", user.name)));
    }
    if !user.active {
        return Err(AppError::Conflict(format!(
            "{} is deactivated; reactivate the account first.",
            user.name
        )));
    }
    send_invitation(
        conn,
        actor.id,
        inviter_name,
        user.id,
        &user.email,
        &user.name,
        user.role(),
        settings,
    )?;
    audit::record(conn, who, "user.invitation_resent", "user", Some(user.id), &user.email)?;
    Ok(user.email)
}

#[allow(clippy::too_many_arguments)]
fn send_invitation(
    conn: &mut DbConnection,
    inviter_id: i64,
    inviter_name: &str,
    user_id: i64,
    email: &str,
    name: &str,
    role: Role,
    settings: &Settings,
) -> Result<(), AppError> {
    let secret = tokens::new_secret();
    let expires = expiry(settings.invitation_ttl);
    model::insert_account_token(
        conn,
        user_id,
        PURPOSE_INVITATION,
        &tokens::digest(&secret),
        Some(inviter_id),
        expires,
    )?;
    let hours = settings.invitation_ttl.as_secs() / 3600;
    let body = format!(
        "Hello {name},\n\n{inviter_name} has invited you to join your agency on Agency Engine as {role}.\n\n\
         Choose your password here to finish setting up your account:\n{base}/invitations/{secret}\n\n\
         The link works once and expires in {hours} hours. If you did not expect this e-mail, you can ignore it.\n",
        role = role.label().to_lowercase(),
        base = settings.base_url,
    );
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: email.into(),
            subject: "You're invited to Agency Engine".into(),
            body,
        },
    )?;
    Ok(())
}

/// Queues a reset link when the address belongs to an active user; says nothing either way.
pub fn request_password_reset(
    conn: &mut DbConnection,
    who: &AuditActor,
    email: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let Some(user) = model::find_user_by_email(conn, email)? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    let secret = tokens::new_secret();
    model::insert_account_token(
        conn,
        user.id,
        PURPOSE_RESET,
        &tokens::digest(&secret),
        None,
        expiry(settings.password_reset_ttl),
    )?;
    let minutes = settings.password_reset_ttl.as_secs() / 60;
    let body = format!(
        "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your Agency Engine account.\n\n\
         Choose a new password here:\n{base}/password-reset/{secret}\n\n\
         The link works once and expires in {minutes} minutes. If you did not ask for this, ignore this e-mail: \
         your password stays as it is.\n",
        name = user.name,
        base = settings.base_url,
    );
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: user.email.clone(),
            subject: "Reset your Agency Engine password".into(),
            body,
        },
    )?;
    audit::record(
        conn,
        who,
        "user.password_reset_requested",
        "user",
        Some(user.id),
        &user.email,
    )?;
    Ok(())
}

/// Uses a one-time link to set a password. Returns the user id and new session version.
pub fn set_password_with_link(
    conn: &mut DbConnection,
    who: &AuditActor,
    secret: &str,
    purpose: &str,
    password_hash: &str,
) -> Result<(i64, i32), AppError> {
    let (token, user) = match model::find_usable_token(conn, &tokens::digest(secret), purpose)? {
        Ok(pair) => pair,
        Err(problem) => return Err(link_error(problem)),
    };
    if !user.active {
        return Err(AppError::Gone(
            "This account has been deactivated. Ask your agency's owner.".into(),
        ));
    }
    if !model::use_token(conn, token.id)? {
        return Err(link_error(model::LinkProblem::Used));
    }
    model::set_password(conn, user.id, password_hash)?;
    let action = if purpose == PURPOSE_INVITATION {
        "user.invitation_accepted"
    } else {
        "user.password_reset"
    };
    audit::record(
        conn,
        &AuditActor {
            id: Some(user.id),
            ..who.clone()
        },
        action,
        "user",
        Some(user.id),
        &user.email,
    )?;
    Ok((user.id, user.session_version + 1))
}

pub fn link_error(problem: model::LinkProblem) -> AppError {
    match problem {
        model::LinkProblem::Unknown => AppError::NotFound,
        model::LinkProblem::Used => {
            AppError::Gone("This link has already been used. Sign in, or ask for a new link.".into())
        }
        model::LinkProblem::Expired => AppError::Gone("This link has expired. Ask for a new one.".into()),
    }
}

fn target_of(conn: &mut DbConnection, id: i64) -> Result<(model::UserRow, Target, i64), AppError> {
    let user = model::find_user(conn, id)?;
    let target = Target {
        id: user.id,
        role: user.role(),
        active: user.active,
    };
    let owners = model::count_active_owners(conn)?;
    Ok((user, target, owners))
}

pub fn change_role(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    role: Role,
) -> Result<String, AppError> {
    let (user, target, owners) = target_of(conn, id)?;
    roles::may_change_role(actor, target, role, owners).map_err(|r| AppError::Conflict(r.to_string()))?;
    if target.role == role {
        return Ok(format!("{} is already {}.", user.name, role.label().to_lowercase()));
    }
    model::set_role(conn, id, role)?;
    audit::record(
        conn,
        who,
        "user.role_changed",
        "user",
        Some(id),
        &format!("{} from {} to {}", user.email, target.role, role),
    )?;
    Ok(format!("{} is now {}.", user.name, role.label().to_lowercase()))
}

pub fn set_active(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    active: bool,
) -> Result<String, AppError> {
    let (user, target, owners) = target_of(conn, id)?;
    if active {
        roles::may_reactivate(actor, target)
    } else {
        roles::may_deactivate(actor, target, owners)
    }
    .map_err(|r| AppError::Conflict(r.to_string()))?;
    if user.active == active {
        return Ok(format!(
            "{} is already {}.",
            user.name,
            if active { "active" } else { "deactivated" }
        ));
    }
    model::set_active(conn, id, active)?;
    let action = if active { "user.reactivated" } else { "user.deactivated" };
    audit::record(conn, who, action, "user", Some(id), &user.email)?;
    Ok(if active {
        format!("{} can sign in again.", user.name)
    } else {
        format!("{} is deactivated and signed out everywhere.", user.name)
    })
}

/// Creates an API token with the scopes chosen; `scopes` names them as the form or command line
/// gave them (at least one). The token is returned once; only its hash is kept.
pub fn create_api_token<S: AsRef<str>>(
    conn: &mut DbConnection,
    who: &AuditActor,
    name: &str,
    scopes: &[S],
) -> Result<(i64, String), AppError> {
    let mut errors = FieldErrors::new();
    let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
    let scopes = scopes::parse_choice(scopes).map_err(|m| errors.add("scopes", m)).ok();
    let (Some(name), Some(scopes)) = (name, scopes) else {
        return Err(AppError::Validation(errors));
    };
    issue_token(conn, who, &name, &scopes, None)
}

/// A token that acts as `owner`, with the `network` scope only. The network's service checks
/// that the owner is a member making their own token before calling this.
pub fn create_member_token(
    conn: &mut DbConnection,
    who: &AuditActor,
    owner: i64,
    name: &str,
) -> Result<(i64, String), AppError> {
    let name = parse_name(name).map_err(|m| AppError::field("name", &m))?;
    issue_token(conn, who, &name, &[scopes::Scope::Network], Some(owner))
}

fn issue_token(
    conn: &mut DbConnection,
    who: &AuditActor,
    name: &str,
    scopes: &[scopes::Scope],
    owner: Option<i64>,
) -> Result<(i64, String), AppError> {
    let stored = scopes::to_stored(scopes);
    let t = tokens::new_api_token();
    let id = model::insert_api_token(conn, name, &t.prefix, &t.hash, &stored, who.id, owner)?;
    let acting = owner.map(|o| format!(", acting as member {o}")).unwrap_or_default();
    audit::record(
        conn,
        who,
        "api_token.created",
        "api_token",
        Some(id),
        &format!("{name} (ae_{}…) with scopes {stored}{acting}", t.prefix),
    )?;
    Ok((id, t.token))
}

/// Staff revoke any token, the agency's or a member's.
pub fn revoke_api_token(conn: &mut DbConnection, actor: Actor, who: &AuditActor, id: i64) -> Result<String, AppError> {
    if !actor.role.is_staff() {
        return Err(AppError::Forbidden);
    }
    revoke(conn, who, id, None)
}

/// Revokes one of the owner's own tokens; another's is not found.
pub fn revoke_member_token(conn: &mut DbConnection, who: &AuditActor, owner: i64, id: i64) -> Result<String, AppError> {
    revoke(conn, who, id, Some(owner))
}

fn revoke(conn: &mut DbConnection, who: &AuditActor, id: i64, owner: Option<i64>) -> Result<String, AppError> {
    let token = diesel::OptionalExtension::optional(model::find_api_token(conn, id))?.ok_or(AppError::NotFound)?;
    if owner.is_some() && token.owner_id != owner {
        return Err(AppError::NotFound);
    }
    if model::revoke_api_token(conn, id)? == 0 {
        return Ok(format!("The token {} was already revoked.", token.name));
    }
    audit::record(conn, who, "api_token.revoked", "api_token", Some(id), &token.name)?;
    Ok(format!(
        "The token {} is revoked; requests with it now get 401.",
        token.name
    ))
}

/// Ends one of the user's own sessions (signing out, or "sign out" beside a device on the account
/// page). Another user's session, or one already ended, is not found.
pub fn end_session(
    conn: &mut DbConnection,
    who: &AuditActor,
    user_id: i64,
    session_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    if model::end_session(conn, user_id, session_id, reason)? == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(conn, who, "user.signed_out", "user", Some(user_id), reason)?;
    Ok(())
}

/// "Sign out everywhere": ends every session of the user, this one too. Returns how many.
pub fn end_all_sessions(conn: &mut DbConnection, who: &AuditActor, user_id: i64) -> Result<usize, AppError> {
    let n = model::end_sessions_of(conn, user_id, "signed out everywhere")?;
    audit::record(
        conn,
        who,
        "user.signed_out_everywhere",
        "user",
        Some(user_id),
        &format!("{n} sessions ended"),
    )?;
    Ok(n)
}

pub fn update_profile(
    conn: &mut DbConnection,
    who: &AuditActor,
    id: i64,
    name: &str,
    time_zone: &str,
) -> Result<(), AppError> {
    model::update_profile(conn, id, name, time_zone)?;
    audit::record(
        conn,
        who,
        "user.profile_updated",
        "user",
        Some(id),
        &format!("name {name:?}, time zone {time_zone}"),
    )?;
    Ok(())
}

/// Checks a password outside any transaction (argon2 is slow; keep it off the write connection).
pub fn password_matches(hash: Option<&str>, password: &str) -> bool {
    match hash {
        Some(h) => password::verify(password, h),
        None => {
            password::verify_against_dummy(password);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(parse_email("  Ann.Lee@Agency.TEST ").unwrap(), "ann.lee@agency.test");
        assert!(parse_email("").is_err());
        assert!(parse_email("ann").is_err());
        assert!(parse_email("ann@localhost").is_err());
        assert!(parse_email("a b@c.de").is_err());
        assert!(parse_email("ann\u{200b}@agency.test").is_err());
        assert!(parse_email("ann\u{0}@agency.test").is_err());
    }

    #[test]
    fn names_are_tidied() {
        assert_eq!(parse_name("  Ann   Lee ").unwrap(), "Ann Lee");
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(121)).is_err());
    }

    #[test]
    fn time_zones_must_exist() {
        assert_eq!(parse_time_zone("America/Chicago").unwrap(), "America/Chicago");
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert_eq!(time_zone_choices()[0], "America/New_York");
    }

    #[test]
    fn invitation_names_every_bad_field() {
        let errors = Invitation::parse("nope", "", "wizard").err().unwrap();
        assert!(errors.has("email") && errors.has("name") && errors.has("role"));
        let ok = Invitation::parse("A@B.co", "Ann", "agent").ok().unwrap();
        assert_eq!((ok.email.as_str(), ok.role), ("a@b.co", Role::Agent));
    }
}
