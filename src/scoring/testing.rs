//! What the scoring unit tests share: a fixed `today`, a blank and a complete lead, a
//! deterministic random number generator and a spread of synthetic leads.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{Factor, LeadFacts, Qualification};
use crate::domain::ProductLine;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub(super) const TODAY: (i32, u32, u32) = (2026, 6, 15);

pub(super) fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

/// A lead with nothing in it but consent: scores base + intent_quote.
pub(super) fn blank() -> LeadFacts {
    LeadFacts {
        has_email: false,
        has_phone: false,
        email_valid: false,
        phone_valid: false,
        has_zip: false,
        has_birth_date: false,
        product_line: ProductLine::Other,
        product_given: false,
        age: None,
        birth_date: None,
        received: Utc.with_ymd_and_hms(2026, 6, 15, 14, 0, 0).unwrap(),
        local_hour: None,
        message: String::new(),
        source: "web".into(),
        source_conversion: None,
        duplicate: false,
        has_consent: true,
    }
}

/// A lead that fires every positive factor.
pub(super) fn complete() -> LeadFacts {
    LeadFacts {
        has_email: true,
        has_phone: true,
        email_valid: true,
        phone_valid: true,
        has_zip: true,
        has_birth_date: true,
        product_line: ProductLine::MedicareSupplement,
        product_given: true,
        age: Some(66),
        birth_date: Some(d(1960, 1, 10)),
        local_hour: Some(10),
        message: "Need a quote asap, my coverage ends this month".into(),
        source_conversion: Some(0.40),
        ..blank()
    }
}

pub(super) fn keys(q: &Qualification) -> Vec<&'static str> {
    q.factors.iter().map(|f| f.key).collect()
}

pub(super) fn factor<'a>(q: &'a Qualification, key: &str) -> Option<&'a Factor> {
    q.factors.iter().find(|f| f.key == key)
}

pub(super) fn assert_close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

/// Deterministic pseudo-random numbers (PCG-style 64-bit LCG).
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    pub(super) fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
    pub(super) fn below(&mut self, n: u32) -> u32 {
        ((self.next_f64() * n as f64) as u32).min(n - 1)
    }
}

pub(super) const MESSAGES: &[&str] = &[
    "",
    "Need a quote asap",
    "Looking for a medigap plan g quote",
    "I'm turning 65, what are my options?",
    "just looking for life insurance, no rush",
    "I want a refund, cancel my policy",
    "How do I get a new id card for my plan",
    "My coverage ends this month, need health insurance",
    "quote for final expense please",
    "car insurance quote for two drivers",
];

pub(super) fn synthetic_lead(rng: &mut Lcg) -> LeadFacts {
    let today = today();
    let has_birth_date = rng.chance(0.5);
    let birth_date = has_birth_date.then(|| today - chrono::Days::new(u64::from(20 * 365 + rng.below(60 * 365))));
    let has_email = rng.chance(0.8);
    let has_phone = rng.chance(0.7);
    LeadFacts {
        has_email,
        has_phone,
        email_valid: has_email && rng.chance(0.9),
        phone_valid: has_phone && rng.chance(0.9),
        has_zip: rng.chance(0.6),
        has_birth_date,
        product_line: ProductLine::ALL[rng.below(ProductLine::ALL.len() as u32) as usize],
        product_given: rng.chance(0.6),
        age: if has_birth_date { None } else { Some(18 + rng.below(70)) },
        birth_date,
        local_hour: rng.chance(0.9).then(|| rng.below(24)),
        message: MESSAGES[rng.below(MESSAGES.len() as u32) as usize].to_string(),
        source_conversion: rng.chance(0.7).then(|| 0.05 + 0.4 * rng.next_f64()),
        duplicate: rng.chance(0.1),
        has_consent: rng.chance(0.9),
        ..blank()
    }
}

/// A spread of leads exercising every branch.
pub(super) fn assorted_leads() -> Vec<LeadFacts> {
    let mut rng = Lcg(99);
    let mut leads: Vec<LeadFacts> = (0..300).map(|_| synthetic_lead(&mut rng)).collect();
    leads.push(blank());
    leads.push(complete());
    leads
}
