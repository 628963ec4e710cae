//! Every change to carrier statements, each with its permission check first (owners and admins)
//! and its audit entry, in the caller's transaction: taking a statement in (its lines matched and
//! judged, the not-paid policies added, the carrier's map remembered), resolving an exception,
//! and finalising.
//!
//! **What the ledger gets, and when.** A statement books nothing while it is open: people link
//! lines and change their minds, and the ledger is append-only. Finalising books one `received`
//! entry (source `carrier_statement`) per line with an amount, in the line's month, tied to its
//! policy when it has one (an accepted line that is in no book is booked without a policy: the
//! money did arrive). The payee is the agency (`PayeeKind::Agency`, id 0, role `house`): a carrier
//! pays the agency, not its agents, and what each agent is owed is the computation's split of the
//! expected amount, not the carrier's; so a received entry says what came in, and comparing it
//! with the expected entries (of every payee) of the same policy and month is the reconciliation.
//! A correction after finalising is a manual adjustment, never an edit.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{
    judge, reconcile, Exception, Index, Ledger, MatchMethod, ParsedLine, Reconciled, Resolution, StatementMap,
    StatementStatus,
};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, STAFF};
use crate::commissions::model::statements::{self as model, LineChange, LineFilter, NewLine, NewStatement};
use crate::commissions::model::{self as ledger, NewEntry};
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, EntrySource, PayeeKind, PayeeRole};
use crate::error::{AppError, FieldErrors};
use crate::leads::lead_csv::Mapping;

/// The refusal of any change to a finalised statement.
pub const FINAL: &str = "This statement is finalised: it is read-only, and nothing on it can change.";

fn staff(actor: Actor) -> Result<(), AppError> {
    if STAFF.contains(&actor.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A statement ready to be taken in: every line already read and checked.
pub struct Incoming<'a> {
    pub carrier_id: i64,
    pub period: NaiveDate,
    pub file_name: &'a str,
    pub headers: &'a [String],
    pub mapping: &'a Mapping,
    pub lines: &'a [ParsedLine],
}

/// Takes a statement in: matches and judges its lines against the carrier's book and the ledger,
/// adds the policies expected that month that it does not pay, remembers the carrier's map, and
/// audits it. Returns the statement's id.
pub fn import(conn: &mut DbConnection, actor: Actor, who: &AuditActor, s: &Incoming<'_>) -> Result<i64, AppError> {
    staff(actor)?;
    let Some(carrier) = model::carrier_name(conn, s.carrier_id)? else {
        return Err(AppError::field(
            "carrier_id",
            "Choose the carrier the statement is from.",
        ));
    };
    if s.lines.is_empty() {
        return Err(AppError::field("file", "The file has no lines."));
    }
    let index = Index::new(model::carrier_book(conn, s.carrier_id)?);
    let periods: Vec<NaiveDate> = s
        .lines
        .iter()
        .map(|l| l.period)
        .chain([s.period])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let books = Ledger {
        expected: model::expected(conn, s.carrier_id, &periods, None)?,
        received_before: model::received(conn, s.carrier_id, &periods, None)?,
    };
    let tolerance = crate::commissions::rules::load(conn)?.short_pay_tolerance_cents;
    let (judged, not_paid) = reconcile(s.lines, &index, &books, s.period, tolerance);

    let received: i64 = s.lines.iter().map(|l| l.amount_cents).sum();
    let expected: i64 =
        judged.iter().filter_map(|r| r.expected_cents).sum::<i64>() + not_paid.iter().map(|(_, c)| c).sum::<i64>();
    let id = model::insert_statement(
        conn,
        &NewStatement {
            carrier_id: s.carrier_id,
            period: s.period,
            file_name: s.file_name,
            status: StatementStatus::Matched,
            line_count: s.lines.len() as i32,
            received_cents: received,
            expected_cents: expected,
            created_by: Some(actor.id),
            created_at: now(),
        },
    )?;
    let mut rows: Vec<NewLine> = s
        .lines
        .iter()
        .zip(&judged)
        .map(|(l, r): (&ParsedLine, &Reconciled)| NewLine {
            statement_id: id,
            line_no: Some(l.line.min(i32::MAX as u64) as i32),
            policy_number: l.policy_number.clone(),
            insured_name: l.insured_name.clone(),
            birth_date: l.birth_date,
            agent: l.agent.clone(),
            kind: l.kind.clone(),
            period: l.period,
            amount_cents: l.amount_cents,
            expected_cents: r.expected_cents,
            policy_id: r.policy.map(|i| index.policies[i].id),
            match_method: r.method,
            exception: r.exception,
        })
        .collect();
    rows.extend(not_paid.iter().map(|(i, cents)| {
        let p = &index.policies[*i];
        NewLine {
            statement_id: id,
            line_no: None,
            policy_number: p.number.clone(),
            insured_name: p.insured_name.clone(),
            birth_date: p.birth_date,
            agent: String::new(),
            kind: String::new(),
            period: s.period,
            amount_cents: 0,
            expected_cents: Some(*cents),
            policy_id: Some(p.id),
            match_method: None,
            exception: Some(Exception::NotPaid),
        }
    }));
    model::insert_lines(conn, &rows)?;
    let map = serde_json::to_string(&StatementMap::of(s.mapping, s.headers)).unwrap_or_default();
    model::save_map(conn, s.carrier_id, &map, actor.id)?;
    let exceptions = rows.iter().filter(|r| r.exception.is_some()).count();
    audit::record(
        conn,
        who,
        "commissions.statement_imported",
        "carrier_statement",
        Some(id),
        &format!(
            "{carrier}, {}: {} ({} lines, {exceptions} exceptions)",
            s.period.format("%Y-%m"),
            s.file_name,
            s.lines.len()
        ),
    )?;
    Ok(id)
}

/// What a person does about a line, as the form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResolveInput {
    pub line_id: Option<i64>,
    /// `link`, `accept` or `dispute`.
    pub action: String,
    /// The policy to link the line to (link).
    pub policy_number: String,
    pub note: String,
}

/// The open statement `id` (a finalised one is refused with [`FINAL`]).
fn open_statement(conn: &mut DbConnection, id: i64) -> Result<model::StatementRow, AppError> {
    let st = model::find_statement(conn, id)?.ok_or(AppError::NotFound)?;
    if st.is_final() {
        return Err(AppError::field("statement", FINAL));
    }
    Ok(st)
}

/// Resolves one line of an open statement: links it to a policy (then judges it again: it may
/// now be short-paid or another agent's), accepts the difference, or disputes it with a note.
pub fn resolve(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    statement_id: i64,
    input: &ResolveInput,
) -> Result<Resolution, AppError> {
    staff(actor)?;
    let st = open_statement(conn, statement_id)?;
    let line = model::find_line(conn, statement_id, input.line_id.unwrap_or(0))?.ok_or(AppError::NotFound)?;
    let note = crate::text::clean_line(&input.note, 500).map_err(|e| AppError::field("note", &e.message("note")))?;
    let place = line
        .line_no
        .map(|n| format!("line {n}"))
        .unwrap_or_else(|| format!("policy {} (not paid)", line.policy_number));
    let mut change = LineChange {
        policy_id: line.policy_id,
        match_method: line.match_method,
        expected_cents: line.expected_cents,
        exception: line.exception,
        resolution: line.resolution,
        note: &note,
        by: actor.id,
    };
    let (resolution, details) = match input.action.trim() {
        "link" => {
            if line.line_no.is_none() {
                return Err(AppError::field(
                    "action",
                    "This row is a policy the statement did not pay: accept it or dispute it with the carrier.",
                ));
            }
            let number = input.policy_number.trim();
            if number.is_empty() {
                return Err(AppError::field(
                    "policy_number",
                    "Give the number of the policy this line pays.",
                ));
            }
            let carrier = model::carrier_name(conn, st.carrier_id)?.unwrap_or_default();
            let policy = match model::policy_numbered(conn, st.carrier_id, number)? {
                Some(id) => model::book_policy(conn, st.carrier_id, id)?,
                None => None,
            }
            .ok_or_else(|| {
                AppError::field(
                    "policy_number",
                    &format!("{carrier} has no policy numbered {number:?} in the book."),
                )
            })?;
            let expected = model::expected(conn, st.carrier_id, &[line.period], Some(policy.id))?
                .get(&(policy.id, line.period))
                .copied()
                .unwrap_or(0);
            let before = model::received(conn, st.carrier_id, &[line.period], Some(policy.id))?
                .get(&(policy.id, line.period))
                .copied()
                .unwrap_or(0);
            let (others, carried) = model::paid_by_statement(conn, statement_id, policy.id, line.period, line.id)?;
            let tolerance = crate::commissions::rules::load(conn)?.short_pay_tolerance_cents;
            let found = judge(
                &line.agent,
                &policy,
                Some(expected),
                others + before + line.amount_cents,
                tolerance,
            );
            change.policy_id = Some(policy.id);
            change.match_method = Some(MatchMethod::Linked);
            change.expected_cents = (!carried).then_some(expected);
            // A link that reveals a new problem leaves the line open, with that problem.
            match found {
                Some(e) => {
                    change.exception = Some(e);
                    change.resolution = None;
                }
                None => change.resolution = Some(Resolution::Linked),
            }
            if let Some(np) = model::open_not_paid(conn, statement_id, policy.id, line.period)? {
                let paid_note = format!("Paid on line {}.", line.line_no.unwrap_or(0));
                model::change_line(
                    conn,
                    np.id,
                    &LineChange {
                        policy_id: np.policy_id,
                        match_method: np.match_method,
                        expected_cents: np.expected_cents,
                        exception: np.exception,
                        resolution: Some(Resolution::Linked),
                        note: &paid_note,
                        by: actor.id,
                    },
                )?;
            }
            let outcome = match found {
                Some(e) => format!(", now {}", e.label().to_lowercase()),
                None => String::new(),
            };
            (
                change.resolution.unwrap_or(Resolution::Linked),
                format!("{place} linked to policy {}{outcome}", policy.number),
            )
        }
        "accept" | "dispute" => {
            if line.exception.is_none() {
                return Err(AppError::field("action", "This line has no exception to resolve."));
            }
            let r = if input.action.trim() == "accept" {
                Resolution::Accepted
            } else {
                if note.is_empty() {
                    return Err(AppError::field(
                        "note",
                        "Say what you dispute with the carrier (the note goes with the dispute).",
                    ));
                }
                Resolution::Disputed
            };
            change.resolution = Some(r);
            (r, format!("{place}: {}", r.label().to_lowercase()))
        }
        _ => {
            return Err(AppError::field(
                "action",
                "Choose what to do: link to a policy, accept the difference, or dispute it.",
            ))
        }
    };
    model::change_line(conn, line.id, &change)?;
    let (expected, received) = model::line_totals(conn, statement_id)?;
    model::set_totals(conn, statement_id, expected, received)?;
    let with_note = if note.is_empty() {
        details
    } else {
        format!("{details} — {note}")
    };
    audit::record(
        conn,
        who,
        "commissions.statement_line_resolved",
        "carrier_statement",
        Some(statement_id),
        &with_note,
    )?;
    Ok(resolution)
}

/// Finalises a statement whose every exception is resolved, once confirmed: books what it
/// received in the ledger (see the module's note) and makes it read-only. Returns the entries
/// booked.
pub fn finalise(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    statement_id: i64,
    confirmed: bool,
) -> Result<usize, AppError> {
    staff(actor)?;
    let st = open_statement(conn, statement_id)?;
    let mut e = FieldErrors::new();
    if !confirmed {
        e.add(
            "confirm",
            "Tick the box to confirm: a finalised statement can no longer change.",
        );
    }
    let open = model::count_lines(conn, statement_id, LineFilter::Open)?;
    if open > 0 {
        e.add(
            "statement",
            format!(
                "Resolve the {open} open exception{} first: link, accept or dispute each.",
                if open == 1 { "" } else { "s" }
            ),
        );
    }
    e.into_result()?;
    let at = now();
    let entries: Vec<NewEntry> = model::paid_lines(conn, statement_id)?
        .into_iter()
        .map(|(line_no, policy_id, period, cents)| NewEntry {
            policy_id,
            payee_kind: PayeeKind::Agency,
            payee_id: 0,
            role: PayeeRole::House,
            period,
            kind: EntryKind::Received,
            amount_cents: cents,
            source: EntrySource::CarrierStatement,
            schedule_id: None,
            run_id: None,
            note: format!("Carrier statement {statement_id}, line {line_no}"),
            created_by: Some(actor.id),
            created_at: at,
        })
        .collect();
    let booked = ledger::insert_entries(conn, &entries)?;
    if !model::finalise(conn, statement_id, actor.id)? {
        return Err(AppError::field("statement", FINAL));
    }
    let carrier = model::carrier_name(conn, st.carrier_id)?.unwrap_or_default();
    audit::record(
        conn,
        who,
        "commissions.statement_finalised",
        "carrier_statement",
        Some(statement_id),
        &format!(
            "{carrier}, {}: {booked} received entries, {}",
            st.period.format("%Y-%m"),
            crate::domain::money::format_cents(st.received_cents)
        ),
    )?;
    Ok(booked)
}
