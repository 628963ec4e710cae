//! Routing's directory: every active agent as routing sees them (licences, certifications, hours,
//! limits, team, office), loaded once and kept in routing's caches until the `routing_version`
//! counter says an agent, user, licence or certification changed.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;

use super::{Caches, Candidate, Pool};
use crate::agents::fields::WorkingHours;
use crate::agents::model as agents_model;
use crate::db::schema::{agents, users};
use crate::db::DbConnection;

/// Routing's picture of every active agent or trainee, without today's counts: what changes only
/// when an agent, user, licence or certification changes. Each application keeps one in its
/// caches and reloads it when the `routing_version` counter (moved by triggers) says it is
/// stale, so a lead costs no scan of the agents.
pub struct Directory {
    pub(super) version: i64,
    pub(super) agents: Vec<Candidate>,
    /// Agents holding any licence in a state (upper-case code): the only ones who can be ready
    /// to sell there, since every product needs a licence in the lead's state.
    pub(super) licensed_in: HashMap<String, Vec<usize>>,
    /// Agents per team, and every agent's id: the size of a rule's pool without a scan.
    team_sizes: HashMap<i64, usize>,
    ids: std::collections::HashSet<i64>,
}

impl Directory {
    /// The active agent with this id (the agents are kept in id order).
    pub fn agent(&self, agent_id: i64) -> Option<&Candidate> {
        self.agents
            .binary_search_by_key(&agent_id, |c| c.agent_id)
            .ok()
            .map(|i| &self.agents[i])
    }

    /// How many agents a pool holds.
    pub(super) fn pool_size(&self, pool: &Pool) -> usize {
        match pool {
            Pool::Everyone => self.agents.len(),
            Pool::Team(t) => self.team_sizes.get(t).copied().unwrap_or(0),
            Pool::Agents(ids) => ids.iter().filter(|id| self.ids.contains(id)).count(),
        }
    }
}

pub(crate) fn routing_version(conn: &mut DbConnection) -> QueryResult<i64> {
    crate::db::direct!(conn, |c| crate::db::schema::routing_version::table
        .select(crate::db::schema::routing_version::version)
        .first(c))
}

/// The current directory: this server's copy when it is up to date, else loaded anew.
pub fn directory(conn: &mut DbConnection, caches: &Caches) -> QueryResult<Arc<Directory>> {
    let version = routing_version(conn)?;
    if let Some(d) = caches.directory.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        if d.version == version {
            return Ok(d.clone());
        }
    }
    let d = Arc::new(load_directory(conn, version)?);
    *caches.directory.lock().unwrap_or_else(|e| e.into_inner()) = Some(d.clone());
    Ok(d)
}

fn load_directory(conn: &mut DbConnection, version: i64) -> QueryResult<Directory> {
    let rows: Vec<(agents_model::AgentRow, crate::auth::model::UserRow)> = agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .order(agents::id.asc())
        .select((
            agents_model::AgentRow::as_select(),
            crate::auth::model::UserRow::as_select(),
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(a, _)| a.id).collect();
    let mut lic: HashMap<i64, Vec<agents_model::LicenceRow>> = HashMap::new();
    for chunk in ids.chunks(5000) {
        for l in agents_model::licences_of_many(conn, chunk)? {
            lic.entry(l.agent_id).or_default().push(l);
        }
    }
    let mut cert: HashMap<i64, Vec<agents_model::CertificationRow>> = HashMap::new();
    for chunk in ids.chunks(5000) {
        for c in agents_model::certifications_of_many(conn, chunk)? {
            cert.entry(c.agent_id).or_default().push(c);
        }
    }
    let mut licensed_in: HashMap<String, Vec<usize>> = HashMap::new();
    let agents: Vec<Candidate> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (a, u))| {
            let licences = lic.get(&a.id).map(Vec::as_slice).unwrap_or(&[]);
            let mut states: Vec<String> = licences.iter().map(|l| l.state.trim().to_ascii_uppercase()).collect();
            states.dedup();
            for s in states {
                let list = licensed_in.entry(s).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            let facts = agents_model::facts(&u, licences, cert.get(&a.id).map(Vec::as_slice).unwrap_or(&[]));
            let office = a.office_zip.as_deref().and_then(crate::geo::lookup);
            Candidate {
                agent_id: a.id,
                name: u.name.clone(),
                active: u.active,
                trainee: u.role() == crate::auth::roles::Role::Trainee,
                accepting_leads: a.accepting_leads,
                time_zone: u.tz(),
                hours: WorkingHours::from_storage(&a.working_hours),
                leads_today: 0,
                leads_per_day: a.leads_per_day.max(0) as u32,
                open_leads: 0,
                max_open_leads: a.max_open_leads.max(0) as u32,
                languages: a.language_codes().iter().map(|s| s.to_string()).collect(),
                facts,
                team_id: a.team_id,
                lat: office.map(|z| z.lat),
                lon: office.map(|z| z.lon),
                conversion: None,
            }
        })
        .collect();
    let mut team_sizes: HashMap<i64, usize> = HashMap::new();
    for t in agents.iter().filter_map(|c| c.team_id) {
        *team_sizes.entry(t).or_default() += 1;
    }
    let ids = agents.iter().map(|c| c.agent_id).collect();
    Ok(Directory {
        version,
        agents,
        licensed_in,
        team_sizes,
        ids,
    })
}
