//! The routing-rule form: what an owner types, checked into a [`Rule`] (every problem named by its
//! field), and the sample lead a rule is tried on before it is saved.
//!
//! The form arrives as name/value pairs because several fields repeat (product checkboxes, the
//! named agents). Parsing is pure, so every rule of it is unit-tested here.

use crate::domain::ProductLine;
use crate::domain::{language_name, state_name};
use crate::error::FieldErrors;
use crate::routing::{Conditions, LeadToRoute, Pool, Rule, Strategy};

pub const STRATEGIES: [(&str, &str); 5] = [
    ("round_robin", "Each agent in turn"),
    ("weighted", "By shares in percent (e.g. 70 / 30)"),
    ("least_busy", "The agent with the fewest open leads"),
    ("best_performer", "The best closer over the last 90 days"),
    ("closest", "The agent nearest the lead's ZIP"),
];

/// The form as typed, kept as text so a page with errors shows exactly what was entered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleForm {
    pub name: String,
    pub priority: String,
    /// Ticked sources (each may also hold several, comma-separated).
    pub sources: Vec<String>,
    pub products: Vec<String>,
    /// Ticked state codes (each may also hold several, comma-separated).
    pub states: Vec<String>,
    pub min_score: String,
    pub max_score: String,
    pub tags: String,
    pub pool: String,
    pub team_id: String,
    pub agents: Vec<String>,
    pub strategy: String,
    /// `(agent id, percent)` as typed, for the weighted strategy.
    pub shares: Vec<(String, String)>,
    pub floor: String,
    pub min_closed: String,
    pub daily_cap: String,
    pub ignore_hours: bool,
    pub sample: SampleForm,
}

/// The lead a rule is tried on.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleForm {
    pub product: String,
    pub zip: String,
    pub state: String,
    pub source: String,
    pub score: String,
    pub tags: String,
    pub language: String,
    pub callable: bool,
}

impl Default for SampleForm {
    fn default() -> Self {
        SampleForm {
            product: "medicare_advantage".into(),
            zip: String::new(),
            state: String::new(),
            source: "web".into(),
            score: "60".into(),
            tags: String::new(),
            language: String::new(),
            callable: true,
        }
    }
}

fn split_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in raw.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    out
}

fn parse_bound(errors: &mut FieldErrors, field: &str, raw: &str, max: i64, what: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            errors.add(field, format!("{what} must be a whole number from 0 to {max}."));
            None
        }
    }
}

impl RuleForm {
    /// A new rule's form: everyone in turn, after the existing rules.
    pub fn blank(next_priority: i32) -> RuleForm {
        RuleForm {
            priority: next_priority.to_string(),
            pool: "everyone".into(),
            strategy: "round_robin".into(),
            floor: "10".into(),
            min_closed: "5".into(),
            ..Default::default()
        }
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> RuleForm {
        let mut f = RuleForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "name" => f.name = v,
                "priority" => f.priority = v,
                "sources" => f.sources.push(v),
                "products" => f.products.push(v),
                "states" => f.states.push(v),
                "min_score" => f.min_score = v,
                "max_score" => f.max_score = v,
                "tags" => f.tags = v,
                "pool" => f.pool = v,
                "team_id" => f.team_id = v,
                "agents" => f.agents.push(v),
                "strategy" => f.strategy = v,
                "floor" => f.floor = v,
                "min_closed" => f.min_closed = v,
                "daily_cap" => f.daily_cap = v,
                "ignore_hours" => f.ignore_hours = !v.is_empty(),
                "sample_product" => f.sample.product = v,
                "sample_zip" => f.sample.zip = v,
                "sample_state" => f.sample.state = v,
                "sample_source" => f.sample.source = v,
                "sample_score" => f.sample.score = v,
                "sample_tags" => f.sample.tags = v,
                "sample_language" => f.sample.language = v,
                "sample_callable" => f.sample.callable = !v.is_empty(),
                other => {
                    if let Some(agent) = other.strip_prefix("share_") {
                        if !v.trim().is_empty() {
                            f.shares.push((agent.to_string(), v));
                        }
                    }
                }
            }
        }
        // An unticked checkbox sends nothing; a form that sent any sample field had it unticked.
        if !pairs.iter().any(|(k, _)| k == "sample_callable") && pairs.iter().any(|(k, _)| k.starts_with("sample_")) {
            f.sample.callable = false;
        }
        f
    }

    /// The form of a saved rule, for editing.
    pub fn from_rule(rule: &Rule) -> RuleForm {
        let c = &rule.conditions;
        let (pool, team_id, agents) = match &rule.pool {
            Pool::Everyone => ("everyone", String::new(), Vec::new()),
            Pool::Team(t) => ("team", t.to_string(), Vec::new()),
            Pool::Agents(ids) => ("agents", String::new(), ids.iter().map(i64::to_string).collect()),
        };
        let mut f = RuleForm::blank(rule.priority);
        f.name = rule.name.clone();
        f.sources = c.sources.clone();
        f.products = c.products.iter().map(|p| p.as_str().to_string()).collect();
        f.states = c.states.clone();
        f.min_score = c.min_score.map(|s| s.to_string()).unwrap_or_default();
        f.max_score = c.max_score.map(|s| s.to_string()).unwrap_or_default();
        f.tags = c.tags.join(", ");
        f.pool = pool.into();
        f.team_id = team_id;
        f.agents = agents;
        f.daily_cap = rule.daily_cap.map(|c| c.to_string()).unwrap_or_default();
        f.ignore_hours = rule.ignore_hours;
        match &rule.strategy {
            Strategy::RoundRobin => f.strategy = "round_robin".into(),
            Strategy::Weighted(shares) => {
                f.strategy = "weighted".into();
                f.shares = shares.iter().map(|(a, s)| (a.to_string(), s.to_string())).collect();
            }
            Strategy::LeastBusy => f.strategy = "least_busy".into(),
            Strategy::BestPerformer { floor, min_closed } => {
                f.strategy = "best_performer".into();
                f.floor = format!("{}", (floor * 100.0).round());
                f.min_closed = min_closed.to_string();
            }
            Strategy::Closest => f.strategy = "closest".into(),
        }
        f
    }

    /// Whether a part of the form shown under `condition` is shown for these values; the same
    /// conditions as app.js's `data-show-when` ("pool=agents strategy=weighted": any one holds;
    /// "strategy=a|b": any of the values), so the page opens in the state the script keeps.
    pub fn shows(&self, condition: &str) -> bool {
        condition.split_whitespace().any(|cond| {
            let Some((field, wanted)) = cond.split_once('=') else {
                return false;
            };
            let value = match field {
                "pool" => self.pool.trim(),
                "strategy" => self.strategy.trim(),
                _ => return false,
            };
            wanted.split('|').any(|w| w == value)
        })
    }

    pub fn has_state(&self, code: &str) -> bool {
        split_list(&self.states.join(","))
            .iter()
            .any(|s| s.eq_ignore_ascii_case(code))
    }

    pub fn has_source(&self, source: &str) -> bool {
        split_list(&self.sources.join(","))
            .iter()
            .any(|s| s.eq_ignore_ascii_case(source))
    }

    /// The ticked sources that are not among the `known` ones (the sources leads arrive with), as
    /// a message for the sources field.
    pub fn unknown_sources(&self, known: &[String]) -> Option<String> {
        let unknown: Vec<String> = split_list(&self.sources.join(","))
            .into_iter()
            .filter(|s| !known.iter().any(|k| k.trim().eq_ignore_ascii_case(s)))
            .collect();
        (!unknown.is_empty()).then(|| {
            format!(
                "No lead has come from {} yet; tick sources from the list.",
                unknown.iter().map(|s| format!("“{s}”")).collect::<Vec<_>>().join(", ")
            )
        })
    }

    pub fn has_product(&self, key: &str) -> bool {
        self.products.iter().any(|p| p == key)
    }

    pub fn has_agent(&self, id: &i64) -> bool {
        self.agents.iter().any(|a| a.trim() == id.to_string())
    }

    pub fn is_team(&self, id: &i64) -> bool {
        self.team_id.trim() == id.to_string()
    }

    pub fn share_of(&self, id: &i64) -> String {
        self.shares
            .iter()
            .find(|(a, _)| a.trim() == id.to_string())
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    /// Checks the form into a rule (its id is 0: the caller sets it). `agents` and `teams` are the
    /// ids that exist.
    pub fn parse(&self, agents: &[i64], teams: &[i64]) -> Result<Rule, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Give the rule a name, like “Medicare leads in Florida”.");
        } else if name.chars().count() > 100 {
            errors.add("name", "Keep the name under 100 characters.");
        }
        let priority = match self.priority.trim().parse::<i32>() {
            Ok(p) if (1..=9999).contains(&p) => p,
            _ => {
                errors.add(
                    "priority",
                    "Priority is a whole number from 1 to 9999; lower runs first.",
                );
                0
            }
        };

        let mut products = Vec::new();
        for p in &self.products {
            match p.parse::<ProductLine>() {
                Ok(p) if !products.contains(&p) => products.push(p),
                Ok(_) => {}
                Err(_) => errors.add("products", "Choose products from the list."),
            }
        }
        let mut states = Vec::new();
        for s in split_list(&self.states.join(",")) {
            if s.len() == 2 && state_name(&s).is_some() {
                states.push(s.to_ascii_uppercase());
            } else {
                errors.add(
                    "states",
                    format!("“{s}” is not a state we know; tick states from the list."),
                );
            }
        }
        let min_score = parse_bound(&mut errors, "min_score", &self.min_score, 100, "The lowest score");
        let max_score = parse_bound(&mut errors, "max_score", &self.max_score, 100, "The highest score");
        if let (Some(lo), Some(hi)) = (min_score, max_score) {
            if lo > hi {
                errors.add("max_score", "The highest score must not be below the lowest.");
            }
        }
        let sources = split_list(&self.sources.join(","));
        let tags = split_list(&self.tags);
        if sources.iter().chain(&tags).any(|s| s.chars().count() > 50) {
            errors.add("sources", "Sources and tags are at most 50 characters each.");
        }

        let pool = match self.pool.trim() {
            "" | "everyone" => Pool::Everyone,
            "team" => match self.team_id.trim().parse::<i64>() {
                Ok(t) if teams.contains(&t) => Pool::Team(t),
                _ => {
                    errors.add("team_id", "Choose the team whose members get these leads.");
                    Pool::Everyone
                }
            },
            "agents" => {
                let mut ids: Vec<i64> = Vec::new();
                for a in &self.agents {
                    match a.trim().parse::<i64>() {
                        Ok(id) if agents.contains(&id) => {
                            if !ids.contains(&id) {
                                ids.push(id);
                            }
                        }
                        _ => errors.add("agents", "Choose agents from the list."),
                    }
                }
                if ids.is_empty() && !errors.has("agents") {
                    errors.add("agents", "Tick at least one agent.");
                }
                Pool::Agents(ids)
            }
            _ => {
                errors.add("pool", "Choose who gets these leads.");
                Pool::Everyone
            }
        };

        let strategy = match self.strategy.trim() {
            "" | "round_robin" => Strategy::RoundRobin,
            "least_busy" => Strategy::LeastBusy,
            "closest" => Strategy::Closest,
            "best_performer" => {
                let floor = match self.floor.trim().parse::<f64>() {
                    Ok(f) if (0.0..=100.0).contains(&f) => f / 100.0,
                    _ => {
                        errors.add("floor", "The floor is a percentage from 0 to 100.");
                        0.0
                    }
                };
                let min_closed = match self.min_closed.trim().parse::<u32>() {
                    Ok(n) if n <= 1000 => n,
                    _ => {
                        errors.add("min_closed", "Enter how many closed leads an agent needs, 0 to 1000.");
                        0
                    }
                };
                Strategy::BestPerformer { floor, min_closed }
            }
            "weighted" => {
                let mut shares: Vec<(i64, u32)> = Vec::new();
                for (a, s) in &self.shares {
                    let agent = a.trim().parse::<i64>().ok().filter(|id| agents.contains(id));
                    match (agent, s.trim().parse::<u32>()) {
                        (Some(id), Ok(share)) if (1..=100).contains(&share) => {
                            if let Pool::Agents(ids) = &pool {
                                if !ids.contains(&id) {
                                    errors.add("shares", "Give shares only to agents in the pool.");
                                }
                            }
                            shares.push((id, share));
                        }
                        (Some(_), Ok(0)) => {}
                        (Some(_), _) => errors.add("shares", "Each share is a whole percentage from 1 to 100."),
                        (None, _) => errors.add("shares", "Give shares only to agents from the list."),
                    }
                }
                let total: u32 = shares.iter().map(|(_, s)| s).sum();
                if shares.is_empty() {
                    if !errors.has("shares") {
                        errors.add("shares", "Give at least one agent a share.");
                    }
                } else if total != 100 && !errors.has("shares") {
                    errors.add(
                        "shares",
                        format!("The shares add up to {total}%; they must add up to 100%."),
                    );
                }
                Strategy::Weighted(shares)
            }
            _ => {
                errors.add("strategy", "Choose how the rule picks an agent.");
                Strategy::RoundRobin
            }
        };
        let daily_cap = match self.daily_cap.trim() {
            "" => None,
            raw => match raw.parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "daily_cap",
                        "The cap is a whole number of leads per agent per day, 1 to 1000, or empty for none.",
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rule {
            id: 0,
            name: name.to_string(),
            priority,
            conditions: Conditions {
                sources,
                products,
                states,
                min_score: min_score.map(|s| s as u8),
                max_score: max_score.map(|s| s as u8),
                tags,
            },
            pool,
            strategy,
            daily_cap,
            ignore_hours: self.ignore_hours,
        })
    }

    /// Checks the sample lead. A ZIP gives the state and the location (for closest-agent rules).
    pub fn parse_sample(&self) -> Result<LeadToRoute, FieldErrors> {
        let s = &self.sample;
        let mut errors = FieldErrors::new();
        let product = s.product.parse::<ProductLine>().unwrap_or_else(|_| {
            errors.add("sample_product", "Choose the sample lead's product.");
            ProductLine::Other
        });
        let (mut state, mut lat, mut lon) = (None, None, None);
        if !s.zip.trim().is_empty() {
            match crate::geo::lookup(&s.zip) {
                Some(z) => {
                    state = Some(z.state.to_string());
                    lat = Some(z.lat);
                    lon = Some(z.lon);
                }
                None => errors.add(
                    "sample_zip",
                    "That ZIP is not one we know; try another or give the state.",
                ),
            }
        }
        if state.is_none() && !s.state.trim().is_empty() {
            if s.state.trim().len() == 2 && state_name(&s.state).is_some() {
                state = Some(s.state.trim().to_ascii_uppercase());
            } else {
                errors.add("sample_state", "Use a two-letter state code like FL.");
            }
        }
        let score = match s.score.trim() {
            "" => 50,
            raw => match raw.parse::<u8>() {
                Ok(n) if n <= 100 => n,
                _ => {
                    errors.add("sample_score", "A score is from 0 to 100.");
                    0
                }
            },
        };
        let language = match s.language.trim() {
            "" => None,
            code if language_name(code).is_some() => Some(code.to_ascii_lowercase()),
            _ => {
                errors.add("sample_language", "Choose a language from the list.");
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let source = s.source.trim();
        Ok(LeadToRoute {
            lead_id: 0,
            product,
            state,
            source: if source.is_empty() {
                "web".into()
            } else {
                source.to_string()
            },
            score,
            tags: split_list(&s.tags),
            language,
            lat,
            lon,
            callable: s.callable,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn form(list: &[(&str, &str)]) -> RuleForm {
        RuleForm::from_pairs(&pairs(list))
    }

    #[test]
    fn a_full_rule_parses_and_round_trips_through_the_form() {
        let f = form(&[
            ("name", " Medicare in Florida "),
            ("priority", "10"),
            ("sources", "web, Facebook, web"),
            ("products", "medicare_advantage"),
            ("products", "medicare_supplement"),
            ("states", "fl, GA"),
            ("min_score", "40"),
            ("max_score", "100"),
            ("tags", "t65"),
            ("pool", "agents"),
            ("agents", "3"),
            ("agents", "4"),
            ("strategy", "weighted"),
            ("share_3", "70"),
            ("share_4", "30"),
            ("daily_cap", "12"),
            ("ignore_hours", "on"),
        ]);
        let rule = f.parse(&[3, 4, 5], &[]).unwrap();
        assert_eq!(rule.name, "Medicare in Florida");
        assert_eq!(rule.priority, 10);
        assert_eq!(rule.conditions.sources, vec!["web", "Facebook"], "duplicates dropped");
        assert_eq!(rule.conditions.states, vec!["FL", "GA"]);
        assert_eq!(
            rule.conditions.products,
            vec![ProductLine::MedicareAdvantage, ProductLine::MedicareSupplement]
        );
        assert_eq!(
            (rule.conditions.min_score, rule.conditions.max_score),
            (Some(40), Some(100))
        );
        assert_eq!(rule.pool, Pool::Agents(vec![3, 4]));
        assert_eq!(rule.strategy, Strategy::Weighted(vec![(3, 70), (4, 30)]));
        assert_eq!(rule.daily_cap, Some(12));
        assert!(rule.ignore_hours);
        let again = RuleForm::from_rule(&rule).parse(&[3, 4, 5], &[]).unwrap();
        assert_eq!(again, rule);
    }

    #[test]
    fn shown_parts_follow_the_strategy_and_the_pool() {
        let f = form(&[("pool", "team"), ("strategy", "weighted")]);
        assert!(f.shows("strategy=weighted") && f.shows("pool=team"));
        assert!(f.shows("pool=agents strategy=weighted"), "any one condition");
        assert!(!f.shows("strategy=best_performer") && !f.shows("pool=agents"));
        assert!(f.shows("strategy=least_busy|weighted"));
        assert!(!f.shows("bogus") && !f.shows("colour=weighted"));
    }

    #[test]
    fn sources_must_be_ones_leads_arrive_with() {
        let f = form(&[
            ("sources", "web form"),
            ("sources", "Facebook"),
            ("sources", "carrier pigeon"),
        ]);
        let known = ["web form".to_string(), "facebook".to_string()];
        let message = f.unknown_sources(&known).unwrap();
        assert!(
            message.contains("carrier pigeon") && !message.contains("Facebook"),
            "{message}"
        );
        assert_eq!(form(&[("sources", "FACEBOOK")]).unknown_sources(&known), None);
        assert!(f.has_source("facebook") && !f.has_source("api"));
    }

    #[test]
    fn an_empty_form_names_what_is_missing() {
        let e = form(&[("priority", "")]).parse(&[], &[]).unwrap_err();
        assert!(e.has("name") && e.has("priority"));
    }

    #[test]
    fn shares_must_add_up_to_100_and_belong_to_pool_agents() {
        let base = [("name", "W"), ("priority", "1"), ("strategy", "weighted")];
        let mut f = form(&base);
        f.shares = vec![("3".into(), "60".into()), ("4".into(), "30".into())];
        let e = f.parse(&[3, 4], &[]).unwrap_err();
        assert!(e.get("shares").unwrap().contains("add up to 90%"));
        f.shares = vec![("9".into(), "100".into())];
        assert!(f.parse(&[3, 4], &[]).unwrap_err().has("shares"), "unknown agent");
        f.shares = vec![("3".into(), "abc".into())];
        assert!(f.parse(&[3, 4], &[]).unwrap_err().has("shares"));
        f.shares = Vec::new();
        assert!(f.parse(&[3, 4], &[]).unwrap_err().has("shares"), "nobody has a share");
        f.shares = vec![("3".into(), "100".into()), ("4".into(), "0".into())];
        assert_eq!(
            f.parse(&[3, 4], &[]).unwrap().strategy,
            Strategy::Weighted(vec![(3, 100)])
        );
        f.pool = "agents".into();
        f.agents = vec!["4".into()];
        assert!(f.parse(&[3, 4], &[]).unwrap_err().has("shares"), "3 is not in the pool");
    }

    #[test]
    fn bad_conditions_are_named_by_field() {
        let e = form(&[
            ("name", "X"),
            ("priority", "1"),
            ("states", "FL, Florida, ZZ"),
            ("min_score", "80"),
            ("max_score", "20"),
            ("products", "boats"),
            ("daily_cap", "0"),
        ])
        .parse(&[], &[])
        .unwrap_err();
        assert!(e.get("states").unwrap().contains("Florida") && e.get("states").unwrap().contains("ZZ"));
        assert!(e.has("max_score") && e.has("products") && e.has("daily_cap"));
        assert!(!e.has("name"));
        let e = form(&[("name", "X"), ("priority", "1"), ("min_score", "101")])
            .parse(&[], &[])
            .unwrap_err();
        assert!(e.has("min_score"));
    }

    #[test]
    fn pools_need_a_real_team_or_ticked_agents() {
        let e = form(&[("name", "X"), ("priority", "1"), ("pool", "team"), ("team_id", "9")])
            .parse(&[], &[1])
            .unwrap_err();
        assert!(e.has("team_id"));
        let ok = form(&[("name", "X"), ("priority", "1"), ("pool", "team"), ("team_id", "1")])
            .parse(&[], &[1])
            .unwrap();
        assert_eq!(ok.pool, Pool::Team(1));
        let e = form(&[("name", "X"), ("priority", "1"), ("pool", "agents")])
            .parse(&[1], &[])
            .unwrap_err();
        assert!(e.get("agents").unwrap().contains("at least one"));
        let e = form(&[("name", "X"), ("priority", "1"), ("pool", "martians")])
            .parse(&[1], &[])
            .unwrap_err();
        assert!(e.has("pool"));
    }

    #[test]
    fn best_performer_takes_its_floor_in_percent() {
        let rule = form(&[
            ("name", "B"),
            ("priority", "2"),
            ("strategy", "best_performer"),
            ("floor", "15"),
            ("min_closed", "8"),
        ])
        .parse(&[], &[])
        .unwrap();
        assert_eq!(
            rule.strategy,
            Strategy::BestPerformer {
                floor: 0.15,
                min_closed: 8
            }
        );
        let e = form(&[
            ("name", "B"),
            ("priority", "2"),
            ("strategy", "best_performer"),
            ("floor", "150"),
        ])
        .parse(&[], &[])
        .unwrap_err();
        assert!(e.has("floor") && e.has("min_closed"));
    }

    #[test]
    fn the_sample_lead_takes_state_and_place_from_its_zip() {
        let f = form(&[
            ("sample_product", "medicare_advantage"),
            ("sample_zip", "33101"),
            ("sample_score", "70"),
            ("sample_tags", "t65, vip"),
            ("sample_callable", "on"),
        ]);
        let lead = f.parse_sample().unwrap();
        assert_eq!(lead.state.as_deref(), Some("FL"));
        assert!(lead.lat.is_some() && lead.lon.is_some());
        assert_eq!(lead.score, 70);
        assert_eq!(lead.tags, vec!["t65", "vip"]);
        assert!(lead.callable);
        let no_consent = form(&[("sample_product", "life"), ("sample_state", "tx")])
            .parse_sample()
            .unwrap();
        assert!(!no_consent.callable, "an unticked box is sent as nothing");
        assert_eq!(no_consent.state.as_deref(), Some("TX"));
        let e = form(&[
            ("sample_product", "boats"),
            ("sample_zip", "00000"),
            ("sample_score", "300"),
            ("sample_language", "klingon"),
        ])
        .parse_sample()
        .unwrap_err();
        assert!(e.has("sample_product") && e.has("sample_zip") && e.has("sample_score") && e.has("sample_language"));
    }
}
