//! The network rules read from `network_rules` (each row carries its source): how long a
//! referral and a consent link wait, the tiers' thresholds and multipliers, and the share of
//! 2nd-degree commission counted in network value. Pure once read.

use super::score::{TierRule, Tiers};
use crate::db::DbConnection;
use crate::error::AppError;

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub referral_expiry_days: i64,
    pub consent_link_hours: i64,
    pub tiers: Tiers,
    pub second_degree_value_bps: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            referral_expiry_days: 30,
            consent_link_hours: 168,
            tiers: Tiers::default(),
            second_degree_value_bps: 2_500,
        }
    }
}

const TIER_KEYS: [(&str, usize); 4] = [("silver", 1), ("gold", 2), ("platinum", 3), ("diamond", 4)];

impl Rules {
    /// The rules from stored `(key, value)` pairs; a missing or unreadable value keeps its
    /// default, and a tier table that would not hold together keeps the default tiers.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Rules {
        let mut r = Rules::default();
        let mut tiers = r.tiers.clone();
        for (k, v) in pairs {
            let Ok(n) = v.trim().parse::<i64>() else { continue };
            match k {
                "referral_expiry_days" if (1..=365).contains(&n) => r.referral_expiry_days = n,
                "consent_link_hours" if (1..=2_160).contains(&n) => r.consent_link_hours = n,
                "second_degree_value_bps" if (0..=10_000).contains(&n) => r.second_degree_value_bps = n,
                _ => {
                    for (name, i) in TIER_KEYS {
                        if k == format!("tier_{name}_points") && n > 0 {
                            tiers.rules[i].min_hundredths = n * 100;
                        } else if k == format!("tier_{name}_bps") && n >= 0 {
                            tiers.rules[i].multiplier_bps = n;
                        }
                    }
                }
            }
        }
        if tiers.validate().is_ok() {
            r.tiers = tiers;
        }
        r
    }
}

/// The rules as stored.
pub fn load(conn: &mut DbConnection) -> Result<Rules, AppError> {
    let rows = super::model::rules(conn)?;
    Ok(Rules::from_pairs(
        rows.iter().map(|(k, v, _, _)| (k.as_str(), v.as_str())),
    ))
}

/// The tier names, for pages.
pub fn tier_names(r: &Rules) -> Vec<String> {
    r.tiers.rules.iter().map(|t: &TierRule| t.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_are_read_and_bad_ones_keep_the_default() {
        let r = Rules::from_pairs([
            ("referral_expiry_days", "14"),
            ("tier_gold_points", "200"),
            ("consent_link_hours", "x"),
        ]);
        assert_eq!(r.referral_expiry_days, 14);
        assert_eq!(r.consent_link_hours, 168);
        assert_eq!(r.tiers.tier_for(19_999).name, "Silver");
        assert_eq!(r.tiers.tier_for(20_000).name, "Gold");
        let broken = Rules::from_pairs([("tier_silver_points", "400")]);
        assert_eq!(
            broken.tiers,
            Tiers::default(),
            "Silver above Gold would not hold: defaults kept"
        );
    }
}
