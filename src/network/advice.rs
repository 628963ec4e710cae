//! Recommendations for a broker, worked out from their own figures. Each one names the numbers
//! behind it, so the broker can see why it was given.

#![warn(missing_docs)]

/// How many silent connections are named in the advice.
pub const NAMES_SHOWN: usize = 3;
/// Referrals sent before the broker's conversion rate is compared with the network's.
pub const MIN_SENT_FOR_RATE: u32 = 5;
/// How far below the network's conversion rate the broker's must be, in basis points (5 points).
pub const CONVERSION_GAP_BPS: i64 = 500;
/// How much slower than the network's median response the broker's must be: 50 % slower.
pub const SLOW_FACTOR: f64 = 1.5;
/// How many hours slower than the network's median response the broker's must be as well.
pub const SLOW_HOURS: f64 = 4.0;
/// Fewer connections than this and the broker is advised to grow their network.
pub const MIN_CONNECTIONS: u32 = 5;
/// The next tier is within reach when this many hundredths of a point or fewer are missing.
pub const TIER_REACH_HUNDREDTHS: i64 = 2000;

/// A broker's own figures, and the network's where they are compared.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// Names of active connections older than 60 days with no referral either way.
    pub silent_connections: Vec<String>,
    /// Referrals the broker sent.
    pub sent: u32,
    /// Sent referrals that converted.
    pub sent_converted: u32,
    /// The whole network's conversion rate of referrals, in basis points.
    pub network_conversion_bps: Option<i64>,
    /// The broker's median time to respond to a referral, in hours.
    pub median_response_hours: Option<f64>,
    /// The network's median time to respond to a referral, in hours.
    pub network_median_response_hours: Option<f64>,
    /// The broker's active connections.
    pub connections: u32,
    /// How many referrals a month the broker takes; 0 for no limit.
    pub capacity_per_month: u32,
    /// Referrals the broker received this month.
    pub received_this_month: u32,
    /// The broker's referrals still waiting for the client's consent.
    pub waiting_for_consent: u32,
    /// The next tier's name and the hundredths of a point still missing to reach it.
    pub points_to_next_tier: Option<(String, i64)>,
}

/// One recommendation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// A short heading.
    pub title: String,
    /// What to do, with the numbers behind it.
    pub detail: String,
}

fn advice(title: &str, detail: String) -> Advice {
    Advice {
        title: title.to_string(),
        detail,
    }
}

use super::pool::percent;
use super::score::points;

/// Hours to one decimal: "1 hour", "6.5 hours".
fn hours(h: f64) -> String {
    let tenths = (h * 10.0).round();
    let text = if tenths % 10.0 == 0.0 {
        format!("{}", tenths / 10.0)
    } else {
        format!("{:.1}", tenths / 10.0)
    };
    if text == "1" {
        "1 hour".to_string()
    } else {
        format!("{text} hours")
    }
}

/// "1 referral", "3 referrals".
fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "Anna", "Anna and Ben", "Anna, Ben and Cara".
fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn silent(f: &Figures) -> Option<Advice> {
    let names = &f.silent_connections;
    let count = names.len();
    let detail = match count {
        0 => return None,
        1 => format!(
            "There has been no referral either way with {} for more than 60 days. \
             Refer a client to them, or get in touch to reconnect.",
            names[0]
        ),
        n if n <= NAMES_SHOWN => format!(
            "There has been no referral either way with {n} of your connections ({}) for more than 60 days. \
             Refer a client to them, or get in touch to reconnect.",
            list(names)
        ),
        n => format!(
            "There has been no referral either way with {n} of your connections, among them {}, \
             for more than 60 days. Refer a client to them, or get in touch to reconnect.",
            list(&names[..NAMES_SHOWN])
        ),
    };
    Some(advice("Quiet connections", detail))
}

fn conversion(f: &Figures) -> Option<Advice> {
    let network = f.network_conversion_bps?;
    if f.sent < MIN_SENT_FOR_RATE {
        return None;
    }
    let (sent, converted) = (i128::from(f.sent), i128::from(f.sent_converted));
    // Own rate = converted / sent; compare exactly: network - own >= gap.
    if (i128::from(network) - i128::from(CONVERSION_GAP_BPS)) * sent < converted * 10_000 {
        return None;
    }
    // Rounded to the nearest basis point for showing.
    let own = i64::try_from((converted * 20_000 + sent) / (2 * sent)).unwrap_or(0);
    Some(advice(
        "Conversion below the network's",
        format!(
            "{} of your {} sent referrals converted ({}), against {} across the network. \
             Send fuller details with each referral, and refer to the connections who convert best.",
            f.sent_converted,
            f.sent,
            percent(own),
            percent(network)
        ),
    ))
}

fn response(f: &Figures) -> Option<Advice> {
    let own = f.median_response_hours?;
    let network = f.network_median_response_hours?;
    if !own.is_finite() || !network.is_finite() || network < 0.0 {
        return None;
    }
    if own < network * SLOW_FACTOR || own - network < SLOW_HOURS {
        return None;
    }
    Some(advice(
        "Slow replies to referrals",
        format!(
            "You take {} to respond to a referral (your median), against {} across the network. \
             Answering sooner keeps clients and the brokers who refer them.",
            hours(own),
            hours(network)
        ),
    ))
}

fn grow(f: &Figures) -> Option<Advice> {
    if f.connections >= MIN_CONNECTIONS {
        return None;
    }
    let more = MIN_CONNECTIONS - f.connections;
    Some(advice(
        "Grow your network",
        format!(
            "You have {}. Connect with at least {} to reach {MIN_CONNECTIONS}.",
            plural(f.connections, "active connection", "active connections"),
            plural(more, "more broker", "more brokers")
        ),
    ))
}

fn capacity(f: &Figures) -> Option<Advice> {
    if f.capacity_per_month == 0 || f.received_this_month < f.capacity_per_month {
        return None;
    }
    Some(advice(
        "Capacity full",
        format!(
            "You have received {} this month and take {} a month. \
             Raise your capacity, or pause new referrals so clients are not kept waiting.",
            plural(f.received_this_month, "referral", "referrals"),
            f.capacity_per_month
        ),
    ))
}

fn consent(f: &Figures) -> Option<Advice> {
    let detail = match f.waiting_for_consent {
        0 => return None,
        1 => "1 of your referrals is waiting for the client's consent. \
              Remind the client, so the referral can go ahead."
            .to_string(),
        n => format!(
            "{n} of your referrals are waiting for the clients' consent. \
             Remind the clients, so the referrals can go ahead."
        ),
    };
    Some(advice("Waiting for consent", detail))
}

fn next_tier(f: &Figures) -> Option<Advice> {
    let (name, missing) = f.points_to_next_tier.as_ref()?;
    if *missing <= 0 || *missing > TIER_REACH_HUNDREDTHS {
        return None;
    }
    let unit = if *missing == 100 { "point" } else { "points" };
    Some(advice(
        &format!("{name} within reach"),
        format!(
            "You are {} {unit} from {name}. A referral sent earns 3 points, and 15 more if it converts.",
            points(*missing)
        ),
    ))
}

/// The recommendations for a broker, in this order, each only when its rule fires:
///
/// 1. Silent connections (active, older than 60 days, no referral either way): names up to
///    [`NAMES_SHOWN`] (3) and gives the count; suggests referring or reconnecting.
/// 2. Conversion: with at least [`MIN_SENT_FOR_RATE`] (5) referrals sent, when the broker's
///    conversion rate is [`CONVERSION_GAP_BPS`] (5 points) or more below the network's; gives
///    both rates.
/// 3. Response time: when the broker's median response is at least 50 % slower than the
///    network's median ([`SLOW_FACTOR`]) and at least [`SLOW_HOURS`] (4) hours slower; gives
///    both.
/// 4. Fewer than [`MIN_CONNECTIONS`] (5) active connections: grow the network.
/// 5. Capacity full (referrals received this month at or above a capacity above 0): raise the
///    capacity or pause.
/// 6. Referrals waiting for consent: remind the client.
/// 7. The next tier within [`TIER_REACH_HUNDREDTHS`] (20 points): says how many points.
pub fn advise(f: &Figures) -> Vec<Advice> {
    [silent, conversion, response, grow, capacity, consent, next_tier]
        .iter()
        .filter_map(|rule| rule(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures that fire no rule.
    fn quiet() -> Figures {
        Figures {
            connections: 5,
            ..Figures::default()
        }
    }

    fn titles(f: &Figures) -> Vec<String> {
        advise(f).into_iter().map(|a| a.title).collect()
    }

    fn names(n: usize) -> Vec<String> {
        ["Anna", "Ben", "Cara", "Dev", "Eve"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn nothing_to_say() {
        assert!(advise(&quiet()).is_empty());
    }

    #[test]
    fn silent_connections() {
        let mut f = quiet();
        f.silent_connections = names(1);
        assert_eq!(
            advise(&f)[0].detail,
            "There has been no referral either way with Anna for more than 60 days. \
             Refer a client to them, or get in touch to reconnect."
        );
        f.silent_connections = names(3);
        assert!(advise(&f)[0]
            .detail
            .contains("with 3 of your connections (Anna, Ben and Cara) for more than 60 days"));
        f.silent_connections = names(5);
        let a = &advise(&f)[0];
        assert_eq!(a.title, "Quiet connections");
        assert!(a
            .detail
            .contains("with 5 of your connections, among them Anna, Ben and Cara, for"));
        assert!(!a.detail.contains("Dev"));
    }

    #[test]
    fn conversion_edges() {
        let mut f = quiet();
        f.sent = 10;
        f.sent_converted = 2;
        f.network_conversion_bps = Some(2500);
        // 20 % against 25 %: exactly 5 points below.
        let a = advise(&f);
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].detail,
            "2 of your 10 sent referrals converted (20 %), against 25 % across the network. \
             Send fuller details with each referral, and refer to the connections who convert best."
        );
        f.network_conversion_bps = Some(2499);
        assert!(advise(&f).is_empty());
        f.network_conversion_bps = None;
        assert!(advise(&f).is_empty());
    }

    #[test]
    fn conversion_needs_five_sent() {
        let mut f = quiet();
        f.sent = 4;
        f.network_conversion_bps = Some(9000);
        assert!(advise(&f).is_empty());
        f.sent = 5;
        assert_eq!(titles(&f), vec!["Conversion below the network's"]);
        assert!(advise(&f)[0]
            .detail
            .contains("0 of your 5 sent referrals converted (0 %), against 90 %"));
    }

    #[test]
    fn conversion_rounding_shown() {
        let mut f = quiet();
        f.sent = 8;
        f.sent_converted = 1;
        f.network_conversion_bps = Some(3000);
        // 1 / 8 = 12.5 %.
        assert!(advise(&f)[0].detail.contains("(12.5 %), against 30 %"));
        f.sent = 3 * 7;
        f.sent_converted = 2;
        // 2 / 21 = 9.5238 % -> 952 basis points.
        assert!(advise(&f)[0].detail.contains("(9.52 %)"));
    }

    #[test]
    fn response_edges() {
        let mut f = quiet();
        f.network_median_response_hours = Some(8.0);
        // 12 is 50 % slower and 4 hours slower: fires.
        f.median_response_hours = Some(12.0);
        let a = advise(&f);
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].detail,
            "You take 12 hours to respond to a referral (your median), against 8 hours across the network. \
             Answering sooner keeps clients and the brokers who refer them."
        );
        f.median_response_hours = Some(11.9);
        assert!(advise(&f).is_empty());
        // 50 % slower but only 1 hour: too small to matter.
        f.network_median_response_hours = Some(2.0);
        f.median_response_hours = Some(3.0);
        assert!(advise(&f).is_empty());
        f.median_response_hours = Some(6.0);
        assert!(advise(&f)[0].detail.contains("You take 6 hours"));
        f.median_response_hours = Some(5.95);
        assert!(advise(&f).is_empty());
        f.network_median_response_hours = None;
        f.median_response_hours = Some(100.0);
        assert!(advise(&f).is_empty());
    }

    #[test]
    fn hour_formatting() {
        assert_eq!(hours(1.0), "1 hour");
        assert_eq!(hours(6.54), "6.5 hours");
        assert_eq!(hours(0.0), "0 hours");
        assert_eq!(hours(12.0), "12 hours");
    }

    #[test]
    fn grow_edges() {
        let mut f = quiet();
        f.connections = 4;
        assert_eq!(
            advise(&f)[0].detail,
            "You have 4 active connections. Connect with at least 1 more broker to reach 5."
        );
        f.connections = 0;
        assert_eq!(
            advise(&f)[0].detail,
            "You have 0 active connections. Connect with at least 5 more brokers to reach 5."
        );
        f.connections = 5;
        assert!(advise(&f).is_empty());
    }

    #[test]
    fn capacity_edges() {
        let mut f = quiet();
        f.capacity_per_month = 10;
        f.received_this_month = 9;
        assert!(advise(&f).is_empty());
        f.received_this_month = 10;
        assert_eq!(
            advise(&f)[0].detail,
            "You have received 10 referrals this month and take 10 a month. \
             Raise your capacity, or pause new referrals so clients are not kept waiting."
        );
        f.capacity_per_month = 0;
        assert!(advise(&f).is_empty());
    }

    #[test]
    fn consent_edges() {
        let mut f = quiet();
        assert!(advise(&f).is_empty());
        f.waiting_for_consent = 1;
        assert!(advise(&f)[0]
            .detail
            .starts_with("1 of your referrals is waiting for the client's consent."));
        f.waiting_for_consent = 3;
        assert!(advise(&f)[0]
            .detail
            .starts_with("3 of your referrals are waiting for the clients' consent."));
    }

    #[test]
    fn next_tier_edges() {
        let mut f = quiet();
        f.points_to_next_tier = Some(("Gold".to_string(), 2000));
        let a = advise(&f);
        assert_eq!(a[0].title, "Gold within reach");
        assert_eq!(
            a[0].detail,
            "You are 20 points from Gold. A referral sent earns 3 points, and 15 more if it converts."
        );
        f.points_to_next_tier = Some(("Gold".to_string(), 2001));
        assert!(advise(&f).is_empty());
        f.points_to_next_tier = Some(("Gold".to_string(), 1250));
        assert!(advise(&f)[0].detail.starts_with("You are 12.5 points from Gold."));
        f.points_to_next_tier = Some(("Gold".to_string(), 100));
        assert!(advise(&f)[0].detail.starts_with("You are 1 point from Gold."));
        f.points_to_next_tier = Some(("Gold".to_string(), 1));
        assert!(advise(&f)[0].detail.starts_with("You are 0.01 points from Gold."));
        f.points_to_next_tier = Some(("Gold".to_string(), 0));
        assert!(advise(&f).is_empty());
        f.points_to_next_tier = None;
        assert!(advise(&f).is_empty());
    }

    #[test]
    fn all_rules_in_order() {
        let f = Figures {
            silent_connections: names(2),
            sent: 10,
            sent_converted: 0,
            network_conversion_bps: Some(2000),
            median_response_hours: Some(30.0),
            network_median_response_hours: Some(10.0),
            connections: 2,
            capacity_per_month: 3,
            received_this_month: 4,
            waiting_for_consent: 2,
            points_to_next_tier: Some(("Silver".to_string(), 500)),
        };
        assert_eq!(
            titles(&f),
            vec![
                "Quiet connections",
                "Conversion below the network's",
                "Slow replies to referrals",
                "Grow your network",
                "Capacity full",
                "Waiting for consent",
                "Silver within reach",
            ]
        );
        assert!(advise(&f)[0].detail.contains("2 of your connections (Anna and Ben)"));
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(percent(1250), "12.5 %");
        assert_eq!(percent(-50), "-0.5 %");
        assert_eq!(points(7499), "74.99");
        assert_eq!(list(&names(0)), "");
    }
}
