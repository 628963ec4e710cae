//! Leads domain rules: the lead status pipeline and the validation of incoming leads.
//!
//! * [`LeadStatus`] and [`can_transition`] are the one place where allowed status changes live;
//!   screens build their buttons from [`next_statuses`].
//! * [`LeadRequest`] is the public JSON contract of the lead intake API; [`validate_lead`] turns it
//!   into a [`ValidLead`] or a map of every problem found, keyed by JSON field name.
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

// ---------------------------------------------------------------------------------------------
// Status pipeline
// ---------------------------------------------------------------------------------------------

/// Where a lead stands in the sales pipeline `new → contacted → qualified → quoted → won | lost`.
///
/// The first four are *open* (someone still works the lead, see [`LeadStatus::is_open`]); the
/// rest are closed. Which changes are allowed is decided by [`can_transition`] only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Just arrived, nobody has reached out yet.
    New,
    /// An agent has talked to or written with the consumer.
    Contacted,
    /// The consumer is a fit and interested.
    Qualified,
    /// A quote has been presented.
    Quoted,
    /// A policy was sold. Final, apart from an opt-out.
    Won,
    /// The consumer is not buying. Can be re-opened as contacted.
    Lost,
    /// Repeated attempts failed; the consumer may still call back.
    Unreachable,
    /// The consumer opted out. Final: nothing leaves this status.
    DoNotContact,
}

impl LeadStatus {
    /// Every status, in pipeline order. [`next_statuses`] keeps this order.
    pub const ALL: [Self; 8] = [
        Self::New,
        Self::Contacted,
        Self::Qualified,
        Self::Quoted,
        Self::Won,
        Self::Lost,
        Self::Unreachable,
        Self::DoNotContact,
    ];

    /// Stable snake_case key for the database, URLs and forms (e.g. `"do_not_contact"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Qualified => "qualified",
            Self::Quoted => "quoted",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Unreachable => "unreachable",
            Self::DoNotContact => "do_not_contact",
        }
    }

    /// Human-readable name for screens (e.g. `"Do not contact"`).
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Contacted => "Contacted",
            Self::Qualified => "Qualified",
            Self::Quoted => "Quoted",
            Self::Won => "Won",
            Self::Lost => "Lost",
            Self::Unreachable => "Unreachable",
            Self::DoNotContact => "Do not contact",
        }
    }

    /// `true` for New, Contacted, Qualified and Quoted: the lead is still being worked.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Contacted | Self::Qualified | Self::Quoted)
    }

    /// Position along the open part of the pipeline (`None` for closed statuses).
    fn pipeline_rank(self) -> Option<u8> {
        match self {
            Self::New => Some(0),
            Self::Contacted => Some(1),
            Self::Qualified => Some(2),
            Self::Quoted => Some(3),
            _ => None,
        }
    }
}

impl FromStr for LeadStatus {
    type Err = String;

    /// Parses a key as produced by [`LeadStatus::as_str`] or a label as produced by
    /// [`LeadStatus::label`], ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim();
        Self::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(key) || status.label().eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                format!(
                    "Unknown lead status {s:?}; expected one of: {}.",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// Decides whether a lead may move from `from` to `to`. This is the only place the pipeline rules
/// live; the `Err` is a sentence to show to the person who tried.
///
/// * Same status → refused ("The lead is already Qualified.").
/// * Nothing leaves Do not contact; anything may go to Do not contact (a consumer can always opt
///   out).
/// * Won is final. Lost is final except re-opening it as Contacted.
/// * Unreachable may go back to Contacted (they called back) or to Lost.
/// * Lost is allowed from every open status; Unreachable only from New or Contacted.
/// * Won only from Qualified or Quoted.
/// * Otherwise forward along `new → contacted → qualified → quoted` by one or more steps;
///   backwards is refused.
pub fn can_transition(from: LeadStatus, to: LeadStatus) -> Result<(), String> {
    use LeadStatus::*;

    if from == to {
        return Err(format!("The lead is already {}.", from.label()));
    }
    match from {
        DoNotContact => {
            return Err("The lead asked not to be contacted, so its status cannot change.".to_string());
        }
        _ if to == DoNotContact => return Ok(()),
        Won => return Err("The lead is won; it can only be marked Do not contact.".to_string()),
        Lost => {
            return match to {
                Contacted => Ok(()),
                _ => Err("A lost lead can only be re-opened as Contacted or marked Do not contact.".to_string()),
            };
        }
        Unreachable => {
            return match to {
                Contacted | Lost => Ok(()),
                _ => Err(
                    "An unreachable lead can only go back to Contacted, or be marked Lost or Do not contact."
                        .to_string(),
                ),
            };
        }
        New | Contacted | Qualified | Quoted => {}
    }
    // `from` is open from here on.
    match to {
        Lost => Ok(()),
        Unreachable if matches!(from, New | Contacted) => Ok(()),
        Unreachable => Err("Only a new or contacted lead can be marked Unreachable.".to_string()),
        Won if matches!(from, Qualified | Quoted) => Ok(()),
        Won => Err("A lead must be qualified or quoted before it can be won.".to_string()),
        _ => match (from.pipeline_rank(), to.pipeline_rank()) {
            (Some(a), Some(b)) if b > a => Ok(()),
            _ => Err(format!(
                "A lead cannot go back from {} to {}.",
                from.label(),
                to.label()
            )),
        },
    }
}

/// The statuses a lead in `from` may move to, in [`LeadStatus::ALL`] order.
pub fn next_statuses(from: LeadStatus) -> Vec<LeadStatus> {
    LeadStatus::ALL
        .into_iter()
        .filter(|to| can_transition(from, *to).is_ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Intake request
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    /// A request that passes validation.
    fn ok_request() -> LeadRequest {
        LeadRequest {
            first_name: s("Ana"),
            last_name: s("Diaz"),
            email: s("ana@example.com"),
            ..LeadRequest::default()
        }
    }

    fn ok_consent() -> ConsentRequest {
        ConsentRequest {
            text: s("I agree to be contacted."),
            ..ConsentRequest::default()
        }
    }

    fn validate(req: &LeadRequest) -> Result<ValidLead, FieldErrors> {
        validate_lead(req, "api", today(), now())
    }

    /// Asserts that validation fails with exactly one key, `key`, holding `message`.
    fn assert_only_error(req: &LeadRequest, key: &str, message: &str) {
        let errors = validate(req).expect_err("expected a validation error");
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec![key], "{errors:?}");
        assert_eq!(errors[key], vec![message.to_string()], "{errors:?}");
    }

    // --- Statuses ---

    #[test]
    fn status_keys_and_labels_round_trip() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(status));
            assert_eq!(status.label().to_uppercase().parse::<LeadStatus>(), Ok(status));
        }
        assert_eq!(" Do_Not_Contact ".parse::<LeadStatus>(), Ok(LeadStatus::DoNotContact));
        assert_eq!(LeadStatus::DoNotContact.label(), "Do not contact");
        let err = "closed".parse::<LeadStatus>().unwrap_err();
        assert!(err.starts_with("Unknown lead status \"closed\""), "{err}");
    }

    #[test]
    fn status_open_and_closed_are_split() {
        let open: Vec<_> = LeadStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        use LeadStatus::*;
        assert_eq!(open, vec![New, Contacted, Qualified, Quoted]);
    }

    #[test]
    fn status_serde_uses_snake_case_keys() {
        assert_eq!(
            serde_json::to_string(&LeadStatus::DoNotContact).unwrap(),
            "\"do_not_contact\""
        );
        assert_eq!(
            serde_json::from_str::<LeadStatus>("\"quoted\"").unwrap(),
            LeadStatus::Quoted
        );
    }

    /// Expected outcome of every transition. Rows are `from`, columns are `to`, both in
    /// `LeadStatus::ALL` order: new, contacted, qualified, quoted, won, lost, unreachable, dnc.
    const EXPECTED: [[bool; 8]; 8] = {
        const T: bool = true;
        const F: bool = false;
        [
            //   new contacted qualified quoted won lost unreach dnc
            [F, T, T, T, F, T, T, T], // new
            [F, F, T, T, F, T, T, T], // contacted
            [F, F, F, T, T, T, F, T], // qualified
            [F, F, F, F, T, T, F, T], // quoted
            [F, F, F, F, F, F, F, T], // won
            [F, T, F, F, F, F, F, T], // lost
            [F, T, F, F, F, T, F, T], // unreachable
            [F, F, F, F, F, F, F, F], // do_not_contact
        ]
    };

    #[test]
    fn every_transition_matches_expected_table() {
        for (i, from) in LeadStatus::ALL.into_iter().enumerate() {
            for (j, to) in LeadStatus::ALL.into_iter().enumerate() {
                let result = can_transition(from, to);
                assert_eq!(
                    result.is_ok(),
                    EXPECTED[i][j],
                    "{} -> {}: {result:?}",
                    from.as_str(),
                    to.as_str()
                );
                if let Err(message) = result {
                    assert!(message.ends_with('.') && message.chars().next().unwrap().is_uppercase());
                }
            }
        }
    }

    #[test]
    fn next_statuses_follow_table_in_all_order() {
        for (i, from) in LeadStatus::ALL.into_iter().enumerate() {
            let expected: Vec<_> = LeadStatus::ALL
                .into_iter()
                .enumerate()
                .filter(|(j, _)| EXPECTED[i][*j])
                .map(|(_, to)| to)
                .collect();
            assert_eq!(next_statuses(from), expected, "from {}", from.as_str());
        }
        assert!(next_statuses(LeadStatus::DoNotContact).is_empty());
    }

    #[test]
    fn same_status_is_refused_with_label() {
        assert_eq!(
            can_transition(LeadStatus::Qualified, LeadStatus::Qualified),
            Err("The lead is already Qualified.".to_string())
        );
        assert_eq!(
            can_transition(LeadStatus::DoNotContact, LeadStatus::DoNotContact),
            Err("The lead is already Do not contact.".to_string())
        );
    }

    #[test]
    fn backward_move_is_refused_naming_both() {
        assert_eq!(
            can_transition(LeadStatus::Quoted, LeadStatus::Contacted),
            Err("A lead cannot go back from Quoted to Contacted.".to_string())
        );
    }

    #[test]
    fn won_from_contacted_is_refused() {
        assert_eq!(
            can_transition(LeadStatus::Contacted, LeadStatus::Won),
            Err("A lead must be qualified or quoted before it can be won.".to_string())
        );
    }

    // --- validate_lead: success ---

    #[test]
    fn minimal_request_is_valid_with_defaults() {
        let lead = validate(&ok_request()).unwrap();
        assert_eq!(lead.first_name, "Ana");
        assert_eq!(lead.last_name, "Diaz");
        assert_eq!(lead.email.as_deref(), Some("ana@example.com"));
        assert_eq!(lead.phone, None);
        assert_eq!(lead.product_line, ProductLine::Other);
        assert_eq!(lead.source, "api");
        assert_eq!(lead.message, "");
        assert!(lead.tags.is_empty());
        assert!(lead.consent.is_none());
    }

    #[test]
    fn full_json_request_is_valid_and_canonical() {
        let json = r#"{
            "first_name": "  Ana ", "last_name": "Diaz", "email": "Ana@Example.COM",
            "phone": "(305) 555-0142", "birth_date": "1955-03-14", "zip": "33101-0142",
            "state": "florida", "product_line": "Medicare Advantage", "message": " Call after 5 ",
            "source": "facebook", "external_id": "fb-123", "tags": ["Hot", " hot", "t65 "],
            "unknown_field": 42,
            "consent": {
                "text": "I agree.", "given_at": "2025-06-15T08:00:00-04:00", "ip": "2001:DB8::1",
                "user_agent": "Mozilla/5.0", "page_url": "https://example.com/quote",
                "sellers": [" Acme Insurance ", "Best Agency"], "extra": true
            }
        }"#;
        let req: LeadRequest = serde_json::from_str(json).unwrap();
        let lead = validate(&req).unwrap();
        assert_eq!(lead.first_name, "Ana");
        assert_eq!(lead.email.as_deref(), Some("ana@example.com"));
        assert_eq!(lead.phone.as_deref(), Some("+13055550142"));
        assert_eq!(lead.birth_date, Some(date(1955, 3, 14)));
        assert_eq!(lead.zip.as_deref(), Some("33101"));
        assert_eq!(lead.state.as_deref(), Some("FL"));
        assert_eq!(lead.product_line, ProductLine::MedicareAdvantage);
        assert_eq!(lead.message, "Call after 5");
        assert_eq!(lead.source, "facebook");
        assert_eq!(lead.external_id.as_deref(), Some("fb-123"));
        assert_eq!(lead.tags, vec!["hot", "t65"]);
        let consent = lead.consent.unwrap();
        assert_eq!(consent.text, "I agree.");
        assert_eq!(consent.given_at, Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap());
        assert_eq!(consent.ip.as_deref(), Some("2001:db8::1"));
        assert_eq!(consent.user_agent.as_deref(), Some("Mozilla/5.0"));
        assert_eq!(consent.page_url.as_deref(), Some("https://example.com/quote"));
        assert_eq!(consent.sellers, vec!["Acme Insurance", "Best Agency"]);
    }

    #[test]
    fn phone_only_request_is_valid() {
        let req = LeadRequest {
            email: None,
            phone: s("+1 202-456-1111"),
            ..ok_request()
        };
        assert_eq!(validate(&req).unwrap().phone.as_deref(), Some("+12024561111"));
    }

    #[test]
    fn product_line_key_and_label_forms_are_accepted() {
        for (raw, expected) in [
            ("part_d", ProductLine::PartD),
            ("PART_D", ProductLine::PartD),
            ("part d", ProductLine::PartD),
            ("dental & VISION", ProductLine::DentalVision),
            ("  final   expense ", ProductLine::FinalExpense),
            ("", ProductLine::Other),
        ] {
            let req = LeadRequest {
                product_line: s(raw),
                ..ok_request()
            };
            assert_eq!(validate(&req).unwrap().product_line, expected, "{raw}");
        }
    }

    #[test]
    fn consent_without_given_at_defaults_to_now() {
        let req = LeadRequest {
            consent: Some(ok_consent()),
            ..ok_request()
        };
        let consent = validate(&req).unwrap().consent.unwrap();
        assert_eq!(consent.given_at, now());
        assert!(consent.sellers.is_empty());
    }

    #[test]
    fn consent_given_at_within_skew_is_valid() {
        let req = LeadRequest {
            consent: Some(ConsentRequest {
                given_at: s("2025-06-15T12:05:00Z"),
                ..ok_consent()
            }),
            ..ok_request()
        };
        assert!(validate(&req).is_ok());
    }

    #[test]
    fn birth_date_today_and_1900_are_valid() {
        for raw in ["2025-06-15", "1900-01-01"] {
            let req = LeadRequest {
                birth_date: s(raw),
                ..ok_request()
            };
            assert!(validate(&req).is_ok(), "{raw}");
        }
    }

    #[test]
    fn limits_at_maximum_are_valid() {
        let req = LeadRequest {
            first_name: s(&"é".repeat(100)),
            last_name: s(&"x".repeat(100)),
            message: s(&"m".repeat(5_000)),
            source: s(&"s".repeat(100)),
            external_id: s(&"i".repeat(200)),
            tags: Some((0..20).map(|i| format!("{i:0>40}")).collect()),
            consent: Some(ConsentRequest {
                text: s(&"t".repeat(10_000)),
                page_url: s(&format!("http://{}", "a".repeat(1_993))),
                sellers: Some(vec!["s".repeat(200); 50]),
                ..ConsentRequest::default()
            }),
            ..ok_request()
        };
        assert!(validate(&req).is_ok(), "{:?}", validate(&req).err());
    }

    // --- validate_lead: one test per rule ---

    #[test]
    fn first_name_missing_is_error() {
        assert_only_error(
            &LeadRequest {
                first_name: s("   "),
                ..ok_request()
            },
            "first_name",
            "Enter a first name.",
        );
    }

    #[test]
    fn hidden_characters_in_any_text_field_are_errors() {
        let bad = "a\u{202e}b";
        let cases: Vec<(LeadRequest, &str, &str)> = vec![
            (
                LeadRequest {
                    first_name: s(bad),
                    ..ok_request()
                },
                "first_name",
                "name",
            ),
            (
                LeadRequest {
                    last_name: s("\u{0}"),
                    ..ok_request()
                },
                "last_name",
                "name",
            ),
            (
                LeadRequest {
                    message: s(bad),
                    ..ok_request()
                },
                "message",
                "message",
            ),
            (
                LeadRequest {
                    source: s(bad),
                    ..ok_request()
                },
                "source",
                "source",
            ),
            (
                LeadRequest {
                    external_id: s(bad),
                    ..ok_request()
                },
                "external_id",
                "external id",
            ),
            (
                LeadRequest {
                    tags: Some(vec![bad.into()]),
                    ..ok_request()
                },
                "tags",
                "tag",
            ),
            (
                LeadRequest {
                    product_line: s(bad),
                    ..ok_request()
                },
                "product_line",
                "product line",
            ),
            (
                LeadRequest {
                    consent: Some(ConsentRequest {
                        text: s(bad),
                        ..ok_consent()
                    }),
                    ..ok_request()
                },
                "consent.text",
                "consent text",
            ),
            (
                LeadRequest {
                    consent: Some(ConsentRequest {
                        sellers: Some(vec![bad.into()]),
                        ..ok_consent()
                    }),
                    ..ok_request()
                },
                "consent.sellers",
                "seller name",
            ),
        ];
        for (req, key, what) in cases {
            assert_only_error(
                &req,
                key,
                &format!("Remove the invisible or control characters from this {what}."),
            );
        }
        assert_only_error(
            &LeadRequest {
                email: s("ana\u{0}@example.com"),
                ..ok_request()
            },
            "email",
            "Enter a valid e-mail address.",
        );
    }

    #[test]
    fn names_are_composed_and_need_a_letter() {
        let lead = validate(&LeadRequest {
            first_name: s("Jose\u{301}"),
            ..ok_request()
        })
        .unwrap();
        assert_eq!(lead.first_name, "Jos\u{e9}");
        assert_only_error(
            &LeadRequest {
                last_name: s("42"),
                ..ok_request()
            },
            "last_name",
            "A name must contain at least one letter.",
        );
    }

    #[test]
    fn first_name_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                first_name: s(&"a".repeat(101)),
                ..ok_request()
            },
            "first_name",
            "A first name is at most 100 characters.",
        );
    }

    #[test]
    fn last_name_missing_is_error() {
        assert_only_error(
            &LeadRequest {
                last_name: None,
                ..ok_request()
            },
            "last_name",
            "Enter a last name.",
        );
    }

    #[test]
    fn last_name_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                last_name: s(&"a".repeat(101)),
                ..ok_request()
            },
            "last_name",
            "A last name is at most 100 characters.",
        );
    }

    #[test]
    fn email_and_phone_missing_is_error_on_both() {
        let req = LeadRequest {
            email: s(" "),
            phone: None,
            ..ok_request()
        };
        let errors = validate(&req).unwrap_err();
        let message = vec!["Give an e-mail address or a phone number.".to_string()];
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["email", "phone"]);
        assert_eq!(errors["email"], message);
        assert_eq!(errors["phone"], message);
    }

    #[test]
    fn email_invalid_is_error() {
        assert_only_error(
            &LeadRequest {
                email: s("ana@example"),
                ..ok_request()
            },
            "email",
            "Enter a valid e-mail address.",
        );
    }

    #[test]
    fn phone_invalid_is_error() {
        assert_only_error(
            &LeadRequest {
                phone: s("555-1234"),
                ..ok_request()
            },
            "phone",
            "Enter a valid phone number, like (305) 555-0142.",
        );
    }

    #[test]
    fn birth_date_bad_format_is_error() {
        for raw in ["03/14/1955", "1955-3-14", "19550314", "1955-03-14T00:00:00"] {
            assert_only_error(
                &LeadRequest {
                    birth_date: s(raw),
                    ..ok_request()
                },
                "birth_date",
                "Enter the birth date as YYYY-MM-DD, like 1955-03-14.",
            );
        }
    }

    #[test]
    fn birth_date_impossible_day_is_error() {
        assert_only_error(
            &LeadRequest {
                birth_date: s("1955-02-29"),
                ..ok_request()
            },
            "birth_date",
            "There is no such date as 1955-02-29.",
        );
    }

    #[test]
    fn birth_date_in_future_is_error() {
        assert_only_error(
            &LeadRequest {
                birth_date: s("2025-06-16"),
                ..ok_request()
            },
            "birth_date",
            "The birth date cannot be in the future.",
        );
    }

    #[test]
    fn birth_date_before_1900_is_error() {
        assert_only_error(
            &LeadRequest {
                birth_date: s("1899-12-31"),
                ..ok_request()
            },
            "birth_date",
            "The birth date cannot be before 1900.",
        );
    }

    #[test]
    fn zip_malformed_is_error() {
        for raw in ["1234", "123456", "12345-678", "ABCDE", "12345 6789"] {
            assert_only_error(
                &LeadRequest {
                    zip: s(raw),
                    ..ok_request()
                },
                "zip",
                "Enter a ZIP code like 33101 or 33101-0142.",
            );
        }
    }

    #[test]
    fn zip_and_state_mismatch_is_not_checked() {
        let req = LeadRequest {
            zip: s("10001"),
            state: s("CA"),
            ..ok_request()
        };
        assert!(validate(&req).is_ok());
    }

    #[test]
    fn state_unknown_is_error() {
        assert_only_error(
            &LeadRequest {
                state: s("ZZ"),
                ..ok_request()
            },
            "state",
            "Unknown state \"ZZ\". Use a code like FL or a name like Florida.",
        );
    }

    #[test]
    fn product_line_unknown_is_error() {
        let req = LeadRequest {
            product_line: s("pet"),
            ..ok_request()
        };
        let errors = validate(&req).unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["product_line"]);
        assert!(
            errors["product_line"][0].starts_with("Unknown product line \"pet\". Use one of: Medicare Advantage,"),
            "{errors:?}"
        );
    }

    #[test]
    fn message_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                message: s(&"m".repeat(5_001)),
                ..ok_request()
            },
            "message",
            "The message is at most 5,000 characters.",
        );
    }

    #[test]
    fn source_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                source: s(&"s".repeat(101)),
                ..ok_request()
            },
            "source",
            "The source is at most 100 characters.",
        );
    }

    #[test]
    fn external_id_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                external_id: s(&"i".repeat(201)),
                ..ok_request()
            },
            "external_id",
            "The external id is at most 200 characters.",
        );
    }

    #[test]
    fn tags_too_many_is_error() {
        assert_only_error(
            &LeadRequest {
                tags: Some((0..21).map(|i| format!("tag{i}")).collect()),
                ..ok_request()
            },
            "tags",
            "Give at most 20 tags.",
        );
    }

    #[test]
    fn tags_duplicates_do_not_count_towards_limit() {
        let mut tags: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
        tags.extend((0..20).map(|i| format!(" TAG{i} ")));
        let req = LeadRequest {
            tags: Some(tags),
            ..ok_request()
        };
        assert_eq!(validate(&req).unwrap().tags.len(), 20);
    }

    #[test]
    fn tag_empty_is_error() {
        assert_only_error(
            &LeadRequest {
                tags: Some(vec!["ok".into(), "  ".into(), "".into()]),
                ..ok_request()
            },
            "tags",
            "Tags cannot be empty.",
        );
    }

    #[test]
    fn tag_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                tags: Some(vec!["t".repeat(41)]),
                ..ok_request()
            },
            "tags",
            "A tag is at most 40 characters.",
        );
    }

    #[test]
    fn consent_text_missing_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest::default()),
                ..ok_request()
            },
            "consent.text",
            "Enter the consent text shown to the consumer.",
        );
    }

    #[test]
    fn consent_text_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    text: s(&"t".repeat(10_001)),
                    ..ConsentRequest::default()
                }),
                ..ok_request()
            },
            "consent.text",
            "The consent text is at most 10,000 characters.",
        );
    }

    #[test]
    fn consent_given_at_not_rfc3339_is_error() {
        for raw in ["2025-06-15 12:00:00", "2025-06-15", "yesterday"] {
            assert_only_error(
                &LeadRequest {
                    consent: Some(ConsentRequest {
                        given_at: s(raw),
                        ..ok_consent()
                    }),
                    ..ok_request()
                },
                "consent.given_at",
                "Enter the consent time in RFC 3339 form, like 2024-05-01T14:30:00Z.",
            );
        }
    }

    #[test]
    fn consent_given_at_in_future_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    given_at: s("2025-06-15T12:05:01Z"),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.given_at",
            "The consent time cannot be in the future.",
        );
    }

    #[test]
    fn consent_ip_invalid_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    ip: s("256.1.1.1"),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.ip",
            "Enter a valid IP address, like 203.0.113.7.",
        );
    }

    #[test]
    fn consent_user_agent_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    user_agent: s(&"u".repeat(1_001)),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.user_agent",
            "The user agent is at most 1,000 characters.",
        );
    }

    #[test]
    fn consent_page_url_without_scheme_is_error() {
        for raw in [
            "example.com/quote",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://",
        ] {
            assert_only_error(
                &LeadRequest {
                    consent: Some(ConsentRequest {
                        page_url: s(raw),
                        ..ok_consent()
                    }),
                    ..ok_request()
                },
                "consent.page_url",
                "Enter the page address starting with http:// or https://.",
            );
        }
    }

    #[test]
    fn consent_page_url_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    page_url: s(&format!("https://{}", "a".repeat(1_993))),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.page_url",
            "The page address is at most 2,000 characters.",
        );
    }

    #[test]
    fn consent_sellers_too_many_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    sellers: Some(vec!["Acme".to_string(); 51]),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.sellers",
            "List at most 50 sellers.",
        );
    }

    #[test]
    fn consent_seller_empty_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    sellers: Some(vec!["Acme".into(), " ".into()]),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.sellers",
            "Seller names cannot be empty.",
        );
    }

    #[test]
    fn consent_seller_too_long_is_error() {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    sellers: Some(vec!["s".repeat(201)]),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.sellers",
            "A seller name is at most 200 characters.",
        );
    }

    #[test]
    fn many_problems_are_all_reported() {
        let req = LeadRequest {
            first_name: None,
            last_name: None,
            email: s("nope"),
            phone: s("123"),
            birth_date: s("tomorrow"),
            zip: s("1"),
            state: s("XX"),
            product_line: s("boat"),
            consent: Some(ConsentRequest {
                ip: s("x"),
                ..ConsentRequest::default()
            }),
            tags: Some(vec![String::new()]),
            ..LeadRequest::default()
        };
        let errors = validate(&req).unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            vec![
                "birth_date",
                "consent.ip",
                "consent.text",
                "email",
                "first_name",
                "last_name",
                "phone",
                "product_line",
                "state",
                "tags",
                "zip"
            ]
        );
    }

    #[test]
    fn empty_json_object_deserialises_and_fails_on_required_fields() {
        let req: LeadRequest = serde_json::from_str("{}").unwrap();
        let errors = validate(&req).unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            vec!["email", "first_name", "last_name", "phone"]
        );
    }

    // --- age_on ---

    #[test]
    fn age_on_day_before_birthday_is_one_less() {
        assert_eq!(age_on(date(1960, 7, 1), date(2025, 6, 30)), 64);
        assert_eq!(age_on(date(1960, 7, 1), date(2025, 7, 1)), 65);
        assert_eq!(age_on(date(1960, 7, 1), date(2025, 7, 2)), 65);
    }

    #[test]
    fn age_on_year_end_boundaries_are_exact() {
        assert_eq!(age_on(date(1960, 12, 31), date(2025, 12, 30)), 64);
        assert_eq!(age_on(date(1960, 12, 31), date(2025, 12, 31)), 65);
        assert_eq!(age_on(date(1960, 1, 1), date(2025, 1, 1)), 65);
        assert_eq!(age_on(date(1960, 1, 1), date(2024, 12, 31)), 64);
    }

    #[test]
    fn age_on_leap_day_birthday_counts_from_march_first_in_common_years() {
        let birth = date(1960, 2, 29);
        assert_eq!(age_on(birth, date(2025, 2, 28)), 64);
        assert_eq!(age_on(birth, date(2025, 3, 1)), 65);
        assert_eq!(age_on(birth, date(2024, 2, 28)), 63);
        assert_eq!(age_on(birth, date(2024, 2, 29)), 64);
    }

    #[test]
    fn age_on_birth_day_or_earlier_is_zero() {
        assert_eq!(age_on(date(2025, 6, 15), date(2025, 6, 15)), 0);
        assert_eq!(age_on(date(2025, 6, 15), date(2020, 1, 1)), 0);
        assert_eq!(age_on(date(2024, 6, 15), date(2025, 6, 14)), 0);
        assert_eq!(age_on(date(2024, 6, 15), date(2025, 6, 15)), 1);
    }

    // --- normalise_zip ---

    #[test]
    fn normalise_zip_accepts_five_and_plus_four() {
        assert_eq!(normalise_zip("02108"), Ok("02108".to_string()));
        assert_eq!(normalise_zip(" 33101-0142 "), Ok("33101".to_string()));
    }

    #[test]
    fn normalise_zip_rejects_other_shapes() {
        for raw in ["", "2108", "021080", "02108-", "02108-12345", "0210８", "a2108"] {
            assert!(normalise_zip(raw).is_err(), "{raw}");
        }
    }
}
