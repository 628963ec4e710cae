//! What only the network's pages need: referral rows with names, the portal's figures, the
//! network value and the recommendations' inputs, read for one member.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use super::advice::{self, Advice};
use super::model::standing::{self, ScoreRow};
use super::model::{self, ReferralRow};
use super::referrals::{receiver_sees_person, shows_person, Side};
use super::rules::Rules;
use super::score::{self, Inputs, Score};
use super::standing as live;
use crate::db::{now, DbConnection};
use crate::domain::money::format_cents;
use crate::domain::network::ReferralStatus;
use crate::domain::ProductLine;
use crate::error::AppError;

/// A referral as a list shows it.
pub struct ReferralView {
    pub r: ReferralRow,
    pub referrer: String,
    pub receiver: String,
    /// The person's name, or a placeholder where the viewer may not see it yet.
    pub person: String,
    pub product: String,
}

impl ReferralView {
    pub fn split(&self) -> String {
        split_label(&self.r)
    }
    pub fn status_class(&self) -> &'static str {
        match self.r.status {
            ReferralStatus::Converted | ReferralStatus::Accepted => "badge-valid",
            ReferralStatus::Declined | ReferralStatus::Expired | ReferralStatus::Stopped => "badge-expired",
            _ => "badge-pending",
        }
    }
}

/// "20 % of the commission" or "$100.00 referral fee".
pub fn split_label(r: &ReferralRow) -> String {
    match r.split_kind {
        crate::domain::network::SplitKind::Percent => {
            format!("{} of the commission", super::pool::percent(i64::from(r.split_bps)))
        }
        crate::domain::network::SplitKind::Flat => format!("{} referral fee", format_cents(r.fee_cents)),
    }
}

/// The referrer's share as a percent ("20 %"), for a percent split.
pub fn split_percent(r: &ReferralRow) -> Option<String> {
    (r.split_kind == crate::domain::network::SplitKind::Percent).then(|| super::pool::percent(i64::from(r.split_bps)))
}

/// Rows for a list, with names; the person is hidden from a receiver until consent is in place.
pub fn referral_views(
    conn: &mut DbConnection,
    viewer: i64,
    rows: Vec<ReferralRow>,
) -> Result<Vec<ReferralView>, AppError> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.referrer_id).collect();
    ids.extend(rows.iter().filter_map(|r| r.receiver_id));
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = model::members(conn, &ids)?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let agency = if rows.iter().any(|r| r.receiver_id.is_none()) {
        crate::agency::model::find(conn)?.name
    } else {
        String::new()
    };
    let side = |r: &ReferralRow| {
        if r.referrer_id == viewer {
            Side::Referrer
        } else if r.receiver_id == Some(viewer) {
            Side::Receiver
        } else {
            Side::Staff
        }
    };
    let wanted: Vec<i64> = rows
        .iter()
        .filter(|r| side(r) != Side::Receiver || receiver_sees_person(r.status))
        .map(|r| r.contact_id)
        .collect();
    let people: HashMap<i64, crate::leads::model::ContactRow> = crate::leads::model::contacts_by_id(conn, &wanted)?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        // The same rule as the referral's own page and the API.
        let person = match people.get(&r.contact_id) {
            Some(p) if shows_person(&r, side(&r), p) => p.name(),
            _ => "Shared once the person consents".to_string(),
        };
        out.push(ReferralView {
            referrer: names.get(&r.referrer_id).cloned().unwrap_or_default(),
            receiver: match r.receiver_id {
                Some(id) => names.get(&id).cloned().unwrap_or_default(),
                None => agency.clone(),
            },
            person,
            product: r
                .product_line
                .parse::<ProductLine>()
                .map(|p| p.label().to_string())
                .unwrap_or_else(|_| r.product_line.clone()),
            r,
        });
    }
    Ok(out)
}

/// A member's standing: their stored score (or one computed now when the job has not run for
/// them yet), its parts, their tier and the next one.
pub struct StandingView {
    pub score: Score,
    /// The figures the score was computed from (reach among them).
    pub inputs: Inputs,
    pub tier: String,
    pub multiplier_bps: i64,
    pub next: Option<(String, i64)>,
    pub position: i64,
    /// When the job computed it; `None` for a score computed on this view.
    pub computed_at: Option<NaiveDateTime>,
}

impl StandingView {
    pub fn points(&self) -> String {
        score::points(self.score.hundredths)
    }
    pub fn to_next(&self) -> String {
        self.next
            .as_ref()
            .map(|(n, h)| format!("{} points to {n}", score::points(*h)))
            .unwrap_or_else(|| "You are in the highest tier.".into())
    }
    pub fn extra(&self) -> String {
        super::pool::percent(self.multiplier_bps)
    }
    /// Members 1, 2 and 3 steps away, as the score counted them.
    pub fn reach(&self) -> [u32; 3] {
        [self.inputs.connections, self.inputs.reach2, self.inputs.reach3]
    }
}

/// The member's standing. The score the job stored (it recomputes a member's score whenever
/// their connections or referrals change, and everyone's daily) is served with its parts
/// worked out again from its stored figures; only a member the job has not reached yet has
/// their score computed here, from their own neighbourhood.
pub fn standing_of(
    conn: &mut DbConnection,
    caches: &super::Caches,
    user_id: i64,
    rules: &Rules,
) -> Result<StandingView, AppError> {
    let stored: Option<ScoreRow> = standing::score(conn, user_id)?;
    let kept = stored.as_ref().and_then(|s| {
        serde_json::from_str::<Inputs>(&s.inputs)
            .ok()
            .map(|i| (i, s.computed_at))
    });
    let (inputs, computed_at) = match kept {
        Some((inputs, at)) => (inputs, Some(at)),
        None => {
            let snap = live::snapshot(conn, Some(user_id))?;
            (live::member_score(&snap, user_id, now()).0, None)
        }
    };
    let sc = score::score(&inputs);
    let tier = rules.tiers.tier_for(sc.hundredths).clone();
    let next = rules
        .tiers
        .next_after(sc.hundredths)
        .map(|t| (t.name.clone(), t.min_hundredths - sc.hundredths));
    let ranking = caches
        .ranking
        .get_or_load((), || standing::ranking(conn).map(std::sync::Arc::new))?;
    let position = place(
        &ranking,
        user_id,
        stored.as_ref().map_or(sc.hundredths, |s| s.hundredths),
    );
    Ok(StandingView {
        tier: tier.name,
        multiplier_bps: tier.multiplier_bps,
        next,
        position,
        computed_at,
        inputs,
        score: sc,
    })
}

/// A member's place (1 is first) in a ranking sorted best first: one more than those who score
/// higher, or tie and come first by id.
pub fn place(ranking: &[(i64, i64)], user_id: i64, hundredths: i64) -> i64 {
    let above = ranking.partition_point(|&(h, id)| h > hundredths || (h == hundredths && id < user_id));
    above as i64 + 1
}

/// Network value: the referral commission the member earned (every referral goes to a direct
/// connection or the agency) plus the configured share of what their direct connections earned.
pub struct NetworkValue {
    pub direct_cents: i64,
    pub second_cents: i64,
    pub share_bps: i64,
}

impl NetworkValue {
    pub fn total(&self) -> String {
        format_cents(self.direct_cents + self.second_cents)
    }
    pub fn direct(&self) -> String {
        format_cents(self.direct_cents)
    }
    pub fn second(&self) -> String {
        format_cents(self.second_cents)
    }
    pub fn share(&self) -> String {
        super::pool::percent(self.share_bps)
    }
}

pub fn network_value(conn: &mut DbConnection, user_id: i64, rules: &Rules) -> Result<NetworkValue, AppError> {
    let direct = standing::broker_earnings(conn, &[user_id])?;
    let first = model::neighbours(conn, user_id)?;
    let theirs = standing::broker_earnings(conn, &first)?;
    let share = rules.second_degree_value_bps;
    Ok(NetworkValue {
        direct_cents: direct,
        second_cents: (i128::from(theirs) * i128::from(share) / 10_000) as i64,
        share_bps: share,
    })
}

#[cfg(test)]
mod tests {
    use super::place;

    #[test]
    fn a_place_counts_who_is_above_ties_by_id() {
        let ranking = [(900, 4), (500, 2), (500, 7), (100, 1)];
        assert_eq!(place(&ranking, 4, 900), 1);
        assert_eq!(place(&ranking, 2, 500), 2);
        assert_eq!(place(&ranking, 7, 500), 3);
        assert_eq!(place(&ranking, 1, 100), 4);
        // A member not in the ranking yet is placed where their score would go.
        assert_eq!(place(&ranking, 9, 600), 2);
        assert_eq!(place(&ranking, 9, 0), 5);
        assert_eq!(place(&[], 9, 0), 1);
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn response_hours(rows: &[ReferralRow]) -> Vec<f64> {
    rows.iter()
        .filter_map(|r| r.responded_at.map(|t| (t - r.created_at).num_minutes() as f64 / 60.0))
        .collect()
}

/// The whole network's figures the advice compares a member with (kept a few minutes in
/// `network::Caches`: they move slowly, and reading them means counting every referral).
#[derive(Debug, Clone, Copy, Default)]
pub struct NetworkFigures {
    pub conversion_bps: Option<i64>,
    pub median_response_hours: Option<f64>,
}

pub fn network_figures(conn: &mut DbConnection) -> Result<NetworkFigures, AppError> {
    let counts = model::counts_by_status(conn)?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let converted: i64 = counts
        .iter()
        .filter(|(s, _)| s == ReferralStatus::Converted.as_str())
        .map(|(_, n)| n)
        .sum();
    let answered = model::recently_answered(conn, 1000)?;
    Ok(NetworkFigures {
        conversion_bps: (total > 0).then(|| converted * 10_000 / total),
        median_response_hours: median(response_hours(&answered)),
    })
}

/// The recommendations, from the member's own figures and the network's.
pub fn advice_for(
    conn: &mut DbConnection,
    caches: &super::Caches,
    user_id: i64,
    standing_view: &StandingView,
    sent: &[ReferralRow],
    received: &[ReferralRow],
) -> Result<Vec<Advice>, AppError> {
    let at = now();
    let network = caches.figures.get_or_load((), || network_figures(conn))?;
    // Connections older than 60 days with no referral either way.
    let mut silent = Vec::new();
    let partners: std::collections::HashSet<i64> = sent
        .iter()
        .filter_map(|r| r.receiver_id)
        .chain(received.iter().map(|r| r.referrer_id))
        .collect();
    let links = model::links_of(conn, user_id)?;
    let quiet: Vec<i64> = links
        .iter()
        .filter(|(other, since)| !partners.contains(other) && at - *since > Duration::days(60))
        .map(|(o, _)| *o)
        .collect();
    for m in model::members(conn, &quiet)? {
        silent.push(m.name);
    }
    let month_start = chrono::Datelike::with_day(&at.date(), 1).unwrap_or(at.date());
    let profile = model::profile(conn, user_id)?;
    let f = advice::Figures {
        silent_connections: silent,
        sent: sent.len() as u32,
        sent_converted: sent.iter().filter(|r| r.status == ReferralStatus::Converted).count() as u32,
        network_conversion_bps: network.conversion_bps,
        median_response_hours: median(response_hours(received)),
        network_median_response_hours: network.median_response_hours,
        connections: links.len() as u32,
        capacity_per_month: profile.map_or(0, |p| p.capacity_per_month.max(0) as u32),
        received_this_month: received.iter().filter(|r| r.created_at.date() >= month_start).count() as u32,
        waiting_for_consent: sent
            .iter()
            .filter(|r| r.status == ReferralStatus::ConsentNeeded)
            .count() as u32,
        points_to_next_tier: standing_view.next.clone(),
    };
    Ok(advice::advise(&f))
}
