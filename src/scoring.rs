//! Lead qualification: **how promising is this lead, and why?**
//!
//! Two scorers share one reading of the lead:
//!
//! * a transparent **rule set** ([`qualify`]) whose points are settings
//!   ([`Weights`]); every non-zero contribution is returned as a [`Factor`], so
//!   the page can show "why this score" and the factors' points add up to
//!   `score - base` (before clamping to 0..=100);
//! * a **learned model** ([`LogisticModel`]), a plain logistic regression
//!   trained by batch gradient descent on standardised [`features`], with
//!   per-feature contributions for the same "why" panel
//!   ([`qualify_with_model`]) and an honest [`evaluate`] (held-out ROC AUC next
//!   to the constant model's 0.5, and a calibration table).
//!
//! Before scoring, the free-text message is read by three small keyword
//! classifiers: [`classify_product`] (used when the sender chose no product or
//! "other"), [`classify_intent`] and [`classify_urgency`]. Matching is
//! case-insensitive and word-ish: the message is lower-cased, every run of
//! non-alphanumeric characters becomes one space, and a phrase must start and
//! end on a word boundary (a trailing plural "s" is allowed, so "ppos" matches
//! "ppo"; a phrase written with a trailing `*` in the tables matches any word
//! starting with it, so "cancel*" matches "cancelled").
//!
//! The module is pure: no I/O, no clock reads. The caller passes `today`.

#![warn(missing_docs)]

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

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

// ---------------------------------------------------------------------------
// Phrase matching
// ---------------------------------------------------------------------------

/// Lower-cases `text`, turns every run of non-alphanumeric characters into a
/// single space and pads both ends with a space, so phrases can be found as
/// `" phrase "`.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Does the normalised text contain `phrase` on word boundaries? A trailing
/// `*` in `phrase` makes the last word a prefix; otherwise a plural "s" is
/// allowed after the phrase.
fn has_phrase(normalised: &str, phrase: &str) -> bool {
    let (stem, prefix) = match phrase.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (phrase, false),
    };
    let needle = format!(" {stem}");
    normalised.match_indices(&needle).any(|(at, _)| {
        let rest = &normalised[at + needle.len()..];
        prefix || rest.starts_with(' ') || rest.starts_with("s ")
    })
}

/// The first phrase of `phrases` found in the normalised text, without its `*`.
fn first_phrase(normalised: &str, phrases: &[&'static str]) -> Option<&'static str> {
    phrases
        .iter()
        .find(|p| has_phrase(normalised, p))
        .map(|p| p.strip_suffix('*').unwrap_or(p))
}

// ---------------------------------------------------------------------------
// Product classification
// ---------------------------------------------------------------------------

/// One keyword rule of [`classify_product`].
struct ProductRule {
    product: ProductLine,
    phrases: &'static [&'static str],
    /// The phrase only counts when the message also talks about Medicare
    /// (see [`MEDICARE_CONTEXT`]).
    needs_medicare_context: bool,
}

/// Phrases that put a message in a Medicare context.
const MEDICARE_CONTEXT: &[&str] = &["medicare", "turning 65", "turn 65", "65", "part a", "part b"];

/// Product rules, most specific first: the first rule with a matching phrase wins.
const PRODUCT_RULES: &[ProductRule] = &[
    ProductRule {
        product: ProductLine::MedicareSupplement,
        phrases: &[
            "medigap",
            "medicare supplemental",
            "supplement",
            "plan g",
            "plan n",
            "plan f",
        ],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::MedicareAdvantage,
        phrases: &["medicare advantage", "part c"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::MedicareAdvantage,
        phrases: &["advantage", "ppo", "hmo"],
        needs_medicare_context: true,
    },
    ProductRule {
        product: ProductLine::PartD,
        phrases: &["part d", "drug plan", "prescription", "drug coverage", "pdp"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::MedicareAdvantage,
        phrases: &["turning 65", "turn 65", "turning sixty five", "medicare"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::AcaHealth,
        phrases: &["obamacare", "marketplace", "aca", "affordable care", "health insurance"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::FinalExpense,
        phrases: &["final expense", "burial", "funeral"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::Life,
        phrases: &["life insurance", "term life", "whole life", "universal life"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::DentalVision,
        phrases: &["dental", "vision"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::Auto,
        phrases: &["auto", "car insurance"],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::Home,
        phrases: &[
            "home insurance",
            "homeowner",
            "homeowners insurance",
            "renters insurance",
        ],
        needs_medicare_context: false,
    },
    ProductRule {
        product: ProductLine::Commercial,
        phrases: &["business", "commercial", "general liability"],
        needs_medicare_context: false,
    },
];

/// Guesses the product line from a free-text message, returning it with the
/// phrase that decided it, or `None` when no rule matches.
///
/// Rules, most specific first (the first match wins):
///
/// | product | phrases |
/// | --- | --- |
/// | Medicare Supplement | medigap, medicare supplemental, supplement, plan g, plan n, plan f |
/// | Medicare Advantage | medicare advantage, part c; advantage, ppo, hmo *with Medicare context* |
/// | Part D | part d, drug plan, prescription, drug coverage, pdp |
/// | Medicare Advantage (generic Medicare) | turning 65, turn 65, turning sixty five, medicare |
/// | ACA health | obamacare, marketplace, aca, affordable care, health insurance |
/// | Final expense | final expense, burial, funeral |
/// | Life | life insurance, term life, whole life, universal life |
/// | Dental & vision | dental, vision |
/// | Auto | auto, car insurance |
/// | Home | home insurance, homeowner, homeowners insurance, renters insurance |
/// | Commercial | business, commercial, general liability |
///
/// "Medicare context" means the message also mentions medicare, turning/turn
/// 65, 65, part a or part b. So "Medicare supplement" is a supplement, not
/// generic Medicare, and "final expense life insurance" is final expense.
pub fn classify_product(message: &str) -> Option<(ProductLine, &'static str)> {
    let text = normalise(message);
    let medicare_context = MEDICARE_CONTEXT.iter().any(|p| has_phrase(&text, p));
    PRODUCT_RULES
        .iter()
        .filter(|rule| medicare_context || !rule.needs_medicare_context)
        .find_map(|rule| first_phrase(&text, rule.phrases).map(|phrase| (rule.product, phrase)))
}

// ---------------------------------------------------------------------------
// Intent
// ---------------------------------------------------------------------------

/// What the person wants, read from the message by [`classify_intent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Shopping: wants a quote or coverage. The default.
    Quote,
    /// Asking a question without asking for a quote.
    Question,
    /// Unhappy: cancelling, billing, refunds.
    Complaint,
    /// An existing customer needing service on a policy.
    Service,
}

impl Intent {
    /// Every intent, in display order.
    pub const ALL: [Self; 4] = [Self::Quote, Self::Question, Self::Complaint, Self::Service];

    /// Stable key: `"quote"`, `"question"`, `"complaint"` or `"service"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::Question => "question",
            Self::Complaint => "complaint",
            Self::Service => "service",
        }
    }

    /// Human-readable name for screens.
    pub fn label(self) -> &'static str {
        match self {
            Self::Quote => "Quote request",
            Self::Question => "Question",
            Self::Complaint => "Complaint",
            Self::Service => "Service request",
        }
    }
}

const COMPLAINT_PHRASES: &[&str] = &["cancel*", "complain*", "unhappy", "billing", "refund*", "overcharged"];
const SERVICE_PHRASES: &[&str] = &["my policy", "my plan", "claim", "id card", "change my"];
const QUESTION_PHRASES: &[&str] = &["how", "what", "does", "can i", "do you", "is it", "which"];
const QUOTE_PHRASES: &[&str] = &[
    "quote*",
    "price",
    "pricing",
    "cost",
    "rate",
    "premium",
    "how much",
    "sign up",
    "enroll",
    "enrolling",
    "enrol",
    "apply",
    "buy",
    "purchase",
];

/// Reads the intent of a message, with the phrase that decided it.
///
/// In order, the first that applies wins:
///
/// 1. **Complaint**: cancel…, complain…, unhappy, billing, refund…, overcharged;
/// 2. **Service** (existing customer): my policy, my plan, claim, id card,
///    change my, unless the message also uses a quote word;
/// 3. **Question**: a `?` (phrase `"?"`) or how, what, does, can i, do you,
///    is it, which, unless the message also uses a quote word;
/// 4. **Quote**, with the quote word found (quote…, price, pricing, cost, rate,
///    premium, how much, sign up, enroll, enrolling, enrol, apply, buy, purchase) or
///    `None`.
pub fn classify_intent(message: &str) -> (Intent, Option<&'static str>) {
    let text = normalise(message);
    if let Some(phrase) = first_phrase(&text, COMPLAINT_PHRASES) {
        return (Intent::Complaint, Some(phrase));
    }
    let quote_word = first_phrase(&text, QUOTE_PHRASES);
    if quote_word.is_some() {
        return (Intent::Quote, quote_word);
    }
    if let Some(phrase) = first_phrase(&text, SERVICE_PHRASES) {
        return (Intent::Service, Some(phrase));
    }
    if message.contains('?') {
        return (Intent::Question, Some("?"));
    }
    if let Some(phrase) = first_phrase(&text, QUESTION_PHRASES) {
        return (Intent::Question, Some(phrase));
    }
    (Intent::Quote, None)
}

// ---------------------------------------------------------------------------
// Urgency
// ---------------------------------------------------------------------------

/// How soon the person needs coverage, read by [`classify_urgency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Just looking, next year, no rush.
    Low,
    /// Nothing said either way. The default.
    Normal,
    /// Coverage ending, turning 65 soon, "asap".
    High,
}

impl Urgency {
    /// Every urgency, lowest first.
    pub const ALL: [Self; 3] = [Self::Low, Self::Normal, Self::High];

    /// Stable key: `"low"`, `"normal"` or `"high"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }

    /// Human-readable name for screens.
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Normal => "Normal",
            Self::High => "High",
        }
    }
}

const HIGH_URGENCY_PHRASES: &[&str] = &[
    "ends this month",
    "ending",
    "expir*",
    "lost my coverage",
    "losing my coverage",
    "lose my coverage",
    "asap",
    "as soon as possible",
    "urgent*",
    "today",
    "right away",
    "immediately",
    "turning 65 next month",
];
const LOW_URGENCY_PHRASES: &[&str] = &[
    "just looking",
    "just browsing",
    "next year",
    "someday",
    "some day",
    "no rush",
    "no hurry",
    "not in a hurry",
];

/// Months within which an upcoming 65th birthday makes a lead urgent.
const URGENT_BIRTHDAY_MONTHS: u32 = 2;

/// Reads how urgent a lead is, with the reason as a sentence fragment.
///
/// In order, the first that applies wins:
///
/// 1. **High** when the message says ends this month, ending, expir…, lost /
///    losing / lose my coverage, asap, as soon as possible, urgent…, today,
///    right away, immediately or turning 65 next month
///    (reason `Message says "asap"`);
/// 2. **High** when, by `birth_date`, the 65th birthday falls between `today`
///    and two months after `today`, inclusive (reason
///    `Turns 65 on 2026-07-01 (in 16 days)`). A stated `age` is a cross-check
///    only: when it is known and is neither 64 nor 65 the birth date is
///    considered unreliable and this rule is skipped; an age alone cannot date
///    a birthday;
/// 3. **Low** when the message says just looking / browsing, next year,
///    someday, no rush, no hurry or not in a hurry;
/// 4. otherwise **Normal**, with no reason.
pub fn classify_urgency(
    message: &str,
    age: Option<u32>,
    birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> (Urgency, Option<String>) {
    let text = normalise(message);
    if let Some(phrase) = first_phrase(&text, HIGH_URGENCY_PHRASES) {
        return (Urgency::High, Some(format!("Message says \"{phrase}\"")));
    }
    let age_consistent = age.is_none_or(|a| a == 64 || a == 65);
    if let (Some(birth), true) = (birth_date, age_consistent) {
        if let (Some(birthday), Some(limit)) = (
            sixty_fifth_birthday(birth),
            today.checked_add_months(Months::new(URGENT_BIRTHDAY_MONTHS)),
        ) {
            if today <= birthday && birthday <= limit {
                let days = (birthday - today).num_days();
                return (Urgency::High, Some(format!("Turns 65 on {birthday} (in {days} days)")));
            }
        }
    }
    if let Some(phrase) = first_phrase(&text, LOW_URGENCY_PHRASES) {
        return (Urgency::Low, Some(format!("Message says \"{phrase}\"")));
    }
    (Urgency::Normal, None)
}

// ---------------------------------------------------------------------------
// Ages and Medicare eligibility
// ---------------------------------------------------------------------------

/// The 65th birthday of someone born on `birth` (a February 29 birthday falls
/// on February 28 in non-leap years).
fn sixty_fifth_birthday(birth: NaiveDate) -> Option<NaiveDate> {
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
enum Medicare {
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
struct Reading {
    product_given: bool,
    product_line: ProductLine,
    product_reason: Option<String>,
    intent: Intent,
    intent_phrase: Option<&'static str>,
    urgency: Urgency,
    urgency_reason: Option<String>,
    medicare: Medicare,
    business_hours: bool,
    email: bool,
    phone: bool,
}

fn read(facts: &LeadFacts, today: NaiveDate) -> Reading {
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

// ---------------------------------------------------------------------------
// The rule set
// ---------------------------------------------------------------------------

/// Name of the rule set, stored in [`Qualification::model`].
pub const RULES_MODEL: &str = "rules-v1";

/// Source conversion rate that earns no points (about the agency's average):
/// the source factor is `source_conversion * (rate - 0.15)`.
pub const SOURCE_CONVERSION_PIVOT: f64 = 0.15;

/// The points of the rule set; a setting. Missing fields in stored JSON fall
/// back to [`Weights::default`].
///
/// With the defaults a complete, eligible, urgent Medicare lead asking for a
/// quote during business hours from an average source scores 90, a form with
/// only a valid email 34, and a duplicate complaint without consent 0.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct Weights {
    /// Starting score of every lead.
    pub base: f64,
    /// Valid email address given.
    pub email: f64,
    /// Valid phone number given.
    pub phone: f64,
    /// ZIP code given.
    pub zip: f64,
    /// Birth date given.
    pub birth_date: f64,
    /// The sender chose a product (not "other").
    pub product_given: f64,
    /// Medicare product and eligible (65+, or 65 within six months).
    pub medicare_eligible: f64,
    /// Medicare product and too young (under 64½). Normally negative.
    pub medicare_not_eligible: f64,
    /// Multiplied by `(rate - 0.15)` when the source's conversion rate is known.
    pub source_conversion: f64,
    /// The message reads as a quote request.
    pub intent_quote: f64,
    /// The message reads as a complaint. Normally negative.
    pub intent_complaint: f64,
    /// Urgent.
    pub urgency_high: f64,
    /// Not urgent. Normally negative.
    pub urgency_low: f64,
    /// Sent between 08:00 and 19:59 local time.
    pub business_hours: f64,
    /// The person already had an open lead. Normally negative.
    pub duplicate: f64,
    /// No consent to be contacted. Normally negative.
    pub no_consent: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            base: 20.0,
            email: 8.0,
            phone: 15.0,
            zip: 4.0,
            birth_date: 4.0,
            product_given: 6.0,
            medicare_eligible: 12.0,
            medicare_not_eligible: -15.0,
            source_conversion: 40.0,
            intent_quote: 6.0,
            intent_complaint: -25.0,
            urgency_high: 12.0,
            urgency_low: -8.0,
            business_hours: 3.0,
            duplicate: -10.0,
            no_consent: -20.0,
        }
    }
}

/// One reason behind a score, for the "why this score" panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// Stable key: the [`Weights`] field name for the rule set, the
    /// [`FEATURE_NAMES`] entry for a learned model.
    pub key: &'static str,
    /// A phrase for a person, e.g. "Phone number given", "Eligible for Medicare (age 66)".
    pub label: String,
    /// Points added (negative: taken away). For a learned model, the
    /// contribution in log-odds (see [`qualify_with_model`]).
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
    /// [`RULES_MODEL`] or the learned model's version name.
    pub model: String,
}

/// Scores a lead with the rule set.
///
/// Factors, in this order, each present only when its points are non-zero
/// (and finite):
///
/// | key | when | points |
/// | --- | --- | --- |
/// | `email` | valid email | `email` |
/// | `phone` | valid phone | `phone` |
/// | `zip` | ZIP given | `zip` |
/// | `birth_date` | birth date given | `birth_date` |
/// | `product_given` | product chosen, not "other" | `product_given` |
/// | `medicare_eligible` | Medicare product, 65+ or 65 within 6 months | `medicare_eligible` |
/// | `medicare_not_eligible` | Medicare product, known to be under 64½ | `medicare_not_eligible` |
/// | `source_conversion` | source rate known | `source_conversion * (rate - 0.15)` |
/// | `intent_quote` / `intent_complaint` | intent | the weight |
/// | `urgency_high` / `urgency_low` | urgency | the weight |
/// | `business_hours` | `local_hour` in 8..20 | `business_hours` |
/// | `duplicate` | open lead already | `duplicate` |
/// | `no_consent` | no consent | `no_consent` |
///
/// `score = clamp(round(base + sum of points), 0, 100)` (0 when that is not a
/// number). The product is the given one, or when none (or "other") was
/// given, the one [`classify_product`] reads from the message; Medicare
/// eligibility is judged on that product.
pub fn qualify(facts: &LeadFacts, weights: &Weights, today: NaiveDate) -> Qualification {
    let r = read(facts, today);
    let mut factors = Vec::new();
    let mut add = |key: &'static str, on: bool, label: String, points: f64| {
        if on && points != 0.0 && points.is_finite() {
            factors.push(Factor { key, label, points });
        }
    };
    add("email", r.email, "Email address given".into(), weights.email);
    add("phone", r.phone, "Phone number given".into(), weights.phone);
    add("zip", facts.has_zip, "ZIP code given".into(), weights.zip);
    add(
        "birth_date",
        facts.has_birth_date,
        "Birth date given".into(),
        weights.birth_date,
    );
    add(
        "product_given",
        r.product_given,
        format!("Product chosen ({})", r.product_line.label()),
        weights.product_given,
    );
    match &r.medicare {
        Medicare::Eligible(why) => add(
            "medicare_eligible",
            true,
            format!("Eligible for Medicare ({why})"),
            weights.medicare_eligible,
        ),
        Medicare::TooYoung(why) => add(
            "medicare_not_eligible",
            true,
            format!("Too young for Medicare ({why})"),
            weights.medicare_not_eligible,
        ),
        Medicare::Unknown => {}
    }
    if let Some(rate) = facts.source_conversion {
        let source = if facts.source.trim().is_empty() {
            "This source".to_string()
        } else {
            format!("Source \"{}\"", facts.source.trim())
        };
        add(
            "source_conversion",
            true,
            format!("{source} converts {:.0}% of closed leads", rate * 100.0),
            weights.source_conversion * (rate - SOURCE_CONVERSION_PIVOT),
        );
    }
    let because = |phrase: Option<&str>| phrase.map(|p| format!(" (\"{p}\")")).unwrap_or_default();
    match r.intent {
        Intent::Quote => add(
            "intent_quote",
            true,
            format!("Asking for a quote{}", because(r.intent_phrase)),
            weights.intent_quote,
        ),
        Intent::Complaint => add(
            "intent_complaint",
            true,
            format!("Reads as a complaint{}", because(r.intent_phrase)),
            weights.intent_complaint,
        ),
        Intent::Question | Intent::Service => {}
    }
    let why = r.urgency_reason.clone().unwrap_or_default();
    match r.urgency {
        Urgency::High => add("urgency_high", true, format!("Urgent: {why}"), weights.urgency_high),
        Urgency::Low => add("urgency_low", true, format!("Not urgent: {why}"), weights.urgency_low),
        Urgency::Normal => {}
    }
    add(
        "business_hours",
        r.business_hours,
        format!(
            "Sent during business hours ({}:00 local time)",
            facts.local_hour.unwrap_or(0)
        ),
        weights.business_hours,
    );
    add(
        "duplicate",
        facts.duplicate,
        "Already has an open lead".into(),
        weights.duplicate,
    );
    add(
        "no_consent",
        !facts.has_consent,
        "No consent to be contacted".into(),
        weights.no_consent,
    );

    let total = weights.base + factors.iter().map(|f| f.points).sum::<f64>();
    Qualification {
        score: total.round().clamp(0.0, 100.0) as u8,
        factors,
        product_line: r.product_line,
        product_reason: r.product_reason,
        intent: r.intent,
        urgency: r.urgency,
        urgency_reason: r.urgency_reason,
        model: RULES_MODEL.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Features for the learned model
// ---------------------------------------------------------------------------

/// `(name, label when present / for the value, label when absent)` of each feature, in order.
const FEATURES: &[(&str, &str, &str)] = &[
    ("email", "Email address given", "No valid email address"),
    ("phone", "Phone number given", "No valid phone number"),
    ("zip", "ZIP code given", "No ZIP code"),
    ("birth_date", "Birth date given", "No birth date"),
    ("product_given", "Product chosen", "No product chosen"),
    (
        "medicare_eligible",
        "Eligible for Medicare",
        "Not known to be eligible for Medicare",
    ),
    (
        "medicare_not_eligible",
        "Too young for Medicare",
        "Not known to be too young for Medicare",
    ),
    ("source_conversion", "Source conversion rate", "Source conversion rate"),
    (
        "source_unknown",
        "Source has fewer than 20 closed leads",
        "Source has a track record",
    ),
    ("intent_question", "Asking a question", "Not just a question"),
    ("intent_complaint", "Reads as a complaint", "Not a complaint"),
    (
        "intent_service",
        "Existing customer needing service",
        "Not a service request",
    ),
    ("urgency_high", "Urgent", "Not marked urgent"),
    ("urgency_low", "Not urgent", "Not marked low urgency"),
    (
        "business_hours",
        "Sent during business hours",
        "Sent outside business hours",
    ),
    ("duplicate", "Already has an open lead", "No other open lead"),
    ("no_consent", "No consent to be contacted", "Consented to be contacted"),
    ("medicare_product", "Medicare product", "Not a Medicare product"),
    ("message_length", "Message length", "Message length"),
];

/// Names of the values returned by [`features`], in order. See [`features`].
pub const FEATURE_NAMES: &[&str] = &[
    "email",
    "phone",
    "zip",
    "birth_date",
    "product_given",
    "medicare_eligible",
    "medicare_not_eligible",
    "source_conversion",
    "source_unknown",
    "intent_question",
    "intent_complaint",
    "intent_service",
    "urgency_high",
    "urgency_low",
    "business_hours",
    "duplicate",
    "no_consent",
    "medicare_product",
    "message_length",
];

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// The learned model's inputs for one lead, in the order of [`FEATURE_NAMES`]
/// (no bias term: the model keeps its bias separately).
///
/// All are 0/1 flags, read exactly as [`qualify`] reads them, except two:
///
/// | # | name | value |
/// | --- | --- | --- |
/// | 0 | `email` | valid email |
/// | 1 | `phone` | valid phone |
/// | 2 | `zip` | ZIP given |
/// | 3 | `birth_date` | birth date given |
/// | 4 | `product_given` | product chosen, not "other" |
/// | 5 | `medicare_eligible` | Medicare product and eligible |
/// | 6 | `medicare_not_eligible` | Medicare product and too young |
/// | 7 | `source_conversion` | `rate - 0.15`, 0 when unknown |
/// | 8 | `source_unknown` | source rate unknown |
/// | 9–11 | `intent_question`, `intent_complaint`, `intent_service` | intent (quote is the baseline) |
/// | 12–13 | `urgency_high`, `urgency_low` | urgency (normal is the baseline) |
/// | 14 | `business_hours` | `local_hour` in 8..20 |
/// | 15 | `duplicate` | open lead already |
/// | 16 | `no_consent` | no consent |
/// | 17 | `medicare_product` | the (given or read) product is a Medicare one |
/// | 18 | `message_length` | `ln(1 + words in the message)` |
pub fn features(facts: &LeadFacts, today: NaiveDate) -> Vec<f64> {
    let r = read(facts, today);
    let rate = facts.source_conversion.filter(|r| r.is_finite());
    vec![
        flag(r.email),
        flag(r.phone),
        flag(facts.has_zip),
        flag(facts.has_birth_date),
        flag(r.product_given),
        flag(matches!(r.medicare, Medicare::Eligible(_))),
        flag(matches!(r.medicare, Medicare::TooYoung(_))),
        rate.map_or(0.0, |r| r - SOURCE_CONVERSION_PIVOT),
        flag(rate.is_none()),
        flag(r.intent == Intent::Question),
        flag(r.intent == Intent::Complaint),
        flag(r.intent == Intent::Service),
        flag(r.urgency == Urgency::High),
        flag(r.urgency == Urgency::Low),
        flag(r.business_hours),
        flag(facts.duplicate),
        flag(!facts.has_consent),
        flag(r.product_line.is_medicare()),
        (1.0 + facts.message.split_whitespace().count() as f64).ln(),
    ]
}

// ---------------------------------------------------------------------------
// The learned model
// ---------------------------------------------------------------------------

/// One training example: a lead's [`features`] and whether it was won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The lead's features, as returned by [`features`] (or any fixed-width vector).
    pub features: Vec<f64>,
    /// The lead was won.
    pub won: bool,
}

/// A logistic regression on standardised features:
/// `p = sigmoid(bias + Σ weights[i] * (x[i] - means[i]) / scales[i])`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LogisticModel {
    /// Name shown in [`Qualification::model`], e.g. `"logistic-2026-06"`.
    pub version: String,
    /// Intercept, in log-odds, for a lead with every feature at its training mean.
    pub bias: f64,
    /// One weight per feature, in log-odds per standard deviation.
    pub weights: Vec<f64>,
    /// Training mean of each feature.
    pub means: Vec<f64>,
    /// Training standard deviation of each feature (1.0 for a constant feature).
    pub scales: Vec<f64>,
    /// Number of examples the model was trained on (0 in models stored without it).
    #[serde(default)]
    pub trained_on: usize,
}

/// Numerically stable logistic function.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A feature value, with non-finite values and missing positions read as 0.
fn value_at(features: &[f64], i: usize) -> f64 {
    features.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0)
}

impl LogisticModel {
    /// Trains by full-batch gradient descent, deterministically.
    ///
    /// The width is that of the first example (shorter examples are padded
    /// with 0, longer ones cut; non-finite values read as 0). Features are
    /// standardised with the training mean and population standard deviation.
    /// The weights start at 0 and the bias at the log-odds of the training win
    /// rate; each of `epochs` steps moves them by `learning_rate` times the
    /// gradient of
    ///
    /// `mean log-loss + l2 / 2 * Σ weights²` (the bias is not penalised).
    ///
    /// On standardised features `learning_rate` 0.5–1.0 and a few hundred to a
    /// few thousand epochs converge. With no examples the model predicts 0.5.
    pub fn train(examples: &[Example], version: &str, epochs: usize, learning_rate: f64, l2: f64) -> LogisticModel {
        let n = examples.len();
        let width = examples.first().map_or(0, |e| e.features.len());
        let nf = n.max(1) as f64;
        let means: Vec<f64> = (0..width)
            .map(|j| examples.iter().map(|e| value_at(&e.features, j)).sum::<f64>() / nf)
            .collect();
        let scales: Vec<f64> = (0..width)
            .map(|j| {
                let var = examples
                    .iter()
                    .map(|e| (value_at(&e.features, j) - means[j]).powi(2))
                    .sum::<f64>()
                    / nf;
                let sd = var.sqrt();
                if sd > 1e-12 {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        let rows: Vec<Vec<f64>> = examples
            .iter()
            .map(|e| {
                (0..width)
                    .map(|j| (value_at(&e.features, j) - means[j]) / scales[j])
                    .collect()
            })
            .collect();
        let labels: Vec<f64> = examples.iter().map(|e| flag(e.won)).collect();

        let mut bias = if n == 0 {
            0.0
        } else {
            let rate = (labels.iter().sum::<f64>() / nf).clamp(1e-6, 1.0 - 1e-6);
            (rate / (1.0 - rate)).ln()
        };
        let mut weights = vec![0.0; width];
        let mut grad = vec![0.0; width];
        if n > 0 {
            for _ in 0..epochs {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let mut grad_bias = 0.0;
                for (row, y) in rows.iter().zip(&labels) {
                    let z = bias + row.iter().zip(&weights).map(|(x, w)| x * w).sum::<f64>();
                    let err = sigmoid(z) - y;
                    grad_bias += err;
                    for (g, x) in grad.iter_mut().zip(row) {
                        *g += err * x;
                    }
                }
                bias -= learning_rate * grad_bias / nf;
                for (w, g) in weights.iter_mut().zip(&grad) {
                    *w -= learning_rate * (g / nf + l2 * *w);
                }
            }
        }
        LogisticModel {
            version: version.to_string(),
            bias,
            weights,
            means,
            scales,
            trained_on: n,
        }
    }

    /// Each feature's standardised value `(x - mean) / scale`; missing or
    /// non-finite values read as 0 (not as the mean).
    fn standardised<'a>(&'a self, features: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        self.means
            .iter()
            .zip(&self.scales)
            .enumerate()
            .map(move |(i, (m, s))| (value_at(features, i) - m) / s)
    }

    /// Probability of winning the lead. Extra values beyond the model's width
    /// are ignored.
    pub fn predict(&self, features: &[f64]) -> f64 {
        let z = self.bias
            + self
                .standardised(features)
                .zip(&self.weights)
                .map(|(x, w)| x * w)
                .sum::<f64>();
        sigmoid(z)
    }

    /// `round(100 * predict(features))`, 0..=100.
    pub fn score(&self, features: &[f64]) -> u8 {
        (100.0 * self.predict(features)).round().clamp(0.0, 100.0) as u8
    }

    /// Each feature's contribution to the log-odds, `weight * (x - mean) / scale`,
    /// named after [`FEATURE_NAMES`] (`"feature"` past its end). They add up to
    /// `logit(predict(features)) - bias`: relative to a lead with every
    /// feature at its training mean.
    pub fn contributions(&self, features: &[f64]) -> Vec<(&'static str, f64)> {
        self.standardised(features)
            .zip(&self.weights)
            .enumerate()
            .map(|(i, (x, w))| (FEATURE_NAMES.get(i).copied().unwrap_or("feature"), w * x))
            .collect()
    }
}

/// Scores a lead with a learned model, reading the product, intent and
/// urgency as [`qualify`] does.
///
/// `score` is [`LogisticModel::score`] and `model` the model's version. The
/// factors are the model's non-zero [`LogisticModel::contributions`] in
/// feature order, labelled for a person ("Phone number given" or "No valid
/// phone number" by the feature's value); their `points` are **log-odds**
/// relative to an average training lead: they add up to
/// `logit(score / 100) - bias`, not to a score difference.
pub fn qualify_with_model(facts: &LeadFacts, model: &LogisticModel, today: NaiveDate) -> Qualification {
    let r = read(facts, today);
    let x = features(facts, today);
    let factors = model
        .contributions(&x)
        .into_iter()
        .enumerate()
        .filter(|(_, (_, points))| *points != 0.0 && points.is_finite())
        .map(|(i, (key, points))| {
            let label = match FEATURES.get(i) {
                Some((_, on, off)) => {
                    if value_at(&x, i) != 0.0 {
                        on
                    } else {
                        off
                    }
                }
                None => key,
            };
            Factor {
                key,
                label: label.to_string(),
                points,
            }
        })
        .collect();
    Qualification {
        score: model.score(&x),
        factors,
        product_line: r.product_line,
        product_reason: r.product_reason,
        intent: r.intent,
        urgency: r.urgency,
        urgency_reason: r.urgency_reason,
        model: model.version.clone(),
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// Area under the ROC curve: the chance that a random won lead scores higher
/// than a random lost one, ties counting one half (the Mann–Whitney U
/// statistic over `n_won * n_lost`, computed with average ranks).
///
/// Pairs beyond the shorter of the two slices are ignored. Returns 0.5 when
/// either class is empty (undefined: no better than chance).
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let n = scores.len().min(labels.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = labels[..n].iter().filter(|&&l| l).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their average.
        let rank = (start + 1 + end) as f64 / 2.0;
        positive_rank_sum += rank * order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        start = end;
    }
    let p = positives as f64;
    (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

/// Calibration table: predictions are put in `bins` equal-width bins over
/// [0, 1] (a prediction of exactly 1 goes in the last); for each non-empty
/// bin, in order, `(mean predicted, observed win rate, count)`. Empty bins are
/// left out. `bins` 0 is read as 1; pairs beyond the shorter slice are ignored.
pub fn calibration(probs: &[f64], labels: &[bool], bins: usize) -> Vec<(f64, f64, usize)> {
    let bins = bins.max(1);
    let mut sums = vec![(0.0, 0.0, 0usize); bins];
    for (&p, &won) in probs.iter().zip(labels) {
        let bin = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += p;
        sums[bin].1 += flag(won);
        sums[bin].2 += 1;
    }
    sums.into_iter()
        .filter(|s| s.2 > 0)
        .map(|(p, won, count)| (p / count as f64, won / count as f64, count))
        .collect()
}

/// Splits `items` deterministically: every `every`-th item (the 1-based
/// positions `every`, `2 * every`, …) goes to the held-out set, the rest to
/// training. Returns `(training, held_out)`. `every` 0 holds nothing out.
pub fn split_holdout<T: Clone>(items: &[T], every: usize) -> (Vec<T>, Vec<T>) {
    let mut training = Vec::new();
    let mut held_out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if every > 0 && (i + 1) % every == 0 {
            held_out.push(item.clone());
        } else {
            training.push(item.clone());
        }
    }
    (training, held_out)
}

/// How good a learned model is on leads it was not trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// ROC AUC on the held-out set (see [`auc`]).
    pub auc: f64,
    /// ROC AUC of a model giving every lead the same score: always 0.5.
    pub constant_auc: f64,
    /// Ten-bin calibration table on the held-out set (see [`calibration`]).
    pub calibration: Vec<(f64, f64, usize)>,
    /// Examples the model was trained on ([`LogisticModel::trained_on`]).
    pub train_size: usize,
    /// Held-out examples evaluated.
    pub holdout_size: usize,
}

/// Number of calibration bins used by [`evaluate`].
pub const CALIBRATION_BINS: usize = 10;

/// Evaluates `model` on held-out examples.
pub fn evaluate(model: &LogisticModel, holdout: &[Example]) -> Evaluation {
    let probs: Vec<f64> = holdout.iter().map(|e| model.predict(&e.features)).collect();
    let labels: Vec<bool> = holdout.iter().map(|e| e.won).collect();
    Evaluation {
        auc: auc(&probs, &labels),
        constant_auc: auc(&vec![0.5; labels.len()], &labels),
        calibration: calibration(&probs, &labels, CALIBRATION_BINS),
        train_size: model.trained_on,
        holdout_size: holdout.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 6, 15);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    /// A lead with nothing in it but consent: scores base + intent_quote.
    fn blank() -> LeadFacts {
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
    fn complete() -> LeadFacts {
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

    fn keys(q: &Qualification) -> Vec<&'static str> {
        q.factors.iter().map(|f| f.key).collect()
    }

    fn factor<'a>(q: &'a Qualification, key: &str) -> Option<&'a Factor> {
        q.factors.iter().find(|f| f.key == key)
    }

    fn assert_close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
    }

    // -----------------------------------------------------------------------
    // AUC
    // -----------------------------------------------------------------------

    #[test]
    fn auc_perfect_reversed_and_ties() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), 0.0);
        assert_eq!(auc(&[0.3; 4], &labels), 0.5);
        // Order of the input does not matter.
        assert_eq!(auc(&[0.8, 0.1, 0.9, 0.2], &[true, false, true, false]), 1.0);
    }

    #[test]
    fn auc_small_example_with_ties_by_hand() {
        // Won: 0.4, 0.8, 0.9. Lost: 0.1, 0.4, 0.8.
        // 0.4 beats 0.1, ties 0.4            -> 1.5
        // 0.8 beats 0.1 and 0.4, ties 0.8    -> 2.5
        // 0.9 beats all three                -> 3
        // (1.5 + 2.5 + 3) / (3 * 3) = 7/9
        let scores = [0.1, 0.4, 0.4, 0.8, 0.8, 0.9];
        let labels = [false, true, false, false, true, true];
        assert_close(auc(&scores, &labels), 7.0 / 9.0, 1e-12);
        // One won against two lost, tied with one: (1 + 0.5) / 2.
        assert_close(auc(&[0.2, 0.5, 0.5], &[false, false, true]), 0.75, 1e-12);
    }

    #[test]
    fn auc_undefined_with_one_class_is_half() {
        assert_eq!(auc(&[0.1, 0.9], &[true, true]), 0.5);
        assert_eq!(auc(&[0.1, 0.9], &[false, false]), 0.5);
        assert_eq!(auc(&[], &[]), 0.5);
    }

    // -----------------------------------------------------------------------
    // Logistic regression against references
    // -----------------------------------------------------------------------

    /// The model's coefficients on the raw (unstandardised) features:
    /// `(intercept, slopes)`.
    fn raw_coefficients(model: &LogisticModel) -> (f64, Vec<f64>) {
        let slopes: Vec<f64> = model.weights.iter().zip(&model.scales).map(|(w, s)| w / s).collect();
        let intercept = model.bias - slopes.iter().zip(&model.means).map(|(b, m)| b * m).sum::<f64>();
        (intercept, slopes)
    }

    #[test]
    fn logistic_matches_closed_form_for_one_binary_feature() {
        // x = 0: 3 won of 10; x = 1: 7 won of 10. The maximum-likelihood fit
        // reproduces both rates: intercept = logit(0.3), slope = logit(0.7) - logit(0.3).
        let mut examples = Vec::new();
        for i in 0..10 {
            examples.push(Example {
                features: vec![0.0],
                won: i < 3,
            });
            examples.push(Example {
                features: vec![1.0],
                won: i < 7,
            });
        }
        let model = LogisticModel::train(&examples, "t", 3000, 1.0, 0.0);
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let (intercept, slopes) = raw_coefficients(&model);
        assert_close(intercept, logit(0.3), 1e-3);
        assert_close(slopes[0], logit(0.7) - logit(0.3), 1e-3);
        assert_close(model.predict(&[0.0]), 0.3, 1e-4);
        assert_close(model.predict(&[1.0]), 0.7, 1e-4);
        assert_eq!(model.trained_on, 20);
    }

    /// Deterministic pseudo-random numbers (PCG-style 64-bit LCG).
    struct Lcg(u64);

    impl Lcg {
        fn next_f64(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn chance(&mut self, p: f64) -> bool {
            self.next_f64() < p
        }
        fn below(&mut self, n: u32) -> u32 {
            ((self.next_f64() * n as f64) as u32).min(n - 1)
        }
    }

    /// Solves `a x = b` by Gaussian elimination with partial pivoting.
    fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
        let n = b.len();
        for col in 0..n {
            let pivot = (col..n)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, pivot);
            b.swap(col, pivot);
            for row in col + 1..n {
                let f = a[row][col] / a[col][col];
                let pivot_row = a[col].clone();
                for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
        let mut x = vec![0.0; n];
        for row in (0..n).rev() {
            let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
            x[row] = (b[row] - s) / a[row][row];
        }
        x
    }

    /// Newton's method on the same objective as `train` (mean log-loss plus
    /// `l2 / 2 * |w|²`, bias unpenalised) in the same standardised space.
    /// Returns `[bias, w1, w2, ...]`.
    fn newton(examples: &[Example], means: &[f64], scales: &[f64], l2: f64) -> Vec<f64> {
        let d = means.len() + 1;
        let n = examples.len() as f64;
        let rows: Vec<Vec<f64>> = examples
            .iter()
            .map(|e| {
                let mut r = vec![1.0];
                r.extend(e.features.iter().zip(means).zip(scales).map(|((x, m), s)| (x - m) / s));
                r
            })
            .collect();
        let mut beta = vec![0.0; d];
        for _ in 0..50 {
            let mut grad = vec![0.0; d];
            let mut hess = vec![vec![0.0; d]; d];
            for (r, e) in rows.iter().zip(examples) {
                let z: f64 = r.iter().zip(&beta).map(|(x, b)| x * b).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if e.won { 1.0 } else { 0.0 };
                for i in 0..d {
                    grad[i] += (p - y) * r[i] / n;
                    for j in 0..d {
                        hess[i][j] += p * (1.0 - p) * r[i] * r[j] / n;
                    }
                }
            }
            for i in 1..d {
                grad[i] += l2 * beta[i];
                hess[i][i] += l2;
            }
            let step = solve(hess, grad);
            for (b, s) in beta.iter_mut().zip(&step) {
                *b -= s;
            }
            if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-13 {
                break;
            }
        }
        beta
    }

    fn three_feature_dataset() -> Vec<Example> {
        let mut rng = Lcg(7);
        (0..300)
            .map(|_| {
                let x1 = rng.next_f64() * 4.0 - 2.0;
                let x2 = if rng.chance(0.4) { 1.0 } else { 0.0 };
                let x3 = rng.next_f64() * 10.0 + 0.5 * x1;
                let z = -0.5 + 1.2 * x1 - 0.8 * x2 + 0.1 * x3;
                let won = rng.chance(1.0 / (1.0 + (-z).exp()));
                Example {
                    features: vec![x1, x2, x3],
                    won,
                }
            })
            .collect()
    }

    #[test]
    fn logistic_matches_newton_without_and_with_l2() {
        let examples = three_feature_dataset();
        for l2 in [0.0, 0.1] {
            let model = LogisticModel::train(&examples, "t", 5000, 1.0, l2);
            let reference = newton(&examples, &model.means, &model.scales, l2);
            assert_close(model.bias, reference[0], 1e-3);
            for (w, r) in model.weights.iter().zip(&reference[1..]) {
                assert_close(*w, *r, 1e-3);
            }
        }
    }

    #[test]
    fn training_is_deterministic_and_handles_degenerate_input() {
        let examples = three_feature_dataset();
        let a = LogisticModel::train(&examples, "t", 50, 0.5, 0.01);
        let b = LogisticModel::train(&examples, "t", 50, 0.5, 0.01);
        assert_eq!(a, b);

        let empty = LogisticModel::train(&[], "empty", 10, 0.5, 0.0);
        assert_eq!(empty.predict(&[1.0, 2.0]), 0.5);
        assert_eq!(empty.score(&[]), 50);

        // A constant feature gets scale 1 and no weight.
        let constant: Vec<Example> = (0..10)
            .map(|i| Example {
                features: vec![3.0, f64::from(i % 2)],
                won: i % 3 == 0,
            })
            .collect();
        let m = LogisticModel::train(&constant, "c", 200, 0.5, 0.0);
        assert_eq!(m.scales[0], 1.0);
        assert_eq!(m.weights[0], 0.0);
        assert!(m.predict(&[3.0, 1.0]).is_finite());
    }

    #[test]
    fn contributions_add_up_to_the_log_odds() {
        let examples = three_feature_dataset();
        let model = LogisticModel::train(&examples, "t", 500, 1.0, 0.0);
        let x = [0.7, 1.0, 4.0];
        let p = model.predict(&x);
        let sum: f64 = model.contributions(&x).iter().map(|(_, c)| c).sum();
        assert_close(model.bias + sum, (p / (1.0 - p)).ln(), 1e-9);
        assert_eq!(model.contributions(&x)[0].0, FEATURE_NAMES[0]);
        assert_eq!(model.score(&x), (100.0 * p).round() as u8);
    }

    #[test]
    fn model_round_trips_through_json() {
        let model = LogisticModel::train(&three_feature_dataset(), "logistic-2026-06", 20, 0.5, 0.0);
        let json = serde_json::to_string(&model).unwrap();
        let back: LogisticModel = serde_json::from_str(&json).unwrap();
        // serde_json may lose the last bit of a float: compare predictions.
        assert_eq!((back.version.as_str(), back.trained_on), ("logistic-2026-06", 300));
        for x in [[0.0, 0.0, 0.0], [1.5, 1.0, 7.0], [-2.0, 0.0, 10.0]] {
            assert_close(back.predict(&x), model.predict(&x), 1e-12);
        }
        // A model stored without `trained_on` still loads.
        let old = r#"{"version":"v0","bias":0.1,"weights":[1.0],"means":[0.0],"scales":[1.0]}"#;
        assert_eq!(serde_json::from_str::<LogisticModel>(old).unwrap().trained_on, 0);
    }

    // -----------------------------------------------------------------------
    // Synthetic leads from a known logistic process
    // -----------------------------------------------------------------------

    const MESSAGES: &[&str] = &[
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

    fn synthetic_lead(rng: &mut Lcg) -> LeadFacts {
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

    /// The known process: log-odds as a fixed function of the features.
    fn true_log_odds(x: &[f64]) -> f64 {
        let f = |name: &str| x[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()];
        -1.5 + 1.4 * f("phone") + 0.6 * f("email") + 1.2 * f("medicare_eligible") - 1.0 * f("medicare_not_eligible")
            + 5.0 * f("source_conversion")
            + 0.9 * f("urgency_high")
            - 0.7 * f("urgency_low")
            - 1.8 * f("intent_complaint")
            - 1.0 * f("intent_service")
            - 1.0 * f("duplicate")
            - 1.5 * f("no_consent")
            + 0.4 * f("business_hours")
    }

    #[test]
    fn learned_model_beats_constant_and_is_calibrated_on_synthetic_leads() {
        let mut rng = Lcg(2026);
        let examples: Vec<Example> = (0..4000)
            .map(|_| {
                let x = features(&synthetic_lead(&mut rng), today());
                let won = rng.chance(sigmoid(true_log_odds(&x)));
                Example { features: x, won }
            })
            .collect();
        let (train, holdout) = split_holdout(&examples, 4);
        assert_eq!((train.len(), holdout.len()), (3000, 1000));

        let model = LogisticModel::train(&train, "synthetic", 400, 0.5, 0.001);
        let eval = evaluate(&model, &holdout);
        assert_eq!(eval.constant_auc, 0.5);
        assert_eq!((eval.train_size, eval.holdout_size), (3000, 1000));
        assert!(eval.auc > 0.75, "held-out AUC {}", eval.auc);
        assert!(eval.auc > eval.constant_auc);
        assert_eq!(eval.calibration.iter().map(|b| b.2).sum::<usize>(), 1000);
        let big_bins: Vec<_> = eval.calibration.iter().filter(|b| b.2 >= 100).collect();
        assert!(!big_bins.is_empty());
        for (predicted, observed, count) in big_bins {
            assert!(
                (predicted - observed).abs() <= 0.1,
                "bin of {count}: predicted {predicted}, observed {observed}"
            );
        }
        // The learned scorer plugs into the same Qualification.
        let lead = synthetic_lead(&mut rng);
        let q = qualify_with_model(&lead, &model, today());
        assert_eq!(q.model, "synthetic");
        let p = model.predict(&features(&lead, today()));
        assert_eq!(q.score, (100.0 * p).round() as u8);
        let sum: f64 = q.factors.iter().map(|f| f.points).sum();
        assert_close(model.bias + sum, (p / (1.0 - p)).ln(), 1e-9);
    }

    #[test]
    fn model_factor_labels_follow_the_feature_value() {
        let examples: Vec<Example> = (0..40)
            .map(|i| {
                let mut lead = blank();
                lead.has_phone = i % 2 == 0;
                lead.phone_valid = true;
                Example {
                    features: features(&lead, today()),
                    won: i % 4 == 0,
                }
            })
            .collect();
        let model = LogisticModel::train(&examples, "m", 200, 0.5, 0.0);
        let mut lead = blank();
        let without = qualify_with_model(&lead, &model, today());
        assert_eq!(factor(&without, "phone").unwrap().label, "No valid phone number");
        assert!(factor(&without, "phone").unwrap().points < 0.0);
        lead.has_phone = true;
        lead.phone_valid = true;
        let with = qualify_with_model(&lead, &model, today());
        assert_eq!(factor(&with, "phone").unwrap().label, "Phone number given");
        assert!(factor(&with, "phone").unwrap().points > 0.0);
        assert!(with.score > without.score);
    }

    // -----------------------------------------------------------------------
    // Evaluation helpers
    // -----------------------------------------------------------------------

    #[test]
    fn calibration_bins_by_hand() {
        let probs = [0.05, 0.15, 0.12, 0.95, 1.0];
        let labels = [false, true, false, true, true];
        let table = calibration(&probs, &labels, 10);
        assert_eq!(table.len(), 3);
        assert_eq!(table[0], (0.05, 0.0, 1));
        assert_close(table[1].0, 0.135, 1e-12);
        assert_eq!((table[1].1, table[1].2), (0.5, 2));
        assert_close(table[2].0, 0.975, 1e-12);
        assert_eq!((table[2].1, table[2].2), (1.0, 2));
        assert_eq!(calibration(&probs, &labels, 0), vec![(0.454, 0.6, 5)]);
    }

    #[test]
    fn split_holdout_takes_every_nth() {
        let items: Vec<u32> = (1..=10).collect();
        let (train, held) = split_holdout(&items, 3);
        assert_eq!(held, vec![3, 6, 9]);
        assert_eq!(train, vec![1, 2, 4, 5, 7, 8, 10]);
        assert_eq!(split_holdout(&items, 0), (items.clone(), vec![]));
        assert_eq!(split_holdout(&items, 1), (vec![], items.clone()));
    }

    // -----------------------------------------------------------------------
    // Classifiers
    // -----------------------------------------------------------------------

    #[test]
    fn classifies_every_product() {
        use ProductLine::*;
        let cases = [
            ("Interested in MEDIGAP", MedicareSupplement, "medigap"),
            ("what does a Medicare supplement cost", MedicareSupplement, "supplement"),
            ("compare plan-G and Plan N", MedicareSupplement, "plan g"),
            ("plan n please", MedicareSupplement, "plan n"),
            (
                "Medicare Advantage plans near me",
                MedicareAdvantage,
                "medicare advantage",
            ),
            ("looking at part C", MedicareAdvantage, "part c"),
            ("turning 65, want a PPO", MedicareAdvantage, "ppo"),
            ("medicare hmo options", MedicareAdvantage, "hmo"),
            ("need a Part D plan", PartD, "part d"),
            ("a drug plan for my mother", PartD, "drug plan"),
            ("help with prescriptions costs", PartD, "prescription"),
            ("I'm turning 65 in March", MedicareAdvantage, "turning 65"),
            ("questions about medicare", MedicareAdvantage, "medicare"),
            ("obamacare quote", AcaHealth, "obamacare"),
            ("marketplace plan", AcaHealth, "marketplace"),
            ("ACA", AcaHealth, "aca"),
            ("need health insurance for my family", AcaHealth, "health insurance"),
            ("final expense coverage", FinalExpense, "final expense"),
            ("burial insurance", FinalExpense, "burial"),
            ("to cover funeral costs", FinalExpense, "funeral"),
            ("life insurance for my kids", Life, "life insurance"),
            ("20 year term life", Life, "term life"),
            ("whole-life policy", Life, "whole life"),
            ("dental plan", DentalVision, "dental"),
            ("vision coverage", DentalVision, "vision"),
            ("auto quote", Auto, "auto"),
            ("car insurance for my son", Auto, "car insurance"),
            ("home insurance", Home, "home insurance"),
            ("homeowners policy", Home, "homeowner"),
            ("insurance for my small business", Commercial, "business"),
            ("commercial property", Commercial, "commercial"),
        ];
        for (message, product, phrase) in cases {
            assert_eq!(classify_product(message), Some((product, phrase)), "{message:?}");
        }
        let covered: Vec<ProductLine> = cases.iter().map(|c| c.1).collect();
        for product in ProductLine::ALL.into_iter().filter(|p| *p != Other) {
            assert!(covered.contains(&product), "{product:?} has no example");
        }
    }

    #[test]
    fn product_classification_is_specific_and_word_ish() {
        use ProductLine::*;
        // Most specific wins.
        assert_eq!(classify_product("medicare supplement").unwrap().0, MedicareSupplement);
        assert_eq!(classify_product("medicare part d").unwrap().0, PartD);
        assert_eq!(
            classify_product("final expense life insurance").unwrap().0,
            FinalExpense
        );
        assert_eq!(classify_product("health insurance, dental too").unwrap().0, AcaHealth);
        // "ppo", "hmo", "advantage" need a Medicare context.
        assert_eq!(classify_product("my employer ppo"), None);
        assert_eq!(classify_product("take advantage of the offer"), None);
        assert_eq!(classify_product("I'm 65 and want an HMO").unwrap().0, MedicareAdvantage);
        // Whole words only.
        assert_eq!(classify_product("automatic renewal"), None);
        assert_eq!(classify_product("revision of my cardiac plan"), None);
        assert_eq!(classify_product("my pacarc"), None);
        assert_eq!(classify_product(""), None);
        assert_eq!(classify_product("call me please"), None);
    }

    #[test]
    fn classifies_every_intent() {
        let cases = [
            ("I want to cancel", Intent::Complaint, Some("cancel")),
            ("this is a complaint", Intent::Complaint, Some("complain")),
            ("very unhappy with the service", Intent::Complaint, Some("unhappy")),
            ("billing problem", Intent::Complaint, Some("billing")),
            ("where is my refund?", Intent::Complaint, Some("refund")),
            (
                "cancelled without notice, send a quote?",
                Intent::Complaint,
                Some("cancel"),
            ),
            ("update my policy address", Intent::Service, Some("my policy")),
            ("my plan card is wrong", Intent::Service, Some("my plan")),
            ("I need to file a claim", Intent::Service, Some("claim")),
            ("lost my ID card", Intent::Service, Some("id card")),
            ("please change my beneficiary", Intent::Service, Some("change my")),
            ("Is dental included?", Intent::Question, Some("?")),
            ("how does medigap work", Intent::Question, Some("how")),
            ("what are the enrollment periods", Intent::Question, Some("what")),
            ("Does it cover hearing aids", Intent::Question, Some("does")),
            ("can I keep my doctor", Intent::Question, Some("can i")),
            ("what would a quote cost?", Intent::Quote, Some("quote")),
            ("please send me a quote", Intent::Quote, Some("quote")),
            ("want to enroll", Intent::Quote, Some("enroll")),
            ("quote to replace my plan", Intent::Quote, Some("quote")),
            ("interested in medicare", Intent::Quote, None),
            ("", Intent::Quote, None),
        ];
        for (message, intent, phrase) in cases {
            assert_eq!(classify_intent(message), (intent, phrase), "{message:?}");
        }
        let keys: Vec<&str> = Intent::ALL.iter().map(|i| i.as_str()).collect();
        assert_eq!(keys, ["quote", "question", "complaint", "service"]);
        assert_eq!(Intent::Service.label(), "Service request");
        assert_eq!(serde_json::to_string(&Intent::Complaint).unwrap(), "\"complaint\"");
    }

    #[test]
    fn classifies_urgency_from_the_message() {
        for (message, phrase) in [
            ("my coverage ends this month", "ends this month"),
            ("COBRA ending soon", "ending"),
            ("policy expires on the 30th", "expir"),
            ("I lost my coverage", "lost my coverage"),
            ("call me ASAP", "asap"),
            ("urgent!", "urgent"),
            ("need it today", "today"),
            ("I'm turning 65 next month", "turning 65 next month"),
        ] {
            let (urgency, reason) = classify_urgency(message, None, None, today());
            assert_eq!(urgency, Urgency::High, "{message:?}");
            assert_eq!(reason.unwrap(), format!("Message says \"{phrase}\""));
        }
        for (message, phrase) in [
            ("just looking", "just looking"),
            ("maybe next year", "next year"),
            ("someday", "someday"),
            ("no rush at all", "no rush"),
        ] {
            let (urgency, reason) = classify_urgency(message, None, None, today());
            assert_eq!(urgency, Urgency::Low, "{message:?}");
            assert_eq!(reason.unwrap(), format!("Message says \"{phrase}\""));
        }
        assert_eq!(classify_urgency("hello", None, None, today()), (Urgency::Normal, None));
        // High beats low.
        assert_eq!(
            classify_urgency("no rush but it expires", None, None, today()).0,
            Urgency::High
        );
        let keys: Vec<&str> = Urgency::ALL.iter().map(|u| u.as_str()).collect();
        assert_eq!(keys, ["low", "normal", "high"]);
        assert_eq!(Urgency::High.label(), "High");
    }

    #[test]
    fn turning_65_within_two_months_is_urgent() {
        // Today 2026-06-15; 65th birthday 2026-08-15 is exactly two months away.
        let edge = d(1961, 8, 15);
        let (urgency, reason) = classify_urgency("", None, Some(edge), today());
        assert_eq!(urgency, Urgency::High);
        assert_eq!(reason.unwrap(), "Turns 65 on 2026-08-15 (in 61 days)");
        assert_eq!(
            classify_urgency("", Some(64), Some(d(1961, 8, 16)), today()).0,
            Urgency::Normal
        );
        // Birthday today counts, yesterday does not (already 65).
        assert_eq!(
            classify_urgency("", None, Some(d(1961, 6, 15)), today()).0,
            Urgency::High
        );
        assert_eq!(
            classify_urgency("", None, Some(d(1961, 6, 14)), today()).0,
            Urgency::Normal
        );
        // Beats "just looking"; a contradicting stated age disables the date rule.
        assert_eq!(
            classify_urgency("just looking", Some(64), Some(edge), today()).0,
            Urgency::High
        );
        assert_eq!(
            classify_urgency("just looking", Some(40), Some(edge), today()).0,
            Urgency::Low
        );
    }

    // -----------------------------------------------------------------------
    // The rule set
    // -----------------------------------------------------------------------

    fn medicare_lead() -> LeadFacts {
        LeadFacts {
            product_line: ProductLine::MedicareAdvantage,
            product_given: true,
            ..blank()
        }
    }

    /// A birth date `years` and `months` before today (2026-06-15).
    fn born_ago(years: u32, months: u32) -> NaiveDate {
        today().checked_sub_months(Months::new(years * 12 + months)).unwrap()
    }

    #[test]
    fn medicare_eligibility_edges_by_birth_date() {
        let w = Weights::default();
        // 64 and 7 months: turns 65 in 5 months -> eligible.
        let q = qualify(
            &LeadFacts {
                birth_date: Some(born_ago(64, 7)),
                ..medicare_lead()
            },
            &w,
            today(),
        );
        let f = factor(&q, "medicare_eligible").expect("eligible");
        assert_eq!(f.label, "Eligible for Medicare (turns 65 on 2026-11-15)");
        assert_eq!(f.points, w.medicare_eligible);
        assert!(factor(&q, "medicare_not_eligible").is_none());
        // 64 and 5 months: turns 65 in 7 months -> too young.
        let q = qualify(
            &LeadFacts {
                birth_date: Some(born_ago(64, 5)),
                ..medicare_lead()
            },
            &w,
            today(),
        );
        let f = factor(&q, "medicare_not_eligible").expect("too young");
        assert_eq!(f.label, "Too young for Medicare (age 64, turns 65 on 2027-01-15)");
        assert_eq!(f.points, w.medicare_not_eligible);
        assert!(factor(&q, "medicare_eligible").is_none());
        // Exactly six months: eligible.
        let q = qualify(
            &LeadFacts {
                birth_date: Some(born_ago(64, 6)),
                ..medicare_lead()
            },
            &w,
            today(),
        );
        assert!(factor(&q, "medicare_eligible").is_some());
        // Birth date beats a stated age.
        let q = qualify(
            &LeadFacts {
                age: Some(70),
                birth_date: Some(born_ago(50, 0)),
                ..medicare_lead()
            },
            &w,
            today(),
        );
        assert!(factor(&q, "medicare_not_eligible").is_some());
    }

    #[test]
    fn medicare_eligibility_by_stated_age() {
        let w = Weights::default();
        let with_age = |age| {
            qualify(
                &LeadFacts {
                    age: Some(age),
                    ..medicare_lead()
                },
                &w,
                today(),
            )
        };
        assert_eq!(
            factor(&with_age(66), "medicare_eligible").unwrap().label,
            "Eligible for Medicare (age 66)"
        );
        assert!(factor(&with_age(65), "medicare_eligible").is_some());
        // 64 in whole years may be either side of 64½: neither factor.
        let q = with_age(64);
        assert!(factor(&q, "medicare_eligible").is_none() && factor(&q, "medicare_not_eligible").is_none());
        assert_eq!(
            factor(&with_age(63), "medicare_not_eligible").unwrap().label,
            "Too young for Medicare (age 63)"
        );
        // Not a Medicare product: no Medicare factor at all.
        let q = qualify(
            &LeadFacts {
                age: Some(70),
                product_line: ProductLine::Life,
                product_given: true,
                ..blank()
            },
            &w,
            today(),
        );
        assert!(!keys(&q).iter().any(|k| k.starts_with("medicare")));
        // Age unknown: nothing.
        assert!(!keys(&qualify(&medicare_lead(), &w, today()))
            .iter()
            .any(|k| k.starts_with("medicare")));
    }

    #[test]
    fn business_hours_edges() {
        let w = Weights::default();
        for (hour, expected) in [
            (Some(7), false),
            (Some(8), true),
            (Some(19), true),
            (Some(20), false),
            (None, false),
        ] {
            let q = qualify(
                &LeadFacts {
                    local_hour: hour,
                    ..blank()
                },
                &w,
                today(),
            );
            assert_eq!(factor(&q, "business_hours").is_some(), expected, "hour {hour:?}");
        }
        let q = qualify(
            &LeadFacts {
                local_hour: Some(8),
                ..blank()
            },
            &w,
            today(),
        );
        assert_eq!(
            factor(&q, "business_hours").unwrap().label,
            "Sent during business hours (8:00 local time)"
        );
    }

    #[test]
    fn contact_factors_need_a_valid_value() {
        let w = Weights::default();
        let full = qualify(&complete(), &w, today());
        assert!(factor(&full, "email").is_some() && factor(&full, "phone").is_some());
        assert_eq!(factor(&full, "phone").unwrap().label, "Phone number given");

        let no_email = qualify(
            &LeadFacts {
                has_email: false,
                ..complete()
            },
            &w,
            today(),
        );
        assert!(factor(&no_email, "email").is_none());
        assert_eq!(f64::from(full.score - no_email.score), w.email);

        let no_phone = qualify(
            &LeadFacts {
                has_phone: false,
                ..complete()
            },
            &w,
            today(),
        );
        assert!(factor(&no_phone, "phone").is_none());
        assert_eq!(f64::from(full.score - no_phone.score), w.phone);

        let bad_phone = qualify(
            &LeadFacts {
                phone_valid: false,
                ..complete()
            },
            &w,
            today(),
        );
        assert!(factor(&bad_phone, "phone").is_none());
        let bad_email = qualify(
            &LeadFacts {
                email_valid: false,
                ..complete()
            },
            &w,
            today(),
        );
        assert!(factor(&bad_email, "email").is_none());
    }

    #[test]
    fn every_factor_fires() {
        let w = Weights::default();
        let q = qualify(&complete(), &w, today());
        assert_eq!(
            keys(&q),
            [
                "email",
                "phone",
                "zip",
                "birth_date",
                "product_given",
                "medicare_eligible",
                "source_conversion",
                "intent_quote",
                "urgency_high",
                "business_hours"
            ]
        );
        assert_eq!(q.model, RULES_MODEL);
        assert_eq!(
            factor(&q, "product_given").unwrap().label,
            "Product chosen (Medicare Supplement)"
        );
        assert_eq!(
            factor(&q, "urgency_high").unwrap().label,
            "Urgent: Message says \"ends this month\""
        );
        assert_eq!(
            factor(&q, "intent_quote").unwrap().label,
            "Asking for a quote (\"quote\")"
        );
        let source = factor(&q, "source_conversion").unwrap();
        assert_eq!(source.label, "Source \"web\" converts 40% of closed leads");
        assert_close(source.points, 10.0, 1e-9);

        let bad = LeadFacts {
            message: "I want a refund, just looking".into(),
            duplicate: true,
            has_consent: false,
            ..blank()
        };
        let q = qualify(&bad, &w, today());
        assert_eq!(keys(&q), ["intent_complaint", "urgency_low", "duplicate", "no_consent"]);
        assert_eq!(q.intent, Intent::Complaint);
        assert_eq!(q.urgency, Urgency::Low);
        assert_eq!(
            factor(&q, "intent_complaint").unwrap().label,
            "Reads as a complaint (\"refund\")"
        );
        assert_eq!(
            factor(&q, "urgency_low").unwrap().label,
            "Not urgent: Message says \"just looking\""
        );
        assert_eq!(factor(&q, "no_consent").unwrap().points, w.no_consent);

        // Source at the pivot earns nothing and so is no factor.
        let q = qualify(
            &LeadFacts {
                source_conversion: Some(SOURCE_CONVERSION_PIVOT),
                ..blank()
            },
            &w,
            today(),
        );
        assert!(factor(&q, "source_conversion").is_none());
        let q = qualify(
            &LeadFacts {
                source_conversion: Some(0.05),
                source: " ".into(),
                ..blank()
            },
            &w,
            today(),
        );
        let f = factor(&q, "source_conversion").unwrap();
        assert_eq!(f.label, "This source converts 5% of closed leads");
        assert_close(f.points, -4.0, 1e-9);
    }

    #[test]
    fn blank_lead_scores_base_plus_quote() {
        let q = qualify(&blank(), &Weights::default(), today());
        assert_eq!(q.score, 26);
        assert_eq!(keys(&q), ["intent_quote"]);
        assert_eq!(q.urgency, Urgency::Normal);
        assert_eq!(q.urgency_reason, None);
        // Zero weights produce no factors.
        let zero = Weights {
            intent_quote: 0.0,
            ..Weights::default()
        };
        assert!(qualify(&blank(), &zero, today()).factors.is_empty());
    }

    #[test]
    fn product_is_read_from_the_message_when_not_given() {
        let w = Weights::default();
        let lead = LeadFacts {
            message: "Looking at Plan G, I'm 66".into(),
            age: Some(66),
            ..blank()
        };
        let q = qualify(&lead, &w, today());
        assert_eq!(q.product_line, ProductLine::MedicareSupplement);
        assert_eq!(q.product_reason.as_deref(), Some("Message mentions \"plan g\""));
        assert!(factor(&q, "product_given").is_none());
        // Eligibility is judged on the classified product.
        assert!(factor(&q, "medicare_eligible").is_some());

        // "Given" with Other is not given.
        let q = qualify(
            &LeadFacts {
                product_given: true,
                ..lead.clone()
            },
            &w,
            today(),
        );
        assert_eq!(q.product_line, ProductLine::MedicareSupplement);
        assert!(factor(&q, "product_given").is_none());

        // A given product wins over the message.
        let q = qualify(
            &LeadFacts {
                product_line: ProductLine::Life,
                product_given: true,
                ..lead.clone()
            },
            &w,
            today(),
        );
        assert_eq!(q.product_line, ProductLine::Life);
        assert_eq!(q.product_reason, None);

        // Nothing to read: stays as given.
        let q = qualify(&blank(), &w, today());
        assert_eq!((q.product_line, q.product_reason), (ProductLine::Other, None));
    }

    /// A spread of leads exercising every branch.
    fn assorted_leads() -> Vec<LeadFacts> {
        let mut rng = Lcg(99);
        let mut leads: Vec<LeadFacts> = (0..300).map(|_| synthetic_lead(&mut rng)).collect();
        leads.push(blank());
        leads.push(complete());
        leads
    }

    #[test]
    fn factors_add_up_to_score_minus_base() {
        let w = Weights::default();
        let mut clamped = 0;
        for lead in assorted_leads() {
            let q = qualify(&lead, &w, today());
            let sum: f64 = q.factors.iter().map(|f| f.points).sum();
            let unclamped = (w.base + sum).round();
            assert_eq!(f64::from(q.score), unclamped.clamp(0.0, 100.0), "{lead:?}");
            if (0.0..=100.0).contains(&unclamped) {
                assert!((f64::from(q.score) - w.base - sum).abs() <= 0.5);
            } else {
                clamped += 1;
            }
            assert!(q.factors.iter().all(|f| f.points != 0.0));
        }
        assert!(clamped > 0, "the sample should include clamped scores");
    }

    #[test]
    fn score_clamps_at_0_and_100() {
        let generous = Weights {
            base: 90.0,
            ..Weights::default()
        };
        let q = qualify(&complete(), &generous, today());
        assert_eq!(q.score, 100);
        assert!(generous.base + q.factors.iter().map(|f| f.points).sum::<f64>() > 100.0);

        let worst = LeadFacts {
            message: "cancel this, just looking".into(),
            duplicate: true,
            has_consent: false,
            ..medicare_lead()
        };
        let q = qualify(&LeadFacts { age: Some(30), ..worst }, &Weights::default(), today());
        assert_eq!(q.score, 0);
        assert!(Weights::default().base + q.factors.iter().map(|f| f.points).sum::<f64>() < 0.0);

        let nan = Weights {
            base: f64::NAN,
            ..Weights::default()
        };
        assert_eq!(qualify(&complete(), &nan, today()).score, 0);
    }

    #[test]
    fn weights_round_trip_through_json() {
        let w = Weights {
            phone: 17.5,
            no_consent: -30.0,
            ..Weights::default()
        };
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Weights>(&json).unwrap(), w);
        // Missing fields fall back to the defaults.
        let partial: Weights = serde_json::from_str(r#"{"phone": 1.0}"#).unwrap();
        assert_eq!(
            partial,
            Weights {
                phone: 1.0,
                ..Weights::default()
            }
        );
    }

    #[test]
    fn default_weights_are_sensible() {
        let w = Weights::default();
        assert_eq!(qualify(&complete(), &w, today()).score, 100);
        let average_source = LeadFacts {
            source_conversion: Some(SOURCE_CONVERSION_PIVOT),
            ..complete()
        };
        assert_eq!(qualify(&average_source, &w, today()).score, 90);
        let email_only = LeadFacts {
            has_email: true,
            email_valid: true,
            ..blank()
        };
        assert_eq!(qualify(&email_only, &w, today()).score, 34);
    }

    #[test]
    fn features_follow_the_names() {
        assert_eq!(FEATURE_NAMES.len(), FEATURES.len());
        for (name, (feature, _, _)) in FEATURE_NAMES.iter().zip(FEATURES) {
            assert_eq!(name, feature);
        }
        for lead in assorted_leads() {
            assert_eq!(features(&lead, today()).len(), FEATURE_NAMES.len());
        }
        let x = features(&complete(), today());
        let at = |name: &str| x[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(at("phone"), 1.0);
        assert_eq!(at("medicare_eligible"), 1.0);
        assert_eq!(at("medicare_product"), 1.0);
        assert_eq!(at("urgency_high"), 1.0);
        assert_eq!(at("source_unknown"), 0.0);
        assert_close(at("source_conversion"), 0.25, 1e-12);
        assert_close(at("message_length"), (1.0f64 + 9.0).ln(), 1e-12);
        assert_eq!(at("no_consent"), 0.0);
    }
}
