//! Reading a carrier's statement: the fields a column can hold and guessing them from a
//! carrier's headers, the remembered map (by header name), the file as a table (CSV, or the first
//! sheet of an `.xlsx` workbook), and each line parsed and checked field by field.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::domain::money;
use crate::leads::lead_csv::{self, normalize_header, CsvRow, Mapping};
use crate::spreadsheet::{self, TableFile};

/// The most lines a statement may have (a large carrier's month is tens of thousands).
pub const MAX_LINES: usize = 200_000;

// ---- columns ---------------------------------------------------------------------------------

/// The fields a statement's column can be mapped to, as `(key, label)`.
pub const FIELDS: &[(&str, &str)] = &[
    ("policy_number", "Policy number"),
    ("insured", "Insured's full name"),
    ("insured_first", "Insured's first name"),
    ("insured_last", "Insured's last name"),
    ("birth_date", "Insured's birth date"),
    ("amount", "Amount paid"),
    ("period", "Period (the month paid for)"),
    ("kind", "Type (new, renewal, chargeback…)"),
    ("agent", "Writing agent (NPN or name)"),
];

/// Header spellings per field, as `normalize_header` leaves them.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "policy_number",
        &[
            "policynumber",
            "policyno",
            "policy",
            "policyid",
            "contractnumber",
            "contract",
            "certificatenumber",
            "memberid",
            "subscriberid",
        ],
    ),
    (
        "insured",
        &[
            "insured",
            "insuredname",
            "name",
            "fullname",
            "member",
            "membername",
            "policyholder",
            "policyholdername",
            "client",
            "clientname",
            "subscribername",
        ],
    ),
    (
        "insured_first",
        &["firstname", "insuredfirstname", "memberfirstname", "first"],
    ),
    (
        "insured_last",
        &["lastname", "insuredlastname", "memberlastname", "last", "surname"],
    ),
    (
        "birth_date",
        &["birthdate", "dob", "dateofbirth", "insureddob", "memberdob", "birthday"],
    ),
    (
        "amount",
        &[
            "amount",
            "commission",
            "commissionamount",
            "commissionpaid",
            "paid",
            "paidamount",
            "amountpaid",
            "payment",
            "netcommission",
            "netamount",
            "total",
        ],
    ),
    (
        "period",
        &[
            "period",
            "month",
            "commissionperiod",
            "commissionmonth",
            "paymonth",
            "statementperiod",
            "coveragemonth",
        ],
    ),
    (
        "kind",
        &[
            "type",
            "kind",
            "commissiontype",
            "transactiontype",
            "paymenttype",
            "transaction",
        ],
    ),
    (
        "agent",
        &[
            "agent",
            "agentnpn",
            "npn",
            "writingagent",
            "writingagentnpn",
            "writingagentname",
            "agentname",
            "producer",
            "producernpn",
        ],
    ),
];

fn index_of(key: &str) -> usize {
    FIELDS.iter().position(|(k, _)| *k == key).expect("a field key")
}

/// Guesses each column's field from its header; each field for at most one column, and the
/// insured's name either whole or as two halves, never both.
pub fn guess_mapping(headers: &[String]) -> Mapping {
    lead_csv::guess_by_aliases(headers, ALIASES, "insured", ("insured_first", "insured_last"))
}

/// The column of each field (by its index in [`FIELDS`]), after checking the mapping against
/// the file's headers: the shared checks (one entry per column, known fields, none twice), then an
/// amount, and a policy number or the insured's name. The error is a sentence for the person
/// mapping.
pub fn field_columns(mapping: &Mapping, headers: &[String]) -> Result<Vec<Option<usize>>, String> {
    let columns = mapping.columns_of(headers, FIELDS)?;
    let mapped = |key: &str| columns[index_of(key)].is_some();
    let (full, first, last) = (mapped("insured"), mapped("insured_first"), mapped("insured_last"));
    if !mapped("amount") {
        return Err("Map a column to Amount paid.".into());
    }
    if full && (first || last) {
        return Err("Map either the insured's full name, or their first and last name, not both.".into());
    }
    if first != last {
        return Err("Map both the insured's first and last name columns, or their full name column.".into());
    }
    if !mapped("policy_number") && !full && !first {
        return Err("Map a Policy number column, or the insured's name (with their birth date to match by it).".into());
    }
    Ok(columns)
}

/// A carrier's remembered map: field → the header of its column.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatementMap(pub BTreeMap<String, String>);

impl StatementMap {
    /// The map a mapping of these headers makes.
    pub fn of(mapping: &Mapping, headers: &[String]) -> StatementMap {
        StatementMap(
            mapping
                .columns
                .iter()
                .zip(headers)
                .filter_map(|(f, h)| f.as_ref().filter(|f| !f.is_empty()).map(|f| (f.clone(), h.clone())))
                .collect(),
        )
    }

    /// The mapping for a file with `headers`, when every remembered header is among them (by
    /// its letters and digits, in any order) and the mapping passes [`field_columns`].
    pub fn mapping_for(&self, headers: &[String]) -> Option<Mapping> {
        if self.0.is_empty() {
            return None;
        }
        let mut columns: Vec<Option<String>> = vec![None; headers.len()];
        for (field, header) in &self.0 {
            let wanted = normalize_header(header);
            let i = headers.iter().position(|h| normalize_header(h) == wanted)?;
            if columns[i].is_some() {
                return None;
            }
            columns[i] = Some(field.clone());
        }
        let mapping = Mapping { columns };
        field_columns(&mapping, headers).ok().map(|_| mapping)
    }
}

// ---- reading a file --------------------------------------------------------------------------

/// A data row of an uploaded statement, read but not yet parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Cells {
        line: u64,
        cells: Vec<String>,
    },
    /// A row that could not be read as cells of the header's columns.
    Bad {
        line: u64,
        message: String,
    },
}

/// An uploaded statement as text: its header and its rows (blank rows left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// Reads an uploaded file (CSV text or an Excel workbook, told by its bytes). `Err` is a
/// sentence about the file as a whole (not a table at all, no header, no lines, too many).
pub fn read_table(bytes: &[u8]) -> Result<(TableFile, Table), String> {
    let kind = spreadsheet::sniff(bytes)?;
    let table = match kind {
        TableFile::Csv => csv_table(bytes)?,
        TableFile::Xlsx => xlsx_table(spreadsheet::xlsx_rows(bytes)?)?,
    };
    if table.rows.is_empty() {
        return Err("The file has a header row but no lines.".into());
    }
    if table.rows.len() > MAX_LINES {
        return Err(format!(
            "The file has {} lines; a statement has at most {MAX_LINES}. Split it by month.",
            table.rows.len()
        ));
    }
    Ok((kind, table))
}

fn csv_table(bytes: &[u8]) -> Result<Table, String> {
    let mut rows = lead_csv::csv_rows(std::io::Cursor::new(bytes))?;
    let headers = rows.headers().to_vec();
    let mut out = Vec::new();
    for row in rows.by_ref() {
        out.push(match row {
            CsvRow::Cells { line, cells } => Row::Cells { line, cells },
            CsvRow::Bad { line, errors, .. } => Row::Bad {
                line,
                message: errors.into_values().flatten().collect::<Vec<_>>().join(" "),
            },
        });
        if out.len() > MAX_LINES {
            break;
        }
    }
    if let Some(e) = rows.read_error() {
        return Err(format!("The file could not be read: {e}."));
    }
    Ok(Table { headers, rows: out })
}

/// A worksheet's rows as a table: the first non-blank row is the header.
pub fn xlsx_table(rows: Vec<(u64, Vec<String>)>) -> Result<Table, String> {
    let blank = |cells: &[String]| cells.iter().all(|c| c.trim().is_empty());
    let mut rows = rows.into_iter().filter(|(_, cells)| !blank(cells));
    let Some((_, header)) = rows.next() else {
        return Err("The worksheet is empty: it has no header row.".into());
    };
    let width = header.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |i| i + 1);
    let headers: Vec<String> = header.into_iter().take(width).map(|h| h.trim().to_string()).collect();
    let mut out = Vec::new();
    for (line, mut cells) in rows {
        if let Some(last) = cells.iter().rposition(|c| !c.trim().is_empty()).filter(|l| *l >= width) {
            out.push(Row::Bad {
                line,
                message: format!("This row has {} cells but the header has {width}.", last + 1),
            });
            continue;
        }
        cells.resize(width, String::new());
        out.push(Row::Cells { line, cells });
        if out.len() > MAX_LINES {
            break;
        }
    }
    Ok(Table { headers, rows: out })
}

// ---- one line --------------------------------------------------------------------------------

/// A statement line, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    pub line: u64,
    pub policy_number: String,
    pub insured_name: String,
    pub birth_date: Option<NaiveDate>,
    pub amount_cents: i64,
    /// The month paid for (its first day): the line's own, or the statement's.
    pub period: NaiveDate,
    pub kind: String,
    pub agent: String,
}

/// Why a line could not be read: its line in the file and what is wrong, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// A date as statements write it: `2026-01-31`, `1/31/2026`, `01-31-2026`, `2026/01/31`,
/// `20260131`, or a spreadsheet's date and time.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let s = raw.trim();
    let s = s.split_once([' ', 'T']).map_or(s, |(d, _)| d);
    for f in ["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Ok(d);
        }
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y%m%d") {
            return Ok(d);
        }
    }
    Err(format!(
        "{:?} is not a date (for example 2026-01-31 or 1/31/2026).",
        raw.trim()
    ))
}

/// A month as statements write it (`2026-01`, `01/2026`, `202601`, `January 2026`, `Jan 2026`,
/// or any date in it), as its first day.
pub fn parse_month(raw: &str) -> Result<NaiveDate, String> {
    let s = raw.trim();
    if let Ok(d) = parse_date(s) {
        return Ok(d.with_day(1).unwrap_or(d));
    }
    let first =
        |y: &str, m: &str| -> Option<NaiveDate> { NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1) };
    let found = if let Some((a, b)) = s.split_once(['-', '/']) {
        if a.len() == 4 {
            first(a, b)
        } else {
            first(b, a).filter(|_| b.len() == 4)
        }
    } else if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        first(&s[..4], &s[4..])
    } else {
        ["%d %B %Y", "%d %b %Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&format!("01 {s}"), f).ok())
    };
    found.ok_or_else(|| format!("{s:?} is not a month (for example 2026-01 or January 2026)."))
}

/// A line's cells by field.
struct Cells<'a> {
    columns: &'a [Option<usize>],
    raw: &'a [String],
}

impl Cells<'_> {
    fn get(&self, key: &str) -> &str {
        self.columns[index_of(key)]
            .and_then(|i| self.raw.get(i))
            .map(|c| c.trim())
            .unwrap_or("")
    }
}

/// Reads one line's cells with the mapping's columns; `default_period` is the statement's month.
pub fn parse_line(
    columns: &[Option<usize>],
    line: u64,
    cells: &[String],
    default_period: NaiveDate,
) -> Result<ParsedLine, String> {
    let c = Cells { columns, raw: cells };
    let mut problems: Vec<String> = Vec::new();
    let mut text = |label: &str, raw: &str, max: usize| -> String {
        crate::text::clean_line(raw, max).unwrap_or_else(|e| {
            problems.push(format!("{label}: {}", e.message(label)));
            String::new()
        })
    };
    let policy_number = text("policy number", c.get("policy_number"), 60);
    let name_raw = if columns[index_of("insured")].is_some() {
        c.get("insured").to_string()
    } else {
        format!("{} {}", c.get("insured_first"), c.get("insured_last"))
    };
    let insured_name = text("insured", name_raw.trim(), 200);
    let kind = text("type", c.get("kind"), 40);
    let agent = text("agent", c.get("agent"), 120);
    let birth_date = match c.get("birth_date") {
        "" => None,
        raw => match parse_date(raw) {
            Ok(d) if d.year() >= 1880 && d <= default_period.with_year(default_period.year() + 1).unwrap_or(d) => {
                Some(d)
            }
            Ok(_) => {
                problems.push(format!("birth date: {raw:?} is not a plausible birth date."));
                None
            }
            Err(m) => {
                problems.push(format!("birth date: {m}"));
                None
            }
        },
    };
    let amount_cents = match money::parse_signed_cents(c.get("amount")) {
        Ok(n) => n,
        Err(m) => {
            problems.push(format!("amount: {m}"));
            0
        }
    };
    let period = match c.get("period") {
        "" => default_period,
        raw => match parse_month(raw) {
            Ok(m) => m,
            Err(m) => {
                problems.push(format!("period: {m}"));
                default_period
            }
        },
    };
    if policy_number.is_empty() && insured_name.is_empty() && problems.is_empty() {
        problems.push("row: Give a policy number or the insured's name.".into());
    }
    if !problems.is_empty() {
        return Err(problems.join(" "));
    }
    Ok(ParsedLine {
        line,
        policy_number,
        insured_name,
        birth_date,
        amount_cents,
        period,
        kind,
        agent,
    })
}

/// Reads every line of a table; `Err` holds every line that could not be read (the statement is
/// then not taken in at all).
pub fn parse_all(
    table: &Table,
    columns: &[Option<usize>],
    default_period: NaiveDate,
) -> Result<Vec<ParsedLine>, Vec<LineError>> {
    let mut lines = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for row in &table.rows {
        match row {
            Row::Bad { line, message } => errors.push(LineError {
                line: *line,
                message: format!("row: {message}"),
            }),
            Row::Cells { line, cells } => match parse_line(columns, *line, cells, default_period) {
                Ok(l) => lines.push(l),
                Err(message) => errors.push(LineError { line: *line, message }),
            },
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_carrier_statement_is_guessed_remembered_by_header_and_checked() {
        let h = headers(&[
            "Policy #",
            "Member Name",
            "DOB",
            "Commission",
            "Comm Type",
            "Writing Agent NPN",
            "x",
        ]);
        let m = guess_mapping(&h);
        assert_eq!(
            m.columns,
            [
                Some("policy_number"),
                Some("insured"),
                Some("birth_date"),
                Some("commission"),
                None,
                Some("agent"),
                None
            ]
            .map(|c| c.map(|s: &str| if s == "commission" {
                "amount".to_string()
            } else {
                s.to_string()
            }))
        );
        assert!(field_columns(&m, &h).is_ok());
        // Remembered by header: the same headers in another order still map.
        let map = StatementMap::of(&m, &h);
        let moved = headers(&["x", "Commission", "policy #", "DOB", "Member Name", "Writing Agent NPN"]);
        let again = map.mapping_for(&moved).expect("the remembered map fits");
        assert_eq!(again.columns[1].as_deref(), Some("amount"));
        assert_eq!(again.columns[2].as_deref(), Some("policy_number"));
        // A file without one of its headers does not fit.
        assert!(map.mapping_for(&headers(&["Policy #", "Paid"])).is_none());
        // Without an amount, or without any way to match, the mapping is refused with a sentence.
        let no_amount = guess_mapping(&headers(&["Policy", "Name"]));
        assert!(field_columns(&no_amount, &headers(&["Policy", "Name"]))
            .unwrap_err()
            .contains("Amount"));
        let h2 = headers(&["Amount", "Type"]);
        assert!(field_columns(&guess_mapping(&h2), &h2)
            .unwrap_err()
            .contains("Policy number"));
    }

    #[test]
    fn lines_are_read_with_their_problems_field_by_field() {
        let h = headers(&["Policy", "Insured", "DOB", "Amount", "Month", "Agent"]);
        let cols = field_columns(&guess_mapping(&h), &h).unwrap();
        let cells = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = parse_line(
            &cols,
            2,
            &cells(&["AL-1", "Rosa Delgado", "3/4/1955", "(12.50)", "2025-12", "1234567"]),
            d("2026-01-01"),
        )
        .unwrap();
        assert_eq!(ok.amount_cents, -1250);
        assert_eq!(ok.birth_date, Some(d("1955-03-04")));
        assert_eq!(ok.period, d("2025-12-01"));
        let defaulted = parse_line(&cols, 3, &cells(&["AL-1", "", "", "$1,000", "", ""]), d("2026-01-01")).unwrap();
        assert_eq!((defaulted.amount_cents, defaulted.period), (100_000, d("2026-01-01")));
        let bad = parse_line(
            &cols,
            4,
            &cells(&["AL-1", "", "31/31/1955", "ten", "13/2026", ""]),
            d("2026-01-01"),
        )
        .unwrap_err();
        assert!(
            bad.contains("amount:") && bad.contains("birth date:") && bad.contains("period:"),
            "{bad}"
        );
        let empty = parse_line(&cols, 5, &cells(&["", "", "", "1.00", "", ""]), d("2026-01-01")).unwrap_err();
        assert!(empty.contains("policy number or the insured"), "{empty}");

        let table = Table {
            headers: h.clone(),
            rows: vec![
                Row::Cells {
                    line: 2,
                    cells: cells(&["AL-1", "", "", "1.00", "", ""]),
                },
                Row::Bad {
                    line: 3,
                    message: "This row has 9 cells but the header has 6.".into(),
                },
                Row::Cells {
                    line: 4,
                    cells: cells(&["AL-2", "", "", "1.234", "", ""]),
                },
            ],
        };
        let errors = parse_all(&table, &cols, d("2026-01-01")).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
        assert!(errors[1].message.contains("two decimals"), "{:?}", errors[1]);
    }

    #[test]
    fn months_and_dates_as_carriers_write_them() {
        for (raw, month) in [
            ("2026-01", "2026-01-01"),
            ("01/2026", "2026-01-01"),
            ("1/2026", "2026-01-01"),
            ("202601", "2026-01-01"),
            ("January 2026", "2026-01-01"),
            ("Jan 2026", "2026-01-01"),
            ("2026-01-17", "2026-01-01"),
            ("1/17/2026", "2026-01-01"),
            ("2026-01-17 00:00:00", "2026-01-01"),
        ] {
            assert_eq!(parse_month(raw), Ok(d(month)), "{raw}");
        }
        for raw in ["2026-13", "13/2026", "soon", ""] {
            assert!(parse_month(raw).is_err(), "{raw}");
        }
        assert_eq!(parse_date("19550304"), Ok(d("1955-03-04")));
        assert!(parse_date("1955-02-30").is_err());
    }

    #[test]
    fn a_worksheet_becomes_a_table_with_its_bad_rows_said() {
        let row = |n: u64, v: &[&str]| (n, v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let t = xlsx_table(vec![
            row(1, &["", "", ""]),
            row(2, &["Policy", "Amount", ""]),
            row(3, &["P-1", "10", ""]),
            row(4, &["", "", ""]),
            row(5, &["P-2", "10", "extra"]),
        ])
        .unwrap();
        assert_eq!(t.headers, vec!["Policy", "Amount"]);
        assert_eq!(
            t.rows,
            vec![
                Row::Cells {
                    line: 3,
                    cells: vec!["P-1".into(), "10".into()]
                },
                Row::Bad {
                    line: 5,
                    message: "This row has 3 cells but the header has 2.".into()
                }
            ]
        );
        assert!(xlsx_table(vec![row(1, &["", ""])]).is_err());
        assert!(read_table(b"\x00\x01binary\xff\xfe").is_err());
        assert!(read_table(b"Policy,Amount\n").unwrap_err().contains("no lines"));
    }
}
