//! The broker network (issue 17): members' profiles, connections with their history and the
//! graph of active links (reach is one recursive query), referrals to a connected member or the
//! agency with the person's consent checked before anything is shared (a one-time public consent
//! link otherwise), the CMS referral-fee limit on Medicare flat fees, expiry, and conversion into
//! commission with the referrer's tier multiplier.
//!
//! Rules, pure and unit-tested: `handoff` (consent names the receiver; the split as typed),
//! `strength` (a connection's 0–100), `score` (the network score, tiers as data, the
//! multiplier), `pool` (team pools that sum exactly), `team_strategy` (the routing engine's
//! strategies for a team's referrals), `forecast` (linear trend), `advice`
//! (recommendations with their numbers), `rules` (the settings with their sources),
//! `conversion::shares`. Queries in `model`, changes in `service`.
//!
//! Pages: `pages` (the portal, the score, the leaderboard), `connection_pages` (profile,
//! connections and the network picture), `referral_pages` (referrals and the person's public
//! consent page), `teams` (broker teams and pooling), `agency_pages` (the agency's view and the
//! rules), `token_pages` (a member's own API tokens); `api` for `/api/v1/network/…`; jobs in `jobs` (the daily expiry and scores).

pub mod advice;
pub mod agency_pages;
pub mod api;
pub mod connection_pages;
pub mod conversion;
pub mod forecast;
pub mod handoff;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod picture;
pub mod pool;
pub mod referral_pages;
pub mod referrals;
pub mod rules;
pub mod score;
pub mod scores;
pub mod service;
pub mod standing;
pub mod strength;
pub mod team_strategy;
pub mod teams;
pub mod token_pages;
pub mod view;

use crate::web::routes::Routes;

/// A team on the leaderboard: (team, referrals received, converted).
pub type TeamFigures = (String, i64, i64);

/// What the network keeps in memory for one application (a field of `crate::caches::Caches`).
pub struct Caches {
    /// The network's conversion rate and median response time for the portal's advice, reused
    /// for five minutes: at 200,000 referrals counting them took longer than the rest of the page.
    pub figures: crate::db::cache::TtlCache<(), view::NetworkFigures>,
    /// Every stored score, best first (`model::standing::ranking`), reused for a minute: a
    /// member's place is a search in it rather than a count of everyone above them.
    pub ranking: crate::db::cache::TtlCache<(), std::sync::Arc<Vec<(i64, i64)>>>,
    /// The team leaderboard (team, referrals received, converted), reused for a minute.
    pub teams: crate::db::cache::TtlCache<(), std::sync::Arc<Vec<TeamFigures>>>,
}

impl Default for Caches {
    fn default() -> Caches {
        Caches {
            figures: crate::db::cache::TtlCache::new(std::time::Duration::from_secs(300)),
            ranking: crate::db::cache::TtlCache::new(std::time::Duration::from_secs(60)),
            teams: crate::db::cache::TtlCache::new(std::time::Duration::from_secs(60)),
        }
    }
}

/// Every page and endpoint of the network, with its access rule.
pub fn routes(r: &mut Routes) {
    pages::routes(r);
    connection_pages::routes(r);
    // `/network/referrals/new` before `/network/referrals/{id}`: the part registers it first.
    referral_pages::routes(r);
    teams::routes(r);
    agency_pages::routes(r);
    token_pages::routes(r);
    api::routes(r);
}
