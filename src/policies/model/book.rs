//! Queries for book-of-business imports: an import run's row and progress, the files runs still
//! read, and finding an import row's carrier, product and agent by what carrier exports call them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{CarrierRow, ProductRow};
use crate::db::schema::{agents, carrier_products, carriers, policy_imports, users};
use crate::db::{lower, now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_imports)]
pub struct BookImportRow {
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
    pub duplicate_count: i32,
    pub rejected_count: i32,
    pub report_path: Option<String>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl BookImportRow {
    /// How far the file is read, in percent.
    pub fn percent(&self) -> i64 {
        crate::leads::model::imports::percent(&self.status, self.processed_bytes, self.total_bytes)
    }

    pub fn is_running(&self) -> bool {
        self.status == "pending" || self.status == "running"
    }
}

pub fn insert_import(
    conn: &mut DbConnection,
    by: i64,
    file_name: &str,
    file_path: &str,
    mapping: &str,
    total_bytes: i64,
) -> QueryResult<i64> {
    diesel::insert_into(policy_imports::table)
        .values((
            policy_imports::created_by.eq(Some(by)),
            policy_imports::file_name.eq(file_name),
            policy_imports::file_path.eq(file_path),
            policy_imports::mapping.eq(mapping),
            policy_imports::status.eq("pending"),
            policy_imports::total_bytes.eq(total_bytes),
            policy_imports::created_at.eq(now()),
        ))
        .returning(policy_imports::id)
        .get_result(conn)
}

pub fn find_import(conn: &mut DbConnection, id: i64) -> QueryResult<BookImportRow> {
    policy_imports::table
        .find(id)
        .select(BookImportRow::as_select())
        .first(conn)
}

pub fn recent_imports(conn: &mut DbConnection) -> QueryResult<Vec<BookImportRow>> {
    policy_imports::table
        .order(policy_imports::id.desc())
        .limit(50)
        .select(BookImportRow::as_select())
        .load(conn)
}

/// The files that pending and running imports still have to read (the upload sweep keeps them).
pub fn import_files_in_use(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    policy_imports::table
        .filter(policy_imports::status.eq_any(["pending", "running"]))
        .select(policy_imports::file_path)
        .load(conn)
}

/// Where a run is: rows read and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookCounts {
    pub processed: i32,
    pub created: i32,
    pub duplicates: i32,
    pub rejected: i32,
}

impl BookCounts {
    pub fn of(i: &BookImportRow) -> BookCounts {
        BookCounts {
            processed: i.processed_rows,
            created: i.created_count,
            duplicates: i.duplicate_count,
            rejected: i.rejected_count,
        }
    }
}

pub struct BookProgress<'a> {
    pub status: &'static str,
    pub processed_bytes: i64,
    pub counts: BookCounts,
    pub report_path: Option<&'a str>,
    pub error: Option<&'a str>,
    pub finished: bool,
}

pub fn update_import(conn: &mut DbConnection, id: i64, p: &BookProgress<'_>) -> QueryResult<usize> {
    diesel::update(policy_imports::table.find(id))
        .set((
            policy_imports::status.eq(p.status),
            policy_imports::processed_bytes.eq(p.processed_bytes),
            policy_imports::processed_rows.eq(p.counts.processed),
            policy_imports::created_count.eq(p.counts.created),
            policy_imports::duplicate_count.eq(p.counts.duplicates),
            policy_imports::rejected_count.eq(p.counts.rejected),
            policy_imports::report_path.eq(p.report_path),
            policy_imports::error.eq(p.error),
            policy_imports::finished_at.eq(p.finished.then(now)),
        ))
        .execute(conn)
}

/// The carrier called `name_or_naic` in a file: its NAIC code, or its name in any letter case.
pub fn carrier_named(conn: &mut DbConnection, name_or_naic: &str) -> QueryResult<Option<CarrierRow>> {
    let wanted = name_or_naic.trim();
    if let Some(c) = carriers::table
        .filter(carriers::naic_code.eq(wanted))
        .select(CarrierRow::as_select())
        .first(conn)
        .optional()?
    {
        return Ok(Some(c));
    }
    carriers::table
        .filter(lower(carriers::name).eq(wanted.to_lowercase()))
        .order(carriers::id.asc())
        .select(CarrierRow::as_select())
        .first(conn)
        .optional()
}

/// The carrier's product called `name`, in any letter case.
pub fn product_named(conn: &mut DbConnection, carrier_id: i64, name: &str) -> QueryResult<Option<ProductRow>> {
    carrier_products::table
        .filter(carrier_products::carrier_id.eq(carrier_id))
        .filter(lower(carrier_products::name).eq(name.trim().to_lowercase()))
        .order(carrier_products::id.asc())
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

/// The agent whose account has this e-mail address (in any letter case), or who holds this NPN.
pub fn agent_by_email_or_npn(conn: &mut DbConnection, email_or_npn: &str) -> QueryResult<Option<i64>> {
    let wanted = email_or_npn.trim();
    if wanted.contains('@') {
        agents::table
            .inner_join(users::table)
            .filter(users::email.eq(wanted.to_lowercase()))
            .select(agents::id)
            .first(conn)
            .optional()
    } else {
        crate::agents::model::agent_with_npn(conn, wanted)
    }
}
