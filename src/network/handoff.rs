//! The rules of a hand-off (items 5 and 6), pure: whether a person's recorded consent names the
//! receiver, and the agreed split as typed (a percent of the commission or a flat fee, the flat
//! fee for a Medicare product at most the CMS referral-fee limit).

use crate::domain::money::parse_cents;

/// Lower-case, with runs of spaces and punctuation made one space, for comparing names.
fn norm(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when one of the consent's sellers is one of the receiver's names (the broker, or their
/// brokerage or agency), ignoring case, spacing and punctuation. An empty name matches nothing.
pub fn consent_names(sellers: &[String], receiver_names: &[&str]) -> bool {
    let wanted: Vec<String> = receiver_names
        .iter()
        .map(|n| norm(n))
        .filter(|n| !n.is_empty())
        .collect();
    sellers.iter().map(|s| norm(s)).any(|s| wanted.contains(&s))
}

/// The split as agreed: a share in basis points, or a fee in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Percent(i32),
    Flat(i64),
}

/// Reads the split form: `kind` is `percent` (with `percent` from 0.01 to 100, up to two
/// decimals) or `flat` (with `fee` in dollars). `cap` is the CMS referral-fee limit when the
/// product is a Medicare one: a flat fee above it is refused, naming the limit.
pub fn parse_split(
    kind: &str,
    percent: &str,
    fee: &str,
    cap: Option<i64>,
    medicare: bool,
) -> Result<Split, (&'static str, String)> {
    match kind.trim() {
        "percent" => {
            let bps = parse_percent_bps(percent).ok_or((
                "split_percent",
                "Give the referrer's share as a percent from 0.01 to 100 (for example 25 or 12.5).".to_string(),
            ))?;
            Ok(Split::Percent(bps))
        }
        "flat" => {
            let cents = parse_cents(fee).ok().filter(|c| *c > 0).ok_or((
                "fee",
                "Give the referral fee in dollars, more than 0 (for example 75 or 75.00).".to_string(),
            ))?;
            if medicare {
                match cap {
                    None => {
                        return Err((
                            "fee",
                            "No CMS referral-fee limit is recorded for this plan year, so a flat fee for a Medicare product cannot be checked: an owner adds the limit under Commissions → CMS limits, or agree a share instead.".to_string(),
                        ))
                    }
                    Some(cap) if cents > cap => {
                        return Err((
                            "fee",
                            format!(
                                "A referral fee for a Medicare product may be at most {} (the CMS referral-fee limit for this plan year); {} is more.",
                                crate::domain::money::format_cents(cap),
                                crate::domain::money::format_cents(cents)
                            ),
                        ))
                    }
                    Some(_) => {}
                }
            }
            Ok(Split::Flat(cents))
        }
        _ => Err((
            "split_kind",
            "Choose a share of the commission or a flat referral fee.".to_string(),
        )),
    }
}

/// "12.5" → 1250 basis points; from 0.01 to 100 with at most two decimals.
pub fn parse_percent_bps(raw: &str) -> Option<i32> {
    let t = raw.trim().trim_end_matches('%').trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    let bps = w.checked_mul(100)?.checked_add(f)?;
    (1..=10_000).contains(&bps).then_some(bps as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_must_name_the_receiver_or_their_brokerage() {
        let sellers = vec![
            "Sunbelt Insurance Agency".to_string(),
            "Gulf Coast Brokers, LLC".to_string(),
        ];
        assert!(consent_names(&sellers, &["Angela Russo", "gulf coast brokers llc"]));
        assert!(consent_names(&sellers, &["  SUNBELT insurance   agency "]));
        assert!(!consent_names(&sellers, &["Angela Russo", "Russo Benefits"]));
        assert!(!consent_names(&sellers, &["", "  "]), "an empty brokerage names nobody");
        assert!(!consent_names(&[], &["Angela Russo"]));
    }

    #[test]
    fn percents_are_read_to_the_basis_point() {
        assert_eq!(parse_percent_bps("25"), Some(2_500));
        assert_eq!(parse_percent_bps("12.5 %"), Some(1_250));
        assert_eq!(parse_percent_bps("0.01"), Some(1));
        assert_eq!(parse_percent_bps("100"), Some(10_000));
        for bad in ["0", "100.01", "12.345", "-5", "abc", "", "."] {
            assert_eq!(parse_percent_bps(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_medicare_flat_fee_is_at_most_the_cms_limit() {
        assert_eq!(
            parse_split("flat", "", "100", Some(10_000), true),
            Ok(Split::Flat(10_000))
        );
        let (field, msg) = parse_split("flat", "", "100.01", Some(10_000), true).unwrap_err();
        assert_eq!(field, "fee");
        assert!(msg.contains("$100.00") && msg.contains("CMS"), "{msg}");
        assert!(
            parse_split("flat", "", "50", None, true).is_err(),
            "no limit recorded: refused"
        );
        assert_eq!(
            parse_split("flat", "", "500", None, false),
            Ok(Split::Flat(50_000)),
            "not Medicare: no limit"
        );
        assert_eq!(
            parse_split("percent", "20", "", Some(10_000), true),
            Ok(Split::Percent(2_000))
        );
        assert!(parse_split("other", "", "", None, false).is_err());
    }
}
