//! Lead routing: **which agent gets this lead?**
//!
//! Routing runs in four steps, each a public function so that screens and tests can use them
//! on their own:
//!
//! 1. [`first_matching`] picks the rule for the lead: the matching [`Rule`] with the lowest
//!    priority number (ties by rule id). [`matches`](fn@matches) says whether a rule's [`Conditions`] fit.
//! 2. The rule's [`Pool`] says which agents may be considered at all.
//! 3. [`eligibility`] checks each agent in the pool: active, not a trainee, accepting leads, inside working
//!    hours (in the agent's own time zone), under capacity, speaking the lead's language,
//!    allowed to sell the product in the lead's state ([`may_sell`], the one place that rule
//!    lives), not already offered the lead, and the lead may be called at all.
//! 4. [`choose`] applies the rule's [`Strategy`] to the eligible agents and ranks them with a
//!    reason for each.
//!
//! Assigning by hand asks the same question through [`hand_eligibility`], without the checks
//! that belong to the moment of an automatic offer.
//!
//! [`route`] runs all four and returns an [`Explanation`] that a "why this agent / why not"
//! panel can show as is: every string in it is a sentence for a person.
//!
//! The module is pure: no I/O and no clock reads. The caller passes `now`, loads the
//! [`Candidate`]s and persists the [`RoutingState`] that round-robin and weighted routing
//! advance.

pub mod jobs;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::agents::fields::{language_name, WorkingHours};
use crate::agents::readiness::{may_sell, AgentFacts, PlanYearRule, ProductLine, Readiness};

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// What routing knows about one agent right now. The caller loads it; it is cheap to clone.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The agent's id.
    pub agent_id: i64,
    /// Display name, used in explanations.
    pub name: String,
    /// `false` when the agent has been deactivated.
    pub active: bool,
    /// `true` for a trainee: trainees take courses, not leads, until they are made agents.
    pub trainee: bool,
    /// `false` while the agent has paused new leads.
    pub accepting_leads: bool,
    /// The agent's time zone; working hours and "today" are evaluated in it.
    pub time_zone: Tz,
    /// Weekly working hours in the agent's time zone.
    pub hours: WorkingHours,
    /// Leads assigned to the agent today (all rules).
    pub leads_today: u32,
    /// Most leads the agent takes in a day; `leads_today >= leads_per_day` is full.
    pub leads_per_day: u32,
    /// Leads currently open (assigned and not closed).
    pub open_leads: u32,
    /// Most open leads the agent may hold; `open_leads >= max_open_leads` is full.
    pub max_open_leads: u32,
    /// Languages the agent speaks, as ISO codes (`"en"`, `"es"`, …).
    pub languages: Vec<String>,
    /// Licences, certifications and activity, for [`may_sell`].
    pub facts: AgentFacts,
    /// The agent's team, if any.
    pub team_id: Option<i64>,
    /// Latitude of where the agent works, for [`Strategy::Closest`].
    pub lat: Option<f64>,
    /// Longitude of where the agent works, for [`Strategy::Closest`].
    pub lon: Option<f64>,
    /// `(won, closed)` leads over the rule's window, for [`Strategy::BestPerformer`].
    pub conversion: Option<(u32, u32)>,
}

/// The lead being routed.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadToRoute {
    /// The lead's id.
    pub lead_id: i64,
    /// What the lead wants to buy.
    pub product: ProductLine,
    /// Two-letter state code, if known. Without it no agent can be checked for a licence.
    pub state: Option<String>,
    /// Where the lead came from (e.g. `"web"`, `"facebook"`).
    pub source: String,
    /// Lead score, 0–100.
    pub score: u8,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Preferred language as an ISO code; `None` or `"en"` needs no particular language.
    pub language: Option<String>,
    /// Latitude of the lead, for [`Strategy::Closest`].
    pub lat: Option<f64>,
    /// Longitude of the lead, for [`Strategy::Closest`].
    pub lon: Option<f64>,
    /// `true` when the lead consented to calls and is not on a do-not-call list.
    pub callable: bool,
}

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

/// How a rule chooses among the eligible agents. See [`choose`].
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

// ---------------------------------------------------------------------------------------------
// Exclusions
// ---------------------------------------------------------------------------------------------

/// Why an agent cannot take the lead, in the order [`eligibility`] checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// The agent is inactive.
    Inactive,
    /// The agent is a trainee.
    Trainee,
    /// The agent has paused new leads.
    NotAccepting,
    /// Outside the agent's working hours, at this local time.
    OutsideHours {
        /// Weekday in the agent's time zone.
        weekday: Weekday,
        /// Minute of the day in the agent's time zone.
        minute: u16,
        /// The agent's time zone.
        time_zone: Tz,
    },
    /// `leads_today >= leads_per_day`.
    DailyCapacity,
    /// `open_leads >= max_open_leads`.
    OpenCapacity,
    /// The rule's per-agent daily cap is reached.
    RuleCap,
    /// The agent does not speak the lead's language (the code).
    Language(String),
    /// [`may_sell`] said no; its reasons, verbatim.
    NotReady(Vec<String>),
    /// The lead was already offered to this agent.
    AlreadyOffered,
    /// The agent is not in the rule's pool.
    NotInPool,
    /// The lead has no consent for calls or is on a do-not-call list.
    NoConsentForCalling,
}

impl Exclusion {
    /// A sentence for people, e.g. `"Outside working hours (Mon 18:40 in America/Chicago)."`.
    pub fn reason(&self) -> String {
        match self {
            Exclusion::Inactive => "The agent is inactive.".to_owned(),
            Exclusion::Trainee => "The agent is a trainee: trainees take courses, not leads.".to_owned(),
            Exclusion::NotAccepting => "The agent is not accepting new leads right now.".to_owned(),
            Exclusion::OutsideHours {
                weekday,
                minute,
                time_zone,
            } => format!(
                "Outside working hours ({weekday} {:02}:{:02} in {}).",
                minute / 60,
                minute % 60,
                time_zone.name()
            ),
            Exclusion::DailyCapacity => "The agent has reached their daily lead limit.".to_owned(),
            Exclusion::OpenCapacity => "The agent has reached their limit of open leads.".to_owned(),
            Exclusion::RuleCap => "The agent has reached this rule's daily cap.".to_owned(),
            Exclusion::Language(code) => {
                format!(
                    "The agent does not speak {}, the lead's language.",
                    language_label(code)
                )
            }
            Exclusion::NotReady(reasons) => {
                if reasons.is_empty() {
                    "The agent may not sell this product here.".to_owned()
                } else {
                    reasons.join(" ")
                }
            }
            Exclusion::AlreadyOffered => "This lead was already offered to the agent.".to_owned(),
            Exclusion::NotInPool => "The agent is not in this rule's pool.".to_owned(),
            Exclusion::NoConsentForCalling => {
                "The lead has not consented to calls or is on a do-not-call list, so it is not offered for calling."
                    .to_owned()
            }
        }
    }

    /// A short phrase that follows a count in the unassigned summary ("7 outside working hours").
    pub fn summary(&self) -> String {
        match self {
            Exclusion::Inactive => "inactive".to_owned(),
            Exclusion::Trainee => "trainees".to_owned(),
            Exclusion::NotAccepting => "not accepting leads".to_owned(),
            Exclusion::OutsideHours { .. } => "outside working hours".to_owned(),
            Exclusion::DailyCapacity => "at their daily lead limit".to_owned(),
            Exclusion::OpenCapacity => "at their open-lead limit".to_owned(),
            Exclusion::RuleCap => "at this rule's daily cap".to_owned(),
            Exclusion::Language(code) => format!("not speaking {}", language_label(code)),
            Exclusion::NotReady(reasons) => not_ready_summary(reasons),
            Exclusion::AlreadyOffered => "already offered this lead".to_owned(),
            Exclusion::NotInPool => "not in this rule's pool".to_owned(),
            Exclusion::NoConsentForCalling => "blocked because the lead may not be called".to_owned(),
        }
    }
}

impl Exclusion {
    /// A short phrase for one agent in an assignment menu ("not licensed in TX", "trainee",
    /// "paused new leads").
    pub fn why_not(&self) -> String {
        match self {
            Exclusion::Trainee => "trainee".to_owned(),
            Exclusion::NotAccepting => "paused new leads".to_owned(),
            Exclusion::NoConsentForCalling => "the lead may not be called".to_owned(),
            other => other.summary(),
        }
    }
}

/// `"Spanish"` for `"es"`; the code itself when unknown.
fn language_label(code: &str) -> String {
    language_name(code).map_or_else(|| code.trim().to_owned(), str::to_owned)
}

/// Groups [`may_sell`]'s reasons by their first (most basic) one.
fn not_ready_summary(reasons: &[String]) -> String {
    let Some(first) = reasons.first() else {
        return "not ready to sell".to_owned();
    };
    if let Some(rest) = first.strip_prefix("No valid licence in ") {
        if let Some(state) = rest.split_whitespace().next() {
            return format!("not licensed in {}", state.trim_end_matches('.'));
        }
    }
    if first.contains("no state") {
        "not checkable because the lead has no state".to_owned()
    } else if first.contains("AHIP") {
        "without a valid AHIP certification".to_owned()
    } else if first.contains("deactivated") {
        "deactivated".to_owned()
    } else {
        "not ready to sell".to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Rule matching
// ---------------------------------------------------------------------------------------------

fn same(a: &str, b: &str) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Eligibility
// ---------------------------------------------------------------------------------------------

/// Whether the agent may be offered the lead under `rule` at `now`; the first failing check,
/// in the order of [`Exclusion`]'s variants.
///
/// * Working hours use the weekday and minute of `now` in the agent's time zone, and are
///   skipped when `rule.ignore_hours`.
/// * `rule_counts_today` is how many leads this rule gave the agent today.
/// * The language check applies when the lead has a language other than English.
/// * Readiness is [`may_sell`] on today's date in the agent's time zone; a lead without a state
///   is not ready (with may_sell's own reason).
pub fn eligibility(
    c: &Candidate,
    lead: &LeadToRoute,
    rule: &Rule,
    now: DateTime<Utc>,
    rule_counts_today: u32,
    already_offered: &[i64],
    plan_rule: &PlanYearRule,
) -> Result<(), Exclusion> {
    if !c.active {
        return Err(Exclusion::Inactive);
    }
    if c.trainee {
        return Err(Exclusion::Trainee);
    }
    if !c.accepting_leads {
        return Err(Exclusion::NotAccepting);
    }
    let local = now.with_timezone(&c.time_zone);
    if !rule.ignore_hours {
        let weekday = local.weekday();
        let minute = (local.hour() * 60 + local.minute()) as u16;
        if !c.hours.is_open(weekday.num_days_from_monday() as usize, minute) {
            return Err(Exclusion::OutsideHours {
                weekday,
                minute,
                time_zone: c.time_zone,
            });
        }
    }
    if c.leads_today >= c.leads_per_day {
        return Err(Exclusion::DailyCapacity);
    }
    if c.open_leads >= c.max_open_leads {
        return Err(Exclusion::OpenCapacity);
    }
    if rule.daily_cap.is_some_and(|cap| rule_counts_today >= cap) {
        return Err(Exclusion::RuleCap);
    }
    if let Some(language) = lead.language.as_deref().map(str::trim) {
        if !language.is_empty() && !same(language, "en") && !c.languages.iter().any(|l| same(l, language)) {
            return Err(Exclusion::Language(language.to_owned()));
        }
    }
    let state = lead.state.as_deref().unwrap_or("");
    if let Readiness::NotReady(reasons) = may_sell(&c.facts, lead.product, state, local.date_naive(), plan_rule) {
        return Err(Exclusion::NotReady(reasons));
    }
    if already_offered.contains(&c.agent_id) {
        return Err(Exclusion::AlreadyOffered);
    }
    if !rule.pool.contains(c) {
        return Err(Exclusion::NotInPool);
    }
    if !lead.callable {
        return Err(Exclusion::NoConsentForCalling);
    }
    Ok(())
}

/// Whether the agent may be given the lead by hand (the lead page's menu, bulk assignment):
/// [`eligibility`] itself, on what describes the agent and the lead — active, not a trainee,
/// accepting leads, allowed to sell the product in the lead's state, the lead may be called —
/// without what only an automatic offer weighs (working hours, today's load and limits, a
/// rule's pool and cap, earlier offers), which a person assigning by hand judges for themselves.
pub fn hand_eligibility(
    c: &Candidate,
    lead: &LeadToRoute,
    now: DateTime<Utc>,
    plan_rule: &PlanYearRule,
) -> Result<(), Exclusion> {
    let by_hand = Rule {
        id: 0,
        name: String::new(),
        priority: 0,
        conditions: Conditions::default(),
        pool: Pool::Everyone,
        strategy: Strategy::LeastBusy,
        daily_cap: None,
        ignore_hours: true,
    };
    let unlimited = Candidate {
        leads_today: 0,
        leads_per_day: u32::MAX,
        open_leads: 0,
        max_open_leads: u32::MAX,
        ..c.clone()
    };
    eligibility(&unlimited, lead, &by_hand, now, 0, &[], plan_rule)
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Serde helpers
// ---------------------------------------------------------------------------------------------

/// Product lines as their stable keys ([`ProductLine::as_str`]).
mod product_keys {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::agents::readiness::ProductLine;

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

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::readiness::{CertificationFacts, LicenceFacts, LineOfAuthority};
    use chrono::{NaiveDate, TimeZone};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .expect("valid test time")
    }

    /// Monday 2026-11-02, 12:00 UTC.
    fn monday_noon() -> DateTime<Utc> {
        at(2026, 11, 2, 12, 0)
    }

    fn licence(state: &str, resident: bool, issued: NaiveDate, expires: NaiveDate) -> LicenceFacts {
        LicenceFacts {
            state: state.to_owned(),
            resident,
            lines: vec![LineOfAuthority::Health, LineOfAuthority::Life],
            issued_on: issued,
            expires_on: expires,
        }
    }

    /// Resident FL and non-resident TX health+life licences for 2025–2027, AHIP for plan year 2027.
    fn valid_facts() -> AgentFacts {
        AgentFacts {
            active: true,
            licences: vec![
                licence("FL", true, d(2025, 1, 1), d(2027, 12, 31)),
                licence("TX", false, d(2025, 1, 1), d(2027, 12, 31)),
            ],
            certifications: vec![CertificationFacts {
                kind: "AHIP".to_owned(),
                plan_year: 2027,
                earned_on: d(2026, 6, 1),
                expires_on: d(2027, 12, 31),
            }],
        }
    }

    fn agent(id: i64, name: &str) -> Candidate {
        Candidate {
            agent_id: id,
            name: name.to_owned(),
            active: true,
            trainee: false,
            accepting_leads: true,
            time_zone: chrono_tz::UTC,
            hours: WorkingHours::weekdays_9_to_5(),
            leads_today: 0,
            leads_per_day: 10,
            open_leads: 0,
            max_open_leads: 20,
            languages: vec!["en".to_owned()],
            facts: valid_facts(),
            team_id: None,
            lat: None,
            lon: None,
            conversion: None,
        }
    }

    fn lead() -> LeadToRoute {
        LeadToRoute {
            lead_id: 1,
            product: ProductLine::MedicareAdvantage,
            state: Some("FL".to_owned()),
            source: "web".to_owned(),
            score: 50,
            tags: vec![],
            language: None,
            lat: None,
            lon: None,
            callable: true,
        }
    }

    fn rule(id: i64, priority: i32, strategy: Strategy) -> Rule {
        Rule {
            id,
            name: format!("Rule {id}"),
            priority,
            conditions: Conditions::default(),
            pool: Pool::Everyone,
            strategy,
            daily_cap: None,
            ignore_hours: false,
        }
    }

    fn rr() -> Rule {
        rule(1, 10, Strategy::RoundRobin)
    }

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

    fn check_at(c: &Candidate, l: &LeadToRoute, r: &Rule, now: DateTime<Utc>) -> Result<(), Exclusion> {
        eligibility(c, l, r, now, 0, &[], &PlanYearRule::default())
    }

    fn check(c: &Candidate) -> Result<(), Exclusion> {
        check_at(c, &lead(), &rr(), monday_noon())
    }

    fn outside(weekday: Weekday, minute: u16, time_zone: Tz) -> Result<(), Exclusion> {
        Err(Exclusion::OutsideHours {
            weekday,
            minute,
            time_zone,
        })
    }

    // --- eligibility: activity ---------------------------------------------------------------

    #[test]
    fn all_checks_pass_eligible() {
        assert_eq!(check(&agent(1, "Ana")), Ok(()));
    }

    #[test]
    fn inactive_agent_excluded() {
        let mut c = agent(1, "Ana");
        c.active = false;
        assert_eq!(check(&c), Err(Exclusion::Inactive));
        assert_eq!(Exclusion::Inactive.reason(), "The agent is inactive.");
    }

    #[test]
    fn trainee_excluded_even_when_licensed() {
        let mut c = agent(1, "Ana");
        c.trainee = true;
        assert_eq!(check(&c), Err(Exclusion::Trainee));
        assert_eq!(Exclusion::Trainee.summary(), "trainees");
    }

    #[test]
    fn by_hand_skips_hours_and_load_but_not_licence_pause_or_consent() {
        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap();
        let mut c = agent(1, "Ana");
        c.leads_today = 50;
        c.open_leads = 50;
        let plan = PlanYearRule::default();
        assert_eq!(hand_eligibility(&c, &lead(), sunday, &plan), Ok(()));
        c.accepting_leads = false;
        assert_eq!(
            hand_eligibility(&c, &lead(), sunday, &plan),
            Err(Exclusion::NotAccepting)
        );
        c.accepting_leads = true;
        // The test agent is licensed in FL and TX, not in CA.
        let mut california = lead();
        california.state = Some("CA".into());
        let r = hand_eligibility(&c, &california, sunday, &plan);
        assert!(matches!(r, Err(Exclusion::NotReady(_))), "{r:?}");
        let mut uncallable = lead();
        uncallable.callable = false;
        assert_eq!(
            hand_eligibility(&c, &uncallable, sunday, &plan),
            Err(Exclusion::NoConsentForCalling)
        );
    }

    #[test]
    fn not_accepting_agent_excluded() {
        let mut c = agent(1, "Ana");
        c.accepting_leads = false;
        assert_eq!(check(&c), Err(Exclusion::NotAccepting));
    }

    #[test]
    fn several_failures_first_in_enum_order_reported() {
        let mut c = agent(1, "Ana");
        c.accepting_leads = false;
        c.leads_today = 99;
        c.languages.clear();
        c.facts.licences.clear();
        let mut l = lead();
        l.callable = false;
        l.language = Some("es".to_owned());
        let sunday = at(2026, 11, 8, 12, 0);
        assert_eq!(check_at(&c, &l, &rr(), sunday), Err(Exclusion::NotAccepting));
        c.accepting_leads = true;
        assert_eq!(
            check_at(&c, &l, &rr(), sunday),
            outside(Weekday::Sun, 720, chrono_tz::UTC)
        );
        assert_eq!(check_at(&c, &l, &rr(), monday_noon()), Err(Exclusion::DailyCapacity));
        c.leads_today = 0;
        assert_eq!(
            check_at(&c, &l, &rr(), monday_noon()),
            Err(Exclusion::Language("es".to_owned()))
        );
        c.languages.push("es".to_owned());
        assert!(matches!(
            check_at(&c, &l, &rr(), monday_noon()),
            Err(Exclusion::NotReady(_))
        ));
        c.facts = valid_facts();
        assert_eq!(
            check_at(&c, &l, &rr(), monday_noon()),
            Err(Exclusion::NoConsentForCalling)
        );
    }

    // --- eligibility: working hours ----------------------------------------------------------

    #[test]
    fn hours_exactly_at_opening_minute_eligible() {
        assert_eq!(
            check_at(&agent(1, "Ana"), &lead(), &rr(), at(2026, 11, 2, 9, 0)),
            Ok(())
        );
    }

    #[test]
    fn hours_one_minute_before_opening_excluded() {
        let r = check_at(&agent(1, "Ana"), &lead(), &rr(), at(2026, 11, 2, 8, 59));
        assert_eq!(r, outside(Weekday::Mon, 539, chrono_tz::UTC));
    }

    #[test]
    fn hours_exactly_at_closing_minute_excluded() {
        let r = check_at(&agent(1, "Ana"), &lead(), &rr(), at(2026, 11, 2, 17, 0));
        assert_eq!(r, outside(Weekday::Mon, 1020, chrono_tz::UTC));
        assert_eq!(r.unwrap_err().reason(), "Outside working hours (Mon 17:00 in UTC).");
    }

    #[test]
    fn hours_last_minute_before_closing_eligible() {
        assert_eq!(
            check_at(&agent(1, "Ana"), &lead(), &rr(), at(2026, 11, 2, 16, 59)),
            Ok(())
        );
    }

    #[test]
    fn hours_day_off_excluded() {
        let saturday_noon = at(2026, 11, 7, 12, 0);
        let r = check_at(&agent(1, "Ana"), &lead(), &rr(), saturday_noon);
        assert_eq!(r, outside(Weekday::Sat, 720, chrono_tz::UTC));
    }

    #[test]
    fn hours_other_time_zone_closed_when_utc_open_excluded() {
        // Monday 10:00 UTC is 04:00 in Chicago (CST after 2026-11-01).
        let now = at(2026, 11, 2, 10, 0);
        let mut c = agent(1, "Ana");
        assert_eq!(check_at(&c, &lead(), &rr(), now), Ok(()));
        c.time_zone = chrono_tz::America::Chicago;
        let r = check_at(&c, &lead(), &rr(), now);
        assert_eq!(r, outside(Weekday::Mon, 240, chrono_tz::America::Chicago));
        assert_eq!(
            r.unwrap_err().reason(),
            "Outside working hours (Mon 04:00 in America/Chicago)."
        );
    }

    #[test]
    fn hours_other_time_zone_open_when_utc_closed_eligible() {
        // Monday 22:00 UTC is 16:00 in Chicago.
        let now = at(2026, 11, 2, 22, 0);
        let mut c = agent(1, "Ana");
        assert!(check_at(&c, &lead(), &rr(), now).is_err());
        c.time_zone = chrono_tz::America::Chicago;
        assert_eq!(check_at(&c, &lead(), &rr(), now), Ok(()));
    }

    #[test]
    fn hours_weekday_taken_in_agent_zone_excluded() {
        // Tuesday 03:40 UTC is still Monday 21:40 in Chicago.
        let mut c = agent(1, "Ana");
        c.time_zone = chrono_tz::America::Chicago;
        let r = check_at(&c, &lead(), &rr(), at(2026, 11, 3, 3, 40));
        assert_eq!(
            r.unwrap_err().reason(),
            "Outside working hours (Mon 21:40 in America/Chicago)."
        );
    }

    #[test]
    fn hours_ignored_by_rule_eligible() {
        let mut r = rr();
        r.ignore_hours = true;
        let sunday_night = at(2026, 11, 8, 23, 30);
        assert_eq!(check_at(&agent(1, "Ana"), &lead(), &r, sunday_night), Ok(()));
    }

    // --- eligibility: capacity ---------------------------------------------------------------

    #[test]
    fn daily_capacity_at_cap_excluded() {
        let mut c = agent(1, "Ana");
        c.leads_today = 10;
        assert_eq!(check(&c), Err(Exclusion::DailyCapacity));
    }

    #[test]
    fn daily_capacity_one_below_cap_eligible() {
        let mut c = agent(1, "Ana");
        c.leads_today = 9;
        assert_eq!(check(&c), Ok(()));
    }

    #[test]
    fn open_capacity_at_cap_excluded() {
        let mut c = agent(1, "Ana");
        c.open_leads = 20;
        assert_eq!(check(&c), Err(Exclusion::OpenCapacity));
    }

    #[test]
    fn open_capacity_one_below_cap_eligible() {
        let mut c = agent(1, "Ana");
        c.open_leads = 19;
        assert_eq!(check(&c), Ok(()));
    }

    #[test]
    fn rule_cap_at_cap_excluded() {
        let mut r = rr();
        r.daily_cap = Some(3);
        let res = eligibility(
            &agent(1, "Ana"),
            &lead(),
            &r,
            monday_noon(),
            3,
            &[],
            &PlanYearRule::default(),
        );
        assert_eq!(res, Err(Exclusion::RuleCap));
    }

    #[test]
    fn rule_cap_one_below_cap_eligible() {
        let mut r = rr();
        r.daily_cap = Some(3);
        let res = eligibility(
            &agent(1, "Ana"),
            &lead(),
            &r,
            monday_noon(),
            2,
            &[],
            &PlanYearRule::default(),
        );
        assert_eq!(res, Ok(()));
    }

    #[test]
    fn rule_without_cap_any_count_eligible() {
        let res = eligibility(
            &agent(1, "Ana"),
            &lead(),
            &rr(),
            monday_noon(),
            500,
            &[],
            &PlanYearRule::default(),
        );
        assert_eq!(res, Ok(()));
    }

    // --- eligibility: language ---------------------------------------------------------------

    #[test]
    fn language_needed_not_spoken_excluded() {
        let mut l = lead();
        l.language = Some("es".to_owned());
        let r = check_at(&agent(1, "Ana"), &l, &rr(), monday_noon());
        assert_eq!(r, Err(Exclusion::Language("es".to_owned())));
        assert_eq!(
            r.unwrap_err().reason(),
            "The agent does not speak Spanish, the lead's language."
        );
    }

    #[test]
    fn language_needed_and_spoken_eligible() {
        let mut l = lead();
        l.language = Some("es".to_owned());
        let mut c = agent(1, "Ana");
        c.languages = vec!["en".to_owned(), "ES".to_owned()];
        assert_eq!(check_at(&c, &l, &rr(), monday_noon()), Ok(()));
    }

    #[test]
    fn language_english_not_required_eligible() {
        let mut l = lead();
        l.language = Some("EN".to_owned());
        let mut c = agent(1, "Ana");
        c.languages = vec!["es".to_owned()];
        assert_eq!(check_at(&c, &l, &rr(), monday_noon()), Ok(()));
    }

    #[test]
    fn language_not_given_eligible() {
        let mut c = agent(1, "Ana");
        c.languages.clear();
        assert_eq!(check(&c), Ok(()));
    }

    // --- eligibility: readiness --------------------------------------------------------------

    #[test]
    fn expired_licence_not_ready_with_may_sell_reasons() {
        let mut c = agent(1, "Ana");
        c.facts.licences = vec![licence("FL", true, d(2024, 1, 1), d(2026, 10, 31))];
        let r = check(&c);
        assert_eq!(
            r,
            Err(Exclusion::NotReady(vec![
                "No valid licence in FL with health or accident & health authority on 2026-11-02.".to_owned(),
                "The FL licence expired on 2026-10-31.".to_owned(),
            ]))
        );
        assert_eq!(
            r.unwrap_err().reason(),
            "No valid licence in FL with health or accident & health authority on 2026-11-02. \
             The FL licence expired on 2026-10-31."
        );
    }

    #[test]
    fn missing_ahip_for_medicare_not_ready() {
        let mut c = agent(1, "Ana");
        c.facts.certifications.clear();
        assert_eq!(
            check(&c),
            Err(Exclusion::NotReady(vec![
                "No AHIP certification for plan year 2027.".to_owned()
            ]))
        );
    }

    #[test]
    fn readiness_uses_agent_local_date_eligible() {
        // Licence valid through 2026-11-01; at 03:00 UTC on 11-02 it is still 11-01 in Chicago.
        let mut c = agent(1, "Ana");
        c.facts.licences = vec![licence("FL", true, d(2024, 1, 1), d(2026, 11, 1))];
        let mut r = rr();
        r.ignore_hours = true;
        let now = at(2026, 11, 2, 3, 0);
        assert!(matches!(check_at(&c, &lead(), &r, now), Err(Exclusion::NotReady(_))));
        c.time_zone = chrono_tz::America::Chicago;
        assert_eq!(check_at(&c, &lead(), &r, now), Ok(()));
    }

    #[test]
    fn lead_without_state_not_ready() {
        let mut l = lead();
        l.state = None;
        l.product = ProductLine::Life;
        let r = check_at(&agent(1, "Ana"), &l, &rr(), monday_noon());
        assert_eq!(
            r,
            Err(Exclusion::NotReady(vec![
                "The lead has no state, so no licence can be checked.".to_owned()
            ]))
        );
    }

    #[test]
    fn lead_in_other_licensed_state_eligible() {
        let mut l = lead();
        l.state = Some("tx".to_owned());
        assert_eq!(check_at(&agent(1, "Ana"), &l, &rr(), monday_noon()), Ok(()));
    }

    // --- eligibility: offer, pool, consent ---------------------------------------------------

    #[test]
    fn already_offered_agent_excluded() {
        let res = eligibility(
            &agent(7, "Ana"),
            &lead(),
            &rr(),
            monday_noon(),
            0,
            &[3, 7],
            &PlanYearRule::default(),
        );
        assert_eq!(res, Err(Exclusion::AlreadyOffered));
    }

    #[test]
    fn team_pool_member_eligible_others_excluded() {
        let mut r = rr();
        r.pool = Pool::Team(5);
        let mut c = agent(1, "Ana");
        c.team_id = Some(5);
        assert_eq!(check_at(&c, &lead(), &r, monday_noon()), Ok(()));
        c.team_id = Some(6);
        assert_eq!(check_at(&c, &lead(), &r, monday_noon()), Err(Exclusion::NotInPool));
        c.team_id = None;
        assert_eq!(check_at(&c, &lead(), &r, monday_noon()), Err(Exclusion::NotInPool));
    }

    #[test]
    fn named_agents_pool_member_eligible_others_excluded() {
        let mut r = rr();
        r.pool = Pool::Agents(vec![1, 3]);
        assert_eq!(check_at(&agent(3, "Cara"), &lead(), &r, monday_noon()), Ok(()));
        assert_eq!(
            check_at(&agent(2, "Ben"), &lead(), &r, monday_noon()),
            Err(Exclusion::NotInPool)
        );
    }

    #[test]
    fn not_callable_lead_excluded() {
        let mut l = lead();
        l.callable = false;
        let r = check_at(&agent(1, "Ana"), &l, &rr(), monday_noon());
        assert_eq!(r, Err(Exclusion::NoConsentForCalling));
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

    // --- serde -------------------------------------------------------------------------------

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
