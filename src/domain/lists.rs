//! What the list parsers of states and languages share: word normalisation and the greedy
//! multi-word matcher.

/// Lowercases, drops dots and collapses runs of whitespace to one space.
pub(super) fn normalize_words(raw: &str) -> String {
    raw.split_whitespace()
        .map(|w| w.replace('.', "").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits `raw` on `separators`, then tries each piece whole; a piece that is not recognised is
/// split on whitespace and matched greedily, longest run of words (up to `max_words`) first.
/// Returns the deduplicated values, or every unrecognised word.
pub(super) fn parse_list(
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

pub(super) fn quote_all(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
}
