//! The three keyword classifiers that read a lead's free-text message: product, intent and
//! urgency, with the phrase matching they share. Pure: the caller passes `today`.

#![warn(missing_docs)]

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::sixty_fifth_birthday;
use crate::domain::ProductLine;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::testing::*;

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
}
