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
use crate::leads::intake::{validate_lead, ConsentRequest, FieldErrors, LeadRequest, ValidLead};

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
pub fn normalize_header(raw: &str) -> String {
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

/// Guesses each column's field from its header with an import's own spellings (`aliases`: per
/// field key, its headers as [`normalize_header`] leaves them): each field for at most one column,
/// left columns first; and a person's name either whole (`full`) or as two halves (`halves`),
/// never both, the pair winning when both halves are there. The book-of-business import and
/// carrier statements guess their columns with it.
pub fn guess_by_aliases(headers: &[String], aliases: &[(&str, &[&str])], full: &str, halves: (&str, &str)) -> Mapping {
    let mut columns: Vec<Option<String>> = vec![None; headers.len()];
    for (i, header) in headers.iter().enumerate() {
        let key = normalize_header(header);
        let hit = aliases.iter().find(|(field, spellings)| {
            spellings.contains(&key.as_str()) && !columns.iter().flatten().any(|c| c == field)
        });
        columns[i] = hit.map(|(field, _)| field.to_string());
    }
    let has = |columns: &[Option<String>], f: &str| columns.iter().flatten().any(|c| c == f);
    let (first, last) = halves;
    if has(&columns, full) && (has(&columns, first) || has(&columns, last)) {
        let drop: &[&str] = if has(&columns, first) && has(&columns, last) {
            &[full]
        } else {
            &[first, last]
        };
        for c in columns.iter_mut() {
            if c.as_deref().is_some_and(|f| drop.contains(&f)) {
                *c = None;
            }
        }
    }
    Mapping { columns }
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

    /// The column of each of `fields` (by its index there), after checking the mapping against
    /// the file's headers: one entry per column, only keys of `fields`, no field on two columns.
    /// Any import with its own field list maps its columns with this.
    pub fn columns_of(&self, headers: &[String], fields: &[(&str, &str)]) -> Result<Vec<Option<usize>>, String> {
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
        let mut columns: Vec<Option<usize>> = vec![None; fields.len()];
        for (i, key) in self.columns.iter().enumerate() {
            let Some(key) = key.as_deref().filter(|k| !k.is_empty()) else {
                continue;
            };
            let field = fields
                .iter()
                .position(|(k, _)| *k == key)
                .ok_or_else(|| format!("Unknown field \"{key}\" for {}.", column_name(i)))?;
            if let Some(first) = columns[field] {
                return Err(format!(
                    "{} is mapped to two columns, {} and {}. Map it once.",
                    fields[field].1,
                    column_name(first),
                    column_name(i)
                ));
            }
            columns[field] = Some(i);
        }
        Ok(columns)
    }

    /// The column index of each field, after the checks of [`Mapping::validate_mapping`].
    fn field_columns(&self, headers: &[String]) -> Result<[Option<usize>; FIELD_COUNT], String> {
        let mut columns: [Option<usize>; FIELD_COUNT] = [None; FIELD_COUNT];
        columns.copy_from_slice(&self.columns_of(headers, FIELDS)?);
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

/// A data row of any CSV file with a header row, read and checked for shape but not mapped.
#[derive(Debug, Clone, PartialEq)]
pub enum CsvRow {
    /// The row's cells (as many as the header's, or more that are blank), not blank as a whole.
    Cells {
        /// 1-based line in the file where the row starts.
        line: u64,
        cells: Vec<String>,
    },
    /// A row that cannot be read as cells of the header's columns: the problem under `"row"`.
    Bad {
        line: u64,
        errors: FieldErrors,
        /// What could be read of the row, for a rejected-rows report.
        raw: Vec<String>,
    },
}

/// Iterator over the data rows of a CSV file, one record at a time; see [`csv_rows`]. The lead
/// import and the other imports (the book of business) read their files with it and map the
/// cells their own way.
pub struct CsvRows<R: Read> {
    records: Records<R>,
    headers: Vec<String>,
    finished: bool,
    read_error: Option<String>,
}

/// Starts reading a CSV file: reads the header record and returns an iterator over the data
/// rows. Blank rows (every cell blank) are skipped. A row that is not UTF-8, that has fewer cells
/// than the header or non-empty cells beyond the header's columns, or that [`Records`] could not
/// read (a quote never closed, a row over 64 KiB), is [`CsvRow::Bad`], and reading goes on. A
/// read error from `reader` ends the iteration; see [`CsvRows::read_error`].
pub fn csv_rows<R: Read>(reader: R) -> Result<CsvRows<R>, String> {
    let mut records = Records::new(reader);
    let headers = read_header_record(&mut records)?;
    Ok(CsvRows {
        records,
        headers,
        finished: false,
        read_error: None,
    })
}

impl<R: Read> CsvRows<R> {
    /// The file's header cells, trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Why reading stopped early, when the file could not be read to its end.
    pub fn read_error(&self) -> Option<&str> {
        self.read_error.as_deref()
    }

    /// Checks the shape of the record just read; `None` for a blank row.
    fn shaped(&self, line: u64) -> Option<CsvRow> {
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
            Some(CsvRow::Bad { line, errors, raw })
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
        Some(CsvRow::Cells { line, cells: raw })
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = CsvRow;

    fn next(&mut self) -> Option<CsvRow> {
        while !self.finished {
            let line = match self.records.next_record() {
                Ok(Found::Record { line }) => line,
                Ok(Found::Broken { line, problem, text }) => {
                    let mut errors = FieldErrors::new();
                    errors.insert("row".to_string(), vec![format!("This row {}", problem_text(problem))]);
                    return Some(CsvRow::Bad {
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
            if let Some(row) = self.shaped(line) {
                return Some(row);
            }
        }
        None
    }
}

/// Iterator over the data rows of a lead CSV, one record at a time; see [`rows`].
pub struct LeadRows<R: Read> {
    rows: CsvRows<R>,
    columns: [Option<usize>; FIELD_COUNT],
    default_source: String,
    today: NaiveDate,
    now: DateTime<Utc>,
}

/// Starts reading a lead CSV: reads the header record, checks `mapping` against it (see
/// [`Mapping::validate_mapping`]) and returns an iterator that reads, maps and validates one
/// record per step. Rows are read as [`csv_rows`] reads them; a row of the wrong shape is
/// [`RowOutcome::Invalid`] with an error under `"row"`.
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
    let rows = csv_rows(reader)?;
    let columns = mapping.field_columns(rows.headers())?;
    Ok(LeadRows {
        rows,
        columns,
        default_source: default_source.to_string(),
        today,
        now,
    })
}

impl<R: Read> LeadRows<R> {
    /// The file's header cells, trimmed.
    pub fn headers(&self) -> &[String] {
        self.rows.headers()
    }

    /// Why reading stopped early, when the file could not be read to its end.
    pub fn read_error(&self) -> Option<&str> {
        self.rows.read_error()
    }

    /// Maps and validates one row's cells.
    fn outcome(&self, line: u64, raw: Vec<String>) -> RowOutcome {
        let request = self.request(&raw);
        match validate_lead(&request, &self.default_source, self.today, self.now) {
            Ok(lead) => RowOutcome::Valid { line, lead },
            Err(errors) => RowOutcome::Invalid {
                line,
                errors: self.rekey(errors),
                raw,
            },
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
        Some(match self.rows.next()? {
            CsvRow::Bad { line, errors, raw } => RowOutcome::Invalid { line, errors, raw },
            CsvRow::Cells { line, cells } => self.outcome(line, cells),
        })
    }
}

/// Splits a full name at its last space: `"Mary Ann Smith"` → (`"Mary Ann"`, `Some("Smith")`).
/// A single word is a first name only. Runs of whitespace count as one space.
pub fn split_full_name(full: &str) -> (String, Option<String>) {
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
pub fn pad_zip(raw: &str) -> Option<String> {
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
mod tests;
