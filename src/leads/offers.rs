//! Routing a lead to an agent: the first matching rule, the eligible agents (through
//! `readiness::may_sell`), the rule's strategy, and an offer with a deadline that the agent accepts
//! or declines. A decline or a time-out offers the lead to the next eligible agent, never the same
//! agent twice; with nobody eligible the lead waits unassigned, with the reason.
//!
//! Routing decisions are serialised (the single SQLite writer; an advisory lock on PostgreSQL),
//! so round-robin turns and caps stay exact under concurrent intakes and several servers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::model::{self, ContactRow, LeadRow};
use crate::agents::fields::WorkingHours;
use crate::agents::model as agents_model;
use crate::config::Settings;
use crate::db::schema::{agents, leads, offers, routing_rules, users};
use crate::db::{now, Backend, DbConnection};
use crate::jobs::{self, EmailJob};
use crate::notifications::model as notifications;
use crate::routing::{self, Candidate, Conditions, Explanation, LeadToRoute, Pool, RoutingState, Rule, Strategy};
use crate::web::errors::AppError;

const STATE_KEY: &str = "routing_state";
const ROUTING_LOCK: i64 = 0x4145_726f_7574; // "AErout"

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: i64,
    pub lead_id: i64,
    pub agent_id: i64,
    pub rule_id: Option<i64>,
    pub status: String,
    pub deadline: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub explanation: String,
    pub created_at: NaiveDateTime,
}

impl OfferRow {
    pub fn explanation(&self) -> Explanation {
        serde_json::from_str(&self.explanation).unwrap_or_default()
    }

    /// The deadline in UTC, for machines (`datetime` attributes and the browser's countdown).
    pub fn deadline_utc(&self) -> String {
        self.deadline
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The time left to answer as the page is drawn ("4:59"); the browser counts it down.
    pub fn time_left(&self) -> String {
        let secs = (self.deadline - crate::db::now()).num_seconds().max(0);
        if secs >= 3600 {
            format!("{} h {:02} min", secs / 3600, secs % 3600 / 60)
        } else {
            format!("{:02}:{:02}", secs / 60, secs % 60)
        }
    }

    /// The agent's name as routing ranked them.
    pub fn agent_name(&self) -> String {
        self.explanation()
            .ranking
            .into_iter()
            .find(|(id, _, _)| *id == self.agent_id)
            .map(|(_, name, _)| name)
            .unwrap_or_else(|| format!("agent {}", self.agent_id))
    }
}

/// The rule used while the agency has defined none: everyone, in turn, within working hours.
pub fn default_rule() -> Rule {
    Rule {
        id: 0,
        name: "Everyone in turn (default)".into(),
        priority: i32::MAX,
        conditions: Conditions::default(),
        pool: Pool::Everyone,
        strategy: Strategy::RoundRobin,
        daily_cap: None,
        ignore_hours: false,
    }
}

pub fn rules(conn: &mut DbConnection) -> QueryResult<Vec<Rule>> {
    let defs: Vec<(i64, String)> = routing_rules::table
        .filter(routing_rules::active.eq(true))
        .select((routing_rules::id, routing_rules::definition))
        .load(conn)?;
    let mut out: Vec<Rule> = defs
        .into_iter()
        .filter_map(|(id, d)| {
            serde_json::from_str::<Rule>(&d).ok().map(|mut r| {
                r.id = id;
                r
            })
        })
        .collect();
    if out.is_empty() {
        out.push(default_rule());
    }
    Ok(out)
}

static RULES: crate::db::cache::VersionedCache<Arc<Vec<Rule>>> =
    crate::db::cache::VersionedCache::new(crate::db::cache::config_version);

/// [`rules`], read again only when a rule changes (`config_version`).
pub fn rules_cached(conn: &mut DbConnection, db_key: &str) -> QueryResult<Arc<Vec<Rule>>> {
    RULES.get_or_load(conn, db_key, |c| rules(c).map(Arc::new))
}

/// Saves a rule (its id is given by the database).
pub fn insert_rule(conn: &mut DbConnection, rule: &Rule) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(routing_rules::table)
        .values((
            routing_rules::definition.eq(serde_json::to_string(rule).unwrap_or_default()),
            routing_rules::active.eq(true),
            routing_rules::created_at.eq(t),
            routing_rules::updated_at.eq(t),
        ))
        .returning(routing_rules::id)
        .get_result(conn)
}

/// A saved rule and whether it is in use.
pub fn find_rule(conn: &mut DbConnection, id: i64) -> Result<(Rule, bool), AppError> {
    let (definition, active): (String, bool) = routing_rules::table
        .find(id)
        .select((routing_rules::definition, routing_rules::active))
        .first(conn)?;
    let mut rule: Rule = serde_json::from_str(&definition)
        .map_err(|e| AppError::Internal(format!("routing rule {id} cannot be read: {e}")))?;
    rule.id = id;
    Ok((rule, active))
}

/// The agency's own active rules (not the built-in default), in the order they are tried.
pub fn saved_rules(conn: &mut DbConnection) -> QueryResult<Vec<Rule>> {
    let mut all: Vec<Rule> = rules(conn)?.into_iter().filter(|r| r.id > 0).collect();
    all.sort_by_key(|r| (r.priority, r.id));
    Ok(all)
}

pub fn update_rule(conn: &mut DbConnection, id: i64, rule: &Rule) -> QueryResult<usize> {
    diesel::update(routing_rules::table.find(id))
        .set((
            routing_rules::definition.eq(serde_json::to_string(rule).unwrap_or_default()),
            routing_rules::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Takes a rule out of use. Offers made under it keep pointing at it, so it is never deleted.
pub fn deactivate_rule(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(routing_rules::table.find(id))
        .set((routing_rules::active.eq(false), routing_rules::updated_at.eq(now())))
        .execute(conn)
}

/// Moves a rule one place up (earlier) or down among the active rules; priorities are renumbered
/// 10, 20, 30… in the new order. Returns whether it moved.
pub fn move_rule(conn: &mut DbConnection, id: i64, up: bool) -> QueryResult<bool> {
    let mut all = saved_rules(conn)?;
    let Some(i) = all.iter().position(|r| r.id == id) else {
        return Ok(false);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|j| *j < all.len())
    };
    let Some(j) = j else {
        return Ok(false);
    };
    all.swap(i, j);
    for (n, rule) in all.iter_mut().enumerate() {
        let priority = (n as i32 + 1) * 10;
        if rule.priority != priority {
            rule.priority = priority;
            update_rule(conn, rule.id, rule)?;
        }
    }
    Ok(true)
}

/// What trying a rule on a sample lead found: the whole rule list runs, in order, with this rule
/// in its place.
pub struct Trial {
    /// The rule that catches the lead: its place in the list (1 for the first), id and name.
    pub caught_by: Option<(usize, i64, String)>,
    /// The tried rule's place in the list and its id there.
    pub place: usize,
    pub rule_id: i64,
    /// Why the tried rule does not fit the lead (empty when it fits).
    pub misfits: Vec<String>,
    /// Who the catching rule offers it to, and why.
    pub explanation: Explanation,
}

/// Who would get this lead right now if this rule were saved, and why: every active rule is
/// tried in order with this one in its place, so a higher rule that takes the lead first is
/// named. Nothing is saved and no turn is taken ("test this rule on a sample lead").
pub fn try_rule(conn: &mut DbConnection, rule: &Rule, lead: &LeadToRoute, settings: &Settings) -> QueryResult<Trial> {
    // The saved round-robin state is read, and the copy used here is thrown away.
    let mut state: RoutingState = model::get_setting(conn, STATE_KEY)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let ordered = routing::with_rule_in_place(&saved_rules(conn)?, rule);
    let rule_id = if rule.id > 0 { rule.id } else { routing::UNSAVED_RULE };
    let place = ordered.iter().position(|r| r.id == rule_id).map_or(0, |i| i + 1);
    let caught_by = routing::catching_rule(&ordered, lead).map(|(n, r)| (n, r.id, r.name.clone()));
    let explanation = decide(conn, &ordered, lead, chrono::Utc::now(), &[], &mut state, settings)?;
    Ok(Trial {
        caught_by,
        place,
        rule_id,
        misfits: routing::misfits(&rule.conditions, lead),
        explanation,
    })
}

/// How many excluded agents an offer's explanation lists by name; the rest are counted.
pub const EXPLAIN_AT_MOST: usize = 50;
/// Best-performer rules rate agents on the leads they closed in this many days.
pub const CONVERSION_WINDOW_DAYS: i64 = 90;

/// Routing's picture of every active agent or trainee, without today's counts: what changes only
/// when an agent, user, licence or certification changes. Each server keeps one per database in
/// memory and reloads it when the `routing_version` counter (moved by triggers) says it is stale,
/// so a lead costs no scan of the agents.
pub struct Directory {
    version: i64,
    agents: Vec<Candidate>,
    /// Agents holding any licence in a state (upper-case code): the only ones who can be ready
    /// to sell there, since every product needs a licence in the lead's state.
    licensed_in: HashMap<String, Vec<usize>>,
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
    fn pool_size(&self, pool: &Pool) -> usize {
        match pool {
            Pool::Everyone => self.agents.len(),
            Pool::Team(t) => self.team_sizes.get(t).copied().unwrap_or(0),
            Pool::Agents(ids) => ids.iter().filter(|id| self.ids.contains(id)).count(),
        }
    }
}

static DIRECTORIES: std::sync::OnceLock<std::sync::Mutex<HashMap<String, Arc<Directory>>>> = std::sync::OnceLock::new();

pub(crate) fn routing_version(conn: &mut DbConnection) -> QueryResult<i64> {
    crate::db::direct!(conn, |c| crate::db::schema::routing_version::table
        .select(crate::db::schema::routing_version::version)
        .first(c))
}

/// The current directory: this server's copy when it is up to date, else loaded anew.
pub fn directory(conn: &mut DbConnection, settings: &Settings) -> QueryResult<Arc<Directory>> {
    let version = routing_version(conn)?;
    let cache = DIRECTORIES.get_or_init(Default::default);
    let key = settings.database_url.clone();
    if let Some(d) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if d.version == version {
            return Ok(d.clone());
        }
    }
    let d = Arc::new(load_directory(conn, version)?);
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, d.clone());
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

/// The agents licensed in the lead's state, checked on everything that needs no count: indexes
/// into the directory's agents of those who pass (`open`), and of the first few who do not (to be
/// named in the explanation), with the rest tallied.
struct FirstPass {
    open: Vec<usize>,
    listed_in_pool: Vec<usize>,
    listed_outside: Vec<usize>,
    tally: routing::Tally,
    unlisted: usize,
    in_pool: usize,
}

/// The first pass for this lead. Its result depends only on the directory, the rule, the lead's
/// state, product, language and consent, and the minute (working hours are kept to the minute,
/// readiness to the day), so it is kept for the rest of the minute and the next lead like this
/// one does not check thousands of agents again. A lead being routed again (agents already
/// offered it) is checked afresh.
fn first_pass(
    dir: &Directory,
    rule: &Rule,
    lead: &LeadToRoute,
    now_utc: chrono::DateTime<chrono::Utc>,
    offered: &[i64],
    settings: &Settings,
) -> Arc<FirstPass> {
    type Key = (String, i64, String, String, String, Option<String>, bool, i64);
    type Minute = HashMap<Key, Arc<FirstPass>>;
    static KEPT: std::sync::OnceLock<std::sync::Mutex<(i64, Minute)>> = std::sync::OnceLock::new();
    let state_key = lead.state.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    let minute = now_utc.timestamp().div_euclid(60);
    let key: Key = (
        settings.database_url.clone(),
        dir.version,
        format!("{rule:?}"),
        state_key.clone(),
        lead.product.as_str().to_owned(),
        lead.language.clone(),
        lead.callable,
        minute,
    );
    let kept = KEPT.get_or_init(Default::default);
    if offered.is_empty() {
        let kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 == minute {
            if let Some(found) = kept.1.get(&key) {
                return found.clone();
            }
        }
    }
    // Rule caps are counts: the first pass leaves them to the counted windows.
    let uncapped = Rule {
        daily_cap: None,
        ..rule.clone()
    };
    let nearby: &[usize] = dir.licensed_in.get(&state_key).map(Vec::as_slice).unwrap_or(&[]);
    let mut found = FirstPass {
        open: Vec::new(),
        listed_in_pool: Vec::new(),
        listed_outside: Vec::new(),
        tally: routing::Tally::default(),
        unlisted: 0,
        in_pool: 0,
    };
    for &i in nearby {
        let c = &dir.agents[i];
        if !rule.pool.contains(c) {
            if found.listed_outside.len() < EXPLAIN_AT_MOST {
                found.listed_outside.push(i);
            } else {
                found.unlisted += 1;
            }
            continue;
        }
        found.in_pool += 1;
        match routing::eligibility(c, lead, &uncapped, now_utc, 0, offered, &settings.plan_year_rule) {
            Ok(()) => found.open.push(i),
            Err(why) => {
                found.tally.add(why.summary(), 1);
                if found.listed_in_pool.len() < EXPLAIN_AT_MOST {
                    found.listed_in_pool.push(i);
                } else {
                    found.unlisted += 1;
                }
            }
        }
    }
    let room = EXPLAIN_AT_MOST.saturating_sub(found.listed_in_pool.len());
    found.unlisted += found.listed_outside.len().saturating_sub(room);
    found.listed_outside.truncate(room);
    let found = Arc::new(found);
    if offered.is_empty() {
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 != minute {
            *kept = (minute, HashMap::new());
        }
        kept.1.insert(key, found.clone());
    }
    found
}

/// How long an agent found at their daily or open-lead limit is counted after the others: a
/// declined or timed-out offer may give them room again, so the note is short-lived.
const FULL_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Notes these agents as full for this rule now (their own limits or the rule's cap) and returns
/// every agent noted full for it within [`FULL_FOR`] (per database). Only the order of counting
/// uses it; the counts that decide are always exact.
fn recently_full(database_url: &str, rule_id: i64, now_full: &[i64]) -> std::collections::HashSet<i64> {
    use std::time::Instant;
    type Notes = HashMap<(String, i64), HashMap<i64, Instant>>;
    static NOTES: std::sync::OnceLock<std::sync::Mutex<Notes>> = std::sync::OnceLock::new();
    let mut notes = NOTES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let mine = notes.entry((database_url.to_owned(), rule_id)).or_default();
    let now = Instant::now();
    for &agent in now_full {
        mine.insert(agent, now);
    }
    mine.retain(|_, at| now.duration_since(*at) < FULL_FOR);
    mine.keys().copied().collect()
}

/// Every agent's open leads and, for best-performer rules, `(won, closed)` over the conversion
/// window: counted over all leads at most every half minute (open leads) or five minutes
/// (conversion) per server, only to order agents before a window of them is counted exactly.
type PerAgent<V> = Arc<HashMap<i64, V>>;
/// Open leads per agent, and `(won, closed)` per agent.
type Hints = (Option<PerAgent<u32>>, Option<PerAgent<(u32, u32)>>);

fn order_hints(conn: &mut DbConnection, rule: &Rule, lead: &LeadToRoute, settings: &Settings) -> QueryResult<Hints> {
    use crate::db::cache::TtlCache;
    use std::time::Duration;
    static BUSY: TtlCache<String, PerAgent<u32>> = TtlCache::new(Duration::from_secs(30));
    static CONVERSION: TtlCache<String, PerAgent<(u32, u32)>> = TtlCache::new(Duration::from_secs(300));
    let key = settings.database_url.clone();
    // Closest ranks by distance; only a lead without a location falls back to least busy.
    let by_busy = match rule.strategy {
        Strategy::LeastBusy => true,
        Strategy::Closest => lead.lat.is_none() || lead.lon.is_none(),
        _ => false,
    };
    let busy = match by_busy {
        true => Some(BUSY.get_or_load(key.clone(), || {
            let open: Vec<&str> = super::rules::LeadStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.as_str())
                .collect();
            let rows: Vec<(Option<i64>, i64)> = leads::table
                .filter(leads::assigned_agent_id.is_not_null())
                .filter(leads::status.eq_any(open))
                .group_by(leads::assigned_agent_id)
                .select((leads::assigned_agent_id, diesel::dsl::count_star()))
                .load(conn)?;
            QueryResult::Ok(Arc::new(
                rows.into_iter().filter_map(|(a, n)| a.map(|a| (a, n as u32))).collect(),
            ))
        })?),
        false => None,
    };
    let conversion = match rule.strategy {
        Strategy::BestPerformer { .. } => {
            Some(CONVERSION.get_or_load(key, || conversion_of(conn, None).map(Arc::new))?)
        }
        _ => None,
    };
    Ok((busy, conversion))
}

/// `(won, closed)` per agent over the last [`CONVERSION_WINDOW_DAYS`]: of these agents, or of
/// every agent when `agents` is `None`.
fn conversion_of(conn: &mut DbConnection, agents: Option<&[i64]>) -> QueryResult<HashMap<i64, (u32, u32)>> {
    let since = now() - chrono::Duration::days(CONVERSION_WINDOW_DAYS);
    let closed = leads::table
        .filter(leads::assigned_agent_id.is_not_null())
        .filter(leads::closed_at.ge(since))
        .filter(leads::status.eq_any(["won", "lost"]));
    let counted = (leads::assigned_agent_id, leads::status, diesel::dsl::count_star());
    let rows: Vec<(Option<i64>, String, i64)> = match agents {
        Some(ids) => closed
            .filter(leads::assigned_agent_id.eq_any(ids))
            .group_by((leads::assigned_agent_id, leads::status))
            .select(counted)
            .load(conn)?,
        None => closed
            .group_by((leads::assigned_agent_id, leads::status))
            .select(counted)
            .load(conn)?,
    };
    let mut out: HashMap<i64, (u32, u32)> = HashMap::new();
    for (agent, status, n) in rows {
        if let Some(agent) = agent {
            let e = out.entry(agent).or_default();
            e.1 += n as u32;
            if status == "won" {
                e.0 += n as u32;
            }
        }
    }
    Ok(out)
}

/// Today's load of these agents, their open leads, what `rule` gave them today and (for
/// best-performer rules) their conversion, filled into the candidates.
fn fill_counts(
    conn: &mut DbConnection,
    candidates: &mut [Candidate],
    rule: Option<&Rule>,
    today_start: NaiveDateTime,
) -> QueryResult<HashMap<(i64, i64), u32>> {
    let ids: Vec<i64> = candidates.iter().map(|c| c.agent_id).collect();
    let mut rule_counts = HashMap::new();
    if ids.is_empty() {
        return Ok(rule_counts);
    }
    let open: Vec<&str> = super::rules::LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let open_counts: HashMap<i64, i64> = leads::table
        .filter(leads::assigned_agent_id.eq_any(&ids))
        .filter(leads::status.eq_any(open))
        .group_by(leads::assigned_agent_id)
        .select((leads::assigned_agent_id, diesel::dsl::count_star()))
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .filter_map(|(a, n)| a.map(|a| (a, n)))
        .collect();
    // Today's load counts every offer made today that is pending or was accepted.
    let today: Vec<(i64, Option<i64>, i64)> = offers::table
        .filter(offers::agent_id.eq_any(&ids))
        .filter(offers::created_at.ge(today_start))
        .filter(offers::status.eq_any(["pending", "accepted"]))
        .group_by((offers::agent_id, offers::rule_id))
        .select((offers::agent_id, offers::rule_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut today_counts: HashMap<i64, i64> = HashMap::new();
    for (agent, rule_id, n) in today {
        *today_counts.entry(agent).or_default() += n;
        if let Some(r) = rule_id {
            *rule_counts.entry((r, agent)).or_default() += n as u32;
        }
    }
    let conversion = if matches!(rule.map(|r| &r.strategy), Some(Strategy::BestPerformer { .. })) {
        conversion_of(conn, Some(&ids))?
    } else {
        HashMap::new()
    };
    for c in candidates.iter_mut() {
        c.open_leads = *open_counts.get(&c.agent_id).unwrap_or(&0) as u32;
        c.leads_today = *today_counts.get(&c.agent_id).unwrap_or(&0) as u32;
        if rule.is_some_and(|r| matches!(r.strategy, Strategy::BestPerformer { .. })) {
            c.conversion = Some(*conversion.get(&c.agent_id).unwrap_or(&(0, 0)));
        }
    }
    Ok(rule_counts)
}

/// Routes with the directory: only agents licensed in the lead's state are looked at; of those,
/// counts are read only for the ones that pass every check that needs no count. Returns the
/// explanation (excluded agents beyond [`EXPLAIN_AT_MOST`] counted, not named).
#[allow(clippy::too_many_arguments)]
fn decide(
    conn: &mut DbConnection,
    rules: &[Rule],
    lead: &LeadToRoute,
    now_utc: chrono::DateTime<chrono::Utc>,
    offered: &[i64],
    state: &mut RoutingState,
    settings: &Settings,
) -> QueryResult<Explanation> {
    let today_start = now_utc.date_naive().and_hms_opt(0, 0, 0).expect("midnight");
    let dir = directory(conn, settings)?;
    let rule = routing::first_matching(rules, lead);
    let state_key = lead.state.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    if let Some(rule) = rule {
        // The agents licensed in the state who pass every check that needs no count (kept for
        // the minute); of the others only the first few are named in the explanation.
        let first = first_pass(&dir, rule, lead, now_utc, offered, settings);
        let mut tally = first.tally.clone();
        let unlisted = first.unlisted;
        let in_pool = first.in_pool;
        let listed_in_pool: Vec<&Candidate> = first.listed_in_pool.iter().map(|&i| &dir.agents[i]).collect();
        let listed_outside: Vec<&Candidate> = first.listed_outside.iter().map(|&i| &dir.agents[i]).collect();
        let open: Vec<&Candidate> = first.open.iter().map(|&i| &dir.agents[i]).collect();
        // Counts are read a window at a time, in the order the strategy would consider agents
        // (weighted pools are named agents, so they are counted whole).
        let window = match rule.strategy {
            Strategy::Weighted(_) => usize::MAX,
            _ => routing::COUNT_WINDOW,
        };
        let order = if open.len() > window {
            let (busy, conversion) = order_hints(conn, rule, lead, settings)?;
            let hints = routing::OrderHints {
                open_leads: busy.as_deref(),
                conversion: conversion.as_deref(),
            };
            let order = routing::count_free_order(rule, open, lead, state, &hints);
            // Agents found full a moment ago are counted last, not skipped: if everyone is full
            // the reason still counts them all.
            let full = recently_full(&settings.database_url, rule.id, &[]);
            let (later, sooner): (Vec<&Candidate>, Vec<&Candidate>) =
                order.into_iter().partition(|c| full.contains(&c.agent_id));
            sooner.into_iter().chain(later).collect()
        } else {
            open
        };
        let windows: Vec<&[&Candidate]> = if order.is_empty() {
            vec![&[]]
        } else {
            order.chunks(window.min(order.len())).collect()
        };
        let mut passed_over = 0;
        let mut x = routing::Explanation::default();
        for (i, agents) in windows.iter().enumerate() {
            let mut counted: Vec<Candidate> = agents.iter().map(|&c| c.clone()).collect();
            let rule_counts = fill_counts(conn, &mut counted, Some(rule), today_start)?;
            let rule_cap = rule.daily_cap.unwrap_or(u32::MAX);
            let now_full: Vec<i64> = counted
                .iter()
                .filter(|c| {
                    c.leads_today >= c.leads_per_day
                        || c.open_leads >= c.max_open_leads
                        || rule_counts.get(&(rule.id, c.agent_id)).is_some_and(|&n| n >= rule_cap)
                })
                .map(|c| c.agent_id)
                .collect();
            if !now_full.is_empty() {
                recently_full(&settings.database_url, rule.id, &now_full);
            }
            x = routing::route(
                rules,
                counted
                    .iter()
                    .chain(listed_in_pool.iter().copied())
                    .chain(listed_outside.iter().copied()),
                lead,
                now_utc,
                &rule_counts,
                offered,
                state,
                &settings.plan_year_rule,
            );
            if x.chosen.is_some() {
                break;
            }
            // Everyone in this window fell to a count (capacity, the rule's cap).
            for c in &counted {
                let count = rule_counts.get(&(rule.id, c.agent_id)).copied().unwrap_or(0);
                if let Err(why) = routing::eligibility(c, lead, rule, now_utc, count, offered, &settings.plan_year_rule)
                {
                    tally.add(why.summary(), 1);
                }
            }
            if i + 1 < windows.len() {
                passed_over += counted.len();
            }
        }
        let pool_size = dir.pool_size(&rule.pool);
        let not_licensed = pool_size.saturating_sub(in_pool);
        x.candidates = pool_size;
        x.excluded_more += unlisted + not_licensed + passed_over;
        if x.chosen.is_none() {
            let place = if state_key.is_empty() {
                "the lead's state (it has none)".to_string()
            } else {
                state_key.clone()
            };
            tally.add(format!("not licensed in {place}"), not_licensed);
            x.unassigned_reason = Some(tally.sentence());
        }
        if x.excluded.len() > EXPLAIN_AT_MOST {
            x.excluded_more += x.excluded.len() - EXPLAIN_AT_MOST;
            x.excluded.truncate(EXPLAIN_AT_MOST);
        }
        Ok(x)
    } else {
        Ok(routing::route(
            rules,
            std::iter::empty::<&Candidate>(),
            lead,
            now_utc,
            &HashMap::new(),
            offered,
            state,
            &settings.plan_year_rule,
        ))
    }
}

fn lead_to_route(lead: &LeadRow, contact: &ContactRow) -> LeadToRoute {
    LeadToRoute {
        lead_id: lead.id,
        product: lead
            .product_line
            .parse()
            .unwrap_or(crate::agents::readiness::ProductLine::Other),
        state: contact.state.clone(),
        source: lead.source.clone(),
        score: lead.score.unwrap_or(0).clamp(0, 100) as u8,
        tags: lead
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        language: None,
        lat: contact.lat,
        lon: contact.lon,
        callable: lead.has_consent && !contact.do_not_call,
    }
}

/// Whether each of these agents may be given the lead by hand (the lead page's menu, bulk
/// assignment): routing's own rule, [`routing::hand_eligibility`], on routing's directory. An
/// agent the directory does not hold is deactivated.
pub fn hand_eligibility(
    conn: &mut DbConnection,
    settings: &Settings,
    lead: &LeadRow,
    contact: &ContactRow,
    agent_ids: &[i64],
) -> QueryResult<Vec<(i64, Result<(), routing::Exclusion>)>> {
    let dir = directory(conn, settings)?;
    let to_route = lead_to_route(lead, contact);
    let now_utc = chrono::Utc::now();
    Ok(agent_ids
        .iter()
        .map(|&id| {
            let verdict = match dir.agent(id) {
                Some(c) => routing::hand_eligibility(c, &to_route, now_utc, &settings.plan_year_rule),
                None => Err(routing::Exclusion::Inactive),
            };
            (id, verdict)
        })
        .collect())
}

/// Routes a lead now: an offer to the chosen agent, or the reason it waits unassigned.
pub fn route_lead(conn: &mut DbConnection, lead_id: i64, settings: &Settings) -> Result<Option<i64>, AppError> {
    route_lead_excluding(conn, lead_id, &[], settings)
}

/// [`route_lead`], also passing over these agents (the one a stale lead is taken from).
pub fn route_lead_excluding(
    conn: &mut DbConnection,
    lead_id: i64,
    exclude: &[i64],
    settings: &Settings,
) -> Result<Option<i64>, AppError> {
    let Some(o) = route_lead_at(conn, lead_id, exclude, chrono::Utc::now(), settings)? else {
        return Ok(None);
    };
    let offer = OfferMade {
        offer_id: o.offer_id,
        agent_id: o.agent_id,
        deadline: o.deadline,
    };
    tell(conn, &offer, &o.lead, &o.contact, settings)?;
    Ok(Some(o.offer_id))
}

/// Routes a lead just inserted, as intake has it in hand (nothing is read again, and nobody can
/// have been offered it yet), and tells the agent chosen.
pub fn route_new_lead(
    conn: &mut DbConnection,
    lead: LeadRow,
    contact: ContactRow,
    settings: &Settings,
) -> Result<Routed, AppError> {
    lock_routing(conn)?;
    let routed = record_route(conn, lead, contact, &[], chrono::Utc::now(), settings)?;
    if let Some(offer) = &routed.offer {
        tell(conn, offer, &routed.lead, &routed.contact, settings)?;
    }
    Ok(routed)
}

/// The time-out job, the notification and the e-mail of an offer just made.
fn tell(
    conn: &mut DbConnection,
    offer: &OfferMade,
    lead: &LeadRow,
    contact: &ContactRow,
    settings: &Settings,
) -> Result<(), AppError> {
    let OfferMade {
        offer_id,
        agent_id,
        deadline,
    } = offer;
    jobs::enqueue(conn, &routing::jobs::OfferTimeout { offer_id: *offer_id }, *deadline)?;
    let (_, agent_user) = agents_model::find_agent(conn, *agent_id)?;
    notifications::notify_about(
        conn,
        agent_user.id,
        "offer",
        &format!(
            "New {} lead offered to you: {} {}. Answer within {} minutes.",
            lead.product_line.replace('_', " "),
            contact.first_name,
            contact.last_name,
            settings.offer_minutes
        ),
        "/leads",
        Some(&notifications::offer_subject(*offer_id)),
    )?;
    let body = format!(
        "Hello {},\n\nA new {} lead is offered to you: {} {}{}.\nAccept it within {} minutes, or it may be offered to another agent:\n{}/leads\n",
        agent_user.name,
        lead.product_line.replace('_', " "),
        contact.first_name,
        contact.last_name,
        contact.state.as_deref().map(|s| format!(" in {s}")).unwrap_or_default(),
        settings.offer_minutes,
        settings.base_url
    );
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: agent_user.email,
            subject: "A new lead is offered to you".into(),
            body,
        },
    )?;
    Ok(())
}

/// An offer just made, with the lead it is for (as routing read it).
pub struct Offered {
    pub offer_id: i64,
    pub agent_id: i64,
    pub deadline: NaiveDateTime,
    pub lead: LeadRow,
    pub contact: ContactRow,
}

/// An offer just made.
pub struct OfferMade {
    pub offer_id: i64,
    pub agent_id: i64,
    pub deadline: NaiveDateTime,
}

/// A lead routing has just dealt with: the lead (with the unassigned reason routing gave it, if it
/// waits), its contact, and the offer made.
pub struct Routed {
    pub lead: LeadRow,
    pub contact: ContactRow,
    pub offer: Option<OfferMade>,
}

/// On PostgreSQL, routing decisions are taken one at a time across servers (the round-robin
/// cursor and the caps are read and written in one go); SQLite has one writer anyway.
fn lock_routing(conn: &mut DbConnection) -> QueryResult<()> {
    if conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({ROUTING_LOCK})"))?;
    }
    Ok(())
}

/// The routing decision for a lead as of `at`, recorded: the offer (with its explanation, the
/// history event and the advanced round-robin state) or the reason it waits. Returns the offer,
/// the agent and the deadline. Nobody is told; [`route_lead_excluding`] does that, and the demo
/// seed uses this alone to route months of leads through the real engine.
pub fn route_lead_at(
    conn: &mut DbConnection,
    lead_id: i64,
    exclude: &[i64],
    at: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
) -> Result<Option<Offered>, AppError> {
    lock_routing(conn)?;
    let (lead, contact) = model::find_lead(conn, lead_id)?;
    let mut offered: Vec<i64> = offers::table
        .filter(offers::lead_id.eq(lead_id))
        .select(offers::agent_id)
        .load(conn)?;
    offered.extend_from_slice(exclude);
    let Routed { lead, contact, offer } = record_route(conn, lead, contact, &offered, at, settings)?;
    Ok(offer.map(|o| Offered {
        offer_id: o.offer_id,
        agent_id: o.agent_id,
        deadline: o.deadline,
        lead,
        contact,
    }))
}

/// Decides and records where the lead goes, passing over the agents in `offered`.
fn record_route(
    conn: &mut DbConnection,
    lead: LeadRow,
    contact: ContactRow,
    offered: &[i64],
    at: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
) -> Result<Routed, AppError> {
    let lead_id = lead.id;
    let rules = rules_cached(conn, &settings.database_url)?;
    let mut state: RoutingState = model::get_setting(conn, STATE_KEY)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let state_before = state.clone();
    let explanation = decide(
        conn,
        &rules,
        &lead_to_route(&lead, &contact),
        at,
        offered,
        &mut state,
        settings,
    )?;
    // Most leads leave it as it was (nobody working, or strategies without a cursor): no write.
    if state != state_before {
        model::put_setting(conn, STATE_KEY, &serde_json::to_string(&state).unwrap_or_default())?;
    }
    let details = serde_json::to_string(&explanation).unwrap_or_default();
    // To the microsecond, as PostgreSQL keeps it: the deadline answered is the one stored.
    let t = chrono::SubsecRound::trunc_subsecs(at.naive_utc(), 6);
    let Some(agent_id) = explanation.chosen else {
        let reason = explanation
            .unassigned_reason
            .clone()
            .unwrap_or_else(|| "No eligible agent.".into());
        if lead.unassigned_reason.as_deref() != Some(reason.as_str()) {
            model::set_unassigned_reason(conn, lead_id, Some(&reason))?;
        }
        model::add_event_at(conn, lead_id, None, "routing", "unrouted", &details, t)?;
        return Ok(Routed {
            lead: LeadRow {
                unassigned_reason: Some(reason),
                ..lead
            },
            contact,
            offer: None,
        });
    };
    let deadline = t + chrono::Duration::minutes(settings.offer_minutes as i64);
    let values = (
        offers::lead_id.eq(lead_id),
        offers::agent_id.eq(agent_id),
        offers::rule_id.eq(explanation.rule.as_ref().map(|(id, _)| *id).filter(|id| *id > 0)),
        offers::status.eq("pending"),
        offers::deadline.eq(deadline),
        offers::explanation.eq(&details),
        offers::created_at.eq(t),
    );
    let offer_id: i64 = crate::db::direct!(conn, |c| diesel::insert_into(offers::table)
        .values(values)
        .returning(offers::id)
        .get_result(c))?;
    if lead.unassigned_reason.is_some() {
        model::set_unassigned_reason(conn, lead_id, None)?;
    }
    model::add_event_at(conn, lead_id, None, "routing", "offered", &details, t)?;
    Ok(Routed {
        lead: LeadRow {
            unassigned_reason: None,
            ..lead
        },
        contact,
        offer: Some(OfferMade {
            offer_id,
            agent_id,
            deadline,
        }),
    })
}

pub fn find_offer(conn: &mut DbConnection, id: i64) -> QueryResult<OfferRow> {
    offers::table.find(id).select(OfferRow::as_select()).first(conn)
}

pub fn offers_of_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::lead_id.eq(lead_id))
        .order(offers::id.desc())
        .select(OfferRow::as_select())
        .load(conn)
}

/// Pending offers to an agent, with their leads.
pub fn pending_for(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<(OfferRow, LeadRow, ContactRow)>> {
    offers::table
        .inner_join(leads::table.inner_join(crate::db::schema::contacts::table))
        .filter(offers::agent_id.eq(agent_id))
        .filter(offers::status.eq("pending"))
        .order(offers::deadline.asc())
        .select((OfferRow::as_select(), LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)
}

fn close_offer(conn: &mut DbConnection, id: i64, status: &str, reason: Option<&str>) -> QueryResult<bool> {
    close_offer_at(conn, id, status, reason, now())
}

/// Closes a pending offer as of `at` (the demo's back-dated history uses the time).
pub fn close_offer_at(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(offers::table.find(id).filter(offers::status.eq("pending")))
        .set((
            offers::status.eq(status),
            offers::responded_at.eq(Some(at)),
            offers::decline_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The agent takes the lead: it is assigned to them.
pub fn accept(
    conn: &mut DbConnection,
    agent_id: i64,
    user: (i64, &str),
    offer_id: i64,
    settings: &Settings,
) -> Result<i64, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.agent_id != agent_id {
        return Err(AppError::NotFound);
    }
    if offer.status != "pending" || offer.deadline < now() {
        return Err(AppError::Conflict(
            "This offer is no longer open; the lead may have gone to another agent.".into(),
        ));
    }
    close_offer(conn, offer_id, "accepted", None)?;
    notifications::answered(conn, &notifications::offer_subject(offer_id), "You accepted it.")?;
    model::assign(conn, offer.lead_id, Some(agent_id))?;
    let agent_name = agents_model::find_agent(conn, agent_id)?.1.name;
    let details = serde_json::json!({ "agent_id": agent_id, "agent": agent_name, "by": "offer" });
    model::add_event(
        conn,
        offer.lead_id,
        Some(user.0),
        user.1,
        "assigned",
        &details.to_string(),
    )?;
    super::webhooks::emit(conn, "lead.assigned", offer.lead_id)?;
    let check = routing::jobs::EscalationCheck {
        lead_id: offer.lead_id,
        agent_id,
    };
    jobs::enqueue(
        conn,
        &check,
        now() + chrono::Duration::hours(settings.first_contact_hours as i64),
    )?;
    Ok(offer.lead_id)
}

/// What became of a lead an agent passed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterDecline {
    /// Offered to another agent.
    OfferedOn,
    /// Nobody else can take it now: it waits unassigned, for this reason.
    Waiting(String),
}

impl AfterDecline {
    /// What the agent who passed is told.
    pub fn message(&self) -> String {
        match self {
            AfterDecline::OfferedOn => "You passed on the lead; it has been offered to another agent.".into(),
            AfterDecline::Waiting(why) => format!(
                "You passed on the lead. No other agent can take it now, so it waits unassigned for the office: {why}"
            ),
        }
    }
}

/// The agent passes, with a reason; the lead goes to the next eligible agent, or waits unassigned.
pub fn decline(
    conn: &mut DbConnection,
    agent_id: i64,
    user: (i64, &str),
    offer_id: i64,
    reason: &str,
    settings: &Settings,
) -> Result<AfterDecline, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.agent_id != agent_id {
        return Err(AppError::NotFound);
    }
    let reason = crate::text::required_line(reason, 300, "reason", "Say in a few words why you pass on this lead.")
        .map_err(|m| AppError::field("reason", &m))?;
    if !close_offer(conn, offer_id, "declined", Some(&reason))? {
        return Err(AppError::Conflict("This offer is no longer open.".into()));
    }
    notifications::answered(
        conn,
        &notifications::offer_subject(offer_id),
        &format!("You passed: {reason}"),
    )?;
    model::add_event(conn, offer.lead_id, Some(user.0), user.1, "declined", &reason)?;
    if route_lead(conn, offer.lead_id, settings)?.is_some() {
        return Ok(AfterDecline::OfferedOn);
    }
    let (lead, _) = model::find_lead(conn, offer.lead_id)?;
    Ok(AfterDecline::Waiting(
        lead.unassigned_reason
            .unwrap_or_else(|| "no agent is available for it right now.".into()),
    ))
}

/// The deadline passed without an answer: the next eligible agent gets the lead.
pub fn expire(conn: &mut DbConnection, offer_id: i64, settings: &Settings) -> Result<bool, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.status != "pending" {
        return Ok(false);
    }
    close_offer(conn, offer_id, "expired", None)?;
    notifications::answered(
        conn,
        &notifications::offer_subject(offer_id),
        "Time ran out before you answered.",
    )?;
    model::add_event(
        conn,
        offer.lead_id,
        None,
        "routing",
        "offer_expired",
        &format!("agent {}", offer.agent_id),
    )?;
    tell_withdrawn(conn, offer.agent_id, offer.lead_id, "ran out of time")?;
    route_lead(conn, offer.lead_id, settings)?;
    Ok(true)
}

/// Tells an agent an offer they could still see is gone.
fn tell_withdrawn(conn: &mut DbConnection, agent_id: i64, lead_id: i64, why: &str) -> Result<(), AppError> {
    let (_, agent_user) = agents_model::find_agent(conn, agent_id)?;
    let (_, contact) = model::find_lead(conn, lead_id)?;
    notifications::notify(
        conn,
        agent_user.id,
        "offer_withdrawn",
        &format!(
            "The offer of {} {} {why}; it is no longer yours to accept.",
            contact.first_name, contact.last_name
        ),
        "/leads",
    )?;
    Ok(())
}

/// Withdraws the lead's open offers (the lead was assigned another way); the agents are told.
pub fn withdraw_pending(conn: &mut DbConnection, lead_id: i64) -> Result<(), AppError> {
    let pending: Vec<(i64, i64)> = offers::table
        .filter(offers::lead_id.eq(lead_id))
        .filter(offers::status.eq("pending"))
        .select((offers::id, offers::agent_id))
        .load(conn)?;
    for (id, agent_id) in pending {
        if close_offer(conn, id, "withdrawn", None)? {
            notifications::answered(
                conn,
                &notifications::offer_subject(id),
                "The office assigned the lead another way.",
            )?;
            tell_withdrawn(conn, agent_id, lead_id, "was withdrawn by the office")?;
        }
    }
    Ok(())
}

/// Is this accepted lead stale: still with `agent_id`, still new (nobody contacted it)?
pub fn is_stale(lead: &LeadRow, agent_id: i64) -> bool {
    lead.assigned_agent_id == Some(agent_id)
        && lead.status == super::rules::LeadStatus::New.as_str()
        && lead.contacted_at.is_none()
        && lead.escalated_at.is_none()
}

/// The escalation check queued when an agent accepted: if the lead is still untouched, the owners
/// and admins are told (in the app and by e-mail) and the lead is marked, so it can be reassigned
/// in one click. Returns whether it escalated.
pub fn escalate(conn: &mut DbConnection, lead_id: i64, agent_id: i64, settings: &Settings) -> Result<bool, AppError> {
    let (lead, contact) = model::find_lead(conn, lead_id)?;
    if !is_stale(&lead, agent_id) {
        return Ok(false);
    }
    model::set_escalated(conn, lead_id)?;
    let (_, agent_user) = agents_model::find_agent(conn, agent_id)?;
    let hours = settings.first_contact_hours;
    let details = serde_json::json!({ "agent_id": agent_id, "agent": agent_user.name, "hours": hours });
    model::add_event(conn, lead_id, None, "routing", "escalated", &details.to_string())?;
    let text = format!(
        "{} {} was accepted by {} {hours} hours ago and has not been contacted.",
        contact.first_name, contact.last_name, agent_user.name
    );
    let link = format!("/leads/{lead_id}");
    for (uid, email, name) in notifications::staff_recipients(conn)? {
        notifications::notify(conn, uid, "escalated", &text, &link)?;
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: email,
                subject: format!("Lead not contacted: {} {}", contact.first_name, contact.last_name),
                body: format!(
                    "Hello {name},\n\n{text}\nReassign it in one click:\n{}{link}\n",
                    settings.base_url
                ),
            },
        )?;
    }
    Ok(true)
}

/// Takes a lead from its agent and routes it again, passing over that agent (owners and admins:
/// the one-click answer to an escalation). The new offer, or the reason it waits, is returned.
pub fn reroute(
    conn: &mut DbConnection,
    user: (i64, &str),
    lead_id: i64,
    settings: &Settings,
) -> Result<Option<i64>, AppError> {
    let (lead, _) = model::find_lead(conn, lead_id)?;
    let from = lead.assigned_agent_id;
    withdraw_pending(conn, lead_id)?;
    model::assign(conn, lead_id, None)?;
    let details = serde_json::json!({ "from_agent_id": from, "by": user.1 });
    model::add_event(conn, lead_id, Some(user.0), user.1, "rerouted", &details.to_string())?;
    route_lead_excluding(conn, lead_id, from.as_slice(), settings)
}
