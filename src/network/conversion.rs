//! What a converted referral books (item 6): a share of the commission becomes a split of the
//! policy's commission (the referrer's share raised by their tier's multiplier, the writing agent
//! keeping the rest and the cents rounding leaves), so the monthly computation books it, and its
//! chargebacks, like any split; a flat fee becomes two adjustments that add up to nothing (paid to
//! the referrer, taken from the writing agent).

use chrono::{Datelike, NaiveDate};

use super::model::ReferralRow;
use super::score::{with_multiplier, TierRule};
use crate::commissions::allocate::{Payee, Share, WHOLE};
use crate::commissions::model::{self as ledger, NewEntry};
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, EntrySource, PayeeKind, PayeeRole};
use crate::domain::network::SplitKind;
use crate::error::AppError;

/// The shares of a percent referral: the referrer's share with the tier's extra (never above the
/// whole), the writing agent taking the rest.
pub fn shares(referrer_id: i64, writing_agent_id: i64, split_bps: i64, tier: &TierRule) -> Vec<Share> {
    let referrer = with_multiplier(split_bps, tier.multiplier_bps).clamp(0, WHOLE);
    let mut out = vec![Share {
        payee: Payee {
            kind: PayeeKind::Broker,
            id: referrer_id,
        },
        role: PayeeRole::Referral,
        bps: referrer,
        remainder: referrer == WHOLE,
    }];
    if referrer < WHOLE {
        out.push(Share {
            payee: Payee::agent(writing_agent_id),
            role: PayeeRole::Writing,
            bps: WHOLE - referrer,
            remainder: true,
        });
    }
    out
}

/// Books a converted referral's split.
pub fn book(
    conn: &mut DbConnection,
    r: &ReferralRow,
    policy_id: i64,
    writing_agent_id: i64,
    effective: NaiveDate,
    tier: &TierRule,
) -> Result<(), AppError> {
    let note = format!("Referral #{} ({} tier)", r.id, tier.name);
    match r.split_kind {
        SplitKind::Percent => {
            let s = shares(r.referrer_id, writing_agent_id, r.split_bps as i64, tier);
            ledger::insert_split(conn, policy_id, effective, &note, None, &s)?;
        }
        SplitKind::Flat => {
            let fee = with_multiplier(r.fee_cents, tier.multiplier_bps);
            let period = effective.with_day0(0).unwrap_or(effective);
            let entry = |kind: PayeeKind, id: i64, role: PayeeRole, amount: i64| NewEntry {
                policy_id: Some(policy_id),
                payee_kind: kind,
                payee_id: id,
                role,
                period,
                kind: EntryKind::Adjustment,
                amount_cents: amount,
                source: EntrySource::Manual,
                schedule_id: None,
                run_id: None,
                note: note.clone(),
                created_by: None,
                created_at: now(),
            };
            ledger::insert_entries(
                conn,
                &[
                    entry(PayeeKind::Broker, r.referrer_id, PayeeRole::Referral, fee),
                    entry(PayeeKind::Agent, writing_agent_id, PayeeRole::Writing, -fee),
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(bps: i64) -> TierRule {
        TierRule {
            name: "T".into(),
            min_hundredths: 0,
            multiplier_bps: bps,
        }
    }

    #[test]
    fn the_tier_raises_the_referrers_share_and_the_shares_stay_whole() {
        let s = shares(7, 3, 2_000, &tier(1_000));
        assert_eq!(s[0].bps, 2_200, "20 % with Gold's +10 % is 22 %");
        assert_eq!(s.iter().map(|x| x.bps).sum::<i64>(), WHOLE);
        assert!(crate::commissions::allocate::validate_split(&s).is_ok());
        let all = shares(7, 3, 9_500, &tier(2_000));
        assert_eq!(all.len(), 1, "capped at the whole commission");
        assert!(crate::commissions::allocate::validate_split(&all).is_ok());
    }
}
