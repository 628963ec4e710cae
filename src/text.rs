//! Text that people type, cleaned in one place: every name, title, note and message that comes in
//! passes through here before it is checked further or stored.
//!
//! * Composed to Unicode NFC, so "José" typed as `e` + U+0301 and "José" typed as `é` are the same
//!   name (and the same duplicate).
//! * Refused when it holds a character that nobody can see or that changes how text around it is
//!   shown: controls (NUL, escape, …), format characters (zero-width spaces and joiners, bidi
//!   overrides such as U+202E, the byte-order mark), private-use and unassigned code points. A NUL
//!   would even fail the write on PostgreSQL.
//! * A single line has its runs of whitespace (tabs and line breaks included) collapsed to one
//!   space; a multi-line text keeps its line breaks and tabs.
//!
//! The functions are pure; each error is a [`TextError`] whose [`TextError::message`] is the
//! sentence shown beside the field.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but whitespace where something is required.
    Empty,
    /// A control, format, private-use or unassigned character.
    Hidden,
    /// More characters than the field allows (the limit).
    TooLong(usize),
    /// A name without a single letter.
    NoLetter,
}

impl TextError {
    /// The sentence for the person who typed it; `what` names the field ("name", "title").
    pub fn message(self, what: &str) -> String {
        match self {
            TextError::Empty => format!("Enter {}.", with_article(what)),
            TextError::Hidden => format!("Remove the invisible or control characters from this {what}."),
            TextError::TooLong(max) => format!("Use at most {} characters.", thousands(max)),
            TextError::NoLetter => format!("{} must contain at least one letter.", capitalised(&with_article(what))),
        }
    }

    /// As [`TextError::message`], with the field's own sentence for a value over its limit.
    pub fn message_or_long(self, what: &str, too_long: &str) -> String {
        match self {
            TextError::TooLong(_) => too_long.to_string(),
            e => e.message(what),
        }
    }
}

fn with_article(what: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Whether `c` is a character nobody can see or that reorders what is around it: a control
/// (Cc), format (Cf), private-use (Co) or unassigned (Cn) code point. Line breaks and tabs are
/// controls too; [`clean_text`] lets them through.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format | GeneralCategory::PrivateUse | GeneralCategory::Unassigned
    )
}

/// One line of text (a name, title, tag): NFC, whitespace runs collapsed to one space, trimmed,
/// at most `max_chars` characters. Blank input gives an empty string; see [`non_empty`].
pub fn clean_line(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let composed: String = raw.nfc().collect();
    let line = composed.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().any(is_hidden) {
        return Err(TextError::Hidden);
    }
    within(line, max_chars)
}

/// A text of several lines (a note, message, bio): NFC, line breaks as `\n`, tabs kept, trimmed
/// at both ends, at most `max_chars` characters.
pub fn clean_text(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let composed: String = raw.replace("\r\n", "\n").replace('\r', "\n").nfc().collect();
    let text = composed.trim();
    if text.chars().any(|c| c != '\n' && c != '\t' && is_hidden(c)) {
        return Err(TextError::Hidden);
    }
    within(text.to_string(), max_chars)
}

/// A person's name: a [`clean_line`] that is not blank and holds at least one letter.
pub fn person_name(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let name = clean_line(raw, max_chars).and_then(non_empty)?;
    if name.chars().any(char::is_alphabetic) {
        Ok(name)
    } else {
        Err(TextError::NoLetter)
    }
}

/// A required line where one sentence, `advice`, covers both blank and too long (a hidden
/// character still gets its own message, naming the field as `what`).
pub fn required_line(raw: &str, max_chars: usize, what: &str, advice: &str) -> Result<String, String> {
    clean_line(raw, max_chars).and_then(non_empty).map_err(|e| match e {
        TextError::Hidden => e.message(what),
        _ => advice.to_string(),
    })
}

/// Refuses a blank result of [`clean_line`] or [`clean_text`] where the field is required.
pub fn non_empty(text: String) -> Result<String, TextError> {
    if text.is_empty() {
        Err(TextError::Empty)
    } else {
        Ok(text)
    }
}

fn within(text: String, max_chars: usize) -> Result<String, TextError> {
    if text.chars().count() > max_chars {
        Err(TextError::TooLong(max_chars))
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_or_refused() {
        use TextError::*;
        let cases: &[(&str, Result<&str, TextError>)] = &[
            ("José", Ok("José")),
            ("Jose\u{301}", Ok("José")),
            ("O'Brien", Ok("O'Brien")),
            ("Nguyễn", Ok("Nguyễn")),
            ("Nguye\u{302}\u{303}n", Ok("Nguyễn")),
            ("Mary-Kate", Ok("Mary-Kate")),
            ("  Mary \t Kate\n ", Ok("Mary Kate")),
            ("王秀英", Ok("王秀英")),
            ("김민준", Ok("김민준")),
            ("さくら", Ok("さくら")),
            ("Zoë\u{a0}Smith", Ok("Zoë Smith")),
            ("\u{0}", Err(Hidden)),
            ("A\u{0}B", Err(Hidden)),
            ("\u{200b}", Err(Hidden)),
            ("Ana\u{200b}", Err(Hidden)),
            ("\u{202e}evil", Err(Hidden)),
            ("\u{feff}", Err(Hidden)),
            ("\u{feff}Ana", Err(Hidden)),
            ("A\u{1b}[31mna", Err(Hidden)),
            ("Ana\u{e000}", Err(Hidden)),
            ("Ana\u{10ffff}", Err(Hidden)),
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("123", Err(NoLetter)),
            ("-'.", Err(NoLetter)),
            ("\u{301}", Err(NoLetter)),
        ];
        for (raw, want) in cases {
            assert_eq!(person_name(raw, 100).as_deref(), want.as_ref().map(|s| *s), "{raw:?}");
        }
    }

    #[test]
    fn the_limit_counts_characters_after_cleaning() {
        assert_eq!(person_name(&"é".repeat(100), 100).unwrap().chars().count(), 100);
        assert_eq!(person_name(&"e\u{301}".repeat(100), 100).unwrap().chars().count(), 100);
        assert_eq!(person_name(&"é".repeat(101), 100), Err(TextError::TooLong(100)));
        assert_eq!(clean_line("a    b", 3).as_deref(), Ok("a b"));
    }

    #[test]
    fn a_line_may_be_blank_and_has_no_letter_rule() {
        assert_eq!(clean_line("  ", 10).as_deref(), Ok(""));
        assert_eq!(clean_line(" 2025 ", 10).as_deref(), Ok("2025"));
        assert_eq!(clean_line("web\u{0}form", 10), Err(TextError::Hidden));
        assert_eq!(clean_line("", 10).and_then(non_empty), Err(TextError::Empty));
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs() {
        assert_eq!(
            clean_text("\r\n line one\r\n\tline two\rthree  \n", 100).as_deref(),
            Ok("line one\n\tline two\nthree")
        );
        assert_eq!(
            clean_text("Call after 5 \u{1f4de}", 100).as_deref(),
            Ok("Call after 5 \u{1f4de}")
        );
        assert_eq!(clean_text("a\u{0}b", 100), Err(TextError::Hidden));
        assert_eq!(clean_text("a\u{202e}b", 100), Err(TextError::Hidden));
        assert_eq!(clean_text("a\u{7}b", 100), Err(TextError::Hidden));
        assert_eq!(clean_text(&"x".repeat(11), 10), Err(TextError::TooLong(10)));
    }

    #[test]
    fn a_required_line_gives_one_advice_but_names_hidden_characters() {
        let advice = "Say why in up to 5 characters.";
        assert_eq!(required_line(" ok ", 5, "reason", advice).as_deref(), Ok("ok"));
        assert_eq!(required_line(" ", 5, "reason", advice).unwrap_err(), advice);
        assert_eq!(required_line("toolong", 5, "reason", advice).unwrap_err(), advice);
        assert_eq!(
            required_line("o\u{200b}k", 5, "reason", advice).unwrap_err(),
            "Remove the invisible or control characters from this reason."
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            TextError::Hidden.message("name"),
            "Remove the invisible or control characters from this name."
        );
        assert_eq!(TextError::Empty.message("name"), "Enter a name.");
        assert_eq!(TextError::Empty.message("author"), "Enter an author.");
        assert_eq!(
            TextError::TooLong(5000).message("note"),
            "Use at most 5,000 characters."
        );
        assert_eq!(TextError::TooLong(120).message("name"), "Use at most 120 characters.");
        assert_eq!(
            TextError::NoLetter.message("name"),
            "A name must contain at least one letter."
        );
    }
}
