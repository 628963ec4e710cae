//! `seed-demo`: a small, realistic agency to click through. Later issues add leads, courses,
//! policies and the network to it.

pub mod courses;
pub mod large;
pub mod leads;

use crate::agents::{fields::WorkingHours, model as agents, readiness, service as agent_service};
use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};
use crate::auth::{model, password, service};
use crate::config::Settings;
use crate::db::{Db, DbConnection};
use crate::web::errors::AppError;

pub const DEMO_PASSWORD: &str = "demo-agency-2026";
const OWNER_EMAIL: &str = "owner@sunbelt-demo.test";

pub struct DemoLogin {
    pub role: Role,
    pub email: &'static str,
    pub name: &'static str,
    pub time_zone: &'static str,
}

const PEOPLE: &[DemoLogin] = &[
    DemoLogin {
        role: Role::Owner,
        email: OWNER_EMAIL,
        name: "Dana Whitfield",
        time_zone: "America/Chicago",
    },
    DemoLogin {
        role: Role::Admin,
        email: "admin@sunbelt-demo.test",
        name: "Marcus Bell",
        time_zone: "America/Chicago",
    },
    DemoLogin {
        role: Role::Agent,
        email: "agent@sunbelt-demo.test",
        name: "Priya Raman",
        time_zone: "America/New_York",
    },
    DemoLogin {
        role: Role::Agent,
        email: "luis.ortega@sunbelt-demo.test",
        name: "Luis Ortega",
        time_zone: "America/Phoenix",
    },
    DemoLogin {
        role: Role::Agent,
        email: "grace.holloway@sunbelt-demo.test",
        name: "Grace Holloway",
        time_zone: "America/New_York",
    },
    DemoLogin {
        role: Role::Agent,
        email: "tom.nguyen@sunbelt-demo.test",
        name: "Tom Nguyen",
        time_zone: "America/Los_Angeles",
    },
    DemoLogin {
        role: Role::Trainee,
        email: "trainee@sunbelt-demo.test",
        name: "Jordan Kim",
        time_zone: "America/Denver",
    },
    DemoLogin {
        role: Role::Broker,
        email: "broker@sunbelt-demo.test",
        name: "Angela Russo",
        time_zone: "America/New_York",
    },
];

/// The accounts a visitor can sign in with.
pub fn logins() -> &'static [DemoLogin] {
    PEOPLE
}

pub fn is_seeded(db: &Db) -> anyhow::Result<bool> {
    db.read_blocking(|c| Ok(model::find_user_by_email(c, OWNER_EMAIL)?.is_some()))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Creates the demo agency; false when it was already there.
pub fn seed(db: &Db, settings: &Settings) -> anyhow::Result<bool> {
    if is_seeded(db)? {
        return Ok(false);
    }
    let hash = password::hash(DEMO_PASSWORD);
    let who = AuditActor::system("demo seed");
    db.write_blocking(|c| {
        let mut owner_id = 0;
        for p in PEOPLE {
            let id = service::create_user_with_password(c, &who, p.email, p.name, p.role, &hash)?;
            model::update_profile(c, id, p.name, p.time_zone)?;
            if p.role == Role::Owner {
                owner_id = id;
            }
        }
        let owner = Actor {
            id: owner_id,
            role: Role::Owner,
        };
        let as_owner = AuditActor {
            id: Some(owner_id),
            label: OWNER_EMAIL.into(),
            ip: None,
        };
        // A newcomer who has not accepted the invitation yet, and an agent who left.
        let inv = service::Invitation {
            email: "sam.carter@sunbelt-demo.test".into(),
            name: "Sam Carter".into(),
            role: Role::Trainee,
        };
        service::invite(c, owner, &as_owner, "Dana Whitfield", &inv, settings)?;
        let gone = service::create_user_with_password(
            c,
            &who,
            "rita.mendez@sunbelt-demo.test",
            "Rita Mendez",
            Role::Agent,
            &hash,
        )?;
        service::set_active(c, owner, &as_owner, gone, false)?;
        crate::agency::service::save(c, owner, &as_owner, &demo_agency())?;
        seed_roster(c, owner, &as_owner, &hash, settings)?;
        courses::seed(c, owner, &as_owner, settings)
    })
    .map_err(|e| anyhow::anyhow!("seeding the demo failed: {e}"))?;
    db.refresh_statistics().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(true)
}

/// The demo agency's settings: a Tampa agency licensed where its agents sell.
fn demo_agency() -> crate::agency::service::AgencyForm {
    crate::agency::service::AgencyForm {
        name: Some("Sunbelt Health & Life".into()),
        legal_name: Some("Sunbelt Health & Life Insurance Agency, LLC".into()),
        address: Some("4200 W Cypress St, Suite 300\nTampa, FL 33607".into()),
        phone: Some("(813) 555-0142".into()),
        website: Some("https://sunbelt-demo.test".into()),
        licences: Some("FL L094421\nGA 3184502\nAZ 1800452\nTX 2384411\nCA 0N71234\nCO 765432".into()),
        time_zone: Some("America/New_York".into()),
        brand_colour: Some("#0e7c66".into()),
        consent_wording: Some(crate::agency::service::DEFAULT_CONSENT.into()),
    }
}

/// Rules a Sunbelt-style agency would write: Medicare in the South to the Medicare team, hot leads
/// to the best closers, the Great Lakes states to their team, and the rest to the nearest office.
fn demo_rules(south: i64, north: i64) -> Vec<crate::routing::Rule> {
    use crate::agents::readiness::ProductLine;
    use crate::routing::{Conditions, Pool, Rule, Strategy};
    vec![
        Rule {
            id: 0,
            name: "Hot leads to the best closers".into(),
            priority: 10,
            conditions: Conditions {
                min_score: Some(80),
                ..Default::default()
            },
            pool: Pool::Everyone,
            strategy: Strategy::BestPerformer {
                floor: 0.15,
                min_closed: 5,
            },
            daily_cap: Some(4),
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Medicare in the South to Sunbelt Medicare".into(),
            priority: 20,
            conditions: Conditions {
                products: vec![
                    ProductLine::MedicareAdvantage,
                    ProductLine::MedicareSupplement,
                    ProductLine::PartD,
                ],
                states: vec!["FL".into(), "GA".into(), "TX".into()],
                ..Default::default()
            },
            pool: Pool::Team(south),
            strategy: Strategy::RoundRobin,
            daily_cap: None,
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Great Lakes to Great Lakes Life".into(),
            priority: 30,
            conditions: Conditions {
                states: vec!["OH".into(), "MI".into(), "PA".into()],
                ..Default::default()
            },
            pool: Pool::Team(north),
            strategy: Strategy::LeastBusy,
            daily_cap: None,
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Everyone else to the nearest office".into(),
            priority: 40,
            conditions: Conditions::default(),
            pool: Pool::Everyone,
            strategy: Strategy::Closest,
            daily_cap: None,
            ignore_hours: false,
        },
    ]
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

fn seed_roster(
    c: &mut DbConnection,
    owner: Actor,
    who: &AuditActor,
    hash: &str,
    settings: &Settings,
) -> Result<(), AppError> {
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
        let user = service::create_user_with_password(c, who, &email, name, Role::Agent, hash)?;
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
            "+1{}",
            ["3055550", "7135550", "4045550", "9195550", "6025550", "6145550"][i as usize % 6].to_string()
                + &format!("{:03}", 100 + i)
        );
        let changes = agents::ProfileChanges {
            npn: Some(npn),
            phone: crate::agents::fields::parse_phone(&phone).ok(),
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
        let home: &'static str = crate::agents::fields::parse_state(state).unwrap_or("FL");
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
    // Leads: about 2,000 over six months, for the agents licensed where the people live.
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
    // The agency's routing rules, then six months of leads routed by them.
    for rule in demo_rules(south, north) {
        let id = crate::leads::offers::insert_rule(c, &rule)?;
        let details = serde_json::to_string(&rule).unwrap_or_default();
        crate::audit::record(c, who, "routing_rule.created", "routing_rule", Some(id), &details)?;
    }
    leads::seed(c, 2000, &roster, settings)?;
    // Leaders: the first member of each team.
    for t in [south, north] {
        if let Some((leader, _)) = agents::team_members(c, t)?.first() {
            agents::set_leader(c, t, Some(leader.id))?;
        }
    }
    Ok(())
}
