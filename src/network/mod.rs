//! The broker network (issue 17): members' profiles, connections with their history and the
//! graph of active links (reach is one recursive query), referrals to a connected member or the
//! agency with the person's consent checked before anything is shared (a one-time public consent
//! link otherwise), the CMS referral-fee limit on Medicare flat fees, expiry, and conversion into
//! commission with the referrer's tier multiplier.
//!
//! Rules, pure and unit-tested: `handoff` (consent names the receiver; the split as typed),
//! `strength` (a connection's 0–100), `score` (the network score, tiers as data, the
//! multiplier), `pool` (team pools that sum exactly), `forecast` (linear trend), `advice`
//! (recommendations with their numbers), `rules` (the settings with their sources),
//! `conversion::shares`. Queries in `model`, changes in `service`.
//!
//! Not wired to pages, jobs or the API yet: see the note.

pub mod advice;
pub mod conversion;
pub mod forecast;
pub mod handoff;
pub mod model;
pub mod pool;
pub mod referrals;
pub mod rules;
pub mod score;
pub mod scores;
pub mod service;
pub mod strength;
