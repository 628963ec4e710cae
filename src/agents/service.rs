//! State changes to agents, each checking who may make it. Inputs are parsed into domain values
//! first; every bad field is named.

use chrono::NaiveDate;

use super::fields::{self, WorkingHours};
use super::model::{self, NewAgent, NewCertification, NewLicence, ProfileChanges};
use super::readiness::LineOfAuthority;
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::{now, DbConnection};
use crate::domain;
use crate::error::{AppError, FieldErrors};
use crate::text;

// ---- who may do what ------------------------------------------------------------------------

/// Staff manage every agent; an agent manages their own profile, licences and certifications.
pub fn may_edit_agent(actor: Actor, agent_user_id: i64) -> Result<(), AppError> {
    if actor.role.is_staff() || actor.id == agent_user_id {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Capacity (leads per day, open leads) and teams are the agency's to set.
pub fn may_manage_agency(actor: Actor) -> Result<(), AppError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub fn is_agent_role(role: Role) -> bool {
    matches!(role, Role::Agent | Role::Trainee)
}

// ---- profiles -------------------------------------------------------------------------------

/// The agent profile of a user with the agent or trainee role, made on first need.
pub fn ensure_profile(conn: &mut DbConnection, user_id: i64, name: &str) -> Result<i64, AppError> {
    if let Some(a) = model::find_agent_by_user(conn, user_id)? {
        return Ok(a.id);
    }
    let slug = model::free_slug(conn, &fields::slugify(name))?;
    let hours = WorkingHours::weekdays_9_to_5().to_storage();
    let t = now();
    Ok(model::insert_agent(
        conn,
        &NewAgent {
            user_id,
            slug: &slug,
            npn: None,
            phone: None,
            bio: "",
            languages: "en",
            leads_per_day: 10,
            max_open_leads: 50,
            accepting_leads: false,
            working_hours: &hours,
            declared_states: "",
            team_id: None,
            created_at: t,
            updated_at: t,
        },
    )?)
}

/// Makes sure a user holding an agent role has a profile: what creating a user, inviting one and
/// changing a role all need (see `users::service`).
pub fn ensure_profile_for_role(conn: &mut DbConnection, user_id: i64, name: &str, role: Role) -> Result<(), AppError> {
    if is_agent_role(role) {
        ensure_profile(conn, user_id, name)?;
    }
    Ok(())
}

/// The profile form, as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ProfileForm {
    pub npn: Option<String>,
    pub office_zip: Option<String>,
    pub phone: Option<String>,
    pub bio: Option<String>,
    pub languages: Option<String>,
    pub accepting_leads: Option<String>,
    pub leads_per_day: Option<String>,
    pub max_open_leads: Option<String>,
    pub mon_start: Option<String>,
    pub mon_end: Option<String>,
    pub tue_start: Option<String>,
    pub tue_end: Option<String>,
    pub wed_start: Option<String>,
    pub wed_end: Option<String>,
    pub thu_start: Option<String>,
    pub thu_end: Option<String>,
    pub fri_start: Option<String>,
    pub fri_end: Option<String>,
    pub sat_start: Option<String>,
    pub sat_end: Option<String>,
    pub sun_start: Option<String>,
    pub sun_end: Option<String>,
}

pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl ProfileForm {
    fn day(&self, i: usize) -> (&str, &str) {
        let pick = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
        let (s, e) = match i {
            0 => (&self.mon_start, &self.mon_end),
            1 => (&self.tue_start, &self.tue_end),
            2 => (&self.wed_start, &self.wed_end),
            3 => (&self.thu_start, &self.thu_end),
            4 => (&self.fri_start, &self.fri_end),
            5 => (&self.sat_start, &self.sat_end),
            _ => (&self.sun_start, &self.sun_end),
        };
        let _ = pick;
        (s.as_deref().unwrap_or("").trim(), e.as_deref().unwrap_or("").trim())
    }

    /// The form filled from a stored profile.
    pub fn from_row(a: &model::AgentRow) -> ProfileForm {
        let hours = WorkingHours::from_storage(&a.working_hours);
        let t = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let mut f = ProfileForm {
            npn: a.npn.clone(),
            office_zip: a.office_zip.clone(),
            phone: a.phone.clone(),
            bio: Some(a.bio.clone()),
            languages: Some(
                a.language_codes()
                    .iter()
                    .map(|c| domain::language_name(c).unwrap_or(c))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            accepting_leads: a.accepting_leads.then(|| "yes".into()),
            leads_per_day: Some(a.leads_per_day.to_string()),
            max_open_leads: Some(a.max_open_leads.to_string()),
            ..Default::default()
        };
        for (i, day) in hours.days.iter().enumerate() {
            let (s, e) = match day {
                Some((s, e)) => (Some(t(*s)), Some(t(*e))),
                None => (None, None),
            };
            match i {
                0 => (f.mon_start, f.mon_end) = (s, e),
                1 => (f.tue_start, f.tue_end) = (s, e),
                2 => (f.wed_start, f.wed_end) = (s, e),
                3 => (f.thu_start, f.thu_end) = (s, e),
                4 => (f.fri_start, f.fri_end) = (s, e),
                5 => (f.sat_start, f.sat_end) = (s, e),
                _ => (f.sun_start, f.sun_end) = (s, e),
            }
        }
        f
    }

    pub fn start(&self, i: &usize) -> String {
        self.day(*i).0.to_string()
    }

    pub fn end(&self, i: &usize) -> String {
        self.day(*i).1.to_string()
    }

    pub fn text(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

pub struct ParsedProfile {
    pub changes: ProfileChanges,
    pub capacity: Option<(i32, i32)>,
}

fn parse_count(raw: Option<&str>, field: &str, max: i32, errors: &mut FieldErrors) -> Option<i32> {
    match raw.map(str::trim).unwrap_or("").parse::<i32>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            errors.add(field, format!("Enter a whole number from 0 to {max}."));
            None
        }
    }
}

/// Parses the profile form. `with_capacity` is true when staff edit (capacity is theirs to set).
pub fn parse_profile(form: &ProfileForm, with_capacity: bool) -> Result<ParsedProfile, FieldErrors> {
    let mut errors = FieldErrors::new();
    let npn = match form.npn.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => domain::parse_npn(raw).map_err(|m| errors.add("npn", m)).ok(),
        None => None,
    };
    let phone = match form.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => domain::parse_phone(raw).map_err(|m| errors.add("phone", m)).ok(),
        None => None,
    };
    let office_zip = match form.office_zip.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => match crate::geo::lookup(raw) {
            Some(z) => Some(z.zip.to_string()),
            None => {
                errors.add("office_zip", "Enter the office's five-digit US ZIP code, like 33101.");
                None
            }
        },
        None => None,
    };
    let bio = text::clean_text(form.bio.as_deref().unwrap_or_default(), 4000)
        .map_err(|e| errors.add("bio", e.message_or_long("bio", "Keep the bio under 4,000 characters.")))
        .unwrap_or_default();
    let languages = domain::parse_languages(form.languages.as_deref().unwrap_or(""))
        .map_err(|m| errors.add("languages", m))
        .unwrap_or_default();
    let mut hours = WorkingHours { days: [None; 7] };
    for (i, key) in DAY_KEYS.iter().enumerate() {
        let (s, e) = form.day(i);
        match WorkingHours::parse_day(s, e) {
            Ok(d) => hours.days[i] = d,
            Err(m) => errors.add(&format!("{key}_hours"), m),
        }
    }
    let capacity = if with_capacity {
        let per_day = parse_count(form.leads_per_day.as_deref(), "leads_per_day", 1000, &mut errors);
        let open = parse_count(form.max_open_leads.as_deref(), "max_open_leads", 10000, &mut errors);
        per_day.zip(open)
    } else {
        None
    };
    errors.clone().into_result().map_err(|_| errors)?;
    Ok(ParsedProfile {
        changes: ProfileChanges {
            npn,
            phone,
            office_zip,
            bio,
            languages: if languages.is_empty() {
                "en".into()
            } else {
                languages.join(",")
            },
            accepting_leads: form.accepting_leads.is_some(),
            working_hours: hours.to_storage(),
            updated_at: now(),
        },
        capacity,
    })
}

pub fn update_profile(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    parsed: &ParsedProfile,
) -> Result<(), AppError> {
    let (agent, user) = model::find_agent(conn, agent_id)?;
    may_edit_agent(actor, user.id)?;
    if let Some(npn) = parsed.changes.npn.as_deref() {
        if model::agent_with_npn(conn, npn)?.is_some_and(|other| other != agent_id) {
            return Err(AppError::field("npn", "Another agent already has this NPN."));
        }
    }
    model::update_profile(conn, agent_id, &parsed.changes)?;
    let mut detail = format!("profile of {}", user.email);
    if let Some((per_day, open)) = parsed.capacity {
        may_manage_agency(actor)?;
        if (per_day, open) != (agent.leads_per_day, agent.max_open_leads) {
            model::update_capacity(conn, agent_id, per_day, open)?;
            detail.push_str(&format!("; capacity {per_day}/day, {open} open"));
        }
    }
    if agent.accepting_leads != parsed.changes.accepting_leads {
        detail.push_str(if parsed.changes.accepting_leads {
            "; accepting leads"
        } else {
            "; not accepting leads"
        });
    }
    audit::record(conn, who, "agent.updated", "agent", Some(agent_id), &detail)?;
    Ok(())
}

pub fn set_accepting(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    accepting: bool,
) -> Result<(), AppError> {
    let (agent, user) = model::find_agent(conn, agent_id)?;
    may_edit_agent(actor, user.id)?;
    let changes = ProfileChanges {
        npn: agent.npn,
        phone: agent.phone,
        office_zip: agent.office_zip,
        bio: agent.bio,
        languages: agent.languages,
        accepting_leads: accepting,
        working_hours: agent.working_hours,
        updated_at: now(),
    };
    model::update_profile(conn, agent_id, &changes)?;
    audit::record(
        conn,
        who,
        if accepting {
            "agent.accepting_leads"
        } else {
            "agent.paused_leads"
        },
        "agent",
        Some(agent_id),
        &user.email,
    )?;
    Ok(())
}

pub fn set_photo(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    file: &str,
) -> Result<Option<String>, AppError> {
    let (agent, user) = model::find_agent(conn, agent_id)?;
    may_edit_agent(actor, user.id)?;
    model::set_photo(conn, agent_id, Some(file))?;
    audit::record(conn, who, "agent.photo_changed", "agent", Some(agent_id), &user.email)?;
    Ok(agent.photo_path)
}

// ---- inviting agents ------------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct NewAgentForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub npn: Option<String>,
    pub phone: Option<String>,
    pub team_id: Option<String>,
}

/// Invites a new agent (or trainee): the account, its invitation e-mail and the profile.
pub fn invite_agent(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    inviter: &str,
    form: &NewAgentForm,
    settings: &crate::config::Settings,
) -> Result<i64, AppError> {
    may_manage_agency(actor)?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut errors =
        match crate::auth::service::Invitation::parse(&text(&form.email), &text(&form.name), &text(&form.role)) {
            Ok(_) => FieldErrors::new(),
            Err(e) => e,
        };
    let role = text(&form.role).parse::<Role>().ok();
    if role.is_some_and(|r| !is_agent_role(r)) {
        errors.add("role", "Choose agent or trainee.");
    }
    let npn = match form.npn.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => domain::parse_npn(raw).map_err(|m| errors.add("npn", m)).ok(),
        None => None,
    };
    let phone = match form.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => domain::parse_phone(raw).map_err(|m| errors.add("phone", m)).ok(),
        None => None,
    };
    let team_id = match form.team_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => match raw.parse::<i64>().ok().map(|id| model::find_team(conn, id)) {
            Some(Ok(t)) => Some(t.id),
            _ => {
                errors.add("team_id", "Choose a team from the list.");
                None
            }
        },
        None => None,
    };
    if let Some(n) = npn.as_deref() {
        if model::agent_with_npn(conn, n)?.is_some() {
            errors.add("npn", "Another agent already has this NPN.");
        }
    }
    errors.clone().into_result()?;
    let inv = crate::auth::service::Invitation::parse(&text(&form.email), &text(&form.name), &text(&form.role))
        .map_err(AppError::Validation)?;
    let user_id = crate::auth::service::invite(conn, actor, who, inviter, &inv, settings)?;
    let agent_id = ensure_profile(conn, user_id, &inv.name)?;
    if npn.is_some() || phone.is_some() || team_id.is_some() {
        let (agent, _) = model::find_agent(conn, agent_id)?;
        let changes = ProfileChanges {
            npn,
            phone,
            office_zip: agent.office_zip,
            bio: agent.bio,
            languages: agent.languages,
            accepting_leads: agent.accepting_leads,
            working_hours: agent.working_hours,
            updated_at: now(),
        };
        model::update_profile(conn, agent_id, &changes)?;
        model::set_team(conn, agent_id, team_id)?;
    }
    audit::record(conn, who, "agent.created", "agent", Some(agent_id), &inv.email)?;
    Ok(agent_id)
}

// ---- licences and certifications -------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LicenceForm {
    pub state: Option<String>,
    pub number: Option<String>,
    pub resident: Option<String>,
    pub line_health: Option<String>,
    pub line_life: Option<String>,
    pub line_accident_health: Option<String>,
    pub line_property: Option<String>,
    pub line_casualty: Option<String>,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
}

fn parse_date(raw: Option<&str>, field: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.add(field, "Enter a date.");
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if (1950..=2150).contains(&chrono::Datelike::year(&d)) => Some(d),
            _ => {
                errors.add(field, "Enter a date as YYYY-MM-DD.");
                None
            }
        },
    }
}

pub struct ParsedLicence {
    pub state: &'static str,
    pub number: String,
    pub resident: bool,
    pub lines: Vec<LineOfAuthority>,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

pub fn parse_licence(form: &LicenceForm) -> Result<ParsedLicence, FieldErrors> {
    let mut errors = FieldErrors::new();
    let state = domain::parse_state(form.state.as_deref().unwrap_or(""))
        .map_err(|m| errors.add("state", m))
        .ok();
    let number = form.number.as_deref().unwrap_or("").trim().to_string();
    if number.is_empty() || number.len() > 40 || !number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add("number", "Enter the licence number (letters, digits and dashes).");
    }
    let lines: Vec<LineOfAuthority> = [
        (&form.line_health, LineOfAuthority::Health),
        (&form.line_life, LineOfAuthority::Life),
        (&form.line_accident_health, LineOfAuthority::AccidentHealth),
        (&form.line_property, LineOfAuthority::Property),
        (&form.line_casualty, LineOfAuthority::Casualty),
    ]
    .into_iter()
    .filter(|(v, _)| v.is_some())
    .map(|(_, l)| l)
    .collect();
    if lines.is_empty() {
        errors.add("lines", "Tick at least one line of authority.");
    }
    let issued = parse_date(form.issued_on.as_deref(), "issued_on", &mut errors);
    let expires = parse_date(form.expires_on.as_deref(), "expires_on", &mut errors);
    if let (Some(i), Some(e)) = (issued, expires) {
        if e <= i {
            errors.add("expires_on", "The expiry date must be after the issue date.");
        }
    }
    match (state, issued, expires) {
        (Some(state), Some(issued_on), Some(expires_on)) if errors.is_empty() => Ok(ParsedLicence {
            state,
            number,
            resident: form.resident.is_some(),
            lines,
            issued_on,
            expires_on,
        }),
        _ => Err(errors),
    }
}

pub fn add_licence(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    l: &ParsedLicence,
) -> Result<i64, AppError> {
    let (_, user) = model::find_agent(conn, agent_id)?;
    may_edit_agent(actor, user.id)?;
    let lines = l.lines.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(",");
    let id = model::insert_licence(
        conn,
        &NewLicence {
            agent_id,
            state: l.state,
            number: &l.number,
            resident: l.resident,
            lines: &lines,
            issued_on: l.issued_on,
            expires_on: l.expires_on,
        },
    )?;
    let kind = if l.resident { "resident" } else { "non-resident" };
    audit::record(
        conn,
        who,
        "licence.added",
        "agent",
        Some(agent_id),
        &format!(
            "{} {kind} licence {} ({lines}), expires {}",
            l.state, l.number, l.expires_on
        ),
    )?;
    Ok(id)
}

/// Removes a licence; `agent_id` is the agent the request is about, so a licence of another agent
/// is refused even to someone who may edit this one.
pub fn remove_licence(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    licence_id: i64,
) -> Result<(), AppError> {
    let licence = model::find_licence(conn, licence_id)?;
    let (_, user) = model::find_agent(conn, licence.agent_id)?;
    may_edit_agent(actor, user.id)?;
    if licence.agent_id != agent_id {
        return Err(AppError::Forbidden);
    }
    model::delete_licence(conn, licence_id)?;
    audit::record(
        conn,
        who,
        "licence.removed",
        "agent",
        Some(agent_id),
        &format!("{} licence {}", licence.state, licence.number),
    )?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CertificationForm {
    pub kind: Option<String>,
    pub plan_year: Option<String>,
    pub earned_on: Option<String>,
    pub expires_on: Option<String>,
}

pub struct ParsedCertification {
    pub kind: String,
    pub plan_year: i32,
    pub earned_on: NaiveDate,
    pub expires_on: NaiveDate,
}

pub fn parse_certification(form: &CertificationForm) -> Result<ParsedCertification, FieldErrors> {
    let mut errors = FieldErrors::new();
    let raw_kind = form
        .kind
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let kind = if raw_kind.eq_ignore_ascii_case("ahip") {
        "AHIP".to_string()
    } else {
        raw_kind
    };
    if kind.is_empty() || kind.chars().count() > 60 {
        errors.add("kind", "Enter AHIP or the carrier's name.");
    }
    let plan_year = match form.plan_year.as_deref().unwrap_or("").trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            errors.add("plan_year", "Enter the plan year, like 2027.");
            None
        }
    };
    // "cert_expires_on", so the licence form beside it on the page does not show this error.
    let earned = parse_date(form.earned_on.as_deref(), "earned_on", &mut errors);
    let expires = parse_date(form.expires_on.as_deref(), "cert_expires_on", &mut errors);
    if let (Some(i), Some(e)) = (earned, expires) {
        if e <= i {
            errors.add(
                "cert_expires_on",
                "The expiry date must be after the date it was earned.",
            );
        }
    }
    match (plan_year, earned, expires) {
        (Some(plan_year), Some(earned_on), Some(expires_on)) if errors.is_empty() => Ok(ParsedCertification {
            kind,
            plan_year,
            earned_on,
            expires_on,
        }),
        _ => Err(errors),
    }
}

pub fn add_certification(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    c: &ParsedCertification,
    source: &str,
) -> Result<i64, AppError> {
    let (_, user) = model::find_agent(conn, agent_id)?;
    may_edit_agent(actor, user.id)?;
    let id = model::insert_certification(
        conn,
        &NewCertification {
            agent_id,
            kind: &c.kind,
            plan_year: c.plan_year,
            earned_on: c.earned_on,
            expires_on: c.expires_on,
            source,
        },
    )?;
    audit::record(
        conn,
        who,
        "certification.added",
        "agent",
        Some(agent_id),
        &format!("{} {} ({source}), expires {}", c.kind, c.plan_year, c.expires_on),
    )?;
    Ok(id)
}

pub fn remove_certification(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    agent_id: i64,
    cert_id: i64,
) -> Result<(), AppError> {
    let cert = model::find_certification(conn, cert_id)?;
    let (_, user) = model::find_agent(conn, cert.agent_id)?;
    may_edit_agent(actor, user.id)?;
    if cert.agent_id != agent_id {
        return Err(AppError::Forbidden);
    }
    model::delete_certification(conn, cert_id)?;
    audit::record(
        conn,
        who,
        "certification.removed",
        "agent",
        Some(agent_id),
        &format!("{} {}", cert.kind, cert.plan_year),
    )?;
    Ok(())
}

// ---- teams ----------------------------------------------------------------------------------

/// A team's name: one line of 1 to 120 characters (digits alone are a fine name for a team).
fn parse_team_name(raw: &str) -> Result<String, AppError> {
    text::clean_line(raw, 120)
        .and_then(text::non_empty)
        .map_err(|e| AppError::field("name", &e.message("team name")))
}

pub fn create_team(conn: &mut DbConnection, actor: Actor, who: &AuditActor, name: &str) -> Result<i64, AppError> {
    may_manage_agency(actor)?;
    let name = parse_team_name(name)?;
    if model::team_by_name(conn, &name)?.is_some() {
        return Err(AppError::field("name", "A team with this name already exists."));
    }
    let id = model::insert_team(conn, &name)?;
    audit::record(conn, who, "team.created", "team", Some(id), &name)?;
    Ok(id)
}

/// Renames a team and sets its leader (who must be a member, or becomes one).
pub fn update_team(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    team_id: i64,
    name: &str,
    leader: Option<i64>,
) -> Result<(), AppError> {
    may_manage_agency(actor)?;
    let team = model::find_team(conn, team_id)?;
    let name = parse_team_name(name)?;
    if model::team_by_name(conn, &name)?.is_some_and(|t| t.id != team_id) {
        return Err(AppError::field("name", "A team with this name already exists."));
    }
    model::rename_team(conn, team_id, &name)?;
    if let Some(agent_id) = leader {
        let (agent, _) = model::find_agent(conn, agent_id)
            .map_err(|_| AppError::field("leader_agent_id", "Choose an agent from the list."))?;
        if agent.team_id != Some(team_id) {
            model::set_team(conn, agent_id, Some(team_id))?;
        }
    }
    model::set_leader(conn, team_id, leader)?;
    audit::record(
        conn,
        who,
        "team.updated",
        "team",
        Some(team_id),
        &format!("{} → {name}, leader {:?}", team.name, leader),
    )?;
    Ok(())
}

/// Puts an agent on a team (an agent is on at most one: this moves them).
pub fn add_member(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    team_id: i64,
    agent_id: i64,
) -> Result<String, AppError> {
    may_manage_agency(actor)?;
    let team = model::find_team(conn, team_id)?;
    let (agent, user) = model::find_agent(conn, agent_id)?;
    if let Some(old) = agent.team_id.filter(|t| *t != team_id) {
        let old_team = model::find_team(conn, old)?;
        if old_team.leader_agent_id == Some(agent_id) {
            model::set_leader(conn, old, None)?;
        }
    }
    model::set_team(conn, agent_id, Some(team_id))?;
    audit::record(
        conn,
        who,
        "team.member_added",
        "team",
        Some(team_id),
        &format!("{} joined {}", user.email, team.name),
    )?;
    Ok(format!("{} is now on {}.", user.name, team.name))
}

pub fn remove_member(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    team_id: i64,
    agent_id: i64,
) -> Result<String, AppError> {
    may_manage_agency(actor)?;
    let team = model::find_team(conn, team_id)?;
    let (agent, user) = model::find_agent(conn, agent_id)?;
    if agent.team_id != Some(team_id) {
        return Err(AppError::Conflict(format!("{} is not on {}.", user.name, team.name)));
    }
    model::set_team(conn, agent_id, None)?;
    if team.leader_agent_id == Some(agent_id) {
        model::set_leader(conn, team_id, None)?;
    }
    audit::record(
        conn,
        who,
        "team.member_removed",
        "team",
        Some(team_id),
        &format!("{} left {}", user.email, team.name),
    )?;
    Ok(format!("{} has left {}.", user.name, team.name))
}

pub fn delete_team(conn: &mut DbConnection, actor: Actor, who: &AuditActor, team_id: i64) -> Result<String, AppError> {
    may_manage_agency(actor)?;
    let team = model::find_team(conn, team_id)?;
    model::delete_team(conn, team_id)?;
    audit::record(conn, who, "team.deleted", "team", Some(team_id), &team.name)?;
    Ok(format!(
        "The team {} is deleted; its members are on no team now.",
        team.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: Actor = Actor {
        id: 1,
        role: Role::Owner,
    };
    const AGENT: Actor = Actor {
        id: 7,
        role: Role::Agent,
    };

    #[test]
    fn agents_edit_only_themselves_and_staff_edit_everyone() {
        assert!(may_edit_agent(AGENT, 7).is_ok());
        assert!(matches!(may_edit_agent(AGENT, 8), Err(AppError::Forbidden)));
        assert!(may_edit_agent(OWNER, 8).is_ok());
        assert!(matches!(may_manage_agency(AGENT), Err(AppError::Forbidden)));
    }

    #[test]
    fn licence_form_names_every_bad_field() {
        let form = LicenceForm {
            state: Some("Narnia".into()),
            number: Some("".into()),
            issued_on: Some("2026-01-01".into()),
            expires_on: Some("2025-01-01".into()),
            ..Default::default()
        };
        let errors = parse_licence(&form).err().unwrap();
        for f in ["state", "number", "lines", "expires_on"] {
            assert!(errors.has(f), "{f}");
        }
        let ok = LicenceForm {
            state: Some("fl".into()),
            number: Some("W123456".into()),
            resident: Some("on".into()),
            line_health: Some("on".into()),
            issued_on: Some("2024-03-01".into()),
            expires_on: Some("2027-02-28".into()),
            ..Default::default()
        };
        let l = parse_licence(&ok).ok().unwrap();
        assert_eq!(
            (l.state, l.resident, l.lines.as_slice()),
            ("FL", true, &[LineOfAuthority::Health][..])
        );
    }

    #[test]
    fn certification_form_normalises_ahip() {
        let c = parse_certification(&CertificationForm {
            kind: Some(" ahip ".into()),
            plan_year: Some("2027".into()),
            earned_on: Some("2026-07-01".into()),
            expires_on: Some("2027-12-31".into()),
        })
        .ok()
        .unwrap();
        assert_eq!(c.kind, "AHIP");
        assert!(parse_certification(&CertificationForm {
            plan_year: Some("27".into()),
            ..Default::default()
        })
        .is_err());
    }

    #[test]
    fn profile_form_checks_hours_and_capacity() {
        let form = ProfileForm {
            mon_start: Some("17:00".into()),
            mon_end: Some("09:00".into()),
            leads_per_day: Some("-1".into()),
            max_open_leads: Some("x".into()),
            ..Default::default()
        };
        let errors = parse_profile(&form, true).err().unwrap();
        assert!(errors.has("mon_hours") && errors.has("leads_per_day") && errors.has("max_open_leads"));
        let ok = parse_profile(
            &ProfileForm {
                mon_start: Some("09:00".into()),
                mon_end: Some("17:00".into()),
                ..Default::default()
            },
            false,
        )
        .ok()
        .unwrap();
        assert!(ok.capacity.is_none() && ok.changes.working_hours.contains("09:00"));
    }
}
