//! Whether one agent may take one lead: what routing knows about the agent and the lead, the
//! checks an automatic offer makes (and the smaller set for assigning by hand), and each
//! exclusion as a sentence for people.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::rule::same;
use super::{Conditions, Pool, Rule, Strategy};
use crate::agents::fields::WorkingHours;
use crate::agents::readiness::{may_sell, AgentFacts, PlanYearRule, Readiness};
use crate::domain::{language_name, ProductLine};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::fixtures::*;
    use chrono::TimeZone;

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
}
