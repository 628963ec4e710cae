//! Queries for endorsements, payments and renewals: the append-only endorsement and payment rows,
//! the current values of a policy, the schedule's amounts and paid sums, the per-agent totals,
//! the renewal rows and the figures of the renewal rate.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{PolicyRow, RenewalRow};
use crate::db::schema::{
    policies, policy_endorsements, policy_instalments, policy_payment_allocations, policy_payments, policy_renewals,
};
use crate::db::{now, DbConnection};
use crate::domain::policy::{EndorsementKind, PaymentMethod, PolicyStatus, RenewalStatus};
use crate::leads::model::Scope;

/// Takes the policy's row lock for the rest of the transaction (PostgreSQL; SQLite has one
/// writer), so two payments or changes to one policy run one after the other and each reads the
/// schedule the other left. Reads made after it see what was committed before it.
pub fn lock_policy(conn: &mut DbConnection, policy_id: i64) -> QueryResult<usize> {
    diesel::update(policies::table.find(policy_id))
        .set(policies::updated_at.eq(now()))
        .execute(conn)
}

// ---- endorsements ----------------------------------------------------------------------------

/// One endorsement to keep (append-only).
pub struct NewEndorsement<'a> {
    pub policy_id: i64,
    pub kind: EndorsementKind,
    pub effective_on: NaiveDate,
    pub description: &'a str,
    pub before_value: &'a str,
    pub after_value: &'a str,
    pub premium_delta_cents: i64,
    pub created_by: Option<i64>,
}

pub fn insert_endorsement(conn: &mut DbConnection, e: &NewEndorsement<'_>) -> QueryResult<i64> {
    diesel::insert_into(policy_endorsements::table)
        .values((
            policy_endorsements::policy_id.eq(e.policy_id),
            policy_endorsements::kind.eq(e.kind),
            policy_endorsements::effective_on.eq(e.effective_on),
            policy_endorsements::description.eq(e.description),
            policy_endorsements::before_value.eq(e.before_value),
            policy_endorsements::after_value.eq(e.after_value),
            policy_endorsements::premium_delta_cents.eq(e.premium_delta_cents),
            policy_endorsements::created_by.eq(e.created_by),
            policy_endorsements::created_at.eq(now()),
        ))
        .returning(policy_endorsements::id)
        .get_result(conn)
}

/// The values an endorsement can change, as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentValues {
    pub premium_cents: i64,
    pub lives: i32,
    pub coverage: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

impl CurrentValues {
    pub fn of(p: &PolicyRow) -> CurrentValues {
        CurrentValues {
            premium_cents: p.premium_cents,
            lives: p.lives,
            coverage: p.coverage.clone(),
            street: p.insured_street.clone(),
            city: p.insured_city.clone(),
            state: p.insured_state.clone(),
            zip: p.insured_zip.clone(),
        }
    }
}

/// Writes the policy's current values.
pub fn set_current_values(conn: &mut DbConnection, policy_id: i64, v: &CurrentValues) -> QueryResult<usize> {
    diesel::update(policies::table.find(policy_id))
        .set((
            policies::premium_cents.eq(v.premium_cents),
            policies::lives.eq(v.lives),
            policies::coverage.eq(&v.coverage),
            policies::insured_street.eq(&v.street),
            policies::insured_city.eq(&v.city),
            policies::insured_state.eq(&v.state),
            policies::insured_zip.eq(&v.zip),
            policies::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Re-prices one instalment (the caller keeps the schedule exact).
pub fn set_instalment_amount(conn: &mut DbConnection, instalment_id: i64, amount_cents: i64) -> QueryResult<usize> {
    diesel::update(policy_instalments::table.find(instalment_id))
        .set((
            policy_instalments::amount_cents.eq(amount_cents),
            policy_instalments::updated_at.eq(now()),
        ))
        .execute(conn)
}

// ---- payments --------------------------------------------------------------------------------

pub struct NewPayment<'a> {
    pub policy_id: i64,
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: &'a str,
    pub recorded_by: Option<i64>,
}

pub fn insert_payment(conn: &mut DbConnection, p: &NewPayment<'_>) -> QueryResult<i64> {
    diesel::insert_into(policy_payments::table)
        .values((
            policy_payments::policy_id.eq(p.policy_id),
            policy_payments::amount_cents.eq(p.amount_cents),
            policy_payments::paid_on.eq(p.paid_on),
            policy_payments::method.eq(p.method),
            policy_payments::reference.eq(p.reference),
            policy_payments::recorded_by.eq(p.recorded_by),
            policy_payments::created_at.eq(now()),
        ))
        .returning(policy_payments::id)
        .get_result(conn)
}

/// Allocates part of a payment to an instalment and adds it to the instalment's paid sum.
pub fn allocate(conn: &mut DbConnection, payment_id: i64, instalment_id: i64, cents: i64) -> QueryResult<()> {
    diesel::insert_into(policy_payment_allocations::table)
        .values((
            policy_payment_allocations::payment_id.eq(payment_id),
            policy_payment_allocations::instalment_id.eq(instalment_id),
            policy_payment_allocations::amount_cents.eq(cents),
        ))
        .execute(conn)?;
    diesel::update(policy_instalments::table.find(instalment_id))
        .set((
            policy_instalments::paid_cents.eq(policy_instalments::paid_cents + cents),
            policy_instalments::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The money of one agent's policies (every status but Draft): what was scheduled, paid, what is
/// still due on the policies in force and what of it is overdue.
#[derive(Debug, Clone, QueryableByName)]
pub struct AgentMoneyRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub agent_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub policies: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub scheduled: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub paid: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub outstanding: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub overdue: i64,
}

/// Status keys of the policies whose unpaid instalments are still owed.
const IN_FORCE: &str = "'pending_payment', 'active'";

/// The totals per agent, in the viewer's scope. Every value in the SQL is a typed number or a
/// date written by chrono, never text from a request.
pub fn agent_totals(conn: &mut DbConnection, scope: &Scope, today: NaiveDate) -> QueryResult<Vec<AgentMoneyRow>> {
    let scope_sql = match scope {
        Scope::All => String::new(),
        Scope::Agents(ids) if ids.is_empty() => " AND 1 = 0".to_string(),
        Scope::Agents(ids) => format!(
            " AND p.agent_id IN ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
    };
    let due = today.format("%Y-%m-%d");
    let sql = format!(
        "SELECT p.agent_id AS agent_id, \
           CAST(COUNT(DISTINCT p.id) AS BIGINT) AS policies, \
           CAST(COALESCE(SUM(i.amount_cents), 0) AS BIGINT) AS scheduled, \
           CAST(COALESCE(SUM(i.paid_cents), 0) AS BIGINT) AS paid, \
           CAST(COALESCE(SUM(CASE WHEN p.status IN ({IN_FORCE}) THEN i.amount_cents - i.paid_cents ELSE 0 END), 0) AS BIGINT) AS outstanding, \
           CAST(COALESCE(SUM(CASE WHEN p.status IN ({IN_FORCE}) AND i.due_on < '{due}' THEN i.amount_cents - i.paid_cents ELSE 0 END), 0) AS BIGINT) AS overdue \
         FROM policies p JOIN policy_instalments i ON i.policy_id = p.id \
         WHERE p.status <> 'draft'{scope_sql} \
         GROUP BY p.agent_id ORDER BY p.agent_id"
    );
    diesel::sql_query(sql).load(conn)
}

// ---- renewals --------------------------------------------------------------------------------

/// Active policies whose term ends from `today` to `until` and that have no renewal row yet.
pub fn coming_due(conn: &mut DbConnection, today: NaiveDate, until: NaiveDate) -> QueryResult<Vec<PolicyRow>> {
    policies::table
        .filter(policies::status.eq(PolicyStatus::Active))
        .filter(policies::term_end_on.ge(today))
        .filter(policies::term_end_on.le(until))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            policy_renewals::table.filter(policy_renewals::policy_id.eq(policies::id)),
        )))
        .order(policies::id.asc())
        .select(PolicyRow::as_select())
        .load(conn)
}

/// Puts a policy on the renewals list; false when it already was (the notice went out then).
pub fn open_renewal(conn: &mut DbConnection, policy_id: i64, notified: Option<NaiveDateTime>) -> QueryResult<bool> {
    let at = now();
    let insert = diesel::insert_into(policy_renewals::table)
        .values((
            policy_renewals::policy_id.eq(policy_id),
            policy_renewals::status.eq(RenewalStatus::None),
            policy_renewals::notified_at.eq(notified),
            policy_renewals::created_at.eq(at),
            policy_renewals::updated_at.eq(at),
        ))
        .on_conflict_do_nothing();
    let n = crate::db::direct!(conn, |c| insert.execute(c))?;
    Ok(n == 1)
}

pub fn record_offer(
    conn: &mut DbConnection,
    policy_id: i64,
    premium_cents: i64,
    term_end_on: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(policy_renewals::table.find(policy_id))
        .set((
            policy_renewals::status.eq(RenewalStatus::Offered),
            policy_renewals::offered_premium_cents.eq(premium_cents),
            policy_renewals::offered_term_end_on.eq(term_end_on),
            policy_renewals::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn record_renewed(conn: &mut DbConnection, policy_id: i64, renewed_policy_id: i64) -> QueryResult<usize> {
    let at = now();
    diesel::update(policy_renewals::table.find(policy_id))
        .set((
            policy_renewals::status.eq(RenewalStatus::Renewed),
            policy_renewals::renewed_policy_id.eq(renewed_policy_id),
            policy_renewals::decided_at.eq(at),
            policy_renewals::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn record_declined(conn: &mut DbConnection, policy_id: i64, reason: &str) -> QueryResult<usize> {
    let at = now();
    diesel::update(policy_renewals::table.find(policy_id))
        .set((
            policy_renewals::status.eq(RenewalStatus::Declined),
            policy_renewals::decline_reason.eq(reason),
            policy_renewals::decided_at.eq(at),
            policy_renewals::updated_at.eq(at),
        ))
        .execute(conn)
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The agents whose policies the scope covers (none: every agent).
fn agents_of(scope: &Scope) -> Option<Vec<i64>> {
    match scope {
        Scope::All => None,
        Scope::Agents(ids) => Some(ids.clone()),
    }
}

/// Rows on a page of the renewals list (soonest term end first).
pub const RENEWALS_PER_PAGE: i64 = 50;

/// A page of the renewals still to decide (due or offered) of active policies in the viewer's
/// scope, soonest term end first (ties by id), after the policy `after` names; and whether there
/// are more.
pub fn renewals_due(
    conn: &mut DbConnection,
    scope: &Scope,
    after: Option<i64>,
) -> QueryResult<(Vec<(PolicyRow, RenewalRow)>, bool)> {
    let mut q = policies::table
        .inner_join(policy_renewals::table)
        .filter(policies::status.eq(PolicyStatus::Active))
        .filter(policy_renewals::status.eq_any([RenewalStatus::None, RenewalStatus::Offered]))
        .order((policies::term_end_on.asc(), policies::id.asc()))
        .limit(RENEWALS_PER_PAGE + 1)
        .select((PolicyRow::as_select(), RenewalRow::as_select()))
        .into_boxed::<Backend>();
    if let Some(ids) = agents_of(scope) {
        q = match ids.as_slice() {
            [one] => q.filter(policies::agent_id.eq(*one)),
            _ => q.filter(policies::agent_id.eq_any(ids)),
        };
    }
    if let Some(last) = after.map(|id| super::find(conn, id)).transpose().optional()?.flatten() {
        q = q.filter(
            policies::term_end_on
                .gt(last.term_end_on)
                .or(policies::term_end_on.eq(last.term_end_on).and(policies::id.gt(last.id))),
        );
    }
    let mut rows = q.load(conn)?;
    let more = rows.len() as i64 > RENEWALS_PER_PAGE;
    rows.truncate(RENEWALS_PER_PAGE as usize);
    Ok((rows, more))
}

/// The renewal outcomes since `since` in the viewer's scope: (renewed, declined, terms that
/// expired without being renewed).
pub fn renewal_outcomes(conn: &mut DbConnection, scope: &Scope, since: NaiveDateTime) -> QueryResult<(i64, i64, i64)> {
    let decided = |conn: &mut DbConnection, status: RenewalStatus| -> QueryResult<i64> {
        let mut q = policies::table
            .inner_join(policy_renewals::table)
            .filter(policy_renewals::status.eq(status))
            .filter(policy_renewals::decided_at.ge(since))
            .count()
            .into_boxed::<Backend>();
        if let Some(ids) = agents_of(scope) {
            // One agent is an equality, so the planner starts from that agent's policies.
            q = match ids.as_slice() {
                [one] => q.filter(policies::agent_id.eq(*one)),
                _ => q.filter(policies::agent_id.eq_any(ids)),
            };
        }
        q.get_result(conn)
    };
    let renewed = decided(conn, RenewalStatus::Renewed)?;
    let declined = decided(conn, RenewalStatus::Declined)?;
    let mut q = policies::table
        .filter(policies::status.eq(PolicyStatus::Expired))
        .filter(policies::status_changed_at.ge(since))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            policy_renewals::table
                .filter(policy_renewals::policy_id.eq(policies::id))
                .filter(policy_renewals::status.eq(RenewalStatus::Renewed)),
        )))
        .count()
        .into_boxed::<Backend>();
    if let Some(ids) = agents_of(scope) {
        q = match ids.as_slice() {
            [one] => q.filter(policies::agent_id.eq(*one)),
            _ => q.filter(policies::agent_id.eq_any(ids)),
        };
    }
    let unrenewed = q.get_result(conn)?;
    Ok((renewed, declined, unrenewed))
}
