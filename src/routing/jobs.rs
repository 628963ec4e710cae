//! Routing's background jobs: an offer that runs out of time passes to the next agent, and a
//! lead its agent has not contacted in time is escalated.
//!
//! The application's caches reach a job as `cx.service::<Arc<crate::caches::Caches>>()`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::jobs::{Context, Job, Registry};

pub fn register(registry: &mut Registry) {
    registry.register::<OfferTimeout>().register::<EscalationCheck>();
}

/// Queued with each offer for its deadline: an offer still open then expires and the lead is
/// offered on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferTimeout {
    pub offer_id: i64,
}

impl Job for OfferTimeout {
    const KIND: &'static str = "offer.timeout";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let (settings, offer_id) = (cx.settings.clone(), self.offer_id);
        let caches = cx.service::<Arc<crate::caches::Caches>>()?.clone();
        cx.db
            .write(move |c| super::offers::expire(c, offer_id, &settings, &caches.routing))
            .await
            .map_err(|e| e.to_string())?;
        cx.wakeup.notify_one();
        Ok(())
    }
}

/// Checks, a while after an agent accepted a lead, that they contacted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationCheck {
    pub lead_id: i64,
    pub agent_id: i64,
}

impl Job for EscalationCheck {
    const KIND: &'static str = "lead.escalate";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let (settings, EscalationCheck { lead_id, agent_id }) = (cx.settings.clone(), self);
        let escalated = cx
            .db
            .write(move |c| super::offers::escalate(c, lead_id, agent_id, &settings))
            .await
            .map_err(|e| e.to_string())?;
        if escalated {
            cx.wakeup.notify_one();
        }
        Ok(())
    }
}
