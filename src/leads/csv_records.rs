//! Splits an uploaded CSV file into records, one at a time, with the line each starts on.
//!
//! The cells are read as the `csv` crate reads them (RFC 4180 quoting, `\n`, `\r\n` or a lone `\r`
//! ending a record, blank lines skipped, a UTF-8 byte order mark ignored), but this reader decides
//! where a record ends itself, so that one broken record cannot take the rest of the file with it:
//!
//! - A quoted cell that is still open at the end of the file, or after [`MAX_RECORD_BYTES`], is
//!   taken for a quote that is never closed. The record is [`Found::Broken`] up to the end of the
//!   line where that quote opened, and reading goes on with the next line as a record of its own.
//! - Any other record longer than [`MAX_RECORD_BYTES`] is broken up to the end of its line.
//!
//! Memory holds at most one record (of at most [`MAX_RECORD_BYTES`]) and one read buffer.

use std::collections::VecDeque;
use std::io::{self, Read};

/// The longest record read: a lead's longest field, the message, is 5,000 characters.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// How much of a broken record [`Found::Broken`] repeats.
const SHOWN_BYTES: usize = 500;
const READ_BUFFER: usize = 8 * 1024;

/// The cells of one record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Record {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Record {
    /// How many cells the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The record's cells, in order.
    pub fn cells(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = &self.data[start..end];
            start = end;
            cell
        })
    }

    fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    fn end_cell(&mut self) {
        self.ends.push(self.data.len());
    }
}

/// Why a record could not be read as cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A quoted cell is never closed.
    UnclosedQuote,
    /// The record is longer than [`MAX_RECORD_BYTES`].
    TooLong,
}

/// What [`Records::next_record`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A record, now in [`Records::record`], starting on `line` (1-based).
    Record { line: u64 },
    /// A record that was left out: `text` is how it starts in the file (at most 500 bytes).
    Broken { line: u64, problem: Problem, text: String },
    /// The end of the file.
    End,
}

/// Counts line breaks: `\n`, `\r\n` and a lone `\r` each end one line.
#[derive(Debug, Default, Clone, Copy)]
struct Lines {
    breaks: u64,
    prev_cr: bool,
}

impl Lines {
    fn feed(&mut self, byte: u8) {
        if byte == b'\r' || (byte == b'\n' && !self.prev_cr) {
            self.breaks += 1;
        }
        self.prev_cr = byte == b'\r';
    }

    fn current(&self) -> u64 {
        self.breaks + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: line breaks here are blank lines.
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted cell: it closes the cell, or a second one makes a literal quote.
    QuoteInQuoted,
}

/// The record reader; see the module documentation.
pub struct Records<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// Bytes to read again before `inner`: what followed a broken record's line.
    replay: VecDeque<u8>,
    lines: Lines,
    record: Record,
    /// The bytes of the record being read, for a replay.
    raw: Vec<u8>,
    at_start: bool,
}

impl<R: Read> Records<R> {
    pub fn new(inner: R) -> Self {
        Records {
            inner,
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            replay: VecDeque::new(),
            lines: Lines::default(),
            record: Record::default(),
            raw: Vec::new(),
            at_start: true,
        }
    }

    /// The record found last by [`Records::next_record`].
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// How many bytes the current record holds in memory at most (for tests of memory use).
    #[cfg(test)]
    pub fn held_bytes(&self) -> usize {
        self.raw.capacity() + self.record.data.capacity() + self.replay.len()
    }

    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        if let Some(b) = self.replay.pop_front() {
            return Ok(Some(b));
        }
        if self.pos == self.len {
            self.len = loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            self.pos = 0;
            if self.len == 0 {
                return Ok(None);
            }
        }
        self.pos += 1;
        Ok(Some(self.buf[self.pos - 1]))
    }

    /// Skips a UTF-8 byte order mark at the very start of the file.
    fn skip_bom(&mut self) -> io::Result<()> {
        self.at_start = false;
        let mut head = Vec::with_capacity(3);
        while head.len() < 3 {
            match self.next_byte()? {
                Some(b) => head.push(b),
                None => break,
            }
            if head[..] != b"\xEF\xBB\xBF"[..head.len()] {
                break;
            }
        }
        if head != b"\xEF\xBB\xBF" {
            for b in head.into_iter().rev() {
                self.replay.push_front(b);
            }
        }
        Ok(())
    }

    /// Reads the next record. An I/O error is returned as is; reading should stop there.
    pub fn next_record(&mut self) -> io::Result<Found> {
        if self.at_start {
            self.skip_bom()?;
        }
        self.record.clear();
        self.raw.clear();
        let mut state = State::RecordStart;
        let mut start_line = self.lines.current();
        // Where in `raw` the quote of the open quoted cell is.
        let mut quote_at = 0;
        loop {
            let Some(byte) = self.next_byte()? else {
                return Ok(match state {
                    State::RecordStart => Found::End,
                    State::Quoted => self.broken(start_line, Problem::UnclosedQuote, quote_at, true)?,
                    _ => {
                        self.record.end_cell();
                        Found::Record { line: start_line }
                    }
                });
            };
            self.lines.feed(byte);
            let line_break = byte == b'\n' || byte == b'\r';
            if state == State::RecordStart {
                if line_break {
                    continue;
                }
                start_line = self.lines.current();
                state = State::FieldStart;
            }
            self.raw.push(byte);
            state = match (state, byte) {
                (State::FieldStart, b'"') => {
                    quote_at = self.raw.len() - 1;
                    State::Quoted
                }
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) | (State::QuoteInQuoted, b'"') => {
                    self.record.data.push(byte);
                    State::Quoted
                }
                (_, b',') => {
                    self.record.end_cell();
                    State::FieldStart
                }
                (_, b'\n' | b'\r') => {
                    self.record.end_cell();
                    return Ok(Found::Record { line: start_line });
                }
                _ => {
                    self.record.data.push(byte);
                    State::Unquoted
                }
            };
            if self.raw.len() > MAX_RECORD_BYTES {
                return match state {
                    State::Quoted | State::QuoteInQuoted => {
                        self.broken(start_line, Problem::UnclosedQuote, quote_at, false)
                    }
                    _ => self.broken(start_line, Problem::TooLong, 0, false),
                };
            }
        }
    }

    /// Leaves out the record being read, up to the end of the line holding `raw[from]`: the bytes
    /// after that line are read again, or, when the line goes on past what was read (and the
    /// file is not at its end), the rest of the line is skipped.
    fn broken(&mut self, line: u64, problem: Problem, from: usize, at_end: bool) -> io::Result<Found> {
        let shown = String::from_utf8_lossy(&self.raw[..self.raw.len().min(SHOWN_BYTES)]).into_owned();
        match self.raw[from..].iter().position(|b| *b == b'\n' || *b == b'\r') {
            Some(i) => {
                let mut cut = from + i + 1;
                if self.raw[cut - 1] == b'\r' && self.raw.get(cut) == Some(&b'\n') {
                    cut += 1;
                }
                let mut lines = Lines {
                    breaks: line - 1,
                    prev_cr: false,
                };
                self.raw[..cut].iter().for_each(|b| lines.feed(*b));
                self.lines = lines;
                for b in self.raw[cut..].iter().rev() {
                    self.replay.push_front(*b);
                }
                let text = String::from_utf8_lossy(&self.raw[..cut.min(SHOWN_BYTES)]);
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                self.record.clear();
                return Ok(Found::Broken { line, problem, text });
            }
            None if !at_end => loop {
                match self.next_byte()? {
                    None => break,
                    Some(b) => {
                        self.lines.feed(b);
                        if b == b'\n' || b == b'\r' {
                            break;
                        }
                    }
                }
            },
            None => {}
        }
        self.record.clear();
        Ok(Found::Broken {
            line,
            problem,
            text: shown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's line, and its cells or (when broken) its problem and text.
    type Outcome = (u64, Result<Vec<String>, (Problem, String)>);

    /// Every record of `input`.
    fn read(input: &[u8]) -> Vec<Outcome> {
        let mut records = Records::new(input);
        let mut out = Vec::new();
        loop {
            match records.next_record().unwrap() {
                Found::End => return out,
                Found::Record { line } => {
                    let cells = records
                        .record()
                        .cells()
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    out.push((line, Ok(cells)));
                }
                Found::Broken { line, problem, text } => out.push((line, Err((problem, text)))),
            }
        }
    }

    fn ok(line: u64, cells: &[&str]) -> Outcome {
        (line, Ok(cells.iter().map(|c| c.to_string()).collect()))
    }

    fn unclosed(line: u64, text: &str) -> Outcome {
        (line, Err((Problem::UnclosedQuote, text.to_string())))
    }

    /// The cells the `csv` crate reads, for comparison.
    fn csv_crate(input: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input)
            .byte_records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn well_formed_files_read_as_the_csv_crate_reads_them() {
        for input in [
            &b"a,b,c\n1,2,3\n"[..],
            b"a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\nx,,\ry,\"two\nlines\"",
            b"\xEF\xBB\xBFname,email\n\n\nAna,ana@example.com",
            b"a,b\"c,\"d\"e,\"\"\n,\n",
            b"trailing,comma,\n",
        ] {
            let ours: Vec<Vec<String>> = read(input).into_iter().map(|(_, r)| r.unwrap()).collect();
            assert_eq!(ours, csv_crate(input), "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn lines_count_blank_lines_crlf_cr_and_quoted_breaks() {
        assert_eq!(
            read(b"h\r\n\r\na,\"x\ny\r\nz\"\rb\n\n\nc"),
            vec![ok(1, &["h"]), ok(3, &["a", "x\ny\r\nz"]), ok(6, &["b"]), ok(9, &["c"])]
        );
    }

    #[test]
    fn a_quote_open_at_the_end_of_the_file_loses_only_its_line() {
        let input = b"f,l,e\nAna,\"Diaz,ana@example.com\nBo,Li,bo@example.com\r\nCy,Xu,cy@example.com\n";
        assert_eq!(
            read(input),
            vec![
                ok(1, &["f", "l", "e"]),
                unclosed(2, "Ana,\"Diaz,ana@example.com"),
                ok(3, &["Bo", "Li", "bo@example.com"]),
                ok(4, &["Cy", "Xu", "cy@example.com"]),
            ]
        );
    }

    #[test]
    fn a_quote_open_past_the_size_limit_loses_only_its_line() {
        let mut input = b"f,l,e\nAna,Diaz,\"ana@example.com\n".to_vec();
        let mut expected = vec![ok(1, &["f", "l", "e"]), unclosed(2, "Ana,Diaz,\"ana@example.com")];
        for i in 0..3_000u64 {
            input.extend_from_slice(format!("P{i},Q,p{i}@example.com\n").as_bytes());
        }
        input.extend_from_slice(b"Zed,\"Quoted\",z@example.com\n");
        let found = read(&input);
        for i in 0..3_000u64 {
            expected.push((
                i + 3,
                Ok(vec![format!("P{i}"), "Q".into(), format!("p{i}@example.com")]),
            ));
        }
        expected.push(ok(3_003, &["Zed", "Quoted", "z@example.com"]));
        assert_eq!(found, expected);
    }

    #[test]
    fn a_quote_closed_on_a_later_line_makes_one_record() {
        // The second quote closes the first: one record, whose shape the caller checks.
        let found = read(b"a,\"b\nc,d\"\ne,f\n");
        assert_eq!(found, vec![ok(1, &["a", "b\nc,d"]), ok(3, &["e", "f"])]);
    }

    #[test]
    fn an_unclosed_quote_after_other_lines_of_its_record_loses_them_too() {
        let found = read(b"a,\"multi\nline\",\"open\nb,c\n");
        assert_eq!(found, vec![unclosed(1, "a,\"multi\nline\",\"open"), ok(3, &["b", "c"])]);
    }

    #[test]
    fn an_overlong_unquoted_line_is_skipped_to_its_end() {
        let mut input = b"h\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        input.extend_from_slice(b"\nnext\n");
        let found = read(&input);
        assert_eq!(found.len(), 3, "{:?}", found.iter().map(|f| f.0).collect::<Vec<_>>());
        assert_eq!(found[0], ok(1, &["h"]));
        let (line, Err((Problem::TooLong, text))) = &found[1] else {
            panic!("{:?}", found[1].0)
        };
        assert_eq!((*line, text.len()), (2, SHOWN_BYTES));
        assert_eq!(found[2], ok(3, &["next"]));
    }

    #[test]
    fn a_quote_split_across_reads_and_a_lone_bom_byte_are_read_right() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut records = Records::new(Trickle(b"\xEFa,\"b\"\"c\"\r\n"));
        assert_eq!(records.next_record().unwrap(), Found::Record { line: 1 });
        let cells: Vec<&[u8]> = records.record().cells().collect();
        assert_eq!(cells, vec![&b"\xEFa"[..], b"b\"c"]);
        assert_eq!(records.next_record().unwrap(), Found::End);
    }
}
