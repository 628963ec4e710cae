//! Queries of the daily run: the policies it may have to move today.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::PolicyRow;
use crate::db::schema::{policies, policy_instalments};
use crate::db::DbConnection;
use crate::domain::policy::PolicyStatus;

/// Policies still running (pending payment or active) whose term ended before `today`, or with
/// an instalment unpaid for more than `grace_days` since it was due: the only ones the daily run
/// may move. (`lifecycle::due` decides for each.)
pub fn candidates(conn: &mut DbConnection, today: NaiveDate, grace_days: i64) -> QueryResult<Vec<PolicyRow>> {
    let missed_before = today - Duration::days(grace_days);
    let overdue = policy_instalments::table
        .filter(policy_instalments::due_on.lt(missed_before))
        .filter(policy_instalments::paid_cents.lt(policy_instalments::amount_cents))
        .select(policy_instalments::policy_id);
    policies::table
        .filter(policies::status.eq_any([PolicyStatus::PendingPayment, PolicyStatus::Active]))
        .filter(policies::term_end_on.lt(today).or(policies::id.eq_any(overdue)))
        .order(policies::id.asc())
        .select(PolicyRow::as_select())
        .load(conn)
}
