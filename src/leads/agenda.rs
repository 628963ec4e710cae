//! The follow-ups page's two views, as pure rules: the week ahead (overdue, today and each of the
//! next seven days, by the viewer's calendar) and a month calendar (weeks from Sunday to Saturday).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::dates;

/// How many days after today the week view shows.
pub const DAYS_AHEAD: i64 = 7;

/// One day of the agenda with what falls due on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Day<T> {
    pub date: NaiveDate,
    pub items: Vec<T>,
}

/// Overdue first, then today and each day after it up to [`DAYS_AHEAD`] (days with nothing due are
/// left out, except today).
#[derive(Debug, Clone, PartialEq)]
pub struct Week<T> {
    pub overdue: Vec<T>,
    pub today: Day<T>,
    pub coming: Vec<Day<T>>,
}

impl<T> Week<T> {
    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.today.items.is_empty() && self.coming.is_empty()
    }

    /// Overdue and due today: what the home page counts as "due".
    pub fn due_now(&self) -> usize {
        self.overdue.len() + self.today.items.len()
    }
}

/// Sorts items (already ordered by due time) into the week seen from `now` in `tz`.
pub fn week<T>(items: Vec<T>, due: impl Fn(&T) -> NaiveDateTime, now: NaiveDateTime, tz: Tz) -> Week<T> {
    let today = dates::local_date(now, tz);
    let mut week = Week {
        overdue: Vec::new(),
        today: Day {
            date: today,
            items: Vec::new(),
        },
        coming: Vec::new(),
    };
    for item in items {
        let at = due(&item);
        let day = dates::local_date(at, tz);
        if at < now {
            week.overdue.push(item);
        } else if day == today {
            week.today.items.push(item);
        } else if day <= today + Duration::days(DAYS_AHEAD) {
            match week.coming.last_mut() {
                Some(d) if d.date == day => d.items.push(item),
                _ => week.coming.push(Day {
                    date: day,
                    items: vec![item],
                }),
            }
        }
    }
    week
}

/// A month to show, read from `YYYY-MM`; `None` for anything else.
pub fn parse_month(raw: &str) -> Option<NaiveDate> {
    let (y, m) = raw.trim().split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
    if !(2000..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The first day of the month after `first`.
pub fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("a first of the month")
}

/// The first day of the month before `first`.
pub fn previous_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 1 {
        (first.year() - 1, 12)
    } else {
        (first.year(), first.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("a first of the month")
}

/// The month's weeks, Sunday to Saturday; days outside the month are `None`.
pub fn month_grid(first: NaiveDate) -> Vec<[Option<NaiveDate>; 7]> {
    let lead = first.weekday().num_days_from_sunday() as i64;
    let end = next_month(first);
    let mut weeks = Vec::new();
    let mut start = first - Duration::days(lead);
    while start < end {
        let mut week = [None; 7];
        for (i, slot) in week.iter_mut().enumerate() {
            let d = start + Duration::days(i as i64);
            if d.month() == first.month() && d.year() == first.year() {
                *slot = Some(d);
            }
        }
        weeks.push(week);
        start += Duration::days(7);
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_week_groups_by_the_viewers_days() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-12-02 15:00 UTC is 10:00 in New York.
        let now = at("2026-12-02 15:00");
        let items = vec![
            at("2026-12-01 12:00"), // yesterday: overdue
            at("2026-12-02 14:00"), // earlier today: overdue
            at("2026-12-03 03:00"), // 22:00 on Dec 2 in New York: today
            at("2026-12-03 15:00"), // tomorrow
            at("2026-12-03 16:00"), // tomorrow too
            at("2026-12-09 15:00"), // seven days out: shown
            at("2026-12-12 15:00"), // ten days out: not shown
        ];
        let w = week(items, |t| *t, now, tz);
        assert_eq!(w.overdue.len(), 2);
        assert_eq!(w.today.items, vec![at("2026-12-03 03:00")]);
        assert_eq!(w.due_now(), 3);
        let days: Vec<(NaiveDate, usize)> = w.coming.iter().map(|d| (d.date, d.items.len())).collect();
        assert_eq!(
            days,
            vec![
                (NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), 2),
                (NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(), 1)
            ]
        );
        assert!(!w.is_empty());
        assert!(week(Vec::<NaiveDateTime>::new(), |t| *t, now, tz).is_empty());
    }

    #[test]
    fn months_are_read_and_laid_out_from_sunday() {
        assert_eq!(parse_month("2026-12"), NaiveDate::from_ymd_opt(2026, 12, 1));
        for bad in ["", "2026", "2026-13", "12-2026", "abc-01", "1850-01"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        let dec = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(next_month(dec), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(previous_month(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()), dec);
        let grid = month_grid(dec);
        // December 2026 starts on a Tuesday and ends on a Thursday: five weeks.
        assert_eq!(grid.len(), 5);
        assert_eq!(grid[0][0], None);
        assert_eq!(grid[0][2], Some(dec));
        assert_eq!(grid[4][4], NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(grid[4][5], None);
        let days: usize = grid.iter().map(|w| w.iter().flatten().count()).sum();
        assert_eq!(days, 31);
        // February 2026 starts on a Sunday: exactly four weeks.
        assert_eq!(month_grid(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()).len(), 4);
    }
}
