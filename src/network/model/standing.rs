//! The queries behind scores, tiers, the leaderboard and the network's figures: the whole graph
//! and referral activity read in a few grouped queries (the score job works in memory from them),
//! the stored scores and their append-only history.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, min};
use diesel::prelude::*;

use crate::db::schema::{network_links, network_profiles, network_score_history, network_scores, referrals, users};
use crate::db::DbConnection;
use crate::domain::network::ReferralStatus;

/// Every member with a network profile.
pub fn member_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    network_profiles::table
        .select(network_profiles::user_id)
        .order(network_profiles::user_id.asc())
        .load(conn)
}

/// Every directed active link: (member, other, since).
pub fn all_links(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, NaiveDateTime)>> {
    network_links::table
        .select((network_links::user_id, network_links::other_id, network_links::since))
        .load(conn)
}

/// The directed active links from these members: (member, other, since). In statements of at
/// most 500 ids.
pub fn links_from_members(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64, NaiveDateTime)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            network_links::table
                .filter(network_links::user_id.eq_any(chunk))
                .select((network_links::user_id, network_links::other_id, network_links::since))
                .load::<(i64, i64, NaiveDateTime)>(conn)?,
        );
    }
    Ok(out)
}

/// Referral activity per (referrer, receiver): how many, how many converted (counted apart),
/// and the latest. Referrals to the agency have no receiver.
pub struct PairActivity {
    pub referrer_id: i64,
    pub receiver_id: Option<i64>,
    pub count: i64,
    pub last: Option<NaiveDateTime>,
}

/// Referrals grouped by referrer and receiver, and the converted ones in the same shape.
/// With `of`, only the referrals that member sent or received (a page's view of one member):
/// those are found by the referrer and receiver indexes and their states sorted out here, since
/// a state in the query would send SQLite down the state index, through every converted referral.
pub fn pair_activity(conn: &mut DbConnection, converted_only: bool, of: Option<i64>) -> QueryResult<Vec<PairActivity>> {
    let Some(id) = of else {
        let mut q = referrals::table
            .group_by((referrals::referrer_id, referrals::receiver_id))
            .select((
                referrals::referrer_id,
                referrals::receiver_id,
                count_star(),
                max(referrals::created_at),
            ))
            .into_boxed();
        if converted_only {
            q = q.filter(referrals::status.eq(ReferralStatus::Converted));
        }
        return Ok(q
            .load::<(i64, Option<i64>, i64, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .map(|(referrer_id, receiver_id, count, last)| PairActivity {
                referrer_id,
                receiver_id,
                count,
                last,
            })
            .collect());
    };
    let rows = referrals::table
        .filter(referrals::referrer_id.eq(id).or(referrals::receiver_id.eq(id)))
        .group_by((referrals::referrer_id, referrals::receiver_id, referrals::status))
        .select((
            referrals::referrer_id,
            referrals::receiver_id,
            referrals::status,
            count_star(),
            max(referrals::created_at),
        ))
        .load::<(i64, Option<i64>, ReferralStatus, i64, Option<NaiveDateTime>)>(conn)?;
    let mut pairs: std::collections::BTreeMap<(i64, Option<i64>), (i64, Option<NaiveDateTime>)> = Default::default();
    for (referrer_id, receiver_id, status, count, last) in rows {
        if converted_only && status != ReferralStatus::Converted {
            continue;
        }
        let p = pairs.entry((referrer_id, receiver_id)).or_default();
        p.0 += count;
        p.1 = p.1.max(last);
    }
    Ok(pairs
        .into_iter()
        .map(|((referrer_id, receiver_id), (count, last))| PairActivity {
            referrer_id,
            receiver_id,
            count,
            last,
        })
        .collect())
}

/// A stored score.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = network_scores)]
pub struct ScoreRow {
    pub user_id: i64,
    pub hundredths: i64,
    pub tier: String,
    pub inputs: String,
    pub computed_at: NaiveDateTime,
}

pub fn score(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<ScoreRow>> {
    network_scores::table
        .find(user_id)
        .select(ScoreRow::as_select())
        .first(conn)
        .optional()
}

pub fn scores_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ScoreRow>> {
    network_scores::table
        .filter(network_scores::user_id.eq_any(ids))
        .select(ScoreRow::as_select())
        .load(conn)
}

/// Writes a member's score (insert or replace) and, when it moved, a history row.
pub fn save_score(conn: &mut DbConnection, row: &ScoreRow, moved: bool, existed: bool) -> QueryResult<()> {
    if existed {
        diesel::update(network_scores::table.find(row.user_id))
            .set((
                network_scores::hundredths.eq(row.hundredths),
                network_scores::tier.eq(&row.tier),
                network_scores::inputs.eq(&row.inputs),
                network_scores::computed_at.eq(row.computed_at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(network_scores::table)
            .values((
                network_scores::user_id.eq(row.user_id),
                network_scores::hundredths.eq(row.hundredths),
                network_scores::tier.eq(&row.tier),
                network_scores::inputs.eq(&row.inputs),
                network_scores::computed_at.eq(row.computed_at),
            ))
            .execute(conn)?;
    }
    if moved {
        diesel::insert_into(network_score_history::table)
            .values((
                network_score_history::user_id.eq(row.user_id),
                network_score_history::hundredths.eq(row.hundredths),
                network_score_history::tier.eq(&row.tier),
                network_score_history::computed_at.eq(row.computed_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A member's score history, oldest first: (score, tier, when).
pub fn history(conn: &mut DbConnection, user_id: i64, limit: i64) -> QueryResult<Vec<(i64, String, NaiveDateTime)>> {
    let mut rows: Vec<(i64, String, NaiveDateTime)> = network_score_history::table
        .filter(network_score_history::user_id.eq(user_id))
        .order(network_score_history::computed_at.desc())
        .select((
            network_score_history::hundredths,
            network_score_history::tier,
            network_score_history::computed_at,
        ))
        .limit(limit)
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// One row of the leaderboard.
#[derive(Debug, Clone)]
pub struct Standing {
    pub user_id: i64,
    pub name: String,
    pub hundredths: i64,
    pub tier: String,
    /// Referrals they sent that converted, as their stored score counted them.
    pub converted: i64,
}

/// The highest scores, best first (ties by id), from the rank index, with the conversions each
/// score was computed from.
pub fn leaderboard(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<Standing>> {
    Ok(network_scores::table
        .inner_join(users::table)
        .order((network_scores::hundredths.desc(), network_scores::user_id.asc()))
        .select((
            network_scores::user_id,
            users::name,
            network_scores::hundredths,
            network_scores::tier,
            network_scores::inputs,
        ))
        .offset(offset)
        .limit(limit)
        .load::<(i64, String, i64, String, String)>(conn)?
        .into_iter()
        .map(|(user_id, name, hundredths, tier, inputs)| Standing {
            user_id,
            name,
            hundredths,
            tier,
            converted: serde_json::from_str::<crate::network::score::Inputs>(&inputs)
                .map_or(0, |i| i64::from(i.sent_converted)),
        })
        .collect())
}

/// Every stored score as (score, member), best first: the leaderboard's order, which a member's
/// place is found in (kept a minute in `network::Caches`).
pub fn ranking(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    network_scores::table
        .order((network_scores::hundredths.desc(), network_scores::user_id.asc()))
        .select((network_scores::hundredths, network_scores::user_id))
        .load(conn)
}

/// Members counted per tier.
pub fn tier_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    network_scores::table
        .group_by(network_scores::tier)
        .select((network_scores::tier, count_star()))
        .load(conn)
}

/// Converted referrals per referrer since a time (all time with `None`), most first: the
/// leaderboard by conversions. (referrer, count).
pub fn converted_since(
    conn: &mut DbConnection,
    since: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut q = referrals::table
        .filter(referrals::status.eq(ReferralStatus::Converted))
        .group_by(referrals::referrer_id)
        .select((referrals::referrer_id, count_star()))
        .order((count_star().desc(), referrals::referrer_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(t) = since {
        q = q.filter(referrals::converted_at.ge(t));
    }
    q.load(conn)
}

/// The first referral's time, to start the monthly series at.
pub fn first_referral_at(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    referrals::table.select(min(referrals::created_at)).first(conn)
}

#[derive(QueryableByName)]
struct Cents {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    cents: Option<i64>,
}

/// What the ledger holds for these brokers (every entry, chargebacks included), in cents.
pub fn broker_earnings(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<i64> {
    if ids.is_empty() {
        return Ok(0);
    }
    // Ids are numbers, so the list is written into the statement (one statement on both databases).
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let row: Cents = diesel::sql_query(format!(
        "SELECT CAST(SUM(amount_cents) AS BIGINT) AS cents FROM commission_entries \
         WHERE payee_kind = 'broker' AND payee_id IN ({list})"
    ))
    .get_result(conn)?;
    Ok(row.cents.unwrap_or(0))
}
