//! Page-only wording for leads: the list's Age column and score bands.

use chrono::NaiveDateTime;

/// "just now", "45 min", "5 h", "3 d", "6 wk", "4 mo": how long a lead has waited, at a glance.
pub fn age_label(created: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = (now - created).num_minutes().max(0);
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min"),
        60..=1439 => format!("{} h", minutes / 60),
        1440..=20159 => format!("{} d", minutes / 1440),
        20160..=86399 => format!("{} wk", minutes / 10080),
        _ => format!("{} mo", minutes / 43200),
    }
}

/// The colour band of a lead score (0–100): hot from 80, warm from 50, cool below.
pub fn score_band(score: i32) -> &'static str {
    match score {
        80.. => "hot",
        50..=79 => "warm",
        _ => "cool",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn ages_read_at_a_glance() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let ago = |m: i64| age_label(now - Duration::minutes(m), now);
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(45), "45 min");
        assert_eq!(ago(5 * 60 + 10), "5 h");
        assert_eq!(ago(3 * 1440), "3 d");
        assert_eq!(ago(20 * 1440), "2 wk");
        assert_eq!(ago(130 * 1440), "4 mo");
    }

    #[test]
    fn score_bands() {
        assert_eq!(score_band(95), "hot");
        assert_eq!(score_band(80), "hot");
        assert_eq!(score_band(79), "warm");
        assert_eq!(score_band(50), "warm");
        assert_eq!(score_band(12), "cool");
    }
}
