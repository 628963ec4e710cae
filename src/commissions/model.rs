//! Every query of commissions: schedules, CMS limits, rules, levels and the hierarchy, splits, the
//! ledger, holds and runs. Versioned tables and the ledger are insert-only (the database refuses
//! an update or a delete). Carrier statements' queries are in `model/statements.rs`.

pub mod statements;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    agent_hierarchy, cms_limits, commission_entries, commission_holds, commission_level_rates, commission_levels,
    commission_rules, commission_runs, commission_schedules, commission_split_shares, commission_splits,
};
use crate::db::{now, DbConnection};
use crate::domain::commission::{CmsProduct, EntryKind, EntrySource, PayMode, PayeeKind, PayeeRole, RateBasis};

mod payouts;
pub use payouts::*;

// ---- schedules ------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_schedules)]
pub struct ScheduleRow {
    pub id: i64,
    pub carrier_id: i64,
    pub product_id: i64,
    pub state: Option<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub basis: RateBasis,
    pub first_year_rate: i64,
    pub renewal_bands: String,
    pub pay_mode: PayMode,
    pub advance_months: i32,
    pub replaces_id: Option<i64>,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = commission_schedules)]
pub struct NewSchedule {
    pub carrier_id: i64,
    pub product_id: i64,
    pub state: Option<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub basis: RateBasis,
    pub first_year_rate: i64,
    pub renewal_bands: String,
    pub pay_mode: PayMode,
    pub advance_months: i32,
    pub replaces_id: Option<i64>,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Every schedule version (a small table: carriers × products × versions).
pub fn schedules(conn: &mut DbConnection) -> QueryResult<Vec<ScheduleRow>> {
    commission_schedules::table
        .order(commission_schedules::id.asc())
        .select(ScheduleRow::as_select())
        .load(conn)
}

pub fn find_schedule(conn: &mut DbConnection, id: i64) -> QueryResult<ScheduleRow> {
    commission_schedules::table
        .find(id)
        .select(ScheduleRow::as_select())
        .first(conn)
}

pub fn insert_schedule(conn: &mut DbConnection, s: &NewSchedule) -> QueryResult<i64> {
    diesel::insert_into(commission_schedules::table)
        .values(s)
        .returning(commission_schedules::id)
        .get_result(conn)
}

// ---- CMS limits and rules -------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cms_limits)]
pub struct LimitRow {
    pub id: i64,
    pub year: i32,
    pub product: CmsProduct,
    pub region: String,
    pub initial_cents: i64,
    pub renewal_cents: i64,
    pub referral_cents: Option<i64>,
    pub source: String,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

impl LimitRow {
    pub fn limit(&self) -> super::cms::Limit {
        super::cms::Limit {
            year: self.year,
            product: self.product,
            region: self.region.clone(),
            initial_cents: self.initial_cents,
            renewal_cents: self.renewal_cents,
            referral_cents: self.referral_cents,
        }
    }
}

/// Every limit, newest year first, national before the states.
pub fn limits(conn: &mut DbConnection) -> QueryResult<Vec<LimitRow>> {
    let mut rows: Vec<LimitRow> = cms_limits::table.select(LimitRow::as_select()).load(conn)?;
    rows.sort_by(|a, b| {
        b.year
            .cmp(&a.year)
            .then(a.product.as_str().cmp(b.product.as_str()))
            .then((a.region != super::cms::NATIONAL).cmp(&(b.region != super::cms::NATIONAL)))
            .then(a.region.cmp(&b.region))
    });
    Ok(rows)
}

pub fn find_limit(conn: &mut DbConnection, id: i64) -> QueryResult<LimitRow> {
    cms_limits::table.find(id).select(LimitRow::as_select()).first(conn)
}

pub fn limit_exists(conn: &mut DbConnection, year: i32, product: CmsProduct, region: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cms_limits::table
            .filter(cms_limits::year.eq(year))
            .filter(cms_limits::product.eq(product))
            .filter(cms_limits::region.eq(region)),
    ))
    .get_result(conn)
}

/// Writes a limit row: a new one when `id` is `None`.
pub fn save_limit(
    conn: &mut DbConnection,
    id: Option<i64>,
    l: &super::cms::Limit,
    source: &str,
    by: Option<i64>,
) -> QueryResult<i64> {
    let values = (
        cms_limits::year.eq(l.year),
        cms_limits::product.eq(l.product),
        cms_limits::region.eq(&l.region),
        cms_limits::initial_cents.eq(l.initial_cents),
        cms_limits::renewal_cents.eq(l.renewal_cents),
        cms_limits::referral_cents.eq(l.referral_cents),
        cms_limits::source.eq(source),
        cms_limits::updated_by.eq(by),
        cms_limits::updated_at.eq(now()),
    );
    match id {
        Some(id) => {
            diesel::update(cms_limits::table.find(id)).set(values).execute(conn)?;
            Ok(id)
        }
        None => diesel::insert_into(cms_limits::table)
            .values(values)
            .returning(cms_limits::id)
            .get_result(conn),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_rules)]
pub struct RuleRow {
    pub key: String,
    pub value: String,
    pub label: String,
    pub source: String,
    pub updated_at: NaiveDateTime,
}

pub fn rule_rows(conn: &mut DbConnection) -> QueryResult<Vec<RuleRow>> {
    commission_rules::table
        .order(commission_rules::key.asc())
        .select(RuleRow::as_select())
        .load(conn)
}

pub fn set_rule(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<usize> {
    diesel::update(commission_rules::table.find(key))
        .set((
            commission_rules::value.eq(value),
            commission_rules::updated_at.eq(now()),
        ))
        .execute(conn)
}

// ---- levels and the hierarchy ---------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_levels)]
pub struct LevelRow {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_level_rates)]
pub struct LevelRateRow {
    pub id: i64,
    pub level_id: i64,
    pub share_bps: i32,
    pub effective_from: NaiveDate,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_hierarchy)]
pub struct HierarchyRow {
    pub id: i64,
    pub agent_id: i64,
    pub level_id: i64,
    pub upline_agent_id: Option<i64>,
    pub effective_from: NaiveDate,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn levels(conn: &mut DbConnection) -> QueryResult<Vec<LevelRow>> {
    commission_levels::table
        .order(commission_levels::name.asc())
        .select(LevelRow::as_select())
        .load(conn)
}

pub fn level_rates(conn: &mut DbConnection) -> QueryResult<Vec<LevelRateRow>> {
    commission_level_rates::table
        .order((
            commission_level_rates::effective_from.asc(),
            commission_level_rates::id.asc(),
        ))
        .select(LevelRateRow::as_select())
        .load(conn)
}

pub fn level_named(conn: &mut DbConnection, name: &str) -> QueryResult<Option<i64>> {
    commission_levels::table
        .filter(crate::db::lower(commission_levels::name).eq(name.to_lowercase()))
        .select(commission_levels::id)
        .first(conn)
        .optional()
}

pub fn insert_level(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
    diesel::insert_into(commission_levels::table)
        .values((
            commission_levels::name.eq(name),
            commission_levels::created_at.eq(now()),
        ))
        .returning(commission_levels::id)
        .get_result(conn)
}

pub fn insert_level_rate(
    conn: &mut DbConnection,
    level_id: i64,
    bps: i32,
    from: NaiveDate,
    by: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(commission_level_rates::table)
        .values((
            commission_level_rates::level_id.eq(level_id),
            commission_level_rates::share_bps.eq(bps),
            commission_level_rates::effective_from.eq(from),
            commission_level_rates::created_by.eq(by),
            commission_level_rates::created_at.eq(now()),
        ))
        .returning(commission_level_rates::id)
        .get_result(conn)
}

/// Every hierarchy row, oldest first (10,000 agents are a few hundred kilobytes).
pub fn hierarchy(conn: &mut DbConnection) -> QueryResult<Vec<HierarchyRow>> {
    agent_hierarchy::table
        .order((agent_hierarchy::effective_from.asc(), agent_hierarchy::id.asc()))
        .select(HierarchyRow::as_select())
        .load(conn)
}

pub fn insert_hierarchy(
    conn: &mut DbConnection,
    agent_id: i64,
    level_id: i64,
    upline: Option<i64>,
    from: NaiveDate,
    note: &str,
    by: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(agent_hierarchy::table)
        .values((
            agent_hierarchy::agent_id.eq(agent_id),
            agent_hierarchy::level_id.eq(level_id),
            agent_hierarchy::upline_agent_id.eq(upline),
            agent_hierarchy::effective_from.eq(from),
            agent_hierarchy::note.eq(note),
            agent_hierarchy::created_by.eq(by),
            agent_hierarchy::created_at.eq(now()),
        ))
        .returning(agent_hierarchy::id)
        .get_result(conn)
}

// ---- splits ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_splits)]
pub struct SplitRow {
    pub id: i64,
    pub policy_id: i64,
    pub effective_from: NaiveDate,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_split_shares)]
pub struct ShareRow {
    pub id: i64,
    pub split_id: i64,
    pub payee_kind: PayeeKind,
    pub payee_id: i64,
    pub role: PayeeRole,
    pub share_bps: i32,
    pub takes_remainder: bool,
}

/// The split versions of these policies with their shares, oldest first.
pub fn splits_of(conn: &mut DbConnection, policy_ids: &[i64]) -> QueryResult<Vec<(SplitRow, Vec<ShareRow>)>> {
    let splits: Vec<SplitRow> = commission_splits::table
        .filter(commission_splits::policy_id.eq_any(policy_ids))
        .order((commission_splits::effective_from.asc(), commission_splits::id.asc()))
        .select(SplitRow::as_select())
        .load(conn)?;
    if splits.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = splits.iter().map(|s| s.id).collect();
    let shares: Vec<ShareRow> = commission_split_shares::table
        .filter(commission_split_shares::split_id.eq_any(&ids))
        .order(commission_split_shares::id.asc())
        .select(ShareRow::as_select())
        .load(conn)?;
    Ok(splits
        .into_iter()
        .map(|s| {
            let mine = shares.iter().filter(|r| r.split_id == s.id).cloned().collect();
            (s, mine)
        })
        .collect())
}

pub fn insert_split(
    conn: &mut DbConnection,
    policy_id: i64,
    from: NaiveDate,
    note: &str,
    by: Option<i64>,
    shares: &[super::allocate::Share],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(commission_splits::table)
        .values((
            commission_splits::policy_id.eq(policy_id),
            commission_splits::effective_from.eq(from),
            commission_splits::note.eq(note),
            commission_splits::created_by.eq(by),
            commission_splits::created_at.eq(now()),
        ))
        .returning(commission_splits::id)
        .get_result(conn)?;
    for s in shares {
        diesel::insert_into(commission_split_shares::table)
            .values((
                commission_split_shares::split_id.eq(id),
                commission_split_shares::payee_kind.eq(s.payee.kind),
                commission_split_shares::payee_id.eq(s.payee.id),
                commission_split_shares::role.eq(s.role),
                commission_split_shares::share_bps.eq(s.bps as i32),
                commission_split_shares::takes_remainder.eq(s.remainder),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

// ---- the ledger -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_entries)]
pub struct EntryRow {
    pub id: i64,
    pub policy_id: Option<i64>,
    pub payee_kind: PayeeKind,
    pub payee_id: i64,
    pub role: PayeeRole,
    pub period: NaiveDate,
    pub kind: EntryKind,
    pub amount_cents: i64,
    pub source: EntrySource,
    pub schedule_id: Option<i64>,
    pub run_id: Option<i64>,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = commission_entries)]
pub struct NewEntry {
    pub policy_id: Option<i64>,
    pub payee_kind: PayeeKind,
    pub payee_id: i64,
    pub role: PayeeRole,
    pub period: NaiveDate,
    pub kind: EntryKind,
    pub amount_cents: i64,
    pub source: EntrySource,
    pub schedule_id: Option<i64>,
    pub run_id: Option<i64>,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Writes one entry; its id.
pub fn insert_entry(conn: &mut DbConnection, entry: &NewEntry) -> QueryResult<i64> {
    diesel::insert_into(commission_entries::table)
        .values(entry)
        .returning(commission_entries::id)
        .get_result(conn)
}

/// Writes entries, several rows a statement.
pub fn insert_entries(conn: &mut DbConnection, entries: &[NewEntry]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in entries.chunks(500) {
        n += crate::db::direct!(conn, |c| diesel::insert_into(commission_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(n)
}

/// What the computation has booked for a policy and payee so far.
#[derive(Debug, Clone, QueryableByName)]
pub struct BookedRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub policy_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub payee_kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub payee_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub role: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cents: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub schedule_id: Option<i64>,
    /// The latest month computed for it.
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub last_period: NaiveDate,
}

/// The computed totals of these policies per payee and role, with the schedule they were computed
/// from (the first one: a policy keeps its schedule version). Ids are numbers, never request text.
pub fn booked(conn: &mut DbConnection, policy_ids: &[i64]) -> QueryResult<Vec<BookedRow>> {
    if policy_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = policy_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    diesel::sql_query(format!(
        "SELECT policy_id AS policy_id, payee_kind, payee_id, role, \
           CAST(SUM(amount_cents) AS BIGINT) AS cents, MIN(schedule_id) AS schedule_id, MAX(period) AS last_period \
         FROM commission_entries WHERE source = 'computed' AND policy_id IN ({ids}) \
         GROUP BY policy_id, payee_kind, payee_id, role"
    ))
    .load(conn)
}

/// A page of a payee's entries, newest first (before the entry `before` when given).
pub fn entries_of_payee(
    conn: &mut DbConnection,
    kind: PayeeKind,
    payee_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut q = commission_entries::table
        .filter(commission_entries::payee_kind.eq(kind))
        .filter(commission_entries::payee_id.eq(payee_id))
        .order(commission_entries::id.desc())
        .limit(limit)
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(commission_entries::id.lt(b));
    }
    q.load(conn)
}

/// A policy's entries, oldest first.
pub fn entries_of_policy(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<EntryRow>> {
    commission_entries::table
        .filter(commission_entries::policy_id.eq(policy_id))
        .order(commission_entries::id.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// Totals per month, carrier and kind (the overview).
#[derive(Debug, Clone, QueryableByName)]
pub struct MonthTotal {
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub carrier: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cents: i64,
}

/// Totals from `since` on, per month, carrier and kind of entry.
pub fn month_totals(conn: &mut DbConnection, since: NaiveDate) -> QueryResult<Vec<MonthTotal>> {
    diesel::sql_query(format!(
        "SELECT e.period AS period, c.name AS carrier, e.kind AS kind, CAST(SUM(e.amount_cents) AS BIGINT) AS cents \
         FROM commission_entries e JOIN policies p ON p.id = e.policy_id JOIN carriers c ON c.id = p.carrier_id \
         WHERE e.period >= '{}' GROUP BY e.period, c.name, e.kind ORDER BY e.period DESC, c.name",
        since.format("%Y-%m-%d")
    ))
    .load(conn)
}

/// A payee's totals per kind of entry.
#[derive(Debug, Clone, QueryableByName)]
pub struct KindTotal {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cents: i64,
}

pub fn payee_totals(conn: &mut DbConnection, kind: PayeeKind, payee_id: i64) -> QueryResult<Vec<KindTotal>> {
    diesel::sql_query(format!(
        "SELECT kind, CAST(SUM(amount_cents) AS BIGINT) AS cents FROM commission_entries \
         WHERE payee_kind = '{}' AND payee_id = {payee_id} GROUP BY kind",
        kind.as_str()
    ))
    .load(conn)
}

// ---- holds ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_holds)]
pub struct HoldRow {
    pub id: i64,
    pub policy_id: i64,
    pub agent_id: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub released_at: Option<NaiveDateTime>,
    pub released_by: Option<i64>,
    pub release_reason: Option<String>,
}

/// Puts a hold on a policy's commission for an agent; false when there already is one.
pub fn insert_hold(conn: &mut DbConnection, policy_id: i64, agent_id: i64, reason: &str) -> QueryResult<bool> {
    let insert = diesel::insert_into(commission_holds::table)
        .values((
            commission_holds::policy_id.eq(policy_id),
            commission_holds::agent_id.eq(agent_id),
            commission_holds::reason.eq(reason),
            commission_holds::created_at.eq(now()),
        ))
        .on_conflict_do_nothing();
    Ok(crate::db::direct!(conn, |c| insert.execute(c))? == 1)
}

/// An agent's open holds, newest first.
pub fn open_holds_of_agent(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<HoldRow>> {
    commission_holds::table
        .filter(commission_holds::agent_id.eq(agent_id))
        .filter(commission_holds::released_at.is_null())
        .order(commission_holds::id.desc())
        .limit(200)
        .select(HoldRow::as_select())
        .load(conn)
}

pub fn holds_of(conn: &mut DbConnection, policy_ids: &[i64]) -> QueryResult<Vec<HoldRow>> {
    commission_holds::table
        .filter(commission_holds::policy_id.eq_any(policy_ids))
        .select(HoldRow::as_select())
        .load(conn)
}

/// Holds, open ones first, newest first.
pub fn holds(conn: &mut DbConnection, open_only: bool, limit: i64) -> QueryResult<Vec<HoldRow>> {
    let mut q = commission_holds::table
        .order((commission_holds::released_at.is_not_null(), commission_holds::id.desc()))
        .limit(limit)
        .select(HoldRow::as_select())
        .into_boxed();
    if open_only {
        q = q.filter(commission_holds::released_at.is_null());
    }
    q.load(conn)
}

/// How many holds are open.
pub fn open_hold_count(conn: &mut DbConnection) -> QueryResult<i64> {
    commission_holds::table
        .filter(commission_holds::released_at.is_null())
        .count()
        .get_result(conn)
}

pub fn find_hold(conn: &mut DbConnection, id: i64) -> QueryResult<HoldRow> {
    commission_holds::table
        .find(id)
        .select(HoldRow::as_select())
        .first(conn)
}

/// Releases an open hold; false when it was already released.
pub fn release_hold(conn: &mut DbConnection, id: i64, by: Option<i64>, reason: &str) -> QueryResult<bool> {
    let n = diesel::update(
        commission_holds::table
            .find(id)
            .filter(commission_holds::released_at.is_null()),
    )
    .set((
        commission_holds::released_at.eq(now()),
        commission_holds::released_by.eq(by),
        commission_holds::release_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- runs -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commission_runs)]
pub struct RunRow {
    pub id: i64,
    pub period: NaiveDate,
    pub status: String,
    pub policies: i32,
    pub entries: i32,
    pub last_policy_id: i64,
    pub requested_by: Option<i64>,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn insert_run(conn: &mut DbConnection, period: NaiveDate, by: Option<i64>) -> QueryResult<i64> {
    diesel::insert_into(commission_runs::table)
        .values((
            commission_runs::period.eq(period),
            commission_runs::status.eq("queued"),
            commission_runs::requested_by.eq(by),
            commission_runs::started_at.eq(now()),
        ))
        .returning(commission_runs::id)
        .get_result(conn)
}

pub fn find_run(conn: &mut DbConnection, id: i64) -> QueryResult<RunRow> {
    commission_runs::table.find(id).select(RunRow::as_select()).first(conn)
}

pub fn recent_runs(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<RunRow>> {
    commission_runs::table
        .order(commission_runs::id.desc())
        .limit(limit)
        .select(RunRow::as_select())
        .load(conn)
}

/// Records a batch's progress (and the end, when `done`).
pub fn advance_run(
    conn: &mut DbConnection,
    id: i64,
    last_policy_id: i64,
    policies: i32,
    entries: i32,
    done: bool,
) -> QueryResult<usize> {
    diesel::update(commission_runs::table.find(id))
        .set((
            commission_runs::last_policy_id.eq(last_policy_id),
            commission_runs::policies.eq(commission_runs::policies + policies),
            commission_runs::entries.eq(commission_runs::entries + entries),
            commission_runs::status.eq(if done { "done" } else { "running" }),
            commission_runs::finished_at.eq(if done { Some(now()) } else { None }),
        ))
        .execute(conn)
}

pub fn fail_run(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(commission_runs::table.find(id))
        .set((
            commission_runs::status.eq("failed"),
            commission_runs::finished_at.eq(Some(now())),
        ))
        .execute(conn)
}

// ---- names for pages ------------------------------------------------------------------------

/// Every product with its carrier: (product id, carrier name, product name), by carrier.
pub fn product_choices(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String)>> {
    use crate::db::schema::{carrier_products, carriers};
    carrier_products::table
        .inner_join(carriers::table)
        .order((carriers::name.asc(), carrier_products::name.asc()))
        .select((carrier_products::id, carriers::name, carrier_products::name))
        .load(conn)
}

/// Agents by name: (agent id, name), at most `limit`, matching `q` when given.
pub fn agent_choices(conn: &mut DbConnection, q: &str, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    use crate::db::schema::{agents, users};
    let mut query = agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .limit(limit)
        .select((agents::id, users::name))
        .into_boxed();
    for p in crate::db::search_patterns(q) {
        query = query.filter(crate::db::lower(users::name).like(p).escape('\\'));
    }
    query.load(conn)
}

/// Names of these agents: (agent id, name).
pub fn agent_names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    use crate::db::schema::{agents, users};
    agents::table
        .inner_join(users::table)
        .filter(agents::id.eq_any(ids))
        .select((agents::id, users::name))
        .load(conn)
}

/// Brokers (users with the broker role): (user id, name).
pub fn broker_choices(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    use crate::db::schema::users;
    users::table
        .filter(users::role.eq("broker"))
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .limit(500)
        .select((users::id, users::name))
        .load(conn)
}

/// Teams: (team id, name).
pub fn team_choices(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    use crate::db::schema::teams;
    teams::table
        .order(teams::name.asc())
        .select((teams::id, teams::name))
        .load(conn)
}

/// Policy numbers and insured names of these policies: (id, number, insured).
pub fn policy_labels(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    use crate::db::schema::policies;
    policies::table
        .filter(policies::id.eq_any(ids))
        .select((policies::id, policies::policy_number, policies::insured_name))
        .load(conn)
}
