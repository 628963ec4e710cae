//! The commission rules read from `commission_rules` (each row carries its source): the rapid
//! disenrollment window, the smallest payout, and the tolerance before a carrier payment is
//! short. Pure once read.

use crate::db::DbConnection;
use crate::error::AppError;

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub rapid_disenrollment_months: u32,
    pub payout_minimum_cents: i64,
    pub short_pay_tolerance_cents: i64,
}

impl Default for Rules {
    /// The defaults the migration ships (used when a row is missing or unreadable).
    fn default() -> Rules {
        Rules {
            rapid_disenrollment_months: 3,
            payout_minimum_cents: 2_500,
            short_pay_tolerance_cents: 100,
        }
    }
}

/// The keys an owner may set, with their range.
pub const NUMBERS: &[(&str, i64, i64)] = &[
    ("rapid_disenrollment_months", 0, 12),
    ("payout_minimum_cents", 0, 10_000_000),
    ("short_pay_tolerance_cents", 0, 1_000_000),
];

impl Rules {
    /// The rules from stored `(key, value)` pairs; a missing or unreadable number keeps its default.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Rules {
        let mut r = Rules::default();
        for (k, v) in pairs {
            let Ok(n) = v.trim().parse::<i64>() else { continue };
            match k {
                "rapid_disenrollment_months" if (0..=12).contains(&n) => r.rapid_disenrollment_months = n as u32,
                "payout_minimum_cents" if n >= 0 => r.payout_minimum_cents = n,
                "short_pay_tolerance_cents" if n >= 0 => r.short_pay_tolerance_cents = n,
                _ => {}
            }
        }
        r
    }

    /// Checks a new value for a rule: the cleaned value, or a sentence saying what is allowed.
    pub fn check(key: &str, value: &str) -> Result<String, String> {
        let Some((_, lo, hi)) = NUMBERS.iter().find(|(k, _, _)| *k == key) else {
            return Err("There is no such rule.".into());
        };
        match value.trim().parse::<i64>() {
            Ok(n) if (*lo..=*hi).contains(&n) => Ok(n.to_string()),
            _ => Err(format!("Give a whole number from {lo} to {hi}.")),
        }
    }
}

/// The rules as stored.
pub fn load(conn: &mut DbConnection) -> Result<Rules, AppError> {
    let rows = super::model::rule_rows(conn)?;
    Ok(Rules::from_pairs(
        rows.iter().map(|r| (r.key.as_str(), r.value.as_str())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_are_read_and_bad_ones_keep_the_default() {
        let r = Rules::from_pairs([("rapid_disenrollment_months", "2"), ("payout_minimum_cents", "x")]);
        assert_eq!(r.rapid_disenrollment_months, 2);
        assert_eq!(r.payout_minimum_cents, 2_500);
        assert!(Rules::check("payout_minimum_cents", "-1").is_err());
        assert_eq!(Rules::check("short_pay_tolerance_cents", " 250 "), Ok("250".into()));
    }
}
