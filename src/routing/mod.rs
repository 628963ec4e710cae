//! Routing: **which agent gets this lead?** — from the rules the agency writes to the offer an
//! agent accepts or declines.
//!
//! The engine is pure (no I/O, no clock reads) and runs in four steps, each a public function so
//! that pages and tests can use them on their own:
//!
//! 1. [`first_matching`] picks the rule for the lead: the matching [`Rule`] with the lowest
//!    priority number (ties by rule id). [`matches`](fn@matches) says whether a rule's [`Conditions`] fit
//!    (`rule.rs`).
//! 2. The rule's [`Pool`] says which agents may be considered at all.
//! 3. [`eligibility`] checks each agent in the pool: active, not a trainee, accepting leads, inside working
//!    hours (in the agent's own time zone), under capacity, speaking the lead's language,
//!    allowed to sell the product in the lead's state (`may_sell`, the one place that rule
//!    lives), not already offered the lead, and the lead may be called at all (`eligibility.rs`).
//! 4. [`choose`] applies the rule's [`Strategy`] to the eligible agents and ranks them with a
//!    reason for each (`strategy.rs`).
//!
//! Assigning by hand asks the same question through [`hand_eligibility`], without the checks
//! that belong to the moment of an automatic offer. [`route`] runs all four and returns an
//! [`Explanation`] that a "why this agent / why not" panel can show as is (`explanation.rs`).
//! The caller passes `now`, loads the [`Candidate`]s and persists the [`RoutingState`] that
//! round-robin and weighted routing advance.
//!
//! Around the engine, on the database: the saved rules (`store.rs`), the directory of agents
//! (`directory.rs`), the decision with today's counts (`decide.rs`), the offers and their life
//! cycle (`offers.rs`), and the pages: the rule form (`rule_form.rs`), the rule pages
//! (`rule_pages.rs`) and the agent's offers (`offer_pages.rs`). What routing keeps in memory is
//! its [`Caches`], a part of the application's caches.

pub mod decide;
pub mod directory;
mod eligibility;
mod explanation;
#[cfg(test)]
mod fixtures;
pub mod jobs;
pub mod offer_pages;
pub mod offers;
mod rule;
pub mod rule_form;
pub mod rule_pages;
pub mod store;
mod strategy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use eligibility::{eligibility, hand_eligibility, Candidate, Exclusion, LeadToRoute};
pub use explanation::{route, Explanation, Tally};
pub use rule::{
    catching_rule, first_matching, matches, misfits, with_rule_in_place, Conditions, Pool, Rule, Strategy, UNSAVED_RULE,
};
pub use strategy::{choose, count_free_order, OrderHints, RoutingState, COUNT_WINDOW};

use crate::auth::roles::STAFF;
use crate::db::cache::{config_version, TtlCache, Versioned};
use crate::leads::LEAD_USERS;
use crate::web::routes::{Access, Routes};

/// What routing keeps in memory, for one application (a part of `crate::caches::Caches`): the
/// rules until one changes, the directory until an agent changes, the first passes of the current
/// minute, the agents found full a moment ago, and the open-lead and conversion figures that only
/// order agents before they are counted exactly.
pub struct Caches {
    rules: Versioned<Arc<Vec<Rule>>>,
    directory: Mutex<Option<Arc<directory::Directory>>>,
    first_passes: decide::KeptPasses,
    /// Per rule: agents noted full, and when.
    full: Mutex<HashMap<i64, HashMap<i64, Instant>>>,
    busy: TtlCache<(), decide::PerAgent<u32>>,
    conversion: TtlCache<(), decide::PerAgent<(u32, u32)>>,
}

impl Default for Caches {
    fn default() -> Caches {
        Caches {
            rules: Versioned::new(config_version),
            directory: Mutex::new(None),
            first_passes: Default::default(),
            full: Mutex::new(HashMap::new()),
            busy: TtlCache::new(Duration::from_secs(30)),
            conversion: TtlCache::new(Duration::from_secs(300)),
        }
    }
}

/// The routing pages: the agency's rules (staff), and the offers an agent answers.
pub fn routes(r: &mut Routes) {
    r.get("/leads/offers", Access::Roles(LEAD_USERS), offer_pages::panel)
        .post(
            "/offers/{id}/acceptance",
            Access::Roles(crate::agents::AGENTS),
            offer_pages::accept,
        )
        .post(
            "/offers/{id}/decline",
            Access::Roles(crate::agents::AGENTS),
            offer_pages::decline,
        )
        .get("/admin/routing", Access::Roles(STAFF), rule_pages::index)
        .post("/admin/routing", Access::Roles(STAFF), rule_pages::create)
        .get("/admin/routing/new", Access::Roles(STAFF), rule_pages::new)
        .post("/admin/routing/trial", Access::Roles(STAFF), rule_pages::trial)
        .get("/admin/routing/{id}", Access::Roles(STAFF), rule_pages::edit)
        .post("/admin/routing/{id}", Access::Roles(STAFF), rule_pages::update)
        .post(
            "/admin/routing/{id}/deactivation",
            Access::Roles(STAFF),
            rule_pages::deactivate,
        )
        .post("/admin/routing/{id}/move", Access::Roles(STAFF), rule_pages::move_rule);
}
