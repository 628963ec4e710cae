//! The demo's commissions: a schedule for every product (Medicare capped by the CMS limits, life
//! advanced, the rest as earned with renewal bands), three contract levels with the roster placed
//! under two managers and a director, a few shared sales split, three months computed, and the
//! two months before this one locked as statements (the earlier one paid).

use chrono::Months;
use diesel::prelude::*;

use crate::audit::AuditActor;
use crate::auth::roles::Actor;
use crate::commissions::{engine, jobs, payouts, service};
use crate::db::schema::{agents, carrier_products, policies};
use crate::db::{now, Db, DbConnection};
use crate::domain::ProductLine;
use crate::error::AppError;

/// The schedule terms for a product line: (basis, first year, renewal bands, pay mode, months
/// advanced, note).
fn terms(line: ProductLine) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
    match line {
        // Above the CMS limit on purpose: the computed commission is capped at it.
        ProductLine::MedicareAdvantage => ("flat", "700.00", "2: 350.00", "as_earned", ""),
        ProductLine::PartD => ("flat", "120.00", "2: 60.00", "as_earned", ""),
        ProductLine::MedicareSupplement => ("percent", "20", "2: 10", "as_earned", ""),
        ProductLine::Life | ProductLine::FinalExpense => ("percent", "80", "2: 5, 11: 2", "advance", "9"),
        ProductLine::AcaHealth => ("per_life", "240.00", "2: 240.00", "as_earned", ""),
        _ => ("percent", "15", "2: 10", "as_earned", ""),
    }
}

/// A schedule for every product that has none (version 1, from 2020).
pub fn seed_schedules(c: &mut DbConnection, owner: Actor, who: &AuditActor) -> Result<usize, AppError> {
    let have: Vec<i64> = crate::commissions::model::schedules(c)?
        .iter()
        .map(|s| s.product_id)
        .collect();
    let products: Vec<(i64, ProductLine)> = carrier_products::table
        .select((carrier_products::id, carrier_products::product_line))
        .load(c)?;
    let mut n = 0;
    for (id, line) in products {
        if have.contains(&id) {
            continue;
        }
        let (basis, first, renewal, mode, months) = terms(line);
        let input = service::ScheduleInput {
            product_id: Some(id),
            effective_from: "2020-01-01".into(),
            basis: basis.into(),
            first_year: first.into(),
            renewal: renewal.into(),
            pay_mode: mode.into(),
            advance_months: months.into(),
            note: "Demo carrier contract (fictional rates)".into(),
            ..Default::default()
        };
        service::create_schedule(c, owner, who, &input)?;
        n += 1;
    }
    Ok(n)
}

/// Levels, the hierarchy and a few splits (in the seeding transaction).
pub fn seed_structure(c: &mut DbConnection, owner: Actor, who: &AuditActor) -> Result<(), AppError> {
    seed_schedules(c, owner, who)?;
    let mut levels = Vec::new();
    for (name, share) in [("Agent", "70"), ("Manager", "85"), ("Director", "95")] {
        levels.push(service::create_level(c, owner, who, name, share, "2020-01-01")?);
    }
    let ids: Vec<i64> = agents::table.order(agents::id.asc()).select(agents::id).load(c)?;
    let Some((&director, rest)) = ids.split_first() else {
        return Ok(());
    };
    let place = |c: &mut DbConnection, agent: i64, level: i64, up: Option<i64>| {
        service::place_agent(
            c,
            owner,
            who,
            &service::PlacementInput {
                agent_id: Some(agent),
                level_id: Some(level),
                upline_agent_id: up,
                effective_from: "2020-01-01".into(),
                note: String::new(),
            },
        )
    };
    place(c, director, levels[2], None)?;
    let managers: Vec<i64> = rest.iter().take(2).copied().collect();
    for m in &managers {
        place(c, *m, levels[1], Some(director))?;
    }
    for (i, a) in rest.iter().skip(2).enumerate() {
        place(c, *a, levels[0], managers.get(i % managers.len().max(1)).copied())?;
    }
    // Five active sales shared half and half with the next agent on the roster.
    let shared: Vec<(i64, i64, chrono::NaiveDate)> = policies::table
        .filter(policies::status.eq(crate::domain::policy::PolicyStatus::Active))
        .order(policies::id.asc())
        .limit(5)
        .select((policies::id, policies::agent_id, policies::effective_on))
        .load(c)?;
    for (policy, agent, effective) in shared {
        let Some(&other) = ids.iter().find(|a| **a != agent) else {
            continue;
        };
        let rows = vec![
            service::ShareInput {
                payee: format!("agent:{agent}"),
                role: "writing".into(),
                percent: "50".into(),
            },
            service::ShareInput {
                payee: format!("agent:{other}"),
                role: "split".into(),
                percent: "50".into(),
            },
        ];
        let split = service::SplitInput {
            rows,
            remainder: 0,
            effective_from: effective.to_string(),
            note: "Joint appointment".into(),
        };
        service::save_split(c, owner, who, policy, &split)?;
    }
    Ok(())
}

/// Computes the last three months, then locks the two before this one and pays the first.
pub fn seed_ledger(
    db: &Db,
    settings: &crate::config::Settings,
    owner: Actor,
    who: &AuditActor,
) -> Result<(), AppError> {
    let this = engine::month_of(now().date());
    let months: Vec<_> = (0..3)
        .rev()
        .filter_map(|k| this.checked_sub_months(Months::new(k)))
        .collect();
    for m in &months {
        let period = *m;
        let run = db.write_blocking(move |c| jobs::queue(c, period, None))?;
        jobs::run_all(db, run, &settings.plan_year_rule).map_err(AppError::internal)?;
    }
    let w = who.clone();
    db.write_blocking(move |c| seed_carrier_statements(c, owner, &w))?;
    let base = settings.base_url.clone();
    for (k, m) in months.iter().take(2).enumerate() {
        let key = m.format("%Y-%m").to_string();
        let (w, b) = (who.clone(), base.clone());
        db.write_blocking(move |c| payouts::lock_month(c, owner, &w, &b, &key).map(|_| ()))?;
        if k == 0 {
            let key = m.format("%Y-%m").to_string();
            let w = who.clone();
            db.write_blocking(move |c| match payouts::pay_month(c, owner, &w, &key) {
                Ok(_) | Err(AppError::Validation(_)) => Ok(()),
                Err(e) => Err(e),
            })?;
        }
    }
    Ok(())
}

/// Two carrier statements of the busiest carrier: the month before last paid as expected and
/// finalised, last month's left open with each kind of exception on its worklist (one policy
/// short-paid, one paid to another agent, one not paid, one line not in the book).
pub fn seed_carrier_statements(c: &mut DbConnection, owner: Actor, who: &AuditActor) -> Result<(), AppError> {
    use crate::commissions::statements::{reading, service as statements};
    use crate::db::schema::commission_entries as e;
    let this = engine::month_of(now().date());
    let Some(carrier) = policies::table
        .group_by(policies::carrier_id)
        .order(diesel::dsl::count_star().desc())
        .select(policies::carrier_id)
        .first::<i64>(c)
        .optional()?
    else {
        return Ok(());
    };
    for (months_back, open) in [(2u32, false), (1, true)] {
        let Some(period) = this.checked_sub_months(Months::new(months_back)) else {
            continue;
        };
        let mut paid: Vec<(String, String, i64)> = Vec::new();
        let rows: Vec<(i64, String, String, i64)> = e::table
            .inner_join(policies::table)
            .filter(policies::carrier_id.eq(carrier))
            .filter(e::period.eq(period))
            .filter(e::kind.eq(crate::domain::commission::EntryKind::Expected))
            .select((
                policies::id,
                policies::policy_number,
                policies::insured_name,
                e::amount_cents,
            ))
            .load(c)?;
        for (_, number, insured, cents) in rows {
            match paid.iter_mut().find(|(n, _, _)| *n == number) {
                Some(row) => row.2 += cents,
                None => paid.push((number, insured, cents)),
            }
        }
        if paid.len() < 4 {
            continue;
        }
        let mut csv = String::from("Policy Number,Insured Name,Commission Amount,Writing Agent\n");
        for (k, (number, insured, cents)) in paid.iter().enumerate() {
            let (amount, agent) = match (open, k) {
                (true, 0) => (cents - 1_500, ""),
                (true, 1) => (*cents, "Someone Else"),
                (true, 2) => continue,
                _ => (*cents, ""),
            };
            csv.push_str(&format!(
                "{number},\"{insured}\",{},{agent}\n",
                crate::domain::money::decimal_cents(amount)
            ));
        }
        if open {
            csv.push_str("ZZ-404-001,\"Pat Unknown\",42.00,\n");
        }
        let (_, table) = reading::read_table(csv.as_bytes()).map_err(AppError::internal)?;
        let mapping = reading::guess_mapping(&table.headers);
        let columns = reading::field_columns(&mapping, &table.headers).map_err(AppError::internal)?;
        let lines = reading::parse_all(&table, &columns, period)
            .map_err(|errs| AppError::internal(format!("demo statement: {} bad lines", errs.len())))?;
        let file = format!("commissions-{}.csv", period.format("%Y-%m"));
        let id = statements::import(
            c,
            owner,
            who,
            &statements::Incoming {
                carrier_id: carrier,
                period,
                file_name: &file,
                headers: &table.headers,
                mapping: &mapping,
                lines: &lines,
            },
        )?;
        if !open {
            // Paid as expected: nothing to resolve, so it is finalised (a leftover exception
            // would keep it open on the worklist instead).
            match statements::finalise(c, owner, who, id, true) {
                Ok(_) | Err(AppError::Validation(_)) => {}
                Err(other) => return Err(other),
            }
        }
    }
    Ok(())
}
