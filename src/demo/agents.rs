//! The demo agency's agents: two teams and about 25 agents across 10 states, with profiles,
//! office ZIP codes, working hours, licences (some expiring) and certifications.

use crate::agents::{fields::WorkingHours, model as agents, readiness, service as agent_service};
use crate::audit::AuditActor;
use crate::auth::model;
use crate::auth::roles::{Actor, Role};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::AppError;

/// What the leads and the routing rules are seeded for.
pub(super) struct Roster {
    /// The teams "Sunbelt Medicare" and "Great Lakes Life".
    pub south: i64,
    pub north: i64,
    /// Agents licensed today: agent id, user id, name, the states of their licences.
    pub roster: Vec<(i64, i64, String, Vec<String>)>,
}

/// More agents, so the roster has about 25 across 10 states.
const MORE_AGENTS: &[(&str, &str, &str)] = &[
    ("Carmen Delgado", "FL", "en,es"),
    ("Marcus Johnson", "FL", "en"),
    ("Linh Tran", "TX", "en,vi"),
    ("Diego Hernandez", "TX", "en,es"),
    ("Aisha Williams", "GA", "en"),
    ("Robert Chen", "GA", "en,zh"),
    ("Emily Parker", "NC", "en"),
    ("James O'Neill", "NC", "en"),
    ("Sofia Ramirez", "AZ", "en,es"),
    ("Kevin Brooks", "OH", "en"),
    ("Hannah Schultz", "OH", "en,de"),
    ("Anthony Russo", "PA", "en,it"),
    ("Megan Kowalski", "PA", "en,pl"),
    ("Darnell Harris", "MI", "en"),
    ("Fatima Haddad", "MI", "en,ar"),
    ("Brian Caldwell", "TN", "en"),
    ("Jasmine Lee", "CA", "en,ko"),
    ("Miguel Torres", "CA", "en,es"),
];

/// Neighbouring states where an agent also holds a non-resident licence.
fn neighbours(state: &str) -> &'static [&'static str] {
    match state {
        "FL" => &["GA"],
        "GA" => &["FL", "NC"],
        "TX" => &["AZ"],
        "NC" => &["TN"],
        "AZ" => &["CA"],
        "OH" => &["PA", "MI"],
        "PA" => &["OH"],
        "MI" => &["OH"],
        "TN" => &["GA"],
        _ => &[],
    }
}

/// The two teams and the agents with their profiles, licences and certifications.
pub(super) fn seed_roster(
    c: &mut DbConnection,
    owner: Actor,
    who: &AuditActor,
    hash: &str,
    settings: &Settings,
) -> Result<Roster, AppError> {
    let today = crate::db::now().date();
    let year = readiness::plan_year(today, &settings.plan_year_rule);
    let days = |n: i64| today + chrono::Duration::days(n);
    let south = agent_service::create_team(c, owner, who, "Sunbelt Medicare")?;
    let north = agent_service::create_team(c, owner, who, "Great Lakes Life")?;
    // The first demo agents get licences too.
    let mut people: Vec<(i64, &str, &str)> = Vec::new();
    for (email, state) in [
        ("agent@sunbelt-demo.test", "FL"),
        ("luis.ortega@sunbelt-demo.test", "AZ"),
        ("grace.holloway@sunbelt-demo.test", "GA"),
        ("tom.nguyen@sunbelt-demo.test", "CA"),
        ("trainee@sunbelt-demo.test", "CO"),
    ] {
        let user = model::find_user_by_email(c, email)?.ok_or(AppError::NotFound)?;
        let agent = agent_service::ensure_profile(c, user.id, &user.name)?;
        people.push((agent, state, "en"));
    }
    for (name, state, langs) in MORE_AGENTS {
        let slug = crate::agents::fields::slugify(name);
        let email = format!("{slug}@sunbelt-demo.test").replace('-', ".");
        let user = crate::users::service::create_user_with_password(c, who, &email, name, Role::Agent, hash)?;
        model::update_profile(
            c,
            user,
            name,
            if *state == "CA" {
                "America/Los_Angeles"
            } else {
                "America/New_York"
            },
        )?;
        let agent = agent_service::ensure_profile(c, user, name)?;
        people.push((agent, state, langs));
    }
    for (i, (agent, state, langs)) in people.iter().enumerate() {
        let i = i as i64;
        let mut hours = WorkingHours::weekdays_9_to_5();
        if i % 3 == 0 {
            hours.days[5] = Some((9 * 60, 13 * 60)); // Saturday mornings
        }
        let npn = format!("{}", 17_000_000 + i * 7_919);
        let phone = format!(
            "+1{}{:03}",
            ["3055550", "7135550", "4045550", "9195550", "6025550", "6145550"][i as usize % 6],
            100 + i
        );
        let changes = agents::ProfileChanges {
            npn: Some(npn),
            phone: crate::domain::parse_phone(&phone).ok(),
            // Offices spread over each state's cities, for closest-agent routing.
            office_zip: {
                let zips: &[&str] = match *state {
                    "FL" => &["33101", "32801", "33602"],
                    "TX" => &["77002", "78701", "75201"],
                    "GA" => &["30303", "31401"],
                    "NC" => &["27601", "28202"],
                    "AZ" => &["85004"],
                    "OH" => &["43215", "44113"],
                    "PA" => &["19103", "15222"],
                    "MI" => &["48226", "49503"],
                    "TN" => &["37203"],
                    "CA" => &["90012", "94103"],
                    _ => &["80202"],
                };
                Some(zips[i as usize % zips.len()].to_string())
            },
            bio: format!(
                "Helping families in {state} choose Medicare and life coverage since {}.",
                2008 + i % 15
            ),
            languages: langs.to_string(),
            accepting_leads: i % 7 != 3,
            working_hours: hours.to_storage(),
            updated_at: crate::db::now(),
        };
        agents::update_profile(c, *agent, &changes)?;
        agents::update_capacity(c, *agent, 5 + (i % 4) as i32 * 5, 30 + (i % 5) as i32 * 10)?;
        if *state == "CO" {
            continue; // the trainee is not licensed yet
        }
        // A resident licence; a few expire soon, one expired last month.
        let expires = match i {
            2 => days(21),
            5 => days(52),
            9 => days(-20),
            _ => days(200 + i * 23),
        };
        let lic = |st: &'static str, resident: bool, lines: Vec<readiness::LineOfAuthority>, expires_on| {
            agent_service::ParsedLicence {
                state: st,
                number: format!("{st}{}", 400_000 + i * 131),
                resident,
                lines,
                issued_on: days(-900 - i * 30),
                expires_on,
            }
        };
        let home: &'static str = crate::domain::parse_state(state).unwrap_or("FL");
        use readiness::LineOfAuthority::{AccidentHealth, Health, Life};
        let lines = if i % 2 == 0 {
            vec![Health, Life]
        } else {
            vec![AccidentHealth, Life]
        };
        agent_service::add_licence(c, owner, who, *agent, &lic(home, true, lines, expires))?;
        for n in neighbours(home) {
            agent_service::add_licence(
                c,
                owner,
                who,
                *agent,
                &lic(n, false, vec![Health, Life], days(300 + i * 11)),
            )?;
        }
        // AHIP for the current plan year for most; one expiring within 30 days; two without.
        if i % 8 != 6 {
            let cert = agent_service::ParsedCertification {
                kind: "AHIP".into(),
                plan_year: year,
                earned_on: days(-60 - i),
                expires_on: if i == 4 { days(12) } else { days(120 + i) },
            };
            agent_service::add_certification(c, owner, who, *agent, &cert, "manual")?;
            // Last plan year's too: the demo's older leads were routed when that one counted.
            let last = agent_service::ParsedCertification {
                kind: "AHIP".into(),
                plan_year: year - 1,
                earned_on: days(-420 - i),
                expires_on: days(38),
            };
            agent_service::add_certification(c, owner, who, *agent, &last, "manual")?;
        }
        if i % 3 == 1 {
            let carrier = ["Humana", "UnitedHealthcare", "Aetna"][i as usize % 3];
            let cert = agent_service::ParsedCertification {
                kind: carrier.into(),
                plan_year: year,
                earned_on: days(-45),
                expires_on: days(150 + i),
            };
            agent_service::add_certification(c, owner, who, *agent, &cert, "manual")?;
        }
        let team = match home {
            "FL" | "GA" | "TX" => Some(south),
            "OH" | "MI" | "PA" => Some(north),
            _ => None,
        };
        if let Some(t) = team {
            agent_service::add_member(c, owner, who, t, *agent)?;
        }
    }
    // Who takes leads: the agents licensed somewhere today.
    let mut roster = Vec::new();
    for (agent, _, _) in &people {
        let (row, user) = agents::find_agent(c, *agent)?;
        let states: Vec<String> = agents::licences_of(c, *agent)?
            .into_iter()
            .filter(|l| l.expires_on >= today)
            .map(|l| l.state)
            .collect();
        if user.active && user.role == "agent" && !states.is_empty() {
            roster.push((row.id, user.id, user.name, states));
        }
    }
    Ok(Roster { south, north, roster })
}

/// Leaders: the first member of each team.
pub(super) fn set_leaders(c: &mut DbConnection, r: &Roster) -> Result<(), AppError> {
    for t in [r.south, r.north] {
        if let Some((leader, _)) = agents::team_members(c, t)?.first() {
            agents::set_leader(c, t, Some(leader.id))?;
        }
    }
    Ok(())
}
