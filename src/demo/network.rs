//! The demo's broker network (issue 17): 30 brokers (the demo broker Angela Russo among them)
//! with their profiles; connections of each kind, some only asked, some declined and some ended
//! so their history shows; referrals in every state, the converted ones through a policy recorded
//! for the referred lead (so their fees are in the commission ledger); ratings; two broker teams
//! with a pool, one shared out this month; and the scores recomputed, Bronze to Platinum.
//!
//! Everything goes through the network's own services (permission checks, history, audit
//! entries, notifications), as the brokers would have done it on their pages.

use chrono::Datelike;
use diesel::prelude::*;

use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};
use crate::config::Settings;
use crate::db::schema::{carrier_products, carriers};
use crate::db::{now, DbConnection};
use crate::domain::ProductLine;
use crate::error::AppError;
use crate::network::service::{self, NetworkActor, ProfileForm, ReferralForm};
use crate::network::{referral_pages, referrals, standing, teams};

/// The demo broker who signs in (in `demo::PEOPLE`), first in the network's list.
pub const DEMO_BROKER: &str = "broker@sunbelt-demo.test";

/// A broker's login and network profile.
struct Broker {
    name: &'static str,
    email: &'static str,
    time_zone: &'static str,
    brokerage: &'static str,
    lines: &'static [&'static str],
    states: &'static str,
    languages: &'static str,
    capacity: u32,
    specialisations: &'static str,
    bio: &'static str,
}

const ET: &str = "America/New_York";
const CT: &str = "America/Chicago";
const MT: &str = "America/Denver";
const AZ: &str = "America/Phoenix";
const PT: &str = "America/Los_Angeles";
const MA: &str = "medicare_advantage";
const MS: &str = "medicare_supplement";
const PD: &str = "part_d";
const ACA: &str = "aca_health";
const LIFE: &str = "life";
const FE: &str = "final_expense";
const DV: &str = "dental_vision";

macro_rules! broker {
    ($name:expr, $email:expr, $tz:expr, $firm:expr, [$($line:expr),*], $states:expr, $langs:expr, $cap:expr, $spec:expr, $bio:expr) => {
        Broker {
            name: $name,
            email: $email,
            time_zone: $tz,
            brokerage: $firm,
            lines: &[$($line),*],
            states: $states,
            languages: $langs,
            capacity: $cap,
            specialisations: $spec,
            bio: $bio,
        }
    };
}

/// The network: index 0 is the demo broker (already a user); the others are created here.
const BROKERS: &[Broker] = &[
    broker!("Angela Russo", DEMO_BROKER, ET, "Russo Insurance Services", [MA, MS, PD], "FL, GA", "en, it", 12,
        "Dual-eligible plans, turning 65", "Independent Medicare broker in Tampa since 2011. I sit down with every client at the kitchen table once a year to review their plan."),
    broker!("Marisol Vega", "marisol.vega@gulfstream-demo.test", ET, "Gulfstream Benefits Group", [MA, MS, PD, LIFE], "FL", "en, es", 25,
        "Medicare in Miami-Dade and Broward, bilingual seminars", "I run monthly Medicare seminars in Spanish and English across South Florida and hand clients to the specialist they need."),
    broker!("Derek Okafor", "derek.okafor@peachtree-demo.test", ET, "Peachtree Family Coverage", [LIFE, FE, ACA], "GA, SC", "en", 20,
        "Term and whole life for young families", "Former credit-union adviser; I write term life and final expense across Georgia and the Carolinas."),
    broker!("Hannah Lindqvist", "hannah.lindqvist@frontrange-demo.test", MT, "Front Range Health Partners", [ACA, DV], "CO, WY", "en, de", 18,
        "Marketplace plans, small-business health", "Open enrolment is my season: I help self-employed people and small teams in Colorado find a Marketplace plan that fits."),
    broker!("Rafael Montoya", "rafael.montoya@desertbloom-demo.test", AZ, "Desert Bloom Insurance", [MA, MS, FE], "AZ, NM", "en, es", 15,
        "Medicare for snowbirds", "Phoenix-based; many of my clients spend winters here and summers up north, so I know which plans travel well."),
    broker!("Keisha Harmon", "keisha.harmon@carolinashield-demo.test", ET, "Carolina Shield Brokerage", [LIFE, FE], "NC, SC", "en", 14,
        "Final expense, simplified issue", "I help families in the Carolinas plan for the cost of a funeral so nobody is left with the bill."),
    broker!("Tomasz Wójcik", "tomasz.wojcik@greatlakes-demo.test", ET, "Great Lakes Senior Benefits", [MA, PD, LIFE], "MI, OH", "en, pl", 12,
        "Part D formulary reviews", "Detroit broker; every autumn I check each client's prescriptions against next year's formularies."),
    broker!("Priscilla Chen", "priscilla.chen@pacificcrest-demo.test", PT, "Pacific Crest Insurance", [ACA, DV, LIFE], "CA", "en, zh", 16,
        "Covered California, dental and vision", "Bay Area broker for individual and family plans, in English and Mandarin."),
    broker!("Omar Haddad", "omar.haddad@lonestar-demo.test", CT, "Lone Star Senior Advisors", [MA, MS, FE], "TX", "en, ar", 15,
        "Medicare Supplement plan G and N", "Houston; I compare Medigap rates across carriers every quarter so clients pay less for the same coverage."),
    broker!("Beatriz Santos", "beatriz.santos@gulfstream-demo.test", ET, "Gulfstream Benefits Group", [ACA, LIFE], "FL", "en, pt, es", 10,
        "Marketplace plans for new arrivals", "Orlando; I help families who have just moved to Florida get covered in Portuguese, Spanish or English."),
    broker!("Samuel Brooks", "samuel.brooks@brooksdaughters-demo.test", CT, "Brooks & Daughters Insurance", [FE, LIFE], "TN, KY", "en", 10,
        "Rural final expense", "Third-generation agent in Nashville; we still make house calls in the counties around us."),
    broker!("Linh Tran", "linh.tran@pacificcrest-demo.test", PT, "Pacific Crest Insurance", [MA, PD], "CA", "en, vi", 12,
        "Medicare for the Vietnamese community", "San Jose; Medicare explained in Vietnamese, with help for the whole family on enrolment day."),
    broker!("Gregory Walsh", "gregory.walsh@keystone-demo.test", ET, "Keystone Benefit Advisors", [MS, LIFE], "PA, NJ", "en", 10,
        "Medigap and guaranteed-issue windows", "Philadelphia; I make sure clients leaving employer coverage use their guaranteed-issue rights."),
    broker!("Yolanda Price", "yolanda.price@lonestar-demo.test", CT, "Lone Star Senior Advisors", [ACA, DV], "TX", "en, es", 12,
        "Marketplace subsidies", "Dallas; I help working families claim every subsidy they are owed on the Marketplace."),
    broker!("Nikhil Deshpande", "nikhil.deshpande@peachtree-demo.test", ET, "Peachtree Family Coverage", [LIFE], "GA", "en, hi", 8,
        "Life insurance for business owners", "Savannah; key-person and buy-sell life insurance for small businesses."),
    broker!("Carmen Delgado", "carmen.delgado@desertbloom-demo.test", AZ, "Desert Bloom Insurance", [MA], "AZ", "en, es", 10,
        "Medicare Advantage in Pima County", "Tucson; I know the local networks and which doctors take which plans."),
    broker!("Jerome Fitzgerald", "jerome.fitzgerald@carolinashield-demo.test", ET, "Carolina Shield Brokerage", [MA, MS], "NC", "en", 10,
        "Veterans and Medicare", "Raleigh; a veteran myself, I help veterans combine VA care with the right Medicare plan."),
    broker!("Ingrid Sorensen", "ingrid.sorensen@frontrange-demo.test", MT, "Front Range Health Partners", [LIFE, FE], "CO", "en", 8,
        "Term life for outdoor professionals", "Colorado Springs; life cover for people whose jobs or hobbies make other insurers nervous."),
    broker!("Marcus Thibodeaux", "marcus.thibodeaux@bayou-demo.test", CT, "Bayou Benefits", [FE, LIFE], "LA, MS", "en, fr", 10,
        "Final expense in Acadiana", "New Orleans; English or Cajun French, whichever my clients prefer."),
    broker!("Aisha Bello", "aisha.bello@greatlakes-demo.test", ET, "Great Lakes Senior Benefits", [ACA], "OH", "en", 8,
        "Medicaid-to-Marketplace transitions", "Columbus; I help people who lose Medicaid find an affordable Marketplace plan without a gap."),
    broker!("Victor Castellano", "victor.castellano@gulfstream-demo.test", ET, "Gulfstream Benefits Group", [MA], "FL", "en, es, it", 12,
        "Medicare Advantage in Broward", "Fort Lauderdale; new to the network and learning the ropes from Angela."),
    broker!("Rebecca Goldstein", "rebecca.goldstein@keystone-demo.test", ET, "Keystone Benefit Advisors", [MS, PD], "PA", "en", 8,
        "Part D for high drug costs", "Pittsburgh; I find the plan that keeps a client's specialty drugs affordable."),
    broker!("Daniel Kowalczyk", "daniel.kowalczyk@greatlakes-demo.test", ET, "Great Lakes Senior Benefits", ["auto", "home"], "OH", "en, pl", 6,
        "Home and auto for retirees", "Cleveland; property and casualty, so my colleagues' Medicare clients have someone for their car and house."),
    broker!("Fatima Rahman", "fatima.rahman@lonestar-demo.test", CT, "Lone Star Senior Advisors", [ACA, DV], "TX", "en, ar", 8,
        "Dental and vision add-ons", "Austin; dental and vision plans for people whose health plan leaves them out."),
    broker!("Jonah Whitaker", "jonah.whitaker@brooksdaughters-demo.test", CT, "Brooks & Daughters Insurance", [LIFE], "TN", "en", 6,
        "Mortgage protection", "Memphis; term life sized to the mortgage, for new home owners."),
    broker!("Sofia Marchetti", "sofia.marchetti@coastalcare-demo.test", ET, "Coastal Care Brokers", [MS], "FL", "en, it", 10,
        "Medigap for retirees moving to Florida", "Sarasota; I help retirees moving south switch their Medigap plan without losing coverage."),
    broker!("Curtis Boone", "curtis.boone@bayou-demo.test", CT, "Bayou Benefits", ["commercial"], "LA", "en", 5,
        "Small-business commercial lines", "Baton Rouge; general liability and workers' compensation for contractors."),
    broker!("Grace Park", "grace.park@pacificcrest-demo.test", PT, "Pacific Crest Insurance", [MA, PD], "CA", "en, ko", 10,
        "Medicare for the Korean community", "Los Angeles; Medicare seminars in Korean at churches and community centres."),
    broker!("Hector Ibarra", "hector.ibarra@desertbloom-demo.test", MT, "Desert Bloom Insurance", [MA], "NM, TX", "en, es", 8,
        "Border-county Medicare", "Las Cruces; plans that work on both sides of the state line."),
    broker!("Naomi Feldman", "naomi.feldman@coastalcare-demo.test", ET, "Coastal Care Brokers", [LIFE, FE], "FL", "en", 8,
        "Final expense in Palm Beach County", "Boca Raton; simple, honest final-expense cover, usually in one visit."),
];

/// What became of a connection request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Active,
    /// Asked and not answered yet.
    Asked,
    /// The other broker declined.
    Refused,
    /// Accepted, then ended by the second broker named.
    Ended,
}

use Fate::*;

/// (who asks, whom, kind, what became of it), by index into `BROKERS`. The demo broker has eight
/// active connections (the benchmark's "broker with 8 connections"), a request waiting for her,
/// one she sent that was declined and one that ended.
const CONNECTIONS: &[(usize, usize, &str, Fate)] = &[
    (1, 0, "partnership", Active),
    (0, 2, "cross_referral", Active),
    (9, 0, "cross_referral", Active),
    (0, 20, "mentorship", Active),
    (25, 0, "partnership", Active),
    (12, 0, "cross_referral", Active),
    (0, 16, "cross_referral", Active),
    (0, 29, "mentorship", Active),
    (21, 0, "cross_referral", Asked),
    (0, 26, "partnership", Refused),
    (13, 0, "cross_referral", Ended),
    (1, 2, "cross_referral", Active),
    (1, 3, "partnership", Active),
    (1, 4, "cross_referral", Active),
    (1, 5, "cross_referral", Active),
    (6, 1, "cross_referral", Active),
    (1, 7, "partnership", Active),
    (8, 1, "cross_referral", Active),
    (1, 9, "mentorship", Active),
    (10, 1, "cross_referral", Active),
    (1, 11, "mentorship", Active),
    (1, 20, "cross_referral", Active),
    (2, 5, "partnership", Active),
    (2, 10, "cross_referral", Active),
    (2, 14, "mentorship", Active),
    (24, 2, "cross_referral", Active),
    (3, 2, "cross_referral", Active),
    (3, 17, "partnership", Active),
    (3, 7, "cross_referral", Active),
    (19, 3, "cross_referral", Active),
    (4, 15, "mentorship", Active),
    (4, 28, "partnership", Active),
    (4, 8, "cross_referral", Active),
    (13, 4, "cross_referral", Active),
    (5, 16, "cross_referral", Active),
    (5, 18, "partnership", Active),
    (6, 19, "cross_referral", Active),
    (6, 22, "partnership", Active),
    (21, 6, "cross_referral", Active),
    (7, 11, "cross_referral", Active),
    (27, 7, "partnership", Active),
    (8, 13, "cross_referral", Active),
    (8, 23, "mentorship", Active),
    (11, 27, "partnership", Active),
    (12, 21, "cross_referral", Active),
    (14, 24, "partnership", Active),
    (18, 26, "cross_referral", Active),
    (19, 22, "cross_referral", Active),
    (23, 13, "partnership", Active),
    (28, 15, "cross_referral", Active),
    (10, 18, "cross_referral", Active),
    (29, 25, "partnership", Active),
    (20, 9, "cross_referral", Active),
    (27, 3, "mentorship", Asked),
    (26, 17, "cross_referral", Asked),
    (22, 3, "cross_referral", Refused),
    (6, 11, "partnership", Ended),
];

/// Who a referral goes to.
#[derive(Clone, Copy)]
enum To {
    Broker(usize),
    /// One of the two teams, its members in turn.
    Team(usize),
    Agency,
}

/// Where a referral ends up in the demo.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// Waiting for the person's consent (they were e-mailed the link).
    Consent,
    /// The person consented on the public page; now waiting for the receiver.
    Consented,
    /// The person refused on the public page.
    Stopped,
    Pending,
    Accepted,
    Declined(&'static str),
    Expired,
    /// Accepted, and the receiver recorded a policy for the lead.
    Converted,
}

use End::*;

/// The referrals, in the order they are made: (from, to, product line, end). Conversions are on
/// products without a CMS referral-fee limit, each with a flat fee, so their fees are ledger
/// entries at once; Medicare referrals take a share of the commission.
const REFERRALS: &[(usize, To, &str, End)] = &[
    (0, To::Broker(20), MA, Expired),
    (14, To::Broker(2), LIFE, Expired),
    (5, To::Broker(16), MA, Expired),
    (1, To::Broker(2), LIFE, Converted),
    (1, To::Broker(2), FE, Converted),
    (1, To::Broker(2), LIFE, Converted),
    (1, To::Broker(3), ACA, Converted),
    (1, To::Broker(3), DV, Converted),
    (1, To::Broker(3), ACA, Converted),
    (1, To::Broker(4), FE, Converted),
    (1, To::Broker(4), FE, Converted),
    (1, To::Broker(5), FE, Converted),
    (1, To::Broker(5), LIFE, Converted),
    (1, To::Broker(6), LIFE, Converted),
    (1, To::Broker(6), LIFE, Converted),
    (1, To::Broker(7), DV, Converted),
    (1, To::Broker(8), FE, Converted),
    (1, To::Broker(0), MS, Accepted),
    (2, To::Broker(0), LIFE, Converted),
    (2, To::Broker(0), FE, Converted),
    (2, To::Broker(5), FE, Converted),
    (2, To::Broker(5), LIFE, Converted),
    (2, To::Broker(14), LIFE, Converted),
    (2, To::Broker(10), FE, Converted),
    (3, To::Broker(7), ACA, Converted),
    (3, To::Broker(7), DV, Converted),
    (3, To::Broker(17), LIFE, Converted),
    (3, To::Broker(17), FE, Converted),
    (3, To::Broker(2), LIFE, Converted),
    (3, To::Broker(1), LIFE, Converted),
    (
        3,
        To::Broker(19),
        ACA,
        Declined("She would rather work with someone who speaks Spanish; I do not."),
    ),
    (0, To::Broker(1), LIFE, Converted),
    (0, To::Broker(1), LIFE, Converted),
    (0, To::Broker(1), MA, Accepted),
    (0, To::Broker(2), FE, Converted),
    (0, To::Broker(9), ACA, Converted),
    (0, To::Broker(25), MS, Pending),
    (0, To::Broker(12), MS, Pending),
    (0, To::Broker(16), MA, Consent),
    (
        0,
        To::Broker(29),
        FE,
        Declined("Outside my service area: I write final expense in Palm Beach County only."),
    ),
    (9, To::Broker(0), MA, Pending),
    (25, To::Broker(0), PD, Pending),
    (
        12,
        To::Broker(0),
        MS,
        Declined("At capacity until the annual enrolment period is over."),
    ),
    (20, To::Broker(0), MA, Consent),
    (4, To::Broker(15), FE, Converted),
    (4, To::Broker(28), FE, Converted),
    (4, To::Broker(8), FE, Converted),
    (5, To::Broker(16), LIFE, Converted),
    (5, To::Broker(18), FE, Converted),
    (5, To::Broker(2), LIFE, Converted),
    (6, To::Broker(19), ACA, Converted),
    (6, To::Broker(22), LIFE, Converted),
    (6, To::Broker(21), LIFE, Converted),
    (7, To::Broker(11), LIFE, Converted),
    (7, To::Broker(27), DV, Converted),
    (8, To::Broker(13), ACA, Converted),
    (8, To::Broker(23), DV, Converted),
    (8, To::Broker(4), FE, Converted),
    (10, To::Team(0), FE, Pending),
    (15, To::Team(1), MA, Pending),
    (13, To::Agency, ACA, Accepted),
    (11, To::Broker(7), ACA, Stopped),
    (12, To::Broker(21), PD, Consented),
    (23, To::Broker(8), MA, Consent),
    (19, To::Broker(6), MA, Pending),
    (18, To::Broker(10), LIFE, Accepted),
];

/// A broker team: its leader and other members (indexes into `BROKERS`), the pooled percent and
/// rule, and whether this month's pool is shared out already.
struct Team {
    name: &'static str,
    leader: usize,
    members: &'static [usize],
    percent: &'static str,
    rule: &'static str,
    shared: bool,
}

const TEAMS: &[Team] = &[
    Team {
        name: "Gulf Coast Referral Circle",
        leader: 1,
        members: &[0, 9, 20, 25],
        percent: "10",
        rule: "production",
        shared: true,
    },
    Team {
        name: "Desert Southwest Partners",
        leader: 4,
        members: &[15, 28, 8],
        percent: "5",
        rule: "equal",
        shared: false,
    },
];

/// Ratings: (referral index in `REFERRALS`, by the referrer?, stars, comment).
const RATINGS: &[(usize, bool, &str, &str)] = &[
    (
        3,
        true,
        "5",
        "Derek called her the same afternoon and had her covered within a week.",
    ),
    (
        3,
        false,
        "5",
        "Marisol's notes were thorough: I knew exactly what the family needed.",
    ),
    (6, true, "4", "Good result; the first call took a few days."),
    (
        18,
        false,
        "5",
        "Derek briefed me well: the client was ready when I called.",
    ),
    (24, true, "5", "Priscilla found a plan with her dentist in network."),
    (31, true, "5", "Marisol is the person I send life cases to."),
    (39, true, "3", "Fair enough, though I would have liked to hear sooner."),
    (44, false, "4", "Clear hand-off, the client expected my call."),
];

const FIRST: &[&str] = &[
    "Eleanor", "Walter", "Dolores", "Frank", "Gloria", "Harold", "Irene", "Raymond", "Maribel", "Ernesto", "Lucille",
    "Vernon", "Agnes", "Clarence", "Yvonne", "Rosalind", "Tobias", "Imani", "Kenji", "Paulette",
];
const LAST: &[&str] = &[
    "Abernathy",
    "Baptiste",
    "Castillo",
    "Dunmore",
    "Espinoza",
    "Fairbanks",
    "Gallagher",
    "Holloway",
    "Ignatius",
    "Jablonski",
    "Kincaid",
    "Lombardi",
    "Mercado",
    "Nakamura",
    "Oyelaran",
    "Pettigrew",
    "Quintero",
    "Rasmussen",
    "Stroud",
    "Thistlewood",
];

fn member(id: i64) -> (NetworkActor, AuditActor) {
    (
        NetworkActor { id, role: Role::Broker },
        AuditActor {
            id: Some(id),
            label: String::new(),
            ip: Some("198.51.100.17".into()),
        },
    )
}

/// What was added (for the demo test and the seed's log).
#[derive(Debug, Default)]
pub struct Added {
    pub brokers: usize,
    pub connections: usize,
    pub referrals: usize,
    pub converted: usize,
    pub teams: usize,
}

/// The brokers' user ids, in the order of `BROKERS`, creating those not there yet.
fn brokers(c: &mut DbConnection, hash: &str) -> Result<Vec<i64>, AppError> {
    let system = AuditActor::system("demo seed");
    let mut ids = Vec::with_capacity(BROKERS.len());
    for b in BROKERS {
        let id = match crate::auth::model::find_user_by_email(c, b.email)? {
            Some(u) => u.id,
            None => {
                let id =
                    crate::users::service::create_user_with_password(c, &system, b.email, b.name, Role::Broker, hash)?;
                crate::auth::model::update_profile(c, id, b.name, b.time_zone)?;
                id
            }
        };
        let (actor, mut who) = member(id);
        who.label = b.name.into();
        let form = ProfileForm {
            brokerage: b.brokerage.into(),
            lines: b.lines.iter().map(|l| l.to_string()).collect(),
            specialisations: b.specialisations.into(),
            states: b.states.into(),
            languages: b.languages.into(),
            capacity_per_month: b.capacity.to_string(),
            available: Some("on".into()),
            bio: b.bio.into(),
            ..Default::default()
        };
        service::save_profile(c, actor, &who, &form)?;
        ids.push(id);
    }
    Ok(ids)
}

fn as_broker(ids: &[i64], k: usize) -> (NetworkActor, AuditActor) {
    let (actor, mut who) = member(ids[k]);
    who.label = BROKERS[k].name.into();
    (actor, who)
}

fn connect(c: &mut DbConnection, ids: &[i64]) -> Result<usize, AppError> {
    for &(from, to, kind, fate) in CONNECTIONS {
        let (a, a_who) = as_broker(ids, from);
        let (b, b_who) = as_broker(ids, to);
        let message = match kind {
            "mentorship" => "I'd be glad to learn from you (or share what I know) as we grow.",
            "partnership" => "Our books complement each other: shall we work together?",
            _ => "Happy to send you the clients I can't help with, and the other way round.",
        };
        let (id, _) = service::request_connection(c, a, &a_who, &ids[to].to_string(), kind, message)?;
        match fate {
            Asked => {}
            Refused => {
                service::answer_connection(c, b, &b_who, id, false)?;
            }
            Active | Ended => {
                service::answer_connection(c, b, &b_who, id, true)?;
                if fate == Ended {
                    service::deactivate_connection(c, b, &b_who, id)?;
                }
            }
        }
    }
    Ok(CONNECTIONS.len())
}

/// A ZIP code where a broker works (their first state), for the people referred to them.
fn zip_for(states: &str) -> &'static str {
    let state = states.split(',').next().unwrap_or("FL").trim();
    crate::geo::all()
        .iter()
        .find(|z| z.state == state)
        .map_or("33607", |z| z.zip)
}

/// The referral form for the `k`th referral: a new person, whose consent names the receiver
/// unless the demo has them wait for it.
fn form(k: usize, to: To, line: &str, end: End, receiver: &str, team: Option<i64>) -> ReferralForm {
    let (first, last) = (FIRST[k % FIRST.len()], LAST[(k * 7 + 3) % LAST.len()]);
    let consent_names = match (end, to) {
        (Consent | Consented | Stopped, _) => "Sunbelt Health & Life".to_string(),
        (_, To::Agency) => "Sunbelt Health & Life".to_string(),
        _ => receiver.to_string(),
    };
    let target = match (to, team) {
        (To::Agency, _) => "agency".to_string(),
        (To::Team(_), Some(id)) => format!("team:{id}"),
        _ => String::new(),
    };
    let medicare = line
        .parse::<ProductLine>()
        .map(ProductLine::is_medicare)
        .unwrap_or(false);
    // The public page is the only way to reach someone without an e-mail address.
    let email = match end {
        Consented | Stopped => String::new(),
        _ => format!("{}.{}.r{k}@example.net", first.to_lowercase(), last.to_lowercase()),
    };
    ReferralForm {
        target,
        first_name: first.into(),
        last_name: last.into(),
        email,
        phone: format!("+1727555{:04}", 2000 + k),
        zip: zip_for(receiver_states(to)).into(),
        product_line: line.into(),
        consent_text:
            "I agree that the named insurance professionals may contact me about my coverage by phone, text or e-mail."
                .into(),
        consent_sellers: consent_names,
        split_kind: if medicare { "percent" } else { "flat" }.into(),
        split_percent: if medicare { "20".into() } else { String::new() },
        fee: if medicare {
            String::new()
        } else {
            format!("{}", 75 + 25 * (k % 4))
        },
        note: "Met at a community seminar; prefers a call in the late morning.".into(),
        ..Default::default()
    }
}

fn receiver_states(to: To) -> &'static str {
    match to {
        To::Broker(r) => BROKERS[r].states,
        To::Team(t) => BROKERS[TEAMS[t].leader].states,
        To::Agency => "FL",
    }
}

/// An active carrier's active product of the line (or the first product when there is none).
fn product_for(c: &mut DbConnection, line: &str) -> Result<Option<(i64, i64)>, AppError> {
    let q = || {
        carrier_products::table
            .inner_join(carriers::table)
            .filter(carrier_products::active.eq(true))
            .filter(carriers::active.eq(true))
            .order(carrier_products::id.asc())
            .select((carrier_products::id, carrier_products::carrier_id))
    };
    let line = line.parse::<ProductLine>().unwrap_or(ProductLine::Other);
    Ok(
        match q()
            .filter(carrier_products::product_line.eq(line))
            .first(c)
            .optional()?
        {
            Some(p) => Some(p),
            None => q().first(c).optional()?,
        },
    )
}

/// The receiver records a policy for the referred lead, as on the policy form: the policies
/// service converts the referral and books the referrer's fee in the ledger.
fn record_policy(
    c: &mut DbConnection,
    receiver: usize,
    uid: i64,
    referral_id: i64,
    line: &str,
) -> Result<(), AppError> {
    use crate::policies::service::{self as policies, PolicyInput, Viewer, Who};
    let r = crate::network::model::referral(c, referral_id)?.ok_or(AppError::NotFound)?;
    let lead = r.source_lead_id.ok_or(AppError::NotFound)?;
    let agent = crate::agents::service::ensure_profile(c, uid, BROKERS[receiver].name)?;
    let Some((product, carrier)) = product_for(c, line)? else {
        return Ok(());
    };
    let viewer = Viewer {
        user_id: Some(uid),
        label: BROKERS[receiver].email.into(),
        who: Who::Agent,
        scope: crate::leads::model::Scope::Agents(vec![agent]),
        own_agent_id: Some(agent),
        api_token_id: None,
    };
    let today = now().date();
    let first = today.with_day(1).unwrap_or(today);
    let input = PolicyInput {
        contact_id: Some(r.contact_id),
        agent_id: Some(agent),
        carrier_id: Some(carrier),
        product_id: Some(product),
        lead_id: Some(lead),
        policy_number: format!("NW-{referral_id:05}"),
        submitted_on: first.to_string(),
        effective_on: first.to_string(),
        premium: "64.50".into(),
        billing_frequency: "monthly".into(),
        enrollment_type: "new_to_medicare".into(),
        ..Default::default()
    };
    policies::create(c, &viewer, None, &input, crate::domain::policy::PolicySource::Manual)?;
    Ok(())
}

/// Makes one referral and takes it to its end (the expired ones wait for the expiry run).
#[allow(clippy::too_many_arguments)]
fn refer(
    c: &mut DbConnection,
    settings: &Settings,
    caches: &crate::caches::Caches,
    ids: &[i64],
    teams: &[i64],
    k: usize,
    consent_links: &mut Vec<(usize, String)>,
) -> Result<i64, AppError> {
    let (from, to, line, end) = REFERRALS[k];
    let (actor, who) = as_broker(ids, from);
    let (receiver, team) = match to {
        To::Broker(r) => (BROKERS[r].name.to_string(), None),
        To::Team(t) => {
            let names: Vec<&str> = std::iter::once(TEAMS[t].leader)
                .chain(TEAMS[t].members.iter().copied())
                .map(|m| BROKERS[m].name)
                .collect();
            (names.join(", "), Some(teams[t]))
        }
        To::Agency => (String::new(), None),
    };
    let mut f = form(k, to, line, end, &receiver, team);
    if let To::Broker(r) = to {
        f.target = format!("broker:{}", ids[r]);
    }
    let made = referrals::create_referral(c, actor, &who, settings, caches, &f)?;
    if let Some(link) = made.consent_link {
        consent_links.push((k, link));
    }
    let row = crate::network::model::referral(c, made.id)?.ok_or(AppError::NotFound)?;
    let Some(receiver_id) = row.receiver_id else {
        return Ok(made.id);
    };
    let Some(r) = ids.iter().position(|&id| id == receiver_id) else {
        return Ok(made.id);
    };
    let (b, b_who) = as_broker(ids, r);
    match end {
        Accepted | Converted => {
            referrals::answer_referral(c, b, &b_who, made.id, true, "")?;
            if end == Converted {
                record_policy(c, r, receiver_id, made.id, line)?;
            }
        }
        Declined(reason) => {
            referrals::answer_referral(c, b, &b_who, made.id, false, reason)?;
        }
        _ => {}
    }
    Ok(made.id)
}

/// The person answers on the public page, from the link the referrer passed on.
fn answer_consents(c: &mut DbConnection, settings: &Settings, links: &[(usize, String)]) -> Result<(), AppError> {
    for (k, link) in links {
        let yes = match REFERRALS[*k].3 {
            Consented => true,
            Stopped => false,
            _ => continue,
        };
        let secret = link.rsplit('/').next().unwrap_or_default();
        referrals::consent_answer(
            c,
            settings,
            secret,
            yes,
            Some("203.0.113.45"),
            Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"),
        )?;
    }
    Ok(())
}

fn make_teams(c: &mut DbConnection, owner: Actor, as_owner: &AuditActor, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    let staff = NetworkActor {
        id: owner.id,
        role: owner.role,
    };
    let mut out = Vec::new();
    for t in TEAMS {
        let id = teams::create_team(c, staff, as_owner, t.name, &ids[t.leader].to_string())?;
        for m in t.members {
            teams::add_member(c, staff, as_owner, id, &ids[*m].to_string())?;
        }
        out.push(id);
    }
    Ok(out)
}

/// The leaders set their pools; the first shares out this month's, the second shares its next
/// referrals by least busy.
fn pools(c: &mut DbConnection, ids: &[i64], team_ids: &[i64]) -> Result<(), AppError> {
    for (t, id) in TEAMS.iter().zip(team_ids) {
        let (a, who) = as_broker(ids, t.leader);
        let form = teams::PoolForm {
            percent: t.percent.into(),
            rule: t.rule.into(),
            fixed: String::new(),
        };
        teams::set_pool(c, a, &who, *id, &form)?;
        if t.shared {
            let month = now().date().format("%Y-%m").to_string();
            teams::distribute_pool(c, a, &who, *id, &month)?;
        } else {
            // From now on the second team hands its referrals to the least busy member (its
            // demo referrals above went round-robin).
            let form = teams::StrategyForm {
                strategy: "least_busy".into(),
                shares: String::new(),
            };
            teams::set_strategy(c, a, &who, *id, &form)?;
        }
    }
    Ok(())
}

/// Ratings of answered referrals, by one side of the other.
fn rate(c: &mut DbConnection, ids: &[i64], made: &[i64]) -> Result<(), AppError> {
    for &(k, by_referrer, stars, comment) in RATINGS {
        let (from, to, _, _) = REFERRALS[k];
        let rater = match (by_referrer, to) {
            (true, _) => from,
            (false, To::Broker(r)) => r,
            _ => continue,
        };
        let (a, who) = as_broker(ids, rater);
        referral_pages::rate_referral(c, a, &who, made[k], stars, comment)?;
    }
    Ok(())
}

/// Adds the network to the seeded demo agency (in one transaction).
pub fn seed(
    c: &mut DbConnection,
    settings: &Settings,
    owner: Actor,
    as_owner: &AuditActor,
    hash: &str,
) -> Result<Added, AppError> {
    let caches = crate::caches::Caches::new();
    let ids = brokers(c, hash)?;
    let connections = connect(c, &ids)?;
    let team_ids = make_teams(c, owner, as_owner, &ids)?;
    let mut links = Vec::new();
    let mut made = Vec::with_capacity(REFERRALS.len());
    // The ones that expire first, and the daily run's expiry past their deadline.
    let expiring = REFERRALS.iter().take_while(|r| r.3 == Expired).count();
    for k in 0..expiring {
        made.push(refer(c, settings, &caches, &ids, &team_ids, k, &mut links)?);
    }
    let days = referrals::rules(c)?.referral_expiry_days;
    referrals::expire_overdue(c, now() + chrono::Duration::days(days + 1))?;
    // Scores as they stood, so conversions below earn their referrer's tier multiplier.
    standing::recompute(c, &[], now())?;
    for k in expiring..REFERRALS.len() {
        if k == REFERRALS.len() / 2 {
            standing::recompute(c, &[], now())?;
        }
        made.push(refer(c, settings, &caches, &ids, &team_ids, k, &mut links)?);
    }
    answer_consents(c, settings, &links)?;
    rate(c, &ids, &made)?;
    pools(c, &ids, &team_ids)?;
    standing::recompute(c, &[], now())?;
    Ok(Added {
        brokers: ids.len(),
        connections,
        referrals: made.len(),
        converted: REFERRALS.iter().filter(|r| r.3 == Converted).count(),
        teams: team_ids.len(),
    })
}
