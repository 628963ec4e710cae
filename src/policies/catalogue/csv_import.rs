//! CSV import of carriers and of products: every row is checked first (against the file and the
//! database) and the file is written only when no row has a problem, so it is imported whole or
//! not at all, each problem reported with its line.

use super::{
    carrier_detail, carrier_free, carrier_values, may_manage, product_detail, product_values, yes, CarrierForm,
    ProductForm,
};
use crate::audit::{self, AuditActor};
use crate::auth::roles::Actor;
use crate::db::DbConnection;
use crate::error::{AppResult, FieldErrors};
use crate::policies::model::catalogue::{self as q, ProductValues};

/// Most rows one catalogue file may hold.
pub const IMPORT_MAX_ROWS: usize = 5_000;

/// A row of a file that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub messages: Vec<String>,
}

/// What an import did: how many rows it wrote, or (when any row has a problem) nothing and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub what: &'static str,
    pub created: usize,
    pub errors: Vec<RowError>,
    /// A problem with the whole file.
    pub file_error: Option<String>,
}

/// A data row of a CSV file: normalised column name → cell.
type Cells = std::collections::HashMap<String, String>;

/// A CSV file's data rows as column name → cell, with the line each starts on. Header names are
/// matched ignoring case, spaces, underscores and dashes.
fn read_rows(bytes: &[u8]) -> Result<Vec<(u64, Cells)>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.".to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let bad = |err: csv::Error| match err.position() {
        Some(pos) => format!("The file is not valid CSV near line {}.", pos.line()),
        None => "The file is not valid CSV.".to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(bad)?
        .iter()
        .map(|h| {
            h.chars()
                .filter(|c| !matches!(c, ' ' | '_' | '-'))
                .flat_map(char::to_lowercase)
                .collect()
        })
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err("The file has no header row.".into());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(bad)?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == IMPORT_MAX_ROWS {
            return Err(format!("Import at most {IMPORT_MAX_ROWS} rows at a time."));
        }
        // The position is where the reader stood before the record, before any blank lines it
        // skipped: step over those to the record's own first line.
        let line = record
            .position()
            .map(|p| {
                let rest = text.get(p.byte() as usize..).unwrap_or("");
                let blank = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
                p.line() + rest[..blank].matches('\n').count() as u64
            })
            .unwrap_or(0);
        let cells = headers
            .iter()
            .zip(record.iter())
            .filter(|(h, _)| !h.is_empty())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        rows.push((line, cells));
    }
    if rows.is_empty() {
        return Err("The file has no rows under its header.".into());
    }
    Ok(rows)
}

/// The first cell of a row under any of these (normalised) column names.
fn cell<'a>(row: &'a Cells, names: &[&str]) -> &'a str {
    names
        .iter()
        .find_map(|n| row.get(*n).filter(|v| !v.is_empty()))
        .map(String::as_str)
        .unwrap_or("")
}

fn messages(e: FieldErrors) -> Vec<String> {
    e.0.into_iter()
        .map(|(field, msgs)| format!("{}: {}", field.replace('_', " "), msgs.join(" ")))
        .collect()
}

/// Imports a carriers file: columns `name` (required), `naic_code`, `contact_name`,
/// `contact_email`, `contact_phone`, `active` (yes/no, default yes). Writes every row, or none
/// when any row has a problem.
pub fn import_carriers_file(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    bytes: &[u8],
) -> AppResult<ImportOutcome> {
    may_manage(actor)?;
    let mut out = ImportOutcome {
        what: "carriers",
        created: 0,
        errors: Vec::new(),
        file_error: None,
    };
    let rows = match read_rows(bytes) {
        Ok(r) => r,
        Err(m) => {
            out.file_error = Some(m);
            return Ok(out);
        }
    };
    let mut good = Vec::new();
    let mut seen_names: Vec<String> = Vec::new();
    let mut seen_naic: Vec<String> = Vec::new();
    for (line, row) in &rows {
        let mut e = FieldErrors::new();
        let f = CarrierForm {
            name: cell(row, &["name", "carrier", "carriername"]).into(),
            naic_code: cell(row, &["naiccode", "naic"]).into(),
            contact_name: cell(row, &["contactname", "contact"]).into(),
            contact_email: cell(row, &["contactemail", "email"]).into(),
            contact_phone: cell(row, &["contactphone", "phone"]).into(),
            active: None,
        };
        let active = yes(cell(row, &["active"]), true).unwrap_or_else(|m| {
            e.add("active", m);
            true
        });
        let v = carrier_values(&f, active, &mut e);
        carrier_free(conn, &v, None, &mut e)?;
        if !v.name.is_empty() && seen_names.contains(&v.name.to_lowercase()) {
            e.add("name", format!("{} is named twice in the file.", v.name));
        }
        if let Some(n) = &v.naic_code {
            if seen_naic.contains(n) {
                e.add("naic_code", format!("The NAIC code {n} is in the file twice."));
            }
            seen_naic.push(n.clone());
        }
        seen_names.push(v.name.to_lowercase());
        if e.is_empty() {
            good.push((*line, v));
        } else {
            out.errors.push(RowError {
                line: *line,
                messages: messages(e),
            });
        }
    }
    if !out.errors.is_empty() {
        return Ok(out);
    }
    for (line, v) in &good {
        let id = q::insert_carrier(conn, v)?;
        audit::record(
            conn,
            who,
            "carrier.imported",
            "carrier",
            Some(id),
            &format!("{} from line {line}", carrier_detail(v)),
        )?;
    }
    out.created = good.len();
    Ok(out)
}

/// Imports a products file: columns `carrier` (its name or NAIC code), `name`, `product_line`
/// (key or label), `sub_type` (optional, valid for the line), `active` (yes/no, default yes).
/// Writes every row, or none when any row has a problem.
pub fn import_products_file(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    bytes: &[u8],
) -> AppResult<ImportOutcome> {
    may_manage(actor)?;
    let mut out = ImportOutcome {
        what: "products",
        created: 0,
        errors: Vec::new(),
        file_error: None,
    };
    let rows = match read_rows(bytes) {
        Ok(r) => r,
        Err(m) => {
            out.file_error = Some(m);
            return Ok(out);
        }
    };
    let carriers = q::all_carriers(conn)?;
    let mut good: Vec<(u64, ProductValues)> = Vec::new();
    for (line, row) in &rows {
        let mut e = FieldErrors::new();
        let named = cell(row, &["carrier", "carriername", "naiccode", "naic"]);
        let carrier = carriers
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(named) || c.naic_code.as_deref().is_some_and(|n| n == named));
        if carrier.is_none() {
            e.add(
                "carrier",
                if named.is_empty() {
                    "Name the product's carrier (its name or NAIC code).".to_string()
                } else {
                    format!("There is no carrier {named}; add it first.")
                },
            );
        }
        let f = ProductForm {
            name: cell(row, &["name", "product", "productname"]).into(),
            product_line: cell(row, &["productline", "line"]).into(),
            sub_type: cell(row, &["subtype", "type"]).into(),
            active: None,
        };
        let active = yes(cell(row, &["active"]), true).unwrap_or_else(|m| {
            e.add("active", m);
            true
        });
        let v = product_values(conn, carrier.map(|c| c.id).unwrap_or(0), &f, active, None, &mut e)?;
        if carrier.is_some()
            && good
                .iter()
                .any(|(_, g)| g.carrier_id == v.carrier_id && g.name.eq_ignore_ascii_case(&v.name))
        {
            e.add(
                "product_name",
                format!("{} is in the file twice for this carrier.", v.name),
            );
        }
        if e.is_empty() {
            good.push((*line, v));
        } else {
            out.errors.push(RowError {
                line: *line,
                messages: messages(e),
            });
        }
    }
    if !out.errors.is_empty() {
        return Ok(out);
    }
    for (line, v) in &good {
        let id = q::insert_product(conn, v)?;
        audit::record(
            conn,
            who,
            "product.imported",
            "carrier_product",
            Some(id),
            &format!("{} from line {line}", product_detail(v)),
        )?;
    }
    out.created = good.len();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_line_and_headers_are_matched_loosely() {
        let rows =
            read_rows(b"\xEF\xBB\xBFName,NAIC Code,contact-email\nAcme,12345,a@b.co\n\n\"Beta\nCo\",,\nGamma,,\n")
                .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, 2);
        assert_eq!(cell(&rows[0].1, &["naiccode"]), "12345");
        assert_eq!(cell(&rows[0].1, &["contactemail"]), "a@b.co");
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[2].0, 6);
        assert!(read_rows(b"name\n").is_err());
        assert!(read_rows(&[0xff, 0xfe]).is_err());
    }
}
