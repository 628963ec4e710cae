//! Where a state-changing request may carry its CSRF token, and whether it came from this site.
//! Pure functions over what the request says; the access middleware applies them.

/// What the start of a multipart body says about its CSRF token. Our forms put the token first
/// (the hidden field is the form's first element, and browsers send fields in order), so only the
/// first part is read, however large the upload behind it.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstPart {
    /// More bytes are needed to see the whole first part.
    Incomplete,
    /// The first part is the token.
    Token(String),
    /// The first part is something else, or the body is not multipart as declared.
    NoToken,
}

/// The most of a multipart body read while looking for the token.
pub const PEEK_LIMIT: usize = 16 * 1024;

pub fn multipart_token(buf: &[u8], boundary: &str) -> FirstPart {
    let delimiter = format!("--{boundary}");
    let Some(start) = find(buf, delimiter.as_bytes()) else {
        return if buf.len() >= PEEK_LIMIT {
            FirstPart::NoToken
        } else {
            FirstPart::Incomplete
        };
    };
    let after = &buf[start + delimiter.len()..];
    let Some(headers_end) = find(after, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let headers = String::from_utf8_lossy(&after[..headers_end]).to_ascii_lowercase();
    let is_token = headers
        .lines()
        .any(|l| l.starts_with("content-disposition:") && l.contains("name=\"csrf_token\""));
    if !is_token {
        return FirstPart::NoToken;
    }
    let value = &after[headers_end + 4..];
    let end = format!("\r\n{delimiter}");
    match find(value, end.as_bytes()) {
        Some(n) => match std::str::from_utf8(&value[..n]) {
            Ok(v) => FirstPart::Token(v.trim().to_string()),
            Err(_) => FirstPart::NoToken,
        },
        None => FirstPart::Incomplete,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Did a browser send this from this site? `origin` is the Origin header, `fetch_site` the
/// Sec-Fetch-Site header, `host` the Host header, `base_url` the configured public address.
/// Requests without either header (older browsers, scripts) pass: the token still guards them.
pub fn from_this_site(origin: Option<&str>, fetch_site: Option<&str>, host: Option<&str>, base_url: &str) -> bool {
    if let Some(origin) = origin {
        let Ok(url) = url::Url::parse(origin) else {
            // "null" (a sandboxed frame, a file://, some redirects) and anything unreadable.
            return false;
        };
        let theirs = url.origin().ascii_serialization();
        let ours = url::Url::parse(base_url).map(|u| u.origin().ascii_serialization());
        if ours.as_deref() == Ok(theirs.as_str()) {
            return true;
        }
        let Some(host) = host else { return false };
        return [format!("http://{host}"), format!("https://{host}")]
            .iter()
            .filter_map(|o| url::Url::parse(o).ok())
            .any(|u| u.origin().ascii_serialization() == theirs);
    }
    !matches!(fetch_site, Some("cross-site") | Some("same-site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "----b0undary";

    fn body(first_name: &str, first_value: &str) -> Vec<u8> {
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"{first_name}\"\r\n\r\n{first_value}\r\n--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx,y\r\n--{B}--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn the_token_is_read_from_the_first_part() {
        assert_eq!(
            multipart_token(&body("csrf_token", "abc123"), B),
            FirstPart::Token("abc123".into())
        );
        assert_eq!(multipart_token(&body("file", "abc123"), B), FirstPart::NoToken);
    }

    #[test]
    fn a_partial_first_part_asks_for_more() {
        let full = body("csrf_token", "abc123");
        for cut in [0, 5, 20, 60, 70] {
            assert_eq!(multipart_token(&full[..cut], B), FirstPart::Incomplete, "cut at {cut}");
        }
        assert_eq!(multipart_token(&vec![b'x'; PEEK_LIMIT], B), FirstPart::NoToken);
    }

    #[test]
    fn requests_from_other_sites_are_told_apart() {
        let base = "https://agency.example.com";
        assert!(from_this_site(
            Some("https://agency.example.com"),
            None,
            Some("agency.example.com"),
            base
        ));
        assert!(from_this_site(
            Some("http://127.0.0.1:8080"),
            None,
            Some("127.0.0.1:8080"),
            base
        ));
        assert!(!from_this_site(
            Some("https://evil.example"),
            None,
            Some("agency.example.com"),
            base
        ));
        assert!(!from_this_site(Some("null"), None, Some("agency.example.com"), base));
        assert!(!from_this_site(
            Some("http://127.0.0.1:9999"),
            None,
            Some("127.0.0.1:8080"),
            base
        ));
        assert!(from_this_site(None, Some("same-origin"), None, base));
        assert!(from_this_site(None, None, None, base));
        assert!(!from_this_site(None, Some("cross-site"), None, base));
    }
}
