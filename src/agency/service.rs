//! The agency's settings as every consumer page, consent text, e-mail and certificate uses them,
//! the rules for the settings form, and the one change: an owner's save, audited.

use chrono_tz::Tz;
use diesel::QueryResult;

use super::model::{self, AgencyChanges, AgencyRow};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::DbConnection;
use crate::domain::{display_phone, parse_phone, parse_state};
use crate::error::{AppError, FieldErrors};

/// The colour used until the owner picks one.
pub const DEFAULT_BRAND_COLOUR: &str = "#1f5fa8";

/// One state licence of the agency (a resident or non-resident agency licence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyLicence {
    pub state: &'static str,
    pub number: String,
}

/// The settings, ready to show: the name is never blank (AE_AGENCY_NAME until the owner sets one).
#[derive(Debug, Clone)]
pub struct Agency {
    pub name: String,
    pub legal_name: String,
    pub logo: Option<String>,
    pub address: String,
    /// E.164, or empty.
    pub phone: String,
    pub website: String,
    pub licences: Vec<AgencyLicence>,
    pub time_zone: Tz,
    pub brand_colour: String,
    pub consent_wording: String,
    pub consent_source: String,
    /// Whether the owner has named the agency (else the name is the AE_AGENCY_NAME fallback).
    pub named: bool,
}

impl Agency {
    pub fn from_row(row: &AgencyRow, fallback_name: &str) -> Agency {
        let named = !row.name.trim().is_empty();
        Agency {
            name: if named {
                row.name.clone()
            } else {
                fallback_name.to_string()
            },
            legal_name: row.legal_name.clone(),
            logo: row.logo.clone(),
            address: row.address.clone(),
            phone: row.phone.clone(),
            website: row.website.clone(),
            licences: parse_licences(&row.licences).unwrap_or_default(),
            time_zone: row.time_zone.parse().unwrap_or(crate::dates::DEFAULT_TIME_ZONE),
            brand_colour: parse_colour(&row.brand_colour).unwrap_or_else(|_| DEFAULT_BRAND_COLOUR.into()),
            consent_wording: row.consent_wording.clone(),
            consent_source: row.consent_source.clone(),
            named,
        }
    }

    /// Before the database is reached (error pages, tests of pure code): the settings' name only.
    pub fn fallback(name: &str) -> Agency {
        Agency {
            name: name.to_string(),
            legal_name: String::new(),
            logo: None,
            address: String::new(),
            phone: String::new(),
            website: String::new(),
            licences: Vec::new(),
            time_zone: crate::dates::DEFAULT_TIME_ZONE,
            brand_colour: DEFAULT_BRAND_COLOUR.into(),
            consent_wording: DEFAULT_CONSENT.into(),
            consent_source: String::new(),
            named: false,
        }
    }

    /// The consent sentence shown beside the quote form's checkbox and stored with each lead,
    /// naming the agency as the seller.
    pub fn consent_text(&self) -> String {
        consent_text(&self.consent_wording, &self.name)
    }

    pub fn phone_display(&self) -> String {
        if self.phone.is_empty() {
            String::new()
        } else {
            display_phone(&self.phone)
        }
    }

    /// The legal name where one is set, else the name (for certificates and e-mail footers).
    pub fn legal(&self) -> &str {
        if self.legal_name.is_empty() {
            &self.name
        } else {
            &self.legal_name
        }
    }

    pub fn licence_line(&self) -> String {
        self.licences
            .iter()
            .map(|l| format!("{} {}", l.state, l.number))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub fn logo_url(&self) -> Option<String> {
        self.logo.as_ref().map(|f| format!("/photos/{f}"))
    }

    /// The sender every e-mail carries: the agency's name with the configured address.
    pub fn mail_from(&self, configured: &str) -> String {
        let address = match (configured.rfind('<'), configured.rfind('>')) {
            (Some(a), Some(b)) if a < b => &configured[a + 1..b],
            _ => configured.trim(),
        };
        let name: String = self
            .name
            .chars()
            .filter(|c| !matches!(c, '"' | '\\' | '<' | '>'))
            .collect();
        format!("\"{name}\" <{address}>")
    }

    /// The lines every e-mail ends with.
    pub fn signature(&self) -> String {
        let mut lines = vec![format!("-- \n{}", self.legal())];
        if !self.address.is_empty() {
            lines.push(self.address.replace('\n', ", "));
        }
        let contact: Vec<String> = [self.phone_display(), self.website.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !contact.is_empty() {
            lines.push(contact.join(" · "));
        }
        if !self.licences.is_empty() {
            lines.push(format!("Licences: {}", self.licence_line()));
        }
        lines.join("\n")
    }
}

/// The consent wording with `{agency}` replaced by the agency's name.
pub fn consent_text(wording: &str, agency: &str) -> String {
    wording.replace("{agency}", agency)
}

/// The wording the migration stores (kept here for pages drawn before the database answers).
pub const DEFAULT_CONSENT: &str = "I agree that {agency} and its licensed insurance agents may contact me about \
insurance at the phone number and e-mail address I gave, including by calls and text messages sent with automated \
technology. My consent is not a condition of any purchase, and I can withdraw it at any time.";

/// `#rrggbb`, lowercased.
pub fn parse_colour(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_lowercase();
    if c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(c)
    } else {
        Err("Enter a colour as # and six hex digits, like #1f5fa8.".into())
    }
}

/// An http(s) address with a host; "example.com" is read as https://example.com. Blank is allowed.
pub fn parse_website(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    let bad = || "Enter the web address, like https://www.example.com.".to_string();
    let full = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&full).map_err(|_| bad())?;
    let host_ok = url
        .host_str()
        .is_some_and(|h| h.contains('.') && !h.starts_with('.') && !h.ends_with('.'));
    if !matches!(url.scheme(), "http" | "https") || !host_ok || full.len() > 300 || !url.username().is_empty() {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// One licence a line: a state (code or name) and the licence number, like "FL L094421".
pub fn parse_licences(raw: &str) -> Result<Vec<AgencyLicence>, String> {
    let mut out: Vec<AgencyLicence> = Vec::new();
    for (i, line) in raw.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let line_no = i + 1;
        let (state, number) = line
            .split_once([' ', ':', '\t', '-'])
            .map(|(s, n)| (s.trim(), n.trim_start_matches([' ', ':', '-', '#', '\t']).trim()))
            .ok_or_else(|| format!("Line {line_no}: write the state, then the licence number, like FL L094421."))?;
        let state = parse_state(state).map_err(|m| format!("Line {line_no}: {m}"))?;
        if number.is_empty()
            || number.len() > 30
            || !number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(format!(
                "Line {line_no}: a licence number is up to 30 letters, digits and dashes."
            ));
        }
        if out.iter().any(|l| l.state == state) {
            return Err(format!("Line {line_no}: {state} is listed twice."));
        }
        out.push(AgencyLicence {
            state,
            number: number.to_uppercase(),
        });
    }
    Ok(out)
}

/// The settings form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AgencyForm {
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub licences: Option<String>,
    pub time_zone: Option<String>,
    pub brand_colour: Option<String>,
    pub consent_wording: Option<String>,
}

impl AgencyForm {
    pub fn from_row(row: &AgencyRow) -> AgencyForm {
        AgencyForm {
            name: Some(row.name.clone()),
            legal_name: Some(row.legal_name.clone()),
            address: Some(row.address.clone()),
            phone: Some(if row.phone.is_empty() {
                String::new()
            } else {
                display_phone(&row.phone)
            }),
            website: Some(row.website.clone()),
            licences: Some(row.licences.clone()),
            time_zone: Some(row.time_zone.clone()),
            brand_colour: Some(row.brand_colour.clone()),
            consent_wording: Some(row.consent_wording.clone()),
        }
    }
}

fn raw(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// The agency's name: required, one line of up to 120 characters.
pub fn parse_name(raw: &str) -> Result<String, String> {
    crate::text::required_line(
        raw,
        120,
        "agency name",
        "Enter the agency's name, up to 120 characters.",
    )
}

/// The form turned into the row's new values, or every field's message.
pub fn parse_form(form: &AgencyForm) -> Result<AgencyChanges, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut take = |field: &str, r: Result<String, String>| r.map_err(|m| errors.add(field, m)).unwrap_or_default();
    let name = take("name", parse_name(raw(&form.name)));
    let legal_name = take(
        "legal_name",
        crate::text::clean_line(raw(&form.legal_name), 200).map_err(|e| e.message("legal name")),
    );
    let address = take(
        "address",
        crate::text::clean_text(raw(&form.address), 400).map_err(|e| e.message("address")),
    );
    let phone = take(
        "phone",
        match raw(&form.phone).trim() {
            "" => Ok(String::new()),
            p => parse_phone(p),
        },
    );
    let website = take("website", parse_website(raw(&form.website)));
    let licences = take(
        "licences",
        parse_licences(raw(&form.licences)).map(|l| {
            l.iter()
                .map(|l| format!("{} {}", l.state, l.number))
                .collect::<Vec<_>>()
                .join("\n")
        }),
    );
    let time_zone = take("time_zone", crate::auth::service::parse_time_zone(raw(&form.time_zone)));
    let brand_colour = take("brand_colour", parse_colour(raw(&form.brand_colour)));
    let consent_wording = take(
        "consent_wording",
        crate::text::clean_text(raw(&form.consent_wording), 2000)
            .and_then(crate::text::non_empty)
            .map_err(|e| e.message("consent wording"))
            .and_then(|w| {
                if w.contains("{agency}") {
                    Ok(w)
                } else {
                    Err("Keep {agency} in the wording: the consent must name the agency as the seller.".into())
                }
            }),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AgencyChanges {
        name,
        legal_name,
        address,
        phone,
        website,
        licences,
        time_zone,
        brand_colour,
        consent_wording,
    })
}

/// Only an owner changes who the agency says it is (admins may look).
pub fn may_edit(actor: Actor) -> Result<(), AppError> {
    if actor.role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Saves the settings with their audit entry (in the caller's transaction).
pub fn save(conn: &mut DbConnection, actor: Actor, who: &AuditActor, form: &AgencyForm) -> Result<(), AppError> {
    may_edit(actor)?;
    let changes = parse_form(form).map_err(AppError::Validation)?;
    let before = model::find(conn)?;
    model::update(conn, &changes)?;
    let changed = changed_fields(&before, &changes);
    audit::record(conn, who, "agency.updated", "agency", Some(1), &changed.join(", "))?;
    Ok(())
}

fn changed_fields(before: &AgencyRow, after: &AgencyChanges) -> Vec<&'static str> {
    let pairs: [(&'static str, &str, &str); 9] = [
        ("name", &before.name, &after.name),
        ("legal name", &before.legal_name, &after.legal_name),
        ("address", &before.address, &after.address),
        ("phone", &before.phone, &after.phone),
        ("website", &before.website, &after.website),
        ("licences", &before.licences, &after.licences),
        ("time zone", &before.time_zone, &after.time_zone),
        ("brand colour", &before.brand_colour, &after.brand_colour),
        ("consent wording", &before.consent_wording, &after.consent_wording),
    ];
    pairs.iter().filter(|(_, a, b)| a != b).map(|(n, _, _)| *n).collect()
}

/// Sets the logo with its audit entry; returns the previous file, to remove.
pub fn set_logo(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    file: &str,
) -> Result<Option<String>, AppError> {
    may_edit(actor)?;
    let old = model::set_logo(conn, Some(file))?;
    audit::record(conn, who, "agency.logo_changed", "agency", Some(1), file)?;
    Ok(old)
}

/// The set-up page's agency name and time zone (the first owner is created in the same
/// transaction, so no permission check beyond the set-up page's own).
pub fn set_up(conn: &mut DbConnection, who: &AuditActor, name: &str, time_zone: &str) -> QueryResult<()> {
    model::set_name_and_zone(conn, name, time_zone)?;
    audit::record(conn, who, "agency.set_up", "agency", Some(1), name)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AgencyForm {
        AgencyForm {
            name: Some("Sunbelt Health & Life".into()),
            legal_name: Some("Sunbelt Health & Life Insurance Agency, LLC".into()),
            address: Some("4200 W Cypress St, Suite 300\nTampa, FL 33607".into()),
            phone: Some("(813) 555-0142".into()),
            website: Some("sunbelt-demo.test".into()),
            licences: Some("FL: L094421\ntexas 2384411".into()),
            time_zone: Some("America/New_York".into()),
            brand_colour: Some("#0E7C66".into()),
            consent_wording: Some(DEFAULT_CONSENT.into()),
        }
    }

    #[test]
    fn a_good_form_becomes_canonical_values() {
        let c = parse_form(&form()).unwrap();
        assert_eq!(c.phone, "+18135550142");
        assert_eq!(c.website, "https://sunbelt-demo.test/");
        assert_eq!(c.licences, "FL L094421\nTX 2384411");
        assert_eq!(c.brand_colour, "#0e7c66");
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let bad = AgencyForm {
            name: Some("  ".into()),
            phone: Some("555-1234".into()),
            website: Some("javascript:alert(1)".into()),
            licences: Some("ZZ 123".into()),
            time_zone: Some("Mars/Olympus".into()),
            brand_colour: Some("blue".into()),
            consent_wording: Some("I agree to be called.".into()),
            ..form()
        };
        let errors = parse_form(&bad).unwrap_err();
        for f in [
            "name",
            "phone",
            "website",
            "licences",
            "time_zone",
            "brand_colour",
            "consent_wording",
        ] {
            assert!(errors.has(f), "{f}: {errors:?}");
        }
        assert!(!errors.has("legal_name"));
    }

    #[test]
    fn licences_are_one_per_state() {
        assert!(parse_licences("FL 1\nFlorida 2").unwrap_err().contains("twice"));
        assert!(parse_licences("FL").is_err());
        assert_eq!(parse_licences("").unwrap(), vec![]);
    }

    #[test]
    fn the_consent_names_the_agency() {
        let mut a = Agency::fallback("the agency");
        a.name = "Sunbelt Health & Life".into();
        assert!(a
            .consent_text()
            .starts_with("I agree that Sunbelt Health & Life and its licensed"));
    }

    #[test]
    fn the_sender_carries_the_agency_name() {
        let mut a = Agency::fallback("x");
        a.name = "Sunbelt \"Health\" <Life>".into();
        assert_eq!(
            a.mail_from("Agency Engine <no-reply@agency-engine.local>"),
            "\"Sunbelt Health Life\" <no-reply@agency-engine.local>"
        );
        assert_eq!(
            a.mail_from("ops@example.com"),
            "\"Sunbelt Health Life\" <ops@example.com>"
        );
    }
}
