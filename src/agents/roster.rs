//! The CSV roster import's parsing: an uploaded file read into rows ready to import and rows with
//! problems, each checked with the shared parsers of [`crate::domain`]. Pure; the pages are in
//! `import.rs`.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::{parse_email, parse_languages, parse_npn, parse_phone, parse_states};

/// Most data rows [`parse_roster`] accepts in one file.
pub const ROSTER_MAX_ROWS: usize = 5_000;

/// One valid agent from an uploaded roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    /// 1-based line in the file where the row starts; the header is line 1.
    pub line: usize,
    /// Full name, inner whitespace collapsed.
    pub name: String,
    /// Lowercased e-mail address.
    pub email: String,
    /// National Producer Number, see [`parse_npn`].
    pub npn: Option<String>,
    /// Phone in E.164 form, see [`parse_phone`].
    pub phone: Option<String>,
    /// Licensed state codes, see [`parse_states`].
    pub states: Vec<&'static str>,
    /// Language codes, see [`parse_languages`].
    pub languages: Vec<&'static str>,
    /// `"agent"` or `"trainee"`.
    pub role: String,
}

/// A roster row that cannot be imported, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line in the file where the row starts.
    pub line: usize,
    /// One message per problem, prefixed with the column, e.g. `"email: Enter a valid e-mail address."`.
    pub messages: Vec<String>,
    /// The row as it appears in the file, for showing back.
    pub raw: String,
}

/// Result of reading a roster file: every non-blank data row is in exactly one of `rows` and
/// `errors`, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RosterPreview {
    /// Rows ready to import.
    pub rows: Vec<RosterRow>,
    /// Rows with problems.
    pub errors: Vec<RowError>,
    /// Header names that were not used (unknown, or a second column for the same field).
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Email,
    Npn,
    Phone,
    States,
    Languages,
    Role,
}

const FIELD_COUNT: usize = 7;

/// Header aliases, already normalised by `normalize_header`.
const HEADER_ALIASES: &[(Field, &[&str])] = &[
    (Field::Name, &["name", "fullname", "agentname"]),
    (Field::Email, &["email", "emailaddress"]),
    (Field::Npn, &["npn", "nationalproducernumber"]),
    (Field::Phone, &["phone", "phonenumber", "mobile"]),
    (Field::States, &["states", "licensedstates", "state"]),
    (Field::Languages, &["languages", "language"]),
    (Field::Role, &["role"]),
];

fn normalize_header(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn header_field(raw: &str) -> Option<Field> {
    let key = normalize_header(raw);
    HEADER_ALIASES
        .iter()
        .find(|(_, aliases)| aliases.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

/// Reads an uploaded roster CSV into rows ready to import and rows with problems.
///
/// Headers are matched case-insensitively, ignoring spaces, underscores and dashes; `name` and
/// `email` columns are required, `npn`, `phone`, `states`, `languages` and `role` are optional.
/// Duplicate e-mails or NPNs within the file make the later row an error.
///
/// Returns `Err` only for a problem with the whole file: not UTF-8, no header, a required column
/// missing, more than [`ROSTER_MAX_ROWS`] data rows, or unreadable CSV.
pub fn parse_roster(bytes: &[u8]) -> Result<RosterPreview, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.".to_string())?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_error = |err: csv::Error| match err.position() {
        Some(pos) => format!("The file is not valid CSV near line {}.", pos.line()),
        None => "The file is not valid CSV.".to_string(),
    };

    let mut record = csv::StringRecord::new();
    let header = loop {
        if !reader.read_record(&mut record).map_err(csv_error)? {
            return Err("The file has no header row.".to_string());
        }
        if record.iter().any(|f| !f.is_empty()) {
            break record.clone();
        }
    };

    let mut columns: [Option<usize>; FIELD_COUNT] = [None; FIELD_COUNT];
    let mut ignored_columns = Vec::new();
    for (index, name) in header.iter().enumerate() {
        match header_field(name) {
            Some(field) if columns[field as usize].is_none() => columns[field as usize] = Some(index),
            _ if name.is_empty() => {}
            _ => ignored_columns.push(name.to_string()),
        }
    }
    let missing: Vec<&str> = [(Field::Name, "name"), (Field::Email, "email")]
        .iter()
        .filter(|(field, _)| columns[*field as usize].is_none())
        .map(|(_, label)| *label)
        .collect();
    if !missing.is_empty() {
        return Err(format!("The file has no {} column.", missing.join(" or ")));
    }

    let mut preview = RosterPreview {
        ignored_columns,
        ..RosterPreview::default()
    };
    let mut seen_emails: HashMap<String, usize> = HashMap::new();
    let mut seen_npns: HashMap<String, usize> = HashMap::new();
    let mut data_rows = 0usize;
    loop {
        // A record's position is where the reader stood before it, i.e. before any blank lines
        // csv skipped; step over those to get the record's own first line and text.
        let before = reader.position().clone();
        if !reader.read_record(&mut record).map_err(csv_error)? {
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        data_rows += 1;
        if data_rows > ROSTER_MAX_ROWS {
            return Err("Import at most 5,000 agents at a time.".to_string());
        }
        let end = (reader.position().byte() as usize).min(text.len());
        let span = text.get(before.byte() as usize..end).unwrap_or_default();
        let record_text = span.trim_start_matches(['\r', '\n']);
        let skipped_lines = span[..span.len() - record_text.len()].matches('\n').count();
        let line = before.line() as usize + skipped_lines;
        let raw = record_text.trim_end_matches(['\r', '\n']);
        let cell = |field: Field| columns[field as usize].and_then(|i| record.get(i)).unwrap_or("");

        match parse_roster_row(line, cell, &mut seen_emails, &mut seen_npns) {
            Ok(row) => preview.rows.push(row),
            Err(messages) => preview.errors.push(RowError {
                line,
                messages,
                raw: raw.to_string(),
            }),
        }
    }
    Ok(preview)
}

/// Parses the cells of one data row, collecting every problem.
fn parse_roster_row<'r>(
    line: usize,
    cell: impl Fn(Field) -> &'r str,
    seen_emails: &mut HashMap<String, usize>,
    seen_npns: &mut HashMap<String, usize>,
) -> Result<RosterRow, Vec<String>> {
    let mut messages = Vec::new();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            messages.push(format!("{field}: {message}"));
        }
    };

    let mut name = String::new();
    check(
        "name",
        crate::text::person_name(cell(Field::Name), 120)
            .map(|n| name = n)
            .map_err(|e| e.message("name")),
    );

    let mut email = String::new();
    check(
        "email",
        parse_email(cell(Field::Email)).and_then(|parsed| {
            email = parsed;
            match seen_emails.get(&email) {
                Some(first) => Err(format!("Also on line {first}.")),
                None => {
                    seen_emails.insert(email.clone(), line);
                    Ok(())
                }
            }
        }),
    );

    let mut npn = None;
    let raw_npn = cell(Field::Npn);
    if !raw_npn.is_empty() {
        check(
            "npn",
            parse_npn(raw_npn).and_then(|parsed| match seen_npns.get(&parsed) {
                Some(first) => Err(format!("Also on line {first}.")),
                None => {
                    seen_npns.insert(parsed.clone(), line);
                    npn = Some(parsed);
                    Ok(())
                }
            }),
        );
    }

    let mut phone = None;
    let raw_phone = cell(Field::Phone);
    if !raw_phone.is_empty() {
        check("phone", parse_phone(raw_phone).map(|p| phone = Some(p)));
    }

    let mut states = Vec::new();
    check("states", parse_states(cell(Field::States)).map(|s| states = s));

    let mut languages = Vec::new();
    check(
        "languages",
        parse_languages(cell(Field::Languages)).map(|l| languages = l),
    );

    let role = match cell(Field::Role).to_lowercase().as_str() {
        "" | "agent" => "agent".to_string(),
        "trainee" => "trainee".to_string(),
        _ => {
            check("role", Err("Use \"agent\" or \"trainee\".".to_string()));
            String::new()
        }
    };

    if messages.is_empty() {
        Ok(RosterRow {
            line,
            name,
            email,
            npn,
            phone,
            states,
            languages,
            role,
        })
    } else {
        Err(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_mixed_rows_are_split_with_line_numbers_and_messages() {
        let csv = "name,email,npn,phone,states,languages,role,team\n\
                   Ana Diaz,Ana@Example.com,123456,(305) 555-0142,FL;NY,es en,\n\
                   ,not-an-email,12x,555-1234,ZZ,Klingon,boss,\n\
                   \n\
                   Bo Li,bo@example.com,,,,,Trainee,blue\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.ignored_columns, vec!["team"]);
        assert_eq!(preview.rows.len(), 2);
        let ana = &preview.rows[0];
        assert_eq!(ana.line, 2);
        assert_eq!(ana.email, "ana@example.com");
        assert_eq!(ana.npn.as_deref(), Some("123456"));
        assert_eq!(ana.phone.as_deref(), Some("+13055550142"));
        assert_eq!(ana.states, vec!["FL", "NY"]);
        assert_eq!(ana.languages, vec!["es", "en"]);
        assert_eq!(ana.role, "agent");
        let bo = &preview.rows[1];
        assert_eq!(
            (bo.line, bo.role.as_str(), bo.npn.clone(), bo.phone.clone()),
            (5, "trainee", None, None)
        );
        assert_eq!(preview.errors.len(), 1);
        let bad = &preview.errors[0];
        assert_eq!(bad.line, 3);
        assert_eq!(bad.raw, ",not-an-email,12x,555-1234,ZZ,Klingon,boss,");
        assert_eq!(
            bad.messages,
            vec![
                "name: Enter a name.",
                "email: Enter a valid e-mail address.",
                "npn: An NPN is 1 to 10 digits.",
                "phone: Enter a valid phone number, like (305) 555-0142.",
                "states: Unknown state \"ZZ\". Use codes like FL or names like Florida.",
                "languages: Unknown language \"Klingon\". Use names like Spanish or codes like es.",
                "role: Use \"agent\" or \"trainee\".",
            ]
        );
    }

    #[test]
    fn roster_missing_required_column_is_file_error() {
        assert_eq!(
            parse_roster(b"name,npn\nAna,1\n"),
            Err("The file has no email column.".to_string())
        );
        assert_eq!(
            parse_roster(b"npn\n1\n"),
            Err("The file has no name or email column.".to_string())
        );
        assert_eq!(parse_roster(b""), Err("The file has no header row.".to_string()));
        assert_eq!(parse_roster(b"\n\n"), Err("The file has no header row.".to_string()));
    }

    #[test]
    fn roster_with_bom_reads_first_header() {
        let preview = parse_roster(b"\xEF\xBB\xBFname,email\nAna,ana@example.com\n").unwrap();
        assert_eq!(preview.rows.len(), 1);
        assert!(preview.ignored_columns.is_empty());
    }

    #[test]
    fn roster_header_aliases_are_matched_loosely() {
        let csv = "Agent_Name,E-Mail Address,National Producer Number,Mobile,LICENSED-STATES,Language,Role\r\n\
                   Ana Diaz,ana@example.com,99,+44 20 7946 0958,florida|Texas,Haitian Creole,agent\r\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert!(preview.errors.is_empty(), "{:?}", preview.errors);
        assert!(preview.ignored_columns.is_empty());
        let row = &preview.rows[0];
        assert_eq!(row.npn.as_deref(), Some("99"));
        assert_eq!(row.phone.as_deref(), Some("+442079460958"));
        assert_eq!(row.states, vec!["FL", "TX"]);
        assert_eq!(row.languages, vec!["ht"]);
    }

    #[test]
    fn roster_second_column_for_same_field_is_ignored() {
        let preview = parse_roster(b"name,email,full name\nAna,ana@example.com,Other\n").unwrap();
        assert_eq!(preview.ignored_columns, vec!["full name"]);
        assert_eq!(preview.rows[0].name, "Ana");
    }

    #[test]
    fn roster_semicolon_states_are_split() {
        let preview = parse_roster(b"name,email,states\nAna,ana@example.com,\"fl; New York ;TX\"\n").unwrap();
        assert_eq!(preview.rows[0].states, vec!["FL", "NY", "TX"]);
    }

    #[test]
    fn roster_quoted_newline_shifts_line_numbers() {
        let csv = "name,email\n\"Ana\nDiaz\",ana@example.com\nBo,bad\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows[0].line, 2);
        assert_eq!(preview.errors[0].line, 4);
        assert_eq!(preview.errors[0].raw, "Bo,bad");
    }

    #[test]
    fn roster_duplicates_in_file_flag_later_row() {
        let csv = "name,email,npn\nAna,ana@example.com,123\nBo,bo@example.com,456\nAna2,ANA@example.com,0123\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows.len(), 2);
        assert_eq!(preview.errors[0].line, 4);
        assert_eq!(
            preview.errors[0].messages,
            vec!["email: Also on line 2.", "npn: Also on line 2."]
        );
    }

    #[test]
    fn roster_short_rows_and_blank_rows_are_handled() {
        let csv = "name,email,phone\r\nAna\r\n\r\n,,\r\n  \r\n\n\nBo,bo@example.com,(415) 555-2671,extra\r\n";
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.errors.len(), 1);
        assert_eq!(preview.errors[0].line, 2);
        assert_eq!(preview.errors[0].messages, vec!["email: Enter an e-mail address."]);
        assert_eq!(preview.rows.len(), 1);
        assert_eq!(preview.rows[0].line, 8);
    }

    #[test]
    fn roster_over_row_cap_is_file_error() {
        let mut csv = String::from("name,email\n");
        for i in 0..ROSTER_MAX_ROWS {
            csv.push_str(&format!("Agent {i},agent{i}@example.com\n"));
        }
        let preview = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(preview.rows.len(), ROSTER_MAX_ROWS);
        csv.push_str("One More,more@example.com\n");
        assert_eq!(
            parse_roster(csv.as_bytes()),
            Err("Import at most 5,000 agents at a time.".to_string())
        );
    }

    #[test]
    fn roster_non_utf8_is_file_error() {
        let err = parse_roster(b"name,email\nJos\xE9,jose@example.com\n").unwrap_err();
        assert!(err.starts_with("The file is not UTF-8 text."), "{err}");
    }
}
