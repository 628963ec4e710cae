//! `seed-demo`: a small, realistic agency to click through: its people and logins here, each
//! domain's part beside this file (`agents`, `routing`, `leads`, `policies`, `courses`,
//! `commissions`, `network`), and the benchmark's large data set in `large`.

mod agents;
pub mod commissions;
mod courses;
pub mod large;
pub mod leads;
pub mod network;
pub mod policies;
mod routing;

use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};
use crate::auth::{model, password, service};
use crate::config::Settings;
use crate::db::Db;

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
    let owner = db
        .write_blocking(|c| {
            let mut owner_id = 0;
            for p in PEOPLE {
                let id = crate::users::service::create_user_with_password(c, &who, p.email, p.name, p.role, &hash)?;
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
            crate::users::service::invite(c, owner, &as_owner, "Dana Whitfield", &inv, settings)?;
            let gone = crate::users::service::create_user_with_password(
                c,
                &who,
                "rita.mendez@sunbelt-demo.test",
                "Rita Mendez",
                Role::Agent,
                &hash,
            )?;
            service::set_active(c, owner, &as_owner, gone, false)?;
            crate::agency::service::save(c, owner, &as_owner, &demo_agency())?;
            let roster = agents::seed_roster(c, owner, &as_owner, &hash, settings)?;
            // The agency's routing rules, then about 2,000 leads over six months routed by them, for
            // the agents licensed where the people live.
            routing::seed_rules(c, &as_owner, roster.south, roster.north)?;
            leads::seed(c, 2000, &roster.roster, settings)?;
            // The book of business: a policy for each won lead, with its payments and history.
            let rules = crate::policies::service::rules(c)?;
            let store = crate::policies::storage::from_settings(settings);
            policies::seed(c, &rules, store.as_ref())?;
            agents::set_leaders(c, &roster)?;
            // Commissions: schedules, levels and uplines, a few splits.
            commissions::seed_structure(c, owner, &as_owner)?;
            courses::seed(c, owner, &as_owner, settings)?;
            Ok((owner, as_owner))
        })
        .map_err(|e| anyhow::anyhow!("seeding the demo failed: {e}"))?;
    // Three months computed, two locked as statements, the first paid.
    commissions::seed_ledger(db, settings, owner.0, &owner.1)
        .map_err(|e| anyhow::anyhow!("seeding commissions failed: {e}"))?;
    // The broker network on top: its conversions are policies whose fees go into the ledger.
    let started = std::time::Instant::now();
    let added = db
        .write_blocking(|c| network::seed(c, settings, owner.0, &owner.1, &hash))
        .map_err(|e| anyhow::anyhow!("seeding the broker network failed: {e}"))?;
    tracing::info!(
        brokers = added.brokers,
        connections = added.connections,
        referrals = added.referrals,
        converted = added.converted,
        ms = started.elapsed().as_millis() as u64,
        "demo broker network seeded"
    );
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
