//! Policies: the agency's book of business. Carriers and their products; policies recorded from
//! won leads, by hand, by import and by the API; the seven-state lifecycle (`lifecycle`, one pure
//! function) with its append-only history; the licence check on activation; endorsements;
//! renewals; the premium schedule and payments; documents; Scope of Appointment records for
//! Medicare with their e-signature; the daily run that expires and lapses policies.

pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod rules;
pub mod schedule;
pub mod service;
pub mod view;
pub mod webhooks;

pub use service::Viewer;

use crate::auth::roles::Role;
use crate::web::routes::{Access, Routes};

/// Who works with policies: staff see every one, agents their own (and their team's).
pub const POLICY_USERS: &[Role] = &[Role::Owner, Role::Admin, Role::Agent];

/// Every page and endpoint of policies, with its access rule.
pub fn routes(r: &mut Routes) {
    r.get("/policies/{id}", Access::Roles(POLICY_USERS), handlers::show);
}
