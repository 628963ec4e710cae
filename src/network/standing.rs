//! Network scores and tiers kept up to date (item 8): the figures each score is made of, read
//! for the whole network in a few grouped queries and worked out in memory (reach by a walk of
//! the graph, each connection's strength by `strength::strength`, the score by `score::score`),
//! then written in batches; a score that moved gets a history row, a tier that changed tells the
//! member. Run by the daily job and, for the members a change touches, by `network.scores`.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::NaiveDateTime;

use super::model::standing::{self, ScoreRow};
use super::rules::Rules;
use super::score::{self, Inputs, Score};
use super::strength::{self, Activity, Strength};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::notifications::model as notices;

/// Referral activity between two members, one way: (sent, converted, latest).
type Flow = (u32, u32, Option<NaiveDateTime>);

/// Everything a score is computed from, for the whole network.
#[derive(Default)]
pub struct Snapshot {
    pub members: Vec<i64>,
    /// Each member's active connections with when they began.
    pub links: HashMap<i64, Vec<(i64, NaiveDateTime)>>,
    /// (referrer, receiver) → what flowed that way.
    pub flows: HashMap<(i64, i64), Flow>,
    /// Referrals each member sent (to anyone, the agency too): (sent, converted).
    pub sent: HashMap<i64, (u32, u32)>,
    /// Referrals each member received: (received, converted).
    pub received: HashMap<i64, (u32, u32)>,
}

fn small(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Reads the snapshot; with `of`, only what that member's own score needs: their referrals, and
/// the links of the members within two steps of them (enough to walk their reach three steps),
/// rather than the whole network's.
pub fn snapshot(conn: &mut DbConnection, of: Option<i64>) -> Result<Snapshot, AppError> {
    let (members, links) = match of {
        None => (standing::member_ids(conn)?, standing::all_links(conn)?),
        Some(id) => {
            let mut near: Vec<i64> = super::model::reach(conn, id, 2)?.into_iter().map(|(n, _)| n).collect();
            near.push(id);
            let member = super::model::profile(conn, id)?.map(|_| id);
            (member.into_iter().collect(), standing::links_from_members(conn, &near)?)
        }
    };
    fill(conn, members, links, of)
}

/// What the strengths of one member's own connections need, and no more: their links and their
/// referrals (no reach, so not enough for their score).
pub fn own(conn: &mut DbConnection, id: i64) -> Result<Snapshot, AppError> {
    let links = standing::links_from_members(conn, &[id])?;
    fill(conn, vec![id], links, Some(id))
}

fn fill(
    conn: &mut DbConnection,
    members: Vec<i64>,
    links: Vec<(i64, i64, NaiveDateTime)>,
    of: Option<i64>,
) -> Result<Snapshot, AppError> {
    let mut s = Snapshot {
        members,
        ..Snapshot::default()
    };
    for (a, b, since) in links {
        s.links.entry(a).or_default().push((b, since));
    }
    for p in standing::pair_activity(conn, false, of)? {
        s.sent.entry(p.referrer_id).or_default().0 += small(p.count);
        if let Some(to) = p.receiver_id {
            s.received.entry(to).or_default().0 += small(p.count);
            let f = s.flows.entry((p.referrer_id, to)).or_default();
            f.0 += small(p.count);
            f.2 = f.2.max(p.last);
        }
    }
    for p in standing::pair_activity(conn, true, of)? {
        s.sent.entry(p.referrer_id).or_default().1 += small(p.count);
        if let Some(to) = p.receiver_id {
            s.received.entry(to).or_default().1 += small(p.count);
            s.flows.entry((p.referrer_id, to)).or_default().1 += small(p.count);
        }
    }
    Ok(s)
}

/// Distinct members 1, 2 and 3 steps away over active connections (a breadth-first walk, so each
/// member counts once, at their fewest steps, and cycles end).
pub fn reach(links: &HashMap<i64, Vec<(i64, NaiveDateTime)>>, user: i64) -> [u32; 3] {
    let mut seen: HashSet<i64> = HashSet::from([user]);
    let mut queue = VecDeque::from([(user, 0u8)]);
    let mut out = [0u32; 3];
    while let Some((node, d)) = queue.pop_front() {
        if d == 3 {
            continue;
        }
        for &(next, _) in links.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(next) {
                out[d as usize] += 1;
                queue.push_back((next, d + 1));
            }
        }
    }
    out
}

/// The strength of `user`'s connection with `other`, from what flowed between them.
pub fn connection_strength(s: &Snapshot, user: i64, other: i64, since: NaiveDateTime, at: NaiveDateTime) -> Strength {
    let out = s.flows.get(&(user, other)).copied().unwrap_or_default();
    let back = s.flows.get(&(other, user)).copied().unwrap_or_default();
    let last = out.2.max(back.2);
    strength::strength(&Activity {
        sent: out.0,
        received: back.0,
        converted: out.1 + back.1,
        days_since_last: last.map(|t| small((at - t).num_days())),
        days_connected: small((at - since).num_days()),
    })
}

/// A member's score with the figures behind it.
pub fn member_score(s: &Snapshot, user: i64, at: NaiveDateTime) -> (Inputs, Score) {
    let links = s.links.get(&user).map(Vec::as_slice).unwrap_or(&[]);
    let strength_sum = links
        .iter()
        .map(|&(other, since)| u32::from(connection_strength(s, user, other, since, at).value))
        .sum();
    let [_, reach2, reach3] = reach(&s.links, user);
    let (sent, sent_converted) = s.sent.get(&user).copied().unwrap_or_default();
    let (received, received_converted) = s.received.get(&user).copied().unwrap_or_default();
    let inputs = Inputs {
        connections: u32::try_from(links.len()).unwrap_or(u32::MAX),
        strength_sum,
        sent,
        received,
        sent_converted,
        received_converted,
        reach2,
        reach3,
    };
    let sc = score::score(&inputs);
    (inputs, sc)
}

/// What a recomputation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub members: usize,
    pub moved: usize,
    pub tier_changes: usize,
}

/// The new rows for these members (every member when `only` is empty).
pub fn compute(s: &Snapshot, only: &[i64], rules: &Rules, at: NaiveDateTime) -> Vec<ScoreRow> {
    let ids: Vec<i64> = if only.is_empty() {
        s.members.clone()
    } else {
        only.iter()
            .copied()
            .filter(|id| s.members.binary_search(id).is_ok())
            .collect()
    };
    ids.into_iter()
        .map(|user_id| {
            let (inputs, sc) = member_score(s, user_id, at);
            ScoreRow {
                user_id,
                hundredths: sc.hundredths,
                tier: rules.tiers.tier_for(sc.hundredths).name.clone(),
                inputs: serde_json::to_string(&inputs).unwrap_or_default(),
                computed_at: at,
            }
        })
        .collect()
}

/// Writes computed rows: history when a score moved, a notice when a tier changed.
pub fn save(conn: &mut DbConnection, rows: &[ScoreRow]) -> Result<Report, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let before: HashMap<i64, (i64, String)> = standing::scores_of(conn, &ids)?
        .into_iter()
        .map(|r| (r.user_id, (r.hundredths, r.tier)))
        .collect();
    let mut report = Report {
        members: rows.len(),
        ..Report::default()
    };
    for row in rows {
        let old = before.get(&row.user_id);
        let moved = old.is_none_or(|(h, _)| *h != row.hundredths);
        standing::save_score(conn, row, moved, old.is_some())?;
        report.moved += usize::from(moved);
        let tier_changed = match old {
            Some((_, t)) => *t != row.tier,
            None => row.hundredths > 0,
        };
        if tier_changed {
            report.tier_changes += 1;
            notices::notify(
                conn,
                row.user_id,
                "network.tier",
                &format!(
                    "Your network score is {}: you are {} now.",
                    score::points(row.hundredths),
                    row.tier
                ),
                "/network/score",
            )?;
        }
    }
    Ok(report)
}

/// Recomputes these members' scores (every member when `only` is empty) in one go: for a
/// change's few members, and for tests. The daily job batches its writes instead.
pub fn recompute(conn: &mut DbConnection, only: &[i64], at: NaiveDateTime) -> Result<Report, AppError> {
    let rules = super::rules::load(conn)?;
    if only.is_empty() {
        let s = snapshot(conn, None)?;
        return save(conn, &compute(&s, only, &rules, at));
    }
    // A change's few members: each from their own neighbourhood, not the whole network.
    let mut rows = Vec::with_capacity(only.len());
    for &id in only {
        let s = snapshot(conn, Some(id))?;
        rows.extend(compute(&s, &[id], &rules, at));
    }
    save(conn, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, day)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default()
    }

    fn graph(edges: &[(i64, i64)]) -> HashMap<i64, Vec<(i64, NaiveDateTime)>> {
        let mut g: HashMap<i64, Vec<(i64, NaiveDateTime)>> = HashMap::new();
        for &(a, b) in edges {
            g.entry(a).or_default().push((b, t(1)));
            g.entry(b).or_default().push((a, t(1)));
        }
        g
    }

    #[test]
    fn reach_counts_each_member_once_at_their_fewest_steps() {
        // 1–2, 1–3, 2–3 (a cycle), 3–4, 4–5, 5–6: from 1, {2,3} then {4} then {5}; 6 is 4 away.
        let g = graph(&[(1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 6)]);
        assert_eq!(reach(&g, 1), [2, 1, 1]);
        assert_eq!(reach(&g, 6), [1, 1, 1]);
        assert_eq!(reach(&g, 99), [0, 0, 0]);
    }

    #[test]
    fn a_score_adds_strengths_referrals_and_reach() {
        let mut s = Snapshot {
            members: vec![1, 2, 3],
            links: graph(&[(1, 2), (2, 3)]),
            ..Snapshot::default()
        };
        s.flows.insert((1, 2), (2, 1, Some(t(20))));
        s.sent.insert(1, (2, 1));
        s.received.insert(2, (2, 1));
        let (inputs, sc) = member_score(&s, 1, t(25));
        assert_eq!(inputs.sent, 2);
        assert_eq!(inputs.sent_converted, 1);
        assert_eq!(inputs.reach2, 1);
        assert_eq!(inputs.connections, 1);
        // Strength: 2 referrals (12) + 1 conversion (10) + recent (20) + under 36 days (0) = 42.
        assert_eq!(inputs.strength_sum, 42);
        // 42 × 0.1 + 2 × 3 + 1 × 15 + 1 × 0.5 = 25.7 points.
        assert_eq!(sc.hundredths, 2570);
        let rows = compute(&s, &[1, 7], &Rules::default(), t(25));
        assert_eq!(rows.len(), 1, "a non-member is left out");
        assert_eq!(rows[0].tier, "Bronze");
    }
}
