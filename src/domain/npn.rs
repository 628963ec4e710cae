//! The National Producer Number: the one parser that turns typed input into its canonical form.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
