//! The transparent rule set: its points ([`Weights`], a setting) and [`qualify`], which adds
//! them up and says why. Pure: the caller passes `today`.

#![warn(missing_docs)]

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::classify::{Intent, Urgency};
use super::facts::{read, Factor, LeadFacts, Medicare, Qualification};

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
/// given, the one [`classify_product`](super::classify_product) reads from the message; Medicare
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProductLine;
    use crate::scoring::testing::*;
    use chrono::Months;

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
}
