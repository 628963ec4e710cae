//! How strong a connection between two brokers is, from 0 to 100, worked out from the referrals
//! between them, how many converted, how recent the last one was and how long they have been
//! connected. Each part comes with a sentence that uses the broker's own numbers.

#![warn(missing_docs)]

/// Points for each referral between the two brokers, either way.
pub const POINTS_PER_REFERRAL: u32 = 6;
/// The most the referrals themselves can earn.
pub const REFERRAL_CAP: u32 = 36;
/// Extra points when both brokers have referred to each other.
pub const BOTH_WAYS_BONUS: u32 = 4;
/// Points for each referral between the two that converted.
pub const POINTS_PER_CONVERSION: u32 = 10;
/// The most conversions can earn.
pub const CONVERSION_CAP: u32 = 30;
/// Recency points when the last referral was recent enough.
pub const RECENCY_MAX: u32 = 20;
/// Up to this many days since the last referral earns the full recency points.
pub const RECENT_DAYS: u32 = 30;
/// From this many days since the last referral, recency earns nothing.
pub const STALE_DAYS: u32 = 365;
/// One length point for each full period of this many days connected.
pub const DAYS_PER_LENGTH_POINT: u32 = 36;
/// The most the length of the connection can earn.
pub const LENGTH_CAP: u32 = 10;
/// The highest strength.
pub const MAX_STRENGTH: u32 = 100;

/// What happened between two connected brokers, seen from one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    /// Referrals this broker sent to the other.
    pub sent: u32,
    /// Referrals this broker received from the other.
    pub received: u32,
    /// Referrals between the two, either way, that converted.
    pub converted: u32,
    /// Days since the last referral either way; `None` if there never was one.
    pub days_since_last: Option<u32>,
    /// Days since the two connected.
    pub days_connected: u32,
}

/// One part of a strength, with the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// A short name for the part, such as "Referrals".
    pub label: &'static str,
    /// The points this part earned.
    pub points: u32,
    /// The most this part can earn.
    pub max: u32,
    /// A sentence with the broker's own numbers.
    pub why: String,
}

/// A connection's strength and the parts it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strength {
    /// The strength, 0 to 100.
    pub value: u8,
    /// The parts, in the order referrals, conversions, recency, length.
    pub parts: Vec<Part>,
}

/// "1 referral", "5 referrals".
fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn referrals(a: &Activity) -> Part {
    let total = a.sent.saturating_add(a.received);
    let base = total.saturating_mul(POINTS_PER_REFERRAL).min(REFERRAL_CAP);
    let both = a.sent > 0 && a.received > 0;
    let bonus = if both { BOTH_WAYS_BONUS } else { 0 };
    let mut why = format!(
        "{} between you ({POINTS_PER_REFERRAL} points each, at most {REFERRAL_CAP})",
        plural(total, "referral", "referrals")
    );
    if both {
        why.push_str(&format!(", and both of you have referred (+{BOTH_WAYS_BONUS})."));
    } else if total > 0 {
        why.push_str(&format!(
            "; they went one way only, so no bonus (+{BOTH_WAYS_BONUS} when both of you refer)."
        ));
    } else {
        why.push('.');
    }
    Part {
        label: "Referrals",
        points: base + bonus,
        max: REFERRAL_CAP + BOTH_WAYS_BONUS,
        why,
    }
}

fn conversions(a: &Activity) -> Part {
    let points = a.converted.saturating_mul(POINTS_PER_CONVERSION).min(CONVERSION_CAP);
    Part {
        label: "Conversions",
        points,
        max: CONVERSION_CAP,
        why: format!(
            "{} between you converted ({POINTS_PER_CONVERSION} points each, at most {CONVERSION_CAP}).",
            plural(a.converted, "referral", "referrals")
        ),
    }
}

/// Recency points for a last referral `days` ago: full up to [`RECENT_DAYS`], then falling
/// linearly to 0 at [`STALE_DAYS`], rounded down.
fn recency_points(days: u32) -> u32 {
    if days <= RECENT_DAYS {
        RECENCY_MAX
    } else if days >= STALE_DAYS {
        0
    } else {
        RECENCY_MAX * (STALE_DAYS - days) / (STALE_DAYS - RECENT_DAYS)
    }
}

fn recency(a: &Activity) -> Part {
    let (points, why) = match a.days_since_last {
        None => (0, "There has not been a referral between you yet.".to_string()),
        Some(days) => {
            let points = recency_points(days);
            let ago = match days {
                0 => "today".to_string(),
                1 => "1 day ago".to_string(),
                d => format!("{d} days ago"),
            };
            (
                points,
                format!("The last referral was {ago} (full points up to {RECENT_DAYS} days, none from {STALE_DAYS})."),
            )
        }
    };
    Part {
        label: "Recency",
        points,
        max: RECENCY_MAX,
        why,
    }
}

fn length(a: &Activity) -> Part {
    let points = (a.days_connected / DAYS_PER_LENGTH_POINT).min(LENGTH_CAP);
    Part {
        label: "Length",
        points,
        max: LENGTH_CAP,
        why: format!(
            "You have been connected for {} (1 point per {DAYS_PER_LENGTH_POINT} days, at most {LENGTH_CAP}).",
            plural(a.days_connected, "day", "days")
        ),
    }
}

/// The strength of a connection, 0 to 100, as the sum of four parts:
///
/// - Referrals: [`POINTS_PER_REFERRAL`] (6) points per referral either way (sent + received), at
///   most [`REFERRAL_CAP`] (36), plus [`BOTH_WAYS_BONUS`] (4) when both brokers have referred.
///   At most 40.
/// - Conversions: [`POINTS_PER_CONVERSION`] (10) per converted referral between the two, at most
///   [`CONVERSION_CAP`] (30).
/// - Recency: [`RECENCY_MAX`] (20) if the last referral was at most [`RECENT_DAYS`] (30) days
///   ago, then falling linearly to 0 at [`STALE_DAYS`] (365) days, rounded down. 0 if there
///   never was a referral.
/// - Length: 1 point per full [`DAYS_PER_LENGTH_POINT`] (36) days connected, at most
///   [`LENGTH_CAP`] (10).
///
/// The parts' maxima add up to [`MAX_STRENGTH`] (100).
pub fn strength(a: &Activity) -> Strength {
    let parts = vec![referrals(a), conversions(a), recency(a), length(a)];
    let total: u32 = parts.iter().map(|p| p.points).sum();
    let value = u8::try_from(total.min(MAX_STRENGTH)).unwrap_or(u8::MAX);
    Strength { value, parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(s: &Strength, label: &str) -> u32 {
        s.parts.iter().find(|p| p.label == label).map(|p| p.points).unwrap()
    }

    #[test]
    fn zero_activity_is_zero() {
        let s = strength(&Activity::default());
        assert_eq!(s.value, 0);
        assert_eq!(s.parts.len(), 4);
        assert!(s.parts.iter().all(|p| p.points == 0));
        assert_eq!(s.parts[2].why, "There has not been a referral between you yet.");
    }

    #[test]
    fn maxima_add_up_to_one_hundred() {
        let s = strength(&Activity::default());
        assert_eq!(s.parts.iter().map(|p| p.max).sum::<u32>(), 100);
    }

    #[test]
    fn maximal_activity_is_one_hundred() {
        let a = Activity {
            sent: 50,
            received: 50,
            converted: 40,
            days_since_last: Some(0),
            days_connected: 5000,
        };
        let s = strength(&a);
        assert_eq!(s.value, 100);
        assert_eq!(points(&s, "Referrals"), 40);
        assert_eq!(points(&s, "Conversions"), 30);
        assert_eq!(points(&s, "Recency"), 20);
        assert_eq!(points(&s, "Length"), 10);
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let a = Activity {
            sent: u32::MAX,
            received: u32::MAX,
            converted: u32::MAX,
            days_since_last: Some(u32::MAX),
            days_connected: u32::MAX,
        };
        let s = strength(&a);
        assert_eq!(s.value, 80);
        assert_eq!(points(&s, "Recency"), 0);
    }

    #[test]
    fn recency_edges() {
        assert_eq!(recency_points(0), 20);
        assert_eq!(recency_points(30), 20);
        // 20 * 334 / 335 = 19.94, rounded down.
        assert_eq!(recency_points(31), 19);
        // 20 * 167 / 335 = 9.97.
        assert_eq!(recency_points(198), 9);
        // 20 * 1 / 335 = 0.06.
        assert_eq!(recency_points(364), 0);
        assert_eq!(recency_points(365), 0);
        assert_eq!(recency_points(1000), 0);
    }

    #[test]
    fn recency_sentence() {
        let a = Activity {
            sent: 1,
            days_since_last: Some(45),
            ..Activity::default()
        };
        let s = strength(&a);
        // 20 * 320 / 335 = 19.1.
        assert_eq!(points(&s, "Recency"), 19);
        assert_eq!(
            s.parts[2].why,
            "The last referral was 45 days ago (full points up to 30 days, none from 365)."
        );
    }

    #[test]
    fn both_ways_bonus() {
        let one_way = Activity {
            sent: 2,
            ..Activity::default()
        };
        let both = Activity {
            sent: 1,
            received: 1,
            ..Activity::default()
        };
        assert_eq!(strength(&one_way).value, 12);
        assert_eq!(strength(&both).value, 16);
        let s = strength(&Activity {
            sent: 3,
            received: 2,
            ..Activity::default()
        });
        assert_eq!(points(&s, "Referrals"), 34);
        assert_eq!(
            s.parts[0].why,
            "5 referrals between you (6 points each, at most 36), and both of you have referred (+4)."
        );
        assert!(strength(&one_way).parts[0].why.contains("one way only"));
    }

    #[test]
    fn referral_cap() {
        let six = Activity {
            sent: 6,
            ..Activity::default()
        };
        let seven = Activity {
            sent: 7,
            ..Activity::default()
        };
        assert_eq!(points(&strength(&six), "Referrals"), 36);
        assert_eq!(points(&strength(&seven), "Referrals"), 36);
        let both = Activity {
            sent: 6,
            received: 6,
            ..Activity::default()
        };
        assert_eq!(points(&strength(&both), "Referrals"), 40);
    }

    #[test]
    fn conversion_cap() {
        let two = Activity {
            converted: 2,
            ..Activity::default()
        };
        let four = Activity {
            converted: 4,
            ..Activity::default()
        };
        assert_eq!(points(&strength(&two), "Conversions"), 20);
        assert_eq!(points(&strength(&four), "Conversions"), 30);
        assert_eq!(
            strength(&Activity {
                converted: 1,
                ..Activity::default()
            })
            .parts[1]
                .why,
            "1 referral between you converted (10 points each, at most 30)."
        );
    }

    #[test]
    fn length_edges_and_cap() {
        let l = |days| {
            points(
                &strength(&Activity {
                    days_connected: days,
                    ..Activity::default()
                }),
                "Length",
            )
        };
        assert_eq!(l(35), 0);
        assert_eq!(l(36), 1);
        assert_eq!(l(359), 9);
        assert_eq!(l(360), 10);
        assert_eq!(l(10_000), 10);
    }

    #[test]
    fn worked_example() {
        let a = Activity {
            sent: 2,
            received: 1,
            converted: 1,
            days_since_last: Some(100),
            days_connected: 200,
        };
        // 18 + 4, 10, 20 * 265 / 335 = 15.8 -> 15, 200 / 36 = 5.
        let s = strength(&a);
        assert_eq!(points(&s, "Referrals"), 22);
        assert_eq!(points(&s, "Conversions"), 10);
        assert_eq!(points(&s, "Recency"), 15);
        assert_eq!(points(&s, "Length"), 5);
        assert_eq!(s.value, 52);
    }
}
