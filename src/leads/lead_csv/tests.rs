//! Unit tests of the lead CSV reader: headers, mapping, streamed rows and the report.

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
        Err(
            "The header row has a quote (\") that is never closed. The lines after it were read as rows of their own."
                .to_string()
        )
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
    assert!(iter.rows.records.held_bytes() <= 16 * 1024);
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
