//! Lead CSV import: agencies upload files with their own headers and map each column to a lead
//! field, then the file is read one record at a time and every row is validated with
//! [`validate_lead`].
//!
//! The flow:
//! 1. [`read_headers`] on the first bytes of the upload, [`guess_mapping`] to pre-fill the
//!    mapping form (or a remembered [`Mapping`], stored as JSON);
//! 2. [`Mapping::validate_mapping`] when the form is submitted;
//! 3. [`rows`] streams [`RowOutcome`]s; memory use does not grow with the file, and a row of the
//!    wrong shape (a cell too few or too many, a quote never closed) is rejected on its own;
//! 4. [`report_header`] and [`report_row`] build a downloadable CSV of the rejected rows.

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::csv_records::{Found, Problem, Record, Records, MAX_RECORD_BYTES};
use crate::leads::rules::{validate_lead, ConsentRequest, FieldErrors, LeadRequest, ValidLead};

/// The fields a column can be mapped to, as `(key, label)`. `full_name` is split into first and
/// last name at its last space; `consent_text` and `consent_given_at` fill the consent record.
pub const FIELDS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("full_name", "Full name"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("birth_date", "Birth date"),
    ("zip", "ZIP code"),
    ("state", "State"),
    ("product_line", "Product line"),
    ("message", "Message"),
    ("source", "Source"),
    ("external_id", "External id"),
    ("consent_text", "Consent text"),
    ("consent_given_at", "Consent given at"),
];

// Indexes into `FIELDS`.
const FIRST_NAME: usize = 0;
const LAST_NAME: usize = 1;
const FULL_NAME: usize = 2;
const EMAIL: usize = 3;
const PHONE: usize = 4;
const BIRTH_DATE: usize = 5;
const ZIP: usize = 6;
const STATE: usize = 7;
const PRODUCT_LINE: usize = 8;
const MESSAGE: usize = 9;
const SOURCE: usize = 10;
const EXTERNAL_ID: usize = 11;
const CONSENT_TEXT: usize = 12;
const CONSENT_GIVEN_AT: usize = 13;
const FIELD_COUNT: usize = 14;

fn field_index(key: &str) -> Option<usize> {
    FIELDS.iter().position(|(k, _)| *k == key)
}

const NOT_UTF8: &str = "The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.";
const NO_HEADER: &str = "The file has no header row.";

// ---------------------------------------------------------------------------------------------
// Headers and mapping
// ---------------------------------------------------------------------------------------------

/// Reads the header record (the first non-blank record) from the first bytes of an upload.
/// A UTF-8 byte order mark is ignored and header cells are trimmed.
///
/// Pass enough bytes to hold the whole header line (64 KiB is plenty); a header cut short by the
/// prefix comes back cut short.
pub fn read_headers(bytes_prefix: &[u8]) -> Result<Vec<String>, String> {
    read_header_record(&mut Records::new(bytes_prefix))
}

/// Reads records up to the first non-blank one, the header, and returns its trimmed cells.
fn read_header_record<R: Read>(records: &mut Records<R>) -> Result<Vec<String>, String> {
    loop {
        match records.next_record() {
            Ok(Found::Record { .. }) => {}
            Ok(Found::End) => return Err(NO_HEADER.to_string()),
            Ok(Found::Broken { problem, .. }) => return Err(format!("The header row {}", problem_text(problem))),
            Err(err) => return Err(format!("The file could not be read: {err}.")),
        }
        if let Some(headers) = header_cells(records.record())? {
            return Ok(headers);
        }
    }
}

/// What is wrong with a broken record, after "This row" or "The header row".
fn problem_text(problem: Problem) -> String {
    match problem {
        Problem::UnclosedQuote => {
            "has a quote (\") that is never closed. The lines after it were read as rows of their own.".to_string()
        }
        Problem::TooLong => format!("is longer than {} KiB.", MAX_RECORD_BYTES / 1024),
    }
}

/// The trimmed header cells, or `None` when the record is blank.
fn header_cells(record: &Record) -> Result<Option<Vec<String>>, String> {
    let mut headers = Vec::with_capacity(record.len());
    for cell in record.cells() {
        let text = std::str::from_utf8(cell).map_err(|_| NOT_UTF8.to_string())?;
        headers.push(text.trim().to_string());
    }
    if headers.iter().all(String::is_empty) {
        return Ok(None);
    }
    Ok(Some(headers))
}

/// Header spellings per field, already normalised by [`normalize_header`].
const ALIASES: &[(usize, &[&str])] = &[
    (
        FIRST_NAME,
        &[
            "firstname",
            "fname",
            "first",
            "givenname",
            "forename",
            "leadfirstname",
            "contactfirstname",
        ],
    ),
    (
        LAST_NAME,
        &[
            "lastname",
            "lname",
            "last",
            "surname",
            "familyname",
            "leadlastname",
            "contactlastname",
        ],
    ),
    (
        FULL_NAME,
        &[
            "name",
            "fullname",
            "leadname",
            "contactname",
            "customername",
            "clientname",
        ],
    ),
    (EMAIL, &["email", "emailaddress", "mail", "emailid", "primaryemail"]),
    (
        PHONE,
        &[
            "phone",
            "phonenumber",
            "phoneno",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "cellnumber",
            "telephone",
            "tel",
            "homephone",
            "primaryphone",
            "phone1",
            "contactnumber",
        ],
    ),
    (
        BIRTH_DATE,
        &["dob", "dateofbirth", "birthdate", "birthday", "birth", "bdate"],
    ),
    (
        ZIP,
        &[
            "zip",
            "zipcode",
            "postalcode",
            "postcode",
            "zip5",
            "zippostalcode",
            "postal",
        ],
    ),
    (STATE, &["state", "statecode", "stateprovince", "province"]),
    (
        PRODUCT_LINE,
        &[
            "product",
            "productline",
            "productinterest",
            "coveragetype",
            "insurancetype",
            "plantype",
            "lineofbusiness",
        ],
    ),
    (
        MESSAGE,
        &[
            "message",
            "notes",
            "note",
            "comments",
            "comment",
            "description",
            "details",
        ],
    ),
    (
        SOURCE,
        &[
            "source",
            "leadsource",
            "vendor",
            "leadvendor",
            "utmsource",
            "sourcename",
        ],
    ),
    (
        EXTERNAL_ID,
        &[
            "externalid",
            "leadid",
            "id",
            "vendorleadid",
            "referenceid",
            "refid",
            "reference",
            "sourceid",
            "uniqueid",
        ],
    ),
    (
        CONSENT_TEXT,
        &[
            "consent",
            "consenttext",
            "consentlanguage",
            "tcpa",
            "tcpaconsent",
            "tcpatext",
            "optintext",
            "disclosure",
        ],
    ),
    (
        CONSENT_GIVEN_AT,
        &[
            "consentgivenat",
            "consentdate",
            "consenttime",
            "consenttimestamp",
            "consentat",
            "optindate",
            "optintime",
            "tcpadate",
            "tcpatimestamp",
        ],
    ),
];

/// Fragments that, found inside a header, suggest a field when no alias matched exactly
/// ("Best Phone to Call" → phone). Tried in this order.
const FRAGMENTS: &[(&str, usize)] = &[
    ("firstname", FIRST_NAME),
    ("lastname", LAST_NAME),
    ("surname", LAST_NAME),
    ("email", EMAIL),
    ("phone", PHONE),
    ("mobile", PHONE),
    ("dateofbirth", BIRTH_DATE),
    ("birthdate", BIRTH_DATE),
    ("zip", ZIP),
    ("postalcode", ZIP),
];

/// Headers containing one of these describe something *about* a field ("Phone Type",
/// "Email Opt In"), so fragments are not matched in them.
const NOT_A_VALUE: &[&str] = &[
    "type",
    "status",
    "valid",
    "verified",
    "optin",
    "optout",
    "consent",
    "dnc",
    "extension",
];

/// Lowercase letters and digits only: "E-mail Address" → "emailaddress".
fn normalize_header(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Guesses, for each column, the field it most likely holds (`None` when unknown), from header
/// aliases compared case-, space- and punctuation-insensitively ("First Name", "fname",
/// "E-mail", "Phone Number", "Mobile", "DOB", "Zip Code", "Notes", "Lead Source", …).
///
/// Exact aliases win over fragments ("Best Phone to Call"), and left columns over right ones; each
/// field is guessed for at most one column. When both a full-name column and first/last-name
/// columns are found, the pair wins if both halves are there, else the full name does, so the
/// guess always passes the name rule of [`Mapping::validate_mapping`].
pub fn guess_mapping(headers: &[String]) -> Vec<Option<&'static str>> {
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut guess: Vec<Option<usize>> = vec![None; headers.len()];
    let mut taken = [false; FIELD_COUNT];

    for (column, key) in normalized.iter().enumerate() {
        let hit = ALIASES
            .iter()
            .find(|(_, aliases)| aliases.contains(&key.as_str()))
            .map(|(field, _)| *field);
        if let Some(field) = hit.filter(|f| !taken[*f]) {
            guess[column] = Some(field);
            taken[field] = true;
        }
    }
    for (column, key) in normalized.iter().enumerate() {
        if guess[column].is_some() || NOT_A_VALUE.iter().any(|word| key.contains(word)) {
            continue;
        }
        let hit = FRAGMENTS
            .iter()
            .find(|(fragment, field)| !taken[*field] && key.contains(fragment));
        if let Some((_, field)) = hit {
            guess[column] = Some(*field);
            taken[*field] = true;
        }
    }

    if taken[FULL_NAME] && (taken[FIRST_NAME] || taken[LAST_NAME]) {
        let drop: &[usize] = if taken[FIRST_NAME] && taken[LAST_NAME] {
            &[FULL_NAME]
        } else {
            &[FIRST_NAME, LAST_NAME]
        };
        for slot in guess.iter_mut() {
            if slot.is_some_and(|f| drop.contains(&f)) {
                *slot = None;
            }
        }
    }
    guess.into_iter().map(|g| g.map(|f| FIELDS[f].0)).collect()
}

/// Which field each column holds, by position (`None` = ignore the column). Stored as JSON to
/// remember an agency's last mapping: `{"columns":["full_name",null,"email"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// Field key (see [`FIELDS`]) per column, in file order.
    pub columns: Vec<Option<String>>,
}

impl Mapping {
    /// A mapping from the result of [`guess_mapping`].
    pub fn from_guess(guess: &[Option<&str>]) -> Self {
        Self {
            columns: guess.iter().map(|g| g.map(str::to_string)).collect(),
        }
    }

    /// Checks the mapping against the file's headers: one entry per column, only known field
    /// keys, no field on two columns, a first and last name (or a full name, but not both
    /// ways), and an e-mail or phone column. The error is a sentence for the person mapping.
    pub fn validate_mapping(&self, headers: &[String]) -> Result<(), String> {
        self.field_columns(headers).map(|_| ())
    }

    /// The column index of each field, after the checks of [`Mapping::validate_mapping`].
    fn field_columns(&self, headers: &[String]) -> Result<[Option<usize>; FIELD_COUNT], String> {
        if self.columns.len() != headers.len() {
            return Err(format!(
                "The mapping has {} columns but the file has {}. Map the columns again.",
                self.columns.len(),
                headers.len()
            ));
        }
        let column_name = |i: usize| match headers[i].as_str() {
            "" => format!("column {}", i + 1),
            name => format!("\"{name}\""),
        };
        let mut columns: [Option<usize>; FIELD_COUNT] = [None; FIELD_COUNT];
        for (i, key) in self.columns.iter().enumerate() {
            let Some(key) = key.as_deref().filter(|k| !k.is_empty()) else {
                continue;
            };
            let field = field_index(key).ok_or_else(|| format!("Unknown field \"{key}\" for {}.", column_name(i)))?;
            if let Some(first) = columns[field] {
                return Err(format!(
                    "{} is mapped to two columns, {} and {}. Map it once.",
                    FIELDS[field].1,
                    column_name(first),
                    column_name(i)
                ));
            }
            columns[field] = Some(i);
        }
        let (first, last, full) = (
            columns[FIRST_NAME].is_some(),
            columns[LAST_NAME].is_some(),
            columns[FULL_NAME].is_some(),
        );
        if full && (first || last) {
            return Err("Map either First name and Last name, or Full name, not both.".to_string());
        }
        if !(full || (first && last)) {
            return Err("Map a First name and a Last name column, or a Full name column.".to_string());
        }
        if columns[EMAIL].is_none() && columns[PHONE].is_none() {
            return Err("Map an E-mail or a Phone column.".to_string());
        }
        Ok(columns)
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming rows
// ---------------------------------------------------------------------------------------------

/// One data row of the file, after mapping and validation.
// Most rows are valid, so boxing the lead would only add an allocation per row.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// The row is a valid lead.
    Valid {
        /// 1-based line in the file where the row starts, counting blank lines and line breaks
        /// inside quoted cells (`\n`, `\r\n` and a lone `\r` each end a line).
        line: u64,
        /// The validated lead.
        lead: ValidLead,
    },
    /// The row cannot be imported.
    Invalid {
        /// 1-based line in the file where the row starts.
        line: u64,
        /// Problems by mapping field key (`"full_name"`, `"consent_text"`, …), or `"row"` for a
        /// problem with the row as a whole.
        errors: FieldErrors,
        /// The row's cells as they are in the file, for the rejected-rows report.
        raw: Vec<String>,
    },
}

impl RowOutcome {
    /// The line in the file where the row starts.
    pub fn line(&self) -> u64 {
        match self {
            Self::Valid { line, .. } | Self::Invalid { line, .. } => *line,
        }
    }
}

/// Iterator over the data rows of a lead CSV, one record at a time; see [`rows`].
pub struct LeadRows<R: Read> {
    records: Records<R>,
    headers: Vec<String>,
    columns: [Option<usize>; FIELD_COUNT],
    default_source: String,
    today: NaiveDate,
    now: DateTime<Utc>,
    finished: bool,
    read_error: Option<String>,
}

/// Starts reading a lead CSV: reads the header record, checks `mapping` against it (see
/// [`Mapping::validate_mapping`]) and returns an iterator that reads, maps and validates one
/// record per step.
///
/// Blank rows (every cell blank) are skipped. A row that is not UTF-8, that has fewer cells than
/// the header or non-empty cells beyond the header's columns, or that [`Records`] could not read
/// (a quote never closed, a row over 64 KiB), is [`RowOutcome::Invalid`] with an error under
/// `"row"`, and reading goes on. A read error from `reader` ends the iteration; see
/// [`LeadRows::read_error`].
///
/// For CSV files only, on top of [`validate_lead`]: a birth date written `M/D/YYYY` is read as
/// a US date, and a ZIP of 3 or 4 digits gets back the leading zeros a spreadsheet dropped.
/// Error keys are the mapping's field keys (`"consent.text"` becomes `"consent_text"`, and name
/// errors are reported on `"full_name"` when the names come from it).
pub fn rows<R: Read>(
    reader: R,
    mapping: &Mapping,
    default_source: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<LeadRows<R>, String> {
    let mut records = Records::new(reader);
    let headers = read_header_record(&mut records)?;
    let columns = mapping.field_columns(&headers)?;
    Ok(LeadRows {
        records,
        headers,
        columns,
        default_source: default_source.to_string(),
        today,
        now,
        finished: false,
        read_error: None,
    })
}

impl<R: Read> LeadRows<R> {
    /// The file's header cells, trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Why reading stopped early, when the file could not be read to its end.
    pub fn read_error(&self) -> Option<&str> {
        self.read_error.as_deref()
    }

    /// Maps and validates the record just read; `None` for a blank row.
    fn outcome(&self, line: u64) -> Option<RowOutcome> {
        let mut utf8 = true;
        let record = self.records.record();
        let raw: Vec<String> = record
            .cells()
            .map(|cell| match std::str::from_utf8(cell) {
                Ok(text) => text.to_string(),
                Err(_) => {
                    utf8 = false;
                    String::from_utf8_lossy(cell).into_owned()
                }
            })
            .collect();
        if raw.iter().all(|cell| cell.trim().is_empty()) {
            return None;
        }
        let row_error = |message: String, raw: Vec<String>| {
            let mut errors = FieldErrors::new();
            errors.insert("row".to_string(), vec![message]);
            Some(RowOutcome::Invalid { line, errors, raw })
        };
        if !utf8 {
            return row_error(
                "This row is not UTF-8 text. Save the file as \"CSV UTF-8\" and upload it again.".to_string(),
                raw,
            );
        }
        if raw.len() < self.headers.len() {
            return row_error(
                format!(
                    "This row has {} cells but the header has {}. A cell may be missing, or a line break split the row.",
                    raw.len(),
                    self.headers.len()
                ),
                raw,
            );
        }
        if let Some(last) = raw.iter().rposition(|cell| !cell.trim().is_empty()) {
            if last >= self.headers.len() {
                return row_error(
                    format!(
                        "This row has {} cells but the header has {}. A value containing a comma needs quotes.",
                        last + 1,
                        self.headers.len()
                    ),
                    raw,
                );
            }
        }

        let request = self.request(&raw);
        match validate_lead(&request, &self.default_source, self.today, self.now) {
            Ok(lead) => Some(RowOutcome::Valid { line, lead }),
            Err(errors) => Some(RowOutcome::Invalid {
                line,
                errors: self.rekey(errors),
                raw,
            }),
        }
    }

    /// Builds the intake request from the mapped cells.
    fn request(&self, raw: &[String]) -> LeadRequest {
        let cell = |field: usize| -> Option<String> {
            self.columns[field]
                .and_then(|i| raw.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .map(str::to_string)
        };
        let (first_name, last_name) = if self.columns[FULL_NAME].is_some() {
            match cell(FULL_NAME) {
                Some(full) => {
                    let (first, last) = split_full_name(&full);
                    (Some(first), last)
                }
                None => (None, None),
            }
        } else {
            (cell(FIRST_NAME), cell(LAST_NAME))
        };
        let consent_text = cell(CONSENT_TEXT);
        let consent_given_at = cell(CONSENT_GIVEN_AT);
        let consent = (consent_text.is_some() || consent_given_at.is_some()).then(|| ConsentRequest {
            text: consent_text,
            given_at: consent_given_at,
            ..ConsentRequest::default()
        });
        LeadRequest {
            first_name,
            last_name,
            email: cell(EMAIL),
            phone: cell(PHONE),
            birth_date: cell(BIRTH_DATE).map(|d| us_date_to_iso(&d).unwrap_or(d)),
            zip: cell(ZIP).map(|z| pad_zip(&z).unwrap_or(z)),
            state: cell(STATE),
            product_line: cell(PRODUCT_LINE),
            message: cell(MESSAGE),
            source: cell(SOURCE),
            external_id: cell(EXTERNAL_ID),
            consent,
            tags: None,
        }
    }

    /// Renames `validate_lead`'s JSON keys to the mapping's field keys.
    fn rekey(&self, errors: FieldErrors) -> FieldErrors {
        let from_full_name = self.columns[FULL_NAME].is_some();
        let mut out = FieldErrors::new();
        for (key, messages) in errors {
            let key = match key.as_str() {
                "consent.text" => "consent_text".to_string(),
                "consent.given_at" => "consent_given_at".to_string(),
                "first_name" | "last_name" if from_full_name => "full_name".to_string(),
                _ => key,
            };
            let list = out.entry(key).or_default();
            for message in messages {
                if !list.contains(&message) {
                    list.push(message);
                }
            }
        }
        out
    }
}

impl<R: Read> Iterator for LeadRows<R> {
    type Item = RowOutcome;

    fn next(&mut self) -> Option<RowOutcome> {
        while !self.finished {
            let line = match self.records.next_record() {
                Ok(Found::Record { line }) => line,
                Ok(Found::Broken { line, problem, text }) => {
                    let mut errors = FieldErrors::new();
                    errors.insert("row".to_string(), vec![format!("This row {}", problem_text(problem))]);
                    return Some(RowOutcome::Invalid {
                        line,
                        errors,
                        raw: vec![text],
                    });
                }
                Ok(Found::End) => {
                    self.finished = true;
                    return None;
                }
                Err(err) => {
                    // An I/O error would most likely repeat: stop, and let the caller say so.
                    self.finished = true;
                    self.read_error = Some(err.to_string());
                    return None;
                }
            };
            if let Some(outcome) = self.outcome(line) {
                return Some(outcome);
            }
        }
        None
    }
}

/// Splits a full name at its last space: `"Mary Ann Smith"` → (`"Mary Ann"`, `Some("Smith")`).
/// A single word is a first name only. Runs of whitespace count as one space.
fn split_full_name(full: &str) -> (String, Option<String>) {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => (rest.join(" "), Some(last.to_string())),
        _ => (words.join(" "), None),
    }
}

/// `M/D/YYYY` or `MM-DD-YYYY` (US order) → `YYYY-MM-DD`; `None` for any other shape.
fn us_date_to_iso(raw: &str) -> Option<String> {
    let mut parts = raw.split(['/', '-']);
    let (Some(m), Some(d), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let digits = |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(m, &[1, 2]) && digits(d, &[1, 2]) && digits(y, &[4])) {
        return None;
    }
    Some(format!("{y}-{m:0>2}-{d:0>2}"))
}

/// A ZIP of 3 or 4 digits, as spreadsheets write ZIPs that start with zeros, padded to 5.
fn pad_zip(raw: &str) -> Option<String> {
    (matches!(raw.len(), 3 | 4) && raw.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{raw:0>5}"))
}

// ---------------------------------------------------------------------------------------------
// Rejected-rows report
// ---------------------------------------------------------------------------------------------

/// Header of the rejected-rows CSV: `line`, `errors`, then the file's own headers.
pub fn report_header(headers: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(headers.len() + 2);
    out.push("line".to_string());
    out.push("errors".to_string());
    out.extend(headers.iter().cloned());
    out
}

/// One rejected row for the report: the line, the errors as `"field: message; field: message"`
/// (fields in alphabetical order), then the row's original cells.
pub fn report_row(line: u64, errors: &FieldErrors, raw: &[String]) -> Vec<String> {
    let summary = errors
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = Vec::with_capacity(raw.len() + 2);
    out.push(line.to_string());
    out.push(summary);
    out.extend(raw.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProductLine;
    use chrono::TimeZone;
    use std::cell::Cell;
    use std::io;
    use std::rc::Rc;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn mapping(keys: &[Option<&str>]) -> Mapping {
        Mapping::from_guess(keys)
    }

    fn read_all(csv: &[u8], keys: &[Option<&str>]) -> Vec<RowOutcome> {
        rows(csv, &mapping(keys), "csv", today(), now()).unwrap().collect()
    }

    const BASIC: &[Option<&str>] = &[Some("first_name"), Some("last_name"), Some("email")];

    fn lines_and_validity(outcomes: &[RowOutcome]) -> Vec<(u64, bool)> {
        outcomes
            .iter()
            .map(|o| (o.line(), matches!(o, RowOutcome::Valid { .. })))
            .collect()
    }

    // --- read_headers ---

    #[test]
    fn headers_with_bom_and_spaces_are_clean() {
        let headers = read_headers(b"\xEF\xBB\xBF First Name ,E-mail,\"Zip, Code\"\r\nAna,a@b.co,1").unwrap();
        assert_eq!(headers, strings(&["First Name", "E-mail", "Zip, Code"]));
    }

    #[test]
    fn headers_after_blank_lines_are_found() {
        assert_eq!(
            read_headers(b"\n\r\n,,\nname,email\n").unwrap(),
            strings(&["name", "email"])
        );
    }

    #[test]
    fn headers_of_empty_file_are_error() {
        assert_eq!(read_headers(b""), Err(NO_HEADER.to_string()));
        assert_eq!(read_headers(b"\n\n , \n"), Err(NO_HEADER.to_string()));
    }

    #[test]
    fn headers_not_utf8_are_error() {
        assert_eq!(read_headers(b"Nombre,Direcci\xF3n\n"), Err(NOT_UTF8.to_string()));
    }

    // --- guess_mapping ---

    #[test]
    fn guess_common_headers_map_to_fields() {
        let headers = strings(&[
            "First Name",
            "LNAME",
            "E-mail",
            "Phone Number",
            "DOB",
            "Zip Code",
            "State",
            "Product",
            "Notes",
            "Lead Source",
            "Lead ID",
            "TCPA Consent",
            "Consent Date",
            "Address",
        ]);
        assert_eq!(
            guess_mapping(&headers),
            vec![
                Some("first_name"),
                Some("last_name"),
                Some("email"),
                Some("phone"),
                Some("birth_date"),
                Some("zip"),
                Some("state"),
                Some("product_line"),
                Some("message"),
                Some("source"),
                Some("external_id"),
                Some("consent_text"),
                Some("consent_given_at"),
                None,
            ]
        );
    }

    #[test]
    fn guess_alternative_spellings_map_to_fields() {
        let headers = strings(&[
            "fname",
            "Surname",
            "email_address",
            "Mobile",
            "Date of Birth",
            "Postal Code",
            "Comments",
        ]);
        assert_eq!(
            guess_mapping(&headers),
            vec![
                Some("first_name"),
                Some("last_name"),
                Some("email"),
                Some("phone"),
                Some("birth_date"),
                Some("zip"),
                Some("message"),
            ]
        );
    }

    #[test]
    fn guess_field_goes_to_first_column_only() {
        let headers = strings(&["Name", "Phone", "Mobile", "Cell Phone", "Email"]);
        assert_eq!(
            guess_mapping(&headers),
            vec![Some("full_name"), Some("phone"), None, None, Some("email")]
        );
    }

    #[test]
    fn guess_exact_alias_beats_earlier_fragment() {
        let headers = strings(&["Phone # (main)", "Phone"]);
        assert_eq!(guess_mapping(&headers), vec![None, Some("phone")]);
        let headers = strings(&["Phone # (main)", "Email"]);
        assert_eq!(guess_mapping(&headers), vec![Some("phone"), Some("email")]);
    }

    #[test]
    fn guess_fragment_skips_descriptive_headers() {
        let headers = strings(&["Phone Type", "Email Opt In", "Email Status", "Home Zip"]);
        assert_eq!(guess_mapping(&headers), vec![None, None, None, Some("zip")]);
    }

    #[test]
    fn guess_unknown_headers_are_none() {
        let headers = strings(&["Address", "City", "", "Favourite colour"]);
        assert_eq!(guess_mapping(&headers), vec![None; 4]);
    }

    #[test]
    fn guess_full_name_dropped_when_first_and_last_present() {
        let headers = strings(&["Name", "First Name", "Last Name", "Phone"]);
        let guess = guess_mapping(&headers);
        assert_eq!(guess, vec![None, Some("first_name"), Some("last_name"), Some("phone")]);
        assert!(Mapping::from_guess(&guess).validate_mapping(&headers).is_ok());
    }

    #[test]
    fn guess_half_name_dropped_when_full_name_present() {
        let headers = strings(&["Name", "Last Name", "Email"]);
        let guess = guess_mapping(&headers);
        assert_eq!(guess, vec![Some("full_name"), None, Some("email")]);
        assert!(Mapping::from_guess(&guess).validate_mapping(&headers).is_ok());
    }

    // --- validate_mapping ---

    #[test]
    fn mapping_first_last_email_is_valid() {
        let headers = strings(&["a", "b", "c", "d"]);
        let m = mapping(&[Some("first_name"), Some("last_name"), None, Some("email")]);
        assert_eq!(m.validate_mapping(&headers), Ok(()));
    }

    #[test]
    fn mapping_full_name_phone_is_valid() {
        let headers = strings(&["a", "b"]);
        assert_eq!(
            mapping(&[Some("full_name"), Some("phone")]).validate_mapping(&headers),
            Ok(())
        );
    }

    #[test]
    fn mapping_field_twice_is_error_naming_it() {
        let headers = strings(&["Phone", "Email", "Name", "Mobile"]);
        let m = mapping(&[Some("phone"), Some("email"), Some("full_name"), Some("phone")]);
        assert_eq!(
            m.validate_mapping(&headers),
            Err("Phone is mapped to two columns, \"Phone\" and \"Mobile\". Map it once.".to_string())
        );
    }

    #[test]
    fn mapping_without_names_is_error() {
        let headers = strings(&["a", "b"]);
        assert_eq!(
            mapping(&[Some("first_name"), Some("email")]).validate_mapping(&headers),
            Err("Map a First name and a Last name column, or a Full name column.".to_string())
        );
    }

    #[test]
    fn mapping_with_full_and_split_names_is_error() {
        let headers = strings(&["a", "b", "c", "d"]);
        let m = mapping(&[Some("full_name"), Some("first_name"), Some("last_name"), Some("email")]);
        assert_eq!(
            m.validate_mapping(&headers),
            Err("Map either First name and Last name, or Full name, not both.".to_string())
        );
    }

    #[test]
    fn mapping_without_email_or_phone_is_error() {
        let headers = strings(&["a", "b"]);
        assert_eq!(
            mapping(&[Some("full_name"), Some("zip")]).validate_mapping(&headers),
            Err("Map an E-mail or a Phone column.".to_string())
        );
    }

    #[test]
    fn mapping_unknown_field_is_error() {
        let headers = strings(&["", "b"]);
        assert_eq!(
            mapping(&[Some("nickname"), Some("email")]).validate_mapping(&headers),
            Err("Unknown field \"nickname\" for column 1.".to_string())
        );
    }

    #[test]
    fn mapping_column_count_mismatch_is_error() {
        let headers = strings(&["a", "b", "c"]);
        assert_eq!(
            mapping(&[Some("full_name"), Some("email")]).validate_mapping(&headers),
            Err("The mapping has 2 columns but the file has 3. Map the columns again.".to_string())
        );
    }

    #[test]
    fn mapping_json_round_trips() {
        let m = mapping(&[Some("full_name"), None, Some("email")]);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"columns":["full_name",null,"email"]}"#);
        assert_eq!(serde_json::from_str::<Mapping>(&json).unwrap(), m);
    }

    #[test]
    fn rows_with_invalid_mapping_is_error() {
        let err = rows(
            &b"a,b\n1,2\n"[..],
            &mapping(&[Some("email"), None]),
            "csv",
            today(),
            now(),
        )
        .err()
        .unwrap();
        assert_eq!(err, "Map a First name and a Last name column, or a Full name column.");
    }

    #[test]
    fn rows_of_empty_file_is_error() {
        let err = rows(&b"\n\n"[..], &mapping(BASIC), "csv", today(), now())
            .err()
            .unwrap();
        assert_eq!(err, NO_HEADER);
    }

    // --- rows: mapping into leads ---

    #[test]
    fn rows_map_every_field_into_lead() {
        let csv = "Name,Email,Phone,DOB,Zip,State,Product,Notes,Source,ID,Consent,Consent At\n\
                   Mary Ann Smith,MARY@example.com,(305) 555-0142,3/4/1955,2108,ma,Medicare Supplement,\
                   call me,fb,x-1,I agree,2025-06-01T10:00:00Z\n";
        let keys = [
            Some("full_name"),
            Some("email"),
            Some("phone"),
            Some("birth_date"),
            Some("zip"),
            Some("state"),
            Some("product_line"),
            Some("message"),
            Some("source"),
            Some("external_id"),
            Some("consent_text"),
            Some("consent_given_at"),
        ];
        let out = read_all(csv.as_bytes(), &keys);
        let RowOutcome::Valid { line, lead } = &out[0] else {
            panic!("{out:?}");
        };
        assert_eq!(*line, 2);
        assert_eq!(
            (lead.first_name.as_str(), lead.last_name.as_str()),
            ("Mary Ann", "Smith")
        );
        assert_eq!(lead.email.as_deref(), Some("mary@example.com"));
        assert_eq!(lead.phone.as_deref(), Some("+13055550142"));
        assert_eq!(lead.birth_date, NaiveDate::from_ymd_opt(1955, 3, 4));
        assert_eq!(lead.zip.as_deref(), Some("02108"));
        assert_eq!(lead.state.as_deref(), Some("MA"));
        assert_eq!(lead.product_line, ProductLine::MedicareSupplement);
        assert_eq!(lead.message, "call me");
        assert_eq!(lead.source, "fb");
        assert_eq!(lead.external_id.as_deref(), Some("x-1"));
        let consent = lead.consent.as_ref().unwrap();
        assert_eq!(consent.text, "I agree");
        assert_eq!(consent.given_at, Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0).unwrap());
    }

    #[test]
    fn rows_default_source_is_used_when_unmapped() {
        let out = read_all(b"f,l,e\nAna,Diaz,ana@example.com\n", BASIC);
        let RowOutcome::Valid { lead, .. } = &out[0] else {
            panic!("{out:?}");
        };
        assert_eq!(lead.source, "csv");
        assert!(lead.consent.is_none());
    }

    #[test]
    fn rows_errors_use_mapping_keys() {
        let csv = "name,email,consent at\nCher,cher@example.com,2025-06-01\n";
        let out = read_all(
            csv.as_bytes(),
            &[Some("full_name"), Some("email"), Some("consent_given_at")],
        );
        let RowOutcome::Invalid { line, errors, raw } = &out[0] else {
            panic!("{out:?}");
        };
        assert_eq!(*line, 2);
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            vec!["consent_given_at", "consent_text", "full_name"]
        );
        assert_eq!(errors["full_name"], vec!["Enter a last name."]);
        assert_eq!(*raw, strings(&["Cher", "cher@example.com", "2025-06-01"]));
    }

    #[test]
    fn rows_short_row_is_row_error() {
        let out = read_all(
            b"f,l,e,notes\nAna,Diaz,ana@example.com\nBo,Li,bo@example.com,\n",
            &[Some("first_name"), Some("last_name"), Some("email"), Some("message")],
        );
        assert_eq!(lines_and_validity(&out), vec![(2, false), (3, true)]);
        let RowOutcome::Invalid { errors, raw, .. } = &out[0] else {
            unreachable!()
        };
        assert_eq!(
            errors["row"],
            vec!["This row has 3 cells but the header has 4. A cell may be missing, or a line break split the row."]
        );
        assert_eq!(*raw, strings(&["Ana", "Diaz", "ana@example.com"]));
    }

    #[test]
    fn rows_unclosed_quote_is_row_error_and_the_next_lines_are_rows() {
        let out = read_all(
            b"f,l,e\nAna,\"Diaz,ana@example.com\nBo,Li,bo@example.com\nCy,Xu,cy@example.com\n",
            BASIC,
        );
        assert_eq!(lines_and_validity(&out), vec![(2, false), (3, true), (4, true)]);
        let RowOutcome::Invalid { errors, raw, .. } = &out[0] else {
            unreachable!()
        };
        assert_eq!(
            errors["row"],
            vec!["This row has a quote (\") that is never closed. The lines after it were read as rows of their own."]
        );
        assert_eq!(*raw, strings(&["Ana,\"Diaz,ana@example.com"]));
    }

    #[test]
    fn headers_with_unclosed_quote_are_error() {
        assert_eq!(
            read_headers(b"name,\"email\nAna,ana@example.com\n"),
            Err("The header row has a quote (\") that is never closed. The lines after it were read as rows of their own.".to_string())
        );
    }

    #[test]
    fn rows_extra_filled_cells_are_row_error() {
        let out = read_all(
            b"f,l,e\nAna,Diaz,ana@example.com,,\nBo,Li,Smith,bo@example.com\n",
            BASIC,
        );
        assert_eq!(lines_and_validity(&out), vec![(2, true), (3, false)]);
        let RowOutcome::Invalid { errors, .. } = &out[1] else {
            unreachable!()
        };
        assert_eq!(
            errors["row"],
            vec!["This row has 4 cells but the header has 3. A value containing a comma needs quotes."]
        );
    }

    #[test]
    fn rows_not_utf8_is_row_error_and_reading_continues() {
        let out = read_all(
            b"f,l,e\nJos\xE9,Diaz,jose@example.com\nAna,Diaz,ana@example.com\n",
            BASIC,
        );
        assert_eq!(lines_and_validity(&out), vec![(2, false), (3, true)]);
        let RowOutcome::Invalid { errors, raw, .. } = &out[0] else {
            unreachable!()
        };
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["row"]);
        assert_eq!(raw[0], "Jos\u{FFFD}");
    }

    #[test]
    fn rows_read_error_ends_iteration_and_is_kept() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let data = b"f,l,e\nAna,Diaz,ana@example.com\n";
                if self.0 < data.len() {
                    let n = (data.len() - self.0).min(buf.len());
                    buf[..n].copy_from_slice(&data[self.0..self.0 + n]);
                    self.0 += n;
                    Ok(n)
                } else {
                    Err(io::Error::other("disk on fire"))
                }
            }
        }
        let mut iter = rows(Failing(0), &mapping(BASIC), "csv", today(), now()).unwrap();
        let out: Vec<_> = iter.by_ref().collect();
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(matches!(out[0], RowOutcome::Valid { line: 2, .. }));
        assert_eq!(iter.read_error(), Some("disk on fire"));
    }

    // --- rows: line numbers ---

    #[test]
    fn lines_count_blank_lines_between_rows() {
        let out = read_all(b"f,l,e\nAna,Diaz,ana@example.com\n\n\nBo,Li,bo@example.com\n", BASIC);
        assert_eq!(lines_and_validity(&out), vec![(2, true), (5, true)]);
    }

    #[test]
    fn lines_count_crlf_and_blank_crlf_lines() {
        let out = read_all(b"f,l,e\r\n\r\nAna,Diaz,ana@example.com\r\n\r\n\r\nBo,Li,bad\r\n", BASIC);
        assert_eq!(lines_and_validity(&out), vec![(3, true), (6, false)]);
    }

    #[test]
    fn lines_count_cr_only_endings() {
        let out = read_all(b"f,l,e\rAna,Diaz,ana@example.com\r\rBo,Li,bo@example.com", BASIC);
        assert_eq!(lines_and_validity(&out), vec![(2, true), (4, true)]);
    }

    #[test]
    fn lines_count_quoted_newlines() {
        let csv = b"f,l,e,notes\nAna,Diaz,ana@example.com,\"line one\nline two\r\nline three\"\nBo,Li,bad,\nCy,\"Xu\",cy@example.com,\"\"\"quoted\"\"\"\n";
        let keys = [Some("first_name"), Some("last_name"), Some("email"), Some("message")];
        let out = read_all(csv, &keys);
        assert_eq!(lines_and_validity(&out), vec![(2, true), (5, false), (6, true)]);
        let RowOutcome::Valid { lead, .. } = &out[0] else {
            unreachable!()
        };
        // The message keeps its lines, with its line endings made one kind (see crate::text).
        assert_eq!(lead.message, "line one\nline two\nline three");
    }

    #[test]
    fn lines_skip_blank_and_whitespace_rows() {
        let out = read_all(b"f,l,e\n,,\n  ,  , \nAna,Diaz,ana@example.com\n", BASIC);
        assert_eq!(lines_and_validity(&out), vec![(4, true)]);
    }

    #[test]
    fn lines_count_leading_blank_lines_and_bom() {
        let out = read_all(
            b"\xEF\xBB\xBF\n\nf,l,e\nAna,Diaz,ana@example.com\nBo,Li,bo@example.com",
            BASIC,
        );
        assert_eq!(lines_and_validity(&out), vec![(4, true), (5, true)]);
    }

    #[test]
    fn lines_are_right_across_read_buffer_boundaries() {
        // Rows long enough to straddle the CSV reader's 8 KiB buffer, with CRLF split across
        // reads by a reader that serves 7 bytes at a time.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(7);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut csv = String::from("f,l,e,notes\r\n");
        let mut expected = Vec::new();
        let mut line = 2;
        for i in 0..40 {
            let notes = "x".repeat(i * 300);
            csv.push_str(&format!("A{i},B,a{i}@example.com,\"{notes}\r\n{notes}\"\r\n\r\n"));
            expected.push((line, true));
            line += 3;
        }
        let keys = [Some("first_name"), Some("last_name"), Some("email"), None];
        let out: Vec<_> = rows(Trickle(csv.as_bytes()), &mapping(&keys), "csv", today(), now())
            .unwrap()
            .collect();
        assert_eq!(lines_and_validity(&out), expected);
    }

    // --- rows: streaming ---

    /// Generates a lead CSV on the fly, never holding more than one row, and counts the bytes
    /// it has handed out.
    struct Generated {
        next_row: u64,
        rows: u64,
        buf: Vec<u8>,
        pos: usize,
        served: Rc<Cell<u64>>,
    }

    /// Row `i` of the generated file (with its line ending) and the number of lines it spans.
    fn generated_row(i: u64) -> (String, u64) {
        if i % 5_000 == 4_999 {
            return ("\n".to_string(), 1); // a blank line
        }
        if i % 10 == 3 {
            return (format!("Bad{i},Row,not-an-email,\n"), 1);
        }
        if i % 777 == 0 {
            return (format!("Quo{i},\"Two\nLines\",q{i}@example.com,\n"), 2);
        }
        if i % 1_000 == 1 {
            return (format!("Pho{i},Ne,,(305) 555-0142\n"), 1);
        }
        (format!("First{i},Last{i},lead{i}@example.com,\n"), 1)
    }

    impl Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let mut written = 0;
            while written < out.len() {
                if self.pos == self.buf.len() {
                    if self.next_row > self.rows {
                        break;
                    }
                    self.buf.clear();
                    if self.next_row == 0 {
                        self.buf.extend_from_slice(b"First Name,Last Name,Email,Phone\n");
                    } else {
                        self.buf.extend_from_slice(generated_row(self.next_row).0.as_bytes());
                    }
                    self.pos = 0;
                    self.next_row += 1;
                }
                let n = (self.buf.len() - self.pos).min(out.len() - written);
                out[written..written + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                written += n;
            }
            self.served.set(self.served.get() + written as u64);
            Ok(written)
        }
    }

    #[test]
    fn stream_of_100k_rows_is_read_row_by_row() {
        const ROWS: u64 = 100_000;
        let served = Rc::new(Cell::new(0));
        let input = Generated {
            next_row: 0,
            rows: ROWS,
            buf: Vec::new(),
            pos: 0,
            served: Rc::clone(&served),
        };
        let keys = [Some("first_name"), Some("last_name"), Some("email"), Some("phone")];
        let headers = strings(&["First Name", "Last Name", "Email", "Phone"]);
        assert_eq!(guess_mapping(&headers), keys.to_vec());
        let mut iter = rows(input, &mapping(&keys), "csv", today(), now()).unwrap();

        // Expected position of each data row, computed alongside.
        let mut expected_line = 2u64;
        let mut end_offset = "First Name,Last Name,Email,Phone\n".len() as u64;
        let mut next_generated = 1u64;
        let (mut valid, mut invalid, mut max_ahead) = (0u64, 0u64, 0u64);

        for outcome in iter.by_ref() {
            // Skip generated blank lines, which yield nothing.
            loop {
                let (text, lines) = generated_row(next_generated);
                next_generated += 1;
                let line = expected_line;
                expected_line += lines;
                end_offset += text.len() as u64;
                if text != "\n" {
                    assert_eq!(outcome.line(), line, "row {}", next_generated - 1);
                    break;
                }
            }
            max_ahead = max_ahead.max(served.get() - end_offset);
            match outcome {
                RowOutcome::Valid { .. } => valid += 1,
                RowOutcome::Invalid { errors, .. } => {
                    assert_eq!(
                        errors.get("email"),
                        Some(&vec!["Enter a valid e-mail address.".to_string()]),
                        "{errors:?}"
                    );
                    invalid += 1;
                }
            }
        }
        let blanks = ROWS / 5_000;
        assert_eq!(valid + invalid, ROWS - blanks);
        assert_eq!(invalid, ROWS / 10);
        assert_eq!(served.get(), end_offset, "the whole input was read");
        // The CSV reader buffers 8 KiB ahead; nothing grows with the file.
        assert!(
            max_ahead <= 16 * 1024,
            "read {max_ahead} bytes ahead of the current row"
        );
        assert!(iter.records.held_bytes() <= 16 * 1024);
    }

    // --- report ---

    #[test]
    fn report_lists_line_errors_and_cells() {
        let headers = strings(&["Name", "Email"]);
        assert_eq!(report_header(&headers), strings(&["line", "errors", "Name", "Email"]));
        let mut errors = FieldErrors::new();
        errors.insert("full_name".into(), vec!["Enter a last name.".into()]);
        errors.insert(
            "email".into(),
            vec!["Enter a valid e-mail address.".into(), "Second.".into()],
        );
        assert_eq!(
            report_row(7, &errors, &strings(&["Cher", "nope"])),
            strings(&[
                "7",
                "email: Enter a valid e-mail address.; email: Second.; full_name: Enter a last name.",
                "Cher",
                "nope"
            ])
        );
    }

    #[test]
    fn report_of_streamed_rows_writes_csv() {
        let csv = b"Name,Email\nAna Diaz,ana@example.com\nCher,\"bad, mail\"\n=CMD|'/C calc'!A0,@x\n";
        let iter = rows(
            &csv[..],
            &mapping(&[Some("full_name"), Some("email")]),
            "csv",
            today(),
            now(),
        )
        .unwrap();
        let mut writer = crate::spreadsheet::CsvWriter::new(Vec::new());
        writer.row(report_header(iter.headers())).unwrap();
        for outcome in iter {
            if let RowOutcome::Invalid { line, errors, raw } = outcome {
                writer.row(report_row(line, &errors, &raw)).unwrap();
            }
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(
            text,
            "line,errors,Name,Email\n\
             3,email: Enter a valid e-mail address.; full_name: Enter a last name.,Cher,\"bad, mail\"\n\
             4,email: Enter a valid e-mail address.,'=CMD|'/C calc'!A0,'@x\n"
        );
    }

    // --- helpers ---

    #[test]
    fn full_name_splits_on_last_space() {
        assert_eq!(
            split_full_name("Mary Ann  Smith"),
            ("Mary Ann".into(), Some("Smith".into()))
        );
        assert_eq!(split_full_name("Cher"), ("Cher".into(), None));
    }

    #[test]
    fn us_dates_convert_and_others_pass_through() {
        assert_eq!(us_date_to_iso("3/4/1955").as_deref(), Some("1955-03-04"));
        assert_eq!(us_date_to_iso("12-31-1960").as_deref(), Some("1960-12-31"));
        assert_eq!(us_date_to_iso("1955-03-04"), None);
        assert_eq!(us_date_to_iso("3/4/55"), None);
    }

    #[test]
    fn short_zips_are_padded() {
        assert_eq!(pad_zip("2108").as_deref(), Some("02108"));
        assert_eq!(pad_zip("501").as_deref(), Some("00501"));
        assert_eq!(pad_zip("12"), None);
        assert_eq!(pad_zip("33101"), None);
    }
}
