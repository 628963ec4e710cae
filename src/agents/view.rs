//! Read models for agent pages: an agent with licences, certifications, team, readiness and
//! warnings, built with a fixed number of queries however many agents a page shows.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::model::{self, AgentRow, CertificationRow, LicenceRow, TeamRow};
use super::readiness::{may_sell, PlanYearRule};
use crate::auth::model::UserRow;
use crate::db::DbConnection;
use crate::domain::ProductLine;

/// How far ahead an expiry is worth a warning.
pub const WARN_DAYS: i64 = 60;

#[derive(Debug, Clone)]
pub struct StateReadiness {
    pub state: String,
    pub medicare: bool,
    pub life: bool,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AgentView {
    pub agent: AgentRow,
    pub user: UserRow,
    pub licences: Vec<LicenceRow>,
    pub certifications: Vec<CertificationRow>,
    pub team: Option<TeamRow>,
    pub readiness: Vec<StateReadiness>,
    pub warnings: Vec<String>,
    pub next_expiry: Option<NaiveDate>,
}

impl AgentView {
    pub fn medicare_states(&self) -> Vec<&str> {
        self.readiness
            .iter()
            .filter(|r| r.medicare)
            .map(|r| r.state.as_str())
            .collect()
    }

    pub fn is_medicare_ready(&self) -> bool {
        self.readiness.iter().any(|r| r.medicare)
    }

    /// States with a licence that counts today.
    pub fn licensed_states(&self, today: NaiveDate) -> Vec<String> {
        let mut s: Vec<String> = self
            .licences
            .iter()
            .filter(|l| l.issued_on <= today && today <= l.expires_on)
            .map(|l| l.state.clone())
            .collect();
        s.sort();
        s.dedup();
        s
    }

    pub fn team_name(&self) -> &str {
        self.team.as_ref().map(|t| t.name.as_str()).unwrap_or("")
    }

    pub fn is_leader(&self) -> bool {
        self.team
            .as_ref()
            .is_some_and(|t| t.leader_agent_id == Some(self.agent.id))
    }

    pub fn licence_status(&self, l: &LicenceRow, today: &NaiveDate) -> &'static str {
        expiry_status(l.expires_on, *today)
    }

    pub fn certification_status(&self, c: &CertificationRow, today: &NaiveDate) -> &'static str {
        expiry_status(c.expires_on, *today)
    }
}

/// "expired", "expiring" (within the warning window) or "valid".
pub fn expiry_status(expires_on: NaiveDate, today: NaiveDate) -> &'static str {
    if expires_on < today {
        "expired"
    } else if (expires_on - today).num_days() <= WARN_DAYS {
        "expiring"
    } else {
        "valid"
    }
}

/// Warnings a person should act on: what expired or expires soon.
pub fn warnings(licences: &[LicenceRow], certs: &[CertificationRow], today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let say = |what: String, expires: NaiveDate, out: &mut Vec<String>| {
        let days = (expires - today).num_days();
        if days < 0 {
            // Only recent expiries are news; older ones are history.
            if days >= -90 {
                out.push(format!("{what} expired on {expires}."));
            }
        } else if days <= WARN_DAYS {
            out.push(format!(
                "{what} expires on {expires} (in {days} day{}).",
                if days == 1 { "" } else { "s" }
            ));
        }
    };
    for l in licences {
        // A licence renewed by a newer one of the same state is not a worry.
        let renewed = licences
            .iter()
            .any(|o| o.id != l.id && o.state == l.state && o.expires_on > l.expires_on);
        if !renewed {
            say(format!("The {} licence {}", l.state, l.number), l.expires_on, &mut out);
        }
    }
    for c in certs {
        let renewed = certs
            .iter()
            .any(|o| o.id != c.id && o.kind.eq_ignore_ascii_case(&c.kind) && o.expires_on > c.expires_on);
        if !renewed {
            say(
                format!("The {} {} certification", c.kind, c.plan_year),
                c.expires_on,
                &mut out,
            );
        }
    }
    out
}

fn readiness(
    user: &UserRow,
    licences: &[LicenceRow],
    certs: &[CertificationRow],
    today: NaiveDate,
    rule: &PlanYearRule,
) -> Vec<StateReadiness> {
    let facts = model::facts(user, licences, certs);
    let mut states: Vec<&str> = licences.iter().map(|l| l.state.as_str()).collect();
    states.sort();
    states.dedup();
    states
        .into_iter()
        .map(|state| {
            let m = may_sell(&facts, ProductLine::MedicareAdvantage, state, today, rule);
            let l = may_sell(&facts, ProductLine::Life, state, today, rule);
            StateReadiness {
                state: state.to_string(),
                medicare: m.is_ready(),
                life: l.is_ready(),
                reasons: m.reasons().to_vec(),
            }
        })
        .collect()
}

/// Views for `rows` (in their order), with three queries in all.
pub fn build(
    conn: &mut DbConnection,
    rows: Vec<(AgentRow, UserRow)>,
    today: NaiveDate,
    rule: &PlanYearRule,
) -> diesel::QueryResult<Vec<AgentView>> {
    let ids: Vec<i64> = rows.iter().map(|(a, _)| a.id).collect();
    let mut lic: HashMap<i64, Vec<LicenceRow>> = HashMap::new();
    for l in model::licences_of_many(conn, &ids)? {
        lic.entry(l.agent_id).or_default().push(l);
    }
    let mut cert: HashMap<i64, Vec<CertificationRow>> = HashMap::new();
    for c in model::certifications_of_many(conn, &ids)? {
        cert.entry(c.agent_id).or_default().push(c);
    }
    let teams: HashMap<i64, TeamRow> = model::list_teams(conn)?.into_iter().map(|t| (t.id, t)).collect();
    Ok(rows
        .into_iter()
        .map(|(agent, user)| {
            let mut licences = lic.remove(&agent.id).unwrap_or_default();
            licences.sort_by(|a, b| a.state.cmp(&b.state).then(b.expires_on.cmp(&a.expires_on)));
            let mut certifications = cert.remove(&agent.id).unwrap_or_default();
            certifications.sort_by(|a, b| b.plan_year.cmp(&a.plan_year).then(a.kind.cmp(&b.kind)));
            let readiness = readiness(&user, &licences, &certifications, today, rule);
            let warnings = warnings(&licences, &certifications, today);
            let next_expiry = licences
                .iter()
                .map(|l| l.expires_on)
                .chain(certifications.iter().map(|c| c.expires_on))
                .filter(|d| *d >= today)
                .min();
            let team = agent.team_id.and_then(|t| teams.get(&t).cloned());
            AgentView {
                agent,
                user,
                licences,
                certifications,
                team,
                readiness,
                warnings,
                next_expiry,
            }
        })
        .collect())
}

pub fn one(
    conn: &mut DbConnection,
    agent_id: i64,
    today: NaiveDate,
    rule: &PlanYearRule,
) -> diesel::QueryResult<AgentView> {
    let row = model::find_agent(conn, agent_id)?;
    Ok(build(conn, vec![row], today, rule)?.remove(0))
}
