//! Queries for carrier statements: each carrier's remembered column map, statements and their
//! lines, the carrier's book as matching reads it, what the ledger expected and received per
//! policy and month, and the expected-versus-received totals. A finalised statement's rows are
//! refused any change by the database itself.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::commissions::statements::{BookPolicy, Exception, MatchMethod, Resolution, StatementStatus};
use crate::db::schema::{
    agents, carrier_statement_lines, carrier_statement_maps, carrier_statements, carriers, contacts, policies, users,
};
use crate::db::{now, DbConnection};

// ---- maps -----------------------------------------------------------------------------------

/// The carrier's remembered map (JSON), if any.
pub fn map_of(conn: &mut DbConnection, carrier_id: i64) -> QueryResult<Option<String>> {
    carrier_statement_maps::table
        .find(carrier_id)
        .select(carrier_statement_maps::map)
        .first(conn)
        .optional()
}

/// Remembers the carrier's map (replacing the one before).
pub fn save_map(conn: &mut DbConnection, carrier_id: i64, map: &str, by: i64) -> QueryResult<()> {
    let n = diesel::update(carrier_statement_maps::table.find(carrier_id))
        .set((
            carrier_statement_maps::map.eq(map),
            carrier_statement_maps::updated_by.eq(Some(by)),
            carrier_statement_maps::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(carrier_statement_maps::table)
            .values((
                carrier_statement_maps::carrier_id.eq(carrier_id),
                carrier_statement_maps::map.eq(map),
                carrier_statement_maps::updated_by.eq(Some(by)),
                carrier_statement_maps::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every carrier (id, name), by name: the upload form's menu.
pub fn carriers(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    carriers::table
        .order((carriers::name.asc(), carriers::id.asc()))
        .select((carriers::id, carriers::name))
        .load(conn)
}

pub fn carrier_name(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    carriers::table.find(id).select(carriers::name).first(conn).optional()
}

// ---- statements -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = carrier_statements)]
pub struct StatementRow {
    pub id: i64,
    pub carrier_id: i64,
    pub period: NaiveDate,
    pub file_name: String,
    pub status: StatementStatus,
    pub line_count: i32,
    pub received_cents: i64,
    pub expected_cents: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub finalised_by: Option<i64>,
    pub finalised_at: Option<NaiveDateTime>,
}

impl StatementRow {
    pub fn is_final(&self) -> bool {
        self.status == StatementStatus::Finalised
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = carrier_statements)]
pub struct NewStatement<'a> {
    pub carrier_id: i64,
    pub period: NaiveDate,
    pub file_name: &'a str,
    pub status: StatementStatus,
    pub line_count: i32,
    pub received_cents: i64,
    pub expected_cents: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_statement(conn: &mut DbConnection, s: &NewStatement<'_>) -> QueryResult<i64> {
    diesel::insert_into(carrier_statements::table)
        .values(s)
        .returning(carrier_statements::id)
        .get_result(conn)
}

pub fn find_statement(conn: &mut DbConnection, id: i64) -> QueryResult<Option<StatementRow>> {
    carrier_statements::table
        .find(id)
        .select(StatementRow::as_select())
        .first(conn)
        .optional()
}

/// A page of statements, newest first, with their carrier's name.
pub fn statements(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<(StatementRow, String)>> {
    carrier_statements::table
        .inner_join(carriers::table)
        .order(carrier_statements::id.desc())
        .offset(offset)
        .limit(limit)
        .select((StatementRow::as_select(), carriers::name))
        .load(conn)
}

pub fn count_statements(conn: &mut DbConnection) -> QueryResult<i64> {
    carrier_statements::table.count().get_result(conn)
}

/// Closes an open statement; false when it was already final.
pub fn finalise(conn: &mut DbConnection, id: i64, by: i64) -> QueryResult<bool> {
    let n = diesel::update(
        carrier_statements::table
            .find(id)
            .filter(carrier_statements::status.eq(StatementStatus::Matched)),
    )
    .set((
        carrier_statements::status.eq(StatementStatus::Finalised),
        carrier_statements::finalised_by.eq(Some(by)),
        carrier_statements::finalised_at.eq(Some(now())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets a statement's expected and received totals.
pub fn set_totals(conn: &mut DbConnection, id: i64, expected: i64, received: i64) -> QueryResult<usize> {
    diesel::update(carrier_statements::table.find(id))
        .set((
            carrier_statements::expected_cents.eq(expected),
            carrier_statements::received_cents.eq(received),
        ))
        .execute(conn)
}

// ---- lines ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = carrier_statement_lines)]
pub struct LineRow {
    pub id: i64,
    pub statement_id: i64,
    pub line_no: Option<i32>,
    pub policy_number: String,
    pub insured_name: String,
    pub birth_date: Option<NaiveDate>,
    pub agent: String,
    pub kind: String,
    pub period: NaiveDate,
    pub amount_cents: i64,
    pub expected_cents: Option<i64>,
    pub policy_id: Option<i64>,
    pub match_method: Option<MatchMethod>,
    pub exception: Option<Exception>,
    pub resolution: Option<Resolution>,
    pub note: String,
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = carrier_statement_lines)]
pub struct NewLine {
    pub statement_id: i64,
    pub line_no: Option<i32>,
    pub policy_number: String,
    pub insured_name: String,
    pub birth_date: Option<NaiveDate>,
    pub agent: String,
    pub kind: String,
    pub period: NaiveDate,
    pub amount_cents: i64,
    pub expected_cents: Option<i64>,
    pub policy_id: Option<i64>,
    pub match_method: Option<MatchMethod>,
    pub exception: Option<Exception>,
}

/// Writes lines, several rows a statement.
pub fn insert_lines(conn: &mut DbConnection, lines: &[NewLine]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in lines.chunks(500) {
        n += crate::db::direct!(conn, |c| diesel::insert_into(carrier_statement_lines::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(n)
}

/// Which lines a statement page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFilter {
    /// Exceptions nobody has resolved yet (the worklist).
    Open,
    /// Every exception, resolved or not.
    Exceptions,
    /// One kind of exception.
    Kind(Exception),
    All,
}

fn filtered(
    statement_id: i64,
    filter: LineFilter,
) -> carrier_statement_lines::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut q = carrier_statement_lines::table
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .into_boxed();
    match filter {
        LineFilter::Open => {
            q = q
                .filter(carrier_statement_lines::exception.is_not_null())
                .filter(carrier_statement_lines::resolution.is_null())
        }
        LineFilter::Exceptions => q = q.filter(carrier_statement_lines::exception.is_not_null()),
        LineFilter::Kind(k) => q = q.filter(carrier_statement_lines::exception.eq(k)),
        LineFilter::All => {}
    }
    q
}

/// A page of a statement's lines in file order (the policies not paid last).
pub fn lines(
    conn: &mut DbConnection,
    statement_id: i64,
    filter: LineFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<LineRow>> {
    filtered(statement_id, filter)
        .order(carrier_statement_lines::id.asc())
        .offset(offset)
        .limit(limit)
        .select(LineRow::as_select())
        .load(conn)
}

pub fn count_lines(conn: &mut DbConnection, statement_id: i64, filter: LineFilter) -> QueryResult<i64> {
    filtered(statement_id, filter).count().get_result(conn)
}

pub fn find_line(conn: &mut DbConnection, statement_id: i64, line_id: i64) -> QueryResult<Option<LineRow>> {
    carrier_statement_lines::table
        .find(line_id)
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .select(LineRow::as_select())
        .first(conn)
        .optional()
}

/// Per kind of exception: (kind, open, all).
pub fn exception_counts(conn: &mut DbConnection, statement_id: i64) -> QueryResult<Vec<(Exception, i64, i64)>> {
    let rows: Vec<(Option<Exception>, Option<Resolution>)> = carrier_statement_lines::table
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .filter(carrier_statement_lines::exception.is_not_null())
        .select((carrier_statement_lines::exception, carrier_statement_lines::resolution))
        .load(conn)?;
    Ok(Exception::ALL
        .iter()
        .map(|k| {
            let of_kind = rows.iter().filter(|(e, _)| *e == Some(*k));
            let open = of_kind.clone().filter(|(_, r)| r.is_none()).count() as i64;
            (*k, open, of_kind.count() as i64)
        })
        .collect())
}

/// What a person decided about a line.
pub struct LineChange<'a> {
    pub policy_id: Option<i64>,
    pub match_method: Option<MatchMethod>,
    pub expected_cents: Option<i64>,
    pub exception: Option<Exception>,
    pub resolution: Option<Resolution>,
    pub note: &'a str,
    pub by: i64,
}

pub fn change_line(conn: &mut DbConnection, id: i64, c: &LineChange<'_>) -> QueryResult<usize> {
    diesel::update(carrier_statement_lines::table.find(id))
        .set((
            carrier_statement_lines::policy_id.eq(c.policy_id),
            carrier_statement_lines::match_method.eq(c.match_method),
            carrier_statement_lines::expected_cents.eq(c.expected_cents),
            carrier_statement_lines::exception.eq(c.exception),
            carrier_statement_lines::resolution.eq(c.resolution),
            carrier_statement_lines::note.eq(c.note),
            carrier_statement_lines::resolved_by.eq(Some(c.by)),
            carrier_statement_lines::resolved_at.eq(Some(now())),
        ))
        .execute(conn)
}

/// The statement's open not-paid row for a policy and month, if any.
pub fn open_not_paid(
    conn: &mut DbConnection,
    statement_id: i64,
    policy_id: i64,
    period: NaiveDate,
) -> QueryResult<Option<LineRow>> {
    carrier_statement_lines::table
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .filter(carrier_statement_lines::policy_id.eq(policy_id))
        .filter(carrier_statement_lines::period.eq(period))
        .filter(carrier_statement_lines::exception.eq(Exception::NotPaid))
        .filter(carrier_statement_lines::resolution.is_null())
        .select(LineRow::as_select())
        .first(conn)
        .optional()
}

/// What the statement's lines other than `except` pay a policy for a month.
pub fn paid_by_statement(
    conn: &mut DbConnection,
    statement_id: i64,
    policy_id: i64,
    period: NaiveDate,
    except: i64,
) -> QueryResult<(i64, bool)> {
    let amounts: Vec<(i64, Option<i64>)> = carrier_statement_lines::table
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .filter(carrier_statement_lines::policy_id.eq(policy_id))
        .filter(carrier_statement_lines::period.eq(period))
        .filter(carrier_statement_lines::line_no.is_not_null())
        .filter(carrier_statement_lines::id.ne(except))
        .select((
            carrier_statement_lines::amount_cents,
            carrier_statement_lines::expected_cents,
        ))
        .load(conn)?;
    let has_expected = amounts.iter().any(|(_, e)| e.is_some());
    Ok((amounts.iter().map(|(a, _)| a).sum(), has_expected))
}

#[derive(Debug, Clone, QueryableByName)]
struct Totals {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    expected: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    received: i64,
}

/// A statement's expected and received totals, from its lines.
pub fn line_totals(conn: &mut DbConnection, statement_id: i64) -> QueryResult<(i64, i64)> {
    let t: Totals = diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(expected_cents), 0) AS BIGINT) AS expected, \
           CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS received \
         FROM carrier_statement_lines WHERE statement_id = {statement_id}"
    ))
    .get_result(conn)?;
    Ok((t.expected, t.received))
}

/// A file line as the ledger books it: (line_no, policy, month, cents).
pub type PaidLine = (i32, Option<i64>, NaiveDate, i64);

/// The statement's file lines with an amount, for the ledger.
pub fn paid_lines(conn: &mut DbConnection, statement_id: i64) -> QueryResult<Vec<PaidLine>> {
    carrier_statement_lines::table
        .filter(carrier_statement_lines::statement_id.eq(statement_id))
        .filter(carrier_statement_lines::line_no.is_not_null())
        .filter(carrier_statement_lines::amount_cents.ne(0))
        .order(carrier_statement_lines::id.asc())
        .select((
            carrier_statement_lines::line_no.assume_not_null(),
            carrier_statement_lines::policy_id,
            carrier_statement_lines::period,
            carrier_statement_lines::amount_cents,
        ))
        .load(conn)
}

// ---- the book and the ledger ----------------------------------------------------------------

/// (id, number, insured, birth date, agent, agent's NPN, agent's name).
type BookRow = (i64, String, String, Option<NaiveDate>, i64, Option<String>, String);

fn book_policy_of(r: BookRow) -> BookPolicy {
    let (id, number, insured_name, birth_date, agent_id, agent_npn, agent_name) = r;
    BookPolicy {
        id,
        number,
        insured_name,
        birth_date,
        agent_id,
        agent_npn,
        agent_name,
    }
}

fn book_rows(conn: &mut DbConnection, carrier_id: i64, only: Option<i64>) -> QueryResult<Vec<BookRow>> {
    let mut q = policies::table
        .inner_join(contacts::table)
        .inner_join(agents::table.inner_join(users::table))
        .filter(policies::carrier_id.eq(carrier_id))
        .order(policies::id.asc())
        .select((
            policies::id,
            policies::policy_number,
            policies::insured_name,
            contacts::birth_date,
            policies::agent_id,
            agents::npn,
            users::name,
        ))
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(policies::id.eq(id));
    }
    q.load(conn)
}

/// Every policy of the carrier with its insured's birth date and its writing agent's NPN and
/// name (100,000 policies are a few megabytes).
pub fn carrier_book(conn: &mut DbConnection, carrier_id: i64) -> QueryResult<Vec<BookPolicy>> {
    Ok(book_rows(conn, carrier_id, None)?
        .into_iter()
        .map(book_policy_of)
        .collect())
}

/// One policy of the carrier, as matching reads it.
pub fn book_policy(conn: &mut DbConnection, carrier_id: i64, policy_id: i64) -> QueryResult<Option<BookPolicy>> {
    Ok(book_rows(conn, carrier_id, Some(policy_id))?
        .into_iter()
        .next()
        .map(book_policy_of))
}

/// The carrier's policy whose number is `number` as typed, or the same letters and digits.
pub fn policy_numbered(conn: &mut DbConnection, carrier_id: i64, number: &str) -> QueryResult<Option<i64>> {
    if let Some(id) = crate::policies::model::find_by_number(conn, carrier_id, number.trim())? {
        return Ok(Some(id));
    }
    let wanted = crate::commissions::statements::number_key(number);
    if wanted.is_empty() {
        return Ok(None);
    }
    let all: Vec<(i64, String)> = policies::table
        .filter(policies::carrier_id.eq(carrier_id))
        .select((policies::id, policies::policy_number))
        .load(conn)?;
    let hits: Vec<i64> = all
        .into_iter()
        .filter(|(_, n)| crate::commissions::statements::number_key(n) == wanted)
        .map(|(id, _)| id)
        .collect();
    Ok(match hits.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

#[derive(Debug, Clone, QueryableByName)]
struct PolicyMonth {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    policy_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    period: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cents: i64,
}

fn dates_list(periods: &[NaiveDate]) -> String {
    periods
        .iter()
        .map(|p| format!("'{}'", p.format("%Y-%m-%d")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Per (policy, month) of the carrier's policies in these months: the sum of the ledger's entries
/// of `kinds` from `source` (the ids and dates are numbers, never request text).
fn ledger_sums(
    conn: &mut DbConnection,
    carrier_id: i64,
    periods: &[NaiveDate],
    condition: &str,
    policy_id: Option<i64>,
) -> QueryResult<HashMap<(i64, NaiveDate), i64>> {
    if periods.is_empty() {
        return Ok(HashMap::new());
    }
    let one = policy_id
        .map(|id| format!(" AND e.policy_id = {id}"))
        .unwrap_or_default();
    let rows: Vec<PolicyMonth> = diesel::sql_query(format!(
        "SELECT e.policy_id AS policy_id, e.period AS period, CAST(SUM(e.amount_cents) AS BIGINT) AS cents \
         FROM commission_entries e JOIN policies p ON p.id = e.policy_id \
         WHERE p.carrier_id = {carrier_id} AND {condition} AND e.period IN ({}){one} \
         GROUP BY e.policy_id, e.period",
        dates_list(periods)
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| ((r.policy_id, r.period), r.cents)).collect())
}

/// What the computation expected (every computed entry: expected, chargebacks, adjustments) per
/// policy and month, for the carrier's policies in these months; `policy_id` for one policy.
pub fn expected(
    conn: &mut DbConnection,
    carrier_id: i64,
    periods: &[NaiveDate],
    policy_id: Option<i64>,
) -> QueryResult<HashMap<(i64, NaiveDate), i64>> {
    ledger_sums(conn, carrier_id, periods, "e.source = 'computed'", policy_id)
}

/// What finalised statements already booked as received per policy and month.
pub fn received(
    conn: &mut DbConnection,
    carrier_id: i64,
    periods: &[NaiveDate],
    policy_id: Option<i64>,
) -> QueryResult<HashMap<(i64, NaiveDate), i64>> {
    ledger_sums(
        conn,
        carrier_id,
        periods,
        "e.kind = 'received' AND e.source = 'carrier_statement'",
        policy_id,
    )
}

/// Expected against received for a carrier and month.
#[derive(Debug, Clone, QueryableByName)]
pub struct CarrierMonth {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub carrier_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub carrier: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub expected: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub received: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pending: i64,
}

/// Per carrier and month from `since` on, newest first: what the computation expected (the
/// ledger's computed entries), what finalised statements received (their lines, matched or not),
/// and what open statements say is on its way.
pub fn carrier_months(conn: &mut DbConnection, since: NaiveDate) -> QueryResult<Vec<CarrierMonth>> {
    let since = since.format("%Y-%m-%d");
    diesel::sql_query(format!(
        "SELECT t.carrier_id AS carrier_id, c.name AS carrier, t.period AS period, \
           CAST(SUM(t.expected) AS BIGINT) AS expected, CAST(SUM(t.received) AS BIGINT) AS received, \
           CAST(SUM(t.pending) AS BIGINT) AS pending \
         FROM ( \
           SELECT p.carrier_id AS carrier_id, e.period AS period, e.amount_cents AS expected, \
             0 AS received, 0 AS pending \
           FROM commission_entries e JOIN policies p ON p.id = e.policy_id \
           WHERE e.source = 'computed' AND e.period >= '{since}' \
           UNION ALL \
           SELECT s.carrier_id, l.period, 0, \
             CASE WHEN s.status = 'finalised' THEN l.amount_cents ELSE 0 END, \
             CASE WHEN s.status = 'finalised' THEN 0 ELSE l.amount_cents END \
           FROM carrier_statement_lines l JOIN carrier_statements s ON s.id = l.statement_id \
           WHERE l.line_no IS NOT NULL AND l.period >= '{since}' \
         ) t JOIN carriers c ON c.id = t.carrier_id \
         GROUP BY t.carrier_id, c.name, t.period ORDER BY t.period DESC, c.name"
    ))
    .load(conn)
}
