//! A member's stored network score and tier (`network_scores`). Until the score job has run for
//! a member they are in the lowest tier.

use diesel::prelude::*;

use super::rules::Rules;
use super::score::TierRule;
use crate::db::schema::network_scores;
use crate::db::DbConnection;
use crate::error::AppError;

/// The member's tier from their latest stored score, under the tiers in force.
pub fn tier_of(conn: &mut DbConnection, rules: &Rules, user_id: i64) -> Result<TierRule, AppError> {
    let score: Option<i64> = network_scores::table
        .find(user_id)
        .select(network_scores::hundredths)
        .first(conn)
        .optional()?;
    Ok(rules.tiers.tier_for(score.unwrap_or(0)).clone())
}
