//! Training a learned model on the agency's own outcomes: a logistic regression fitted on won and
//! lost leads (every fifth held out), measured against the rule set and stored beside it, not in
//! use until the owner chooses it.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{scorer, Example, LeadFacts, LogisticModel};
use crate::db::schema::{leads, scoring_models};
use crate::db::{now, DbConnection};
use crate::leads::model::{ContactRow, LeadRow};

/// What training produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub version: String,
    pub auc: f64,
    pub rules_auc: f64,
    pub constant_auc: f64,
    pub train_size: usize,
    pub holdout_size: usize,
}

/// Fits a logistic regression on won and lost leads (every fifth held out), scores the held-out
/// leads with it and with the rule set, and stores the model (not active until chosen).
pub fn train(conn: &mut DbConnection) -> Result<TrainOutcome, String> {
    let closed: Vec<(LeadRow, ContactRow)> = leads::table
        .inner_join(crate::db::schema::contacts::table)
        .filter(leads::status.eq_any(["won", "lost"]))
        .order(leads::id.asc())
        .select((LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)
        .map_err(|e| e.to_string())?;
    if closed.len() < 50 {
        return Err(format!(
            "Training needs at least 50 won or lost leads; there are {}.",
            closed.len()
        ));
    }
    let today: NaiveDate = now().date();
    let facts: Vec<(LeadFacts, bool)> = closed
        .iter()
        .map(|(l, c)| (scorer::facts_of(l, c), l.status == "won"))
        .collect();
    let (train_set, holdout) = super::split_holdout(&facts, 5);
    let examples = |set: &[(LeadFacts, bool)]| -> Vec<Example> {
        set.iter()
            .map(|(f, won)| Example {
                features: super::features(f, today),
                won: *won,
            })
            .collect()
    };
    let version = format!("logistic-{}", now().format("%Y%m%d-%H%M%S"));
    let model = LogisticModel::train(&examples(&train_set), &version, 400, 0.5, 0.001);
    let evaluation = super::evaluate(&model, &examples(&holdout));
    let w = super::model::weights(conn).map_err(|e| e.to_string())?;
    let rule_scores: Vec<f64> = holdout
        .iter()
        .map(|(f, _)| super::qualify(f, &w, today).score as f64)
        .collect();
    let labels: Vec<bool> = holdout.iter().map(|(_, won)| *won).collect();
    let rules_auc = super::auc(&rule_scores, &labels);
    diesel::insert_into(scoring_models::table)
        .values((
            scoring_models::version.eq(&version),
            scoring_models::kind.eq("logistic"),
            scoring_models::params.eq(serde_json::to_string(&model).map_err(|e| e.to_string())?),
            scoring_models::auc.eq(Some(evaluation.auc)),
            scoring_models::rules_auc.eq(Some(rules_auc)),
            scoring_models::calibration.eq(serde_json::to_string(&evaluation.calibration).unwrap_or_default()),
            scoring_models::train_size.eq(evaluation.train_size as i32),
            scoring_models::holdout_size.eq(evaluation.holdout_size as i32),
            scoring_models::active.eq(false),
            scoring_models::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| e.to_string())?;
    Ok(TrainOutcome {
        version,
        auc: evaluation.auc,
        rules_auc,
        constant_auc: evaluation.constant_auc,
        train_size: evaluation.train_size,
        holdout_size: evaluation.holdout_size,
    })
}
