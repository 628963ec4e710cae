//! Builders for the routing engine's unit tests: a ready agent, a Florida Medicare lead, rules.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::{Candidate, Conditions, LeadToRoute, Pool, Rule, Strategy};
use crate::agents::fields::WorkingHours;
use crate::agents::readiness::{AgentFacts, CertificationFacts, LicenceFacts, LineOfAuthority};
use crate::domain::ProductLine;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

pub fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0)
        .single()
        .expect("valid test time")
}

/// Monday 2026-11-02, 12:00 UTC.
pub fn monday_noon() -> DateTime<Utc> {
    at(2026, 11, 2, 12, 0)
}

pub fn licence(state: &str, resident: bool, issued: NaiveDate, expires: NaiveDate) -> LicenceFacts {
    LicenceFacts {
        state: state.to_owned(),
        resident,
        lines: vec![LineOfAuthority::Health, LineOfAuthority::Life],
        issued_on: issued,
        expires_on: expires,
    }
}

/// Resident FL and non-resident TX health+life licences for 2025–2027, AHIP for plan year 2027.
pub fn valid_facts() -> AgentFacts {
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

pub fn agent(id: i64, name: &str) -> Candidate {
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

pub fn lead() -> LeadToRoute {
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

pub fn rule(id: i64, priority: i32, strategy: Strategy) -> Rule {
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

pub fn rr() -> Rule {
    rule(1, 10, Strategy::RoundRobin)
}
