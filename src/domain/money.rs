//! Money: integer cents, parsed from what people type ("1,234.50", "$89", "89.5") and written
//! back for them ("$1,234.50"). No floating point anywhere.

/// Parses an amount of dollars into cents: digits with an optional `$`, thousands commas and at
/// most two decimals. Negative amounts are refused (a refund is its own record).
pub fn parse_cents(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_start_matches('$').trim().replace(',', "");
    if s.is_empty() {
        return Err("Give an amount.".into());
    }
    if s.starts_with('-') {
        return Err("The amount cannot be negative.".into());
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(format!("{:?} is not an amount (for example 1,234.50).", raw.trim()));
    }
    if frac.len() > 2 {
        return Err("Give at most two decimals (cents).".into());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "The amount is too large.".to_string())?
    };
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|c| *c <= 100_000_000_000)
        .ok_or_else(|| "The amount is too large.".to_string())
}

/// Parses an amount that may be negative, as statements and ledgers write one: `-12.50`,
/// `$-12.50`, `-$12.50` or in accounting brackets `(12.50)`; otherwise as [`parse_cents`].
pub fn parse_signed_cents(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let (negative, rest) = if let Some(inner) = s.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        (true, inner.trim())
    } else if let Some(rest) = s.strip_prefix('-') {
        (true, rest.trim())
    } else if let Some(rest) = s.strip_prefix("$-") {
        (true, rest.trim())
    } else {
        (false, s)
    };
    if negative && (rest.starts_with('-') || rest.starts_with('(')) {
        return Err(format!("{s:?} is not an amount (for example -1,234.50)."));
    }
    let cents = parse_cents(rest).map_err(|e| {
        if e.contains("negative") {
            format!("{s:?} is not an amount.")
        } else {
            e
        }
    })?;
    Ok(if negative { -cents } else { cents })
}

/// Cents as people read dollars: `$1,234.50`, `-$3.00`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", abs % 100)
}

/// Cents as a plain decimal for files and forms: `1234.50`.
pub fn decimal_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_amounts_as_statements_write_them() {
        assert_eq!(parse_signed_cents("-12.50"), Ok(-1_250));
        assert_eq!(parse_signed_cents("(1,234.50)"), Ok(-123_450));
        assert_eq!(parse_signed_cents("-$3"), Ok(-300));
        assert_eq!(parse_signed_cents("$-3"), Ok(-300));
        assert_eq!(parse_signed_cents("$45.10"), Ok(4_510));
        assert!(parse_signed_cents("--3").is_err());
        assert!(parse_signed_cents("12,5x").is_err());
        assert!(parse_signed_cents("").is_err());
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_cents("1,234.50"), Ok(123_450));
        assert_eq!(parse_cents(" $89 "), Ok(8_900));
        assert_eq!(parse_cents("89.5"), Ok(8_950));
        assert_eq!(parse_cents(".99"), Ok(99));
        assert_eq!(parse_cents("0"), Ok(0));
        assert!(parse_cents("").is_err());
        assert!(parse_cents("-5").unwrap_err().contains("negative"));
        assert!(parse_cents("1.234").unwrap_err().contains("two decimals"));
        assert!(parse_cents("12a").is_err());
        assert!(parse_cents(".").is_err());
        assert!(parse_cents("99999999999999999999").unwrap_err().contains("too large"));
    }

    #[test]
    fn writes_dollars_back() {
        assert_eq!(format_cents(123_450), "$1,234.50");
        assert_eq!(format_cents(5), "$0.05");
        assert_eq!(format_cents(-300), "-$3.00");
        assert_eq!(format_cents(100_000_000), "$1,000,000.00");
        assert_eq!(decimal_cents(123_450), "1234.50");
        for c in [0, 1, 99, 100, 123_456_789] {
            assert_eq!(parse_cents(&format_cents(c)), Ok(c));
        }
    }
}
