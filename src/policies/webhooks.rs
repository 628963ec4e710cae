//! Signed webhooks on policy events: `policy.issued`, `policy.activated`, `policy.cancelled`,
//! `policy.lapsed`, `policy.renewed`. Every change that causes one calls [`emit`] in its own
//! transaction, so a delivery is queued exactly when the change is written. The deliveries go
//! through the agency's one webhook mechanism (`leads::webhooks::queue`): the same endpoints,
//! signature, retries and delivery log as lead events.

use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::leads::webhooks::{queue, Subject};

/// The policy events an endpoint can subscribe to.
pub use crate::domain::policy::WEBHOOK_EVENTS as EVENTS;

/// Queues a delivery of `event` about the policy to every endpoint that wants it.
pub fn emit(conn: &mut DbConnection, event: &str, policy_id: i64) -> Result<(), AppError> {
    debug_assert!(EVENTS.contains(&event), "unknown policy event {event}");
    queue(conn, event, Subject::Policy(policy_id), |c| {
        let p = super::model::find(c, policy_id)?;
        Ok(serde_json::json!({
            "event": event,
            "sent_at": now().and_utc().to_rfc3339(),
            "policy": super::api::policy_json(&p),
        })
        .to_string())
    })
}
