//! US states, DC and the territories: the table of codes and names, and the parsers for one state
//! or a list of them (codes or names, case-insensitive).

use super::lists::{normalize_words, parse_list, quote_all};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
