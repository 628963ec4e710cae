//! Realistic, varied lead bodies, each from a different person (unique e-mail and phone), so
//! nothing is de-duplicated.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

const FIRST_NAMES: &[&str] = &[
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "Michael",
    "Barbara",
    "William",
    "Elizabeth",
    "David",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Charles",
    "Nancy",
    "Jose",
    "Lisa",
    "Daniel",
    "Margaret",
    "Ana",
    "Carlos",
    "Dorothy",
    "Luis",
    "Sandra",
    "Kenneth",
    "Ashley",
    "Wei",
    "Nguyen",
    "Aisha",
    "Darnell",
    "Priya",
    "Gloria",
    "Harold",
    "Ruth",
    "Earl",
    "Juanita",
];

const LAST_NAMES: &[&str] = &[
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
    "Nguyen",
    "Patel",
    "Washington",
    "O'Brien",
    "Kowalski",
    "Schmidt",
    "Rivera",
    "Chen",
];

/// Real ZIP codes over ten states, each with an area code of its city.
const PLACES: &[(&str, &str, &str)] = &[
    ("33101", "FL", "305"),
    ("33139", "FL", "305"),
    ("32801", "FL", "407"),
    ("33602", "FL", "813"),
    ("32202", "FL", "904"),
    ("33301", "FL", "954"),
    ("34102", "FL", "239"),
    ("33401", "FL", "561"),
    ("77002", "TX", "713"),
    ("75201", "TX", "214"),
    ("78701", "TX", "512"),
    ("78205", "TX", "210"),
    ("76102", "TX", "817"),
    ("79901", "TX", "915"),
    ("30303", "GA", "404"),
    ("31401", "GA", "912"),
    ("30901", "GA", "706"),
    ("31201", "GA", "478"),
    ("27601", "NC", "919"),
    ("28202", "NC", "704"),
    ("27401", "NC", "336"),
    ("28801", "NC", "828"),
    ("27701", "NC", "919"),
    ("85004", "AZ", "602"),
    ("85701", "AZ", "520"),
    ("85251", "AZ", "480"),
    ("85351", "AZ", "623"),
    ("43215", "OH", "614"),
    ("44114", "OH", "216"),
    ("45202", "OH", "513"),
    ("43604", "OH", "419"),
    ("19103", "PA", "215"),
    ("15222", "PA", "412"),
    ("17101", "PA", "717"),
    ("18101", "PA", "610"),
    ("48226", "MI", "313"),
    ("49503", "MI", "616"),
    ("48933", "MI", "517"),
    ("48104", "MI", "734"),
    ("37203", "TN", "615"),
    ("38103", "TN", "901"),
    ("37902", "TN", "865"),
    ("37402", "TN", "423"),
    ("90012", "CA", "213"),
    ("94102", "CA", "415"),
    ("92101", "CA", "619"),
    ("95814", "CA", "916"),
    ("92262", "CA", "760"),
];

const PRODUCTS: &[&str] = &[
    "medicare_advantage",
    "medicare_advantage",
    "medicare_advantage",
    "medicare_supplement",
    "medicare_supplement",
    "part_d",
    "aca_health",
    "aca_health",
    "life",
    "final_expense",
];

const SOURCES: &[&str] = &["web", "web", "web", "facebook", "google", "google", "referral"];

const MESSAGES: &[&str] = &[
    "",
    "",
    "",
    "Please call me in the afternoon.",
    "My coverage ends this month, I need something quickly.",
    "I am turning 65 next month and do not know where to start.",
    "Looking to compare plans that cover my doctors.",
    "Can you help me lower my drug costs?",
    "My employer plan is ending when I retire in June.",
    "I want a quote for my wife and me.",
    "Need coverage asap, my plan was cancelled.",
    "Just browsing for now, maybe next year.",
];

const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example.com"];

/// Office exchanges (the 3 digits after the area code): 200–999 except the N11 service codes
/// and the fictional 555.
fn exchanges() -> Vec<u16> {
    (200..1000).filter(|e| e % 100 != 11 && *e != 555).collect()
}

/// Makes lead bodies; shared by every connection. Sequence numbers start at a random point so
/// that runs against the same database rarely meet a person from an earlier run.
pub struct LeadGen {
    next: AtomicU64,
    run: u32,
    exchanges: Vec<u16>,
}

impl LeadGen {
    pub fn new() -> Self {
        let mut rng = rand::thread_rng();
        LeadGen {
            next: AtomicU64::new(rng.gen_range(0..1_000_000_000)),
            run: rng.gen_range(0..1_000_000),
            exchanges: exchanges(),
        }
    }

    /// The next body, as JSON text.
    pub fn body(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        lead_body(n, self.run, &self.exchanges, &mut rand::thread_rng()).to_string()
    }
}

/// The n-th person. The exchange and line of the phone number come from n alone, so any
/// 7,890,000 consecutive people have different numbers whatever their area code (several
/// places share one, like 305 and 919).
fn lead_body(n: u64, run: u32, exchanges: &[u16], rng: &mut impl Rng) -> Value {
    let (zip, state, area) = PLACES[(n % PLACES.len() as u64) as usize];
    let exchange = exchanges[(n % exchanges.len() as u64) as usize];
    let line = (n / exchanges.len() as u64) % 10_000;
    let first = pick(FIRST_NAMES, rng);
    let last = pick(LAST_NAMES, rng);
    let email = format!(
        "{}.{}.{run}.{n}@{}",
        first.to_lowercase(),
        last.to_lowercase().replace('\'', ""),
        pick(EMAIL_DOMAINS, rng)
    );
    let mut body = json!({
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": format!("({area}) {exchange}-{line:04}"),
        "zip": zip,
        "state": state,
        "product_line": pick(PRODUCTS, rng),
        "birth_date": birth_date(Utc::now().date_naive(), rng).to_string(),
        "source": pick(SOURCES, rng),
        "consent": { "text": "I agree to be contacted by licensed agents.", "ip": "203.0.113.7" },
    });
    let message = pick(MESSAGES, rng);
    if !message.is_empty() {
        body["message"] = json!(message);
    }
    body
}

/// Seven in ten are 64 to 80 years old (the Medicare market), the rest 25 to 63.
fn birth_date(today: NaiveDate, rng: &mut impl Rng) -> NaiveDate {
    let years = if rng.gen_bool(0.7) {
        rng.gen_range(64..=80)
    } else {
        rng.gen_range(25..=63)
    };
    today - Duration::days(years * 365 + rng.gen_range(0..365))
}

fn pick<'a>(items: &[&'a str], rng: &mut impl Rng) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}
