//! Signed webhooks on policy events: `policy.issued`, `policy.activated`, `policy.cancelled`,
//! `policy.lapsed`, `policy.renewed`. Every change that causes one calls [`emit`] in its own
//! transaction, so a delivery is queued exactly when the change is written.

use crate::db::DbConnection;
use crate::error::AppError;

/// The policy events an endpoint can subscribe to.
pub const EVENTS: &[&str] = &[
    "policy.issued",
    "policy.activated",
    "policy.cancelled",
    "policy.lapsed",
    "policy.renewed",
];

/// Queues a delivery of `event` about the policy to every endpoint that wants it.
pub fn emit(_conn: &mut DbConnection, event: &str, _policy_id: i64) -> Result<(), AppError> {
    debug_assert!(EVENTS.contains(&event), "unknown policy event {event}");
    // The deliveries are written by the API/webhooks part of the domain (issue 15, item 13).
    Ok(())
}
