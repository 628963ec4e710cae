//! Queries of the lifecycle moves: what a cancellation and a Medicare activation write beside
//! the status (`super::set_status`).

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::policies;
use crate::db::{now, DbConnection};

/// Records why and from when a policy is cancelled.
pub fn set_cancellation(conn: &mut DbConnection, id: i64, reason: &str, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(policies::table.find(id))
        .set((
            policies::cancel_reason.eq(reason),
            policies::cancelled_on.eq(on),
            policies::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Links the Scope of Appointment a Medicare policy was sold under.
pub fn set_soa(conn: &mut DbConnection, id: i64, soa_id: i64) -> QueryResult<usize> {
    diesel::update(policies::table.find(id))
        .set((policies::soa_id.eq(soa_id), policies::updated_at.eq(now())))
        .execute(conn)
}
