//! About 2,000 demo leads over the last six months: sources, products and statuses in
//! believable proportions, assigned to agents licensed in the lead's state, with notes,
//! follow-ups and a history that reads like real work.

use chrono::{Duration, NaiveDateTime};

use super::model::{self, NewConsent, NewContact, NewLead};
use super::rules::LeadStatus;
use crate::db::{now, DbConnection};
use crate::web::errors::AppError;

const FIRST: &[&str] = &[
    "Mary",
    "Patricia",
    "Linda",
    "Barbara",
    "Elizabeth",
    "Jennifer",
    "Maria",
    "Susan",
    "Margaret",
    "Dorothy",
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Rosa",
    "Carlos",
    "Nguyen",
    "Mei",
    "Gloria",
    "Harold",
    "Walter",
    "Betty",
    "Frank",
    "Alice",
    "Eugene",
    "Ruth",
    "Ahmed",
    "Irene",
    "Luis",
    "Carmen",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Tran",
    "Kim",
];
const SOURCES: &[(&str, u32)] = &[
    ("website", 30),
    ("medicare-mailer", 20),
    ("vendor: QuoteLine", 20),
    ("referral", 12),
    ("facebook", 10),
    ("senior expo", 8),
];
const PRODUCTS: &[(&str, u32)] = &[
    ("medicare_advantage", 34),
    ("medicare_supplement", 20),
    ("part_d", 8),
    ("aca_health", 12),
    ("life", 10),
    ("final_expense", 8),
    ("dental_vision", 5),
    ("other", 3),
];
const MESSAGES: &[&str] = &[
    "I turn 65 next month and need to pick a plan.",
    "My coverage ends this month, please call.",
    "Looking to compare Medigap plans.",
    "Can you check if my doctors are in network?",
    "I want a quote for my wife and me.",
    "",
    "",
    "Please call after 5pm.",
];
const NOTES: &[&str] = &[
    "Left a voicemail, will try again tomorrow.",
    "Spoke with her; she takes Eliquis, checking formularies.",
    "Wants a plan that keeps Dr. Alvarez. Sent the comparison.",
    "Prefers e-mail. Sent the brochure.",
    "Spouse also interested; follow up on a joint appointment.",
];

/// A small, deterministic generator so the demo is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn weighted(&mut self, items: &[(&'static str, u32)]) -> &'static str {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total as u64) as u32;
        for (item, w) in items {
            if roll < *w {
                return item;
            }
            roll -= w;
        }
        items[0].0
    }
}

/// The pipeline a lead of this age has gone through.
fn path_for(rng: &mut Rng, age_days: i64, quality: u64) -> Vec<LeadStatus> {
    use LeadStatus::*;
    // Better leads (a phone, consent, a Medicare-age person) get further, as in life.
    let roll = (rng.below(100) + quality).min(99);
    let mut path = vec![New];
    if age_days < 2 && roll < 70 {
        return path;
    }
    if roll < 8 {
        path.push(Unreachable);
        return path;
    }
    path.push(Contacted);
    if roll < 25 {
        if age_days > 20 {
            path.push(Lost);
        }
        return path;
    }
    path.push(Qualified);
    if roll < 40 {
        return path;
    }
    path.push(Quoted);
    if age_days < 7 || roll < 55 {
        return path;
    }
    path.push(if rng.below(100) < 35 + quality { Won } else { Lost });
    path
}

/// Seeds `count` leads; `agents` are (agent id, user id, label, licensed states).
pub fn seed(
    conn: &mut DbConnection,
    count: usize,
    agents: &[(i64, i64, String, Vec<String>)],
) -> Result<usize, AppError> {
    let mut rng = Rng(0x5EED_1EAD);
    let states: Vec<&str> = agents
        .iter()
        .flat_map(|(_, _, _, s)| s.iter().map(String::as_str))
        .collect();
    let places: Vec<&crate::geo::ZipInfo> = crate::geo::all()
        .iter()
        .filter(|z| states.contains(&z.state))
        .step_by(7)
        .collect();
    if places.is_empty() {
        return Ok(0);
    }
    let t0 = now();
    for i in 0..count {
        let place = *rng.pick(&places);
        let age_minutes = rng.below(180 * 24 * 60) as i64;
        let created: NaiveDateTime = t0 - Duration::minutes(age_minutes);
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i);
        let phone = format!(
            "+1{}555{:04}",
            ["305", "713", "404", "919", "602", "614", "215", "313", "615", "415"][i % 10],
            100 + (i % 9000)
        );
        let with_phone = rng.below(10) < 8;
        let birth = chrono::NaiveDate::from_ymd_opt(
            1940 + rng.below(45) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        );
        let contact_id = model::insert_contact(
            conn,
            &NewContact {
                first_name: first,
                last_name: last,
                email: Some(&email),
                phone: with_phone.then_some(phone.as_str()),
                birth_date: birth,
                zip: Some(place.zip),
                state: Some(place.state),
                city: Some(place.city),
                lat: Some(place.lat),
                lon: Some(place.lon),
            },
        )?;
        let source = rng.weighted(SOURCES);
        let product = rng.weighted(PRODUCTS);
        let consent = rng.below(10) < 9;
        let lead_id = model::insert_lead(
            conn,
            &NewLead {
                contact_id,
                source,
                product_line: product,
                message: rng.pick::<&str>(MESSAGES),
                tags: "",
                external_id: None,
                has_consent: false,
            },
        )?;
        let system = "demo intake";
        model::add_event_at(
            conn,
            lead_id,
            None,
            system,
            "created",
            &serde_json::json!({ "source": source, "product_line": product }).to_string(),
            created,
        )?;
        if consent {
            model::insert_consent(
                conn,
                &NewConsent {
                    lead_id,
                    text: "I agree that Sunbelt Insurance Group and its licensed agents may contact me about insurance, including by automated calls and texts. Consent is not a condition of purchase.",
                    given_at: created,
                    ip: Some("198.51.100.24"),
                    user_agent: Some("Mozilla/5.0 (demo)"),
                    page_url: Some("https://sunbelt-demo.test/quote"),
                    sellers: "[\"Sunbelt Insurance Group\"]",
                },
            )?;
        }
        // Nine in ten go to an agent licensed where the person lives.
        let candidates: Vec<&(i64, i64, String, Vec<String>)> = agents
            .iter()
            .filter(|(_, _, _, s)| s.iter().any(|x| x == place.state))
            .collect();
        let agent = (!candidates.is_empty() && rng.below(10) < 9).then(|| *rng.pick(&candidates));
        let age_days = age_minutes / (24 * 60);
        let mut t = created;
        let mut steps: [Option<NaiveDateTime>; 5] = [None; 5];
        let mut status = LeadStatus::New;
        if let Some((agent_id, user_id, label, _)) = agent {
            t += Duration::minutes(2 + rng.below(30) as i64);
            model::assign(conn, lead_id, Some(*agent_id))?;
            steps[0] = Some(t);
            model::add_event_at(
                conn,
                lead_id,
                None,
                "routing",
                "assigned",
                &serde_json::json!({ "agent_id": agent_id, "agent": label, "by": "demo" }).to_string(),
                t,
            )?;
            let senior = birth.is_some_and(|b| crate::leads::rules::age_on(b, t0.date()) >= 65);
            let quality = if with_phone { 15 } else { 0 }
                + if consent { 10 } else { 0 }
                + if senior && product.starts_with("medicare") {
                    12
                } else {
                    0
                };
            for next in path_for(&mut rng, age_days, quality).into_iter().skip(1) {
                let gap = Duration::minutes(30 + rng.below(3 * 24 * 60) as i64);
                if t + gap >= t0 {
                    break;
                }
                t += gap;
                let details = serde_json::json!({ "from": status.as_str(), "to": next.as_str() });
                model::add_event_at(
                    conn,
                    lead_id,
                    Some(*user_id),
                    label,
                    "status_changed",
                    &details.to_string(),
                    t,
                )?;
                match next {
                    LeadStatus::Contacted => steps[1] = Some(t),
                    LeadStatus::Qualified => steps[2] = Some(t),
                    LeadStatus::Quoted => steps[3] = Some(t),
                    LeadStatus::Won | LeadStatus::Lost => steps[4] = Some(t),
                    _ => {}
                }
                status = next;
                if rng.below(3) == 0 {
                    let nt = t + Duration::minutes(3);
                    if nt < t0 {
                        model::add_event_at(
                            conn,
                            lead_id,
                            Some(*user_id),
                            label,
                            "note_added",
                            rng.pick::<&str>(NOTES),
                            nt,
                        )?;
                    }
                }
            }
            model::set_status(conn, lead_id, status.as_str())?;
            if status.is_open() && rng.below(3) == 0 {
                let due = t0 + Duration::hours(rng.below(96) as i64 - 24);
                model::insert_task(
                    conn,
                    lead_id,
                    *user_id,
                    "Call back about the plan options",
                    due,
                    *user_id,
                )?;
            }
        }
        model::set_lead_times(conn, lead_id, created, t.max(created), steps)?;
    }
    Ok(count)
}
