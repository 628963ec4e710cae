//! Who gets what of a piece of commission (items 3, 4): the policy's split among its payees, then
//! for each agent's part the hierarchy above them (each upline's override is its level's share
//! minus the level's below), the agency taking what no level takes. Every division is in whole
//! cents and the parts always add up to the whole: the remainder of a split goes to the payee it
//! names, and overrides are differences of running shares. Pure.

use crate::domain::commission::{PayeeKind, PayeeRole};

/// 100 % in basis points.
pub const WHOLE: i64 = 10_000;

/// Someone who is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Payee {
    pub kind: PayeeKind,
    /// The agent's id, the broker's user id or the team's id; 0 for the agency.
    pub id: i64,
}

impl Payee {
    pub const AGENCY: Payee = Payee {
        kind: PayeeKind::Agency,
        id: 0,
    };

    pub fn agent(id: i64) -> Payee {
        Payee {
            kind: PayeeKind::Agent,
            id,
        }
    }
}

/// One payee's share of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub payee: Payee,
    pub role: PayeeRole,
    /// Basis points (2,500 = 25 %).
    pub bps: i64,
    /// This payee takes the cents that rounding leaves.
    pub remainder: bool,
}

/// The split when none is recorded: all to the writing agent.
pub fn whole_to(agent_id: i64) -> Vec<Share> {
    vec![Share {
        payee: Payee::agent(agent_id),
        role: PayeeRole::Writing,
        bps: WHOLE,
        remainder: true,
    }]
}

/// Checks a split: at least one payee, each share above 0, no payee twice, exactly one payee
/// named for the remainder, and the shares adding up to exactly 100 % (more is refused: it would
/// pay out more than the commission).
pub fn validate_split(shares: &[Share]) -> Result<(), String> {
    if shares.is_empty() {
        return Err("A split needs at least one payee.".into());
    }
    if shares.iter().any(|s| s.bps <= 0) {
        return Err("Each payee's share is more than 0 %.".into());
    }
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|o| o.payee == s.payee) {
            return Err("A payee appears twice in the split; give them one share.".into());
        }
    }
    match shares.iter().filter(|s| s.remainder).count() {
        1 => {}
        0 => return Err("Name the payee who takes the cents left by rounding.".into()),
        _ => return Err("Only one payee takes the cents left by rounding.".into()),
    }
    let total: i64 = shares.iter().map(|s| s.bps).sum();
    if total > WHOLE {
        return Err(format!(
            "The shares add up to {}: that would pay out more than the whole commission. They must total exactly 100 %.",
            percent(total)
        ));
    }
    if total < WHOLE {
        return Err(format!(
            "The shares add up to {}; they must total exactly 100 %.",
            percent(total)
        ));
    }
    Ok(())
}

/// Basis points as people read a percent: `12.5 %`, `100 %`.
pub fn percent(bps: i64) -> String {
    let whole = bps / 100;
    let frac = (bps % 100).abs();
    if frac == 0 {
        format!("{whole} %")
    } else if frac % 10 == 0 {
        format!("{whole}.{} %", frac / 10)
    } else {
        format!("{whole}.{frac:02} %")
    }
}

/// Divides `cents` (either sign) by the shares: each takes its share rounded down, the payee named
/// for the remainder takes what is left. The parts add up to `cents`.
pub fn split(cents: i64, shares: &[Share]) -> Vec<i64> {
    let mut parts: Vec<i64> = shares
        .iter()
        .map(|s| (cents as i128 * s.bps as i128 / WHOLE as i128) as i64)
        .collect();
    let left = cents - parts.iter().sum::<i64>();
    let at = shares.iter().position(|s| s.remainder).unwrap_or(0);
    if let Some(p) = parts.get_mut(at) {
        *p += left;
    }
    parts
}

/// One link of an agent's hierarchy: the payee and their contract level's share of the gross.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub payee: Payee,
    pub level_bps: i64,
}

/// Checks a chain (the agent first, then each upline): every level between 0 and 100 %, and no
/// upline at a lower level than the one below it (its override would be negative: the downline
/// would be paid more than the upline's contract allows).
pub fn validate_chain(chain: &[Link]) -> Result<(), String> {
    if chain.iter().any(|l| !(0..=WHOLE).contains(&l.level_bps)) {
        return Err("A contract level's share is between 0 % and 100 %.".into());
    }
    for w in chain.windows(2) {
        if w[1].level_bps < w[0].level_bps {
            return Err(format!(
                "An upline's level ({}) is below the level of the agent under them ({}): their override would be negative. Choose an upline at the same or a higher level.",
                percent(w[1].level_bps),
                percent(w[0].level_bps)
            ));
        }
    }
    Ok(())
}

/// Divides an agent's part through their hierarchy: the agent takes their level's share, each
/// upline its level's share minus the level below's (the override), and the agency what is left
/// above the top level. Returns (payee, role, cents); the cents add up to `cents`.
pub fn through_hierarchy(cents: i64, role: PayeeRole, chain: &[Link]) -> Vec<(Payee, PayeeRole, i64)> {
    let running = |bps: i64| (cents as i128 * bps as i128).div_euclid(WHOLE as i128) as i64;
    let mut out = Vec::with_capacity(chain.len() + 1);
    let mut below = 0;
    for (i, link) in chain.iter().enumerate() {
        let bps = link.level_bps.clamp(0, WHOLE).max(below);
        let amount = running(bps) - running(below);
        out.push((link.payee, if i == 0 { role } else { PayeeRole::Override }, amount));
        below = bps;
    }
    let rest = cents - running(below);
    if rest != 0 || chain.is_empty() {
        out.push((Payee::AGENCY, PayeeRole::House, rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(id: i64, role: PayeeRole, bps: i64, remainder: bool) -> Share {
        Share {
            payee: Payee::agent(id),
            role,
            bps,
            remainder,
        }
    }

    #[test]
    fn a_split_adds_up_to_the_cent_with_the_remainder_named() {
        let shares = [
            share(1, PayeeRole::Writing, 3_334, false),
            share(2, PayeeRole::Split, 3_333, true),
            share(3, PayeeRole::Split, 3_333, false),
        ];
        validate_split(&shares).unwrap();
        for cents in [1, 2, 100, 9_999, 10_001, 123_457, -1, -10_001] {
            let parts = split(cents, &shares);
            assert_eq!(parts.iter().sum::<i64>(), cents, "{cents}: {parts:?}");
        }
        assert_eq!(split(100, &shares), vec![33, 34, 33], "the cent left goes to payee 2");
    }

    #[test]
    fn a_split_over_or_under_100_percent_is_refused() {
        let over = [
            share(1, PayeeRole::Writing, 6_000, true),
            share(2, PayeeRole::Split, 5_000, false),
        ];
        assert!(validate_split(&over)
            .unwrap_err()
            .contains("more than the whole commission"));
        let under = [share(1, PayeeRole::Writing, 6_000, true)];
        assert!(validate_split(&under).unwrap_err().contains("60 %"));
        let nobody = [share(1, PayeeRole::Writing, 10_000, false)];
        assert!(validate_split(&nobody).is_err());
        let twice = [
            share(1, PayeeRole::Writing, 5_000, true),
            share(1, PayeeRole::Split, 5_000, false),
        ];
        assert!(validate_split(&twice).is_err());
        assert_eq!(percent(1_250), "12.5 %");
        assert_eq!(percent(3_333), "33.33 %");
    }

    #[test]
    fn overrides_over_three_levels_add_up() {
        // Agent at 70 %, manager at 85 %, director at 95 %: the agency keeps 5 %.
        let chain = [
            Link {
                payee: Payee::agent(1),
                level_bps: 7_000,
            },
            Link {
                payee: Payee::agent(2),
                level_bps: 8_500,
            },
            Link {
                payee: Payee::agent(3),
                level_bps: 9_500,
            },
        ];
        validate_chain(&chain).unwrap();
        let parts = through_hierarchy(10_000, PayeeRole::Writing, &chain);
        let amounts: Vec<i64> = parts.iter().map(|p| p.2).collect();
        assert_eq!(amounts, vec![7_000, 1_500, 1_000, 500]);
        assert_eq!(parts[1].1, PayeeRole::Override);
        assert_eq!(parts[3].0, Payee::AGENCY);
        for cents in [1, 7, 333, 99_999, -4_321] {
            let parts = through_hierarchy(cents, PayeeRole::Writing, &chain);
            assert_eq!(parts.iter().map(|p| p.2).sum::<i64>(), cents);
        }
    }

    #[test]
    fn an_upline_below_its_downline_is_refused() {
        let chain = [
            Link {
                payee: Payee::agent(1),
                level_bps: 9_000,
            },
            Link {
                payee: Payee::agent(2),
                level_bps: 8_000,
            },
        ];
        assert!(validate_chain(&chain).unwrap_err().contains("negative"));
    }

    #[test]
    fn an_agent_at_100_percent_leaves_the_agency_nothing() {
        let parts = through_hierarchy(
            555,
            PayeeRole::Split,
            &[Link {
                payee: Payee::agent(9),
                level_bps: WHOLE,
            }],
        );
        assert_eq!(parts, vec![(Payee::agent(9), PayeeRole::Split, 555)]);
    }
}
