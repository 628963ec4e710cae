//! Payee statements and payouts (item 7). Each month the owner locks the statements: for every
//! payee with entries not yet on a statement (held ones wait for their release), the balance
//! brought forward plus the month's entries, paid out when it reaches the minimum payout and
//! carried forward otherwise (a negative balance is carried too). Only a locked statement is
//! shown to its payee, who is e-mailed. A payout batch then marks the month's locked statements
//! paid and books a payout entry (negative) on each, so the ledger's balance is what is carried.

use chrono::NaiveDate;

use super::allocate::Payee;
use super::model::{self, NewEntry, NewStatement, StatementRow};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, EntrySource, PayeeKind, PayeeRole};
use crate::domain::money::format_cents;
use crate::error::AppError;

/// What a statement closes at: (closing, paid out, carried forward). A balance below the minimum
/// (or at or below zero) is carried whole.
pub fn close(opening: i64, entries: i64, minimum: i64) -> (i64, i64, i64) {
    let closing = opening + entries;
    let payout = if closing > 0 && closing >= minimum { closing } else { 0 };
    (closing, payout, closing - payout)
}

/// A month as typed ("2026-11") as its first day.
pub fn parse_month(raw: &str) -> Result<NaiveDate, AppError> {
    format!("{}-01", raw.trim())
        .parse::<NaiveDate>()
        .map_err(|_| AppError::field("month", "Choose a month."))
}

fn owner(actor: Actor) -> Result<(), AppError> {
    if actor.role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A payee's statement as it would be if locked now.
pub struct Preview {
    pub payee: Payee,
    pub opening: i64,
    pub entries: Vec<model::EntryRow>,
    pub closing: i64,
    pub payout: i64,
    pub carried: i64,
}

/// Every payee's statement for the month starting `period`, unlocked (payees with a statement
/// for the month already are left out: their later entries go on next month's).
pub fn previews(conn: &mut DbConnection, period: NaiveDate) -> Result<Vec<Preview>, AppError> {
    let minimum = super::rules::load(conn)?.payout_minimum_cents;
    let through = super::engine::month_end(period);
    let mut out = Vec::new();
    let mut payees = model::payees_with_open_entries(conn, through)?;
    payees.sort();
    for (kind, id) in payees {
        if model::statement_exists(conn, kind, id, period)? {
            continue;
        }
        let entries = model::unstatemented(conn, kind, id, through)?;
        if entries.is_empty() {
            continue;
        }
        let opening = model::previous_statement(conn, kind, id, period)?
            .map(|s| s.carried_cents)
            .unwrap_or(0);
        let sum: i64 = entries.iter().map(|e| e.amount_cents).sum();
        let (closing, payout, carried) = close(opening, sum, minimum);
        out.push(Preview {
            payee: Payee { kind, id },
            opening,
            entries,
            closing,
            payout,
            carried,
        });
    }
    Ok(out)
}

/// Locks the month's statements (the owner only), e-mails each payee; returns how many.
pub fn lock_month(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    base_url: &str,
    month: &str,
) -> Result<usize, AppError> {
    owner(actor)?;
    let period = parse_month(month)?;
    if period > super::engine::month_of(now().date()) {
        return Err(AppError::field("month", "A month is locked once it has begun."));
    }
    let previews = previews(conn, period)?;
    let label = period.format("%B %Y").to_string();
    for p in &previews {
        let ids: Vec<i64> = p.entries.iter().map(|e| e.id).collect();
        let id = model::insert_statement(
            conn,
            &NewStatement {
                payee_kind: p.payee.kind,
                payee_id: p.payee.id,
                period,
                opening_cents: p.opening,
                entries_cents: p.closing - p.opening,
                closing_cents: p.closing,
                payout_cents: p.payout,
                carried_cents: p.carried,
                locked_by: who.id,
            },
            &ids,
        )?;
        if let Some((to, name)) = model::payee_contact(conn, p.payee.kind, p.payee.id)? {
            let paid = if p.payout > 0 {
                format!("{} will be paid out.", format_cents(p.payout))
            } else {
                format!(
                    "The balance of {} is carried forward to next month (below the minimum payout).",
                    format_cents(p.carried)
                )
            };
            crate::jobs::enqueue_email(
                conn,
                &crate::jobs::EmailJob {
                    to,
                    subject: format!("Your commission statement for {label}"),
                    body: format!(
                        "Hello {name},\n\nYour commission statement for {label} is ready: {} brought forward, {} this month, {} in all. {paid}\n\nSee it, with the policies behind each line, at {base_url}/commissions/statements/{id}\n",
                        format_cents(p.opening),
                        format_cents(p.closing - p.opening),
                        format_cents(p.closing)
                    ),
                },
            )?;
        }
    }
    audit::record(
        conn,
        who,
        "commission.statements_locked",
        "payee_statement",
        None,
        &format!("{label}: {} statements", previews.len()),
    )?;
    Ok(previews.len())
}

/// Pays the locked statements up to the month (the owner only): one batch, a payout entry on
/// each statement, each marked paid. Returns the batch's id and total.
pub fn pay_month(conn: &mut DbConnection, actor: Actor, who: &AuditActor, month: &str) -> Result<(i64, i64), AppError> {
    owner(actor)?;
    let period = parse_month(month)?;
    let unpaid = model::unpaid_statements(conn, period)?;
    if unpaid.is_empty() {
        return Err(AppError::field(
            "month",
            "There is no locked statement with an amount to pay.",
        ));
    }
    let total: i64 = unpaid.iter().map(|s| s.payout_cents).sum();
    let batch = model::insert_batch(conn, period, unpaid.len() as i32, total, who.id)?;
    for s in &unpaid {
        let entry = NewEntry {
            policy_id: None,
            payee_kind: s.payee_kind,
            payee_id: s.payee_id,
            role: match s.payee_kind {
                PayeeKind::Agent => PayeeRole::Writing,
                PayeeKind::Broker => PayeeRole::Referral,
                PayeeKind::Pool => PayeeRole::Pool,
                PayeeKind::Agency => PayeeRole::House,
            },
            period: s.period,
            kind: EntryKind::Payout,
            amount_cents: -s.payout_cents,
            source: EntrySource::Manual,
            schedule_id: None,
            run_id: None,
            note: format!("Payout batch {batch}"),
            created_by: who.id,
            created_at: now(),
        };
        let entry_id = model::insert_entry(conn, &entry)?;
        model::link_entries(conn, s.id, &[entry_id])?;
        model::mark_paid(conn, s.id, batch)?;
    }
    audit::record(
        conn,
        who,
        "commission.payout_paid",
        "payout_batch",
        Some(batch),
        &format!("{} statements, {}", unpaid.len(), format_cents(total)),
    )?;
    Ok((batch, total))
}

/// Whether the viewer may see a statement: staff always, a payee their own once it is locked
/// (statements exist only locked).
pub fn may_see(viewer: &super::service::CommissionViewer, s: &StatementRow) -> bool {
    viewer.may_see(Payee {
        kind: s.payee_kind,
        id: s.payee_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_balance_below_the_minimum_is_carried_and_a_negative_one_too() {
        assert_eq!(close(0, 10_000, 2_500), (10_000, 10_000, 0));
        assert_eq!(close(0, 2_000, 2_500), (2_000, 0, 2_000));
        assert_eq!(
            close(2_000, 1_000, 2_500),
            (3_000, 3_000, 0),
            "the carried balance counts"
        );
        assert_eq!(
            close(0, -4_000, 2_500),
            (-4_000, 0, -4_000),
            "a chargeback balance is carried"
        );
        assert_eq!(close(-4_000, 5_000, 0), (1_000, 1_000, 0));
    }
}
