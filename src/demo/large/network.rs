//! The large data set's broker network (issue 17's scale): 10,000 brokers with profiles, 100,000
//! active connections (each in `network_links` both ways, as `network::model::link` writes them,
//! with their requested/accepted history) and 200,000 referrals over two years in a realistic mix
//! of states, then every score recomputed as the daily job does. Written in multi-row inserts,
//! a thousand rows a statement, in transactions of ten thousand.
//!
//! The demo's brokers other than the demo broker join the graph (a few connections each to the
//! large set), so the demo broker keeps her eight connections while her second and third degree
//! reach into it. The referred people are contacts without a lead (the lead and policy figures
//! stay those of the lead and policy seeds), so these referrals cannot be accepted from the page.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{Rng, BATCH, FIRST, LAST, STATES};
use crate::db::schema::{
    contacts, network_connection_events, network_connections, network_links, network_profiles, referral_events,
    referrals, users,
};
use crate::db::{now, Db, DbConnection};
use crate::error::AppError;

const KINDS: &[&str] = &[
    "cross_referral",
    "cross_referral",
    "cross_referral",
    "partnership",
    "mentorship",
];
const LINES: &[&str] = &[
    "medicare_advantage,medicare_supplement,part_d",
    "medicare_advantage,part_d",
    "life,final_expense",
    "aca_health,dental_vision",
    "medicare_supplement,life",
    "auto,home",
];
const PRODUCTS: &[&str] = &[
    "medicare_advantage",
    "medicare_advantage",
    "medicare_supplement",
    "part_d",
    "aca_health",
    "life",
    "final_expense",
    "dental_vision",
];
const REASONS: &[&str] = &[
    "At capacity this month.",
    "Outside my service area.",
    "The client wants someone who speaks their language.",
    "I do not write that product.",
];

/// What the network part added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    pub brokers: usize,
    pub connections: usize,
    pub referrals: usize,
    /// Members whose score the recomputation wrote.
    pub scored: usize,
}

/// Adds `broker_count` brokers, `connection_count` active connections and `referral_count`
/// referrals (skipped when the large brokers are there already), then recomputes every score.
pub fn seed(db: &Db, broker_count: usize, connection_count: usize, referral_count: usize) -> Result<Added, AppError> {
    let existing: i64 = db.read_blocking(|c| {
        Ok(users::table
            .filter(users::email.like("broker%@large.sunbelt-demo.test"))
            .count()
            .get_result(c)?)
    })?;
    if broker_count == 0 || existing as usize >= broker_count {
        return Ok(Added::default());
    }
    let mut rng = Rng(0x0BE7_0A4C);
    let hash = crate::auth::password::hash(super::super::DEMO_PASSWORD);
    let t0 = now();
    let mut brokers: Vec<(i64, &'static str)> = Vec::with_capacity(broker_count);
    for start in (0..broker_count).step_by(10 * BATCH) {
        let n = (10 * BATCH).min(broker_count - start);
        let batch = db.write_blocking(|c| {
            let mut out = Vec::with_capacity(n);
            for sub in (0..n).step_by(BATCH) {
                out.extend(add_brokers(c, start + sub, BATCH.min(n - sub), &hash, t0, &mut rng)?);
            }
            Ok(out)
        })?;
        brokers.extend(batch);
    }
    // The demo's brokers, but not the demo broker, join the graph.
    let demo: Vec<i64> = db.read_blocking(|c| {
        Ok(users::table
            .inner_join(network_profiles::table)
            .filter(users::email.like("%-demo.test"))
            .filter(users::email.ne(crate::demo::network::DEMO_BROKER))
            .select(users::id)
            .load(c)?)
    })?;
    let pairs = plan_connections(&brokers, &demo, connection_count, &mut rng);
    let mut connections: Vec<(i64, i64)> = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(10 * BATCH) {
        let added = db.write_blocking(|c| {
            let mut out = Vec::with_capacity(chunk.len());
            for sub in chunk.chunks(BATCH) {
                add_connections(c, sub, t0, &mut rng)?;
                out.extend(sub.iter().map(|p| (p.0, p.1)));
            }
            Ok(out)
        })?;
        connections.extend(added);
    }
    let mut referred = 0;
    for start in (0..referral_count).step_by(10 * BATCH) {
        let n = (10 * BATCH).min(referral_count - start);
        db.write_blocking(|c| {
            for sub in (0..n).step_by(BATCH) {
                add_referrals(c, start + sub, BATCH.min(n - sub), &connections, t0, &mut rng)?;
            }
            Ok(())
        })?;
        referred += n;
    }
    // Every score, as the daily job computes them (read once, written in batches).
    let report = recompute_all(db)?;
    Ok(Added {
        brokers: brokers.len(),
        connections: connections.len(),
        referrals: referred,
        scored: report.members,
    })
}

/// The daily job's recomputation of every score (`network::jobs::recompute_all`), for a caller
/// without a runtime, or inside one: it runs on a thread of its own.
pub fn recompute_all(db: &Db) -> Result<crate::network::standing::Report, AppError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| AppError::internal(e.to_string()))?
                .block_on(crate::network::jobs::recompute_all(db))
        })
        .join()
        .map_err(|_| AppError::internal("the score recomputation panicked"))?
    })
}

fn add_brokers(
    c: &mut DbConnection,
    start: usize,
    n: usize,
    hash: &str,
    t0: NaiveDateTime,
    rng: &mut Rng,
) -> Result<Vec<(i64, &'static str)>, AppError> {
    let people: Vec<(String, String, &'static str, NaiveDateTime)> = (start..start + n)
        .map(|i| {
            let name = format!("{} {} {i}", rng.pick(FIRST), rng.pick(LAST));
            let joined = t0 - Duration::days(30 + rng.below(700) as i64);
            (
                format!("broker{i}@large.sunbelt-demo.test"),
                name,
                *rng.pick(STATES),
                joined,
            )
        })
        .collect();
    let logins: Vec<(&str, &str, NaiveDateTime)> = people
        .iter()
        .map(|(e, n, _, joined)| (e.as_str(), n.as_str(), *joined))
        .collect();
    let ids = super::insert_users(c, &logins, "broker", hash)?;
    let profiles: Vec<_> = ids
        .iter()
        .zip(&people)
        .enumerate()
        .map(|(k, (id, (_, name, state, joined)))| {
            (
                network_profiles::user_id.eq(*id),
                network_profiles::brokerage.eq(format!("{} Insurance Group", name.split(' ').nth(1).unwrap_or("Sun"))),
                network_profiles::lines.eq(LINES[(start + k) % LINES.len()]),
                network_profiles::specialisations.eq(""),
                network_profiles::states.eq(*state),
                network_profiles::counties.eq(""),
                network_profiles::zips.eq(""),
                network_profiles::languages.eq(if k % 4 == 0 { "en,es" } else { "en" }),
                network_profiles::capacity_per_month.eq(5 + (k % 20) as i32),
                network_profiles::available.eq(k % 12 != 11),
                network_profiles::bio.eq("Independent broker on the agency's network."),
                network_profiles::created_at.eq(*joined),
                network_profiles::updated_at.eq(*joined),
            )
        })
        .collect();
    each_backend!(c, conn => diesel::insert_into(network_profiles::table).values(&profiles).execute(conn)?);
    Ok(ids.into_iter().zip(people.into_iter().map(|p| p.2)).collect())
}

/// A connection to make: (requester, addressee, kind, when it was accepted).
type Pair = (i64, i64, &'static str, i64);

/// `count` distinct pairs: most between brokers of the same state, some brokers far busier than
/// others (as networks are), and a few for each demo broker.
fn plan_connections(brokers: &[(i64, &'static str)], demo: &[i64], count: usize, rng: &mut Rng) -> Vec<Pair> {
    let mut by_state: std::collections::HashMap<&str, Vec<i64>> = Default::default();
    for (id, st) in brokers {
        by_state.entry(st).or_default().push(*id);
    }
    let n = brokers.len();
    let mut seen: HashSet<(i64, i64)> = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    let mut push = |a: i64, b: i64, rng: &mut Rng, out: &mut Vec<Pair>| {
        if a != b && seen.insert((a.min(b), a.max(b))) {
            out.push((a, b, *rng.pick(KINDS), 1 + rng.below(700) as i64));
        }
    };
    for d in demo {
        for _ in 0..6 {
            let b = brokers[rng.below(n as u64) as usize].0;
            push(*d, b, rng, &mut out);
        }
    }
    let mut tries = 0;
    while out.len() < count && tries < count * 4 {
        tries += 1;
        // Skewed towards the low indexes: a few brokers with many connections, most with few.
        let i = (rng.below(n as u64) * rng.below(n as u64) / n as u64) as usize;
        let (a, st) = brokers[(i * 7919) % n];
        let b = if rng.below(10) < 7 {
            *rng.pick(&by_state[st])
        } else {
            brokers[rng.below(n as u64) as usize].0
        };
        push(a, b, rng, &mut out);
    }
    out
}

fn add_connections(c: &mut DbConnection, pairs: &[Pair], t0: NaiveDateTime, rng: &mut Rng) -> Result<(), AppError> {
    let times: Vec<(NaiveDateTime, NaiveDateTime)> = pairs
        .iter()
        .map(|p| {
            let accepted = t0 - Duration::days(p.3) - Duration::minutes(rng.below(600) as i64);
            (accepted - Duration::hours(1 + rng.below(72) as i64), accepted)
        })
        .collect();
    let rows: Vec<_> = pairs
        .iter()
        .zip(&times)
        .map(|(&(a, b, kind, _), &(asked, accepted))| {
            (
                network_connections::requester_id.eq(a),
                network_connections::addressee_id.eq(b),
                network_connections::user_low.eq(a.min(b)),
                network_connections::user_high.eq(a.max(b)),
                network_connections::kind.eq(kind),
                network_connections::status.eq("active"),
                network_connections::message.eq(""),
                network_connections::created_at.eq(asked),
                network_connections::responded_at.eq(Some(accepted)),
            )
        })
        .collect();
    let ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(network_connections::table)
        .values(&rows)
        .returning(network_connections::id)
        .get_results(conn)?);
    let mut links = Vec::with_capacity(2 * pairs.len());
    let mut events = Vec::with_capacity(2 * pairs.len());
    for ((&(a, b, _, _), &(asked, accepted)), id) in pairs.iter().zip(&times).zip(&ids) {
        for (from, to) in [(a, b), (b, a)] {
            links.push((
                network_links::user_id.eq(from),
                network_links::other_id.eq(to),
                network_links::connection_id.eq(*id),
                network_links::since.eq(accepted),
            ));
        }
        for (actor, kind, at) in [(a, "requested", asked), (b, "accepted", accepted)] {
            events.push((
                network_connection_events::connection_id.eq(*id),
                network_connection_events::actor_id.eq(Some(actor)),
                network_connection_events::kind.eq(kind),
                network_connection_events::created_at.eq(at),
            ));
        }
    }
    for chunk in links.chunks(BATCH) {
        each_backend!(&mut *c, conn => diesel::insert_into(network_links::table).values(chunk).execute(conn)?);
    }
    for chunk in events.chunks(BATCH) {
        each_backend!(&mut *c, conn => diesel::insert_into(network_connection_events::table).values(chunk).execute(conn)?);
    }
    Ok(())
}

/// A referral's plan: (referrer, receiver, product, status, created, answered, reason, split).
struct Plan {
    from: i64,
    to: i64,
    product: &'static str,
    status: &'static str,
    created: NaiveDateTime,
    answered: Option<NaiveDateTime>,
    reason: Option<&'static str>,
    /// (split kind, basis points, fee in cents)
    split: (&'static str, i32, i64),
}

/// The state a referral made `age_days` ago has reached (open ones are recent: older ones have
/// been answered or have expired).
fn state_for(age_days: i64, r: u64) -> &'static str {
    if age_days < 30 {
        match r {
            0..=39 => "pending",
            40..=49 => "consent_needed",
            50..=79 => "accepted",
            80..=89 => "declined",
            _ => "converted",
        }
    } else {
        match r {
            0..=29 => "converted",
            30..=44 => "accepted",
            45..=64 => "declined",
            65..=94 => "expired",
            _ => "stopped",
        }
    }
}

fn add_referrals(
    c: &mut DbConnection,
    start: usize,
    n: usize,
    connections: &[(i64, i64)],
    t0: NaiveDateTime,
    rng: &mut Rng,
) -> Result<(), AppError> {
    let two_years = 2 * 365 * 24 * 60;
    let mut plans = Vec::with_capacity(n);
    for _ in 0..n {
        // Some connections carry most of the referrals.
        let k = (rng.below(connections.len() as u64) * rng.below(connections.len() as u64) / connections.len() as u64)
            as usize;
        let (a, b) = connections[(k * 104_729) % connections.len()];
        let (from, to) = if rng.below(3) == 0 { (b, a) } else { (a, b) };
        let created = t0 - Duration::minutes(rng.below(two_years) as i64);
        let status = state_for((t0 - created).num_days(), rng.below(100));
        let product = *rng.pick(PRODUCTS);
        let medicare = product.starts_with("medicare") || product == "part_d";
        let answered = matches!(status, "accepted" | "declined" | "converted")
            .then(|| created + Duration::hours(2 + rng.below(96) as i64));
        plans.push(Plan {
            from,
            to,
            product,
            status,
            created,
            answered,
            reason: (status == "declined").then(|| *rng.pick(REASONS)),
            split: if medicare || rng.below(2) == 0 {
                ("percent", 1_000 + 500 * rng.below(4) as i32, 0)
            } else {
                ("flat", 0, 5_000 + 2_500 * rng.below(6) as i64)
            },
        });
    }
    let people: Vec<_> = plans
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let i = start + k;
            (
                contacts::first_name.eq(*rng.pick(FIRST)),
                contacts::last_name.eq(*rng.pick(LAST)),
                contacts::email.eq(Some(format!("referred{i}@large.example.net"))),
                contacts::phone.eq(Some(format!("+1727{:07}", i % 10_000_000))),
                contacts::do_not_call.eq(false),
                contacts::created_at.eq(p.created),
                contacts::updated_at.eq(p.created),
            )
        })
        .collect();
    let contact_ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(contacts::table)
        .values(&people)
        .returning(contacts::id)
        .get_results(conn)?);
    let rows: Vec<_> = plans
        .iter()
        .zip(&contact_ids)
        .map(|(p, cid)| {
            let converted = (p.status == "converted").then(|| p.answered.unwrap_or(p.created) + Duration::days(12));
            (
                (
                    referrals::referrer_id.eq(p.from),
                    referrals::target_kind.eq("broker"),
                    referrals::target_id.eq(Some(p.to)),
                    referrals::receiver_id.eq(Some(p.to)),
                    referrals::contact_id.eq(*cid),
                    referrals::product_line.eq(p.product),
                    referrals::note.eq(""),
                    referrals::status.eq(p.status),
                    referrals::split_kind.eq(p.split.0),
                    referrals::split_bps.eq(p.split.1),
                ),
                (
                    referrals::fee_cents.eq(p.split.2),
                    referrals::decline_reason.eq(p.reason),
                    referrals::expires_at.eq(p.created + Duration::days(30)),
                    referrals::created_at.eq(p.created),
                    referrals::responded_at.eq(p.answered),
                    referrals::converted_at.eq(converted),
                    referrals::updated_at.eq(converted.or(p.answered).unwrap_or(p.created)),
                ),
            )
        })
        .collect();
    let ids: Vec<i64> = each_backend!(c, conn => diesel::insert_into(referrals::table)
        .values(&rows)
        .returning(referrals::id)
        .get_results(conn)?);
    let mut events = Vec::with_capacity(2 * n);
    for (p, id) in plans.iter().zip(&ids) {
        let first = if p.status == "consent_needed" {
            "Consent needed"
        } else {
            "Waiting for the receiver"
        };
        events.push((
            referral_events::referral_id.eq(*id),
            referral_events::actor_id.eq(Some(p.from)),
            referral_events::kind.eq("created"),
            referral_events::note.eq(first),
            referral_events::created_at.eq(p.created),
        ));
        let last = match p.status {
            "accepted" | "converted" => Some(("accepted", Some(p.to), p.answered)),
            "declined" => Some(("declined", Some(p.to), p.answered)),
            "expired" => Some(("expired", None, Some(p.created + Duration::days(30)))),
            "stopped" => Some(("consent_refused", None, Some(p.created + Duration::days(2)))),
            _ => None,
        };
        if let Some((kind, actor, Some(at))) = last {
            events.push((
                referral_events::referral_id.eq(*id),
                referral_events::actor_id.eq(actor),
                referral_events::kind.eq(kind),
                referral_events::note.eq(p.reason.unwrap_or("")),
                referral_events::created_at.eq(at),
            ));
        }
    }
    for chunk in events.chunks(BATCH) {
        each_backend!(&mut *c, conn => diesel::insert_into(referral_events::table).values(chunk).execute(conn)?);
    }
    Ok(())
}

/// What `measure_reach` found: each sampled broker's 3rd-degree reach query timed once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReachFigures {
    pub brokers: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// The average number of members at 1, 2 and 3 steps.
    pub mean_reach: [f64; 3],
}

/// Times the reach query (`network::model::reach_counts`, three steps) for `samples` members
/// spread evenly over the network, one at a time, on a read connection: the benchmark's figure.
pub fn measure_reach(db: &Db, samples: usize) -> Result<ReachFigures, AppError> {
    let ids = db.read_blocking(|c| Ok(crate::network::model::standing::member_ids(c)?))?;
    let step = (ids.len() / samples.max(1)).max(1);
    let mut times = Vec::new();
    let mut sums = [0u64; 3];
    for id in ids.iter().step_by(step).take(samples) {
        let id = *id;
        let started = std::time::Instant::now();
        let counts = db.read_blocking(move |c| Ok(crate::network::model::reach_counts(c, id)?))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        for (s, n) in sums.iter_mut().zip(counts) {
            *s += u64::from(n);
        }
    }
    times.sort_by(f64::total_cmp);
    let rank = |p: f64| -> f64 {
        let k = ((p * times.len() as f64).ceil() as usize).clamp(1, times.len().max(1));
        times.get(k - 1).copied().unwrap_or(0.0)
    };
    let n = times.len().max(1) as f64;
    Ok(ReachFigures {
        brokers: times.len(),
        p50_ms: rank(0.50),
        p95_ms: rank(0.95),
        max_ms: times.last().copied().unwrap_or(0.0),
        mean_reach: sums.map(|s| s as f64 / n),
    })
}
