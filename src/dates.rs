//! The one way dates and times are written out, on every page and in every e-mail. Times are
//! stored in UTC (`NaiveDateTime`) and shown in the viewer's zone; calendar dates (a licence's
//! expiry, a certificate's issue day) have no zone and are shown as they are.
//!
//! | name          | example                     |
//! |---------------|-----------------------------|
//! | [`date`]      | Dec 3, 2026                 |
//! | [`long_date`] | December 3, 2026            |
//! | [`date_time`] | Dec 3, 2026 10:30 AM EST    |
//! | [`time`]      | 10:30 AM EST                |
//! | [`relative`]  | in 3 days · 2 hours ago     |
//! | [`machine`]   | 2026-12-03T15:30:00Z (for `<time datetime>`) |

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

/// The time zone of a viewer, or an agency, that has not chosen one.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::America::New_York;

/// A calendar date, short: "Dec 3, 2026".
pub fn date(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// A calendar date in full, for certificates: "December 3, 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// A UTC time in `tz`: "Dec 3, 2026 10:30 AM EST".
pub fn date_time(t: NaiveDateTime, tz: Tz) -> String {
    t.and_utc()
        .with_timezone(&tz)
        .format("%b %-d, %Y %-I:%M %p %Z")
        .to_string()
}

/// The clock time of a UTC time in `tz`: "10:30 AM EST".
pub fn time(t: NaiveDateTime, tz: Tz) -> String {
    t.and_utc().with_timezone(&tz).format("%-I:%M %p %Z").to_string()
}

/// The day a UTC time falls on in `tz` (midnight in New York is still yesterday in Chicago).
pub fn local_date(t: NaiveDateTime, tz: Tz) -> NaiveDate {
    t.and_utc().with_timezone(&tz).date_naive()
}

/// The calendar date as it falls in `tz`: "Dec 3, 2026".
pub fn date_in(t: NaiveDateTime, tz: Tz) -> String {
    date(local_date(t, tz))
}

/// For the `datetime` attribute of `<time>`: RFC 3339 in UTC, "2026-12-03T15:30:00Z".
pub fn machine(t: NaiveDateTime) -> String {
    t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// For the `datetime` attribute of a calendar date: "2026-12-03".
pub fn machine_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// How far `t` is from `now`, in words: "just now", "in 5 minutes", "2 hours ago", "in 3 days".
pub fn relative(t: NaiveDateTime, now: NaiveDateTime) -> String {
    let secs = (t - now).num_seconds();
    let (ahead, s) = (secs > 0, secs.unsigned_abs());
    let (n, unit) = match s {
        0..=44 => return "just now".into(),
        45..=3_599 => (s.div_ceil(60).max(1), "minute"),
        3_600..=86_399 => (s / 3_600, "hour"),
        86_400..=2_591_999 => (s / 86_400, "day"),
        _ => (s / 2_592_000, "month"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if ahead {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// Reads a time written by older code as "2026-12-03 15:30:00 UTC" (or without the zone, or with
/// fractions of a second), for history rows stored as text.
pub fn parse_stored_utc(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim().trim_end_matches("UTC").trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Chicago, Los_Angeles, New_York, Phoenix};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn times_show_in_the_viewers_zone() {
        let t = at(2026, 12, 3, 15, 30);
        assert_eq!(date_time(t, New_York), "Dec 3, 2026 10:30 AM EST");
        assert_eq!(date_time(t, Los_Angeles), "Dec 3, 2026 7:30 AM PST");
        assert_eq!(time(t, Chicago), "9:30 AM CST");
        assert_eq!(date_time(at(2026, 7, 1, 16, 5), New_York), "Jul 1, 2026 12:05 PM EDT");
    }

    #[test]
    fn daylight_saving_edges() {
        // 2026-03-08 07:00 UTC is 3:00 AM EDT: 2 AM never happened in New York.
        assert_eq!(date_time(at(2026, 3, 8, 6, 59), New_York), "Mar 8, 2026 1:59 AM EST");
        assert_eq!(date_time(at(2026, 3, 8, 7, 0), New_York), "Mar 8, 2026 3:00 AM EDT");
        // 2026-11-01: 1:30 AM happens twice; the two UTC instants say which.
        assert_eq!(date_time(at(2026, 11, 1, 5, 30), New_York), "Nov 1, 2026 1:30 AM EDT");
        assert_eq!(date_time(at(2026, 11, 1, 6, 30), New_York), "Nov 1, 2026 1:30 AM EST");
        // Arizona keeps standard time all year.
        assert_eq!(time(at(2026, 7, 1, 19, 0), Phoenix), "12:00 PM MST");
    }

    #[test]
    fn midnight_falls_on_the_viewers_day() {
        let t = at(2026, 12, 4, 4, 30); // 11:30 PM in New York, the day before
        assert_eq!(date_in(t, New_York), "Dec 3, 2026");
        assert_eq!(date_in(t, chrono_tz::UTC), "Dec 4, 2026");
        assert_eq!(time(at(2026, 12, 4, 5, 0), New_York), "12:00 AM EST");
        assert_eq!(date_in(at(2026, 12, 4, 5, 0), New_York), "Dec 4, 2026");
    }

    #[test]
    fn dates_are_written_out() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(date(d), "Dec 3, 2026");
        assert_eq!(long_date(d), "December 3, 2026");
        assert_eq!(machine_date(d), "2026-12-03");
        assert_eq!(machine(at(2026, 12, 3, 15, 30)), "2026-12-03T15:30:00Z");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = at(2026, 12, 3, 12, 0);
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now + chrono::Duration::minutes(5), now), "in 5 minutes");
        assert_eq!(relative(now - chrono::Duration::minutes(1), now), "1 minute ago");
        assert_eq!(relative(now - chrono::Duration::hours(2), now), "2 hours ago");
        assert_eq!(relative(now + chrono::Duration::days(3), now), "in 3 days");
        assert_eq!(relative(now - chrono::Duration::days(1), now), "1 day ago");
        assert_eq!(relative(now + chrono::Duration::days(65), now), "in 2 months");
    }

    #[test]
    fn old_history_times_are_read_back() {
        assert_eq!(
            parse_stored_utc("2026-12-03 15:30:00 UTC"),
            Some(at(2026, 12, 3, 15, 30))
        );
        assert_eq!(
            parse_stored_utc("2026-12-03 15:30:00.250"),
            Some(at(2026, 12, 3, 15, 30) + chrono::Duration::milliseconds(250))
        );
        assert_eq!(parse_stored_utc("next Tuesday"), None);
    }
}
