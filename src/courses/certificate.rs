//! Certificates, pure: the verification code, the validity dates, and the PDF (built-in Helvetica,
//! so nothing is embedded).

use chrono::{Months, NaiveDate};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use rand::Rng;

/// Letters and digits that cannot be mistaken for each other when read aloud or typed.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new code like `K7QM-3XWD-9HTA` (about 58 bits: unguessable, short enough to type).
pub fn new_code(rng: &mut impl Rng) -> String {
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed (any case, spaces, missing dashes) in its stored form, or None if it cannot be
/// one of ours.
pub fn normalise_code(raw: &str) -> Option<String> {
    let plain: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if plain.len() != 12 || !plain.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{}-{}-{}", &plain[0..4], &plain[4..8], &plain[8..12]))
}

/// The last day a certificate (and the certification it grants) is valid.
pub fn expires_on(issued: NaiveDate, validity_months: Option<i32>) -> Option<NaiveDate> {
    let months = validity_months.filter(|m| *m > 0)?;
    issued
        .checked_add_months(Months::new(months as u32))
        .and_then(|d| d.pred_opt())
}

/// When a learner is re-enrolled: `days` before the expiry (or at once if that is past).
pub fn recert_due(expires_on: NaiveDate, today: NaiveDate, days: i64) -> bool {
    today >= expires_on - chrono::Duration::days(days)
}

/// What the PDF says.
pub struct CertificateText<'a> {
    pub agency: &'a str,
    pub holder: &'a str,
    pub course: &'a str,
    pub issued_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub code: &'a str,
    pub verify_url: &'a str,
}

use crate::pdf::win_ansi;

/// Helvetica's average advance is close to half the font size: enough to centre a line.
fn centred(content: &mut Content, font: Name, size: f32, y: f32, text: &str) {
    let bytes = win_ansi(text);
    let width = bytes.len() as f32 * size * 0.5;
    let x = ((842.0 - width) / 2.0).max(36.0);
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(&bytes));
    content.end_text();
}

/// A one-page A4 landscape certificate.
pub fn pdf(t: &CertificateText) -> Vec<u8> {
    let (catalog, tree, page, regular, bold, contents) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    let (f1, f2) = (Name(b"F1"), Name(b"F2"));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 842.0, 595.0));
    p.parent(tree);
    p.contents(contents);
    {
        let mut res = p.resources();
        let mut fonts = res.fonts();
        fonts.pair(f1, regular);
        fonts.pair(f2, bold);
    }
    p.finish();
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    let mut c = Content::new();
    c.set_stroke_rgb(0.12, 0.37, 0.75);
    c.set_line_width(3.0);
    c.rect(24.0, 24.0, 794.0, 547.0);
    c.stroke();
    centred(&mut c, f1, 16.0, 500.0, t.agency);
    centred(&mut c, f2, 34.0, 440.0, "Certificate of Completion");
    centred(&mut c, f1, 14.0, 395.0, "This certifies that");
    centred(&mut c, f2, 28.0, 350.0, t.holder);
    centred(&mut c, f1, 14.0, 310.0, "has completed the course");
    centred(&mut c, f2, 22.0, 270.0, t.course);
    let dates = match t.expires_on {
        Some(e) => format!(
            "Issued {} - valid through {}",
            crate::dates::long_date(t.issued_on),
            crate::dates::long_date(e)
        ),
        None => format!("Issued {}", crate::dates::long_date(t.issued_on)),
    };
    centred(&mut c, f1, 14.0, 215.0, &dates);
    centred(&mut c, f1, 12.0, 120.0, &format!("Verification code {}", t.code));
    centred(&mut c, f1, 10.0, 100.0, &format!("Verify at {}", t.verify_url));
    pdf.stream(contents, &c.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn codes_are_unique_enough_and_read_back() {
        let mut rng = StdRng::seed_from_u64(5);
        let codes: std::collections::BTreeSet<String> = (0..1000).map(|_| new_code(&mut rng)).collect();
        assert_eq!(codes.len(), 1000);
        let c = codes.iter().next().unwrap().clone();
        assert_eq!(c.len(), 14);
        assert_eq!(normalise_code(&c.to_lowercase().replace('-', " ")), Some(c.clone()));
        assert_eq!(
            normalise_code("0000-1111-OOOO"),
            None,
            "ambiguous characters are never used"
        );
        assert_eq!(normalise_code("../../etc"), None);
    }

    #[test]
    fn validity_counts_whole_months() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(expires_on(d, Some(12)), NaiveDate::from_ymd_opt(2027, 1, 30));
        assert_eq!(expires_on(d, None), None);
        assert_eq!(expires_on(d, Some(0)), None);
    }

    #[test]
    fn recertification_starts_n_days_before_expiry() {
        let e = NaiveDate::from_ymd_opt(2027, 1, 30).unwrap();
        assert!(!recert_due(e, e - chrono::Duration::days(61), 60));
        assert!(recert_due(e, e - chrono::Duration::days(60), 60));
        assert!(recert_due(e, e + chrono::Duration::days(3), 60));
    }

    #[test]
    fn the_pdf_is_a_pdf_with_the_text() {
        let bytes = pdf(&CertificateText {
            agency: "Sunbelt Insurance Group",
            holder: "José Álvarez",
            course: "Medicare basics",
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            expires_on: None,
            code: "K7QM-3XWD-9HTA",
            verify_url: "http://x/certificates/K7QM-3XWD-9HTA",
        });
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Medicare basics") && text.contains("K7QM-3XWD-9HTA"));
        assert_eq!(win_ansi("José"), b"Jos\xe9".to_vec());
    }
}
