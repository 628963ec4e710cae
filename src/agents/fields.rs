//! Agent profile fields: small parsers that turn raw form input into canonical values
//! ("parse, don't validate"), weekly working hours, and the CSV roster import.
//!
//! Every parser returns `Result<T, String>`; the `Err` is a short sentence meant to be shown
//! beside the form field (or, in the roster import, prefixed with the column name).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// NPN
// ---------------------------------------------------------------------------------------------

/// Parses a National Producer Number.
///
/// Surrounding whitespace is trimmed and inner spaces/dashes are removed; what is left must be
/// 1 to 10 ASCII digits and not all zeros. Leading zeros are dropped so that `"0012345"` and
/// `"12345"` compare equal (NPNs are plain numbers assigned by NIPR).
pub fn parse_npn(raw: &str) -> Result<String, String> {
    let digits: String = raw.trim().chars().filter(|c| *c != ' ' && *c != '-').collect();
    if digits.is_empty() {
        return Err("Enter an NPN.".to_string());
    }
    if digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("An NPN is 1 to 10 digits.".to_string());
    }
    let canonical = digits.trim_start_matches('0');
    if canonical.is_empty() {
        return Err("An NPN cannot be all zeros.".to_string());
    }
    Ok(canonical.to_string())
}

// ---------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------

const PHONE_ERROR: &str = "Enter a valid phone number, like (305) 555-0142.";

/// Parses a phone number and returns it in E.164 form (`"+13055550142"`).
///
/// Numbers without a leading `+` are read as US numbers. Numbers written with `+` are parsed
/// without a default region: phonenumber 0.3 with a US default strips a leading `1` from the
/// foreign national number (`+33 1 42 68 53 00` would become the invalid `+3342685300`).
///
/// Numbers must pass `phonenumber`'s validity check. With phonenumber 0.3.10 (metadata 9.0.33)
/// these are valid: `(305) 555-0142`, `(415) 555-2671`, `(212) 555-1234`, `+1 202-456-1111`,
/// `305.375.5000`, `+44 20 7946 0958`, `+33 1 42 68 53 00`; these are not: `555-1234`, `123`,
/// `(111) 111-1111`, `020 7946 0958` (a UK number without `+44`, read as US).
/// A number with an extension is refused, because E.164 cannot hold the extension.
pub fn parse_phone(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter a phone number.".to_string());
    }
    let region = if raw.starts_with('+') {
        None
    } else {
        Some(phonenumber::country::Id::US)
    };
    let number = phonenumber::parse(region, raw).map_err(|_| PHONE_ERROR.to_string())?;
    if !number.is_valid() {
        return Err(PHONE_ERROR.to_string());
    }
    if number.extension().is_some() {
        return Err("Enter the phone number without an extension.".to_string());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// A stored E.164 number as people read it: US numbers as `(305) 555-0142`, others in the
/// international format. Anything unparsable is shown as stored.
pub fn display_phone(e164: &str) -> String {
    // Stored North American numbers (nearly all of them) need no parse: the parse was a third of
    // the time of a lead list page at 50 rows.
    if let Some(d) = e164
        .strip_prefix("+1")
        .filter(|d| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()))
    {
        return format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]);
    }
    match phonenumber::parse(None, e164) {
        Ok(n) if n.code().value() == 1 => n.format().mode(phonenumber::Mode::National).to_string(),
        Ok(n) => n.format().mode(phonenumber::Mode::International).to_string(),
        Err(_) => e164.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

/// Parses an e-mail address with basic checks and returns it lowercased.
///
/// Rules: exactly one `@`, a non-empty local part, a domain containing a `.` (not at either end),
/// no whitespace and no hidden characters (see [`crate::text::is_hidden`]), at most 254 characters.
pub fn parse_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter an e-mail address.".to_string());
    }
    let invalid = || Err("Enter a valid e-mail address.".to_string());
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || crate::text::is_hidden(c)) {
        return invalid();
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return invalid();
    };
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return invalid();
    }
    Ok(email)
}

// ---------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------

/// US states, DC and the five inhabited territories as `(code, name)`, in alphabetical order by
/// name.
pub const STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AS", "American Samoa"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("GU", "Guam"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("MP", "Northern Mariana Islands"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("VI", "U.S. Virgin Islands"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// Extra spellings accepted by [`parse_state`], already in the form produced by `normalize_words`.
const STATE_ALIASES: &[(&str, &str)] = &[
    ("DC", "washington dc"),
    ("VI", "virgin islands"),
    ("VI", "us virgin islands"),
    ("VI", "united states virgin islands"),
];

/// Returns the name of a state code (`"FL"` → `"Florida"`), case-insensitively.
pub fn state_name(code: &str) -> Option<&'static str> {
    STATES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, name)| *name)
}

/// Lowercases, drops dots and collapses runs of whitespace to one space.
fn normalize_words(raw: &str) -> String {
    raw.split_whitespace()
        .map(|w| w.replace('.', "").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn lookup_state(raw: &str) -> Option<&'static str> {
    let key = normalize_words(raw);
    STATES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(&key) || normalize_words(name) == key)
        .or_else(|| STATE_ALIASES.iter().find(|(_, alias)| *alias == key))
        .map(|(code, _)| *code)
}

/// Parses one state, DC or territory, given as a two-letter code or a full name
/// (case-insensitive), and returns the canonical uppercase code.
pub fn parse_state(raw: &str) -> Result<&'static str, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter a state.".to_string());
    }
    lookup_state(raw).ok_or_else(|| format!("Unknown state \"{raw}\". Use a code like FL or a name like Florida."))
}

/// Parses a list of states separated by `;`, `,`, `|` or spaces. Multi-word names such as
/// "New York" are recognised even when separated only by spaces. Duplicates are removed,
/// keeping the first occurrence; empty input gives an empty list.
pub fn parse_states(raw: &str) -> Result<Vec<&'static str>, String> {
    parse_list(raw, &[';', ',', '|'], 4, lookup_state).map_err(|unknown| {
        let plural = if unknown.len() == 1 { "" } else { "s" };
        format!(
            "Unknown state{plural} {}. Use codes like FL or names like Florida.",
            quote_all(&unknown)
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------------

/// Languages an agent can list, as `(code, English name)`.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("ko", "Korean"),
    ("tl", "Tagalog"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("pt", "Portuguese"),
    ("de", "German"),
    ("it", "Italian"),
    ("pl", "Polish"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
];

/// Returns the English name of a language code (`"es"` → `"Spanish"`), case-insensitively.
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, name)| *name)
}

fn lookup_language(raw: &str) -> Option<&'static str> {
    let key = normalize_words(raw);
    LANGUAGES
        .iter()
        .find(|(code, name)| *code == key || name.to_lowercase() == key)
        .map(|(code, _)| *code)
}

/// Parses a list of languages given as codes or English names from [`LANGUAGES`], separated by
/// commas, semicolons or spaces (case-insensitive). "Haitian Creole" is recognised both between
/// commas and between spaces. Returns codes, deduplicated in first-seen order; empty input gives
/// an empty list. Unknown words are named in the error.
pub fn parse_languages(raw: &str) -> Result<Vec<&'static str>, String> {
    parse_list(raw, &[',', ';'], 2, lookup_language).map_err(|unknown| {
        let plural = if unknown.len() == 1 { "" } else { "s" };
        format!(
            "Unknown language{plural} {}. Use names like Spanish or codes like es.",
            quote_all(&unknown)
        )
    })
}

/// Splits `raw` on `separators`, then tries each piece whole; a piece that is not recognised is
/// split on whitespace and matched greedily, longest run of words (up to `max_words`) first.
/// Returns the deduplicated values, or every unrecognised word.
fn parse_list(
    raw: &str,
    separators: &[char],
    max_words: usize,
    lookup: fn(&str) -> Option<&'static str>,
) -> Result<Vec<&'static str>, Vec<String>> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut push = |value: &'static str| {
        if !found.contains(&value) {
            found.push(value);
        }
    };
    for piece in raw.split(separators).map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(value) = lookup(piece) {
            push(value);
            continue;
        }
        let words: Vec<&str> = piece.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let longest = max_words.min(words.len() - i);
            let hit = (1..=longest)
                .rev()
                .find_map(|n| lookup(&words[i..i + n].join(" ")).map(|value| (n, value)));
            match hit {
                Some((n, value)) => {
                    push(value);
                    i += n;
                }
                None => {
                    if !unknown.iter().any(|u| u == words[i]) {
                        unknown.push(words[i].to_string());
                    }
                    i += 1;
                }
            }
        }
    }
    if unknown.is_empty() {
        Ok(found)
    } else {
        Err(unknown)
    }
}

fn quote_all(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
}

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
// CSV roster import
// ---------------------------------------------------------------------------------------------

/// Most data rows [`parse_roster`] accepts in one file.
pub const ROSTER_MAX_ROWS: usize = 5_000;

/// One valid agent from an uploaded roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    /// 1-based line in the file where the row starts; the header is line 1.
    pub line: usize,
    /// Full name, inner whitespace collapsed.
    pub name: String,
    /// Lowercased e-mail address.
    pub email: String,
    /// National Producer Number, see [`parse_npn`].
    pub npn: Option<String>,
    /// Phone in E.164 form, see [`parse_phone`].
    pub phone: Option<String>,
    /// Licensed state codes, see [`parse_states`].
    pub states: Vec<&'static str>,
    /// Language codes, see [`parse_languages`].
    pub languages: Vec<&'static str>,
    /// `"agent"` or `"trainee"`.
    pub role: String,
}

/// A roster row that cannot be imported, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line in the file where the row starts.
    pub line: usize,
    /// One message per problem, prefixed with the column, e.g. `"email: Enter a valid e-mail address."`.
    pub messages: Vec<String>,
    /// The row as it appears in the file, for showing back.
    pub raw: String,
}

/// Result of reading a roster file: every non-blank data row is in exactly one of `rows` and
/// `errors`, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RosterPreview {
    /// Rows ready to import.
    pub rows: Vec<RosterRow>,
    /// Rows with problems.
    pub errors: Vec<RowError>,
    /// Header names that were not used (unknown, or a second column for the same field).
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Email,
    Npn,
    Phone,
    States,
    Languages,
    Role,
}

const FIELD_COUNT: usize = 7;

/// Header aliases, already normalised by `normalize_header`.
const HEADER_ALIASES: &[(Field, &[&str])] = &[
    (Field::Name, &["name", "fullname", "agentname"]),
    (Field::Email, &["email", "emailaddress"]),
    (Field::Npn, &["npn", "nationalproducernumber"]),
    (Field::Phone, &["phone", "phonenumber", "mobile"]),
    (Field::States, &["states", "licensedstates", "state"]),
    (Field::Languages, &["languages", "language"]),
    (Field::Role, &["role"]),
];

fn normalize_header(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn header_field(raw: &str) -> Option<Field> {
    let key = normalize_header(raw);
    HEADER_ALIASES
        .iter()
        .find(|(_, aliases)| aliases.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

/// Reads an uploaded roster CSV into rows ready to import and rows with problems.
///
/// Headers are matched case-insensitively, ignoring spaces, underscores and dashes; `name` and
/// `email` columns are required, `npn`, `phone`, `states`, `languages` and `role` are optional.
/// Duplicate e-mails or NPNs within the file make the later row an error.
///
/// Returns `Err` only for a problem with the whole file: not UTF-8, no header, a required column
/// missing, more than [`ROSTER_MAX_ROWS`] data rows, or unreadable CSV.
pub fn parse_roster(bytes: &[u8]) -> Result<RosterPreview, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.".to_string())?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_error = |err: csv::Error| match err.position() {
        Some(pos) => format!("The file is not valid CSV near line {}.", pos.line()),
        None => "The file is not valid CSV.".to_string(),
    };

    let mut record = csv::StringRecord::new();
    let header = loop {
        if !reader.read_record(&mut record).map_err(csv_error)? {
            return Err("The file has no header row.".to_string());
        }
        if record.iter().any(|f| !f.is_empty()) {
            break record.clone();
        }
    };

    let mut columns: [Option<usize>; FIELD_COUNT] = [None; FIELD_COUNT];
    let mut ignored_columns = Vec::new();
    for (index, name) in header.iter().enumerate() {
        match header_field(name) {
            Some(field) if columns[field as usize].is_none() => columns[field as usize] = Some(index),
            _ if name.is_empty() => {}
            _ => ignored_columns.push(name.to_string()),
        }
    }
    let missing: Vec<&str> = [(Field::Name, "name"), (Field::Email, "email")]
        .iter()
        .filter(|(field, _)| columns[*field as usize].is_none())
        .map(|(_, label)| *label)
        .collect();
    if !missing.is_empty() {
        return Err(format!("The file has no {} column.", missing.join(" or ")));
    }

    let mut preview = RosterPreview {
        ignored_columns,
        ..RosterPreview::default()
    };
    let mut seen_emails: HashMap<String, usize> = HashMap::new();
    let mut seen_npns: HashMap<String, usize> = HashMap::new();
    let mut data_rows = 0usize;
    loop {
        // A record's position is where the reader stood before it, i.e. before any blank lines
        // csv skipped; step over those to get the record's own first line and text.
        let before = reader.position().clone();
        if !reader.read_record(&mut record).map_err(csv_error)? {
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        data_rows += 1;
        if data_rows > ROSTER_MAX_ROWS {
            return Err("Import at most 5,000 agents at a time.".to_string());
        }
        let end = (reader.position().byte() as usize).min(text.len());
        let span = text.get(before.byte() as usize..end).unwrap_or_default();
        let record_text = span.trim_start_matches(['\r', '\n']);
        let skipped_lines = span[..span.len() - record_text.len()].matches('\n').count();
        let line = before.line() as usize + skipped_lines;
        let raw = record_text.trim_end_matches(['\r', '\n']);
        let cell = |field: Field| columns[field as usize].and_then(|i| record.get(i)).unwrap_or("");

        match parse_roster_row(line, cell, &mut seen_emails, &mut seen_npns) {
            Ok(row) => preview.rows.push(row),
            Err(messages) => preview.errors.push(RowError {
                line,
                messages,
                raw: raw.to_string(),
            }),
        }
    }
    Ok(preview)
}

/// Parses the cells of one data row, collecting every problem.
fn parse_roster_row<'r>(
    line: usize,
    cell: impl Fn(Field) -> &'r str,
    seen_emails: &mut HashMap<String, usize>,
    seen_npns: &mut HashMap<String, usize>,
) -> Result<RosterRow, Vec<String>> {
    let mut messages = Vec::new();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            messages.push(format!("{field}: {message}"));
        }
    };

    let mut name = String::new();
    check(
        "name",
        crate::text::person_name(cell(Field::Name), 120)
            .map(|n| name = n)
            .map_err(|e| e.message("name")),
    );

    let mut email = String::new();
    check(
        "email",
        parse_email(cell(Field::Email)).and_then(|parsed| {
            email = parsed;
            match seen_emails.get(&email) {
                Some(first) => Err(format!("Also on line {first}.")),
                None => {
                    seen_emails.insert(email.clone(), line);
                    Ok(())
                }
            }
        }),
    );

    let mut npn = None;
    let raw_npn = cell(Field::Npn);
    if !raw_npn.is_empty() {
        check(
            "npn",
            parse_npn(raw_npn).and_then(|parsed| match seen_npns.get(&parsed) {
                Some(first) => Err(format!("Also on line {first}.")),
                None => {
                    seen_npns.insert(parsed.clone(), line);
                    npn = Some(parsed);
                    Ok(())
                }
            }),
        );
    }

    let mut phone = None;
    let raw_phone = cell(Field::Phone);
    if !raw_phone.is_empty() {
        check("phone", parse_phone(raw_phone).map(|p| phone = Some(p)));
    }

    let mut states = Vec::new();
    check("states", parse_states(cell(Field::States)).map(|s| states = s));

    let mut languages = Vec::new();
    check(
        "languages",
        parse_languages(cell(Field::Languages)).map(|l| languages = l),
    );

    let role = match cell(Field::Role).to_lowercase().as_str() {
        "" | "agent" => "agent".to_string(),
        "trainee" => "trainee".to_string(),
        _ => {
            check("role", Err("Use \"agent\" or \"trainee\".".to_string()));
            String::new()
        }
    };

    if messages.is_empty() {
        Ok(RosterRow {
            line,
            name,
            email,
            npn,
            phone,
            states,
            languages,
            role,
        })
    } else {
        Err(messages)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    // --- NPN ---

    #[test]
    fn stored_numbers_display_as_people_read_them() {
        assert_eq!(display_phone("+13055550142"), "(305) 555-0142");
        assert_eq!(display_phone("+442079460958"), "+44 20 7946 0958");
        assert_eq!(display_phone("garbage"), "garbage");
        // The quick path for North American numbers says what the full parse says.
        for n in ["+13055550142", "+12125551234", "+14165550199", "+18095550100"] {
            let parsed = phonenumber::parse(None, n).unwrap();
            assert_eq!(
                display_phone(n),
                parsed.format().mode(phonenumber::Mode::National).to_string(),
                "{n}"
            );
        }
    }

    #[test]
    fn npn_with_spaces_and_dashes_is_normalised() {
        assert_eq!(parse_npn(" 1234-567 89 "), Ok("123456789".to_string()));
        assert_eq!(parse_npn("7"), Ok("7".to_string()));
        assert_eq!(parse_npn("0012345"), Ok("12345".to_string()));
        assert_eq!(parse_npn("1234567890"), Ok("1234567890".to_string()));
    }

    #[test]
    fn npn_bad_inputs_are_rejected() {
        assert_eq!(parse_npn("12345678901"), Err("An NPN is 1 to 10 digits.".to_string()));
        assert_eq!(parse_npn("+12345"), Err("An NPN is 1 to 10 digits.".to_string()));
        assert_eq!(parse_npn("12a45"), Err("An NPN is 1 to 10 digits.".to_string()));
        assert_eq!(parse_npn("١٢٣"), Err("An NPN is 1 to 10 digits.".to_string()));
        assert_eq!(parse_npn("000-000"), Err("An NPN cannot be all zeros.".to_string()));
        assert_eq!(parse_npn("  "), Err("Enter an NPN.".to_string()));
    }

    // --- Phone ---

    #[test]
    fn phone_us_formats_are_normalised_to_e164() {
        assert_eq!(parse_phone("(305) 555-0142"), Ok("+13055550142".to_string()));
        assert_eq!(parse_phone("+1 202-456-1111"), Ok("+12024561111".to_string()));
        assert_eq!(parse_phone("415.555.2671"), Ok("+14155552671".to_string()));
        assert_eq!(parse_phone("1-305-375-5000"), Ok("+13053755000".to_string()));
    }

    #[test]
    fn phone_international_numbers_keep_their_country() {
        assert_eq!(parse_phone("+44 20 7946 0958"), Ok("+442079460958".to_string()));
        // A national number starting with 1 must not lose it (phonenumber quirk with a US default).
        assert_eq!(parse_phone("+33 1 42 68 53 00"), Ok("+33142685300".to_string()));
    }

    #[test]
    fn phone_invalid_numbers_are_rejected() {
        let err = Err("Enter a valid phone number, like (305) 555-0142.".to_string());
        assert_eq!(parse_phone("555-1234"), err);
        assert_eq!(parse_phone("123"), err);
        assert_eq!(parse_phone("(111) 111-1111"), err);
        assert_eq!(parse_phone("call me"), err);
        assert_eq!(parse_phone(""), Err("Enter a phone number.".to_string()));
        assert_eq!(
            parse_phone("(305) 555-0142 ext. 7"),
            Err("Enter the phone number without an extension.".to_string())
        );
    }

    // --- E-mail ---

    #[test]
    fn email_is_lowercased_and_bad_ones_rejected() {
        assert_eq!(
            parse_email(" Ana.Diaz@Example.COM "),
            Ok("ana.diaz@example.com".to_string())
        );
        for bad in [
            "ana",
            "ana@example",
            "a@b@example.com",
            "ana diaz@example.com",
            "@example.com",
            "ana@.com",
        ] {
            assert_eq!(
                parse_email(bad),
                Err("Enter a valid e-mail address.".to_string()),
                "{bad}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(parse_email(&long).is_err());
    }

    // --- States ---

    #[test]
    fn state_codes_and_names_are_accepted() {
        assert_eq!(parse_state("fl"), Ok("FL"));
        assert_eq!(parse_state(" Florida "), Ok("FL"));
        assert_eq!(parse_state("new   york"), Ok("NY"));
        assert_eq!(parse_state("District of Columbia"), Ok("DC"));
        assert_eq!(parse_state("pr"), Ok("PR"));
        assert_eq!(parse_state("us virgin islands"), Ok("VI"));
        assert_eq!(state_name("mp"), Some("Northern Mariana Islands"));
        assert_eq!(state_name("XX"), None);
    }

    #[test]
    fn state_unknown_is_rejected() {
        assert!(parse_state("Floridaa").unwrap_err().contains("\"Floridaa\""));
        assert!(parse_state("").is_err());
        assert!(parse_state("ZZ").is_err());
    }

    #[test]
    fn states_table_is_sorted_by_name_and_complete() {
        assert_eq!(STATES.len(), 56);
        assert!(STATES.windows(2).all(|w| w[0].1 < w[1].1));
        for (code, name) in STATES {
            assert_eq!(parse_state(code), Ok(*code));
            assert_eq!(parse_state(name), Ok(*code));
        }
    }

    #[test]
    fn states_list_splits_on_separators_and_keeps_multiword_names() {
        assert_eq!(parse_states("FL; ny | tx,GA"), Ok(vec!["FL", "NY", "TX", "GA"]));
        assert_eq!(parse_states("New York New Jersey FL fl"), Ok(vec!["NY", "NJ", "FL"]));
        assert_eq!(parse_states(""), Ok(vec![]));
        assert_eq!(
            parse_states("FL XX Narnia"),
            Err("Unknown states \"XX\", \"Narnia\". Use codes like FL or names like Florida.".to_string())
        );
    }

    // --- Languages ---

    #[test]
    fn languages_codes_and_names_are_deduped_in_order() {
        assert_eq!(parse_languages("Spanish, en; ES  vi"), Ok(vec!["es", "en", "vi"]));
        assert_eq!(parse_languages("english, Haitian Creole"), Ok(vec!["en", "ht"]));
        assert_eq!(parse_languages("en haitian creole"), Ok(vec!["en", "ht"]));
        assert_eq!(parse_languages("   "), Ok(vec![]));
        assert_eq!(language_name("HT"), Some("Haitian Creole"));
        assert_eq!(language_name("xx"), None);
    }

    #[test]
    fn languages_unknown_word_is_named() {
        assert_eq!(
            parse_languages("English, Klingon"),
            Err("Unknown language \"Klingon\". Use names like Spanish or codes like es.".to_string())
        );
    }

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

    // --- Roster ---

    #[test]
    fn roster_mixed_rows_are_split_with_line_numbers_and_messages() {
        let csv = "name,email,npn,phone,states,languages,role,team\n\
                   Ana Diaz,Ana@Example.com,123456,(305) 555-0142,FL;NY,es en,\n\
                   ,not-an-email,12x,555-1234,ZZ,Klingon,boss,\n\
                   \n\
                   Bo Li,bo@example.com,,,,,Trainee,blue\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.ignored_columns, vec!["team"]);
        assert_eq!(preview.rows.len(), 2);
        let ana = &preview.rows[0];
        assert_eq!(ana.line, 2);
        assert_eq!(ana.email, "ana@example.com");
        assert_eq!(ana.npn.as_deref(), Some("123456"));
        assert_eq!(ana.phone.as_deref(), Some("+13055550142"));
        assert_eq!(ana.states, vec!["FL", "NY"]);
        assert_eq!(ana.languages, vec!["es", "en"]);
        assert_eq!(ana.role, "agent");
        let bo = &preview.rows[1];
        assert_eq!(
            (bo.line, bo.role.as_str(), bo.npn.clone(), bo.phone.clone()),
            (5, "trainee", None, None)
        );
        assert_eq!(preview.errors.len(), 1);
        let bad = &preview.errors[0];
        assert_eq!(bad.line, 3);
        assert_eq!(bad.raw, ",not-an-email,12x,555-1234,ZZ,Klingon,boss,");
        assert_eq!(
            bad.messages,
            vec![
                "name: Enter a name.",
                "email: Enter a valid e-mail address.",
                "npn: An NPN is 1 to 10 digits.",
                "phone: Enter a valid phone number, like (305) 555-0142.",
                "states: Unknown state \"ZZ\". Use codes like FL or names like Florida.",
                "languages: Unknown language \"Klingon\". Use names like Spanish or codes like es.",
                "role: Use \"agent\" or \"trainee\".",
            ]
        );
    }

    #[test]
    fn roster_missing_required_column_is_file_error() {
        assert_eq!(
            parse_roster(b"name,npn\nAna,1\n"),
            Err("The file has no email column.".to_string())
        );
        assert_eq!(
            parse_roster(b"npn\n1\n"),
            Err("The file has no name or email column.".to_string())
        );
        assert_eq!(parse_roster(b""), Err("The file has no header row.".to_string()));
        assert_eq!(parse_roster(b"\n\n"), Err("The file has no header row.".to_string()));
    }

    #[test]
    fn roster_with_bom_reads_first_header() {
        let preview = parse_roster(b"\xEF\xBB\xBFname,email\nAna,ana@example.com\n").unwrap();
        assert_eq!(preview.rows.len(), 1);
        assert!(preview.ignored_columns.is_empty());
    }

    #[test]
    fn roster_header_aliases_are_matched_loosely() {
        let csv = "Agent_Name,E-Mail Address,National Producer Number,Mobile,LICENSED-STATES,Language,Role\r\n\
                   Ana Diaz,ana@example.com,99,+44 20 7946 0958,florida|Texas,Haitian Creole,agent\r\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert!(preview.errors.is_empty(), "{:?}", preview.errors);
        assert!(preview.ignored_columns.is_empty());
        let row = &preview.rows[0];
        assert_eq!(row.npn.as_deref(), Some("99"));
        assert_eq!(row.phone.as_deref(), Some("+442079460958"));
        assert_eq!(row.states, vec!["FL", "TX"]);
        assert_eq!(row.languages, vec!["ht"]);
    }

    #[test]
    fn roster_second_column_for_same_field_is_ignored() {
        let preview = parse_roster(b"name,email,full name\nAna,ana@example.com,Other\n").unwrap();
        assert_eq!(preview.ignored_columns, vec!["full name"]);
        assert_eq!(preview.rows[0].name, "Ana");
    }

    #[test]
    fn roster_semicolon_states_are_split() {
        let preview = parse_roster(b"name,email,states\nAna,ana@example.com,\"fl; New York ;TX\"\n").unwrap();
        assert_eq!(preview.rows[0].states, vec!["FL", "NY", "TX"]);
    }

    #[test]
    fn roster_quoted_newline_shifts_line_numbers() {
        let csv = "name,email\n\"Ana\nDiaz\",ana@example.com\nBo,bad\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows[0].line, 2);
        assert_eq!(preview.errors[0].line, 4);
        assert_eq!(preview.errors[0].raw, "Bo,bad");
    }

    #[test]
    fn roster_duplicates_in_file_flag_later_row() {
        let csv = "name,email,npn\nAna,ana@example.com,123\nBo,bo@example.com,456\nAna2,ANA@example.com,0123\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows.len(), 2);
        assert_eq!(preview.errors[0].line, 4);
        assert_eq!(
            preview.errors[0].messages,
            vec!["email: Also on line 2.", "npn: Also on line 2."]
        );
    }

    #[test]
    fn roster_short_rows_and_blank_rows_are_handled() {
        let csv = "name,email,phone\r\nAna\r\n\r\n,,\r\n  \r\n\n\nBo,bo@example.com,(415) 555-2671,extra\r\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.errors.len(), 1);
        assert_eq!(preview.errors[0].line, 2);
        assert_eq!(preview.errors[0].messages, vec!["email: Enter an e-mail address."]);
        assert_eq!(preview.rows.len(), 1);
        assert_eq!(preview.rows[0].line, 8);
    }

    #[test]
    fn roster_over_row_cap_is_file_error() {
        let mut csv = String::from("name,email\n");
        for i in 0..ROSTER_MAX_ROWS {
            csv.push_str(&format!("Agent {i},agent{i}@example.com\n"));
        }
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows.len(), ROSTER_MAX_ROWS);
        csv.push_str("One More,more@example.com\n");
        assert_eq!(
            parse_roster(csv.as_bytes()),
            Err("Import at most 5,000 agents at a time.".to_string())
        );
    }

    #[test]
    fn roster_non_utf8_is_file_error() {
        let err = parse_roster(b"name,email\nJos\xE9,jose@example.com\n").unwrap_err();
        assert!(err.starts_with("The file is not UTF-8 text."), "{err}");
    }
}
