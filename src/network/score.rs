//! A broker's network score, the tier it puts them in and the multiplier that tier adds to
//! their commission. Scores are whole numbers of hundredths of a point (7499 is 74.99 points),
//! so the edges between tiers are exact.

#![warn(missing_docs)]

/// Hundredths per point.
pub const HUNDREDTHS_PER_POINT: i64 = 100;
/// Each active connection adds its strength times this many hundredths (a tenth of a point per
/// strength point).
pub const HUNDREDTHS_PER_STRENGTH: i64 = 10;
/// Each referral sent: 3 points.
pub const SENT: i64 = 300;
/// Each referral received: 2 points.
pub const RECEIVED: i64 = 200;
/// Each sent referral that converted: 15 points.
pub const SENT_CONVERTED: i64 = 1500;
/// Each received referral that converted: 10 points.
pub const RECEIVED_CONVERTED: i64 = 1000;
/// Each broker two steps away: half a point.
pub const REACH2: i64 = 50;
/// The most brokers two steps away can earn: 50 points.
pub const REACH2_CAP: i64 = 5000;
/// Each broker three steps away: 0.05 of a point.
pub const REACH3: i64 = 5;
/// The most brokers three steps away can earn: 50 points.
pub const REACH3_CAP: i64 = 5000;
/// Basis points in a whole (100 %).
pub const WHOLE_BPS: i64 = 10_000;

/// The figures a network score is made from. Stored with the score (as JSON), so a page shows
/// the parts of the score the job computed without computing it again.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Inputs {
    /// Active connections.
    pub connections: u32,
    /// Their strengths (0 to 100 each) added up.
    pub strength_sum: u32,
    /// Referrals the broker sent.
    pub sent: u32,
    /// Referrals the broker received.
    pub received: u32,
    /// Sent referrals that converted.
    pub sent_converted: u32,
    /// Received referrals that converted.
    pub received_converted: u32,
    /// Brokers two steps away (connections of connections).
    pub reach2: u32,
    /// Brokers three steps away.
    pub reach3: u32,
}

/// One part of a score, with the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// A short name for the part.
    pub label: &'static str,
    /// What the part adds, in hundredths of a point.
    pub hundredths: i64,
    /// A sentence with the broker's own numbers.
    pub why: String,
}

/// A network score and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The score in hundredths of a point.
    pub hundredths: i64,
    /// The parts, which add up to `hundredths`.
    pub parts: Vec<Part>,
}

/// Hundredths of a point as people read them: two decimals with trailing zeros dropped.
/// 7499 is "74.99", 7500 is "75", 15050 is "150.5", -50 is "-0.5".
pub fn points(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let whole = abs / 100;
    let frac = abs % 100;
    if frac == 0 {
        format!("{sign}{whole}")
    } else if frac % 10 == 0 {
        format!("{sign}{whole}.{}", frac / 10)
    } else {
        format!("{sign}{whole}.{frac:02}")
    }
}

/// "1 referral", "3 referrals".
fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A count times a rate, with an optional cap, and the sentence for it.
fn counted(label: &'static str, n: u32, each: i64, cap: Option<i64>, what: (&str, &str)) -> Part {
    let raw = i64::from(n) * each;
    let hundredths = cap.map_or(raw, |c| raw.min(c));
    let mut why = format!("{} ({} each", plural(u64::from(n), what.0, what.1), points(each));
    match cap {
        Some(c) if raw > c => why.push_str(&format!(", capped at {}).", points(c))),
        Some(c) => why.push_str(&format!(", at most {}).", points(c))),
        None => why.push_str(")."),
    }
    Part { label, hundredths, why }
}

/// The network score, as the sum of these parts (in points; the constants are in hundredths):
///
/// - each active connection adds its strength divided by 10 ([`HUNDREDTHS_PER_STRENGTH`]);
/// - each referral sent 3 points ([`SENT`]), each received 2 ([`RECEIVED`]);
/// - each sent referral that converted 15 ([`SENT_CONVERTED`]), each received one 10
///   ([`RECEIVED_CONVERTED`]);
/// - reach: half a point per broker two steps away, at most 50 ([`REACH2`], [`REACH2_CAP`]),
///   and 0.05 per broker three steps away, at most 50 ([`REACH3`], [`REACH3_CAP`]).
pub fn score(i: &Inputs) -> Score {
    let strength_sum = i64::from(i.strength_sum);
    let connections = Part {
        label: "Connections",
        hundredths: strength_sum * HUNDREDTHS_PER_STRENGTH,
        why: format!(
            "{} with strengths adding up to {strength_sum} (a tenth of a point per strength point).",
            plural(u64::from(i.connections), "active connection", "active connections")
        ),
    };
    let parts = vec![
        connections,
        counted(
            "Referrals sent",
            i.sent,
            SENT,
            None,
            ("referral sent", "referrals sent"),
        ),
        counted(
            "Referrals received",
            i.received,
            RECEIVED,
            None,
            ("referral received", "referrals received"),
        ),
        counted(
            "Sent referrals converted",
            i.sent_converted,
            SENT_CONVERTED,
            None,
            ("sent referral converted", "sent referrals converted"),
        ),
        counted(
            "Received referrals converted",
            i.received_converted,
            RECEIVED_CONVERTED,
            None,
            ("received referral converted", "received referrals converted"),
        ),
        counted(
            "Second-degree reach",
            i.reach2,
            REACH2,
            Some(REACH2_CAP),
            ("broker two steps away", "brokers two steps away"),
        ),
        counted(
            "Third-degree reach",
            i.reach3,
            REACH3,
            Some(REACH3_CAP),
            ("broker three steps away", "brokers three steps away"),
        ),
    ];
    let hundredths = parts.iter().map(|p| p.hundredths).sum();
    Score { hundredths, parts }
}

/// One tier: its name, the score it starts at and the multiplier it adds to commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRule {
    /// The tier's name, such as "Silver".
    pub name: String,
    /// The lowest score in the tier, in hundredths of a point.
    pub min_hundredths: i64,
    /// What the tier adds to commission, in basis points (500 is 5 %).
    pub multiplier_bps: i64,
}

/// The tiers, sorted by their minimum score, the first starting at 0. The owner can change the
/// thresholds and multipliers, so they are data rather than code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers {
    /// The tiers from lowest to highest.
    pub rules: Vec<TierRule>,
}

fn tier(name: &str, min_hundredths: i64, multiplier_bps: i64) -> TierRule {
    TierRule {
        name: name.to_string(),
        min_hundredths,
        multiplier_bps,
    }
}

impl Default for Tiers {
    /// Bronze from 0 (no extra), Silver from 75 points (+5 %), Gold from 150 (+10 %), Platinum
    /// from 300 (+15 %), Diamond from 500 (+20 %).
    fn default() -> Self {
        Tiers {
            rules: vec![
                tier("Bronze", 0, 0),
                tier("Silver", 7500, 500),
                tier("Gold", 15_000, 1000),
                tier("Platinum", 30_000, 1500),
                tier("Diamond", 50_000, 2000),
            ],
        }
    }
}

/// What [`Tiers::tier_for`] returns when there are no tiers at all: no name, no extra.
static NO_TIER: TierRule = TierRule {
    name: String::new(),
    min_hundredths: 0,
    multiplier_bps: 0,
};

impl Tiers {
    /// Checks the tiers: there is at least one; the first starts at 0; each starts strictly
    /// above the one before; multipliers are between 0 and 10000 basis points and never go
    /// down; names are not empty and all different. The error is a sentence for the owner.
    pub fn validate(&self) -> Result<(), String> {
        let Some(first) = self.rules.first() else {
            return Err("There must be at least one tier.".to_string());
        };
        if first.min_hundredths != 0 {
            return Err(format!(
                "The first tier, {}, must start at 0 points, not {}.",
                first.name,
                points(first.min_hundredths)
            ));
        }
        for (n, rule) in self.rules.iter().enumerate() {
            if rule.name.trim().is_empty() {
                return Err(format!("Tier {} has no name.", n + 1));
            }
            if self.rules[..n].iter().any(|r| r.name.trim() == rule.name.trim()) {
                return Err(format!("There are two tiers called {}.", rule.name.trim()));
            }
            if !(0..=WHOLE_BPS).contains(&rule.multiplier_bps) {
                return Err(format!(
                    "The multiplier for {} must be between 0 and 10000 basis points, not {}.",
                    rule.name, rule.multiplier_bps
                ));
            }
            if let Some(before) = n.checked_sub(1).map(|b| &self.rules[b]) {
                if rule.min_hundredths <= before.min_hundredths {
                    return Err(format!(
                        "{} must start above {}: {} points is not more than {}.",
                        rule.name,
                        before.name,
                        points(rule.min_hundredths),
                        points(before.min_hundredths)
                    ));
                }
                if rule.multiplier_bps < before.multiplier_bps {
                    return Err(format!(
                        "The multiplier for {} ({} basis points) is lower than for {} ({}).",
                        rule.name, rule.multiplier_bps, before.name, before.multiplier_bps
                    ));
                }
            }
        }
        Ok(())
    }

    /// The tier a score falls in: the highest one whose minimum it reaches. A score below every
    /// minimum gets the first tier. With no tiers at all, an unnamed tier with no multiplier.
    pub fn tier_for(&self, hundredths: i64) -> &TierRule {
        self.rules
            .iter()
            .rev()
            .find(|r| r.min_hundredths <= hundredths)
            .or(self.rules.first())
            .unwrap_or(&NO_TIER)
    }

    /// The next tier above a score, if there is one: the lowest tier whose minimum it has not
    /// reached.
    pub fn next_after(&self, hundredths: i64) -> Option<&TierRule> {
        self.rules.iter().find(|r| r.min_hundredths > hundredths)
    }
}

/// An amount in cents with a tier's multiplier added: `amount × (10000 + bps) / 10000`, rounded
/// half away from zero, so a chargeback (a negative amount) is the exact mirror of the payment.
/// Worked in `i128`; a result beyond `i64` is clamped to its bounds.
pub fn with_multiplier(amount_cents: i64, multiplier_bps: i64) -> i64 {
    let whole = i128::from(WHOLE_BPS);
    let n = i128::from(amount_cents) * (whole + i128::from(multiplier_bps));
    let mut q = n / whole;
    let r = n % whole;
    if r.abs() * 2 >= whole {
        q += n.signum();
    }
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_formatting() {
        assert_eq!(points(7499), "74.99");
        assert_eq!(points(7500), "75");
        assert_eq!(points(15_050), "150.5");
        assert_eq!(points(5), "0.05");
        assert_eq!(points(0), "0");
        assert_eq!(points(-50), "-0.5");
        assert_eq!(points(-7499), "-74.99");
        assert_eq!(points(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn tier_edges() {
        let t = Tiers::default();
        assert!(t.validate().is_ok());
        let name = |h| t.tier_for(h).name.as_str();
        assert_eq!(name(0), "Bronze");
        assert_eq!(name(7499), "Bronze");
        assert_eq!(name(7500), "Silver");
        assert_eq!(name(14_999), "Silver");
        assert_eq!(name(15_000), "Gold");
        assert_eq!(name(29_999), "Gold");
        assert_eq!(name(30_000), "Platinum");
        assert_eq!(name(49_999), "Platinum");
        assert_eq!(name(50_000), "Diamond");
        assert_eq!(name(10_000_000), "Diamond");
        assert_eq!(name(-1), "Bronze");
        assert_eq!(t.tier_for(15_000).multiplier_bps, 1000);
    }

    #[test]
    fn next_tier() {
        let t = Tiers::default();
        assert_eq!(t.next_after(0).map(|r| r.name.as_str()), Some("Silver"));
        assert_eq!(t.next_after(7499).map(|r| r.name.as_str()), Some("Silver"));
        assert_eq!(t.next_after(7500).map(|r| r.name.as_str()), Some("Gold"));
        assert_eq!(t.next_after(49_999).map(|r| r.name.as_str()), Some("Diamond"));
        assert_eq!(t.next_after(50_000), None);
    }

    #[test]
    fn no_tiers_at_all() {
        let t = Tiers { rules: Vec::new() };
        assert_eq!(t.tier_for(1000).multiplier_bps, 0);
        assert_eq!(t.tier_for(1000).name, "");
        assert_eq!(t.next_after(0), None);
        assert_eq!(t.validate().unwrap_err(), "There must be at least one tier.");
    }

    #[test]
    fn validate_refusals() {
        let with = |f: &dyn Fn(&mut Vec<TierRule>)| {
            let mut t = Tiers::default();
            f(&mut t.rules);
            t.validate().unwrap_err()
        };
        assert_eq!(
            with(&|r| r[0].min_hundredths = 100),
            "The first tier, Bronze, must start at 0 points, not 1."
        );
        assert_eq!(
            with(&|r| r[2].min_hundredths = 7500),
            "Gold must start above Silver: 75 points is not more than 75."
        );
        assert_eq!(
            with(&|r| r[2].multiplier_bps = 400),
            "The multiplier for Gold (400 basis points) is lower than for Silver (500)."
        );
        assert_eq!(
            with(&|r| r[0].multiplier_bps = -1),
            "The multiplier for Bronze must be between 0 and 10000 basis points, not -1."
        );
        assert_eq!(
            with(&|r| r[4].multiplier_bps = 10_001),
            "The multiplier for Diamond must be between 0 and 10000 basis points, not 10001."
        );
        assert_eq!(with(&|r| r[1].name = " ".to_string()), "Tier 2 has no name.");
        assert_eq!(
            with(&|r| r[3].name = "Gold".to_string()),
            "There are two tiers called Gold."
        );
    }

    #[test]
    fn validate_accepts_edges() {
        let mut t = Tiers::default();
        t.rules[4].multiplier_bps = 10_000;
        t.rules[3].multiplier_bps = 1000;
        t.rules[3].min_hundredths = 15_001;
        assert!(t.validate().is_ok());
    }

    #[test]
    fn multiplier() {
        assert_eq!(with_multiplier(10_000, 500), 10_500);
        assert_eq!(with_multiplier(10_000, 0), 10_000);
        // 333 × 1.15 = 382.95.
        assert_eq!(with_multiplier(333, 1500), 383);
        assert_eq!(with_multiplier(-333, 1500), -383);
        // 10 × 1.05 = 10.5: half goes away from zero.
        assert_eq!(with_multiplier(10, 500), 11);
        assert_eq!(with_multiplier(-10, 500), -11);
        // 1 × 1.2 = 1.2, 3 × 1.15 = 3.45.
        assert_eq!(with_multiplier(1, 2000), 1);
        assert_eq!(with_multiplier(3, 1500), 3);
        assert_eq!(with_multiplier(-3, 1500), -3);
        assert_eq!(with_multiplier(0, 2000), 0);
        assert_eq!(with_multiplier(i64::MAX, 10_000), i64::MAX);
        assert_eq!(with_multiplier(i64::MIN, 10_000), i64::MIN);
        for a in -2000..2000 {
            for bps in [0, 333, 500, 1500, 2000, 10_000] {
                assert_eq!(with_multiplier(-a, bps), -with_multiplier(a, bps));
            }
        }
    }

    #[test]
    fn worked_score() {
        let i = Inputs {
            connections: 3,
            strength_sum: 80 + 45,
            sent: 4,
            received: 3,
            sent_converted: 2,
            received_converted: 1,
            reach2: 12,
            reach3: 30,
        };
        let s = score(&i);
        let got: Vec<i64> = s.parts.iter().map(|p| p.hundredths).collect();
        // 125 × 10, 4 × 300, 3 × 200, 2 × 1500, 1 × 1000, 12 × 50, 30 × 5.
        assert_eq!(got, vec![1250, 1200, 600, 3000, 1000, 600, 150]);
        assert_eq!(s.hundredths, 7800);
        assert_eq!(points(s.hundredths), "78");
        assert_eq!(
            s.parts[0].why,
            "3 active connections with strengths adding up to 125 (a tenth of a point per strength point)."
        );
        assert_eq!(s.parts[1].why, "4 referrals sent (3 each).");
        assert_eq!(s.parts[4].why, "1 received referral converted (10 each).");
        assert_eq!(s.parts[5].why, "12 brokers two steps away (0.5 each, at most 50).");
        assert_eq!(s.parts[6].why, "30 brokers three steps away (0.05 each, at most 50).");
        assert_eq!(Tiers::default().tier_for(s.hundredths).name, "Silver");
    }

    #[test]
    fn empty_score_is_zero() {
        let s = score(&Inputs::default());
        assert_eq!(s.hundredths, 0);
        assert_eq!(s.parts.len(), 7);
        assert_eq!(
            s.parts[0].why,
            "0 active connections with strengths adding up to 0 (a tenth of a point per strength point)."
        );
    }

    #[test]
    fn reach_caps() {
        let at = |reach2, reach3| {
            score(&Inputs {
                reach2,
                reach3,
                ..Inputs::default()
            })
        };
        assert_eq!(at(100, 0).hundredths, 5000);
        assert_eq!(at(101, 0).hundredths, 5000);
        assert_eq!(at(99, 0).hundredths, 4950);
        assert_eq!(at(0, 1000).hundredths, 5000);
        assert_eq!(at(0, 999).hundredths, 4995);
        assert_eq!(at(0, u32::MAX).hundredths, 5000);
        assert_eq!(
            at(101, 0).parts[5].why,
            "101 brokers two steps away (0.5 each, capped at 50)."
        );
        assert_eq!(
            at(100, 0).parts[5].why,
            "100 brokers two steps away (0.5 each, at most 50)."
        );
    }
}
