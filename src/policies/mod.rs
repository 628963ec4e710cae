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
