//! Every query of the broker network: profiles, connections and their links, reach (a recursive
//! query both databases run), referrals with their history and consent links, and the rules.

pub mod standing;
pub mod teams;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use crate::db::schema::{
    network_connection_events, network_connections, network_links, network_profiles, network_rules,
    referral_consent_links, referral_events, referrals, users,
};
use crate::db::{now, DbConnection};
use crate::domain::network::{ConnectionKind, ConnectionStatus, ReferralStatus, ReferralTarget, SplitKind};

// ---- profiles -------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = network_profiles)]
pub struct ProfileRow {
    pub user_id: i64,
    pub brokerage: String,
    pub lines: String,
    pub specialisations: String,
    pub states: String,
    pub counties: String,
    pub zips: String,
    pub radius_miles: Option<i32>,
    pub languages: String,
    pub capacity_per_month: i32,
    pub available: bool,
    pub bio: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn profile(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<ProfileRow>> {
    network_profiles::table
        .find(user_id)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a member's profile (its first creation time is kept).
pub fn save_profile(conn: &mut DbConnection, p: &ProfileRow) -> QueryResult<()> {
    let changed = diesel::update(network_profiles::table.find(p.user_id))
        .set((
            network_profiles::brokerage.eq(&p.brokerage),
            network_profiles::lines.eq(&p.lines),
            network_profiles::specialisations.eq(&p.specialisations),
            network_profiles::states.eq(&p.states),
            network_profiles::counties.eq(&p.counties),
            network_profiles::zips.eq(&p.zips),
            network_profiles::radius_miles.eq(p.radius_miles),
            network_profiles::languages.eq(&p.languages),
            network_profiles::capacity_per_month.eq(p.capacity_per_month),
            network_profiles::available.eq(p.available),
            network_profiles::bio.eq(&p.bio),
            network_profiles::updated_at.eq(p.updated_at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(network_profiles::table).values(p).execute(conn)?;
    }
    Ok(())
}

/// A member as lists show them: user id, name, e-mail, brokerage.
#[derive(Debug, Clone, Queryable)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub brokerage: String,
}

/// Members whose name, e-mail or brokerage contains `q` (at most `limit`), not `except`.
pub fn search_members(conn: &mut DbConnection, q: &str, except: i64, limit: i64) -> QueryResult<Vec<Member>> {
    let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
    users::table
        .inner_join(network_profiles::table)
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(LOWER(users.name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(like.clone())
                .sql(" OR LOWER(users.email) LIKE ")
                .bind::<diesel::sql_types::Text, _>(like.clone())
                .sql(" OR LOWER(network_profiles.brokerage) LIKE ")
                .bind::<diesel::sql_types::Text, _>(like)
                .sql(")"),
        )
        .order(users::name.asc())
        .limit(limit)
        .select((users::id, users::name, users::email, network_profiles::brokerage))
        .load(conn)
}

pub fn member(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<Member>> {
    users::table
        .inner_join(network_profiles::table)
        .filter(users::id.eq(user_id))
        .filter(users::active.eq(true))
        .select((users::id, users::name, users::email, network_profiles::brokerage))
        .first(conn)
        .optional()
}

/// An active user's id and role, found by id or by e-mail address.
pub fn user_role(
    conn: &mut DbConnection,
    id: Option<i64>,
    email: Option<&str>,
) -> QueryResult<Option<(i64, crate::auth::roles::Role)>> {
    let mut q = users::table.filter(users::active.eq(true)).into_boxed();
    if let Some(id) = id {
        q = q.filter(users::id.eq(id));
    }
    if let Some(e) = email {
        q = q.filter(users::email.eq(e.trim().to_lowercase()));
    }
    let row: Option<(i64, String)> = q.select((users::id, users::role)).first(conn).optional()?;
    Ok(row.and_then(|(id, r)| r.parse().ok().map(|role| (id, role))))
}

pub fn member_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Member>> {
    users::table
        .inner_join(network_profiles::table)
        .filter(users::email.eq(email.trim().to_lowercase()))
        .filter(users::active.eq(true))
        .select((users::id, users::name, users::email, network_profiles::brokerage))
        .first(conn)
        .optional()
}

pub fn members(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Member>> {
    users::table
        .inner_join(network_profiles::table)
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::email, network_profiles::brokerage))
        .load(conn)
}

/// Every member, newest first (the agency's view), at most `limit`.
pub fn all_members(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Member>> {
    users::table
        .inner_join(network_profiles::table)
        .order(network_profiles::created_at.desc())
        .limit(limit)
        .select((users::id, users::name, users::email, network_profiles::brokerage))
        .load(conn)
}

pub fn member_count(conn: &mut DbConnection) -> QueryResult<i64> {
    network_profiles::table.count().get_result(conn)
}

// ---- connections ----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = network_connections)]
pub struct ConnectionRow {
    pub id: i64,
    pub requester_id: i64,
    pub addressee_id: i64,
    pub user_low: i64,
    pub user_high: i64,
    pub kind: ConnectionKind,
    pub status: ConnectionStatus,
    pub message: String,
    pub created_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<i64>,
}

impl ConnectionRow {
    /// The member on the other side from `me`.
    pub fn other(&self, me: i64) -> i64 {
        if self.requester_id == me {
            self.addressee_id
        } else {
            self.requester_id
        }
    }

    pub fn involves(&self, user_id: i64) -> bool {
        self.requester_id == user_id || self.addressee_id == user_id
    }
}

pub fn insert_connection(
    conn: &mut DbConnection,
    from: i64,
    to: i64,
    kind: ConnectionKind,
    message: &str,
) -> QueryResult<i64> {
    let values = (
        network_connections::requester_id.eq(from),
        network_connections::addressee_id.eq(to),
        network_connections::user_low.eq(from.min(to)),
        network_connections::user_high.eq(from.max(to)),
        network_connections::kind.eq(kind),
        network_connections::status.eq(ConnectionStatus::Pending),
        network_connections::message.eq(message),
        network_connections::created_at.eq(now()),
    );
    crate::db::direct!(conn, |c| diesel::insert_into(network_connections::table)
        .values(values)
        .returning(network_connections::id)
        .get_result(c))
}

pub fn connection(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ConnectionRow>> {
    network_connections::table
        .find(id)
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
}

/// The open (pending or active) connection between two members, if any.
pub fn open_between(conn: &mut DbConnection, a: i64, b: i64) -> QueryResult<Option<ConnectionRow>> {
    network_connections::table
        .filter(network_connections::user_low.eq(a.min(b)))
        .filter(network_connections::user_high.eq(a.max(b)))
        .filter(network_connections::status.eq_any([ConnectionStatus::Pending, ConnectionStatus::Active]))
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
}

/// A member's connections of every state, newest first.
pub fn connections_of(conn: &mut DbConnection, user_id: i64, limit: i64) -> QueryResult<Vec<ConnectionRow>> {
    network_connections::table
        .filter(
            network_connections::requester_id
                .eq(user_id)
                .or(network_connections::addressee_id.eq(user_id)),
        )
        .order(network_connections::id.desc())
        .limit(limit)
        .select(ConnectionRow::as_select())
        .load(conn)
}

/// Sets a connection's state, with the time of the answer or of its end.
pub fn set_connection_status(
    conn: &mut DbConnection,
    id: i64,
    status: ConnectionStatus,
    by: i64,
) -> QueryResult<usize> {
    let t = now();
    match status {
        ConnectionStatus::Active | ConnectionStatus::Declined => diesel::update(network_connections::table.find(id))
            .set((
                network_connections::status.eq(status),
                network_connections::responded_at.eq(Some(t)),
            ))
            .execute(conn),
        _ => diesel::update(network_connections::table.find(id))
            .set((
                network_connections::status.eq(status),
                network_connections::ended_at.eq(Some(t)),
                network_connections::ended_by.eq(Some(by)),
            ))
            .execute(conn),
    }
}

pub fn add_connection_event(
    conn: &mut DbConnection,
    connection_id: i64,
    actor: Option<i64>,
    kind: &str,
) -> QueryResult<()> {
    diesel::insert_into(network_connection_events::table)
        .values((
            network_connection_events::connection_id.eq(connection_id),
            network_connection_events::actor_id.eq(actor),
            network_connection_events::kind.eq(kind),
            network_connection_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A connection's history: (actor, kind, when), oldest first.
pub fn connection_events(
    conn: &mut DbConnection,
    connection_id: i64,
) -> QueryResult<Vec<(Option<i64>, String, NaiveDateTime)>> {
    network_connection_events::table
        .filter(network_connection_events::connection_id.eq(connection_id))
        .order(network_connection_events::id.asc())
        .select((
            network_connection_events::actor_id,
            network_connection_events::kind,
            network_connection_events::created_at,
        ))
        .load(conn)
}

/// Adds both directions of an active connection to the graph.
pub fn link(conn: &mut DbConnection, c: &ConnectionRow) -> QueryResult<()> {
    let t = now();
    for (a, b) in [(c.requester_id, c.addressee_id), (c.addressee_id, c.requester_id)] {
        diesel::insert_into(network_links::table)
            .values((
                network_links::user_id.eq(a),
                network_links::other_id.eq(b),
                network_links::connection_id.eq(c.id),
                network_links::since.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes an ended connection out of the graph.
pub fn unlink(conn: &mut DbConnection, connection_id: i64) -> QueryResult<usize> {
    diesel::delete(network_links::table.filter(network_links::connection_id.eq(connection_id))).execute(conn)
}

/// The members directly connected to `user_id` (active connections).
pub fn neighbours(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    network_links::table
        .filter(network_links::user_id.eq(user_id))
        .order(network_links::other_id.asc())
        .select(network_links::other_id)
        .load(conn)
}

/// The active links among these members: (a, b) with a < b.
pub fn links_among(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    network_links::table
        .filter(network_links::user_id.eq_any(ids))
        .filter(network_links::other_id.eq_any(ids))
        .filter(network_links::user_id.lt(network_links::other_id))
        .select((network_links::user_id, network_links::other_id))
        .load(conn)
}

#[derive(QueryableByName)]
struct DegreeRow {
    #[diesel(sql_type = BigInt)]
    node: i64,
    #[diesel(sql_type = Integer)]
    degree: i32,
}

/// Every member within `depth` steps of `user_id` over active connections, with the fewest steps
/// to reach them (the member themselves excluded). One recursive query on both databases; the
/// UNION keeps each (member, steps) pair once, so cycles end.
pub fn reach(conn: &mut DbConnection, user_id: i64, depth: i32) -> QueryResult<Vec<(i64, i32)>> {
    let rows: Vec<DegreeRow> = diesel::sql_query(
        "WITH RECURSIVE walk (node, degree) AS ( \
           SELECT other_id, 1 FROM network_links WHERE user_id = $1 \
           UNION \
           SELECT l.other_id, w.degree + 1 FROM walk w JOIN network_links l ON l.user_id = w.node \
           WHERE w.degree < $2 \
         ) \
         SELECT node, CAST(MIN(degree) AS INTEGER) AS degree FROM walk WHERE node <> $1 GROUP BY node",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<Integer, _>(depth)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.node, r.degree)).collect())
}

/// Distinct members at 1, 2 and 3 steps.
pub fn reach_counts(conn: &mut DbConnection, user_id: i64) -> QueryResult<[u32; 3]> {
    let mut out = [0u32; 3];
    for (_, d) in reach(conn, user_id, 3)? {
        if (1..=3).contains(&d) {
            out[(d - 1) as usize] += 1;
        }
    }
    Ok(out)
}

pub fn active_connection_count(conn: &mut DbConnection) -> QueryResult<i64> {
    network_connections::table
        .filter(network_connections::status.eq(ConnectionStatus::Active))
        .count()
        .get_result(conn)
}

// ---- referrals ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referrals)]
pub struct ReferralRow {
    pub id: i64,
    pub referrer_id: i64,
    pub target_kind: ReferralTarget,
    pub target_id: Option<i64>,
    pub receiver_id: Option<i64>,
    pub contact_id: i64,
    pub source_lead_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub product_line: String,
    pub note: String,
    pub status: ReferralStatus,
    pub split_kind: SplitKind,
    pub split_bps: i32,
    pub fee_cents: i64,
    pub decline_reason: Option<String>,
    pub expires_at: NaiveDateTime,
    pub policy_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub converted_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub struct NewReferral<'a> {
    pub referrer_id: i64,
    pub target_kind: ReferralTarget,
    pub target_id: Option<i64>,
    pub receiver_id: Option<i64>,
    pub contact_id: i64,
    pub source_lead_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub product_line: &'a str,
    pub note: &'a str,
    pub status: ReferralStatus,
    pub split_kind: SplitKind,
    pub split_bps: i32,
    pub fee_cents: i64,
    pub expires_at: NaiveDateTime,
}

pub fn insert_referral(conn: &mut DbConnection, r: &NewReferral) -> QueryResult<i64> {
    let t = now();
    let values = (
        referrals::referrer_id.eq(r.referrer_id),
        referrals::target_kind.eq(r.target_kind),
        referrals::target_id.eq(r.target_id),
        referrals::receiver_id.eq(r.receiver_id),
        referrals::contact_id.eq(r.contact_id),
        referrals::source_lead_id.eq(r.source_lead_id),
        referrals::lead_id.eq(r.lead_id),
        referrals::product_line.eq(r.product_line),
        referrals::note.eq(r.note),
        referrals::status.eq(r.status),
        referrals::split_kind.eq(r.split_kind),
        referrals::split_bps.eq(r.split_bps),
        referrals::fee_cents.eq(r.fee_cents),
        referrals::expires_at.eq(r.expires_at),
        referrals::created_at.eq(t),
        referrals::updated_at.eq(t),
    );
    crate::db::direct!(conn, |c| diesel::insert_into(referrals::table)
        .values(values)
        .returning(referrals::id)
        .get_result(c))
}

pub fn referral(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .find(id)
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the referral's row for the rest of the transaction on PostgreSQL (SQLite has one writer).
pub fn lock_referral(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ReferralRow>> {
    match conn {
        DbConnection::Pg(c) => referrals::table
            .find(id)
            .select(ReferralRow::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConnection::Sqlite(_) => referral(conn, id),
    }
}

/// The open referral of any of these contacts, oldest first: the one that stands.
pub fn open_referral_of(conn: &mut DbConnection, contact_ids: &[i64]) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .filter(referrals::contact_id.eq_any(contact_ids))
        .filter(referrals::status.eq_any(ReferralStatus::OPEN))
        .order(referrals::id.asc())
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

/// The accepted referral whose lead this is, if any.
pub fn accepted_referral_of_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .filter(referrals::lead_id.eq(lead_id))
        .filter(referrals::status.eq(ReferralStatus::Accepted))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

/// Referrals a member sent, newest first.
pub fn sent_by(conn: &mut DbConnection, user_id: i64, limit: i64) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::referrer_id.eq(user_id))
        .order(referrals::id.desc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)
}

/// Referrals a member receives, newest first.
pub fn received_by(conn: &mut DbConnection, user_id: i64, limit: i64) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::receiver_id.eq(user_id))
        .order(referrals::id.desc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)
}

/// Every referral in these states, oldest first (the agency's stuck list).
pub fn in_states(conn: &mut DbConnection, states: &[ReferralStatus], limit: i64) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::status.eq_any(states.to_vec()))
        .order(referrals::id.asc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)
}

/// Open referrals past their deadline (for the daily expiry).
pub fn overdue(conn: &mut DbConnection, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::status.eq_any([ReferralStatus::ConsentNeeded, ReferralStatus::Pending]))
        .filter(referrals::expires_at.le(at))
        .order(referrals::id.asc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)
}

/// Referrals by state: (state, count).
pub fn counts_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    referrals::table
        .group_by(referrals::status)
        .select((referrals::status, diesel::dsl::count_star()))
        .load::<(ReferralStatus, i64)>(conn)
        .map(|v| v.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect())
}

pub fn set_referral_status(conn: &mut DbConnection, id: i64, status: ReferralStatus) -> QueryResult<usize> {
    let t = now();
    diesel::update(referrals::table.find(id))
        .set((referrals::status.eq(status), referrals::updated_at.eq(t)))
        .execute(conn)
}

/// The receiver's answer: accepted (with the lead now theirs) or declined with a reason.
pub fn answer_referral(
    conn: &mut DbConnection,
    id: i64,
    status: ReferralStatus,
    lead_id: Option<i64>,
    reason: Option<&str>,
) -> QueryResult<usize> {
    let t = now();
    diesel::update(referrals::table.find(id))
        .set((
            referrals::status.eq(status),
            referrals::lead_id.eq(lead_id),
            referrals::decline_reason.eq(reason),
            referrals::responded_at.eq(Some(t)),
            referrals::updated_at.eq(t),
        ))
        .execute(conn)
}

/// Sets who receives a referral (a team member, or the agent intake chose) and its lead.
pub fn set_receiver(
    conn: &mut DbConnection,
    id: i64,
    receiver: Option<i64>,
    lead_id: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(referrals::table.find(id))
        .set((
            referrals::receiver_id.eq(receiver),
            referrals::lead_id.eq(lead_id),
            referrals::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn set_converted(conn: &mut DbConnection, id: i64, policy_id: i64) -> QueryResult<usize> {
    let t = now();
    diesel::update(referrals::table.find(id))
        .set((
            referrals::status.eq(ReferralStatus::Converted),
            referrals::policy_id.eq(Some(policy_id)),
            referrals::converted_at.eq(Some(t)),
            referrals::updated_at.eq(t),
        ))
        .execute(conn)
}

pub fn add_referral_event(
    conn: &mut DbConnection,
    referral_id: i64,
    actor: Option<i64>,
    kind: &str,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(referral_events::table)
        .values((
            referral_events::referral_id.eq(referral_id),
            referral_events::actor_id.eq(actor),
            referral_events::kind.eq(kind),
            referral_events::note.eq(note),
            referral_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A referral's history: (actor, kind, note, when), oldest first.
pub type ReferralEvent = (Option<i64>, String, String, NaiveDateTime);

pub fn referral_events(conn: &mut DbConnection, referral_id: i64) -> QueryResult<Vec<ReferralEvent>> {
    referral_events::table
        .filter(referral_events::referral_id.eq(referral_id))
        .order(referral_events::id.asc())
        .select((
            referral_events::actor_id,
            referral_events::kind,
            referral_events::note,
            referral_events::created_at,
        ))
        .load(conn)
}

// ---- consent links --------------------------------------------------------------------------

pub fn insert_consent_link(
    conn: &mut DbConnection,
    referral_id: i64,
    hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(referral_consent_links::table)
        .values((
            referral_consent_links::referral_id.eq(referral_id),
            referral_consent_links::token_hash.eq(hash),
            referral_consent_links::expires_at.eq(expires_at),
            referral_consent_links::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The unused, unexpired link with this hash: (link id, referral id).
pub fn live_consent_link(conn: &mut DbConnection, hash: &str, at: NaiveDateTime) -> QueryResult<Option<(i64, i64)>> {
    referral_consent_links::table
        .filter(referral_consent_links::token_hash.eq(hash))
        .filter(referral_consent_links::used_at.is_null())
        .filter(referral_consent_links::expires_at.gt(at))
        .select((referral_consent_links::id, referral_consent_links::referral_id))
        .first(conn)
        .optional()
}

/// Uses the link once: false when it was already used (a second answer changes nothing).
pub fn use_consent_link(conn: &mut DbConnection, link_id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        referral_consent_links::table
            .find(link_id)
            .filter(referral_consent_links::used_at.is_null()),
    )
    .set(referral_consent_links::used_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- rules ----------------------------------------------------------------------------------

/// The rules as stored: (key, value, label, source).
pub fn rules(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String, String)>> {
    network_rules::table
        .order(network_rules::key.asc())
        .select((
            network_rules::key,
            network_rules::value,
            network_rules::label,
            network_rules::source,
        ))
        .load(conn)
}

pub fn set_rule(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<usize> {
    diesel::update(network_rules::table.find(key))
        .set((network_rules::value.eq(value), network_rules::updated_at.eq(now())))
        .execute(conn)
}

/// The most recently answered referrals across the network (for the network's response time).
pub fn recently_answered(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::responded_at.is_not_null())
        .order(referrals::responded_at.desc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)
}

/// A member's active links with when each began.
pub fn links_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    network_links::table
        .filter(network_links::user_id.eq(user_id))
        .order(network_links::other_id.asc())
        .select((network_links::other_id, network_links::since))
        .load(conn)
}

/// Connection requests waiting for this member's answer.
pub fn requests_waiting_for(conn: &mut DbConnection, user_id: i64) -> QueryResult<i64> {
    network_connections::table
        .filter(network_connections::addressee_id.eq(user_id))
        .filter(network_connections::status.eq(ConnectionStatus::Pending))
        .count()
        .get_result(conn)
}

/// The active links leaving these members: (member, other).
pub fn links_from(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    network_links::table
        .filter(network_links::user_id.eq_any(ids))
        .select((network_links::user_id, network_links::other_id))
        .load(conn)
}

/// A member's average rating and how many ratings it is from.
pub fn rating_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<(f64, i64)>> {
    let stars: Vec<i32> = crate::db::schema::referral_ratings::table
        .filter(crate::db::schema::referral_ratings::ratee_id.eq(user_id))
        .select(crate::db::schema::referral_ratings::stars)
        .load(conn)?;
    if stars.is_empty() {
        return Ok(None);
    }
    let n = stars.len() as i64;
    Ok(Some((stars.iter().map(|&s| f64::from(s)).sum::<f64>() / n as f64, n)))
}

/// Records a rating of the other side of a referral (one per referral and rater).
pub fn insert_rating(
    conn: &mut DbConnection,
    referral_id: i64,
    rater: i64,
    ratee: i64,
    stars: i32,
    comment: &str,
) -> QueryResult<usize> {
    use crate::db::schema::referral_ratings as rr;
    diesel::insert_into(rr::table)
        .values((
            rr::referral_id.eq(referral_id),
            rr::rater_id.eq(rater),
            rr::ratee_id.eq(ratee),
            rr::stars.eq(stars),
            rr::comment.eq(comment),
            rr::created_at.eq(now()),
        ))
        .execute(conn)
}

/// The rating this rater gave on a referral, if any: (stars, comment).
pub fn rating_by(conn: &mut DbConnection, referral_id: i64, rater: i64) -> QueryResult<Option<(i32, String)>> {
    use crate::db::schema::referral_ratings as rr;
    rr::table
        .filter(rr::referral_id.eq(referral_id))
        .filter(rr::rater_id.eq(rater))
        .select((rr::stars, rr::comment))
        .first(conn)
        .optional()
}

/// The leads assigned to these agents that are still open, newest first: (lead id, person).
pub fn open_leads_of(conn: &mut DbConnection, agent_ids: &[i64], limit: i64) -> QueryResult<Vec<(i64, String)>> {
    use crate::db::schema::{contacts, leads};
    let open: Vec<&str> = crate::leads::pipeline::LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    Ok(leads::table
        .inner_join(contacts::table)
        .filter(leads::assigned_agent_id.eq_any(agent_ids))
        .filter(leads::status.eq_any(open))
        .order(leads::id.desc())
        .limit(limit)
        .select((leads::id, contacts::first_name, contacts::last_name))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, f, l)| (id, format!("{f} {l}").trim().to_string()))
        .collect())
}

/// Referrals sent and converted per month since a time: "YYYY-MM" → (sent, converted).
pub fn monthly_volume(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<String, (i64, i64)>> {
    let rows: Vec<(NaiveDateTime, ReferralStatus)> = referrals::table
        .filter(referrals::created_at.ge(since))
        .select((referrals::created_at, referrals::status))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, (i64, i64)> = std::collections::HashMap::new();
    for (at, status) in rows {
        let e = out.entry(at.format("%Y-%m").to_string()).or_default();
        e.0 += 1;
        e.1 += i64::from(status == ReferralStatus::Converted);
    }
    Ok(out)
}

/// The members with the most active connections: (member, connections).
pub fn top_connectors(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(i64, i64)>> {
    network_links::table
        .group_by(network_links::user_id)
        .select((network_links::user_id, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), network_links::user_id.asc()))
        .limit(limit)
        .load(conn)
}
