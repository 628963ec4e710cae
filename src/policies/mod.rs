//! Policies: the agency's book of business. Carriers and their products; policies recorded from
//! won leads, by hand, by import and by the API; the seven-state lifecycle (`lifecycle`, one pure
//! function) with its append-only history; the licence check on activation; endorsements;
//! renewals; the premium schedule and payments; documents; Scope of Appointment records for
//! Medicare with their e-signature; the daily run that expires and lapses policies.

pub mod api;
pub mod catalogue;
pub mod documents;
pub mod endorsements;
pub mod handlers;
pub mod import;
pub mod jobs;
pub mod lifecycle;
pub mod lists;
pub mod model;
pub mod payments;
pub mod renewals;
pub mod rules;
pub mod rules_pages;
pub mod schedule;
pub mod service;
pub mod soa;
pub mod soa_sign;
pub mod storage;
pub mod sweep;
pub mod transitions;
pub mod view;
pub mod webhooks;

pub use service::Viewer;

/// What policies keep in memory for one application (a field of `crate::caches::Caches`).
pub struct Caches {
    /// The renewals page's 12-month outcomes (renewed, declined, expired unrenewed) per scope
    /// (the agents seen, or none for everyone), reused for five minutes: counting them reads every
    /// term that ended in the year, too much for each view of the page at 100,000 policies.
    pub renewal_outcomes: crate::db::cache::TtlCache<Vec<i64>, (i64, i64, i64)>,
}

impl Default for Caches {
    fn default() -> Caches {
        Caches {
            renewal_outcomes: crate::db::cache::TtlCache::new(std::time::Duration::from_secs(300)),
        }
    }
}

use crate::auth::roles::Role;
use crate::web::routes::{Access, Routes};

/// Who works with policies: staff see every one, agents their own (and their team's).
pub const POLICY_USERS: &[Role] = &[Role::Owner, Role::Admin, Role::Agent];

/// Every page and endpoint of policies, with its access rule.
pub fn routes(r: &mut Routes) {
    // Each part declares its own; the fixed paths come before `/policies/{id}`.
    catalogue::routes(r);
    lists::routes(r);
    api::routes(r);
    import::routes(r);
    renewals::routes(r);
    payments::routes(r);
    soa::routes(r);
    rules_pages::routes(r);
    r.get("/policies/{id}", Access::Roles(POLICY_USERS), handlers::show);
    transitions::routes(r);
    endorsements::routes(r);
    documents::routes(r);
}
