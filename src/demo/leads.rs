//! About 2,000 demo leads over the last six months: sources, products and statuses in
//! believable proportions, with notes, follow-ups and a history that reads like real work. Each
//! lead is scored by the rule set and routed by the real engine at the time it arrived: offered
//! under the agency's rules, sometimes declined or left to time out and offered on, accepted, or
//! left waiting with the reason.

use chrono::{Duration, NaiveDateTime};

use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::leads::model::{self, NewConsent, NewContact, NewLead};
use crate::leads::pipeline::LeadStatus;

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
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
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

const DECLINE_REASONS: &[&str] = &[
    "Booked solid this afternoon.",
    "Not appointed with the carriers they asked about.",
    "Out of the office today.",
    "Outside my usual area.",
];

/// A business-hours arrival time (weekdays, 14:00 to 20:30 UTC: the working day in both US
/// Eastern and Pacific time for part of it) about `age_minutes` ago.
fn business_hours(t0: NaiveDateTime, age_minutes: i64, rng: &mut Rng) -> NaiveDateTime {
    use chrono::{Datelike, Weekday};
    let mut day = (t0 - Duration::minutes(age_minutes)).date();
    match day.weekday() {
        Weekday::Sat => day -= Duration::days(1),
        Weekday::Sun => day -= Duration::days(2),
        _ => {}
    }
    let minute = 14 * 60 + rng.below(6 * 60 + 30) as i64;
    let t = day.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minute);
    if t >= t0 {
        t0 - Duration::minutes(1 + rng.below(240) as i64)
    } else {
        t
    }
}

/// Seeds `count` leads; `agents` are (agent id, user id, label, licensed states). The agency's
/// routing rules must be in place: the leads are routed by them.
pub fn seed(
    conn: &mut DbConnection,
    count: usize,
    agents: &[(i64, i64, String, Vec<String>)],
    settings: &crate::config::Settings,
) -> Result<usize, AppError> {
    let mut rng = Rng(0x5EED_1EAD);
    // Routing's caches for this run (the directory is loaded once, not for every lead).
    let caches = crate::routing::Caches::default();
    // The consent the quote form showed: the agency's wording, naming the agency as the seller.
    let agency = crate::agency::Agency::from_row(&crate::agency::model::find(conn)?, &settings.agency_name);
    let consent_text = agency.consent_text();
    let sellers = serde_json::json!([agency.name]).to_string();
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
    // Oldest first, so each routing decision sees the offers and leads that came before it.
    let mut arrivals: Vec<NaiveDateTime> = (0..count)
        .map(|_| {
            let age = rng.below(180 * 24 * 60) as i64;
            business_hours(t0, age, &mut rng)
        })
        .collect();
    arrivals.sort();
    let weights = crate::scoring::model::weights(conn)?;
    for (i, created) in arrivals.into_iter().enumerate() {
        let place = *rng.pick(&places);
        let age_minutes = (t0 - created).num_minutes().max(0);
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
        )?
        .id;
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
                qualification: None,
                unassigned_reason: None,
                api_token_id: None,
            },
        )?
        .id;
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
                    text: &consent_text,
                    given_at: created,
                    ip: Some("198.51.100.24"),
                    user_agent: Some("Mozilla/5.0 (demo)"),
                    page_url: Some("https://sunbelt-demo.test/quote"),
                    sellers: &sellers,
                },
            )?;
        }
        // Scored by the rule set as it arrived, then routed by the real engine at that moment.
        let (lead_row, contact_row) = model::find_lead(conn, lead_id)?;
        let mut facts = crate::scoring::scorer::facts_of(&lead_row, &contact_row);
        facts.received = created.and_utc();
        let q = crate::scoring::qualify(&facts, &weights, created.date());
        crate::scoring::model::store(conn, lead_id, &q)?;
        let mut t = created + Duration::seconds(1);
        let mut agent: Option<(i64, i64, String)> = None;
        for _ in 0..3 {
            let Some(crate::routing::offers::Offered {
                offer_id: offer,
                agent_id,
                deadline,
                ..
            }) = crate::routing::offers::route_lead_at(conn, lead_id, &[], t.and_utc(), settings, &caches)?
            else {
                break;
            };
            let roll = rng.below(100);
            if roll < 7 {
                t += Duration::minutes(1 + rng.below(3) as i64);
                let reason = *rng.pick(DECLINE_REASONS);
                crate::routing::offers::close_offer_at(conn, offer, "declined", Some(reason), t)?;
                let label = agent_label(conn, agents, agent_id)?.1;
                model::add_event_at(conn, lead_id, None, &label, "declined", reason, t)?;
            } else if roll < 12 {
                t = deadline;
                crate::routing::offers::close_offer_at(conn, offer, "expired", None, t)?;
                let details = format!("agent {agent_id}");
                model::add_event_at(conn, lead_id, None, "routing", "offer_expired", &details, t)?;
            } else {
                t += Duration::minutes(1 + rng.below(4) as i64);
                crate::routing::offers::close_offer_at(conn, offer, "accepted", None, t)?;
                let (user_id, label) = agent_label(conn, agents, agent_id)?;
                agent = Some((agent_id, user_id, label));
                break;
            }
        }
        let age_days = age_minutes / (24 * 60);
        let mut steps: [Option<NaiveDateTime>; 5] = [None; 5];
        let mut status = LeadStatus::New;
        if let Some((agent_id, user_id, label)) = &agent {
            model::assign(conn, lead_id, Some(*agent_id))?;
            steps[0] = Some(t);
            model::add_event_at(
                conn,
                lead_id,
                Some(*user_id),
                label,
                "assigned",
                &serde_json::json!({ "agent_id": agent_id, "agent": label, "by": "offer" }).to_string(),
                t,
            )?;
            let senior = birth.is_some_and(|b| crate::leads::intake::age_on(b, t0.date()) >= 65);
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

/// The user id and name of an agent, from the roster or the database.
fn agent_label(
    conn: &mut DbConnection,
    agents: &[(i64, i64, String, Vec<String>)],
    agent_id: i64,
) -> Result<(i64, String), AppError> {
    if let Some((_, user_id, label, _)) = agents.iter().find(|(a, _, _, _)| *a == agent_id) {
        return Ok((*user_id, label.clone()));
    }
    let (_, user) = crate::agents::model::find_agent(conn, agent_id)?;
    Ok((user.id, user.name))
}
