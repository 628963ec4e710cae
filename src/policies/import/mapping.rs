//! The book import's columns: the fields a column can hold, guessing them from a carrier's
//! headers, the checks a mapping must pass, and reading one row's cells by field (with the ways
//! exports write billing frequencies and enrollment types).

use crate::leads::lead_csv::{self, Mapping};

/// The fields a column can be mapped to, as `(key, label)`.
pub const FIELDS: &[(&str, &str)] = &[
    ("first_name", "Insured's first name"),
    ("last_name", "Insured's last name"),
    ("full_name", "Insured's full name"),
    ("email", "Insured's e-mail"),
    ("phone", "Insured's phone"),
    ("street", "Street"),
    ("city", "City"),
    ("state", "State"),
    ("zip", "ZIP code"),
    ("carrier", "Carrier (name or NAIC code)"),
    ("product", "Product"),
    ("policy_number", "Policy number"),
    ("agent", "Writing agent (e-mail or NPN)"),
    ("submitted_on", "Application date"),
    ("effective_on", "Effective date"),
    ("term_end_on", "Term end date"),
    ("premium", "Premium per instalment"),
    ("billing_frequency", "Billing frequency"),
    ("lives", "Lives covered"),
    ("plan_year", "Plan year (Medicare)"),
    ("enrollment_type", "Enrollment type (Medicare)"),
    ("coverage", "Coverage"),
];

/// The fields every file must have a column for (besides the insured's name).
const REQUIRED: &[&str] = &[
    "carrier",
    "product",
    "policy_number",
    "agent",
    "state",
    "effective_on",
    "premium",
    "billing_frequency",
];

/// Header spellings per field, as `lead_csv::normalize_header` leaves them.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "first_name",
        &["firstname", "insuredfirstname", "fname", "first", "memberfirstname"],
    ),
    (
        "last_name",
        &[
            "lastname",
            "insuredlastname",
            "lname",
            "last",
            "surname",
            "memberlastname",
        ],
    ),
    (
        "full_name",
        &[
            "name",
            "fullname",
            "insured",
            "insuredname",
            "membername",
            "policyholder",
            "policyholdername",
        ],
    ),
    ("email", &["email", "emailaddress", "insuredemail", "memberemail"]),
    (
        "phone",
        &["phone", "phonenumber", "insuredphone", "memberphone", "mobile"],
    ),
    (
        "street",
        &["street", "address", "address1", "streetaddress", "addressline1"],
    ),
    ("city", &["city", "insuredcity"]),
    ("state", &["state", "st", "insuredstate", "residencestate"]),
    ("zip", &["zip", "zipcode", "postalcode", "insuredzip"]),
    (
        "carrier",
        &["carrier", "carriername", "company", "naic", "naiccode", "carriernaic"],
    ),
    ("product", &["product", "productname", "plan", "planname"]),
    (
        "policy_number",
        &[
            "policynumber",
            "policyno",
            "policy",
            "policyid",
            "contractnumber",
            "certificatenumber",
        ],
    ),
    (
        "agent",
        &[
            "agent",
            "agentemail",
            "writingagent",
            "agentnpn",
            "npn",
            "writingagentnpn",
        ],
    ),
    (
        "submitted_on",
        &[
            "applicationdate",
            "appdate",
            "submitted",
            "submittedon",
            "submitdate",
            "signeddate",
        ],
    ),
    (
        "effective_on",
        &["effectivedate", "effective", "effectiveon", "effdate"],
    ),
    (
        "term_end_on",
        &["termenddate", "termend", "renewaldate", "expirationdate", "termdate"],
    ),
    ("premium", &["premium", "modalpremium", "premiumamount", "amount"]),
    (
        "billing_frequency",
        &[
            "billingfrequency",
            "frequency",
            "mode",
            "billingmode",
            "paymentmode",
            "premiummode",
        ],
    ),
    ("lives", &["lives", "numberoflives", "livescovered"]),
    ("plan_year", &["planyear"]),
    ("enrollment_type", &["enrollmenttype", "electiontype"]),
    ("coverage", &["coverage", "coveragedescription", "description"]),
];

pub(super) fn index_of(key: &str) -> usize {
    FIELDS.iter().position(|(k, _)| *k == key).expect("a field key")
}

/// Guesses each column's field from its header; each field for at most one column, and the
/// insured's name either as two halves or whole, never both.
pub fn guess_mapping(headers: &[String]) -> Mapping {
    lead_csv::guess_by_aliases(headers, ALIASES, "full_name", ("first_name", "last_name"))
}

/// The column of each field, after checking the mapping against the file's headers: the lead
/// import's checks, then every required field and the insured's name mapped. The error is a
/// sentence for the person mapping.
pub fn field_columns(mapping: &Mapping, headers: &[String]) -> Result<Vec<Option<usize>>, String> {
    let columns = mapping.columns_of(headers, FIELDS)?;
    let mapped = |key: &str| columns[index_of(key)].is_some();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|k| !mapped(k))
        .map(|k| FIELDS[index_of(k)].1)
        .collect();
    if !missing.is_empty() {
        return Err(format!("Map a column to each of: {}.", missing.join(", ")));
    }
    let (first, last, full) = (mapped("first_name"), mapped("last_name"), mapped("full_name"));
    if full && (first || last) {
        return Err("Map either the insured's first and last name, or their full name, not both.".into());
    }
    if !(full || (first && last)) {
        return Err("Map the insured's first and last name columns, or their full name column.".into());
    }
    Ok(columns)
}

/// A row's cells by field.
pub(super) struct Cells<'a> {
    pub columns: &'a [Option<usize>],
    pub raw: &'a [String],
}

impl Cells<'_> {
    pub fn get(&self, key: &str) -> String {
        self.columns[index_of(key)]
            .and_then(|i| self.raw.get(i))
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    }
}

/// A billing frequency as exports write it ("Monthly", "M", "Semi-Annual", "Annually", …), as
/// its key; anything else is left for the validation to refuse.
pub(super) fn frequency_key(raw: &str) -> String {
    match lead_csv::normalize_header(raw).as_str() {
        "monthly" | "month" | "m" | "mo" | "mthly" => "monthly".into(),
        "quarterly" | "quarter" | "q" | "qtrly" => "quarterly".into(),
        "semiannual" | "semiannually" | "semi" | "s" | "sa" | "halfyearly" | "biannual" => "semi_annual".into(),
        "annual" | "annually" | "a" | "yearly" | "year" | "ann" => "annual".into(),
        _ => raw.trim().to_string(),
    }
}

/// A CMS enrollment type as exports write it, as its key.
pub(super) fn enrollment_key(raw: &str) -> String {
    match lead_csv::normalize_header(raw).as_str() {
        "newtomedicare" | "ntm" | "new" | "initial" | "iep" => "new_to_medicare".into(),
        "likeforlike" | "planchangelikeforlike" | "like" => "like_for_like".into(),
        "unlike" | "planchangeunlike" => "unlike".into(),
        _ => raw.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_carrier_export_is_guessed_and_passes_the_mapping_checks() {
        let h = headers(&[
            "Policy Holder",
            "Carrier",
            "Plan Name",
            "Policy #",
            "Agent NPN",
            "State",
            "Eff. Date",
            "Modal Premium",
            "Mode",
            "Ignored",
        ]);
        let m = guess_mapping(&h);
        assert_eq!(
            m.columns,
            [
                Some("full_name"),
                Some("carrier"),
                Some("product"),
                Some("policy_number"),
                Some("agent"),
                Some("state"),
                Some("effective_on"),
                Some("premium"),
                Some("billing_frequency"),
                None
            ]
            .map(|c| c.map(str::to_string))
        );
        assert!(field_columns(&m, &h).is_ok());
    }

    #[test]
    fn a_mapping_without_a_required_column_says_which() {
        let h = headers(&["First", "Last", "Carrier", "Policy Number"]);
        let err = field_columns(&guess_mapping(&h), &h).unwrap_err();
        assert!(
            err.contains("Product") && err.contains("Premium per instalment"),
            "{err}"
        );
        assert!(!err.contains("Carrier"), "{err}");
    }

    #[test]
    fn frequencies_and_enrollment_types_as_exports_write_them() {
        for (raw, key) in [
            ("Monthly", "monthly"),
            ("M", "monthly"),
            ("Semi-Annual", "semi_annual"),
            ("Annually", "annual"),
            ("Q", "quarterly"),
            ("weekly", "weekly"),
        ] {
            assert_eq!(frequency_key(raw), key, "{raw}");
        }
        assert_eq!(enrollment_key("Plan change (like for like)"), "like_for_like");
        assert_eq!(enrollment_key("NTM"), "new_to_medicare");
    }
}
