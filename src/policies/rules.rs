//! The policy rules that come from regulators or from the agency's practice, read from the
//! `policy_rules` table (each row carries its source): renewal notice, grace period, Scope of
//! Appointment validity, retention and wording. Pure once read.

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub renewal_notice_days: i64,
    pub grace_days: i64,
    pub soa_valid_months: u32,
    pub soa_retention_years: u32,
    pub soa_link_hours: i64,
    pub soa_wording: String,
}

impl Default for Rules {
    /// The defaults the migration ships (used when a row is missing or unreadable).
    fn default() -> Rules {
        Rules {
            renewal_notice_days: 60,
            grace_days: 30,
            soa_valid_months: 12,
            soa_retention_years: 10,
            soa_link_hours: 72,
            soa_wording: String::new(),
        }
    }
}

/// The keys that hold a whole number, with the range an owner may set.
pub const NUMBERS: &[(&str, i64, i64)] = &[
    ("renewal_notice_days", 1, 365),
    ("grace_days", 0, 365),
    ("soa_valid_months", 1, 60),
    ("soa_retention_years", 1, 50),
    ("soa_link_hours", 1, 720),
];

impl Rules {
    /// The rules from the stored `(key, value)` pairs; a missing or unreadable number keeps its
    /// default.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Rules {
        let mut r = Rules::default();
        for (k, v) in pairs {
            let n = v.trim().parse::<i64>().ok();
            match (k, n) {
                ("renewal_notice_days", Some(n)) => r.renewal_notice_days = n,
                ("grace_days", Some(n)) => r.grace_days = n,
                ("soa_valid_months", Some(n)) if n > 0 => r.soa_valid_months = n as u32,
                ("soa_retention_years", Some(n)) if n > 0 => r.soa_retention_years = n as u32,
                ("soa_link_hours", Some(n)) => r.soa_link_hours = n,
                ("soa_wording", _) => r.soa_wording = v.to_string(),
                _ => {}
            }
        }
        r
    }

    /// Checks a new value for a rule: `Err` with a sentence when it is not allowed.
    pub fn check(key: &str, value: &str) -> Result<String, String> {
        if key == "soa_wording" {
            let v = value.trim();
            if v.len() < 40 {
                return Err("Give the full wording the beneficiary signs.".into());
            }
            return Ok(v.to_string());
        }
        let Some((_, lo, hi)) = NUMBERS.iter().find(|(k, _, _)| *k == key) else {
            return Err("There is no such rule.".into());
        };
        match value.trim().parse::<i64>() {
            Ok(n) if (*lo..=*hi).contains(&n) => Ok(n.to_string()),
            _ => Err(format!("Give a whole number from {lo} to {hi}.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_replace_the_defaults_and_bad_ones_are_ignored() {
        let r = Rules::from_pairs([("grace_days", "45"), ("soa_valid_months", "x"), ("soa_wording", "Text")]);
        assert_eq!(r.grace_days, 45);
        assert_eq!(r.soa_valid_months, 12);
        assert_eq!(r.soa_wording, "Text");
        assert_eq!(r.renewal_notice_days, 60);
    }

    #[test]
    fn owners_set_numbers_within_their_range() {
        assert_eq!(Rules::check("grace_days", " 31 "), Ok("31".into()));
        assert!(Rules::check("grace_days", "-1").is_err());
        assert!(Rules::check("renewal_notice_days", "0").is_err());
        assert!(Rules::check("nope", "1").is_err());
        assert!(Rules::check("soa_wording", "short").is_err());
    }
}
