//! `seed-demo --scale large`: the benchmark's data set on top of the demo agency. 10,000 agents
//! with licences and AHIP certifications, and 1,000,000 contacts and leads spread over three
//! years, with their history events, written through the app's own schema in multi-row inserts
//! (about a thousand rows a statement) so it takes minutes, not hours.
//!
//! The broker network's part (10,000 brokers, 100,000 connections, 200,000 referrals) is in
//! `network`, run after this one. The numbers are parameters so tests can run it small.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::leads::Rng;
use crate::agents::readiness;
use crate::db::schema::{agent_licenses, agents, certifications, contacts, lead_events, leads, users};
use crate::db::{now, Db, DbConnection};
use crate::domain::ProductLine;
use crate::error::AppError;

const BATCH: usize = 1000;
const STATES: &[&str] = &["FL", "TX", "GA", "NC", "AZ", "OH", "PA", "MI", "TN", "CA"];
const FIRST: &[&str] = &[
    "Mary", "Linda", "Barbara", "Maria", "Susan", "James", "John", "Robert", "Michael", "David", "Rosa", "Carlos",
    "Mei", "Gloria", "Harold", "Walter", "Betty", "Frank", "Alice", "Ruth", "Ahmed", "Irene", "Luis", "Carmen",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Lee",
    "Perez",
    "White",
    "Harris",
    "Clark",
    "Lewis",
];
const PRODUCTS: &[&str] = &[
    "medicare_advantage",
    "medicare_advantage",
    "medicare_supplement",
    "part_d",
    "aca_health",
    "life",
    "final_expense",
];
const SOURCES: &[&str] = &["web", "web", "facebook", "google", "referral", "vendor"];

/// Multi-row inserts need the concrete connection (the two-backend wrapper does not offer them).
macro_rules! each_backend {
    ($c:expr, $conn:ident => $body:expr) => {
        match $c {
            DbConnection::Pg($conn) => $body,
            DbConnection::Sqlite($conn) => $body,
        }
    };
}

/// The broker network at scale (10,000 brokers, 100,000 connections, 200,000 referrals).
pub mod network;

/// What was added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    pub agents: usize,
    pub leads: usize,
    pub events: usize,
    pub policies: usize,
    /// Commission entries of this month's computation.
    pub commission_entries: usize,
    pub instalments: usize,
}

/// Adds `agent_count` agents, `lead_count` leads and up to `policy_count` policies for the won
/// ones (skipped when the agency already has that many agents). The demo agency must be seeded
/// first: its agent `tom.nguyen@…` gets a share of the leads so an agent's list has deep pages.
pub fn seed(db: &Db, agent_count: usize, lead_count: usize, policy_count: usize) -> Result<Added, AppError> {
    let existing: i64 = db.read_blocking(|c| Ok(agents::table.count().get_result(c)?))?;
    if existing as usize >= agent_count {
        return Ok(Added::default());
    }
    let mut rng = Rng(0xB16_5EED);
    let hash = crate::auth::password::hash(super::DEMO_PASSWORD);
    let today = now().date();
    let year = readiness::plan_year(today, &Default::default());
    // Agents, a thousand at a time: user, profile, a resident licence, a neighbour's, AHIP.
    let mut agent_ids: Vec<(i64, &'static str)> = Vec::with_capacity(agent_count);
    for start in (0..agent_count).step_by(BATCH) {
        let n = BATCH.min(agent_count - start);
        let batch = db.write_blocking(|c| add_agents(c, start, n, &hash, today, year, &mut rng))?;
        agent_ids.extend(batch);
    }
    let tom: Option<i64> = db.read_blocking(|c| {
        Ok(agents::table
            .inner_join(users::table)
            .filter(users::email.eq("tom.nguyen@sunbelt-demo.test"))
            .select(agents::id)
            .first(c)
            .optional()?)
    })?;
    let mut by_state: std::collections::HashMap<&str, Vec<i64>> = Default::default();
    for (id, st) in &agent_ids {
        by_state.entry(st).or_default().push(*id);
    }
    let places: Vec<&crate::geo::ZipInfo> = crate::geo::all()
        .iter()
        .filter(|z| STATES.contains(&z.state))
        .step_by(5)
        .collect();
    let mut added = Added {
        agents: agent_ids.len(),
        ..Default::default()
    };
    let t0 = now();
    // Leads in transactions of 10,000 (contacts, leads and events in multi-row inserts).
    for start in (0..lead_count).step_by(10 * BATCH) {
        let n = (10 * BATCH).min(lead_count - start);
        let events = db.write_blocking(|c| {
            let mut events = 0;
            for sub in (0..n).step_by(BATCH) {
                let m = BATCH.min(n - sub);
                events += add_leads(c, start + sub, m, t0, &places, &by_state, tom, &mut rng)?;
            }
            Ok(events)
        })?;
        added.leads += n;
        added.events += events;
    }
    let (policies, instalments) = add_policies(db, policy_count, &mut rng)?;
    added.policies = policies;
    added.instalments = instalments;
    // Their commissions: a schedule for every product, and this month computed.
    let who = crate::audit::AuditActor::system("large data set");
    let owner = crate::auth::roles::Actor {
        id: 0,
        role: crate::auth::roles::Role::Owner,
    };
    db.write_blocking(|c| super::commissions::seed_schedules(c, owner, &who))?;
    let period = crate::commissions::engine::month_of(now().date());
    let run = db.write_blocking(move |c| crate::commissions::jobs::queue(c, period, None))?;
    added.commission_entries =
        crate::commissions::jobs::run_all(db, run, &Default::default()).map_err(AppError::internal)?;
    Ok(added)
}

/// Policies for won leads that have none yet, planned as the demo's are (`demo::policies::plan`),
/// each with its premium schedule, its history, and one payment covering what was due (allocated
/// to each instalment in full); a thousand policies a transaction.
fn add_policies(db: &Db, count: usize, rng: &mut Rng) -> Result<(usize, usize), AppError> {
    use crate::db::schema::{
        policies, policy_events, policy_instalments, policy_payment_allocations, policy_payments, policy_renewals,
    };
    use crate::domain::policy::PolicyStatus;
    use crate::policies::schedule;

    let rules = db.read_blocking(crate::policies::service::rules)?;
    let cat = db.write_blocking(super::policies::seed_catalogue)?;
    let today = now().date();
    let mut after: i64 = db.read_blocking(|c| {
        Ok(policies::table
            .select(diesel::dsl::max(policies::lead_id))
            .first::<Option<i64>>(c)?
            .unwrap_or(0))
    })?;
    let (mut written, mut instalments) = (0, 0);
    while written < count {
        let won = db.read_blocking(|c| super::policies::won_leads(c, after, BATCH as i64))?;
        let Some(last) = won.last() else {
            break;
        };
        after = last.lead_id;
        let plans: Vec<super::policies::Plan> = won
            .iter()
            .enumerate()
            .filter_map(|(k, lead)| super::policies::plan(&cat, lead, 10_000 + written + k, today, &rules, rng))
            .take(count - written)
            .collect();
        let rows: Vec<_> = plans.iter().map(|p| p.policy.clone()).collect();
        let n = db.write_blocking(|c| {
            let ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(policies::table)
                .values(&rows)
                .returning(policies::id)
                .get_results(conn)?);
            let t = now();
            let mut sched = Vec::new();
            let mut events = Vec::new();
            let mut payments = Vec::new();
            let mut paid_lines: Vec<(i64, Vec<(i32, i64)>)> = Vec::new();
            for (plan, id) in plans.iter().zip(&ids) {
                let p = &plan.policy;
                let mut paid = Vec::new();
                for i in schedule::instalments(p.effective_on, p.term_end_on, p.billing_frequency, p.premium_cents) {
                    let is_paid = plan.paid_through.is_some_and(|d| i.due_on <= d) && i.amount_cents > 0;
                    if is_paid {
                        paid.push((i.seq, i.amount_cents));
                    }
                    sched.push((
                        policy_instalments::policy_id.eq(*id),
                        policy_instalments::seq.eq(i.seq),
                        policy_instalments::due_on.eq(i.due_on),
                        policy_instalments::amount_cents.eq(i.amount_cents),
                        policy_instalments::paid_cents.eq(if is_paid { i.amount_cents } else { 0 }),
                        policy_instalments::created_at.eq(t),
                        policy_instalments::updated_at.eq(t),
                    ));
                }
                let mut steps = vec![("issued", None, PolicyStatus::Draft, plan.submitted_at)];
                if p.status != PolicyStatus::Draft {
                    steps.push((
                        "submitted",
                        Some(PolicyStatus::Draft),
                        PolicyStatus::PendingPayment,
                        plan.submitted_at + Duration::hours(3),
                    ));
                }
                if let Some(at) = plan.activated_at {
                    steps.push(("activated", Some(PolicyStatus::PendingPayment), PolicyStatus::Active, at));
                    if matches!(p.status, PolicyStatus::Cancelled | PolicyStatus::Lapsed) {
                        steps.push((p.status.as_str(), Some(PolicyStatus::Active), p.status, at + Duration::days(60)));
                    }
                }
                for (kind, from, to, at) in steps {
                    events.push((
                        policy_events::policy_id.eq(*id),
                        policy_events::actor_label.eq("Book import"),
                        policy_events::kind.eq(kind),
                        policy_events::from_status.eq(from.map(|s| s.as_str())),
                        policy_events::to_status.eq(Some(to.as_str())),
                        policy_events::details.eq("{}"),
                        policy_events::created_at.eq(at),
                    ));
                }
                if !paid.is_empty() {
                    let total: i64 = paid.iter().map(|(_, a)| a).sum();
                    payments.push((
                        policy_payments::policy_id.eq(*id),
                        policy_payments::amount_cents.eq(total),
                        policy_payments::paid_on.eq(plan.paid_through.unwrap_or(today).min(today)),
                        policy_payments::method.eq(plan.method),
                        policy_payments::reference.eq(format!("{}-B", p.policy_number)),
                        policy_payments::created_at.eq(t),
                    ));
                    paid_lines.push((*id, paid));
                }
            }
            for chunk in sched.chunks(BATCH) {
                each_backend!(&mut *c, conn => diesel::insert_into(policy_instalments::table).values(chunk).execute(conn)?);
            }
            for chunk in events.chunks(BATCH) {
                each_backend!(&mut *c, conn => diesel::insert_into(policy_events::table).values(chunk).execute(conn)?);
            }
            // Each payment to its policy's paid instalments (matched by policy, and by sequence).
            let payment_of: std::collections::HashMap<i64, i64> = if payments.is_empty() {
                Default::default()
            } else {
                each_backend!(&mut *c, conn => diesel::insert_into(policy_payments::table)
                    .values(&payments)
                    .returning((policy_payments::policy_id, policy_payments::id))
                    .get_results::<(i64, i64)>(conn)?)
                .into_iter()
                .collect()
            };
            let inst: Vec<(i64, i64, i32)> = policy_instalments::table
                .filter(policy_instalments::policy_id.eq_any(&ids))
                .filter(policy_instalments::paid_cents.gt(0))
                .select((policy_instalments::id, policy_instalments::policy_id, policy_instalments::seq))
                .load(c)?;
            let amounts: std::collections::HashMap<(i64, i32), i64> = paid_lines
                .iter()
                .flat_map(|(pid, lines)| lines.iter().map(move |(seq, a)| ((*pid, *seq), *a)))
                .collect();
            let allocations: Vec<_> = inst
                .iter()
                .filter_map(|(iid, pid, seq)| {
                    let payment = *payment_of.get(pid)?;
                    let amount = *amounts.get(&(*pid, *seq))?;
                    Some((
                        policy_payment_allocations::payment_id.eq(payment),
                        policy_payment_allocations::instalment_id.eq(*iid),
                        policy_payment_allocations::amount_cents.eq(amount),
                    ))
                })
                .collect();
            for chunk in allocations.chunks(BATCH) {
                each_backend!(&mut *c, conn => diesel::insert_into(policy_payment_allocations::table).values(chunk).execute(conn)?);
            }
            // Policies already inside the renewal window were noticed on the day it opened (as
            // the daily run would have), so a first run does not notify 60,000 agents at once.
            let noticed: Vec<_> = plans
                .iter()
                .zip(&ids)
                .filter(|(p, _)| {
                    let from = p.policy.term_end_on - Duration::days(rules.renewal_notice_days);
                    p.policy.status == PolicyStatus::Active && from <= today && today < p.policy.term_end_on
                })
                .map(|(p, id)| {
                    let at = (p.policy.term_end_on - Duration::days(rules.renewal_notice_days))
                        .and_hms_opt(6, 0, 0)
                        .unwrap_or(t);
                    (
                        policy_renewals::policy_id.eq(*id),
                        policy_renewals::status.eq("none"),
                        policy_renewals::notified_at.eq(Some(at)),
                        policy_renewals::created_at.eq(at),
                        policy_renewals::updated_at.eq(at),
                    )
                })
                .collect();
            for chunk in noticed.chunks(BATCH) {
                each_backend!(&mut *c, conn => diesel::insert_into(policy_renewals::table).values(chunk).execute(conn)?);
            }
            for plan in &plans {
                if let Some((reason, on)) = &plan.cancel {
                    diesel::update(policies::table)
                        .filter(policies::carrier_id.eq(plan.policy.carrier_id))
                        .filter(policies::policy_number.eq(&plan.policy.policy_number))
                        .set((policies::cancel_reason.eq(Some(reason)), policies::cancelled_on.eq(Some(*on))))
                        .execute(c)?;
                }
            }
            Ok(sched.len())
        })?;
        written += plans.len();
        instalments += n;
    }
    Ok((written, instalments))
}

/// Users of one role with the demo password in one multi-row insert, from (e-mail, name, joined);
/// their ids in the same order.
fn insert_users(
    c: &mut DbConnection,
    people: &[(&str, &str, NaiveDateTime)],
    role: &str,
    hash: &str,
) -> Result<Vec<i64>, AppError> {
    let rows: Vec<_> = people
        .iter()
        .map(|&(email, name, joined)| {
            (
                users::email.eq(email),
                users::name.eq(name),
                users::role.eq(role),
                users::password_hash.eq(Some(hash)),
                users::active.eq(true),
                users::time_zone.eq("America/New_York"),
                users::session_version.eq(1),
                users::failed_logins.eq(0),
                users::created_at.eq(joined),
                users::updated_at.eq(joined),
            )
        })
        .collect();
    Ok(
        each_backend!(c, conn => diesel::insert_into(users::table).values(&rows).returning(users::id).get_results(conn)?),
    )
}

fn add_agents(
    c: &mut DbConnection,
    start: usize,
    n: usize,
    hash: &str,
    today: NaiveDate,
    year: i32,
    rng: &mut Rng,
) -> Result<Vec<(i64, &'static str)>, AppError> {
    let t = now();
    let people: Vec<(String, String, &'static str)> = (start..start + n)
        .map(|i| {
            let name = format!("{} {} {i}", rng.pick(FIRST), rng.pick(LAST));
            (format!("agent{i}@large.sunbelt-demo.test"), name, *rng.pick(STATES))
        })
        .collect();
    let logins: Vec<(&str, &str, NaiveDateTime)> = people.iter().map(|(e, n, _)| (e.as_str(), n.as_str(), t)).collect();
    let user_ids = insert_users(c, &logins, "agent", hash)?;
    let hours = crate::agents::fields::WorkingHours::weekdays_9_to_5().to_storage();
    let profiles: Vec<_> = user_ids
        .iter()
        .zip(&people)
        .enumerate()
        .map(|(k, (uid, (_, _, _)))| {
            (
                agents::user_id.eq(*uid),
                agents::slug.eq(format!("agent-{}", start + k)),
                agents::bio.eq(""),
                agents::languages.eq(if k % 5 == 0 { "en,es" } else { "en" }),
                agents::leads_per_day.eq(25),
                agents::max_open_leads.eq(200),
                agents::accepting_leads.eq(k % 10 != 9),
                agents::working_hours.eq(hours.as_str()),
                agents::declared_states.eq(""),
                agents::created_at.eq(t),
                agents::updated_at.eq(t),
            )
        })
        .collect();
    let ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(agents::table)
        .values(&profiles)
        .returning(agents::id)
        .get_results(conn)?);
    let mut licences = Vec::new();
    let mut certs = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let home = people[k].2;
        let other = STATES[(STATES.iter().position(|s| *s == home).unwrap_or(0) + 1) % STATES.len()];
        for (st, resident) in [(home, true), (other, false)] {
            licences.push((
                agent_licenses::agent_id.eq(*id),
                agent_licenses::state.eq(st),
                agent_licenses::number.eq(format!("{st}{}", 900_000 + start + k)),
                agent_licenses::resident.eq(resident),
                agent_licenses::lines.eq("health,life"),
                agent_licenses::issued_on.eq(today - Duration::days(1500)),
                agent_licenses::expires_on.eq(today + Duration::days(200 + (k % 500) as i64)),
                agent_licenses::created_at.eq(t),
                agent_licenses::updated_at.eq(t),
            ));
        }
        if k % 8 != 7 {
            certs.push((
                certifications::agent_id.eq(*id),
                certifications::kind.eq("AHIP"),
                certifications::plan_year.eq(year),
                certifications::earned_on.eq(today - Duration::days(30)),
                certifications::expires_on.eq(today + Duration::days(300)),
                certifications::source.eq("manual"),
                certifications::created_at.eq(t),
                certifications::updated_at.eq(t),
            ));
        }
    }
    each_backend!(c, conn => diesel::insert_into(agent_licenses::table).values(&licences).execute(conn)?);
    each_backend!(c, conn => diesel::insert_into(certifications::table).values(&certs).execute(conn)?);
    Ok(ids.into_iter().zip(people.into_iter().map(|p| p.2)).collect())
}

#[allow(clippy::too_many_arguments)]
fn add_leads(
    c: &mut DbConnection,
    start: usize,
    n: usize,
    t0: NaiveDateTime,
    places: &[&crate::geo::ZipInfo],
    by_state: &std::collections::HashMap<&str, Vec<i64>>,
    tom: Option<i64>,
    rng: &mut Rng,
) -> Result<usize, AppError> {
    struct Plan {
        created: NaiveDateTime,
        agent: Option<i64>,
        status: &'static str,
        product: &'static str,
        source: &'static str,
        score: i32,
    }
    let three_years = 3 * 365 * 24 * 60;
    let mut plans = Vec::with_capacity(n);
    let mut people = Vec::with_capacity(n);
    for k in 0..n {
        let i = start + k;
        let place = *rng.pick(places);
        let created = t0 - Duration::minutes(rng.below(three_years) as i64);
        let age_days = (t0 - created).num_days();
        let agent = if rng.below(100) < 3 {
            tom
        } else if rng.below(100) < 92 {
            by_state.get(place.state).map(|ids| *rng.pick(ids))
        } else {
            None
        };
        let status = match (agent.is_some(), age_days, rng.below(100)) {
            (false, _, _) => "new",
            (true, d, r) if d > 60 => match r {
                0..=29 => "won",
                30..=79 => "lost",
                _ => "unreachable",
            },
            (true, _, r) => match r {
                0..=39 => "new",
                40..=59 => "contacted",
                60..=74 => "qualified",
                75..=84 => "quoted",
                85..=92 => "won",
                _ => "lost",
            },
        };
        let birth = NaiveDate::from_ymd_opt(
            1940 + rng.below(45) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        );
        people.push((
            *rng.pick(FIRST),
            *rng.pick(LAST),
            format!("lead{i}@large.example.com"),
            format!(
                "+1{}{:07}",
                ["305", "713", "404", "919", "602", "614", "215", "313", "615", "415"][i % 10],
                i % 10_000_000
            ),
            birth,
            place,
            created,
        ));
        plans.push(Plan {
            created,
            agent,
            status,
            product: rng.pick::<&str>(PRODUCTS),
            source: rng.pick::<&str>(SOURCES),
            score: 20 + rng.below(75) as i32,
        });
    }
    let contact_rows: Vec<_> = people
        .iter()
        .map(|(first, last, email, phone, birth, place, created)| {
            (
                contacts::first_name.eq(*first),
                contacts::last_name.eq(*last),
                contacts::email.eq(Some(email.as_str())),
                contacts::phone.eq(Some(phone.as_str())),
                contacts::birth_date.eq(*birth),
                contacts::zip.eq(Some(place.zip)),
                contacts::state.eq(Some(place.state)),
                contacts::city.eq(Some(place.city)),
                contacts::lat.eq(Some(place.lat)),
                contacts::lon.eq(Some(place.lon)),
                contacts::do_not_call.eq(false),
                contacts::created_at.eq(*created),
                contacts::updated_at.eq(*created),
            )
        })
        .collect();
    let contact_ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(contacts::table)
        .values(&contact_rows)
        .returning(contacts::id)
        .get_results(conn)?);
    let lead_rows: Vec<_> = plans
        .iter()
        .zip(&contact_ids)
        .map(|(p, cid)| {
            let assigned = p.agent.map(|_| p.created + Duration::minutes(3));
            let closed = matches!(p.status, "won" | "lost" | "unreachable").then(|| p.created + Duration::days(9));
            let contacted = (p.status != "new" && p.agent.is_some()).then(|| p.created + Duration::hours(2));
            (
                leads::contact_id.eq(*cid),
                leads::source.eq(p.source),
                leads::product_line.eq(p.product),
                leads::message.eq(""),
                leads::tags.eq(""),
                leads::status.eq(p.status),
                leads::assigned_agent_id.eq(p.agent),
                leads::has_consent.eq(true),
                leads::created_at.eq(p.created),
                leads::updated_at.eq(closed.unwrap_or(p.created)),
                leads::assigned_at.eq(assigned),
                leads::contacted_at.eq(contacted),
                leads::closed_at.eq(closed),
                leads::score.eq(Some(p.score)),
                leads::score_factors.eq("[]"),
            )
        })
        .collect();
    let lead_ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(leads::table)
        .values(&lead_rows)
        .returning(leads::id)
        .get_results(conn)?);
    let mut events = Vec::with_capacity(2 * n);
    for (p, id) in plans.iter().zip(&lead_ids) {
        let product = ProductLine::ALL
            .iter()
            .find(|x| x.as_str() == p.product)
            .map_or("other", |x| x.as_str());
        events.push((
            lead_events::lead_id.eq(*id),
            lead_events::actor_label.eq("API: lead vendor"),
            lead_events::kind.eq("created"),
            lead_events::details.eq(format!(
                r#"{{"source":"{}","product_line":"{product}","score":{}}}"#,
                p.source, p.score
            )),
            lead_events::created_at.eq(p.created),
        ));
        if let Some(a) = p.agent {
            events.push((
                lead_events::lead_id.eq(*id),
                lead_events::actor_label.eq("routing"),
                lead_events::kind.eq("assigned"),
                lead_events::details.eq(format!(r#"{{"agent_id":{a},"by":"offer"}}"#)),
                lead_events::created_at.eq(p.created + Duration::minutes(3)),
            ));
        }
        if p.status != "new" && p.agent.is_some() {
            events.push((
                lead_events::lead_id.eq(*id),
                lead_events::actor_label.eq("agent"),
                lead_events::kind.eq("status_changed"),
                lead_events::details.eq(format!(r#"{{"from":"new","to":"{}"}}"#, p.status)),
                lead_events::created_at.eq(p.created + Duration::hours(2)),
            ));
        }
    }
    let written = events.len();
    for chunk in events.chunks(BATCH) {
        each_backend!(&mut *c, conn => diesel::insert_into(lead_events::table).values(chunk).execute(conn)?);
    }
    Ok(written)
}
