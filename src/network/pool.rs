//! Team commission pooling: how much of a commission goes into the team's pool, and how a pool
//! is shared among the team's members. Amounts are in cents and the shares always add up to the
//! pool exactly, for chargebacks (negative pools) too.

#![warn(missing_docs)]

/// Basis points in a whole (100 %).
pub const WHOLE_BPS: i64 = 10_000;

/// Splits a commission into what the broker keeps and what goes into the pool. The pooled part
/// is `amount × bps / 10000`, rounded toward zero; the broker keeps the rest, so the two always
/// add up to `amount`. `pool_bps` is held between 0 and 10000.
pub fn pool_part(amount_cents: i64, pool_bps: i64) -> (i64, i64) {
    let bps = pool_bps.clamp(0, WHOLE_BPS);
    // |pooled| <= |amount|, so it fits in i64.
    let pooled = (i128::from(amount_cents) * i128::from(bps) / i128::from(WHOLE_BPS)) as i64;
    (amount_cents - pooled, pooled)
}

/// How a pool is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Everyone gets the same.
    Equal,
    /// In proportion to each member's production. If nobody has produced anything (all
    /// production at or below zero), the pool is shared equally instead.
    ByProduction,
    /// Fixed shares as (member id, basis points), which must total exactly 10000. Members not
    /// named get nothing.
    Fixed(Vec<(i64, i64)>),
}

/// A team member, as the pool sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member's id.
    pub id: i64,
    /// What the member produced in the period, in cents. Zero or less counts as nothing.
    pub production_cents: i64,
}

/// Basis points as people read a percent: `12.5 %`, `100 %`.
pub fn percent(bps: i64) -> String {
    let whole = bps / 100;
    let frac = (bps % 100).abs();
    let sign = if bps < 0 && whole == 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{whole} %")
    } else if frac % 10 == 0 {
        format!("{sign}{whole}.{} %", frac / 10)
    } else {
        format!("{sign}{whole}.{frac:02} %")
    }
}

/// Checks fixed shares on their own: no member twice, no negative share, a total of exactly
/// 100 %.
fn check_fixed(shares: &[(i64, i64)]) -> Result<(), String> {
    if shares.is_empty() {
        return Err("Give at least one member's share for a fixed split.".to_string());
    }
    for (n, &(id, bps)) in shares.iter().enumerate() {
        if shares[..n].iter().any(|&(other, _)| other == id) {
            return Err(format!("Member {id} is named twice in the fixed shares."));
        }
        if bps < 0 {
            return Err(format!("The share for member {id} cannot be negative."));
        }
    }
    let total: i128 = shares.iter().map(|&(_, bps)| i128::from(bps)).sum();
    if total != i128::from(WHOLE_BPS) {
        let shown = i64::try_from(total).map_or_else(|_| format!("{total} basis points"), percent);
        return Err(format!(
            "The fixed shares add up to {shown}; they must total exactly 100 %."
        ));
    }
    Ok(())
}

/// Shares a pool among the members and returns (member id, cents) in the members' order, every
/// member listed, with 0 for those who get nothing.
///
/// Each member's exact share is worked out from the rule's weights, rounded toward zero, and the
/// cents left over go one each to the members with the largest remainders (ties to the lower
/// member id): the largest-remainder method. The shares add up to `pool_cents` exactly, and a
/// negative pool is shared as the mirror of the positive one.
///
/// [`Rule::ByProduction`] shares equally when nobody's production is above zero. [`Rule::Fixed`]
/// must name only members in the list, each once, with shares totalling exactly 10000 basis
/// points. The error is a sentence for the person setting up the pool.
pub fn distribute(pool_cents: i64, members: &[Member], rule: &Rule) -> Result<Vec<(i64, i64)>, String> {
    if members.is_empty() {
        return Err("There is nobody in the team to share the pool with.".to_string());
    }
    for (n, m) in members.iter().enumerate() {
        if members[..n].iter().any(|o| o.id == m.id) {
            return Err(format!("Member {} is in the team twice.", m.id));
        }
    }
    let equal = || vec![1i128; members.len()];
    let weights: Vec<i128> = match rule {
        Rule::Equal => equal(),
        Rule::ByProduction => {
            let w: Vec<i128> = members.iter().map(|m| i128::from(m.production_cents.max(0))).collect();
            if w.iter().all(|&x| x == 0) {
                equal()
            } else {
                w
            }
        }
        Rule::Fixed(shares) => {
            check_fixed(shares)?;
            if let Some(&(id, _)) = shares.iter().find(|&&(id, _)| members.iter().all(|m| m.id != id)) {
                return Err(format!(
                    "Member {id} is named in the fixed shares but is not in the team."
                ));
            }
            members
                .iter()
                .map(|m| {
                    shares
                        .iter()
                        .find(|&&(id, _)| id == m.id)
                        .map_or(0, |&(_, bps)| i128::from(bps))
                })
                .collect()
        }
    };
    let total: i128 = weights.iter().sum();
    let amount = i128::from(pool_cents).abs();
    let mut shares: Vec<i128> = weights.iter().map(|&w| amount * w / total).collect();
    let remainders: Vec<i128> = weights.iter().map(|&w| amount * w % total).collect();
    let left = amount - shares.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        remainders[b]
            .cmp(&remainders[a])
            .then(members[a].id.cmp(&members[b].id))
    });
    // The remainders are each below `total` and add up to `left × total`, so more than `left`
    // members have one: the extra cents never go to a member with no share.
    for &i in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i] += 1;
    }
    let sign = if pool_cents < 0 { -1 } else { 1 };
    Ok(members
        .iter()
        .zip(shares)
        // Each share is at most |pool_cents|, with the pool's sign, so it fits in i64.
        .map(|(m, s)| (m.id, (sign * s) as i64))
        .collect())
}

/// Reads a pooling rule from settings: `kind` is "equal", "production" or "fixed" (any case),
/// and for "fixed", `fixed` lists the shares as "id:bps,id:bps" (spaces allowed), which must
/// total exactly 10000. `fixed` is ignored for the other kinds.
pub fn parse_rule(kind: &str, fixed: &str) -> Result<Rule, String> {
    match kind.trim().to_ascii_lowercase().as_str() {
        "equal" => Ok(Rule::Equal),
        "production" => Ok(Rule::ByProduction),
        "fixed" => {
            let mut shares = Vec::new();
            for item in fixed.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (id, bps) = item
                    .split_once(':')
                    .ok_or_else(|| format!("\"{item}\" should be a member id and basis points, as 12:2500."))?;
                let id: i64 = id
                    .trim()
                    .parse()
                    .map_err(|_| format!("\"{}\" in \"{item}\" is not a member id.", id.trim()))?;
                let bps: i64 = bps
                    .trim()
                    .parse()
                    .map_err(|_| format!("\"{}\" in \"{item}\" is not a number of basis points.", bps.trim()))?;
                shares.push((id, bps));
            }
            check_fixed(&shares)?;
            Ok(Rule::Fixed(shares))
        }
        other => Err(format!(
            "\"{other}\" is not a way to share a pool; use equal, production or fixed."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(production: &[(i64, i64)]) -> Vec<Member> {
        production
            .iter()
            .map(|&(id, production_cents)| Member { id, production_cents })
            .collect()
    }

    #[test]
    fn pool_part_rounds_toward_zero() {
        assert_eq!(pool_part(10_000, 2000), (8000, 2000));
        // 999 × 0.15 = 149.85.
        assert_eq!(pool_part(999, 1500), (850, 149));
        assert_eq!(pool_part(-999, 1500), (-850, -149));
        assert_eq!(pool_part(1, 9999), (1, 0));
        assert_eq!(pool_part(500, 0), (500, 0));
        assert_eq!(pool_part(500, 10_000), (0, 500));
        assert_eq!(pool_part(500, 20_000), (0, 500));
        assert_eq!(pool_part(500, -5), (500, 0));
        assert_eq!(pool_part(i64::MIN, 10_000), (0, i64::MIN));
        for a in -3000..3000 {
            let (kept, pooled) = pool_part(a, 3333);
            assert_eq!(kept + pooled, a);
        }
    }

    #[test]
    fn equal_lowest_id_gets_the_extra() {
        let m = team(&[(1, 0), (2, 0), (3, 0)]);
        assert_eq!(
            distribute(100, &m, &Rule::Equal).unwrap(),
            vec![(1, 34), (2, 33), (3, 33)]
        );
        // Order follows the members, the extra still goes to the lowest id.
        let m = team(&[(9, 0), (4, 0), (7, 0)]);
        assert_eq!(
            distribute(100, &m, &Rule::Equal).unwrap(),
            vec![(9, 33), (4, 34), (7, 33)]
        );
        assert_eq!(
            distribute(101, &m, &Rule::Equal).unwrap(),
            vec![(9, 33), (4, 34), (7, 34)]
        );
    }

    #[test]
    fn negative_pool_is_symmetric() {
        let m = team(&[(1, 0), (2, 0), (3, 0)]);
        assert_eq!(
            distribute(-100, &m, &Rule::Equal).unwrap(),
            vec![(1, -34), (2, -33), (3, -33)]
        );
        let p = team(&[(1, 300), (2, 500), (3, 200)]);
        let pos = distribute(1001, &p, &Rule::ByProduction).unwrap();
        let neg = distribute(-1001, &p, &Rule::ByProduction).unwrap();
        for (a, b) in pos.iter().zip(&neg) {
            assert_eq!(a.0, b.0);
            assert_eq!(a.1, -b.1);
        }
    }

    #[test]
    fn by_production() {
        let m = team(&[(1, 300), (2, 500), (3, 200)]);
        assert_eq!(
            distribute(1000, &m, &Rule::ByProduction).unwrap(),
            vec![(1, 300), (2, 500), (3, 200)]
        );
        // 100 × 0.3 = 30, × 0.5 = 50, × 0.2 = 20; 7 cents: 2.1, 3.5, 1.4 -> 2, 3, 1 plus one to
        // the largest remainder (member 2).
        assert_eq!(
            distribute(7, &m, &Rule::ByProduction).unwrap(),
            vec![(1, 2), (2, 4), (3, 1)]
        );
        // Negative production counts as nothing.
        let m = team(&[(1, -500), (2, 100), (3, 0)]);
        assert_eq!(
            distribute(999, &m, &Rule::ByProduction).unwrap(),
            vec![(1, 0), (2, 999), (3, 0)]
        );
    }

    #[test]
    fn by_production_falls_back_to_equal() {
        let m = team(&[(1, 0), (2, -10), (3, 0)]);
        assert_eq!(
            distribute(100, &m, &Rule::ByProduction).unwrap(),
            vec![(1, 34), (2, 33), (3, 33)]
        );
    }

    #[test]
    fn huge_amounts_do_not_overflow() {
        let m = team(&[(1, i64::MAX), (2, i64::MAX), (3, 1)]);
        let out = distribute(i64::MIN, &m, &Rule::ByProduction).unwrap();
        assert_eq!(out.iter().map(|s| i128::from(s.1)).sum::<i128>(), i128::from(i64::MIN));
        let out = distribute(i64::MAX, &m, &Rule::Equal).unwrap();
        assert_eq!(out.iter().map(|s| i128::from(s.1)).sum::<i128>(), i128::from(i64::MAX));
    }

    #[test]
    fn fixed_shares() {
        let m = team(&[(1, 0), (2, 0), (3, 0)]);
        let rule = Rule::Fixed(vec![(3, 2500), (1, 7500)]);
        assert_eq!(distribute(1000, &m, &rule).unwrap(), vec![(1, 750), (2, 0), (3, 250)]);
        // 333 × 0.75 = 249.75, × 0.25 = 83.25: the extra cent goes to member 1.
        assert_eq!(distribute(333, &m, &rule).unwrap(), vec![(1, 250), (2, 0), (3, 83)]);
        // Equal remainders: the lower id wins.
        let half = Rule::Fixed(vec![(3, 5000), (2, 5000)]);
        assert_eq!(distribute(1, &m, &half).unwrap(), vec![(1, 0), (2, 1), (3, 0)]);
    }

    #[test]
    fn fixed_refusals() {
        let m = team(&[(1, 0), (2, 0)]);
        let err = |shares: Vec<(i64, i64)>| distribute(100, &m, &Rule::Fixed(shares)).unwrap_err();
        assert_eq!(
            err(vec![(1, 5000), (9, 5000)]),
            "Member 9 is named in the fixed shares but is not in the team."
        );
        assert_eq!(
            err(vec![(1, 5000), (2, 4500)]),
            "The fixed shares add up to 95 %; they must total exactly 100 %."
        );
        assert_eq!(
            err(vec![(1, 5000), (2, 5001)]),
            "The fixed shares add up to 100.01 %; they must total exactly 100 %."
        );
        assert_eq!(
            err(vec![(1, 5000), (1, 5000)]),
            "Member 1 is named twice in the fixed shares."
        );
        assert_eq!(
            err(vec![(1, 12_000), (2, -2000)]),
            "The share for member 2 cannot be negative."
        );
        assert_eq!(err(vec![]), "Give at least one member's share for a fixed split.");
    }

    #[test]
    fn no_members_or_duplicates() {
        assert_eq!(
            distribute(100, &[], &Rule::Equal).unwrap_err(),
            "There is nobody in the team to share the pool with."
        );
        let m = team(&[(1, 0), (1, 0)]);
        assert_eq!(
            distribute(100, &m, &Rule::Equal).unwrap_err(),
            "Member 1 is in the team twice."
        );
    }

    #[test]
    fn zero_pool() {
        let m = team(&[(1, 10), (2, 20)]);
        assert_eq!(distribute(0, &m, &Rule::ByProduction).unwrap(), vec![(1, 0), (2, 0)]);
    }

    #[test]
    fn shares_always_sum_to_the_pool() {
        let rules = [
            Rule::Equal,
            Rule::ByProduction,
            Rule::Fixed(vec![(1, 3333), (2, 3333), (3, 3334)]),
        ];
        for count in 3..=9i64 {
            let m: Vec<Member> = (1..=count)
                .map(|id| Member {
                    id,
                    production_cents: (id * 7919) % 1013 - 100,
                })
                .collect();
            for amount in (-5000..=5000).step_by(7).chain([i64::MAX, i64::MIN, 1, -1]) {
                for rule in &rules {
                    let out = distribute(amount, &m, rule).unwrap();
                    assert_eq!(out.len(), m.len());
                    let sum: i128 = out.iter().map(|s| i128::from(s.1)).sum();
                    assert_eq!(sum, i128::from(amount), "{amount} among {count} by {rule:?}");
                    assert!(out.iter().all(|s| s.1 == 0 || s.1.signum() == amount.signum()));
                    if amount != i64::MIN {
                        let mirrored = distribute(-amount, &m, rule).unwrap();
                        assert!(out.iter().zip(&mirrored).all(|(a, b)| a.1 == -b.1));
                    }
                }
            }
        }
    }

    #[test]
    fn parse_rules() {
        assert_eq!(parse_rule("equal", ""), Ok(Rule::Equal));
        assert_eq!(parse_rule(" Production ", "junk"), Ok(Rule::ByProduction));
        assert_eq!(
            parse_rule("fixed", "12:2500, 7:7500"),
            Ok(Rule::Fixed(vec![(12, 2500), (7, 7500)]))
        );
        assert_eq!(parse_rule("FIXED", " 3 : 10000 ,"), Ok(Rule::Fixed(vec![(3, 10_000)])));
        assert_eq!(
            parse_rule("share", "").unwrap_err(),
            "\"share\" is not a way to share a pool; use equal, production or fixed."
        );
        assert_eq!(
            parse_rule("fixed", "12=2500").unwrap_err(),
            "\"12=2500\" should be a member id and basis points, as 12:2500."
        );
        assert_eq!(
            parse_rule("fixed", "x:10000").unwrap_err(),
            "\"x\" in \"x:10000\" is not a member id."
        );
        assert_eq!(
            parse_rule("fixed", "1:50%").unwrap_err(),
            "\"50%\" in \"1:50%\" is not a number of basis points."
        );
        assert_eq!(
            parse_rule("fixed", "1:5000").unwrap_err(),
            "The fixed shares add up to 50 %; they must total exactly 100 %."
        );
        assert_eq!(
            parse_rule("fixed", " ").unwrap_err(),
            "Give at least one member's share for a fixed split."
        );
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(percent(1250), "12.5 %");
        assert_eq!(percent(10_000), "100 %");
        assert_eq!(percent(10_001), "100.01 %");
        assert_eq!(percent(-50), "-0.5 %");
    }
}
