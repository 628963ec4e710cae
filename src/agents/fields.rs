//! Agent profile fields that belong to agents alone: the public slug and weekly working hours.
//!
//! The shared vocabulary (states, languages, phone, e-mail, NPN) is in [`crate::domain`]; the CSV
//! roster parsing is in `roster.rs`.

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Slugs
// ---------------------------------------------------------------------------------------------

/// Longest slug [`slugify`] returns.
pub const SLUG_MAX_LEN: usize = 60;

/// ASCII replacement for common accented Latin letters (lowercase input).
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ą' => "a",
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'í' | 'ì' | 'î' | 'ï' | 'ī' => "i",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' => "o",
        'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ñ' | 'ń' | 'ň' => "n",
        'ç' | 'ć' | 'č' => "c",
        'ś' | 'š' | 'ş' => "s",
        'ź' | 'ż' | 'ž' => "z",
        'ł' => "l",
        'ř' => "r",
        'ď' => "d",
        'ť' => "t",
        'ğ' => "g",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ð' => "d",
        'þ' => "th",
        _ => return None,
    })
}

/// Makes a lowercase ASCII slug for public URLs: letters and digits are kept (common accents
/// folded, "José Núñez" → "jose-nunez"), every other run of characters becomes one `-`, and
/// leading/trailing dashes are trimmed. At most [`SLUG_MAX_LEN`] characters, cut at a `-` when
/// possible. An empty result becomes `"agent"`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    let push_alnum = |s: &str, slug: &mut String, pending: &mut bool| {
        if *pending && !slug.is_empty() {
            slug.push('-');
        }
        *pending = false;
        slug.push_str(s);
    };
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            push_alnum(c.encode_utf8(&mut [0; 4]), &mut slug, &mut pending_dash);
        } else if let Some(folded) = fold_char(c) {
            push_alnum(folded, &mut slug, &mut pending_dash);
        } else {
            pending_dash = true;
        }
    }
    if slug.len() > SLUG_MAX_LEN {
        // The slug is pure ASCII, so byte indexes are char boundaries.
        let cut = if slug.as_bytes()[SLUG_MAX_LEN] == b'-' {
            SLUG_MAX_LEN
        } else {
            match slug[..SLUG_MAX_LEN].rfind('-') {
                Some(dash) if dash > 0 => dash,
                _ => SLUG_MAX_LEN,
            }
        };
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        "agent".to_string()
    } else {
        slug
    }
}

// ---------------------------------------------------------------------------------------------
// Working hours
// ---------------------------------------------------------------------------------------------

/// Day names, index 0 = Monday.
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Weekly opening hours. `days[0]` is Monday; each open day holds `(start, end)` in minutes
/// after midnight with `end > start`; `None` is a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WorkingHours {
    /// Opening hours per day, Monday first.
    pub days: [Option<(u16, u16)>; 7],
}

/// Parses `"HH:MM"` (24-hour, `H:MM` also accepted) into minutes after midnight.
fn parse_hhmm(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn twelve_hour(minutes: u16) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let suffix = if h < 12 { "AM" } else { "PM" };
    let h12 = match h % 12 {
        0 => 12,
        h => h,
    };
    format!("{h12}:{m:02} {suffix}")
}

impl WorkingHours {
    /// Parses one day's form fields. Both empty → `Ok(None)` (day off); otherwise both must be
    /// `"HH:MM"` in 24-hour time and the end must be after the start.
    pub fn parse_day(start: &str, end: &str) -> Result<Option<(u16, u16)>, String> {
        let (start, end) = (start.trim(), end.trim());
        match (start.is_empty(), end.is_empty()) {
            (true, true) => return Ok(None),
            (true, false) | (false, true) => {
                return Err("Enter both a start and an end time, or leave both empty for a day off.".to_string());
            }
            (false, false) => {}
        }
        let bad = |which: &str| format!("Enter the {which} time as HH:MM, like 09:00 or 17:30.");
        let start_min = parse_hhmm(start).ok_or_else(|| bad("start"))?;
        let end_min = parse_hhmm(end).ok_or_else(|| bad("end"))?;
        if end_min <= start_min {
            return Err("The end time must be after the start time.".to_string());
        }
        Ok(Some((start_min, end_min)))
    }

    /// Compact, stable text form listing all seven days, e.g.
    /// `"mon 09:00-17:00; tue 09:00-17:00; … ; sat off; sun off"`.
    pub fn to_storage(&self) -> String {
        DAY_KEYS
            .iter()
            .zip(self.days.iter())
            .map(|(key, day)| match day {
                Some((start, end)) => format!("{key} {}-{}", hhmm(*start), hhmm(*end)),
                None => format!("{key} off"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Reads the text written by [`WorkingHours::to_storage`]. Lenient: day names are matched by
    /// their first three letters, case-insensitively; a missing, unknown or malformed entry is a
    /// day off.
    pub fn from_storage(s: &str) -> WorkingHours {
        let mut hours = WorkingHours::default();
        for entry in s.split(';') {
            let mut words = entry.split_whitespace();
            let (Some(day), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            let key = day.to_lowercase();
            let Some(index) = DAY_KEYS.iter().position(|k| key.starts_with(k)) else {
                continue;
            };
            hours.days[index] = value
                .split_once('-')
                .and_then(|(start, end)| Self::parse_day(start, end).ok().flatten());
        }
        hours
    }

    /// Monday to Friday, 09:00 to 17:00; weekend off.
    pub fn weekdays_9_to_5() -> Self {
        let mut days = [None; 7];
        for day in days.iter_mut().take(5) {
            *day = Some((9 * 60, 17 * 60));
        }
        WorkingHours { days }
    }

    /// Whether the agency is open at `minute_of_day` on the given weekday (0 = Monday).
    /// The start minute is inside, the end minute is not. An out-of-range weekday is closed.
    pub fn is_open(&self, weekday_index_monday0: usize, minute_of_day: u16) -> bool {
        matches!(
            self.days.get(weekday_index_monday0),
            Some(Some((start, end))) if (*start..*end).contains(&minute_of_day)
        )
    }

    /// Human-readable hours for day `i` (0 = Monday): `"9:00 AM – 5:00 PM"` or `"Closed"`.
    pub fn display_day(&self, i: usize) -> String {
        match self.days.get(i) {
            Some(Some((start, end))) => format!("{} – {}", twelve_hour(*start), twelve_hour(*end)),
            _ => "Closed".to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    // --- Slugs ---

    #[test]
    fn slug_folds_accents_and_collapses_punctuation() {
        assert_eq!(slugify("José Núñez-García"), "jose-nunez-garcia");
        assert_eq!(slugify("  Ana   O'Brien, Jr.!! "), "ana-o-brien-jr");
        assert_eq!(slugify("François Müller & Çelik"), "francois-muller-celik");
        assert_eq!(slugify("Agent 007"), "agent-007");
    }

    #[test]
    fn slug_of_nothing_usable_is_agent() {
        assert_eq!(slugify(""), "agent");
        assert_eq!(slugify("--- !!! ---"), "agent");
        assert_eq!(slugify("王小明"), "agent");
    }

    #[test]
    fn slug_long_name_is_cut_at_a_dash() {
        let name = "Maria Fernanda de los Angeles Rodriguez Villanueva y Castellanos Montenegro";
        let slug = slugify(name);
        assert_eq!(slug, "maria-fernanda-de-los-angeles-rodriguez-villanueva-y");
        assert!(slug.len() <= SLUG_MAX_LEN);
        let no_dashes = "a".repeat(80);
        assert_eq!(slugify(&no_dashes), "a".repeat(60));
    }

    // --- Working hours ---

    #[test]
    fn hours_parse_day_accepts_times_and_empty_pair() {
        assert_eq!(WorkingHours::parse_day("09:00", "17:30"), Ok(Some((540, 1050))));
        assert_eq!(WorkingHours::parse_day("0:00", "23:59"), Ok(Some((0, 1439))));
        assert_eq!(WorkingHours::parse_day(" ", ""), Ok(None));
    }

    #[test]
    fn hours_parse_day_rejects_bad_input() {
        assert_eq!(
            WorkingHours::parse_day("17:00", "09:00"),
            Err("The end time must be after the start time.".to_string())
        );
        assert!(WorkingHours::parse_day("09:00", "09:00").is_err());
        assert!(WorkingHours::parse_day("09:00", "").is_err());
        assert!(WorkingHours::parse_day("24:00", "25:00").is_err());
        assert!(WorkingHours::parse_day("9am", "5pm").is_err());
        assert!(WorkingHours::parse_day("09:60", "10:00").is_err());
    }

    #[test]
    fn hours_storage_round_trips() {
        let mut hours = WorkingHours::weekdays_9_to_5();
        hours.days[5] = Some((10 * 60, 14 * 60 + 30));
        let text = hours.to_storage();
        assert_eq!(
            text,
            "mon 09:00-17:00; tue 09:00-17:00; wed 09:00-17:00; thu 09:00-17:00; fri 09:00-17:00; \
             sat 10:00-14:30; sun off"
        );
        assert_eq!(WorkingHours::from_storage(&text), hours);
    }

    #[test]
    fn hours_from_storage_is_lenient() {
        let hours = WorkingHours::from_storage("Monday 08:00-12:00;; tue 17:00-09:00; xyz 01:00-02:00; wed garbage");
        assert_eq!(hours.days[0], Some((480, 720)));
        assert_eq!(hours.days[1..], [None; 6]);
        assert_eq!(WorkingHours::from_storage(""), WorkingHours::default());
    }

    #[test]
    fn hours_is_open_includes_start_excludes_end() {
        let hours = WorkingHours::weekdays_9_to_5();
        assert!(!hours.is_open(0, 539));
        assert!(hours.is_open(0, 540));
        assert!(hours.is_open(4, 1019));
        assert!(!hours.is_open(4, 1020));
        assert!(!hours.is_open(5, 600));
        assert!(!hours.is_open(7, 600));
    }

    #[test]
    fn hours_display_uses_twelve_hour_clock() {
        let mut hours = WorkingHours::weekdays_9_to_5();
        hours.days[6] = Some((0, 12 * 60 + 5));
        assert_eq!(hours.display_day(0), "9:00 AM – 5:00 PM");
        assert_eq!(hours.display_day(5), "Closed");
        assert_eq!(hours.display_day(6), "12:00 AM – 12:05 PM");
        assert_eq!(hours.display_day(9), "Closed");
        assert_eq!(DAY_NAMES[0], "Monday");
    }
}
