//! Phone numbers and e-mail addresses: parsers that turn typed input into canonical values (E.164,
//! lowercase), and the way a stored number is shown. Every `Err` is a sentence for the form field.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
