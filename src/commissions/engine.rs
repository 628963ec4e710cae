//! A month's computation (items 1–5, 8): for each policy in force, the gross commission pieces
//! falling due by the month's end (`rates::pieces`, with the CMS cap), divided by the split and
//! the hierarchy in force on each piece's date (`allocate`), summed per payee and role — the
//! *target*. The ledger already holds what earlier runs booked; the difference is booked as a new
//! entry (expected when positive; a chargeback when the policy's commission went down, else an
//! adjustment). Running a month twice books nothing the second time; a policy that ended books
//! its chargeback on the next run. Nothing is ever edited.
//!
//! The run goes through the book in batches of policies by id, one transaction per batch, and
//! records its place, so a run stopped anywhere resumes after its last batch.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;

use super::allocate::{self, Link, Payee, Share, WHOLE};
use super::cms;
use super::model::{self, NewEntry, ScheduleRow};
use super::rates::{self, Band, Instalment, Rate, Term};
use super::rules::Rules;
use crate::db::schema::{agents, contacts, policies, policy_instalments, users};
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, EntrySource, PayeeKind, PayeeRole};
use crate::domain::plan_year::PlanYearRule;
use crate::domain::policy::{BillingFrequency, EnrollmentType, PolicyStatus};
use crate::domain::ProductLine;
use crate::error::AppError;

/// The advisory lock that makes computations take their batches one at a time across servers:
/// two runs reading the same booked totals would each book the difference.
pub const COMPUTE_LOCK: i64 = 0x4145_636f_6d6d; // "AEcomm"

/// Policies taken per transaction.
pub const BATCH: i64 = 1_000;

/// The most uplines followed above an agent (a guard against a loop in the data).
const MAX_DEPTH: usize = 20;

/// A schedule version, parsed.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub row: ScheduleRow,
    pub rate: Rate,
}

impl Schedule {
    pub fn of(row: ScheduleRow) -> Schedule {
        let renewal: Vec<Band> = serde_json::from_str(&row.renewal_bands).unwrap_or_default();
        let rate = Rate {
            basis: row.basis,
            first_year: row.first_year_rate,
            renewal,
            pay_mode: row.pay_mode,
            advance_months: row.advance_months.max(0) as u32,
        };
        Schedule { row, rate }
    }

    /// How specific the version is: a state and an age band each count.
    fn specificity(&self) -> u8 {
        self.row.state.is_some() as u8 * 2 + (self.row.min_age.is_some() || self.row.max_age.is_some()) as u8
    }

    fn matches(&self, carrier_id: i64, product_id: i64, state: &str, age: Option<i32>, on: NaiveDate) -> bool {
        let r = &self.row;
        r.carrier_id == carrier_id
            && r.product_id == product_id
            && r.effective_from <= on
            && r.effective_to.is_none_or(|t| on <= t)
            && r.state.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(state))
            && (r.min_age.is_none() && r.max_age.is_none()
                || age.is_some_and(|a| r.min_age.is_none_or(|m| a >= m) && r.max_age.is_none_or(|m| a <= m)))
    }
}

/// Everything a run reads once: schedules, limits, rules, levels and the hierarchy.
pub struct Book {
    pub schedules: Vec<Schedule>,
    pub limits: Vec<cms::Limit>,
    pub rules: Rules,
    /// Per level: (from, share in basis points), oldest first.
    levels: HashMap<i64, Vec<(NaiveDate, i64)>>,
    /// Per agent: (from, level, upline), oldest first.
    hierarchy: HashMap<i64, Vec<(NaiveDate, i64, Option<i64>)>>,
}

impl Book {
    pub fn load(conn: &mut DbConnection) -> Result<Book, AppError> {
        let schedules = model::schedules(conn)?.into_iter().map(Schedule::of).collect();
        let limits = model::limits(conn)?.iter().map(model::LimitRow::limit).collect();
        let rules = super::rules::load(conn)?;
        let mut levels: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
        for r in model::level_rates(conn)? {
            levels
                .entry(r.level_id)
                .or_default()
                .push((r.effective_from, r.share_bps as i64));
        }
        let mut hierarchy: HashMap<i64, Vec<(NaiveDate, i64, Option<i64>)>> = HashMap::new();
        for h in model::hierarchy(conn)? {
            hierarchy
                .entry(h.agent_id)
                .or_default()
                .push((h.effective_from, h.level_id, h.upline_agent_id));
        }
        Ok(Book {
            schedules,
            limits,
            rules,
            levels,
            hierarchy,
        })
    }

    /// The schedule a policy is computed from: the most specific version that matches its
    /// carrier, product, the insured's state and age on the effective date, the newest of those.
    pub fn schedule_for(
        &self,
        carrier_id: i64,
        product_id: i64,
        state: &str,
        age: Option<i32>,
        on: NaiveDate,
    ) -> Option<&Schedule> {
        self.schedules
            .iter()
            .filter(|s| s.matches(carrier_id, product_id, state, age, on))
            .max_by_key(|s| (s.specificity(), s.row.effective_from, s.row.id))
    }

    fn schedule(&self, id: i64) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.row.id == id)
    }

    /// A level's share on a date (none recorded yet: 100 %).
    pub fn level_share(&self, level_id: i64, on: NaiveDate) -> i64 {
        self.levels
            .get(&level_id)
            .and_then(|v| v.iter().rev().find(|(from, _)| *from <= on))
            .map(|(_, bps)| *bps)
            .unwrap_or(WHOLE)
    }

    /// An agent's level and upline on a date.
    pub fn placement(&self, agent_id: i64, on: NaiveDate) -> Option<(i64, Option<i64>)> {
        self.hierarchy
            .get(&agent_id)
            .and_then(|v| v.iter().rev().find(|(from, _, _)| *from <= on))
            .map(|(_, level, up)| (*level, *up))
    }

    /// The agent and their uplines on a date, each with their level's share. An agent with no
    /// level takes 100 % (no overrides).
    pub fn chain(&self, agent_id: i64, on: NaiveDate) -> Vec<Link> {
        let mut out = Vec::new();
        let mut at = Some(agent_id);
        while let Some(id) = at {
            if out.len() >= MAX_DEPTH || out.iter().any(|l: &Link| l.payee == Payee::agent(id)) {
                break;
            }
            match self.placement(id, on) {
                Some((level, up)) => {
                    out.push(Link {
                        payee: Payee::agent(id),
                        level_bps: self.level_share(level, on),
                    });
                    at = up;
                }
                None => {
                    out.push(Link {
                        payee: Payee::agent(id),
                        level_bps: WHOLE,
                    });
                    at = None;
                }
            }
        }
        out
    }
}

/// A policy as the computation reads it.
#[derive(Debug, Clone, Queryable)]
pub struct PolicyFacts {
    pub id: i64,
    pub agent_id: i64,
    pub carrier_id: i64,
    pub product_id: i64,
    pub contact_id: i64,
    pub renewal_of_id: Option<i64>,
    pub status: PolicyStatus,
    pub product_line: ProductLine,
    pub effective_on: NaiveDate,
    pub term_end_on: NaiveDate,
    pub cancelled_on: Option<NaiveDate>,
    pub status_changed_at: chrono::NaiveDateTime,
    pub billing_frequency: BillingFrequency,
    pub lives: i32,
    pub plan_year: Option<i32>,
    pub enrollment_type: Option<EnrollmentType>,
    pub insured_state: String,
}

/// One policy's inputs besides the book.
pub struct Inputs<'a> {
    pub policy: &'a PolicyFacts,
    /// (seq, due, amount, paid) of the term's instalments.
    pub instalments: &'a [(i32, NaiveDate, i64, i64)],
    /// Months from the first term's effective date, and how many terms came before this one.
    pub months_before: u32,
    pub terms_before: u32,
    pub age: Option<i32>,
    /// The split versions: (from, shares), oldest first.
    pub splits: &'a [(NaiveDate, Vec<Share>)],
    /// The schedule version already used for this policy, if any.
    pub schedule_id: Option<i64>,
}

/// A policy's target through `through`: per payee and role, the cents its commission comes to,
/// with the schedule used and the gross. `None`: no schedule covers the policy.
pub struct Target {
    pub schedule_id: i64,
    pub gross: i64,
    pub parts: BTreeMap<(Payee, PayeeRole), i64>,
}

/// When a policy stopped being in force, if it ended before its term end.
pub fn ended_on(p: &PolicyFacts, instalments: &[(i32, NaiveDate, i64, i64)]) -> Option<NaiveDate> {
    match p.status {
        PolicyStatus::Cancelled => Some(p.cancelled_on.unwrap_or(p.status_changed_at.date())),
        PolicyStatus::Lapsed => Some(
            instalments
                .iter()
                .filter(|(_, _, amount, paid)| paid < amount)
                .map(|(_, due, _, _)| *due)
                .min()
                .unwrap_or(p.status_changed_at.date()),
        ),
        _ => None,
    }
}

/// Computes one policy's target (pure, given the book).
pub fn target(book: &Book, i: &Inputs<'_>, through: NaiveDate) -> Option<Target> {
    let p = i.policy;
    if matches!(p.status, PolicyStatus::Draft | PolicyStatus::PendingPayment) {
        return None;
    }
    let schedule = match i.schedule_id {
        Some(id) => book.schedule(id),
        None => book.schedule_for(p.carrier_id, p.product_id, &p.insured_state, i.age, p.effective_on),
    }?;
    let ended = ended_on(p, i.instalments);
    let medicare_capped = cms::product_of(p.product_line).is_some();
    let rapid = medicare_capped
        && i.terms_before == 0
        && ended.is_some_and(|e| rates::rapid_disenrollment(p.effective_on, e, book.rules.rapid_disenrollment_months));
    let instalments: Vec<Instalment> = i
        .instalments
        .iter()
        .map(|(seq, due, amount, _)| Instalment {
            seq: *seq,
            due_on: *due,
            amount_cents: *amount,
        })
        .collect();
    // Medicare policy years are plan years: one per term.
    let months_before = if p.product_line.is_medicare() {
        i.terms_before * 12
    } else {
        i.months_before
    };
    let term = Term {
        months_before,
        effective_on: p.effective_on,
        ended_on: ended,
        rapid_disenrollment: rapid,
        lives: p.lives,
        frequency_months: p.billing_frequency.months(),
        instalments: &instalments,
    };
    let plan_year = p.plan_year.unwrap_or(p.effective_on.year());
    let cap = |policy_year: i32| {
        cms::yearly_cap(
            &book.limits,
            p.product_line,
            plan_year,
            &p.insured_state,
            p.enrollment_type,
            policy_year,
        )
    };
    let referral_cap = cms::referral_cap(&book.limits, p.product_line, plan_year);
    let default_split = allocate::whole_to(p.agent_id);
    let mut parts: BTreeMap<(Payee, PayeeRole), i64> = BTreeMap::new();
    let mut gross = 0;
    let mut referral_paid = 0;
    for piece in rates::pieces(&schedule.rate, &term, &cap) {
        if piece.on > through {
            continue;
        }
        gross += piece.cents;
        let shares = i
            .splits
            .iter()
            .rev()
            .find(|(from, _)| *from <= piece.on)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&default_split);
        let amounts = allocate::split(piece.cents, shares);
        for (share, mut cents) in shares.iter().zip(amounts) {
            // A Medicare referral is paid at most the CMS referral fee; the rest goes to the
            // writing agent.
            if share.role == PayeeRole::Referral {
                if let Some(limit) = referral_cap {
                    let allowed = (limit - referral_paid).max(0).min(cents.max(0));
                    let over = if cents > 0 { cents - allowed } else { 0 };
                    if over > 0 {
                        *parts.entry((Payee::agent(p.agent_id), PayeeRole::Writing)).or_default() += over;
                        cents -= over;
                    }
                    referral_paid += cents;
                }
            }
            match share.payee.kind {
                PayeeKind::Agent => {
                    for (payee, role, c) in
                        allocate::through_hierarchy(cents, share.role, &book.chain(share.payee.id, piece.on))
                    {
                        *parts.entry((payee, role)).or_default() += c;
                    }
                }
                _ => *parts.entry((share.payee, share.role)).or_default() += cents,
            }
        }
    }
    Some(Target {
        schedule_id: schedule.row.id,
        gross,
        parts,
    })
}

/// What the computation booked so far per policy: the schedule first used, and the cents per
/// payee and role.
type Booked = HashMap<i64, (Option<i64>, HashMap<(Payee, PayeeRole), i64>)>;

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub last_policy_id: i64,
    pub policies: usize,
    pub entries: usize,
    pub holds: usize,
    pub done: bool,
}

/// The last day of the month `period` starts.
pub fn month_end(period: NaiveDate) -> NaiveDate {
    period
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(period)
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Computes one batch of policies after `after` for the month starting `period`, books the
/// differences and puts the holds; the caller runs it in a transaction.
pub fn compute_batch(
    conn: &mut DbConnection,
    book: &Book,
    run_id: Option<i64>,
    period: NaiveDate,
    after: i64,
    plan_rule: &PlanYearRule,
) -> Result<BatchReport, AppError> {
    crate::db::serialise(conn, COMPUTE_LOCK)?;
    let through = month_end(period);
    let batch: Vec<PolicyFacts> = policies::table
        .filter(policies::id.gt(after))
        .filter(policies::effective_on.le(through))
        .filter(policies::status.ne_all([PolicyStatus::Draft, PolicyStatus::PendingPayment]))
        .order(policies::id.asc())
        .limit(BATCH)
        .select((
            policies::id,
            policies::agent_id,
            policies::carrier_id,
            policies::product_id,
            policies::contact_id,
            policies::renewal_of_id,
            policies::status,
            policies::product_line,
            policies::effective_on,
            policies::term_end_on,
            policies::cancelled_on,
            policies::status_changed_at,
            policies::billing_frequency,
            policies::lives,
            policies::plan_year,
            policies::enrollment_type,
            policies::insured_state,
        ))
        .load(conn)?;
    let mut report = BatchReport {
        last_policy_id: batch.last().map(|p| p.id).unwrap_or(after),
        policies: batch.len(),
        done: (batch.len() as i64) < BATCH,
        ..Default::default()
    };
    if batch.is_empty() {
        return Ok(report);
    }
    let ids: Vec<i64> = batch.iter().map(|p| p.id).collect();

    let mut instalments: HashMap<i64, Vec<(i32, NaiveDate, i64, i64)>> = HashMap::new();
    for (pid, seq, due, amount, paid) in policy_instalments::table
        .filter(policy_instalments::policy_id.eq_any(&ids))
        .order((policy_instalments::policy_id.asc(), policy_instalments::seq.asc()))
        .select((
            policy_instalments::policy_id,
            policy_instalments::seq,
            policy_instalments::due_on,
            policy_instalments::amount_cents,
            policy_instalments::paid_cents,
        ))
        .load::<(i64, i32, NaiveDate, i64, i64)>(conn)?
    {
        instalments.entry(pid).or_default().push((seq, due, amount, paid));
    }

    let roots = roots(conn, &batch)?;
    let contact_ids: Vec<i64> = batch.iter().map(|p| p.contact_id).collect();
    let births: HashMap<i64, NaiveDate> = contacts::table
        .filter(contacts::id.eq_any(&contact_ids))
        .filter(contacts::birth_date.is_not_null())
        .select((contacts::id, contacts::birth_date.assume_not_null()))
        .load::<(i64, NaiveDate)>(conn)?
        .into_iter()
        .collect();

    let mut splits: HashMap<i64, Vec<(NaiveDate, Vec<Share>)>> = HashMap::new();
    for (s, shares) in model::splits_of(conn, &ids)? {
        splits
            .entry(s.policy_id)
            .or_default()
            .push((s.effective_from, shares.iter().map(share_of).collect()));
    }

    let mut booked: Booked = HashMap::new();
    // A policy computed for a later month already counts this one's pieces: it is left alone
    // (computing months out of order never books a difference twice).
    let mut later: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for b in model::booked(conn, &ids)? {
        if b.last_period > period {
            later.insert(b.policy_id);
        }
        let (Ok(kind), Ok(role)) = (b.payee_kind.parse::<PayeeKind>(), b.role.parse::<PayeeRole>()) else {
            continue;
        };
        let e = booked.entry(b.policy_id).or_default();
        if e.0.is_none() {
            e.0 = b.schedule_id;
        } else if let Some(s) = b.schedule_id {
            e.0 = e.0.map(|x| x.min(s));
        }
        *e.1.entry((Payee { kind, id: b.payee_id }, role)).or_default() += b.cents;
    }

    let mut entries = Vec::new();
    let mut first_time = Vec::new();
    let at = now();
    let empty: Vec<(i32, NaiveDate, i64, i64)> = Vec::new();
    for p in batch.iter().filter(|p| !later.contains(&p.id)) {
        let (schedule_id, done) = booked
            .get(&p.id)
            .map(|(s, parts)| (*s, Some(parts)))
            .unwrap_or((None, None));
        let (root_effective, terms_before) = roots.get(&p.id).copied().unwrap_or((p.effective_on, 0));
        let inputs = Inputs {
            policy: p,
            instalments: instalments.get(&p.id).unwrap_or(&empty),
            months_before: rates::months_between(root_effective, p.effective_on),
            terms_before,
            age: births.get(&p.contact_id).map(|b| age_on(*b, p.effective_on)),
            splits: splits.get(&p.id).map(Vec::as_slice).unwrap_or(&[]),
            schedule_id,
        };
        let Some(t) = target(book, &inputs, through) else {
            continue;
        };
        if done.is_none() {
            first_time.push(p);
        }
        let none = HashMap::new();
        let done = done.unwrap_or(&none);
        let gross_booked: i64 = done.values().sum();
        let falling = t.gross < gross_booked;
        let mut keys: Vec<&(Payee, PayeeRole)> = t.parts.keys().chain(done.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let diff = t.parts.get(key).copied().unwrap_or(0) - done.get(key).copied().unwrap_or(0);
            if diff == 0 {
                continue;
            }
            let kind = match (diff > 0, falling) {
                (true, _) => EntryKind::Expected,
                (false, true) => EntryKind::Chargeback,
                (false, false) => EntryKind::Adjustment,
            };
            entries.push(NewEntry {
                policy_id: Some(p.id),
                payee_kind: key.0.kind,
                payee_id: key.0.id,
                role: key.1,
                period,
                kind,
                amount_cents: diff,
                source: EntrySource::Computed,
                schedule_id: Some(t.schedule_id),
                run_id,
                note: String::new(),
                created_by: None,
                created_at: at,
            });
        }
    }
    report.entries = model::insert_entries(conn, &entries)?;
    report.holds = licence_holds(conn, &first_time, &splits, plan_rule)?;
    Ok(report)
}

/// Holds a new policy's commission for each agent payee (writing or split) who could not sell
/// its product in the insured's state on the effective date (item 8).
fn licence_holds(
    conn: &mut DbConnection,
    policies: &[&PolicyFacts],
    splits: &HashMap<i64, Vec<(NaiveDate, Vec<Share>)>>,
    plan_rule: &PlanYearRule,
) -> Result<usize, AppError> {
    if policies.is_empty() {
        return Ok(0);
    }
    let mut pairs: Vec<(&PolicyFacts, i64)> = Vec::new();
    for p in policies {
        let mut agents = vec![p.agent_id];
        for (_, shares) in splits.get(&p.id).map(Vec::as_slice).unwrap_or(&[]) {
            for s in shares {
                if s.payee.kind == PayeeKind::Agent
                    && matches!(s.role, PayeeRole::Writing | PayeeRole::Split)
                    && !agents.contains(&s.payee.id)
                {
                    agents.push(s.payee.id);
                }
            }
        }
        pairs.extend(agents.into_iter().map(|a| (*p, a)));
    }
    let mut agent_ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    agent_ids.sort_unstable();
    agent_ids.dedup();
    let active: HashMap<i64, bool> = agents::table
        .inner_join(users::table)
        .filter(agents::id.eq_any(&agent_ids))
        .select((agents::id, users::active))
        .load::<(i64, bool)>(conn)?
        .into_iter()
        .collect();
    let licences = crate::agents::model::licences_of_many(conn, &agent_ids)?;
    let certs = crate::agents::model::certifications_of_many(conn, &agent_ids)?;
    let mut held = 0;
    for (p, agent) in pairs {
        let facts = crate::agents::readiness::AgentFacts {
            active: active.get(&agent).copied().unwrap_or(false),
            licences: licences
                .iter()
                .filter(|l| l.agent_id == agent)
                .map(|l| l.facts())
                .collect(),
            certifications: certs
                .iter()
                .filter(|c| c.agent_id == agent)
                .map(|c| c.facts())
                .collect(),
        };
        let reasons =
            crate::agents::readiness::may_sell(&facts, p.product_line, &p.insured_state, p.effective_on, plan_rule)
                .reasons()
                .to_vec();
        if !reasons.is_empty() && model::insert_hold(conn, p.id, agent, &reasons.join(" "))? {
            held += 1;
        }
    }
    Ok(held)
}

/// For each renewal term of the batch: the first term's effective date and how many terms came
/// before it.
fn roots(conn: &mut DbConnection, batch: &[PolicyFacts]) -> QueryResult<HashMap<i64, (NaiveDate, u32)>> {
    let mut known: HashMap<i64, (Option<i64>, NaiveDate)> = batch
        .iter()
        .map(|p| (p.id, (p.renewal_of_id, p.effective_on)))
        .collect();
    let mut wanted: Vec<i64> = batch
        .iter()
        .filter_map(|p| p.renewal_of_id)
        .filter(|id| !known.contains_key(id))
        .collect();
    let mut rounds = 0;
    while !wanted.is_empty() && rounds < MAX_DEPTH {
        wanted.sort_unstable();
        wanted.dedup();
        let rows: Vec<(i64, Option<i64>, NaiveDate)> = policies::table
            .filter(policies::id.eq_any(&wanted))
            .select((policies::id, policies::renewal_of_id, policies::effective_on))
            .load(conn)?;
        for (id, parent, eff) in &rows {
            known.insert(*id, (*parent, *eff));
        }
        wanted = rows
            .iter()
            .filter_map(|(_, p, _)| *p)
            .filter(|id| !known.contains_key(id))
            .collect();
        rounds += 1;
    }
    let mut out = HashMap::new();
    for p in batch.iter().filter(|p| p.renewal_of_id.is_some()) {
        let (mut at, mut eff, mut depth) = (p.renewal_of_id, p.effective_on, 0);
        while let Some(id) = at {
            let Some((parent, e)) = known.get(&id) else { break };
            eff = *e;
            depth += 1;
            at = *parent;
            if depth as usize > MAX_DEPTH {
                break;
            }
        }
        out.insert(p.id, (eff, depth));
    }
    Ok(out)
}

/// Whole years from a birth date to a day.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn share_of(r: &model::ShareRow) -> Share {
    Share {
        payee: Payee {
            kind: r.payee_kind,
            id: r.payee_id,
        },
        role: r.role,
        bps: r.share_bps as i64,
        remainder: r.takes_remainder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_months() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(age_on(d("1960-06-15"), d("2026-06-14")), 65);
        assert_eq!(age_on(d("1960-06-15"), d("2026-06-15")), 66);
        assert_eq!(month_end(d("2026-02-01")), d("2026-02-28"));
        assert_eq!(month_of(d("2026-02-17")), d("2026-02-01"));
    }
}
