//! Scoring's stored side: the rule set's weights (a setting), the learned models with their
//! held-out figures and which one is in use, a source's conversion rate, and the qualification
//! kept with each lead.

use diesel::prelude::*;

use super::{LogisticModel, Qualification, Weights};
use crate::db::schema::{leads, scoring_models};
use crate::db::DbConnection;

pub const WEIGHTS_KEY: &str = "scoring_weights";
/// A source needs this many closed leads before its conversion rate counts.
const MIN_CLOSED_FOR_RATE: i64 = 20;

/// Won/(won+lost) of a source, once it has enough closed leads.
pub fn source_conversion(conn: &mut DbConnection, source: &str) -> QueryResult<Option<f64>> {
    let counts: Vec<(String, i64)> = leads::table
        .filter(leads::source.eq(source))
        .filter(leads::status.eq_any(["won", "lost"]))
        .group_by(leads::status)
        .select((leads::status, diesel::dsl::count_star()))
        .load(conn)?;
    let won = counts.iter().find(|(s, _)| s == "won").map(|(_, n)| *n).unwrap_or(0);
    let closed: i64 = counts.iter().map(|(_, n)| *n).sum();
    Ok((closed >= MIN_CLOSED_FOR_RATE).then(|| won as f64 / closed as f64))
}

pub fn weights(conn: &mut DbConnection) -> QueryResult<Weights> {
    Ok(crate::leads::model::get_setting(conn, WEIGHTS_KEY)?
        .and_then(|w| serde_json::from_str(&w).ok())
        .unwrap_or_default())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scoring_models)]
pub struct ModelRow {
    pub id: i64,
    pub version: String,
    pub kind: String,
    pub params: String,
    pub auc: Option<f64>,
    pub rules_auc: Option<f64>,
    pub calibration: String,
    pub train_size: i32,
    pub holdout_size: i32,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
}

pub fn models(conn: &mut DbConnection) -> QueryResult<Vec<ModelRow>> {
    scoring_models::table
        .order(scoring_models::id.desc())
        .select(ModelRow::as_select())
        .load(conn)
}

/// The learned model in use, if the owner chose one (else the rule set scores).
pub fn active_model(conn: &mut DbConnection) -> QueryResult<Option<LogisticModel>> {
    let row: Option<ModelRow> = scoring_models::table
        .filter(scoring_models::active.eq(true))
        .filter(scoring_models::kind.eq("logistic"))
        .select(ModelRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.and_then(|r| serde_json::from_str(&r.params).ok()))
}

/// Chooses which model scores new leads: a learned model by id, or None for the rule set.
pub fn activate(conn: &mut DbConnection, id: Option<i64>) -> QueryResult<()> {
    diesel::update(scoring_models::table)
        .set(scoring_models::active.eq(false))
        .execute(conn)?;
    if let Some(id) = id {
        diesel::update(scoring_models::table.find(id))
            .set(scoring_models::active.eq(true))
            .execute(conn)?;
    }
    Ok(())
}

/// Keeps the qualification with the lead (and the product read from the message).
pub fn store(conn: &mut DbConnection, lead_id: i64, q: &Qualification) -> QueryResult<()> {
    let factors = serde_json::to_string(&q.factors).unwrap_or_else(|_| "[]".into());
    diesel::update(leads::table.find(lead_id))
        .set((
            leads::score.eq(Some(q.score as i32)),
            leads::score_factors.eq(factors),
            leads::intent.eq(Some(q.intent.as_str())),
            leads::urgency.eq(Some(q.urgency.as_str())),
            leads::scored_by.eq(Some(q.model.as_str())),
            leads::product_line.eq(q.product_line.as_str()),
        ))
        .execute(conn)?;
    Ok(())
}
