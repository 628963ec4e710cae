//! Queries for documents and SOA records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SoaRow;
use crate::db::schema::soa_records;
use crate::db::DbConnection;
use crate::domain::policy::SoaStatus;

/// The newest signed SOA between this beneficiary and agent that is valid at `at` (signed by
/// then and not yet past its validity): the one a Medicare policy is sold under.
pub fn valid_soa_for(
    conn: &mut DbConnection,
    contact_id: i64,
    agent_id: i64,
    at: NaiveDateTime,
) -> QueryResult<Option<SoaRow>> {
    soa_records::table
        .filter(soa_records::contact_id.eq(contact_id))
        .filter(soa_records::agent_id.eq(agent_id))
        .filter(soa_records::status.eq(SoaStatus::Signed))
        .filter(soa_records::signed_at.le(at))
        .filter(soa_records::valid_until.ge(at))
        .order(soa_records::signed_at.desc())
        .select(SoaRow::as_select())
        .first(conn)
        .optional()
}
