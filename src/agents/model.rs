//! Every query of the agents domain: profiles, licences, certifications, teams, reminders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::readiness::{AgentFacts, CertificationFacts, LicenceFacts, LineOfAuthority};
use crate::auth::model::UserRow;
use crate::db::schema::{agent_licenses, agents, certifications, reminders_sent, teams, users};
use crate::db::{lower, now, search_patterns, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agents)]
pub struct AgentRow {
    pub id: i64,
    pub user_id: i64,
    pub slug: String,
    pub npn: Option<String>,
    pub phone: Option<String>,
    pub photo_path: Option<String>,
    pub bio: String,
    pub languages: String,
    pub leads_per_day: i32,
    pub max_open_leads: i32,
    pub accepting_leads: bool,
    pub working_hours: String,
    pub declared_states: String,
    pub team_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// ZIP of the office the agent works from; closest-agent routing measures from it.
    pub office_zip: Option<String>,
}

impl AgentRow {
    pub fn language_codes(&self) -> Vec<&str> {
        self.languages
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_licenses)]
pub struct LicenceRow {
    pub id: i64,
    pub agent_id: i64,
    pub state: String,
    pub number: String,
    pub resident: bool,
    pub lines: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl LicenceRow {
    pub fn lines_of_authority(&self) -> Vec<LineOfAuthority> {
        self.lines.split(',').filter_map(|l| l.trim().parse().ok()).collect()
    }

    pub fn lines_label(&self) -> String {
        self.lines_of_authority()
            .iter()
            .map(|l| l.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn facts(&self) -> LicenceFacts {
        LicenceFacts {
            state: self.state.clone(),
            resident: self.resident,
            lines: self.lines_of_authority(),
            issued_on: self.issued_on,
            expires_on: self.expires_on,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certifications)]
pub struct CertificationRow {
    pub id: i64,
    pub agent_id: i64,
    pub kind: String,
    pub plan_year: i32,
    pub earned_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub source: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CertificationRow {
    pub fn facts(&self) -> CertificationFacts {
        CertificationFacts {
            kind: self.kind.clone(),
            plan_year: self.plan_year,
            earned_on: self.earned_on,
            expires_on: self.expires_on,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub leader_agent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Everything the readiness rule needs about one agent.
pub fn facts(user: &UserRow, licences: &[LicenceRow], certs: &[CertificationRow]) -> AgentFacts {
    AgentFacts {
        active: user.active,
        licences: licences.iter().map(LicenceRow::facts).collect(),
        certifications: certs.iter().map(CertificationRow::facts).collect(),
    }
}

// ---- profiles -------------------------------------------------------------------------------

#[derive(Debug, Insertable)]
#[diesel(table_name = agents)]
pub struct NewAgent<'a> {
    pub user_id: i64,
    pub slug: &'a str,
    pub npn: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub bio: &'a str,
    pub languages: &'a str,
    pub leads_per_day: i32,
    pub max_open_leads: i32,
    pub accepting_leads: bool,
    pub working_hours: &'a str,
    pub declared_states: &'a str,
    pub team_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_agent(conn: &mut DbConnection, new: &NewAgent) -> QueryResult<i64> {
    diesel::insert_into(agents::table)
        .values(new)
        .returning(agents::id)
        .get_result(conn)
}

pub fn find_agent(conn: &mut DbConnection, id: i64) -> QueryResult<(AgentRow, UserRow)> {
    agents::table
        .inner_join(users::table)
        .filter(agents::id.eq(id))
        .select((AgentRow::as_select(), UserRow::as_select()))
        .first(conn)
}

pub fn find_agent_by_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<AgentRow>> {
    agents::table
        .filter(agents::user_id.eq(user_id))
        .select(AgentRow::as_select())
        .first(conn)
        .optional()
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    Ok(agents::table
        .filter(agents::slug.eq(slug))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// `base`, or `base-2`, `base-3`, … whichever is free.
pub fn free_slug(conn: &mut DbConnection, base: &str) -> QueryResult<String> {
    if !slug_taken(conn, base)? {
        return Ok(base.to_string());
    }
    for n in 2.. {
        let candidate = format!("{base}-{n}");
        if !slug_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    unreachable!()
}

/// The agent holding this NPN, if any.
pub fn agent_with_npn(conn: &mut DbConnection, npn: &str) -> QueryResult<Option<i64>> {
    agents::table
        .filter(agents::npn.eq(npn))
        .select(agents::id)
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = agents, treat_none_as_null = true)]
pub struct ProfileChanges {
    pub npn: Option<String>,
    pub phone: Option<String>,
    pub office_zip: Option<String>,
    pub bio: String,
    pub languages: String,
    pub accepting_leads: bool,
    pub working_hours: String,
    pub updated_at: NaiveDateTime,
}

pub fn update_profile(conn: &mut DbConnection, id: i64, changes: &ProfileChanges) -> QueryResult<usize> {
    diesel::update(agents::table.find(id)).set(changes).execute(conn)
}

pub fn update_capacity(conn: &mut DbConnection, id: i64, per_day: i32, max_open: i32) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set((
            agents::leads_per_day.eq(per_day),
            agents::max_open_leads.eq(max_open),
            agents::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn set_photo(conn: &mut DbConnection, id: i64, path: Option<&str>) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set((agents::photo_path.eq(path), agents::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_team(conn: &mut DbConnection, agent_id: i64, team_id: Option<i64>) -> QueryResult<usize> {
    diesel::update(agents::table.find(agent_id))
        .set((agents::team_id.eq(team_id), agents::updated_at.eq(now())))
        .execute(conn)
}

// ---- licences and certifications -------------------------------------------------------------

pub fn licences_of(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<LicenceRow>> {
    agent_licenses::table
        .filter(agent_licenses::agent_id.eq(agent_id))
        .order((agent_licenses::state.asc(), agent_licenses::expires_on.desc()))
        .select(LicenceRow::as_select())
        .load(conn)
}

pub fn certifications_of(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<CertificationRow>> {
    certifications::table
        .filter(certifications::agent_id.eq(agent_id))
        .order((certifications::plan_year.desc(), certifications::kind.asc()))
        .select(CertificationRow::as_select())
        .load(conn)
}

/// Licences of many agents in one query.
pub fn licences_of_many(conn: &mut DbConnection, agent_ids: &[i64]) -> QueryResult<Vec<LicenceRow>> {
    let mut all = Vec::new();
    for chunk in agent_ids.chunks(500) {
        all.extend(
            agent_licenses::table
                .filter(agent_licenses::agent_id.eq_any(chunk))
                .select(LicenceRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

pub fn certifications_of_many(conn: &mut DbConnection, agent_ids: &[i64]) -> QueryResult<Vec<CertificationRow>> {
    let mut all = Vec::new();
    for chunk in agent_ids.chunks(500) {
        all.extend(
            certifications::table
                .filter(certifications::agent_id.eq_any(chunk))
                .select(CertificationRow::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

pub struct NewLicence<'a> {
    pub agent_id: i64,
    pub state: &'a str,
    pub number: &'a str,
    pub resident: bool,
    pub lines: &'a str,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

pub fn insert_licence(conn: &mut DbConnection, l: &NewLicence) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(agent_licenses::table)
        .values((
            agent_licenses::agent_id.eq(l.agent_id),
            agent_licenses::state.eq(l.state),
            agent_licenses::number.eq(l.number),
            agent_licenses::resident.eq(l.resident),
            agent_licenses::lines.eq(l.lines),
            agent_licenses::issued_on.eq(l.issued_on),
            agent_licenses::expires_on.eq(l.expires_on),
            agent_licenses::created_at.eq(t),
            agent_licenses::updated_at.eq(t),
        ))
        .returning(agent_licenses::id)
        .get_result(conn)
}

pub fn find_licence(conn: &mut DbConnection, id: i64) -> QueryResult<LicenceRow> {
    agent_licenses::table
        .find(id)
        .select(LicenceRow::as_select())
        .first(conn)
}

pub fn delete_licence(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(agent_licenses::table.find(id)).execute(conn)
}

pub struct NewCertification<'a> {
    pub agent_id: i64,
    pub kind: &'a str,
    pub plan_year: i32,
    pub earned_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub source: &'a str,
}

pub fn insert_certification(conn: &mut DbConnection, c: &NewCertification) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(certifications::table)
        .values((
            certifications::agent_id.eq(c.agent_id),
            certifications::kind.eq(c.kind),
            certifications::plan_year.eq(c.plan_year),
            certifications::earned_on.eq(c.earned_on),
            certifications::expires_on.eq(c.expires_on),
            certifications::source.eq(c.source),
            certifications::created_at.eq(t),
            certifications::updated_at.eq(t),
        ))
        .returning(certifications::id)
        .get_result(conn)
}

pub fn find_certification(conn: &mut DbConnection, id: i64) -> QueryResult<CertificationRow> {
    certifications::table
        .find(id)
        .select(CertificationRow::as_select())
        .first(conn)
}

pub fn delete_certification(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(certifications::table.find(id)).execute(conn)
}

// ---- teams ----------------------------------------------------------------------------------

pub fn list_teams(conn: &mut DbConnection) -> QueryResult<Vec<TeamRow>> {
    teams::table
        .order(teams::name.asc())
        .select(TeamRow::as_select())
        .load(conn)
}

pub fn find_team(conn: &mut DbConnection, id: i64) -> QueryResult<TeamRow> {
    teams::table.find(id).select(TeamRow::as_select()).first(conn)
}

pub fn team_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<TeamRow>> {
    teams::table
        .filter(lower(teams::name).eq(name.to_lowercase()))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_team(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(teams::table)
        .values((teams::name.eq(name), teams::created_at.eq(t), teams::updated_at.eq(t)))
        .returning(teams::id)
        .get_result(conn)
}

pub fn set_leader(conn: &mut DbConnection, team_id: i64, leader: Option<i64>) -> QueryResult<usize> {
    diesel::update(teams::table.find(team_id))
        .set((teams::leader_agent_id.eq(leader), teams::updated_at.eq(now())))
        .execute(conn)
}

pub fn rename_team(conn: &mut DbConnection, team_id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(teams::table.find(team_id))
        .set((teams::name.eq(name), teams::updated_at.eq(now())))
        .execute(conn)
}

pub fn delete_team(conn: &mut DbConnection, team_id: i64) -> QueryResult<usize> {
    diesel::update(agents::table.filter(agents::team_id.eq(team_id)))
        .set(agents::team_id.eq(None::<i64>))
        .execute(conn)?;
    diesel::delete(teams::table.find(team_id)).execute(conn)
}

pub fn team_members(conn: &mut DbConnection, team_id: i64) -> QueryResult<Vec<(AgentRow, UserRow)>> {
    agents::table
        .inner_join(users::table)
        .filter(agents::team_id.eq(team_id))
        .order(users::name.asc())
        .select((AgentRow::as_select(), UserRow::as_select()))
        .load(conn)
}

/// The team an agent leads, if any.
pub fn team_led_by(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Option<TeamRow>> {
    teams::table
        .filter(teams::leader_agent_id.eq(agent_id))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()
}

pub fn team_sizes(conn: &mut DbConnection) -> QueryResult<Vec<(Option<i64>, i64)>> {
    agents::table
        .group_by(agents::team_id)
        .select((agents::team_id, diesel::dsl::count_star()))
        .load(conn)
}

// ---- the roster -----------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    pub q: Option<String>,
    /// "active", "deactivated", "accepting", "paused"
    pub status: Option<String>,
    pub team_id: Option<i64>,
    /// Holds an unexpired licence in this state.
    pub licence_state: Option<String>,
    /// A licence or certification expires between today and this day.
    pub expiring_by: Option<NaiveDate>,
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterSort {
    Name,
    NameDesc,
    Npn,
    Newest,
}

impl RosterSort {
    pub fn parse(s: Option<&str>) -> RosterSort {
        match s {
            Some("-name") => RosterSort::NameDesc,
            Some("npn") => RosterSort::Npn,
            Some("newest") => RosterSort::Newest,
            _ => RosterSort::Name,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RosterSort::Name => "name",
            RosterSort::NameDesc => "-name",
            RosterSort::Npn => "npn",
            RosterSort::Newest => "newest",
        }
    }
}

/// The ids of the agents that match, in order (the page is cut by the caller, after any
/// filter that has to be computed in Rust).
pub fn roster_ids(conn: &mut DbConnection, f: &RosterFilter, sort: RosterSort) -> QueryResult<Vec<i64>> {
    let today = f.today.unwrap_or_else(|| now().date());
    let mut q = agents::table.inner_join(users::table).into_boxed();
    if let Some(text) = f.q.as_deref() {
        // Every word in the name, the e-mail or (a number) the start of the NPN, in any order.
        for (word, p) in text.split_whitespace().zip(search_patterns(text)) {
            let digits: String = word.chars().filter(char::is_ascii_digit).collect();
            let by_text = lower(users::name)
                .like(p.clone())
                .escape('\\')
                .or(users::email.like(p).escape('\\'));
            if digits.is_empty() {
                q = q.filter(by_text);
            } else {
                q = q.filter(by_text.or(agents::npn.like(format!("{digits}%"))));
            }
        }
    }
    match f.status.as_deref() {
        Some("active") => q = q.filter(users::active.eq(true)),
        Some("deactivated") => q = q.filter(users::active.eq(false)),
        Some("accepting") => {
            q = q
                .filter(users::active.eq(true))
                .filter(agents::accepting_leads.eq(true))
        }
        Some("paused") => {
            q = q
                .filter(users::active.eq(true))
                .filter(agents::accepting_leads.eq(false))
        }
        _ => {}
    }
    if let Some(team) = f.team_id {
        q = q.filter(agents::team_id.eq(team));
    }
    if let Some(state) = f.licence_state.as_deref() {
        let holders = agent_licenses::table
            .filter(agent_licenses::state.eq(state.to_string()))
            .filter(agent_licenses::expires_on.ge(today))
            .select(agent_licenses::agent_id);
        q = q.filter(agents::id.eq_any(holders));
    }
    if let Some(by) = f.expiring_by {
        let lic = agent_licenses::table
            .filter(agent_licenses::expires_on.ge(today))
            .filter(agent_licenses::expires_on.le(by))
            .select(agent_licenses::agent_id);
        let cert = certifications::table
            .filter(certifications::expires_on.ge(today))
            .filter(certifications::expires_on.le(by))
            .select(certifications::agent_id);
        q = q.filter(agents::id.eq_any(lic).or(agents::id.eq_any(cert)));
    }
    q = match sort {
        RosterSort::Name => q.order((users::name.asc(), agents::id.asc())),
        RosterSort::NameDesc => q.order((users::name.desc(), agents::id.desc())),
        RosterSort::Npn => q.order((agents::npn.asc(), agents::id.asc())),
        RosterSort::Newest => q.order(agents::id.desc()),
    };
    q.select(agents::id).load(conn)
}

/// Agents with their users, in the order of `ids`.
pub fn agents_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(AgentRow, UserRow)>> {
    let rows: Vec<(AgentRow, UserRow)> = agents::table
        .inner_join(users::table)
        .filter(agents::id.eq_any(ids))
        .select((AgentRow::as_select(), UserRow::as_select()))
        .load(conn)?;
    let mut by_id: std::collections::HashMap<i64, (AgentRow, UserRow)> =
        rows.into_iter().map(|r| (r.0.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

// ---- reminders ------------------------------------------------------------------------------

/// Records that the reminder `key` is being sent; false when it was sent before.
pub fn claim_reminder(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    let exists = reminders_sent::table
        .filter(reminders_sent::key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(reminders_sent::table)
        .values((reminders_sent::key.eq(key), reminders_sent::created_at.eq(now())))
        .execute(conn)?;
    Ok(true)
}

/// Licences expiring between `from` and `to` (inclusive), with their agents' users.
pub fn licences_expiring(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(LicenceRow, UserRow)>> {
    let licences: Vec<LicenceRow> = agent_licenses::table
        .filter(agent_licenses::expires_on.ge(from))
        .filter(agent_licenses::expires_on.le(to))
        .order(agent_licenses::expires_on.asc())
        .select(LicenceRow::as_select())
        .load(conn)?;
    with_active_users(conn, licences, |l| l.agent_id)
}

pub fn certifications_expiring(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(CertificationRow, UserRow)>> {
    let certifications: Vec<CertificationRow> = certifications::table
        .filter(certifications::expires_on.ge(from))
        .filter(certifications::expires_on.le(to))
        .order(certifications::expires_on.asc())
        .select(CertificationRow::as_select())
        .load(conn)?;
    with_active_users(conn, certifications, |c| c.agent_id)
}

/// Each row with the active user behind its agent (rows of inactive agents are left out). The
/// expiring lists read the date range first and then this: joined in one query, SQLite (which
/// plans without the bound dates) started from every active user and took 30 ms at 10,000 agents
/// for the owner's dashboard.
fn with_active_users<R>(
    conn: &mut DbConnection,
    rows: Vec<R>,
    agent_of: impl Fn(&R) -> i64,
) -> QueryResult<Vec<(R, UserRow)>> {
    let mut ids: Vec<i64> = rows.iter().map(&agent_of).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut holders = std::collections::HashMap::new();
    for chunk in ids.chunks(5000) {
        let found: Vec<(i64, UserRow)> = agents::table
            .inner_join(users::table)
            .filter(agents::id.eq_any(chunk))
            .filter(users::active.eq(true))
            .select((agents::id, UserRow::as_select()))
            .load(conn)?;
        holders.extend(found);
    }
    Ok(rows
        .into_iter()
        .filter_map(|r| holders.get(&agent_of(&r)).map(|u| (r, u.clone())))
        .collect())
}

pub fn set_declared_states(conn: &mut DbConnection, agent_id: i64, states: &str) -> QueryResult<usize> {
    diesel::update(agents::table.find(agent_id))
        .set(agents::declared_states.eq(states))
        .execute(conn)
}
