//! Languages an agent can speak with a client: the table of codes and English names, and the parser
//! for a typed list of them.

use super::lists::{normalize_words, parse_list, quote_all};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
