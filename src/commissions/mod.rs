//! Commissions: what the agency and its people are owed for the book of business. Schedules per
//! carrier and product (versioned), the CMS limits as data, contract levels and uplines with
//! their overrides, splits per policy, the append-only ledger from expected to paid, the monthly
//! computation with its chargebacks, the licence hold, and carriers' statements reconciled against
//! the ledger (`statements`).

pub mod allocate;
pub mod cms;
pub mod engine;
pub mod jobs;
pub mod mine;
pub mod model;
pub mod pages;
pub mod payout_pages;
pub mod payouts;
pub mod rates;
pub mod rules;
pub mod service;
pub mod statements;

use crate::web::routes::Routes;

/// Every page and endpoint of commissions, with its access rule.
pub fn routes(r: &mut Routes) {
    pages::routes(r);
    mine::routes(r);
    payout_pages::routes(r);
    statements::pages::routes(r);
}
