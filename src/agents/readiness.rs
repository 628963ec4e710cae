//! Agent readiness: **may agent A sell product line P in state S on date D?**
//!
//! This module is the single place that rule lives. Routing, lead assignment and
//! the "why this agent / why not" panels all call [`may_sell`] and show the
//! reasons it returns verbatim, so every reason is a full sentence for a person.
//!
//! The rule, in short (see [`may_sell`] for the details):
//!
//! 1. the agent is active;
//! 2. the agent holds a *counting* licence in the lead's state carrying the line(s)
//!    of authority the product needs (see [`required_authority`]);
//! 3. for Medicare products, the agent holds an AHIP certification for the plan
//!    year the date falls in (see [`plan_year`]).
//!
//! Every failing condition is reported, not only the first one.
//!
//! The module is pure: no I/O, no clock reads. The caller passes the date.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::domain::ProductLine;

// ---------------------------------------------------------------------------
// Lines of authority
// ---------------------------------------------------------------------------

/// A line of authority printed on a state insurance licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineOfAuthority {
    /// Health.
    Health,
    /// Life.
    Life,
    /// Accident & health (sickness). Counts the same as health for selling.
    AccidentHealth,
    /// Property.
    Property,
    /// Casualty.
    Casualty,
}

impl LineOfAuthority {
    /// Every line of authority, in display order.
    pub const ALL: [Self; 5] = [
        Self::Health,
        Self::Life,
        Self::AccidentHealth,
        Self::Property,
        Self::Casualty,
    ];

    /// Stable snake_case key (e.g. `"accident_health"`). [`FromStr`] accepts
    /// exactly these keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Life => "life",
            Self::AccidentHealth => "accident_health",
            Self::Property => "property",
            Self::Casualty => "casualty",
        }
    }

    /// Human-readable name for screens (e.g. `"Accident & health"`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Health => "Health",
            Self::Life => "Life",
            Self::AccidentHealth => "Accident & health",
            Self::Property => "Property",
            Self::Casualty => "Casualty",
        }
    }
}

impl FromStr for LineOfAuthority {
    type Err = String;

    /// Parses a key as produced by [`LineOfAuthority::as_str`], ignoring case
    /// and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                format!(
                    "Unknown line of authority {s:?}; expected one of: {}.",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// What a product needs from the licences held in the lead's state.
/// Returned by [`required_authority`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequiredAuthority {
    /// At least one counting licence in the state carries one of these lines.
    AnyOf(&'static [LineOfAuthority]),
    /// Each of these lines is carried by some counting licence in the state
    /// (the same licence or different ones).
    AllOf(&'static [LineOfAuthority]),
    /// Any counting licence in the state, whatever its lines.
    AnyLicence,
}

impl RequiredAuthority {
    /// The lines this requirement is about (empty for [`Self::AnyLicence`]).
    fn lines(self) -> &'static [LineOfAuthority] {
        match self {
            Self::AnyOf(lines) | Self::AllOf(lines) => lines,
            Self::AnyLicence => &[],
        }
    }
}

/// The line(s) of authority a licence in the lead's state must carry to sell `product`:
///
/// * Medicare Advantage, Medicare Supplement, Part D, ACA health, Dental &
///   vision: health **or** accident & health;
/// * Life, Final expense: life;
/// * Auto, Home, Commercial: property **and** casualty (on one licence or
///   on two counting licences in the same state);
/// * Other: any counting licence in the state, whatever its lines.
pub fn required_authority(product: ProductLine) -> RequiredAuthority {
    match product {
        ProductLine::MedicareAdvantage
        | ProductLine::MedicareSupplement
        | ProductLine::PartD
        | ProductLine::AcaHealth
        | ProductLine::DentalVision => {
            RequiredAuthority::AnyOf(&[LineOfAuthority::Health, LineOfAuthority::AccidentHealth])
        }
        ProductLine::Life | ProductLine::FinalExpense => RequiredAuthority::AnyOf(&[LineOfAuthority::Life]),
        ProductLine::Auto | ProductLine::Home | ProductLine::Commercial => {
            RequiredAuthority::AllOf(&[LineOfAuthority::Property, LineOfAuthority::Casualty])
        }
        ProductLine::Other => RequiredAuthority::AnyLicence,
    }
}

// ---------------------------------------------------------------------------
// Facts about the agent
// ---------------------------------------------------------------------------

/// One state licence held by the agent.
///
/// A licence *counts* on a date `D` only when `issued_on <= D <= expires_on`
/// (it is valid through its expiry day, inclusive), and — if it is a
/// non-resident licence — only while the agent also holds a counting resident
/// licence in some state on `D`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenceFacts {
    /// Two-letter state code, uppercase (compared case-insensitively anyway).
    pub state: String,
    /// `true` for the agent's home-state (resident) licence.
    pub resident: bool,
    /// Lines of authority printed on the licence.
    pub lines: Vec<LineOfAuthority>,
    /// First day the licence is valid.
    pub issued_on: NaiveDate,
    /// Last day the licence is valid (inclusive).
    pub expires_on: NaiveDate,
}

/// One certification held by the agent: AHIP or a carrier's own certification.
///
/// Only AHIP certifications are checked by [`may_sell`]; carrier
/// certifications are carried for other modules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificationFacts {
    /// `"AHIP"` (compared case-insensitively, trimmed) or a carrier name.
    pub kind: String,
    /// The Medicare plan year the certification is for (see [`plan_year`]).
    pub plan_year: i32,
    /// First day the certification is valid.
    pub earned_on: NaiveDate,
    /// Last day the certification is valid (inclusive).
    pub expires_on: NaiveDate,
}

/// Everything [`may_sell`] needs to know about an agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentFacts {
    /// `false` when the agent has been deactivated in the app.
    pub active: bool,
    /// All licences on file, in any state, valid or not.
    pub licences: Vec<LicenceFacts>,
    /// All certifications on file, valid or not.
    pub certifications: Vec<CertificationFacts>,
}

// ---------------------------------------------------------------------------
// Plan year
// ---------------------------------------------------------------------------

pub use crate::domain::plan_year::{plan_year, PlanYearRule};

// ---------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------

/// The answer from [`may_sell`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Readiness {
    /// The agent may sell.
    Ready,
    /// The agent may not sell; every reason, each a full sentence for a person,
    /// in a stable order (activity, then licence, then certification).
    NotReady(Vec<String>),
}

impl Readiness {
    /// `true` when the agent may sell.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }

    /// The reasons the agent may not sell (empty when [`Readiness::Ready`]).
    pub fn reasons(&self) -> &[String] {
        match self {
            Self::Ready => &[],
            Self::NotReady(reasons) => reasons,
        }
    }
}

impl fmt::Display for Readiness {
    /// `"Ready."` or the reasons joined by spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ready => f.write_str("Ready."),
            Self::NotReady(reasons) => f.write_str(&reasons.join(" ")),
        }
    }
}

/// The certification kind that Medicare products need.
const AHIP: &str = "AHIP";

/// May `agent` sell `product` to a lead in `state` on date `on`?
///
/// All of these must hold; every one that fails adds a reason:
///
/// 1. **Active.** The agent is not deactivated.
/// 2. **Licensed in the lead's state.** `state` is trimmed and compared
///    case-insensitively with each licence's state. Only *counting* licences
///    in that state are considered:
///    * a licence counts only when `issued_on <= on <= expires_on`;
///    * a non-resident licence counts only while the agent also holds a
///      counting resident licence (in any state) on `on`.
///
///    Between them, the counting licences in the state must carry the lines of
///    authority in [`required_authority`]. When they do not, the
///    reasons also explain each licence in the state that carries a relevant
///    line but does not count (expired, not yet issued, or non-resident
///    without a resident licence).
/// 3. **AHIP, for Medicare products** ([`ProductLine::is_medicare`]). An AHIP
///    certification for [`plan_year`]`(on, rule)` with
///    `earned_on <= on <= expires_on`. A certification for any other plan year
///    does not help, however recent.
///
/// The result does not depend on the order of licences or certifications.
/// Identical reasons are reported once.
pub fn may_sell(
    agent: &AgentFacts,
    product: ProductLine,
    state: &str,
    on: NaiveDate,
    rule: &PlanYearRule,
) -> Readiness {
    let mut reasons = Vec::new();

    if !agent.active {
        reasons.push("The agent is deactivated.".to_owned());
    }

    check_licences(agent, product, state, on, &mut reasons);

    if product.is_medicare() {
        check_ahip(agent, on, rule, &mut reasons);
    }

    let mut unique: Vec<String> = Vec::with_capacity(reasons.len());
    for reason in reasons {
        if !unique.contains(&reason) {
            unique.push(reason);
        }
    }

    if unique.is_empty() {
        Readiness::Ready
    } else {
        Readiness::NotReady(unique)
    }
}

/// `issued_on <= on <= expires_on`: the date window only, residency ignored.
fn in_date_window(licence: &LicenceFacts, on: NaiveDate) -> bool {
    licence.issued_on <= on && on <= licence.expires_on
}

/// Rule 2: licences and lines of authority in the lead's state.
fn check_licences(agent: &AgentFacts, product: ProductLine, state: &str, on: NaiveDate, reasons: &mut Vec<String>) {
    let state = state.trim().to_ascii_uppercase();
    if state.is_empty() {
        reasons.push("The lead has no state, so no licence can be checked.".to_owned());
        return;
    }

    let has_resident = agent.licences.iter().any(|l| l.resident && in_date_window(l, on));
    let counts = |l: &LicenceFacts| in_date_window(l, on) && (l.resident || has_resident);

    let in_state: Vec<&LicenceFacts> = agent
        .licences
        .iter()
        .filter(|l| l.state.trim().eq_ignore_ascii_case(&state))
        .collect();
    let counting: Vec<&LicenceFacts> = in_state.iter().copied().filter(|l| counts(l)).collect();
    let has_line = |line: LineOfAuthority| counting.iter().any(|l| l.lines.contains(&line));

    let required = required_authority(product);
    let missing: Option<String> = match required {
        RequiredAuthority::AnyOf(lines) => {
            if lines.iter().any(|&line| has_line(line)) {
                None
            } else {
                Some(format!(" with {} authority", join_lines(lines, "or")))
            }
        }
        RequiredAuthority::AllOf(lines) => {
            let absent: Vec<LineOfAuthority> = lines.iter().copied().filter(|&line| !has_line(line)).collect();
            if absent.is_empty() {
                None
            } else {
                Some(format!(" with {} authority", join_lines(&absent, "and")))
            }
        }
        RequiredAuthority::AnyLicence => {
            if counting.is_empty() {
                Some(String::new())
            } else {
                None
            }
        }
    };

    let Some(what) = missing else {
        return;
    };
    reasons.push(format!("No valid licence in {state}{what} on {on}."));

    // Explain the licences in the state that would have been relevant but do not count.
    let relevant_lines = required.lines();
    for licence in in_state {
        let relevant = relevant_lines.is_empty() || licence.lines.iter().any(|line| relevant_lines.contains(line));
        if !relevant || counts(licence) {
            continue;
        }
        if on > licence.expires_on {
            reasons.push(format!("The {state} licence expired on {}.", licence.expires_on));
        } else if on < licence.issued_on {
            reasons.push(format!("The {state} licence is not valid until {}.", licence.issued_on));
        } else if !licence.resident && !has_resident {
            reasons.push(format!(
                "The non-resident {state} licence needs a valid resident licence."
            ));
        }
    }
}

/// Rule 3: AHIP for the plan year of `on`.
fn check_ahip(agent: &AgentFacts, on: NaiveDate, rule: &PlanYearRule, reasons: &mut Vec<String>) {
    let year = plan_year(on, rule);
    let candidates: Vec<&CertificationFacts> = agent
        .certifications
        .iter()
        .filter(|c| c.kind.trim().eq_ignore_ascii_case(AHIP) && c.plan_year == year)
        .collect();

    if candidates.iter().any(|c| c.earned_on <= on && on <= c.expires_on) {
        return;
    }
    if candidates.is_empty() {
        reasons.push(format!("No AHIP certification for plan year {year}."));
        return;
    }
    for cert in candidates {
        if on > cert.expires_on {
            reasons.push(format!(
                "The AHIP certification for plan year {year} expired on {}.",
                cert.expires_on
            ));
        } else {
            reasons.push(format!(
                "The AHIP certification for plan year {year} is not valid until {}.",
                cert.earned_on
            ));
        }
    }
}

/// `"health or accident & health"`, `"property and casualty"`, `"life"`.
fn join_lines(lines: &[LineOfAuthority], conjunction: &str) -> String {
    let labels: Vec<String> = lines.iter().map(|l| l.label().to_lowercase()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn licence(
        state: &str,
        resident: bool,
        lines: &[LineOfAuthority],
        issued: NaiveDate,
        expires: NaiveDate,
    ) -> LicenceFacts {
        LicenceFacts {
            state: state.to_owned(),
            resident,
            lines: lines.to_vec(),
            issued_on: issued,
            expires_on: expires,
        }
    }

    /// Resident licence valid 2025-01-01 ..= 2027-12-31.
    fn resident(state: &str, lines: &[LineOfAuthority]) -> LicenceFacts {
        licence(state, true, lines, d(2025, 1, 1), d(2027, 12, 31))
    }

    fn ahip(plan_year: i32, earned: NaiveDate, expires: NaiveDate) -> CertificationFacts {
        CertificationFacts {
            kind: "AHIP".to_owned(),
            plan_year,
            earned_on: earned,
            expires_on: expires,
        }
    }

    /// AHIP for `plan_year`, valid over the whole window an agent could use it.
    fn ahip_for(plan_year: i32) -> CertificationFacts {
        ahip(plan_year, d(plan_year - 1, 6, 1), d(plan_year, 12, 31))
    }

    fn agent(licences: Vec<LicenceFacts>, certifications: Vec<CertificationFacts>) -> AgentFacts {
        AgentFacts {
            active: true,
            licences,
            certifications,
        }
    }

    fn sell(agent: &AgentFacts, product: ProductLine, state: &str, on: NaiveDate) -> Readiness {
        may_sell(agent, product, state, on, &PlanYearRule::default())
    }

    fn assert_reason(result: &Readiness, expected: &str) {
        assert!(
            result.reasons().iter().any(|r| r == expected),
            "expected reason {expected:?}, got {:?}",
            result.reasons()
        );
    }

    use LineOfAuthority::{AccidentHealth, Casualty, Health, Life, Property};

    // --- licence date window -------------------------------------------------

    #[test]
    fn licence_expiry_day_ready() {
        let a = agent(
            vec![licence("FL", true, &[Life], d(2025, 1, 1), d(2026, 10, 31))],
            vec![],
        );
        assert_eq!(sell(&a, ProductLine::Life, "FL", d(2026, 10, 31)), Readiness::Ready);
    }

    #[test]
    fn licence_day_after_expiry_not_ready() {
        let a = agent(
            vec![licence("FL", true, &[Life], d(2025, 1, 1), d(2026, 10, 31))],
            vec![],
        );
        let r = sell(&a, ProductLine::Life, "FL", d(2026, 11, 1));
        assert!(!r.is_ready());
        assert_reason(&r, "No valid licence in FL with life authority on 2026-11-01.");
        assert_reason(&r, "The FL licence expired on 2026-10-31.");
    }

    #[test]
    fn licence_issue_day_ready() {
        let a = agent(
            vec![licence("FL", true, &[Life], d(2026, 3, 1), d(2028, 2, 28))],
            vec![],
        );
        assert!(sell(&a, ProductLine::Life, "FL", d(2026, 3, 1)).is_ready());
    }

    #[test]
    fn licence_day_before_issue_not_ready() {
        let a = agent(
            vec![licence("FL", true, &[Life], d(2026, 3, 1), d(2028, 2, 28))],
            vec![],
        );
        let r = sell(&a, ProductLine::Life, "FL", d(2026, 2, 28));
        assert_reason(&r, "No valid licence in FL with life authority on 2026-02-28.");
        assert_reason(&r, "The FL licence is not valid until 2026-03-01.");
    }

    #[test]
    fn expired_licence_after_expiry_counts_nowhere_not_ready() {
        // An expired resident licence does not prop up a non-resident one either.
        let a = agent(
            vec![
                licence("TX", true, &[Health], d(2024, 1, 1), d(2026, 10, 31)),
                licence("FL", false, &[Health], d(2025, 1, 1), d(2027, 12, 31)),
            ],
            vec![],
        );
        assert!(!sell(&a, ProductLine::AcaHealth, "TX", d(2026, 11, 22)).is_ready());
        let r = sell(&a, ProductLine::AcaHealth, "FL", d(2026, 11, 22));
        assert_reason(&r, "The non-resident FL licence needs a valid resident licence.");
    }

    // --- AHIP / plan year ----------------------------------------------------

    #[test]
    fn current_year_ahip_on_aep_start_not_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2026)]);
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 10, 15));
        assert_eq!(
            r,
            Readiness::NotReady(vec!["No AHIP certification for plan year 2027.".to_owned()])
        );
    }

    #[test]
    fn current_year_ahip_on_dec_31_not_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2026)]);
        let r = sell(&a, ProductLine::PartD, "FL", d(2026, 12, 31));
        assert_reason(&r, "No AHIP certification for plan year 2027.");
    }

    #[test]
    fn current_year_ahip_day_before_aep_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2026)]);
        assert!(sell(&a, ProductLine::MedicareSupplement, "FL", d(2026, 10, 14)).is_ready());
    }

    #[test]
    fn next_year_ahip_during_aep_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2027)]);
        assert!(sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 10, 15)).is_ready());
    }

    #[test]
    fn old_year_ahip_on_jan_1_not_ready() {
        let a = agent(
            vec![resident("FL", &[Health])],
            vec![ahip(2026, d(2025, 6, 1), d(2027, 12, 31))],
        );
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2027, 1, 1));
        assert_reason(&r, "No AHIP certification for plan year 2027.");

        let renewed = agent(vec![resident("FL", &[Health])], vec![ahip_for(2027)]);
        assert!(sell(&renewed, ProductLine::MedicareAdvantage, "FL", d(2027, 1, 1)).is_ready());
    }

    #[test]
    fn right_year_ahip_expired_not_ready() {
        let a = agent(
            vec![resident("FL", &[Health])],
            vec![ahip(2027, d(2026, 6, 1), d(2026, 11, 30))],
        );
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 12, 1));
        assert_eq!(
            r.reasons(),
            ["The AHIP certification for plan year 2027 expired on 2026-11-30.".to_owned()]
        );
    }

    #[test]
    fn right_year_ahip_not_yet_earned_not_ready() {
        let a = agent(
            vec![resident("FL", &[Health])],
            vec![ahip(2027, d(2026, 10, 20), d(2027, 12, 31))],
        );
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 10, 16));
        assert_reason(
            &r,
            "The AHIP certification for plan year 2027 is not valid until 2026-10-20.",
        );
    }

    #[test]
    fn non_medicare_without_ahip_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![]);
        assert!(sell(&a, ProductLine::AcaHealth, "FL", d(2026, 11, 1)).is_ready());
        assert!(sell(&a, ProductLine::DentalVision, "FL", d(2026, 11, 1)).is_ready());
    }

    #[test]
    fn plan_year_default_rule_edges_ok() {
        let rule = PlanYearRule::default();
        assert_eq!(
            rule,
            PlanYearRule {
                aep_start_month: 10,
                aep_start_day: 15
            }
        );
        assert_eq!(plan_year(d(2026, 10, 14), &rule), 2026);
        assert_eq!(plan_year(d(2026, 10, 15), &rule), 2027);
        assert_eq!(plan_year(d(2026, 12, 31), &rule), 2027);
        assert_eq!(plan_year(d(2027, 1, 1), &rule), 2027);
    }

    #[test]
    fn plan_year_custom_rule_edges_ok() {
        let rule = PlanYearRule {
            aep_start_month: 10,
            aep_start_day: 1,
        };
        assert_eq!(plan_year(d(2026, 9, 30), &rule), 2026);
        assert_eq!(plan_year(d(2026, 10, 1), &rule), 2027);
        assert_eq!(plan_year(d(2026, 10, 14), &rule), 2027);

        let a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2026)]);
        let r = may_sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 10, 1), &rule);
        assert_reason(&r, "No AHIP certification for plan year 2027.");
        assert!(may_sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 9, 30), &rule).is_ready());
    }

    // --- residency -----------------------------------------------------------

    #[test]
    fn non_resident_with_resident_elsewhere_ready() {
        let a = agent(
            vec![
                resident("TX", &[Life]),
                licence("FL", false, &[Health], d(2025, 1, 1), d(2027, 12, 31)),
            ],
            vec![ahip_for(2027)],
        );
        assert!(sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 11, 1)).is_ready());
    }

    #[test]
    fn non_resident_without_resident_not_ready() {
        let a = agent(
            vec![licence("FL", false, &[Health], d(2025, 1, 1), d(2027, 12, 31))],
            vec![],
        );
        let r = sell(&a, ProductLine::AcaHealth, "FL", d(2026, 11, 22));
        assert_eq!(
            r.reasons(),
            [
                "No valid licence in FL with health or accident & health authority on 2026-11-22.".to_owned(),
                "The non-resident FL licence needs a valid resident licence.".to_owned(),
            ]
        );
    }

    #[test]
    fn non_resident_with_expired_resident_not_ready() {
        let a = agent(
            vec![
                licence("TX", true, &[Health], d(2024, 1, 1), d(2026, 6, 30)),
                licence("FL", false, &[Health], d(2025, 1, 1), d(2027, 12, 31)),
            ],
            vec![],
        );
        let r = sell(&a, ProductLine::AcaHealth, "FL", d(2026, 7, 1));
        assert_reason(&r, "The non-resident FL licence needs a valid resident licence.");
        // The day the resident licence expires it still props up the non-resident one.
        assert!(sell(&a, ProductLine::AcaHealth, "FL", d(2026, 6, 30)).is_ready());
    }

    // --- activity ------------------------------------------------------------

    #[test]
    fn deactivated_agent_with_everything_valid_not_ready() {
        let mut a = agent(vec![resident("FL", &[Health])], vec![ahip_for(2027)]);
        a.active = false;
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 11, 1));
        assert_eq!(r, Readiness::NotReady(vec!["The agent is deactivated.".to_owned()]));
        assert!(r.reasons()[0].contains("deactivated"));
    }

    // --- lines of authority --------------------------------------------------

    #[test]
    fn health_or_accident_health_satisfies_medicare_and_aca_ready() {
        for line in [Health, AccidentHealth] {
            let a = agent(vec![resident("FL", &[line])], vec![ahip_for(2027)]);
            for product in [
                ProductLine::MedicareAdvantage,
                ProductLine::MedicareSupplement,
                ProductLine::PartD,
                ProductLine::AcaHealth,
                ProductLine::DentalVision,
            ] {
                assert!(
                    sell(&a, product, "FL", d(2026, 11, 1)).is_ready(),
                    "{line:?} should allow {product:?}"
                );
            }
        }
    }

    #[test]
    fn life_line_for_medicare_and_aca_not_ready() {
        let a = agent(vec![resident("FL", &[Life])], vec![ahip_for(2027)]);
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 11, 22));
        assert_eq!(
            r.reasons(),
            ["No valid licence in FL with health or accident & health authority on 2026-11-22.".to_owned()]
        );
        assert!(!sell(&a, ProductLine::AcaHealth, "FL", d(2026, 11, 22)).is_ready());
    }

    #[test]
    fn health_line_for_life_and_final_expense_not_ready() {
        let a = agent(vec![resident("FL", &[Health, AccidentHealth])], vec![]);
        let r = sell(&a, ProductLine::FinalExpense, "FL", d(2026, 11, 22));
        assert_reason(&r, "No valid licence in FL with life authority on 2026-11-22.");
        assert!(!sell(&a, ProductLine::Life, "FL", d(2026, 11, 22)).is_ready());
    }

    #[test]
    fn auto_with_property_only_not_ready() {
        let a = agent(vec![resident("FL", &[Property])], vec![]);
        let r = sell(&a, ProductLine::Auto, "FL", d(2026, 11, 22));
        assert_eq!(
            r.reasons(),
            ["No valid licence in FL with casualty authority on 2026-11-22.".to_owned()]
        );
    }

    #[test]
    fn auto_with_property_and_casualty_on_two_licences_ready() {
        let a = agent(
            vec![
                resident("FL", &[Property]),
                licence("FL", true, &[Casualty], d(2026, 1, 1), d(2026, 12, 31)),
            ],
            vec![],
        );
        for product in [ProductLine::Auto, ProductLine::Home, ProductLine::Commercial] {
            assert!(sell(&a, product, "FL", d(2026, 11, 22)).is_ready());
        }
    }

    #[test]
    fn home_with_one_pc_licence_expired_not_ready() {
        let a = agent(
            vec![
                resident("FL", &[Property]),
                licence("FL", true, &[Casualty], d(2025, 1, 1), d(2026, 10, 31)),
            ],
            vec![],
        );
        let r = sell(&a, ProductLine::Home, "FL", d(2026, 11, 22));
        assert_eq!(
            r.reasons(),
            [
                "No valid licence in FL with casualty authority on 2026-11-22.".to_owned(),
                "The FL licence expired on 2026-10-31.".to_owned(),
            ]
        );
    }

    #[test]
    fn other_with_any_licence_in_state_ready() {
        let a = agent(vec![resident("FL", &[Casualty])], vec![]);
        assert!(sell(&a, ProductLine::Other, "FL", d(2026, 11, 22)).is_ready());
    }

    #[test]
    fn other_with_licence_in_another_state_not_ready() {
        let a = agent(vec![resident("TX", &[Health, Life, Property, Casualty])], vec![]);
        let r = sell(&a, ProductLine::Other, "FL", d(2026, 11, 22));
        assert_eq!(r.reasons(), ["No valid licence in FL on 2026-11-22.".to_owned()]);
    }

    // --- normalisation -------------------------------------------------------

    #[test]
    fn lowercase_state_and_ahip_kind_ready() {
        let mut cert = ahip_for(2027);
        cert.kind = " ahip ".to_owned();
        let a = agent(vec![resident("fl", &[Health])], vec![cert]);
        assert!(sell(&a, ProductLine::MedicareAdvantage, " Fl ", d(2026, 11, 1)).is_ready());
    }

    #[test]
    fn carrier_certification_instead_of_ahip_not_ready() {
        let mut cert = ahip_for(2027);
        cert.kind = "Humana".to_owned();
        let a = agent(vec![resident("FL", &[Health])], vec![cert]);
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 11, 1));
        assert_reason(&r, "No AHIP certification for plan year 2027.");
    }

    #[test]
    fn blank_state_not_ready() {
        let a = agent(vec![resident("FL", &[Health])], vec![]);
        let r = sell(&a, ProductLine::AcaHealth, "  ", d(2026, 11, 1));
        assert_eq!(
            r.reasons(),
            ["The lead has no state, so no licence can be checked.".to_owned()]
        );
    }

    // --- reason collection ---------------------------------------------------

    #[test]
    fn no_licence_and_no_ahip_both_reasons_not_ready() {
        let a = agent(vec![], vec![]);
        let r = sell(&a, ProductLine::MedicareAdvantage, "FL", d(2026, 11, 22));
        assert_eq!(
            r,
            Readiness::NotReady(vec![
                "No valid licence in FL with health or accident & health authority on 2026-11-22.".to_owned(),
                "No AHIP certification for plan year 2027.".to_owned(),
            ])
        );
    }

    #[test]
    fn deactivated_unlicensed_uncertified_all_reasons_not_ready() {
        let mut a = agent(
            vec![licence("FL", true, &[Health], d(2024, 1, 1), d(2026, 10, 31))],
            vec![],
        );
        a.active = false;
        let r = sell(&a, ProductLine::PartD, "fl", d(2026, 11, 22));
        assert_eq!(
            r.reasons(),
            [
                "The agent is deactivated.".to_owned(),
                "No valid licence in FL with health or accident & health authority on 2026-11-22.".to_owned(),
                "The FL licence expired on 2026-10-31.".to_owned(),
                "No AHIP certification for plan year 2027.".to_owned(),
            ]
        );
    }

    #[test]
    fn ready_no_reasons_ok() {
        assert!(Readiness::Ready.is_ready());
        assert!(Readiness::Ready.reasons().is_empty());
        assert_eq!(Readiness::Ready.to_string(), "Ready.");
    }

    // --- parsing -------------------------------------------------------------

    #[test]
    fn line_of_authority_from_str_round_trip_ok() {
        for l in LineOfAuthority::ALL {
            assert_eq!(l.as_str().parse::<LineOfAuthority>(), Ok(l));
            assert_eq!(
                format!(" {} ", l.as_str().to_uppercase()).parse::<LineOfAuthority>(),
                Ok(l)
            );
        }
    }

    #[test]
    fn junk_line_of_authority_rejected() {
        for junk in ["", "accident & health", "p&c", "healthy"] {
            let err = junk.parse::<LineOfAuthority>().expect_err(junk);
            assert!(err.contains("accident_health"), "unhelpful error: {err}");
        }
    }

    #[test]
    fn line_of_authority_label_ok() {
        assert_eq!(LineOfAuthority::AccidentHealth.label(), "Accident & health");
    }
}
