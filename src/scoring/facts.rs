//! What the scorers read from a lead and what they give back: [`LeadFacts`] in, a
//! [`Qualification`] with its [`Factor`]s out, and the reading both scorers share (product,
//! intent, urgency, Medicare eligibility, business hours). Pure: the caller passes `today`.

#![warn(missing_docs)]

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::classify::{classify_intent, classify_product, classify_urgency, Intent, Urgency};
use crate::domain::ProductLine;

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/// Everything the scorers need to know about one lead.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFacts {
    /// An email address was given.
    pub has_email: bool,
    /// A phone number was given.
    pub has_phone: bool,
    /// The email address passed validation. Email points need `has_email && email_valid`.
    pub email_valid: bool,
    /// The phone number passed validation. Phone points need `has_phone && phone_valid`.
    pub phone_valid: bool,
    /// A ZIP code was given.
    pub has_zip: bool,
    /// A birth date was given.
    pub has_birth_date: bool,
    /// The product the sender chose ([`ProductLine::Other`] when none).
    pub product_line: ProductLine,
    /// `false` when the sender gave no product or "other". A `true` with
    /// [`ProductLine::Other`] is treated as `false`.
    pub product_given: bool,
    /// Age in whole years, if stated. A birth date, when known, takes precedence.
    pub age: Option<u32>,
    /// Birth date, if known.
    pub birth_date: Option<NaiveDate>,
    /// When the lead arrived. Kept for the record; the scorers use `local_hour`
    /// for time of day and the caller's `today` for dates.
    pub received: chrono::DateTime<chrono::Utc>,
    /// Hour of day (0–23) in the person's time zone, if known.
    pub local_hour: Option<u32>,
    /// The free-text message the person sent.
    pub message: String,
    /// Where the lead came from (shown in the factor label).
    pub source: String,
    /// Historical `won / (won + lost)` of this source, `None` if it has fewer
    /// than 20 closed leads.
    pub source_conversion: Option<f64>,
    /// The person already had an open lead.
    pub duplicate: bool,
    /// The person consented to be contacted.
    pub has_consent: bool,
}

/// One reason behind a score, for the "why this score" panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// Stable key: the [`Weights`](super::Weights) field name for the rule set, the
    /// [`FEATURE_NAMES`](super::FEATURE_NAMES) entry for a learned model.
    pub key: &'static str,
    /// A phrase for a person, e.g. "Phone number given", "Eligible for Medicare (age 66)".
    pub label: String,
    /// Points added (negative: taken away). For a learned model, the
    /// contribution in log-odds (see [`qualify_with_model`](super::qualify_with_model)).
    pub points: f64,
}

/// The result of qualifying a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualification {
    /// 0..=100, higher is better.
    pub score: u8,
    /// Every non-zero contribution, in a stable order.
    pub factors: Vec<Factor>,
    /// The product given by the sender, or else the one read from the message,
    /// or else the (absent) one given.
    pub product_line: ProductLine,
    /// Why the product was read from the message (`Message mentions "medigap"`);
    /// `None` when the sender chose it or nothing matched.
    pub product_reason: Option<String>,
    /// What the person wants.
    pub intent: Intent,
    /// How soon.
    pub urgency: Urgency,
    /// Why that urgency (`None` for Normal).
    pub urgency_reason: Option<String>,
    /// [`RULES_MODEL`](super::RULES_MODEL) or the learned model's version name.
    pub model: String,
}

// ---------------------------------------------------------------------------
// Ages and Medicare eligibility
// ---------------------------------------------------------------------------

/// The 65th birthday of someone born on `birth` (a February 29 birthday falls
/// on February 28 in non-leap years).
pub(super) fn sixty_fifth_birthday(birth: NaiveDate) -> Option<NaiveDate> {
    birth.checked_add_months(Months::new(65 * 12))
}

/// Whole years between `birth` and `today`; `None` when `birth` is after `today`.
fn age_on(birth: NaiveDate, today: NaiveDate) -> Option<u32> {
    if birth > today {
        return None;
    }
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// Months before the 65th birthday from which a lead counts as Medicare-eligible.
const ELIGIBLE_MONTHS_BEFORE_65: u32 = 6;

/// What is known about a lead's Medicare eligibility.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Medicare {
    /// Not a Medicare product, or not enough known about the age.
    Unknown,
    /// Eligible; the text goes in the parentheses of the label.
    Eligible(String),
    /// Too young; the text goes in the parentheses of the label.
    TooYoung(String),
}

/// Medicare eligibility for a Medicare `product`. With a birth date (which
/// wins over a stated age): eligible when the 65th birthday is at most six
/// months after `today`, too young otherwise. With only a whole-year age:
/// 65 and over eligible, 63 and under too young, 64 unknown (it may be either
/// side of 64½).
fn medicare_status(facts: &LeadFacts, product: ProductLine, today: NaiveDate) -> Medicare {
    if !product.is_medicare() {
        return Medicare::Unknown;
    }
    if let Some(birth) = facts.birth_date {
        let (Some(age), Some(birthday), Some(limit)) = (
            age_on(birth, today),
            sixty_fifth_birthday(birth),
            today.checked_add_months(Months::new(ELIGIBLE_MONTHS_BEFORE_65)),
        ) else {
            return Medicare::Unknown;
        };
        return if age >= 65 {
            Medicare::Eligible(format!("age {age}"))
        } else if birthday <= limit {
            Medicare::Eligible(format!("turns 65 on {birthday}"))
        } else {
            Medicare::TooYoung(format!("age {age}, turns 65 on {birthday}"))
        };
    }
    match facts.age {
        Some(age) if age >= 65 => Medicare::Eligible(format!("age {age}")),
        Some(age) if age <= 63 => Medicare::TooYoung(format!("age {age}")),
        _ => Medicare::Unknown,
    }
}

// ---------------------------------------------------------------------------
// Shared reading of a lead
// ---------------------------------------------------------------------------

/// What both scorers read from a lead before scoring it.
pub(super) struct Reading {
    pub(super) product_given: bool,
    pub(super) product_line: ProductLine,
    pub(super) product_reason: Option<String>,
    pub(super) intent: Intent,
    pub(super) intent_phrase: Option<&'static str>,
    pub(super) urgency: Urgency,
    pub(super) urgency_reason: Option<String>,
    pub(super) medicare: Medicare,
    pub(super) business_hours: bool,
    pub(super) email: bool,
    pub(super) phone: bool,
}

pub(super) fn read(facts: &LeadFacts, today: NaiveDate) -> Reading {
    let product_given = facts.product_given && facts.product_line != ProductLine::Other;
    let (product_line, product_reason) = if product_given {
        (facts.product_line, None)
    } else {
        match classify_product(&facts.message) {
            Some((product, phrase)) => (product, Some(format!("Message mentions \"{phrase}\""))),
            None => (facts.product_line, None),
        }
    };
    let (intent, intent_phrase) = classify_intent(&facts.message);
    let (urgency, urgency_reason) = classify_urgency(&facts.message, facts.age, facts.birth_date, today);
    Reading {
        product_given,
        product_line,
        product_reason,
        intent,
        intent_phrase,
        urgency,
        urgency_reason,
        medicare: medicare_status(facts, product_line, today),
        business_hours: facts.local_hour.is_some_and(|h| (8..20).contains(&h)),
        email: facts.has_email && facts.email_valid,
        phone: facts.has_phone && facts.phone_valid,
    }
}
