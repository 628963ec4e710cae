//! The queries of payee statements and payouts: entries not yet on a statement, statements and
//! the entries on them, payout batches, and the payees' contacts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::EntryRow;
use crate::db::schema::{commission_entries, commission_holds};
use crate::db::{now, DbConnection};
use crate::domain::commission::PayeeKind;

use crate::db::schema::{payee_statement_entries, payee_statements, payout_batches};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payee_statements)]
pub struct StatementRow {
    pub id: i64,
    pub payee_kind: PayeeKind,
    pub payee_id: i64,
    pub period: NaiveDate,
    pub opening_cents: i64,
    pub entries_cents: i64,
    pub closing_cents: i64,
    pub payout_cents: i64,
    pub carried_cents: i64,
    pub status: String,
    pub locked_by: Option<i64>,
    pub locked_at: NaiveDateTime,
    pub batch_id: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
}

/// A payee's entries of months up to `through` that are on no statement yet, except those of
/// policies whose commission is held for this agent.
pub fn unstatemented(
    conn: &mut DbConnection,
    kind: PayeeKind,
    payee_id: i64,
    through: NaiveDate,
) -> QueryResult<Vec<EntryRow>> {
    let mut q = commission_entries::table
        .filter(commission_entries::payee_kind.eq(kind))
        .filter(commission_entries::payee_id.eq(payee_id))
        .filter(commission_entries::period.le(through))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            payee_statement_entries::table.filter(payee_statement_entries::entry_id.eq(commission_entries::id)),
        )))
        .order(commission_entries::id.asc())
        .select(EntryRow::as_select())
        .into_boxed();
    if kind == PayeeKind::Agent {
        q = q.filter(diesel::dsl::not(diesel::dsl::exists(
            commission_holds::table
                .filter(commission_holds::agent_id.eq(payee_id))
                .filter(commission_holds::released_at.is_null())
                .filter(commission_holds::policy_id.nullable().eq(commission_entries::policy_id)),
        )));
    }
    q.load(conn)
}

/// Every payee with an entry up to `through` that is on no statement yet.
pub fn payees_with_open_entries(conn: &mut DbConnection, through: NaiveDate) -> QueryResult<Vec<(PayeeKind, i64)>> {
    commission_entries::table
        .filter(commission_entries::period.le(through))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            payee_statement_entries::table.filter(payee_statement_entries::entry_id.eq(commission_entries::id)),
        )))
        .select((commission_entries::payee_kind, commission_entries::payee_id))
        .distinct()
        .load(conn)
}

/// The payee's latest statement before `period`.
pub fn previous_statement(
    conn: &mut DbConnection,
    kind: PayeeKind,
    payee_id: i64,
    period: NaiveDate,
) -> QueryResult<Option<StatementRow>> {
    payee_statements::table
        .filter(payee_statements::payee_kind.eq(kind))
        .filter(payee_statements::payee_id.eq(payee_id))
        .filter(payee_statements::period.lt(period))
        .order(payee_statements::period.desc())
        .select(StatementRow::as_select())
        .first(conn)
        .optional()
}

pub fn statement_exists(
    conn: &mut DbConnection,
    kind: PayeeKind,
    payee_id: i64,
    period: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        payee_statements::table
            .filter(payee_statements::payee_kind.eq(kind))
            .filter(payee_statements::payee_id.eq(payee_id))
            .filter(payee_statements::period.eq(period)),
    ))
    .get_result(conn)
}

/// The figures of a statement as it is locked.
pub struct NewStatement {
    pub payee_kind: PayeeKind,
    pub payee_id: i64,
    pub period: NaiveDate,
    pub opening_cents: i64,
    pub entries_cents: i64,
    pub closing_cents: i64,
    pub payout_cents: i64,
    pub carried_cents: i64,
    pub locked_by: Option<i64>,
}

pub fn insert_statement(conn: &mut DbConnection, s: &NewStatement, entry_ids: &[i64]) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(payee_statements::table)
        .values((
            payee_statements::payee_kind.eq(s.payee_kind),
            payee_statements::payee_id.eq(s.payee_id),
            payee_statements::period.eq(s.period),
            payee_statements::opening_cents.eq(s.opening_cents),
            payee_statements::entries_cents.eq(s.entries_cents),
            payee_statements::closing_cents.eq(s.closing_cents),
            payee_statements::payout_cents.eq(s.payout_cents),
            payee_statements::carried_cents.eq(s.carried_cents),
            payee_statements::status.eq("locked"),
            payee_statements::locked_by.eq(s.locked_by),
            payee_statements::locked_at.eq(now()),
        ))
        .returning(payee_statements::id)
        .get_result(conn)?;
    link_entries(conn, id, entry_ids)?;
    Ok(id)
}

pub fn link_entries(conn: &mut DbConnection, statement_id: i64, entry_ids: &[i64]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in entry_ids.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    payee_statement_entries::statement_id.eq(statement_id),
                    payee_statement_entries::entry_id.eq(*e),
                )
            })
            .collect();
        n += crate::db::direct!(conn, |c| diesel::insert_into(payee_statement_entries::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(n)
}

pub fn find_statement(conn: &mut DbConnection, id: i64) -> QueryResult<StatementRow> {
    payee_statements::table
        .find(id)
        .select(StatementRow::as_select())
        .first(conn)
}

/// The entries on a statement, oldest first.
pub fn statement_entries(conn: &mut DbConnection, statement_id: i64) -> QueryResult<Vec<EntryRow>> {
    commission_entries::table
        .inner_join(payee_statement_entries::table)
        .filter(payee_statement_entries::statement_id.eq(statement_id))
        .order(commission_entries::id.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// The statements of a month (all payees), by payee.
pub fn statements_of_month(conn: &mut DbConnection, period: NaiveDate) -> QueryResult<Vec<StatementRow>> {
    payee_statements::table
        .filter(payee_statements::period.eq(period))
        .order((payee_statements::payee_kind.asc(), payee_statements::payee_id.asc()))
        .select(StatementRow::as_select())
        .load(conn)
}

/// A payee's statements, newest first.
pub fn statements_of_payee(conn: &mut DbConnection, kind: PayeeKind, payee_id: i64) -> QueryResult<Vec<StatementRow>> {
    payee_statements::table
        .filter(payee_statements::payee_kind.eq(kind))
        .filter(payee_statements::payee_id.eq(payee_id))
        .order(payee_statements::period.desc())
        .limit(120)
        .select(StatementRow::as_select())
        .load(conn)
}

/// Locked statements of months up to `through` with an amount to pay and no payout yet.
pub fn unpaid_statements(conn: &mut DbConnection, through: NaiveDate) -> QueryResult<Vec<StatementRow>> {
    payee_statements::table
        .filter(payee_statements::period.le(through))
        .filter(payee_statements::status.eq("locked"))
        .filter(payee_statements::payout_cents.gt(0))
        .order(payee_statements::id.asc())
        .select(StatementRow::as_select())
        .load(conn)
}

pub fn insert_batch(
    conn: &mut DbConnection,
    period: NaiveDate,
    statements: i32,
    total: i64,
    by: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(payout_batches::table)
        .values((
            payout_batches::period.eq(period),
            payout_batches::statements.eq(statements),
            payout_batches::total_cents.eq(total),
            payout_batches::paid_by.eq(by),
            payout_batches::paid_at.eq(now()),
        ))
        .returning(payout_batches::id)
        .get_result(conn)
}

pub fn mark_paid(conn: &mut DbConnection, statement_id: i64, batch_id: i64) -> QueryResult<usize> {
    diesel::update(
        payee_statements::table
            .find(statement_id)
            .filter(payee_statements::status.eq("locked")),
    )
    .set((
        payee_statements::status.eq("paid"),
        payee_statements::batch_id.eq(batch_id),
        payee_statements::paid_at.eq(now()),
    ))
    .execute(conn)
}

/// Paid statements of a year: (payee kind, payee id, total paid).
pub fn paid_in_year(conn: &mut DbConnection, year: i32) -> QueryResult<Vec<StatementRow>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    payee_statements::table
        .filter(payee_statements::status.eq("paid"))
        .filter(payee_statements::period.between(from, to))
        .order((payee_statements::payee_kind.asc(), payee_statements::payee_id.asc()))
        .select(StatementRow::as_select())
        .load(conn)
}

/// The e-mail address and name of a user (a broker payee) or of an agent's user.
pub fn payee_contact(conn: &mut DbConnection, kind: PayeeKind, id: i64) -> QueryResult<Option<(String, String)>> {
    use crate::db::schema::{agents, users};
    match kind {
        PayeeKind::Agent => agents::table
            .inner_join(users::table)
            .filter(agents::id.eq(id))
            .select((users::email, users::name))
            .first(conn)
            .optional(),
        PayeeKind::Broker => users::table
            .filter(users::id.eq(id))
            .select((users::email, users::name))
            .first(conn)
            .optional(),
        _ => Ok(None),
    }
}
