//! Routing one lead from start to end ([`route`]): the first matching rule, its pool, every
//! agent checked and the strategy applied, with an [`Explanation`] whose every string is a
//! sentence for a person; and the tally of exclusions behind the unassigned reason.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{choose, eligibility, first_matching, Candidate, Exclusion, LeadToRoute, RoutingState, Rule};
use crate::agents::readiness::PlanYearRule;

/// What routing decided and why, for the "why this agent / why not" panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The rule used: `(id, name)`; `None` when no rule matched.
    pub rule: Option<(i64, String)>,
    /// How many agents are in the rule's pool.
    pub candidates: usize,
    /// `(agent, name, reason)` for every agent that could not take the lead: pool members
    /// first, in the caller's order, then agents outside the pool.
    pub excluded: Vec<(i64, String, String)>,
    /// Agents left out of `excluded` to keep the explanation short (an agency of thousands).
    #[serde(default)]
    pub excluded_more: usize,
    /// `(agent, name, why ranked here)` for every eligible agent, best first.
    pub ranking: Vec<(i64, String, String)>,
    /// The chosen agent.
    pub chosen: Option<i64>,
    /// Why nobody was chosen.
    pub unassigned_reason: Option<String>,
}

impl Explanation {
    /// "1 agent is in its pool." / "12 agents are in its pool."
    pub fn pool_sentence(&self) -> String {
        match self.candidates {
            0 => "No agent is in its pool.".to_owned(),
            1 => "1 agent is in its pool.".to_owned(),
            n => format!("{n} agents are in its pool."),
        }
    }

    /// The line that stands for the agents not listed by name, `None` when every one is listed.
    pub fn more_sentence(&self) -> Option<String> {
        match self.excluded_more {
            0 => None,
            1 => {
                Some("… and 1 more agent, not licensed in the lead's state or left out to keep this short.".to_owned())
            }
            n => Some(format!(
                "… and {n} more agents, not licensed in the lead's state or left out to keep this short."
            )),
        }
    }
}

/// Routes one lead: the first matching rule, its pool, [`eligibility`] for every candidate, and
/// [`choose`]. `rule_counts_today` holds leads given today per `(rule, agent)`; missing means 0.
///
/// When nobody is eligible, `unassigned_reason` counts the pool's exclusions, most common
/// first: `"No eligible agent: 7 outside working hours, 3 not licensed in FL."`.
#[allow(clippy::too_many_arguments)]
pub fn route<'a>(
    rules: &[Rule],
    candidates: impl IntoIterator<Item = &'a Candidate>,
    lead: &LeadToRoute,
    now: DateTime<Utc>,
    rule_counts_today: &HashMap<(i64, i64), u32>,
    already_offered: &[i64],
    state: &mut RoutingState,
    plan_rule: &PlanYearRule,
) -> Explanation {
    let Some(rule) = first_matching(rules, lead) else {
        return Explanation {
            unassigned_reason: Some("No routing rule matches this lead.".to_owned()),
            ..Explanation::default()
        };
    };

    let (in_pool, outside): (Vec<&Candidate>, Vec<&Candidate>) =
        candidates.into_iter().partition(|c| rule.pool.contains(c));

    let mut eligible: Vec<&Candidate> = Vec::new();
    let mut exclusions: Vec<(&Candidate, Exclusion)> = Vec::new();
    for c in &in_pool {
        let count = rule_counts_today.get(&(rule.id, c.agent_id)).copied().unwrap_or(0);
        match eligibility(c, lead, rule, now, count, already_offered, plan_rule) {
            Ok(()) => eligible.push(c),
            Err(why) => exclusions.push((c, why)),
        }
    }

    let unassigned_summary = summarise(&exclusions);
    let mut excluded: Vec<(i64, String, String)> = exclusions
        .iter()
        .map(|(c, why)| (c.agent_id, c.name.clone(), why.reason()))
        .collect();
    excluded.extend(
        outside
            .iter()
            .map(|c| (c.agent_id, c.name.clone(), Exclusion::NotInPool.reason())),
    );

    let mut explanation = Explanation {
        rule: Some((rule.id, rule.name.clone())),
        candidates: in_pool.len(),
        excluded,
        ..Explanation::default()
    };
    match choose(rule, &eligible, lead, state) {
        Some((chosen, ranking)) => {
            explanation.chosen = Some(chosen);
            explanation.ranking = ranking;
        }
        None => explanation.unassigned_reason = Some(unassigned_summary),
    }
    explanation
}

/// `"No eligible agent: 7 outside working hours, 3 not licensed in FL."`, most common first
/// (ties in the order first seen).
fn summarise(exclusions: &[(&Candidate, Exclusion)]) -> String {
    let mut tally = Tally::default();
    for (_, why) in exclusions {
        tally.add(why.summary(), 1);
    }
    tally.sentence()
}

/// Counts of exclusions by their [`Exclusion::summary`] label, for the unassigned reason of a
/// caller that checks agents itself (a large agency checks most of them before [`route`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally(Vec<(String, usize)>);

impl Tally {
    pub fn add(&mut self, label: String, n: usize) {
        if n == 0 {
            return;
        }
        match self.0.iter_mut().find(|(l, _)| *l == label) {
            Some((_, count)) => *count += n,
            None => self.0.push((label, n)),
        }
    }

    /// `"No eligible agent: 7 outside working hours, 3 not licensed in FL."`, most common first
    /// (ties in the order first seen).
    pub fn sentence(&self) -> String {
        if self.0.is_empty() {
            return "No eligible agent: no agent is in this rule's pool.".to_owned();
        }
        let mut groups = self.0.clone();
        groups.sort_by_key(|g| std::cmp::Reverse(g.1)); // stable: ties keep first-seen order
        let parts: Vec<String> = groups.iter().map(|(label, n)| format!("{n} {label}")).collect();
        format!("No eligible agent: {}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::fixtures::*;
    use crate::routing::{Pool, Strategy};

    // --- route -------------------------------------------------------------------------------

    fn run(
        rules: &[Rule],
        candidates: &[Candidate],
        l: &LeadToRoute,
        counts: &HashMap<(i64, i64), u32>,
    ) -> Explanation {
        let mut state = RoutingState::default();
        route(
            rules,
            candidates,
            l,
            monday_noon(),
            counts,
            &[],
            &mut state,
            &PlanYearRule::default(),
        )
    }

    #[test]
    fn route_small_scenario_explains_exclusions_and_ranking() {
        let mut r = rule(7, 1, Strategy::RoundRobin);
        r.name = "Florida Medicare".to_owned();
        r.daily_cap = Some(2);
        let ana = agent(1, "Ana");
        let mut ben = agent(2, "Ben");
        ben.time_zone = chrono_tz::America::Los_Angeles;
        let mut cara = agent(3, "Cara");
        cara.facts.licences = vec![licence("FL", true, d(2024, 1, 1), d(2026, 10, 31))];
        let dan = agent(4, "Dan");
        let mut eve = agent(5, "Eve");
        eve.leads_today = 10;
        let fay = agent(6, "Fay");
        let counts = HashMap::from([((7, 6), 2), ((8, 1), 5)]);

        let e = run(&[r], &[ana, ben, cara, dan, eve, fay], &lead(), &counts);
        assert_eq!(e.rule, Some((7, "Florida Medicare".to_owned())));
        assert_eq!(e.candidates, 6);
        let s = |id: i64, name: &str, why: &str| (id, name.to_owned(), why.to_owned());
        assert_eq!(
            e.excluded,
            [
                s(2, "Ben", "Outside working hours (Mon 04:00 in America/Los_Angeles)."),
                s(
                    3,
                    "Cara",
                    "No valid licence in FL with health or accident & health authority on 2026-11-02. \
                     The FL licence expired on 2026-10-31."
                ),
                s(5, "Eve", "The agent has reached their daily lead limit."),
                s(6, "Fay", "The agent has reached this rule's daily cap."),
            ]
        );
        assert_eq!(
            e.ranking,
            [
                s(1, "Ana", "Next in turn of the 2 agents who can take it now."),
                s(4, "Dan", "2 of 2 in turn."),
            ]
        );
        assert_eq!(e.chosen, Some(1));
        assert_eq!(e.unassigned_reason, None);
    }

    #[test]
    fn route_no_rule_matches_unassigned() {
        let mut r = rule(1, 1, Strategy::RoundRobin);
        r.conditions.sources = vec!["tv".to_owned()];
        let e = run(&[r], &[agent(1, "Ana")], &lead(), &HashMap::new());
        assert_eq!(e.rule, None);
        assert_eq!(e.chosen, None);
        assert_eq!(
            e.unassigned_reason.as_deref(),
            Some("No routing rule matches this lead.")
        );
    }

    #[test]
    fn route_nobody_eligible_summarises_most_common_first() {
        let mut agents = Vec::new();
        for id in 1..=3 {
            let mut c = agent(id, "Late");
            c.time_zone = chrono_tz::America::Chicago;
            agents.push(c);
        }
        for id in 4..=5 {
            let mut c = agent(id, "Gone");
            c.facts.licences = vec![licence("GA", true, d(2024, 1, 1), d(2027, 12, 31))];
            agents.push(c);
        }
        let mut full = agent(6, "Full");
        full.leads_today = 10;
        agents.insert(0, full);
        let e = run(&[rr()], &agents, &lead(), &HashMap::new());
        assert_eq!(e.chosen, None);
        assert!(e.ranking.is_empty());
        assert_eq!(e.excluded.len(), 6);
        assert_eq!(
            e.unassigned_reason.as_deref(),
            Some("No eligible agent: 3 outside working hours, 2 not licensed in FL, 1 at their daily lead limit.")
        );
    }

    #[test]
    fn route_team_pool_outsiders_listed_last_not_counted() {
        let mut r = rr();
        r.pool = Pool::Team(5);
        let outsider = agent(1, "Ana");
        let mut member = agent(2, "Ben");
        member.team_id = Some(5);
        let e = run(
            &[r.clone()],
            &[outsider.clone(), member.clone()],
            &lead(),
            &HashMap::new(),
        );
        assert_eq!(e.candidates, 1);
        assert_eq!(e.chosen, Some(2));
        assert_eq!(
            e.excluded,
            [(1, "Ana".to_owned(), "The agent is not in this rule's pool.".to_owned())]
        );

        let e = run(&[r], &[outsider], &lead(), &HashMap::new());
        assert_eq!(e.candidates, 0);
        assert_eq!(
            e.unassigned_reason.as_deref(),
            Some("No eligible agent: no agent is in this rule's pool.")
        );
    }

    #[test]
    fn route_not_callable_lead_unassigned() {
        let mut l = lead();
        l.callable = false;
        let e = run(&[rr()], &[agent(1, "Ana"), agent(2, "Ben")], &l, &HashMap::new());
        assert_eq!(e.chosen, None);
        assert_eq!(
            e.unassigned_reason.as_deref(),
            Some("No eligible agent: 2 blocked because the lead may not be called.")
        );
    }

    #[test]
    fn route_advances_round_robin_state_across_leads() {
        let agents = [agent(1, "Ana"), agent(2, "Ben")];
        let mut state = RoutingState::default();
        let mut chosen = Vec::new();
        for offered in [vec![], vec![], vec![1]] {
            let e = route(
                &[rr()],
                &agents,
                &lead(),
                monday_noon(),
                &HashMap::new(),
                &offered,
                &mut state,
                &PlanYearRule::default(),
            );
            chosen.push(e.chosen);
        }
        assert_eq!(chosen, [Some(1), Some(2), Some(2)]);
    }
}
