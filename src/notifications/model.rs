//! In-app notifications: one row per person and event. The badge counts the unread ones; the live
//! event stream ([`super::hub`]) polls for new rows, so every server sees every notification.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::{notifications, users};
use crate::db::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub body: String,
    pub link: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// What the notification is about, when that can be answered (`offer:<id>`).
    pub subject: Option<String>,
    /// How it was answered ("You accepted it."), once it was.
    pub outcome: Option<String>,
}

/// Tells one person something; `link` is where the notification leads (a path of this site).
pub fn notify(conn: &mut DbConnection, user_id: i64, kind: &str, body: &str, link: &str) -> QueryResult<i64> {
    notify_about(conn, user_id, kind, body, link, None)
}

/// [`notify`] about something that will be answered (`subject`, e.g. `offer:12`): [`answered`]
/// marks it read and records how, once it is.
pub fn notify_about(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    body: &str,
    link: &str,
    subject: Option<&str>,
) -> QueryResult<i64> {
    let insert = diesel::insert_into(notifications::table)
        .values((
            notifications::user_id.eq(user_id),
            notifications::kind.eq(kind),
            notifications::body.eq(body),
            notifications::link.eq(link),
            notifications::created_at.eq(now()),
            notifications::subject.eq(subject),
        ))
        .returning(notifications::id);
    crate::db::direct!(conn, |c| insert.get_result(c))
}

/// The notifications about `subject` are answered: read from now on, with the outcome shown.
pub fn answered(conn: &mut DbConnection, subject: &str, outcome: &str) -> QueryResult<usize> {
    let n = diesel::update(
        notifications::table
            .filter(notifications::subject.eq(subject))
            .filter(notifications::outcome.is_null()),
    )
    .set(notifications::outcome.eq(Some(outcome)))
    .execute(conn)?;
    diesel::update(
        notifications::table
            .filter(notifications::subject.eq(subject))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n)
}

/// The subject of the notifications about an offer.
pub fn offer_subject(offer_id: i64) -> String {
    format!("offer:{offer_id}")
}

/// The active owners and admins, with their e-mail addresses: who hears about escalations.
pub fn staff_recipients(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String)>> {
    users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::Owner.as_str(), Role::Admin.as_str()]))
        .order(users::id.asc())
        .select((users::id, users::email, users::name))
        .load(conn)
}

pub fn unread_count(conn: &mut DbConnection, user_id: i64) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
}

/// A keyset page of one person's notifications, newest first: rows before `before` (an id), and
/// whether there are more.
pub fn page_of(
    conn: &mut DbConnection,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<NotificationRow>, bool)> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(notifications::id.lt(b));
    }
    let mut rows: Vec<NotificationRow> = q
        .order(notifications::id.desc())
        .limit(limit + 1)
        .select(NotificationRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Marks every unread notification of the person as read; how many changed.
pub fn mark_all_read(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)
}

/// Marks one of the person's notifications as read; its link, or `None` when it is not theirs.
pub fn mark_read(conn: &mut DbConnection, user_id: i64, id: i64) -> QueryResult<Option<String>> {
    let link: Option<String> = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id))
        .select(notifications::link)
        .first(conn)
        .optional()?;
    if link.is_some() {
        diesel::update(
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(Some(now())))
        .execute(conn)?;
    }
    Ok(link)
}

/// Notifications created after `since`: `(id, user, kind, created_at)`, oldest first.
pub fn created_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(i64, i64, String, NaiveDateTime)>> {
    notifications::table
        .filter(notifications::created_at.gt(since))
        .order(notifications::id.asc())
        .limit(limit)
        .select((
            notifications::id,
            notifications::user_id,
            notifications::kind,
            notifications::created_at,
        ))
        .load(conn)
}
