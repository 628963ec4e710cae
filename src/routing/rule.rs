//! Routing rules and when they apply: the rule (its conditions, pool and strategy), whether a
//! lead meets its conditions, which rule catches a lead, and why a rule does not fit one.

use serde::{Deserialize, Serialize};

use super::{Candidate, LeadToRoute};
use crate::domain::ProductLine;

/// Which agents a rule considers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pool {
    /// Every agent.
    Everyone,
    /// The members of one team.
    Team(i64),
    /// These agents.
    Agents(Vec<i64>),
}

impl Pool {
    /// Whether the agent is in the pool.
    pub fn contains(&self, c: &Candidate) -> bool {
        match self {
            Pool::Everyone => true,
            Pool::Team(team) => c.team_id == Some(*team),
            Pool::Agents(ids) => ids.contains(&c.agent_id),
        }
    }
}

/// How a rule chooses among the eligible agents. See [`choose`](super::choose).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Strategy {
    /// Each eligible agent in turn, by agent id.
    RoundRobin,
    /// Smooth weighted round-robin: `(agent, percent share)`.
    Weighted(Vec<(i64, u32)>),
    /// Fewest open leads, then fewest leads today, then lowest agent id.
    LeastBusy,
    /// Highest conversion rate.
    BestPerformer {
        /// Minimum rate credited to agents with fewer than `min_closed` closed leads
        /// (e.g. `0.10`); they get the larger of this and the pool's overall rate.
        floor: f64,
        /// Closed leads needed before an agent's own rate counts.
        min_closed: u32,
    },
    /// Nearest agent to the lead.
    Closest,
}

/// When a rule applies. Every non-empty condition must hold; an empty list (or `None`) means
/// any. Within a list, one match is enough.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    /// Lead sources (case-insensitive).
    pub sources: Vec<String>,
    /// Product lines; stored as their keys (`"medicare_advantage"`, …).
    #[serde(with = "product_keys")]
    pub products: Vec<ProductLine>,
    /// Two-letter states (case-insensitive). A lead without a state does not match a list.
    pub states: Vec<String>,
    /// Lowest score that matches (inclusive).
    pub min_score: Option<u8>,
    /// Highest score that matches (inclusive).
    pub max_score: Option<u8>,
    /// Tags (case-insensitive); the lead must carry at least one of them.
    pub tags: Vec<String>,
}

/// A routing rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's id; breaks priority ties (lower first).
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Lower numbers are tried first.
    pub priority: i32,
    /// When the rule applies.
    pub conditions: Conditions,
    /// Which agents it considers.
    pub pool: Pool,
    /// How it chooses.
    pub strategy: Strategy,
    /// Most leads per agent per day under this rule, on top of the agent's own capacity.
    pub daily_cap: Option<u32>,
    /// Offer leads outside the agents' working hours.
    pub ignore_hours: bool,
}

/// Text compared trimmed and case-insensitively.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Whether the lead meets every condition. Empty lists and `None` bounds match anything;
/// scores are inclusive; text compares trimmed and case-insensitively.
pub fn matches(conditions: &Conditions, lead: &LeadToRoute) -> bool {
    let source_ok = conditions.sources.is_empty() || conditions.sources.iter().any(|s| same(s, &lead.source));
    let product_ok = conditions.products.is_empty() || conditions.products.contains(&lead.product);
    let state_ok = conditions.states.is_empty()
        || lead
            .state
            .as_deref()
            .is_some_and(|state| conditions.states.iter().any(|s| same(s, state)));
    let min_ok = conditions.min_score.is_none_or(|min| lead.score >= min);
    let max_ok = conditions.max_score.is_none_or(|max| lead.score <= max);
    let tags_ok = conditions.tags.is_empty() || conditions.tags.iter().any(|t| lead.tags.iter().any(|lt| same(t, lt)));
    source_ok && product_ok && state_ok && min_ok && max_ok && tags_ok
}

/// The matching rule with the lowest priority number; ties go to the lower rule id.
pub fn first_matching<'a>(rules: &'a [Rule], lead: &LeadToRoute) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| matches(&r.conditions, lead))
        .min_by_key(|r| (r.priority, r.id))
}

/// Why the lead does not meet a rule's conditions, one sentence per unmet condition for an
/// agency owner ("It is in TX; this rule takes leads in FL, GA."). Empty when the rule fits.
pub fn misfits(conditions: &Conditions, lead: &LeadToRoute) -> Vec<String> {
    let c = conditions;
    let mut out = Vec::new();
    if !c.products.is_empty() && !c.products.contains(&lead.product) {
        let wanted: Vec<&str> = c.products.iter().map(|p| p.label()).collect();
        out.push(format!(
            "It is for {}; this rule takes {} leads only.",
            lead.product.label(),
            wanted.join(" or ")
        ));
    }
    let state_ok = c.states.is_empty()
        || lead
            .state
            .as_deref()
            .is_some_and(|state| c.states.iter().any(|s| same(s, state)));
    if !state_ok {
        let place = match lead.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => format!("It is in {}", s.to_ascii_uppercase()),
            None => "It has no state".to_owned(),
        };
        out.push(format!(
            "{place}; this rule takes leads in {} only.",
            c.states.join(", ")
        ));
    }
    if !c.sources.is_empty() && !c.sources.iter().any(|s| same(s, &lead.source)) {
        out.push(format!(
            "It comes from “{}”; this rule takes leads from {} only.",
            lead.source.trim(),
            c.sources.join(", ")
        ));
    }
    if let Some(min) = c.min_score.filter(|min| lead.score < *min) {
        out.push(format!(
            "Its score is {}, below this rule's lowest score of {min}.",
            lead.score
        ));
    }
    if let Some(max) = c.max_score.filter(|max| lead.score > *max) {
        out.push(format!(
            "Its score is {}, above this rule's highest score of {max}.",
            lead.score
        ));
    }
    if !c.tags.is_empty() && !c.tags.iter().any(|t| lead.tags.iter().any(|lt| same(t, lt))) {
        out.push(format!("It has none of the tags {}.", c.tags.join(", ")));
    }
    out
}

/// The rule list as it would be once `rule` is saved: its saved version replaced (same id) or
/// it added (a new rule has id 0 and is given [`UNSAVED_RULE`], so it loses ties to saved rules
/// as it will once the database numbers it), in the order rules are tried.
pub fn with_rule_in_place(saved: &[Rule], rule: &Rule) -> Vec<Rule> {
    let mut rule = rule.clone();
    if rule.id <= 0 {
        rule.id = UNSAVED_RULE;
    }
    let mut all: Vec<Rule> = saved.iter().filter(|r| r.id != rule.id).cloned().collect();
    all.push(rule);
    all.sort_by_key(|r| (r.priority, r.id));
    all
}

/// The id a rule being tried before its first save has in [`with_rule_in_place`].
pub const UNSAVED_RULE: i64 = i64::MAX;

/// Which rule of an ordered list catches the lead: its place in the list (1 for the first) and
/// the rule.
pub fn catching_rule<'a>(ordered: &'a [Rule], lead: &LeadToRoute) -> Option<(usize, &'a Rule)> {
    let first = first_matching(ordered, lead)?;
    ordered.iter().position(|r| r.id == first.id).map(|i| (i + 1, first))
}

/// Product lines as their stable keys ([`ProductLine::as_str`]).
mod product_keys {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::ProductLine;

    pub fn serialize<S: Serializer>(products: &[ProductLine], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(products.iter().map(|p| p.as_str()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProductLine>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|key| key.parse().map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::fixtures::*;

    // --- rule matching -----------------------------------------------------------------------

    #[test]
    fn empty_conditions_match_any_lead() {
        let mut l = lead();
        l.state = None;
        assert!(matches(&Conditions::default(), &l));
    }

    #[test]
    fn source_condition_matches_case_insensitively() {
        let cond = Conditions {
            sources: vec!["Facebook".to_owned(), "tv".to_owned()],
            ..Conditions::default()
        };
        let mut l = lead();
        l.source = " facebook ".to_owned();
        assert!(matches(&cond, &l));
        l.source = "web".to_owned();
        assert!(!matches(&cond, &l));
    }

    #[test]
    fn product_condition_matches_listed_products_only() {
        let cond = Conditions {
            products: vec![ProductLine::Life, ProductLine::FinalExpense],
            ..Conditions::default()
        };
        let mut l = lead();
        assert!(!matches(&cond, &l));
        l.product = ProductLine::FinalExpense;
        assert!(matches(&cond, &l));
    }

    #[test]
    fn state_condition_matches_and_lead_without_state_does_not() {
        let cond = Conditions {
            states: vec!["fl".to_owned(), "GA".to_owned()],
            ..Conditions::default()
        };
        let mut l = lead();
        assert!(matches(&cond, &l));
        l.state = Some("TX".to_owned());
        assert!(!matches(&cond, &l));
        l.state = None;
        assert!(!matches(&cond, &l));
    }

    #[test]
    fn score_bounds_inclusive_match() {
        let cond = Conditions {
            min_score: Some(40),
            max_score: Some(60),
            ..Conditions::default()
        };
        let mut l = lead();
        for (score, expected) in [(39, false), (40, true), (60, true), (61, false)] {
            l.score = score;
            assert_eq!(matches(&cond, &l), expected, "score {score}");
        }
    }

    #[test]
    fn tag_condition_needs_one_listed_tag_match() {
        let cond = Conditions {
            tags: vec!["hot".to_owned(), "vip".to_owned()],
            ..Conditions::default()
        };
        let mut l = lead();
        assert!(!matches(&cond, &l));
        l.tags = vec!["callback".to_owned(), "VIP".to_owned()];
        assert!(matches(&cond, &l));
    }

    #[test]
    fn misfits_name_each_unmet_condition_for_an_owner() {
        let c = Conditions {
            states: vec!["FL".into(), "GA".into()],
            min_score: Some(70),
            sources: vec!["facebook".into()],
            ..Conditions::default()
        };
        let l = lead(); // FL, web, score 50 in the fixture
        let why = misfits(&c, &l);
        assert_eq!(misfits(&Conditions::default(), &l), Vec::<String>::new());
        assert!(why.iter().any(|w| w.starts_with("It comes from “web”")), "{why:?}");
        assert!(
            why.iter().any(|w| w.contains("below this rule's lowest score of 70")),
            "{why:?}"
        );
        let tx = LeadToRoute {
            state: Some("TX".into()),
            ..lead()
        };
        assert!(misfits(&c, &tx).contains(&"It is in TX; this rule takes leads in FL, GA only.".to_owned()));
    }

    #[test]
    fn an_edited_rule_takes_its_place_and_the_higher_rule_catches_first() {
        let texas = Rule {
            conditions: Conditions {
                states: vec!["TX".into()],
                ..Conditions::default()
            },
            ..rule(7, 10, Strategy::RoundRobin)
        };
        let other = rule(8, 30, Strategy::RoundRobin);
        let new = rule(0, 20, Strategy::LeastBusy);
        let list = with_rule_in_place(&[texas.clone(), other.clone()], &new);
        assert_eq!(list.iter().map(|r| r.id).collect::<Vec<_>>(), [7, UNSAVED_RULE, 8]);
        let tx = LeadToRoute {
            state: Some("TX".into()),
            ..lead()
        };
        assert_eq!(catching_rule(&list, &tx).map(|(n, r)| (n, r.id)), Some((1, 7)));
        assert_eq!(
            catching_rule(&list, &lead()).map(|(n, r)| (n, r.id)),
            Some((2, UNSAVED_RULE))
        );
        // Editing rule 8 to come first replaces its saved version.
        let moved = Rule { priority: 1, ..other };
        let list = with_rule_in_place(&[texas, rule(8, 30, Strategy::RoundRobin)], &moved);
        assert_eq!(
            list.iter().map(|r| (r.id, r.priority)).collect::<Vec<_>>(),
            [(8, 1), (7, 10)]
        );
    }

    #[test]
    fn first_matching_lowest_priority_then_lowest_id_chosen() {
        let mut life_only = rule(1, 1, Strategy::RoundRobin);
        life_only.conditions.products = vec![ProductLine::Life];
        let rules = [
            rule(9, 5, Strategy::RoundRobin),
            life_only,
            rule(3, 2, Strategy::LeastBusy),
            rule(2, 2, Strategy::LeastBusy),
        ];
        assert_eq!(first_matching(&rules, &lead()).map(|r| r.id), Some(2));
        let mut l = lead();
        l.product = ProductLine::Life;
        assert_eq!(first_matching(&rules, &l).map(|r| r.id), Some(1));
        assert!(first_matching(&rules[1..2], &lead()).is_none());
    }

    #[test]
    fn rule_json_round_trip_with_product_keys_ok() {
        let mut r = rule(
            3,
            2,
            Strategy::BestPerformer {
                floor: 0.1,
                min_closed: 10,
            },
        );
        r.conditions.products = vec![ProductLine::MedicareAdvantage, ProductLine::PartD];
        r.pool = Pool::Agents(vec![1, 2]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""products":["medicare_advantage","part_d"]"#), "{json}");
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);

        let bad = json.replace("part_d", "boats");
        let err = serde_json::from_str::<Rule>(&bad).unwrap_err().to_string();
        assert!(err.contains("Unknown product line"), "{err}");
    }
}
