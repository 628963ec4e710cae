//! Broker teams' queries: teams, their members (a broker in at most one), the last member a
//! team's referral went to (round-robin's cursor), team figures and pool runs.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{broker_pool_runs, broker_team_members, broker_teams, referrals};
use crate::db::{now, DbConnection};
use crate::domain::network::{ReferralStatus, ReferralTarget};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = broker_teams)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub leader_id: i64,
    pub pool_bps: i32,
    pub pool_rule: String,
    pub pool_fixed: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The routing engine's strategy for the team's referrals, as the engine's JSON.
    pub strategy: String,
    /// What round-robin and weighted routing remember between referrals (JSON).
    pub routing_state: String,
}

pub fn teams(conn: &mut DbConnection) -> QueryResult<Vec<TeamRow>> {
    broker_teams::table
        .order(broker_teams::name.asc())
        .select(TeamRow::as_select())
        .load(conn)
}

pub fn team(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TeamRow>> {
    broker_teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .optional()
}

pub fn team_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<TeamRow>> {
    broker_teams::table
        .filter(broker_teams::name.eq(name))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_team(
    conn: &mut DbConnection,
    name: &str,
    leader_id: i64,
    pool_bps: i32,
    rule: &str,
    fixed: &str,
) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(broker_teams::table)
        .values((
            broker_teams::name.eq(name),
            broker_teams::leader_id.eq(leader_id),
            broker_teams::pool_bps.eq(pool_bps),
            broker_teams::pool_rule.eq(rule),
            broker_teams::pool_fixed.eq(fixed),
            broker_teams::created_at.eq(t),
            broker_teams::updated_at.eq(t),
        ))
        .execute(conn)?;
    broker_teams::table
        .filter(broker_teams::name.eq(name))
        .select(broker_teams::id)
        .first(conn)
}

pub fn set_pool(conn: &mut DbConnection, id: i64, pool_bps: i32, rule: &str, fixed: &str) -> QueryResult<usize> {
    diesel::update(broker_teams::table.find(id))
        .set((
            broker_teams::pool_bps.eq(pool_bps),
            broker_teams::pool_rule.eq(rule),
            broker_teams::pool_fixed.eq(fixed),
            broker_teams::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// The team's row, locked for the rest of the transaction on PostgreSQL (SQLite has one writer):
/// two referrals to a team at once each move its routing state in turn.
pub fn lock_team(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TeamRow>> {
    match conn {
        DbConnection::Pg(c) => broker_teams::table
            .find(id)
            .select(TeamRow::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConnection::Sqlite(_) => team(conn, id),
    }
}

pub fn set_strategy(conn: &mut DbConnection, id: i64, strategy: &str) -> QueryResult<usize> {
    diesel::update(broker_teams::table.find(id))
        .set((broker_teams::strategy.eq(strategy), broker_teams::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_routing_state(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<usize> {
    diesel::update(broker_teams::table.find(id))
        .set(broker_teams::routing_state.eq(state))
        .execute(conn)
}

/// What the routing engine weighs for each of these receivers: referrals received by state, and
/// those received since `since` (today's), as (receiver, status, count) and (receiver, count).
#[allow(clippy::type_complexity)]
pub fn receiver_load(
    conn: &mut DbConnection,
    ids: &[i64],
    since: NaiveDateTime,
) -> QueryResult<(Vec<(Option<i64>, ReferralStatus, i64)>, Vec<(Option<i64>, i64)>)> {
    let by_status = referrals::table
        .filter(referrals::receiver_id.eq_any(ids))
        .group_by((referrals::receiver_id, referrals::status))
        .select((referrals::receiver_id, referrals::status, count_star()))
        .load(conn)?;
    let today = referrals::table
        .filter(referrals::receiver_id.eq_any(ids))
        .filter(referrals::created_at.ge(since))
        .group_by(referrals::receiver_id)
        .select((referrals::receiver_id, count_star()))
        .load(conn)?;
    Ok((by_status, today))
}

/// The team a member is in, if any.
pub fn team_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<i64>> {
    broker_team_members::table
        .find(user_id)
        .select(broker_team_members::team_id)
        .first(conn)
        .optional()
}

/// A team's members by user id, in order.
pub fn member_ids(conn: &mut DbConnection, team_id: i64) -> QueryResult<Vec<i64>> {
    broker_team_members::table
        .filter(broker_team_members::team_id.eq(team_id))
        .order(broker_team_members::user_id.asc())
        .select(broker_team_members::user_id)
        .load(conn)
}

pub fn add_member(conn: &mut DbConnection, team_id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::insert_into(broker_team_members::table)
        .values((
            broker_team_members::user_id.eq(user_id),
            broker_team_members::team_id.eq(team_id),
            broker_team_members::joined_at.eq(now()),
        ))
        .execute(conn)
}

pub fn remove_member(conn: &mut DbConnection, team_id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::delete(
        broker_team_members::table
            .filter(broker_team_members::team_id.eq(team_id))
            .filter(broker_team_members::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// The member the team's latest referral went to (round-robin moves on from them).
pub fn last_receiver(conn: &mut DbConnection, team_id: i64) -> QueryResult<Option<i64>> {
    Ok(referrals::table
        .filter(referrals::target_kind.eq(ReferralTarget::Team))
        .filter(referrals::target_id.eq(team_id))
        .order(referrals::id.desc())
        .select(referrals::receiver_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten())
}

/// A team's referrals received and converted: (received, converted).
pub fn team_counts(conn: &mut DbConnection, member_ids: &[i64]) -> QueryResult<(i64, i64)> {
    let received: i64 = referrals::table
        .filter(referrals::receiver_id.eq_any(member_ids))
        .select(count_star())
        .first(conn)?;
    let converted: i64 = referrals::table
        .filter(referrals::receiver_id.eq_any(member_ids))
        .filter(referrals::status.eq(ReferralStatus::Converted))
        .select(count_star())
        .first(conn)?;
    Ok((received, converted))
}

/// Whether the team's pool for a period was distributed already.
pub fn pool_run_exists(conn: &mut DbConnection, team_id: i64, period: NaiveDate) -> QueryResult<bool> {
    let n: i64 = broker_pool_runs::table
        .filter(broker_pool_runs::team_id.eq(team_id))
        .filter(broker_pool_runs::period.eq(period))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_pool_run(
    conn: &mut DbConnection,
    team_id: i64,
    period: NaiveDate,
    pool_cents: i64,
    rule: &str,
    by: Option<i64>,
) -> QueryResult<usize> {
    diesel::insert_into(broker_pool_runs::table)
        .values((
            broker_pool_runs::team_id.eq(team_id),
            broker_pool_runs::period.eq(period),
            broker_pool_runs::pool_cents.eq(pool_cents),
            broker_pool_runs::rule.eq(rule),
            broker_pool_runs::created_by.eq(by),
            broker_pool_runs::created_at.eq(now()),
        ))
        .execute(conn)
}

/// A team's pool runs, newest first: (period, cents, rule, when).
pub fn pool_runs(conn: &mut DbConnection, team_id: i64) -> QueryResult<Vec<(NaiveDate, i64, String, NaiveDateTime)>> {
    broker_pool_runs::table
        .filter(broker_pool_runs::team_id.eq(team_id))
        .order(broker_pool_runs::period.desc())
        .select((
            broker_pool_runs::period,
            broker_pool_runs::pool_cents,
            broker_pool_runs::rule,
            broker_pool_runs::created_at,
        ))
        .load(conn)
}

#[derive(QueryableByName)]
struct Earned {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    payee_id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    cents: Option<i64>,
}

/// Each broker's referral commission booked for a month (role `referral`), in cents.
pub fn referral_commission(conn: &mut DbConnection, ids: &[i64], period: NaiveDate) -> QueryResult<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers and the period a date, so both are written into the one statement.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<Earned> = diesel::sql_query(format!(
        "SELECT payee_id, CAST(SUM(amount_cents) AS BIGINT) AS cents FROM commission_entries \
         WHERE payee_kind = 'broker' AND role = 'referral' AND period = '{period}' AND payee_id IN ({list}) \
         GROUP BY payee_id"
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.payee_id, r.cents.unwrap_or(0))).collect())
}
