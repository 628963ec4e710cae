//! Accounts, one-time links and API tokens: every query of the auth domain.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::{account_tokens, api_tokens, login_throttles, user_sessions, users};
use crate::db::{lower, now, search_patterns, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub active: bool,
    pub time_zone: String,
    pub session_version: i32,
    /// No longer read or written: sign-in failures are counted in `login_throttles`, by e-mail and
    /// client address.
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        // The CHECK constraint keeps this column to the five roles.
        self.role.parse().unwrap_or(Role::Trainee)
    }

    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(crate::dates::DEFAULT_TIME_ZONE)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub active: bool,
    pub time_zone: &'a str,
    pub session_version: i32,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> NewUser<'a> {
    pub fn new(email: &'a str, name: &'a str, role: Role, password_hash: Option<&'a str>, time_zone: &'a str) -> Self {
        let t = now();
        NewUser {
            email,
            name,
            password_hash,
            role: role.as_str(),
            active: true,
            time_zone,
            session_version: 1,
            failed_logins: 0,
            created_at: t,
            updated_at: t,
        }
    }
}

pub fn insert_user(conn: &mut DbConnection, new: &NewUser) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)
}

pub fn count_users(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find_user(conn: &mut DbConnection, id: i64) -> QueryResult<UserRow> {
    users::table.find(id).select(UserRow::as_select()).first(conn)
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn count_active_owners(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Owner.as_str()))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

pub fn record_login(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(Some(now())))
        .execute(conn)
}

/// Sets a new password; every session of the user ends.
pub fn set_password(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    end_sessions_of(conn, id, "password changed")?;
    let email = find_user(conn, id)?.email;
    clear_throttle(conn, &email, None)?;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(Some(hash)),
            users::session_version.eq(users::session_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn set_role(conn: &mut DbConnection, id: i64, role: Role) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role.as_str()), users::updated_at.eq(now())))
        .execute(conn)
}

/// Deactivating ends the user's sessions at once.
pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> QueryResult<usize> {
    if !active {
        end_sessions_of(conn, id, "account deactivated")?;
    }
    diesel::update(users::table.find(id))
        .set((
            users::active.eq(active),
            users::session_version.eq(users::session_version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn update_profile(conn: &mut DbConnection, id: i64, name: &str, time_zone: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::time_zone.eq(time_zone),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    /// Some(true): active only; Some(false): deactivated only.
    pub active: Option<bool>,
}

/// A page of users by name, and how many match in all.
pub fn list_users(
    conn: &mut DbConnection,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let build = || {
        let mut q = users::table.into_boxed();
        // Every word in the name or the e-mail, in any order.
        for pattern in filter.q.as_deref().map(search_patterns).unwrap_or_default() {
            q = q.filter(
                lower(users::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(users::email.like(pattern).escape('\\')),
            );
        }
        if let Some(role) = filter.role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        if let Some(active) = filter.active {
            q = q.filter(users::active.eq(active));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((users::name.asc(), users::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn count_by_role(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    users::table
        .filter(users::active.eq(true))
        .group_by(users::role)
        .select((users::role, diesel::dsl::count_star()))
        .load(conn)
}

// ---- one-time links -------------------------------------------------------------------------

pub const PURPOSE_INVITATION: &str = "invitation";
pub const PURPOSE_RESET: &str = "password_reset";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct AccountTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub created_by: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_account_token(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: &str,
    token_hash: &str,
    created_by: Option<i64>,
    expires_at: NaiveDateTime,
) -> QueryResult<i64> {
    // A new link replaces the old ones of the same purpose.
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::expires_at.eq(now()))
    .execute(conn)?;
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose),
            account_tokens::token_hash.eq(token_hash),
            account_tokens::created_by.eq(created_by),
            account_tokens::expires_at.eq(expires_at),
            account_tokens::created_at.eq(now()),
        ))
        .returning(account_tokens::id)
        .get_result(conn)
}

/// Why a link no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

/// A link that is unused and unexpired, with its user.
pub fn find_usable_token(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: &str,
) -> QueryResult<Result<(AccountTokenRow, UserRow), LinkProblem>> {
    let found = account_tokens::table
        .inner_join(users::table)
        .filter(account_tokens::token_hash.eq(token_hash))
        .filter(account_tokens::purpose.eq(purpose))
        .select((AccountTokenRow::as_select(), UserRow::as_select()))
        .first::<(AccountTokenRow, UserRow)>(conn)
        .optional()?;
    Ok(match found {
        None => Err(LinkProblem::Unknown),
        Some((t, _)) if t.used_at.is_some() => Err(LinkProblem::Used),
        Some((t, _)) if t.expires_at <= now() => Err(LinkProblem::Expired),
        Some(pair) => Ok(pair),
    })
}

/// Marks a link used; false when someone else used it first.
pub fn use_token(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(account_tokens::table.find(id).filter(account_tokens::used_at.is_null()))
        .set(account_tokens::used_at.eq(Some(now())))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn latest_invitation(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<AccountTokenRow>> {
    account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(PURPOSE_INVITATION))
        .order(account_tokens::id.desc())
        .select(AccountTokenRow::as_select())
        .first(conn)
        .optional()
}

// ---- API tokens ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub scopes: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// The network member the token acts as; None for the agency's own tokens.
    pub owner_id: Option<i64>,
}

impl ApiTokenRow {
    pub fn scope_list(&self) -> Vec<crate::auth::scopes::Scope> {
        crate::auth::scopes::parse_stored(&self.scopes)
    }
}

pub fn insert_api_token(
    conn: &mut DbConnection,
    name: &str,
    prefix: &str,
    hash: &str,
    scopes: &str,
    created_by: Option<i64>,
    owner_id: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::prefix.eq(prefix),
            api_tokens::token_hash.eq(hash),
            api_tokens::scopes.eq(scopes),
            api_tokens::created_by.eq(created_by),
            api_tokens::owner_id.eq(owner_id),
            api_tokens::created_at.eq(now()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)
}

pub fn find_active_api_token(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<ApiTokenRow>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch_api_token(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(now())))
        .execute(conn)
}

pub fn list_api_tokens(conn: &mut DbConnection) -> QueryResult<Vec<ApiTokenRow>> {
    api_tokens::table
        .order(api_tokens::id.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)
}

/// A member's own tokens, newest first.
pub fn api_tokens_of(conn: &mut DbConnection, owner_id: i64) -> QueryResult<Vec<ApiTokenRow>> {
    api_tokens::table
        .filter(api_tokens::owner_id.eq(owner_id))
        .order(api_tokens::id.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)
}

/// Is the user still active (a member's token stops working when they are deactivated)?
pub fn user_is_active(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(users::table
        .find(id)
        .select(users::active)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

pub fn find_api_token(conn: &mut DbConnection, id: i64) -> QueryResult<ApiTokenRow> {
    api_tokens::table.find(id).select(ApiTokenRow::as_select()).first(conn)
}

pub fn revoke_api_token(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(Some(now())))
        .execute(conn)
}

pub fn active_owners(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq(Role::Owner.as_str()))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)
}

// ---- sessions --------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
}

pub fn insert_session(
    conn: &mut DbConnection,
    user_id: i64,
    token_hash: &str,
    ip: &str,
    user_agent: &str,
) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::user_id.eq(user_id),
            user_sessions::token_hash.eq(token_hash),
            user_sessions::ip.eq(ip),
            user_sessions::user_agent.eq(user_agent),
            user_sessions::created_at.eq(t),
            user_sessions::last_seen_at.eq(t),
        ))
        .returning(user_sessions::id)
        .get_result(conn)
}

/// The open session with this token and its user, if the account is active and the cookie's
/// session version still current.
pub fn session_user(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    token_hash: &str,
) -> QueryResult<Option<(UserRow, SessionRow)>> {
    user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::token_hash.eq(token_hash))
        .filter(user_sessions::ended_at.is_null())
        .filter(users::id.eq(id))
        .filter(users::active.eq(true))
        .filter(users::session_version.eq(version))
        .select((UserRow::as_select(), SessionRow::as_select()))
        .first(conn)
        .optional()
}

pub fn session_is_open(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        user_sessions::table
            .filter(user_sessions::id.eq(id))
            .filter(user_sessions::ended_at.is_null()),
    ))
    .get_result(conn)
}

pub fn touch_session(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::last_seen_at.eq(now()))
        .execute(conn)
}

/// Ends one session of the user; 0 when it was not theirs or already ended.
pub fn end_session(conn: &mut DbConnection, user_id: i64, id: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::id.eq(id))
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::ended_at.is_null()),
    )
    .set((
        user_sessions::ended_at.eq(Some(now())),
        user_sessions::end_reason.eq(Some(reason)),
    ))
    .execute(conn)
}

/// Ends every open session of the user.
pub fn end_sessions_of(conn: &mut DbConnection, user_id: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::ended_at.is_null()),
    )
    .set((
        user_sessions::ended_at.eq(Some(now())),
        user_sessions::end_reason.eq(Some(reason)),
    ))
    .execute(conn)
}

/// The user's open sessions seen after `seen_after` and started after `started_after`, the most
/// recently seen first.
pub fn open_sessions_of(
    conn: &mut DbConnection,
    user_id: i64,
    seen_after: NaiveDateTime,
    started_after: NaiveDateTime,
) -> QueryResult<Vec<SessionRow>> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::ended_at.is_null())
        .filter(user_sessions::last_seen_at.gt(seen_after))
        .filter(user_sessions::created_at.gt(started_after))
        .order((user_sessions::last_seen_at.desc(), user_sessions::id.desc()))
        .select(SessionRow::as_select())
        .load(conn)
}

// ---- failed sign-ins, by e-mail address and client address ------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttles)]
pub struct ThrottleRow {
    pub email: String,
    pub ip: String,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn find_throttle(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<Option<ThrottleRow>> {
    login_throttles::table
        .find((email, ip))
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()
}

/// Records the failures in a row from `ip` for `email` (known or not), and drops the rows that
/// have gone quiet since `forget_before`.
pub fn record_throttle(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    failures: i32,
    locked_until: Option<NaiveDateTime>,
    forget_before: NaiveDateTime,
) -> QueryResult<()> {
    let t = now();
    let values = (
        login_throttles::email.eq(email),
        login_throttles::ip.eq(ip),
        login_throttles::failures.eq(failures),
        login_throttles::locked_until.eq(locked_until),
        login_throttles::updated_at.eq(t),
    );
    crate::db::direct!(conn, |c| diesel::insert_into(login_throttles::table)
        .values(values)
        .on_conflict((login_throttles::email, login_throttles::ip))
        .do_update()
        .set((
            login_throttles::failures.eq(failures),
            login_throttles::locked_until.eq(locked_until),
            login_throttles::updated_at.eq(t),
        ))
        .execute(c))?;
    diesel::delete(
        login_throttles::table
            .filter(login_throttles::updated_at.lt(forget_before))
            .filter(
                login_throttles::locked_until
                    .is_null()
                    .or(login_throttles::locked_until.lt(t)),
            ),
    )
    .execute(conn)?;
    Ok(())
}

/// A successful sign-in from `ip`, or a new password, clears the failures counted for `email`
/// (from `ip`, or from everywhere when `ip` is None).
pub fn clear_throttle(conn: &mut DbConnection, email: &str, ip: Option<&str>) -> QueryResult<usize> {
    match ip {
        Some(ip) => diesel::delete(login_throttles::table.find((email, ip))).execute(conn),
        None => diesel::delete(login_throttles::table.filter(login_throttles::email.eq(email))).execute(conn),
    }
}
