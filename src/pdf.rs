//! Small PDF documents with the built-in Helvetica fonts (pdf-writer): the text encoding they
//! need, and a plain report of lines over as many A4 pages as it takes (statements, lists).
//! Certificates draw their own page with the same encoding.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Text for the built-in fonts' WinAnsi encoding: Latin-1 letters kept, dashes and the
/// apostrophe mapped, anything else becomes '?'.
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2019}' => 0x92,
            c if (c as u32) < 0x80 && !c.is_control() => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// One line of a report: bold or not, and its cells (the first left-aligned from the margin,
/// each other cell right-aligned at its column's right edge).
pub struct Line {
    pub bold: bool,
    pub cells: Vec<String>,
}

impl Line {
    pub fn text(s: impl Into<String>) -> Line {
        Line {
            bold: false,
            cells: vec![s.into()],
        }
    }
    pub fn heading(s: impl Into<String>) -> Line {
        Line {
            bold: true,
            cells: vec![s.into()],
        }
    }
}

const LINES_PER_PAGE: usize = 52;

/// A portrait A4 report: `lines` in 10-point Helvetica, 52 to a page, with right-aligned
/// columns ending at `columns` (points from the left edge).
pub fn report(lines: &[Line], columns: &[f32]) -> Vec<u8> {
    let pages: Vec<&[Line]> = if lines.is_empty() {
        vec![&[][..]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let (catalog, tree, regular, bold) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let (f1, f2) = (Name(b"F1"), Name(b"F2"));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(5 + 2 * i as i32)).collect();
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (i, chunk) in pages.iter().enumerate() {
        let (page, contents) = (page_ids[i], Ref::new(6 + 2 * i as i32));
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        p.parent(tree);
        p.contents(contents);
        {
            let mut res = p.resources();
            let mut fonts = res.fonts();
            fonts.pair(f1, regular);
            fonts.pair(f2, bold);
        }
        p.finish();
        let mut c = Content::new();
        let mut y = 800.0;
        for line in chunk.iter() {
            let font = if line.bold { f2 } else { f1 };
            for (k, cell) in line.cells.iter().enumerate() {
                let bytes = win_ansi(cell);
                let x = if k == 0 {
                    40.0
                } else {
                    let right = columns.get(k - 1).copied().unwrap_or(555.0);
                    (right - bytes.len() as f32 * 5.0).max(40.0)
                };
                c.begin_text();
                c.set_font(font, 10.0);
                c.next_line(x, y);
                c.show(Str(&bytes));
                c.end_text();
            }
            y -= 14.5;
        }
        let footer = win_ansi(&format!("Page {} of {}", i + 1, pages.len()));
        c.begin_text();
        c.set_font(f1, 8.0);
        c.next_line(40.0, 30.0);
        c.show(Str(&footer));
        c.end_text();
        pdf.stream(contents, &c.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_takes_several_pages_and_is_a_pdf() {
        let lines: Vec<Line> = (0..120).map(|i| Line::text(format!("line {i}"))).collect();
        let bytes = report(&lines, &[500.0]);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Page 3 of 3"));
        assert_eq!(win_ansi("Ünïcode – ok ✓"), b"\xdcn\xefcode \x96 ok ?".to_vec());
    }
}
