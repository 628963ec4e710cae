//! Lead qualification: **how promising is this lead, and why?**
//!
//! Two scorers share one reading of the lead:
//!
//! * a transparent **rule set** ([`qualify`]) whose points are settings
//!   ([`Weights`]); every non-zero contribution is returned as a [`Factor`], so
//!   the page can show "why this score" and the factors' points add up to
//!   `score - base` (before clamping to 0..=100);
//! * a **learned model** ([`LogisticModel`]), a plain logistic regression
//!   trained by batch gradient descent on standardised [`features`], with
//!   per-feature contributions for the same "why" panel
//!   ([`qualify_with_model`]) and an honest [`evaluate`] (held-out ROC AUC next
//!   to the constant model's 0.5, and a calibration table).
//!
//! Before scoring, the free-text message is read by three small keyword
//! classifiers: [`classify_product`] (used when the sender chose no product or
//! "other"), [`classify_intent`] and [`classify_urgency`]. Matching is
//! case-insensitive and word-ish: the message is lower-cased, every run of
//! non-alphanumeric characters becomes one space, and a phrase must start and
//! end on a word boundary (a trailing plural "s" is allowed, so "ppos" matches
//! "ppo"; a phrase written with a trailing `*` in the tables matches any word
//! starting with it, so "cancel*" matches "cancelled").
//!
//!
//! The pure engine takes no I/O and reads no clock (the caller passes `today`):
//! [`facts`] (what a lead is and what both scorers read from it), [`classify`],
//! [`rules`], [`logistic`] and [`evaluation`]. Around it: [`model`] (the stored
//! weights and models), [`scorer`] (the scorer kept in memory for intake, with
//! the sources' conversion rates, in [`Caches`]), [`training`], [`service`]
//! (the owner's changes, audited) and the scoring page in [`handlers`].

pub mod classify;
pub mod evaluation;
pub mod facts;
pub mod handlers;
pub mod logistic;
pub mod model;
pub mod rules;
pub mod scorer;
pub mod service;
#[cfg(test)]
mod testing;
pub mod training;

pub use classify::{classify_intent, classify_product, classify_urgency, Intent, Urgency};
pub use evaluation::{auc, calibration, evaluate, split_holdout, Evaluation, CALIBRATION_BINS};
pub use facts::{Factor, LeadFacts, Qualification};
pub use logistic::{features, qualify_with_model, Example, LogisticModel, FEATURE_NAMES};
pub use rules::{qualify, Weights, RULES_MODEL, SOURCE_CONVERSION_PIVOT};
pub use scorer::Caches;

use crate::auth::roles::{Role, STAFF};
use crate::web::routes::{Access, Routes};

/// Choices about the whole agency's scoring are the owner's.
pub const OWNERS: &[Role] = &[Role::Owner];

/// The scoring page: staff see it, owners train and choose models.
pub fn routes(r: &mut Routes) {
    r.get("/admin/scoring", Access::Roles(STAFF), handlers::index)
        .post("/admin/scoring/training", Access::Roles(OWNERS), handlers::train)
        .post("/admin/scoring/choice", Access::Roles(OWNERS), handlers::choose);
}
