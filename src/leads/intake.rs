//! The lead intake contract: [`LeadRequest`] is the public JSON of the intake API (also built
//! by the quote form, CSV imports and the details form); [`validate_lead`] turns it into a
//! [`ValidLead`] or a map of every problem found, keyed by JSON field name.
//!
//! The module is pure: no I/O and no clock reads. Callers pass `today` and `now`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain;
use crate::domain::ProductLine;
use crate::text::{self, TextError};

/// A lead as posted to the intake API (the public JSON contract). Every field is optional at
/// this level; [`validate_lead`] decides what is required. Unknown JSON fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadRequest {
    /// Required.
    pub first_name: Option<String>,
    /// Required.
    pub last_name: Option<String>,
    /// E-mail address; this or `phone` is required.
    pub email: Option<String>,
    /// Phone number in any common form; this or `email` is required.
    pub phone: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `12345` or `12345-6789`.
    pub zip: Option<String>,
    /// Two-letter code or full name.
    pub state: Option<String>,
    /// A [`ProductLine`] key (`"medicare_advantage"`) or label (`"Medicare Advantage"`).
    pub product_line: Option<String>,
    /// Free text from the consumer.
    pub message: Option<String>,
    /// Where the lead came from (vendor, campaign, form).
    pub source: Option<String>,
    /// The sender's own id for the lead.
    pub external_id: Option<String>,
    /// Record of the consumer's consent to be contacted.
    pub consent: Option<ConsentRequest>,
    /// Free labels.
    pub tags: Option<Vec<String>>,
}

/// The consent record inside a [`LeadRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentRequest {
    /// The exact consent language shown to the consumer. Required when `consent` is present.
    pub text: Option<String>,
    /// When consent was given, RFC 3339. Defaults to the time of the request.
    pub given_at: Option<String>,
    /// The consumer's IP address.
    pub ip: Option<String>,
    /// The consumer's browser user agent.
    pub user_agent: Option<String>,
    /// The page on which consent was given (`http://` or `https://`).
    pub page_url: Option<String>,
    /// The sellers named in the consent language.
    pub sellers: Option<Vec<String>>,
}

/// A lead that passed [`validate_lead`], with every value in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLead {
    /// A person's name, see [`text::person_name`]: 1 to 100 characters.
    pub first_name: String,
    /// As `first_name`.
    pub last_name: String,
    /// Lowercased, see [`domain::parse_email`].
    pub email: Option<String>,
    /// E.164, see [`domain::parse_phone`].
    pub phone: Option<String>,
    /// Not in the future, not before 1900.
    pub birth_date: Option<NaiveDate>,
    /// Five digits (a ZIP+4 is cut to its first five).
    pub zip: Option<String>,
    /// Two-letter code, see [`domain::parse_state`].
    pub state: Option<String>,
    /// [`ProductLine::Other`] when not given.
    pub product_line: ProductLine,
    /// Cleaned by [`text::clean_text`]; empty when not given.
    pub message: String,
    /// Cleaned by [`text::clean_line`]; the caller's default when not given.
    pub source: String,
    /// Cleaned by [`text::clean_line`].
    pub external_id: Option<String>,
    /// The consent record, when one was sent.
    pub consent: Option<ValidConsent>,
    /// Cleaned by [`text::clean_line`], lowercased, deduplicated, in first-seen order.
    pub tags: Vec<String>,
}

/// A consent record that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConsent {
    /// Consent language, cleaned by [`text::clean_text`].
    pub text: String,
    /// When consent was given.
    pub given_at: DateTime<Utc>,
    /// Canonical textual form of the IP address.
    pub ip: Option<String>,
    /// The user agent, cleaned by [`text::clean_line`].
    pub user_agent: Option<String>,
    /// The page address, cleaned by [`text::clean_line`].
    pub page_url: Option<String>,
    /// Seller names cleaned by [`text::clean_line`], in the order given.
    pub sellers: Vec<String>,
}

/// The source a lead gets when its sender names none, by the way it came in: the public quote
/// form, the JSON API, a CSV import. Routing rules offer these and the sources seen on leads.
pub const SOURCE_WEB_FORM: &str = "web form";
pub const SOURCE_API: &str = "api";
pub const SOURCE_IMPORT: &str = "import";
pub const INTAKE_SOURCES: [&str; 3] = [SOURCE_WEB_FORM, SOURCE_API, SOURCE_IMPORT];

/// Problems found in a request: JSON field name (`"email"`, `"consent.text"`) → sentences.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

const NAME_MAX: usize = 100;
const TAGS_MAX: usize = 20;
const SELLERS_MAX: usize = 50;
/// How far in the future a consent time may be, to allow for clock skew.
const CONSENT_SKEW_MINUTES: i64 = 5;

/// Adds `message` under `key`, once.
fn add_error(errors: &mut FieldErrors, key: &str, message: impl Into<String>) {
    let message = message.into();
    let list = errors.entry(key.to_string()).or_default();
    if !list.contains(&message) {
        list.push(message);
    }
}

/// The trimmed value, or `None` when absent or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A free-text field of the request: its key, what a message calls it, whether it may hold line
/// breaks, its limit and the sentence for a value over the limit.
struct TextField {
    key: &'static str,
    what: &'static str,
    multi_line: bool,
    max: usize,
    long: &'static str,
}

const MESSAGE: TextField = TextField {
    key: "message",
    what: "message",
    multi_line: true,
    max: 5_000,
    long: "The message is at most 5,000 characters.",
};
const SOURCE: TextField = TextField {
    key: "source",
    what: "source",
    multi_line: false,
    max: 100,
    long: "The source is at most 100 characters.",
};
const EXTERNAL_ID: TextField = TextField {
    key: "external_id",
    what: "external id",
    multi_line: false,
    max: 200,
    long: "The external id is at most 200 characters.",
};
const TAG: TextField = TextField {
    key: "tags",
    what: "tag",
    multi_line: false,
    max: 40,
    long: "A tag is at most 40 characters.",
};
const CONSENT_TEXT: TextField = TextField {
    key: "consent.text",
    what: "consent text",
    multi_line: true,
    max: 10_000,
    long: "The consent text is at most 10,000 characters.",
};
const USER_AGENT: TextField = TextField {
    key: "consent.user_agent",
    what: "user agent",
    multi_line: false,
    max: 1_000,
    long: "The user agent is at most 1,000 characters.",
};
const PAGE_URL: TextField = TextField {
    key: "consent.page_url",
    what: "page address",
    multi_line: false,
    max: 2_000,
    long: "The page address is at most 2,000 characters.",
};
const SELLER: TextField = TextField {
    key: "consent.sellers",
    what: "seller name",
    multi_line: false,
    max: 200,
    long: "A seller name is at most 200 characters.",
};

impl TextField {
    /// The value cleaned by [`text::clean_line`] or [`text::clean_text`]; `None` when absent,
    /// blank or refused (a refusal is added to `errors`).
    fn read(&self, value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
        let clean = if self.multi_line {
            text::clean_text
        } else {
            text::clean_line
        };
        match clean(value?, self.max) {
            Ok(v) => Some(v).filter(|v| !v.is_empty()),
            Err(e) => {
                add_error(errors, self.key, e.message_or_long(self.what, self.long));
                None
            }
        }
    }
}

/// Validates an intake request, collecting every problem (see the module docs for the
/// contract). `default_source` is used when `source` is blank; `today` bounds the birth date and
/// `now` bounds (and defaults) the consent time.
///
/// Blank strings count as absent. Error keys are JSON field names, nested consent fields as
/// `"consent.text"`, `"consent.given_at"`, `"consent.ip"`, `"consent.user_agent"`,
/// `"consent.page_url"` and `"consent.sellers"`.
pub fn validate_lead(
    req: &LeadRequest,
    default_source: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ValidLead, FieldErrors> {
    let mut errors = FieldErrors::new();

    let mut name = |key: &str, value: &Option<String>, missing: &str, long: &str| -> String {
        text::person_name(value.as_deref().unwrap_or_default(), NAME_MAX).unwrap_or_else(|e| {
            let message = match e {
                TextError::Empty => missing.to_string(),
                TextError::TooLong(_) => long.to_string(),
                e => e.message("name"),
            };
            add_error(&mut errors, key, message);
            String::new()
        })
    };
    let first_name = name(
        "first_name",
        &req.first_name,
        "Enter a first name.",
        "A first name is at most 100 characters.",
    );
    let last_name = name(
        "last_name",
        &req.last_name,
        "Enter a last name.",
        "A last name is at most 100 characters.",
    );

    let raw_email = given(&req.email);
    let raw_phone = given(&req.phone);
    if raw_email.is_none() && raw_phone.is_none() {
        let message = "Give an e-mail address or a phone number.";
        add_error(&mut errors, "email", message);
        add_error(&mut errors, "phone", message);
    }
    let email = raw_email.and_then(|raw| match domain::parse_email(raw) {
        Ok(email) => Some(email),
        Err(message) => {
            add_error(&mut errors, "email", message);
            None
        }
    });
    let phone = raw_phone.and_then(|raw| match domain::parse_phone(raw) {
        Ok(phone) => Some(phone),
        Err(message) => {
            add_error(&mut errors, "phone", message);
            None
        }
    });

    let birth_date = given(&req.birth_date).and_then(|raw| match parse_birth_date(raw, today) {
        Ok(date) => Some(date),
        Err(message) => {
            add_error(&mut errors, "birth_date", message);
            None
        }
    });

    let zip = given(&req.zip).and_then(|raw| match normalise_zip(raw) {
        Ok(zip) => Some(zip),
        Err(message) => {
            add_error(&mut errors, "zip", message);
            None
        }
    });

    let state = given(&req.state).and_then(|raw| match domain::parse_state(raw) {
        Ok(code) => Some(code.to_string()),
        Err(message) => {
            add_error(&mut errors, "state", message);
            None
        }
    });

    let product_line = match given(&req.product_line) {
        None => ProductLine::Other,
        Some(raw) if raw.chars().any(text::is_hidden) => {
            add_error(&mut errors, "product_line", TextError::Hidden.message("product line"));
            ProductLine::Other
        }
        Some(raw) => parse_product_line(raw).unwrap_or_else(|message| {
            add_error(&mut errors, "product_line", message);
            ProductLine::Other
        }),
    };

    let message = MESSAGE.read(req.message.as_deref(), &mut errors).unwrap_or_default();
    let source = SOURCE
        .read(req.source.as_deref(), &mut errors)
        .unwrap_or_else(|| default_source.trim().to_string());
    let external_id = EXTERNAL_ID.read(req.external_id.as_deref(), &mut errors);

    let tags = validate_tags(req.tags.as_deref().unwrap_or_default(), &mut errors);

    let consent = req
        .consent
        .as_ref()
        .and_then(|consent| validate_consent(consent, now, &mut errors));

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidLead {
        first_name,
        last_name,
        email,
        phone,
        birth_date,
        zip,
        state,
        product_line,
        message,
        source,
        external_id,
        consent,
        tags,
    })
}

fn parse_birth_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let format_error = || "Enter the birth date as YYYY-MM-DD, like 1955-03-14.".to_string();
    let bytes = raw.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format_error());
    }
    let number = |range: std::ops::Range<usize>| raw[range].parse::<u32>().map_err(|_| format_error());
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let date =
        NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| format!("There is no such date as {raw}."))?;
    if date > today {
        return Err("The birth date cannot be in the future.".to_string());
    }
    if year < 1900 {
        return Err("The birth date cannot be before 1900.".to_string());
    }
    Ok(date)
}

/// Parses a product line key (`"medicare_advantage"`) or label (`"Medicare Advantage"`),
/// case-insensitively; runs of whitespace in a label count as one space.
fn parse_product_line(raw: &str) -> Result<ProductLine, String> {
    if let Ok(line) = ProductLine::from_str(raw) {
        return Ok(line);
    }
    let words = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    ProductLine::ALL
        .into_iter()
        .find(|line| line.label().eq_ignore_ascii_case(&words))
        .ok_or_else(|| {
            format!(
                "Unknown product line \"{raw}\". Use one of: {}.",
                ProductLine::ALL.map(ProductLine::label).join(", ")
            )
        })
}

fn validate_tags(raw: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        if tag.trim().is_empty() {
            add_error(errors, "tags", "Tags cannot be empty.");
        } else if let Some(tag) = TAG.read(Some(tag), errors).map(|t| t.to_lowercase()) {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    if tags.len() > TAGS_MAX {
        add_error(errors, "tags", "Give at most 20 tags.");
    }
    tags
}

fn validate_consent(req: &ConsentRequest, now: DateTime<Utc>, errors: &mut FieldErrors) -> Option<ValidConsent> {
    let text = if given(&req.text).is_none() {
        add_error(errors, "consent.text", "Enter the consent text shown to the consumer.");
        String::new()
    } else {
        CONSENT_TEXT.read(req.text.as_deref(), errors).unwrap_or_default()
    };

    let given_at = match given(&req.given_at) {
        None => now,
        Some(raw) => match DateTime::parse_from_rfc3339(raw) {
            Err(_) => {
                add_error(
                    errors,
                    "consent.given_at",
                    "Enter the consent time in RFC 3339 form, like 2024-05-01T14:30:00Z.",
                );
                now
            }
            Ok(at) => {
                let at = at.with_timezone(&Utc);
                if at > now + Duration::minutes(CONSENT_SKEW_MINUTES) {
                    add_error(errors, "consent.given_at", "The consent time cannot be in the future.");
                }
                at
            }
        },
    };

    let ip = given(&req.ip).and_then(|raw| match raw.parse::<IpAddr>() {
        Ok(ip) => Some(ip.to_string()),
        Err(_) => {
            add_error(errors, "consent.ip", "Enter a valid IP address, like 203.0.113.7.");
            None
        }
    });

    let user_agent = USER_AGENT.read(req.user_agent.as_deref(), errors);

    let page_url = PAGE_URL.read(req.page_url.as_deref(), errors);
    if let Some(url) = &page_url {
        let lower = url.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
        if rest.is_none_or(str::is_empty) {
            add_error(
                errors,
                "consent.page_url",
                "Enter the page address starting with http:// or https://.",
            );
        }
    }

    let raw_sellers = req.sellers.as_deref().unwrap_or_default();
    if raw_sellers.len() > SELLERS_MAX {
        add_error(errors, "consent.sellers", "List at most 50 sellers.");
    }
    let mut sellers = Vec::with_capacity(raw_sellers.len().min(SELLERS_MAX));
    for seller in raw_sellers {
        if seller.trim().is_empty() {
            add_error(errors, "consent.sellers", "Seller names cannot be empty.");
        } else if let Some(seller) = SELLER.read(Some(seller), errors) {
            sellers.push(seller);
        }
    }

    Some(ValidConsent {
        text,
        given_at,
        ip,
        user_agent,
        page_url,
        sellers,
    })
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// Age in whole years on the date `on` (0 when `on` is before `birth`).
///
/// A birthday counts from the day itself; someone born on 29 February turns a year older on
/// 1 March in common years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let years = on.year() - birth.year();
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    (years - i32::from(before_birthday)).max(0) as u32
}

/// Parses a US ZIP code, `"12345"` or ZIP+4 `"12345-6789"` (surrounding whitespace ignored), and
/// returns the five-digit ZIP.
pub fn normalise_zip(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let bytes = raw.as_bytes();
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let ok = match bytes.len() {
        5 => digits(bytes),
        10 => digits(&bytes[..5]) && bytes[5] == b'-' && digits(&bytes[6..]),
        _ => false,
    };
    if ok {
        Ok(raw[..5].to_string())
    } else {
        Err("Enter a ZIP code like 33101 or 33101-0142.".to_string())
    }
}

#[cfg(test)]
mod tests;
