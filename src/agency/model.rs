//! Every query of the agency's settings (one row, id 1, made by its migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::agency;
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agency)]
pub struct AgencyRow {
    pub id: i64,
    pub name: String,
    pub legal_name: String,
    pub logo: Option<String>,
    pub address: String,
    pub phone: String,
    pub website: String,
    pub licences: String,
    pub time_zone: String,
    pub brand_colour: String,
    pub consent_wording: String,
    pub consent_source: String,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// What the settings form changes (the logo has its own upload).
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = agency)]
pub struct AgencyChanges {
    pub name: String,
    pub legal_name: String,
    pub address: String,
    pub phone: String,
    pub website: String,
    pub licences: String,
    pub time_zone: String,
    pub brand_colour: String,
    pub consent_wording: String,
}

pub fn find(conn: &mut DbConnection) -> QueryResult<AgencyRow> {
    agency::table
        .filter(agency::id.eq(1))
        .select(AgencyRow::as_select())
        .first(conn)
}

/// The counter each save moves: a cached copy is current while this has not moved.
pub fn version(conn: &mut DbConnection) -> QueryResult<i64> {
    agency::table
        .filter(agency::id.eq(1))
        .select(agency::version)
        .first(conn)
}

pub fn update(conn: &mut DbConnection, changes: &AgencyChanges) -> QueryResult<usize> {
    diesel::update(agency::table.filter(agency::id.eq(1)))
        .set((
            changes,
            agency::version.eq(agency::version + 1),
            agency::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

/// Sets the name and time zone only (the set-up page asks for these two).
pub fn set_name_and_zone(conn: &mut DbConnection, name: &str, time_zone: &str) -> QueryResult<usize> {
    diesel::update(agency::table.filter(agency::id.eq(1)))
        .set((
            agency::name.eq(name),
            agency::time_zone.eq(time_zone),
            agency::version.eq(agency::version + 1),
            agency::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

/// Sets the logo's file name; returns the previous one, to remove.
pub fn set_logo(conn: &mut DbConnection, file: Option<&str>) -> QueryResult<Option<String>> {
    let old = find(conn)?.logo;
    diesel::update(agency::table.filter(agency::id.eq(1)))
        .set((
            agency::logo.eq(file),
            agency::version.eq(agency::version + 1),
            agency::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(old)
}
