//! The queries of CSV import runs: a run's row, its progress, and which uploaded files runs use.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::lead_imports;
use crate::db::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_imports)]
pub struct ImportRow {
    pub id: i64,
    pub created_by: Option<i64>,
    pub file_name: String,
    pub file_path: String,
    pub mapping: String,
    pub status: String,
    pub total_bytes: i64,
    pub processed_bytes: i64,
    pub processed_rows: i32,
    pub created_count: i32,
    pub attached_count: i32,
    pub rejected_count: i32,
    pub report_path: Option<String>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl ImportRow {
    pub fn percent(&self) -> i64 {
        percent(&self.status, self.processed_bytes, self.total_bytes)
    }
}

/// How far an import run with this status has read its file, in percent (every import's).
pub fn percent(status: &str, processed_bytes: i64, total_bytes: i64) -> i64 {
    if status == "done" {
        return 100;
    }
    (processed_bytes * 100)
        .checked_div(total_bytes)
        .unwrap_or(0)
        .clamp(0, 100)
}

pub fn insert_import(
    conn: &mut DbConnection,
    by: i64,
    file_name: &str,
    file_path: &str,
    mapping: &str,
    total_bytes: i64,
) -> QueryResult<i64> {
    diesel::insert_into(lead_imports::table)
        .values((
            lead_imports::created_by.eq(Some(by)),
            lead_imports::file_name.eq(file_name),
            lead_imports::file_path.eq(file_path),
            lead_imports::mapping.eq(mapping),
            lead_imports::status.eq("pending"),
            lead_imports::total_bytes.eq(total_bytes),
            lead_imports::created_at.eq(now()),
        ))
        .returning(lead_imports::id)
        .get_result(conn)
}

pub fn find_import(conn: &mut DbConnection, id: i64) -> QueryResult<ImportRow> {
    lead_imports::table.find(id).select(ImportRow::as_select()).first(conn)
}

pub fn recent_imports(conn: &mut DbConnection) -> QueryResult<Vec<ImportRow>> {
    lead_imports::table
        .order(lead_imports::id.desc())
        .limit(20)
        .select(ImportRow::as_select())
        .load(conn)
}

/// The files that pending and running imports still have to read.
pub fn import_files_in_use(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    lead_imports::table
        .filter(lead_imports::status.eq_any(["pending", "running"]))
        .select(lead_imports::file_path)
        .load(conn)
}

pub struct ImportProgress {
    pub status: &'static str,
    pub processed_bytes: i64,
    pub processed_rows: i32,
    pub created: i32,
    pub attached: i32,
    pub rejected: i32,
    pub report_path: Option<String>,
    pub error: Option<String>,
    pub finished: bool,
}

pub fn update_import(conn: &mut DbConnection, id: i64, p: &ImportProgress) -> QueryResult<usize> {
    diesel::update(lead_imports::table.find(id))
        .set((
            lead_imports::status.eq(p.status),
            lead_imports::processed_bytes.eq(p.processed_bytes),
            lead_imports::processed_rows.eq(p.processed_rows),
            lead_imports::created_count.eq(p.created),
            lead_imports::attached_count.eq(p.attached),
            lead_imports::rejected_count.eq(p.rejected),
            lead_imports::report_path.eq(p.report_path.as_deref()),
            lead_imports::error.eq(p.error.as_deref()),
            lead_imports::finished_at.eq(p.finished.then(now)),
        ))
        .execute(conn)
}
