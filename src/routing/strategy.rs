//! How a rule chooses among the eligible agents: round-robin, weighted shares, least busy, best
//! performer and closest, each ranking the agents with a reason; the state round-robin and
//! weighted routing remember between leads; and the order agents are counted in at a large agency.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Candidate, LeadToRoute, Rule, Strategy};

/// What round-robin and weighted routing remember between leads. The caller persists it
/// (it serialises to JSON) and passes it back for the next lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingState {
    /// Per rule: the agent id round-robin chose last.
    pub rr_cursor: HashMap<i64, i64>,
    /// Per `(rule, agent)`: the smooth weighted round-robin credit.
    /// Serialised as a list of `[rule, agent, credit]`.
    #[serde(with = "credit_entries")]
    pub weighted_credit: HashMap<(i64, i64), f64>,
}

/// One ranking row: agent id, name, why ranked here.
type Ranked = (i64, String, String);

/// Applies the rule's strategy to the eligible agents: the chosen agent and every eligible
/// agent ranked, best first, with a reason each. `None` when nobody is eligible.
///
/// * **RoundRobin**: the agent with the smallest id above the rule's cursor, wrapping around to
///   the smallest id; the cursor moves to it.
/// * **Weighted**: smooth weighted round-robin over the eligible agents with a share. Credits
///   persist in `state`; agents that are not eligible neither gain nor lose credit, and every
///   credit is kept within twice the rule's total share, so no agent banks a run of leads.
///   Agents without a share are chosen only when no agent with a share is eligible (then by
///   least busy).
/// * **LeastBusy**: fewest open leads, then fewest leads today, then lowest id.
/// * **BestPerformer**: highest conversion rate; agents with fewer than `min_closed` closed
///   leads are credited the larger of `floor` and the eligible agents' overall rate. Ties go to
///   fewer leads today, then lower id.
/// * **Closest**: shortest great-circle distance; agents without a location last. A lead
///   without a location is ranked by least busy instead.
pub fn choose(
    rule: &Rule,
    eligible: &[&Candidate],
    lead: &LeadToRoute,
    state: &mut RoutingState,
) -> Option<(i64, Vec<Ranked>)> {
    if eligible.is_empty() {
        return None;
    }
    let ranking = match &rule.strategy {
        Strategy::RoundRobin => round_robin(rule.id, eligible, state),
        Strategy::Weighted(shares) => weighted(rule.id, shares, eligible, state),
        Strategy::LeastBusy => least_busy(eligible, ""),
        Strategy::BestPerformer { floor, min_closed } => best_performer(eligible, *floor, *min_closed),
        Strategy::Closest => closest(eligible, lead),
    };
    ranking.first().map(|(id, _, _)| *id).map(|id| (id, ranking))
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn sorted_by_id<'a>(eligible: &[&'a Candidate]) -> Vec<&'a Candidate> {
    let mut agents = eligible.to_vec();
    agents.sort_by_key(|c| c.agent_id);
    agents.dedup_by_key(|c| c.agent_id);
    agents
}

fn round_robin(rule_id: i64, eligible: &[&Candidate], state: &mut RoutingState) -> Vec<Ranked> {
    let agents = sorted_by_id(eligible);
    let cursor = state.rr_cursor.get(&rule_id).copied();
    let start = cursor
        .and_then(|last| agents.iter().position(|c| c.agent_id > last))
        .unwrap_or(0);
    let total = agents.len();
    let first = agents[start];
    state.rr_cursor.insert(rule_id, first.agent_id);
    (0..total)
        .map(|turn| {
            let c = agents[(start + turn) % total];
            let why = if turn > 0 {
                format!("{} of {total} in turn.", turn + 1)
            } else if total == 1 {
                "Next in turn: the only agent who can take it now.".to_owned()
            } else {
                match cursor {
                    Some(last) if c.agent_id <= last => {
                        format!("Next in turn of the {total} agents who can take it now; the turns start again from the top.")
                    }
                    _ => format!("Next in turn of the {total} agents who can take it now."),
                }
            };
            (c.agent_id, c.name.clone(), why)
        })
        .collect()
}

fn weighted(rule_id: i64, shares: &[(i64, u32)], eligible: &[&Candidate], state: &mut RoutingState) -> Vec<Ranked> {
    let mut share_of: HashMap<i64, u32> = HashMap::new();
    for &(agent, share) in shares {
        *share_of.entry(agent).or_default() += share;
    }
    let rule_total: f64 = share_of.values().map(|&s| f64::from(s)).sum();
    let cap = 2.0 * rule_total;

    let agents = sorted_by_id(eligible);
    let (shared, unshared): (Vec<&Candidate>, Vec<&Candidate>) = agents
        .iter()
        .partition(|c| share_of.get(&c.agent_id).is_some_and(|&s| s > 0));
    if shared.is_empty() {
        return least_busy(
            &unshared,
            "No eligible agent has a share in this rule, so ranked by least busy: ",
        );
    }

    let total: f64 = shared.iter().map(|c| f64::from(share_of[&c.agent_id])).sum();
    let mut credits: Vec<(&Candidate, u32, f64)> = shared
        .iter()
        .map(|c| {
            let share = share_of[&c.agent_id];
            let before = state
                .weighted_credit
                .get(&(rule_id, c.agent_id))
                .copied()
                .unwrap_or(0.0);
            let before = if before.is_finite() { before } else { 0.0 };
            (*c, share, (before + f64::from(share)).clamp(-cap, cap))
        })
        .collect();
    // Highest credit first; ties go to the lower id (the list is already sorted by id).
    credits.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (i, (c, _, credit)) in credits.iter().enumerate() {
        let after = if i == 0 {
            (credit - total).clamp(-cap, cap)
        } else {
            *credit
        };
        state.weighted_credit.insert((rule_id, c.agent_id), after);
    }

    let mut ranking: Vec<Ranked> = credits
        .iter()
        .enumerate()
        .map(|(i, (c, share, _))| {
            let why = if i == 0 {
                format!("Has a {share}% share and is the furthest behind it, so it is their turn.")
            } else {
                format!("Has a {share}% share.")
            };
            (c.agent_id, c.name.clone(), why)
        })
        .collect();
    ranking.extend(unshared.iter().map(|c| {
        (
            c.agent_id,
            c.name.clone(),
            "Has no share in this rule, so gets a lead only when nobody with a share can take it.".to_owned(),
        )
    }));
    ranking
}

fn least_busy_key(c: &Candidate) -> (u32, u32, i64) {
    (c.open_leads, c.leads_today, c.agent_id)
}

fn busy_text(c: &Candidate) -> String {
    format!(
        "{}, {} today.",
        plural(c.open_leads, "open lead", "open leads"),
        plural(c.leads_today, "lead", "leads")
    )
}

fn least_busy(eligible: &[&Candidate], prefix: &str) -> Vec<Ranked> {
    let mut agents = sorted_by_id(eligible);
    agents.sort_by_key(|c| least_busy_key(c));
    agents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lead_in = if i == 0 { "Least busy: " } else { "" };
            let text = format!("{prefix}{lead_in}{}", busy_text(c));
            (c.agent_id, c.name.clone(), capitalise(&text))
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn best_performer(eligible: &[&Candidate], floor: f64, min_closed: u32) -> Vec<Ranked> {
    let agents = sorted_by_id(eligible);
    let (won, closed) = agents
        .iter()
        .filter_map(|c| c.conversion)
        .fold((0u64, 0u64), |acc, (w, c)| {
            (acc.0 + u64::from(w.min(c)), acc.1 + u64::from(c))
        });
    let pool_rate = if closed == 0 { 0.0 } else { won as f64 / closed as f64 };
    let floor = if floor.is_finite() { floor } else { 0.0 };

    let mut rated: Vec<(&Candidate, f64, String)> = agents
        .iter()
        .map(|c| {
            let (won, closed) = c.conversion.unwrap_or((0, 0));
            if closed >= min_closed && closed > 0 {
                let rate = f64::from(won.min(closed)) / f64::from(closed);
                let why = format!("Converted {won} of {closed} closed leads ({:.1}%).", rate * 100.0);
                (*c, rate, why)
            } else {
                let needed = min_closed.max(1);
                let (rate, source) = if floor >= pool_rate {
                    (floor, "the rule's rate for new agents")
                } else {
                    (pool_rate, "the rate of all these agents together")
                };
                let why = format!(
                    "Only {} so far ({needed} needed for their own rate), so counted at {:.1}%, {source}.",
                    plural(closed, "closed lead", "closed leads"),
                    rate * 100.0,
                );
                (*c, rate, why)
            }
        })
        .collect();
    rated.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(a.0.leads_today.cmp(&b.0.leads_today))
            .then(a.0.agent_id.cmp(&b.0.agent_id))
    });
    rated
        .into_iter()
        .enumerate()
        .map(|(i, (c, _, why))| {
            let why = if i == 0 { format!("Best rate: {why}") } else { why };
            (c.agent_id, c.name.clone(), why)
        })
        .collect()
}

/// At a large agency hundreds of agents can pass every check that needs no count. Their counts
/// (open leads, today's leads, the rule's cap, conversion) are read for this many at a time, in the
/// order [`count_free_order`] gives, and the strategy ranks each such window exactly; the next
/// window is read only when nobody in this one has room.
pub const COUNT_WINDOW: usize = 16;

/// Recent figures for ordering agents before their exact counts are read (a cache may be a
/// little behind; the window that is chosen from is always counted exactly).
#[derive(Default)]
pub struct OrderHints<'a> {
    pub open_leads: Option<&'a HashMap<i64, u32>>,
    /// `(won, closed)` over the conversion window.
    pub conversion: Option<&'a HashMap<i64, (u32, u32)>>,
}

/// The order in which `rule`'s strategy would consider `agents`, from what is known without
/// reading counts, so the first [`COUNT_WINDOW`] are the ones worth counting:
///
/// * **RoundRobin**: by id, starting after the rule's cursor and wrapping around.
/// * **Weighted**: agents with a share first (weighted pools are named agents, so few).
/// * **LeastBusy**: fewest open leads by the hint, then id.
/// * **BestPerformer**: highest rate by the hint (the floor for agents with too few closed
///   leads), then id.
/// * **Closest**: nearest first, agents without a location last; a lead without a location as
///   LeastBusy.
pub fn count_free_order<'a>(
    rule: &Rule,
    mut agents: Vec<&'a Candidate>,
    lead: &LeadToRoute,
    state: &RoutingState,
    hints: &OrderHints,
) -> Vec<&'a Candidate> {
    agents.sort_by_key(|c| c.agent_id);
    agents.dedup_by_key(|c| c.agent_id);
    let open = |c: &Candidate| hints.open_leads.and_then(|m| m.get(&c.agent_id)).copied().unwrap_or(0);
    match &rule.strategy {
        Strategy::RoundRobin => {
            if let Some(&last) = state.rr_cursor.get(&rule.id) {
                let start = agents.iter().position(|c| c.agent_id > last).unwrap_or(0);
                agents.rotate_left(start);
            }
        }
        Strategy::Weighted(shares) => {
            agents.sort_by_key(|c| !shares.iter().any(|&(a, share)| a == c.agent_id && share > 0));
        }
        Strategy::LeastBusy => agents.sort_by_cached_key(|c| open(c)),
        Strategy::BestPerformer { floor, min_closed } => {
            let rate = |c: &Candidate| match hints.conversion.and_then(|m| m.get(&c.agent_id)) {
                Some(&(won, closed)) if closed >= *min_closed && closed > 0 => {
                    f64::from(won.min(closed)) / f64::from(closed)
                }
                _ => *floor,
            };
            // Best first: the key is the negated rate (each computed once, not per comparison).
            sort_by_float(&mut agents, |c| -rate(c));
        }
        Strategy::Closest => match location(lead.lat, lead.lon) {
            Some(here) => sort_by_float(&mut agents, |c| {
                location(c.lat, c.lon).map_or(f64::INFINITY, |there| miles_between(here, there))
            }),
            None => agents.sort_by_cached_key(|c| open(c)),
        },
    }
    agents
}

/// A stable sort by a float key computed once per agent.
fn sort_by_float(agents: &mut Vec<&Candidate>, key: impl Fn(&Candidate) -> f64) {
    let mut keyed: Vec<(f64, &Candidate)> = agents.iter().map(|&c| (key(c), c)).collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    *agents = keyed.into_iter().map(|(_, c)| c).collect();
}

/// `(lat, lon)` when both are present, finite and in range.
fn location(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (lat?, lon?);
    (lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0).then_some((lat, lon))
}

/// Great-circle (haversine) distance in miles.
fn miles_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_MILES: f64 = 3958.8;
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_MILES * h.sqrt().min(1.0).asin()
}

fn closest(eligible: &[&Candidate], lead: &LeadToRoute) -> Vec<Ranked> {
    let Some(here) = location(lead.lat, lead.lon) else {
        return least_busy(eligible, "The lead has no location, so ranked by least busy: ");
    };
    let mut agents: Vec<(&Candidate, Option<f64>)> = sorted_by_id(eligible)
        .into_iter()
        .map(|c| (c, location(c.lat, c.lon).map(|there| miles_between(here, there))))
        .collect();
    agents.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(least_busy_key(a.0).cmp(&least_busy_key(b.0))),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => least_busy_key(a.0).cmp(&least_busy_key(b.0)),
    });
    agents
        .into_iter()
        .enumerate()
        .map(|(i, (c, miles))| {
            let why = match miles {
                Some(m) if i == 0 => format!("Closest: {m:.1} miles away."),
                Some(m) => format!("{m:.1} miles away."),
                None => "No location on file, so ranked after agents with one.".to_owned(),
            };
            (c.agent_id, c.name.clone(), why)
        })
        .collect()
}

/// `HashMap<(rule, agent), credit>` as a list of `[rule, agent, credit]` (JSON keys must be
/// strings), sorted for stable output.
mod credit_entries {
    use std::collections::HashMap;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(credits: &HashMap<(i64, i64), f64>, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(i64, i64, f64)> = credits.iter().map(|(&(r, a), &c)| (r, a, c)).collect();
        entries.sort_by_key(|&(r, a, _)| (r, a));
        s.collect_seq(entries)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<(i64, i64), f64>, D::Error> {
        let entries = Vec::<(i64, i64, f64)>::deserialize(d)?;
        Ok(entries.into_iter().map(|(r, a, c)| ((r, a), c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::fixtures::*;

    fn order_ids(
        rule: &Rule,
        agents: &[Candidate],
        lead: &LeadToRoute,
        state: &RoutingState,
        hints: &OrderHints,
    ) -> Vec<i64> {
        count_free_order(rule, agents.iter().collect(), lead, state, hints)
            .iter()
            .map(|c| c.agent_id)
            .collect()
    }

    #[test]
    fn round_robin_counts_from_the_agent_after_the_cursor() {
        let agents: Vec<Candidate> = [5, 1, 9, 3, 7].iter().map(|&i| agent(i, "A")).collect();
        let mut state = RoutingState::default();
        let none = OrderHints::default();
        assert_eq!(order_ids(&rr(), &agents, &lead(), &state, &none), [1, 3, 5, 7, 9]);
        state.rr_cursor.insert(1, 5);
        assert_eq!(order_ids(&rr(), &agents, &lead(), &state, &none), [7, 9, 1, 3, 5]);
        state.rr_cursor.insert(1, 9);
        assert_eq!(
            order_ids(&rr(), &agents, &lead(), &state, &none),
            [1, 3, 5, 7, 9],
            "wraps around"
        );
    }

    #[test]
    fn count_free_order_follows_each_strategy() {
        let agents: Vec<Candidate> = (1..=4).map(|i| agent(i, "A")).collect();
        let state = RoutingState::default();
        let open: HashMap<i64, u32> = [(1, 9), (2, 0), (3, 4), (4, 0)].into();
        let conversion: HashMap<i64, (u32, u32)> = [(1, (1, 10)), (2, (8, 10)), (3, (1, 2)), (4, (5, 10))].into();
        let hints = OrderHints {
            open_leads: Some(&open),
            conversion: Some(&conversion),
        };
        let least_busy = rule(1, 10, Strategy::LeastBusy);
        assert_eq!(order_ids(&least_busy, &agents, &lead(), &state, &hints), [2, 4, 3, 1]);
        // Agent 3 has closed too few to count and gets the floor (30 %), above agent 1's 10 %.
        let best = rule(
            1,
            10,
            Strategy::BestPerformer {
                floor: 0.3,
                min_closed: 5,
            },
        );
        assert_eq!(order_ids(&best, &agents, &lead(), &state, &hints), [2, 4, 3, 1]);
        let weighted = rule(1, 10, Strategy::Weighted(vec![(3, 60), (4, 40)]));
        assert_eq!(order_ids(&weighted, &agents, &lead(), &state, &hints), [3, 4, 1, 2]);

        // Closest: Miami lead; Fort Lauderdale, Tampa, Orlando offices and one without a location.
        let mut placed = agents.clone();
        (placed[0].lat, placed[0].lon) = (Some(26.12), Some(-80.14));
        (placed[1].lat, placed[1].lon) = (Some(27.95), Some(-82.46));
        (placed[2].lat, placed[2].lon) = (Some(28.54), Some(-81.38));
        let mut miami = lead();
        (miami.lat, miami.lon) = (Some(25.76), Some(-80.19));
        let closest = rule(1, 10, Strategy::Closest);
        assert_eq!(order_ids(&closest, &placed, &miami, &state, &hints), [1, 3, 2, 4]);
        assert_eq!(
            order_ids(&closest, &placed, &lead(), &state, &hints),
            [2, 4, 3, 1],
            "no location: least busy"
        );
    }

    // --- strategies: round-robin -------------------------------------------------------------

    fn pick(r: &Rule, agents: &[&Candidate], l: &LeadToRoute, state: &mut RoutingState) -> i64 {
        choose(r, agents, l, state).expect("someone is eligible").0
    }

    #[test]
    fn no_eligible_agent_none() {
        let mut state = RoutingState::default();
        assert_eq!(choose(&rr(), &[], &lead(), &mut state), None);
        assert_eq!(state, RoutingState::default());
    }

    #[test]
    fn round_robin_next_id_after_cursor_chosen() {
        let (a, b, c) = (agent(10, "Ana"), agent(20, "Ben"), agent(30, "Cara"));
        let mut state = RoutingState::default();
        state.rr_cursor.insert(1, 20);
        let (chosen, ranking) = choose(&rr(), &[&c, &a, &b], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 30);
        assert_eq!(state.rr_cursor[&1], 30);
        assert_eq!(ranking.iter().map(|r| r.0).collect::<Vec<_>>(), [30, 10, 20]);
        assert_eq!(ranking[0].2, "Next in turn of the 3 agents who can take it now.");
        assert_eq!(ranking[1].2, "2 of 3 in turn.");
    }

    #[test]
    fn round_robin_cursor_agent_gone_next_higher_chosen() {
        let (a, c) = (agent(10, "Ana"), agent(30, "Cara"));
        let mut state = RoutingState::default();
        state.rr_cursor.insert(1, 25);
        assert_eq!(pick(&rr(), &[&a, &c], &lead(), &mut state), 30);
    }

    #[test]
    fn round_robin_cursors_per_rule_independent() {
        let (a, b) = (agent(10, "Ana"), agent(20, "Ben"));
        let mut state = RoutingState::default();
        let other = rule(2, 10, Strategy::RoundRobin);
        assert_eq!(pick(&rr(), &[&a, &b], &lead(), &mut state), 10);
        assert_eq!(pick(&other, &[&a, &b], &lead(), &mut state), 10);
        assert_eq!(pick(&rr(), &[&a, &b], &lead(), &mut state), 20);
    }

    #[test]
    fn round_robin_fixed_set_exactly_even() {
        let agents = [agent(10, "Ana"), agent(20, "Ben"), agent(30, "Cara")];
        let refs: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        let mut counts: HashMap<i64, u32> = HashMap::new();
        for _ in 0..100 {
            *counts.entry(pick(&rr(), &refs, &lead(), &mut state)).or_default() += 1;
        }
        assert_eq!(counts[&10], 34);
        assert_eq!(counts[&20], 33);
        assert_eq!(counts[&30], 33);
    }

    #[test]
    fn round_robin_agent_ineligible_wraps_around() {
        let (a, b, c) = (agent(10, "Ana"), agent(20, "Ben"), agent(30, "Cara"));
        let mut state = RoutingState::default();
        let all = [&a, &b, &c];
        assert_eq!(pick(&rr(), &all, &lead(), &mut state), 10);
        assert_eq!(pick(&rr(), &all, &lead(), &mut state), 20);
        // Cara (30) becomes ineligible: after 20 the turn wraps to 10.
        let (chosen, ranking) = choose(&rr(), &[&a, &b], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 10);
        assert_eq!(
            ranking[0].2,
            "Next in turn of the 2 agents who can take it now; the turns start again from the top."
        );
        // Cara is back: the order resumes after 10.
        assert_eq!(pick(&rr(), &all, &lead(), &mut state), 20);
        assert_eq!(pick(&rr(), &all, &lead(), &mut state), 30);
        assert_eq!(pick(&rr(), &all, &lead(), &mut state), 10);
    }

    // --- strategies: weighted ----------------------------------------------------------------

    fn weighted_rule() -> Rule {
        rule(4, 10, Strategy::Weighted(vec![(1, 50), (2, 30), (3, 20)]))
    }

    #[test]
    fn weighted_over_1000_leads_converges_to_shares() {
        let agents = [agent(1, "Ana"), agent(2, "Ben"), agent(3, "Cara")];
        let refs: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        let mut counts: HashMap<i64, f64> = HashMap::new();
        for _ in 0..1000 {
            *counts
                .entry(pick(&weighted_rule(), &refs, &lead(), &mut state))
                .or_default() += 1.0;
        }
        for (id, expected) in [(1, 500.0), (2, 300.0), (3, 200.0)] {
            let got = counts[&id];
            assert!(
                (got - expected).abs() <= expected * 0.01,
                "agent {id}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn weighted_is_smooth_not_bursty() {
        let agents = [agent(1, "Ana"), agent(2, "Ben"), agent(3, "Cara")];
        let refs: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        let picks: Vec<i64> = (0..10)
            .map(|_| pick(&weighted_rule(), &refs, &lead(), &mut state))
            .collect();
        assert_eq!(picks, [1, 2, 3, 1, 1, 2, 1, 3, 2, 1]);
    }

    #[test]
    fn weighted_ineligible_agent_does_not_bank_credit() {
        let agents = [agent(1, "Ana"), agent(2, "Ben"), agent(3, "Cara")];
        let all: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        for _ in 0..10 {
            pick(&weighted_rule(), &all, &lead(), &mut state);
        }
        let cara_before = state.weighted_credit[&(4, 3)];
        // Cara is out for 500 leads: her credit does not move.
        for _ in 0..500 {
            assert_ne!(pick(&weighted_rule(), &all[..2], &lead(), &mut state), 3);
        }
        assert_eq!(state.weighted_credit[&(4, 3)], cara_before);
        // Back again, she gets her 20%, not a catch-up run.
        let picks: Vec<i64> = (0..100)
            .map(|_| pick(&weighted_rule(), &all, &lead(), &mut state))
            .collect();
        let cara_first_10 = picks[..10].iter().filter(|&&p| p == 3).count();
        let cara_100 = picks.iter().filter(|&&p| p == 3).count();
        assert!(cara_first_10 <= 3, "{cara_first_10} of the first 10");
        assert!((19..=21).contains(&cara_100), "{cara_100} of 100");
        for credit in state.weighted_credit.values() {
            assert!(credit.abs() <= 200.0);
        }
    }

    #[test]
    fn weighted_persisted_huge_credit_capped() {
        let agents = [agent(1, "Ana"), agent(2, "Ben"), agent(3, "Cara")];
        let all: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        state.weighted_credit.insert((4, 3), 1e9);
        state.weighted_credit.insert((4, 1), f64::NAN);
        assert_eq!(pick(&weighted_rule(), &all, &lead(), &mut state), 3);
        assert!(state.weighted_credit[&(4, 3)] <= 200.0);
        assert!(state.weighted_credit[&(4, 1)].is_finite());
        let cara = (0..100)
            .filter(|_| pick(&weighted_rule(), &all, &lead(), &mut state) == 3)
            .count();
        assert!(cara <= 23, "Cara got {cara} of 100");
    }

    #[test]
    fn weighted_agent_without_share_not_chosen_while_shared_eligible() {
        let agents = [agent(1, "Ana"), agent(2, "Ben"), agent(9, "Zed")];
        let all: Vec<&Candidate> = agents.iter().collect();
        let mut state = RoutingState::default();
        for _ in 0..50 {
            assert_ne!(pick(&weighted_rule(), &all, &lead(), &mut state), 9);
        }
        let (_, ranking) = choose(&weighted_rule(), &all, &lead(), &mut state).unwrap();
        assert_eq!(ranking.last().unwrap().0, 9);
        assert_eq!(
            ranking.last().unwrap().2,
            "Has no share in this rule, so gets a lead only when nobody with a share can take it."
        );
        assert!(ranking[0].2.starts_with("Has a "), "{}", ranking[0].2);
    }

    #[test]
    fn weighted_only_unshared_eligible_falls_back_to_least_busy() {
        let mut y = agent(8, "Yan");
        y.open_leads = 4;
        let z = agent(9, "Zed");
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&weighted_rule(), &[&y, &z], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 9);
        assert_eq!(
            ranking[0].2,
            "No eligible agent has a share in this rule, so ranked by least busy: Least busy: 0 open leads, 0 leads today."
        );
    }

    // --- strategies: least busy --------------------------------------------------------------

    #[test]
    fn least_busy_fewest_open_then_today_then_id_chosen() {
        let mut a = agent(1, "Ana");
        a.open_leads = 2;
        let mut b = agent(2, "Ben");
        (b.open_leads, b.leads_today) = (1, 5);
        let mut c = agent(3, "Cara");
        (c.open_leads, c.leads_today) = (1, 3);
        let mut dan = agent(4, "Dan");
        (dan.open_leads, dan.leads_today) = (1, 3);
        let r = rule(1, 1, Strategy::LeastBusy);
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&r, &[&a, &dan, &b, &c], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 3);
        assert_eq!(ranking.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4, 2, 1]);
        assert_eq!(ranking[0].2, "Least busy: 1 open lead, 3 leads today.");
        assert_eq!(ranking[3].2, "2 open leads, 0 leads today.");
    }

    // --- strategies: best performer ----------------------------------------------------------

    fn best(floor: f64, min_closed: u32) -> Rule {
        rule(5, 1, Strategy::BestPerformer { floor, min_closed })
    }

    #[test]
    fn best_performer_highest_rate_chosen() {
        let mut a = agent(1, "Ana");
        a.conversion = Some((10, 40));
        let mut b = agent(2, "Ben");
        b.conversion = Some((12, 30));
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&best(0.10, 10), &[&a, &b], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 2);
        assert_eq!(ranking[0].2, "Best rate: Converted 12 of 30 closed leads (40.0%).");
        assert_eq!(ranking[1].2, "Converted 10 of 40 closed leads (25.0%).");
    }

    #[test]
    fn best_performer_new_agent_gets_floor_chosen() {
        let mut a = agent(1, "Ana");
        a.conversion = Some((2, 40)); // 5%
        let b = agent(2, "Ben"); // new: no history
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&best(0.10, 10), &[&a, &b], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 2);
        assert_eq!(
            ranking[0].2,
            "Best rate: Only 0 closed leads so far (10 needed for their own rate), so counted at 10.0%, the rule's rate for new agents."
        );
    }

    #[test]
    fn best_performer_new_agent_gets_pool_rate_above_floor_ranked_between() {
        let mut a = agent(1, "Ana");
        a.conversion = Some((20, 40)); // 50%
        let mut c = agent(3, "Cara");
        c.conversion = Some((5, 50)); // 10%
        let mut b = agent(2, "Ben");
        b.conversion = Some((3, 4)); // 75% but too few closed
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&best(0.10, 10), &[&a, &b, &c], &lead(), &mut state).unwrap();
        assert_eq!(chosen, 1);
        assert_eq!(ranking.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3]);
        // Pool: 28 won of 94 closed = 29.8%.
        assert_eq!(
            ranking[1].2,
            "Only 4 closed leads so far (10 needed for their own rate), so counted at 29.8%, the rate of all these agents together."
        );
    }

    #[test]
    fn best_performer_tie_fewest_leads_today_chosen() {
        let mut a = agent(1, "Ana");
        (a.conversion, a.leads_today) = (Some((10, 40)), 4);
        let mut b = agent(2, "Ben");
        (b.conversion, b.leads_today) = (Some((5, 20)), 1);
        let mut state = RoutingState::default();
        assert_eq!(pick(&best(0.10, 10), &[&a, &b], &lead(), &mut state), 2);
    }

    // --- strategies: closest -----------------------------------------------------------------

    fn placed(id: i64, name: &str, at: Option<(f64, f64)>) -> Candidate {
        let mut c = agent(id, name);
        c.lat = at.map(|p| p.0);
        c.lon = at.map(|p| p.1);
        c
    }

    #[test]
    fn closest_by_distance_agents_without_location_last() {
        let orlando = placed(1, "Orla", Some((28.5383, -81.3792)));
        let lauderdale = placed(2, "Laud", Some((26.1224, -80.1373)));
        let nowhere = placed(3, "Nemo", None);
        let jacksonville = placed(4, "Jax", Some((30.3322, -81.6557)));
        let mut l = lead();
        (l.lat, l.lon) = (Some(25.7617), Some(-80.1918)); // Miami
        let r = rule(6, 1, Strategy::Closest);
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&r, &[&nowhere, &orlando, &jacksonville, &lauderdale], &l, &mut state).unwrap();
        assert_eq!(chosen, 2);
        assert_eq!(ranking.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 1, 4, 3]);
        assert_eq!(ranking[0].2, "Closest: 25.2 miles away.");
        assert_eq!(ranking[3].2, "No location on file, so ranked after agents with one.");
    }

    #[test]
    fn haversine_new_york_to_los_angeles_about_2445_miles() {
        let miles = miles_between((40.7128, -74.0060), (34.0522, -118.2437));
        assert!((miles - 2445.0).abs() < 10.0, "{miles}");
        assert_eq!(miles_between((10.0, 10.0), (10.0, 10.0)), 0.0);
    }

    #[test]
    fn closest_lead_without_location_falls_back_to_least_busy() {
        let mut near = placed(1, "Near", Some((25.77, -80.19)));
        near.open_leads = 5;
        let far = placed(2, "Far", Some((47.6, -122.3)));
        let mut l = lead();
        l.lat = Some(25.7617); // longitude missing
        let r = rule(6, 1, Strategy::Closest);
        let mut state = RoutingState::default();
        let (chosen, ranking) = choose(&r, &[&near, &far], &l, &mut state).unwrap();
        assert_eq!(chosen, 2);
        assert_eq!(
            ranking[0].2,
            "The lead has no location, so ranked by least busy: Least busy: 0 open leads, 0 leads today."
        );
    }

    #[test]
    fn routing_state_json_round_trip_ok() {
        let mut state = RoutingState::default();
        state.rr_cursor.insert(1, 42);
        state.weighted_credit.insert((4, 2), -35.0);
        state.weighted_credit.insert((4, 1), 15.0);
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"rr_cursor":{"1":42},"weighted_credit":[[4,1,15.0],[4,2,-35.0]]}"#
        );
        assert_eq!(serde_json::from_str::<RoutingState>(&json).unwrap(), state);
        assert_eq!(
            serde_json::from_str::<RoutingState>("{}").unwrap(),
            RoutingState::default()
        );
    }
}
