//! The routing decision on the database: the first pass over the directory (kept for the minute),
//! today's counts read a window of agents at a time in the strategy's order, and the engine's
//! [`route`](super::route) on them; also whether agents may be given a lead by hand.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::directory::{directory, Directory};
use super::{Caches, Candidate, Explanation, LeadToRoute, RoutingState, Rule, Strategy};
use crate::config::Settings;
use crate::db::schema::{leads, offers};
use crate::db::{now, DbConnection};
use crate::leads::model::{ContactRow, LeadRow};

/// How many excluded agents an offer's explanation lists by name; the rest are counted.
pub const EXPLAIN_AT_MOST: usize = 50;
/// Best-performer rules rate agents on the leads they closed in this many days.
pub const CONVERSION_WINDOW_DAYS: i64 = 90;

/// The agents licensed in the lead's state, checked on everything that needs no count: indexes
/// into the directory's agents of those who pass (`open`), and of the first few who do not (to be
/// named in the explanation), with the rest tallied.
pub(super) struct FirstPass {
    open: Vec<usize>,
    listed_in_pool: Vec<usize>,
    listed_outside: Vec<usize>,
    tally: super::Tally,
    unlisted: usize,
    in_pool: usize,
}

/// What a first pass depends on: the directory's version, the rule, the lead's state, product,
/// language and consent, and the minute.
pub(super) type FirstPassKey = (i64, String, String, String, Option<String>, bool, i64);
/// The first passes made in one minute (the minute, and the passes by key).
pub(super) type KeptPasses = std::sync::Mutex<(i64, HashMap<FirstPassKey, Arc<FirstPass>>)>;

/// The first pass for this lead. Its result depends only on the directory, the rule, the lead's
/// state, product, language and consent, and the minute (working hours are kept to the minute,
/// readiness to the day), so it is kept for the rest of the minute and the next lead like this
/// one does not check thousands of agents again. A lead being routed again (agents already
/// offered it) is checked afresh.
fn first_pass(
    dir: &Directory,
    rule: &Rule,
    lead: &LeadToRoute,
    now_utc: chrono::DateTime<chrono::Utc>,
    offered: &[i64],
    settings: &Settings,
    caches: &Caches,
) -> Arc<FirstPass> {
    let state_key = lead.state.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    let minute = now_utc.timestamp().div_euclid(60);
    let key: FirstPassKey = (
        dir.version,
        format!("{rule:?}"),
        state_key.clone(),
        lead.product.as_str().to_owned(),
        lead.language.clone(),
        lead.callable,
        minute,
    );
    let kept = &caches.first_passes;
    if offered.is_empty() {
        let kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 == minute {
            if let Some(found) = kept.1.get(&key) {
                return found.clone();
            }
        }
    }
    // Rule caps are counts: the first pass leaves them to the counted windows.
    let uncapped = Rule {
        daily_cap: None,
        ..rule.clone()
    };
    let nearby: &[usize] = dir.licensed_in.get(&state_key).map(Vec::as_slice).unwrap_or(&[]);
    let mut found = FirstPass {
        open: Vec::new(),
        listed_in_pool: Vec::new(),
        listed_outside: Vec::new(),
        tally: super::Tally::default(),
        unlisted: 0,
        in_pool: 0,
    };
    for &i in nearby {
        let c = &dir.agents[i];
        if !rule.pool.contains(c) {
            if found.listed_outside.len() < EXPLAIN_AT_MOST {
                found.listed_outside.push(i);
            } else {
                found.unlisted += 1;
            }
            continue;
        }
        found.in_pool += 1;
        match super::eligibility(c, lead, &uncapped, now_utc, 0, offered, &settings.plan_year_rule) {
            Ok(()) => found.open.push(i),
            Err(why) => {
                found.tally.add(why.summary(), 1);
                if found.listed_in_pool.len() < EXPLAIN_AT_MOST {
                    found.listed_in_pool.push(i);
                } else {
                    found.unlisted += 1;
                }
            }
        }
    }
    let room = EXPLAIN_AT_MOST.saturating_sub(found.listed_in_pool.len());
    found.unlisted += found.listed_outside.len().saturating_sub(room);
    found.listed_outside.truncate(room);
    let found = Arc::new(found);
    if offered.is_empty() {
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 != minute {
            *kept = (minute, HashMap::new());
        }
        kept.1.insert(key, found.clone());
    }
    found
}

/// How long an agent found at their daily or open-lead limit is counted after the others: a
/// declined or timed-out offer may give them room again, so the note is short-lived.
const FULL_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Notes these agents as full for this rule now (their own limits or the rule's cap) and returns
/// every agent noted full for it within [`FULL_FOR`]. Only the order of counting
/// uses it; the counts that decide are always exact.
fn recently_full(caches: &Caches, rule_id: i64, now_full: &[i64]) -> std::collections::HashSet<i64> {
    let mut notes = caches.full.lock().unwrap_or_else(|e| e.into_inner());
    let mine = notes.entry(rule_id).or_default();
    let now = std::time::Instant::now();
    for &agent in now_full {
        mine.insert(agent, now);
    }
    mine.retain(|_, at| now.duration_since(*at) < FULL_FOR);
    mine.keys().copied().collect()
}

/// Every agent's open leads and, for best-performer rules, `(won, closed)` over the conversion
/// window: counted over all leads at most every half minute (open leads) or five minutes
/// (conversion) per application, only to order agents before a window of them is counted exactly.
pub(super) type PerAgent<V> = Arc<HashMap<i64, V>>;
/// Open leads per agent, and `(won, closed)` per agent.
type Hints = (Option<PerAgent<u32>>, Option<PerAgent<(u32, u32)>>);

fn order_hints(conn: &mut DbConnection, rule: &Rule, lead: &LeadToRoute, caches: &Caches) -> QueryResult<Hints> {
    // Closest ranks by distance; only a lead without a location falls back to least busy.
    let by_busy = match rule.strategy {
        Strategy::LeastBusy => true,
        Strategy::Closest => lead.lat.is_none() || lead.lon.is_none(),
        _ => false,
    };
    let busy = match by_busy {
        true => Some(caches.busy.get_or_load((), || {
            let open: Vec<&str> = crate::leads::pipeline::LeadStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.as_str())
                .collect();
            let rows: Vec<(Option<i64>, i64)> = leads::table
                .filter(leads::assigned_agent_id.is_not_null())
                .filter(leads::status.eq_any(open))
                .group_by(leads::assigned_agent_id)
                .select((leads::assigned_agent_id, diesel::dsl::count_star()))
                .load(conn)?;
            QueryResult::Ok(Arc::new(
                rows.into_iter().filter_map(|(a, n)| a.map(|a| (a, n as u32))).collect(),
            ))
        })?),
        false => None,
    };
    let conversion = match rule.strategy {
        Strategy::BestPerformer { .. } => Some(
            caches
                .conversion
                .get_or_load((), || conversion_of(conn, None).map(Arc::new))?,
        ),
        _ => None,
    };
    Ok((busy, conversion))
}

/// `(won, closed)` per agent over the last [`CONVERSION_WINDOW_DAYS`]: of these agents, or of
/// every agent when `agents` is `None`.
fn conversion_of(conn: &mut DbConnection, agents: Option<&[i64]>) -> QueryResult<HashMap<i64, (u32, u32)>> {
    let since = now() - chrono::Duration::days(CONVERSION_WINDOW_DAYS);
    let closed = leads::table
        .filter(leads::assigned_agent_id.is_not_null())
        .filter(leads::closed_at.ge(since))
        .filter(leads::status.eq_any(["won", "lost"]));
    let counted = (leads::assigned_agent_id, leads::status, diesel::dsl::count_star());
    let rows: Vec<(Option<i64>, String, i64)> = match agents {
        Some(ids) => closed
            .filter(leads::assigned_agent_id.eq_any(ids))
            .group_by((leads::assigned_agent_id, leads::status))
            .select(counted)
            .load(conn)?,
        None => closed
            .group_by((leads::assigned_agent_id, leads::status))
            .select(counted)
            .load(conn)?,
    };
    let mut out: HashMap<i64, (u32, u32)> = HashMap::new();
    for (agent, status, n) in rows {
        if let Some(agent) = agent {
            let e = out.entry(agent).or_default();
            e.1 += n as u32;
            if status == "won" {
                e.0 += n as u32;
            }
        }
    }
    Ok(out)
}

/// Today's load of these agents, their open leads, what `rule` gave them today and (for
/// best-performer rules) their conversion, filled into the candidates.
fn fill_counts(
    conn: &mut DbConnection,
    candidates: &mut [Candidate],
    rule: Option<&Rule>,
    today_start: NaiveDateTime,
) -> QueryResult<HashMap<(i64, i64), u32>> {
    let ids: Vec<i64> = candidates.iter().map(|c| c.agent_id).collect();
    let mut rule_counts = HashMap::new();
    if ids.is_empty() {
        return Ok(rule_counts);
    }
    let open: Vec<&str> = crate::leads::pipeline::LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let open_counts: HashMap<i64, i64> = leads::table
        .filter(leads::assigned_agent_id.eq_any(&ids))
        .filter(leads::status.eq_any(open))
        .group_by(leads::assigned_agent_id)
        .select((leads::assigned_agent_id, diesel::dsl::count_star()))
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .filter_map(|(a, n)| a.map(|a| (a, n)))
        .collect();
    // Today's load counts every offer made today that is pending or was accepted.
    let today: Vec<(i64, Option<i64>, i64)> = offers::table
        .filter(offers::agent_id.eq_any(&ids))
        .filter(offers::created_at.ge(today_start))
        .filter(offers::status.eq_any(["pending", "accepted"]))
        .group_by((offers::agent_id, offers::rule_id))
        .select((offers::agent_id, offers::rule_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut today_counts: HashMap<i64, i64> = HashMap::new();
    for (agent, rule_id, n) in today {
        *today_counts.entry(agent).or_default() += n;
        if let Some(r) = rule_id {
            *rule_counts.entry((r, agent)).or_default() += n as u32;
        }
    }
    let conversion = if matches!(rule.map(|r| &r.strategy), Some(Strategy::BestPerformer { .. })) {
        conversion_of(conn, Some(&ids))?
    } else {
        HashMap::new()
    };
    for c in candidates.iter_mut() {
        c.open_leads = *open_counts.get(&c.agent_id).unwrap_or(&0) as u32;
        c.leads_today = *today_counts.get(&c.agent_id).unwrap_or(&0) as u32;
        if rule.is_some_and(|r| matches!(r.strategy, Strategy::BestPerformer { .. })) {
            c.conversion = Some(*conversion.get(&c.agent_id).unwrap_or(&(0, 0)));
        }
    }
    Ok(rule_counts)
}

/// Routes with the directory: only agents licensed in the lead's state are looked at; of those,
/// counts are read only for the ones that pass every check that needs no count. Returns the
/// explanation (excluded agents beyond [`EXPLAIN_AT_MOST`] counted, not named).
#[allow(clippy::too_many_arguments)]
pub(super) fn decide(
    conn: &mut DbConnection,
    rules: &[Rule],
    lead: &LeadToRoute,
    now_utc: chrono::DateTime<chrono::Utc>,
    offered: &[i64],
    state: &mut RoutingState,
    settings: &Settings,
    caches: &Caches,
) -> QueryResult<Explanation> {
    let today_start = now_utc.date_naive().and_hms_opt(0, 0, 0).expect("midnight");
    let dir = directory(conn, caches)?;
    let rule = super::first_matching(rules, lead);
    let state_key = lead.state.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    if let Some(rule) = rule {
        // The agents licensed in the state who pass every check that needs no count (kept for
        // the minute); of the others only the first few are named in the explanation.
        let first = first_pass(&dir, rule, lead, now_utc, offered, settings, caches);
        let mut tally = first.tally.clone();
        let unlisted = first.unlisted;
        let in_pool = first.in_pool;
        let listed_in_pool: Vec<&Candidate> = first.listed_in_pool.iter().map(|&i| &dir.agents[i]).collect();
        let listed_outside: Vec<&Candidate> = first.listed_outside.iter().map(|&i| &dir.agents[i]).collect();
        let open: Vec<&Candidate> = first.open.iter().map(|&i| &dir.agents[i]).collect();
        // Counts are read a window at a time, in the order the strategy would consider agents
        // (weighted pools are named agents, so they are counted whole).
        let window = match rule.strategy {
            Strategy::Weighted(_) => usize::MAX,
            _ => super::COUNT_WINDOW,
        };
        let order = if open.len() > window {
            let (busy, conversion) = order_hints(conn, rule, lead, caches)?;
            let hints = super::OrderHints {
                open_leads: busy.as_deref(),
                conversion: conversion.as_deref(),
            };
            let order = super::count_free_order(rule, open, lead, state, &hints);
            // Agents found full a moment ago are counted last, not skipped: if everyone is full
            // the reason still counts them all.
            let full = recently_full(caches, rule.id, &[]);
            let (later, sooner): (Vec<&Candidate>, Vec<&Candidate>) =
                order.into_iter().partition(|c| full.contains(&c.agent_id));
            sooner.into_iter().chain(later).collect()
        } else {
            open
        };
        let windows: Vec<&[&Candidate]> = if order.is_empty() {
            vec![&[]]
        } else {
            order.chunks(window.min(order.len())).collect()
        };
        let mut passed_over = 0;
        let mut x = super::Explanation::default();
        for (i, agents) in windows.iter().enumerate() {
            let mut counted: Vec<Candidate> = agents.iter().map(|&c| c.clone()).collect();
            let rule_counts = fill_counts(conn, &mut counted, Some(rule), today_start)?;
            let rule_cap = rule.daily_cap.unwrap_or(u32::MAX);
            let now_full: Vec<i64> = counted
                .iter()
                .filter(|c| {
                    c.leads_today >= c.leads_per_day
                        || c.open_leads >= c.max_open_leads
                        || rule_counts.get(&(rule.id, c.agent_id)).is_some_and(|&n| n >= rule_cap)
                })
                .map(|c| c.agent_id)
                .collect();
            if !now_full.is_empty() {
                recently_full(caches, rule.id, &now_full);
            }
            x = super::route(
                rules,
                counted
                    .iter()
                    .chain(listed_in_pool.iter().copied())
                    .chain(listed_outside.iter().copied()),
                lead,
                now_utc,
                &rule_counts,
                offered,
                state,
                &settings.plan_year_rule,
            );
            if x.chosen.is_some() {
                break;
            }
            // Everyone in this window fell to a count (capacity, the rule's cap).
            for c in &counted {
                let count = rule_counts.get(&(rule.id, c.agent_id)).copied().unwrap_or(0);
                if let Err(why) = super::eligibility(c, lead, rule, now_utc, count, offered, &settings.plan_year_rule) {
                    tally.add(why.summary(), 1);
                }
            }
            if i + 1 < windows.len() {
                passed_over += counted.len();
            }
        }
        let pool_size = dir.pool_size(&rule.pool);
        let not_licensed = pool_size.saturating_sub(in_pool);
        x.candidates = pool_size;
        x.excluded_more += unlisted + not_licensed + passed_over;
        if x.chosen.is_none() {
            let place = if state_key.is_empty() {
                "the lead's state (it has none)".to_string()
            } else {
                state_key.clone()
            };
            tally.add(format!("not licensed in {place}"), not_licensed);
            x.unassigned_reason = Some(tally.sentence());
        }
        if x.excluded.len() > EXPLAIN_AT_MOST {
            x.excluded_more += x.excluded.len() - EXPLAIN_AT_MOST;
            x.excluded.truncate(EXPLAIN_AT_MOST);
        }
        Ok(x)
    } else {
        Ok(super::route(
            rules,
            std::iter::empty::<&Candidate>(),
            lead,
            now_utc,
            &HashMap::new(),
            offered,
            state,
            &settings.plan_year_rule,
        ))
    }
}

pub(super) fn lead_to_route(lead: &LeadRow, contact: &ContactRow) -> LeadToRoute {
    LeadToRoute {
        lead_id: lead.id,
        product: lead.product_line.parse().unwrap_or(crate::domain::ProductLine::Other),
        state: contact.state.clone(),
        source: lead.source.clone(),
        score: lead.score.unwrap_or(0).clamp(0, 100) as u8,
        tags: lead
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        language: None,
        lat: contact.lat,
        lon: contact.lon,
        callable: lead.has_consent && !contact.do_not_call,
    }
}

/// Whether each of these agents may be given the lead by hand (the lead page's menu, bulk
/// assignment): routing's own rule, [`super::hand_eligibility`], on routing's directory. An
/// agent the directory does not hold is deactivated.
pub fn hand_eligibility(
    conn: &mut DbConnection,
    settings: &Settings,
    caches: &Caches,
    lead: &LeadRow,
    contact: &ContactRow,
    agent_ids: &[i64],
) -> QueryResult<Vec<(i64, Result<(), super::Exclusion>)>> {
    let dir = directory(conn, caches)?;
    let to_route = lead_to_route(lead, contact);
    let now_utc = chrono::Utc::now();
    Ok(agent_ids
        .iter()
        .map(|&id| {
            let verdict = match dir.agent(id) {
                Some(c) => super::hand_eligibility(c, &to_route, now_utc, &settings.plan_year_rule),
                None => Err(super::Exclusion::Inactive),
            };
            (id, verdict)
        })
        .collect())
}
