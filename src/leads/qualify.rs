//! Qualification at intake: the active scoring model (the transparent rule set, or a learned
//! model the owner chose) scores each new lead, reads product, intent and urgency from its
//! message, and the lead keeps the result with the model's version. `train` fits a logistic
//! regression on the agency's own won and lost leads and stores it beside the rule set's figures.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use diesel::prelude::*;

use super::model::{self, ContactRow, LeadRow};
use super::rules::ValidLead;
use crate::db::schema::{leads, scoring_models};
use crate::db::{now, DbConnection};
use crate::scoring::{self, Example, LeadFacts, LogisticModel, Qualification, Weights};

pub const WEIGHTS_KEY: &str = "scoring_weights";
/// A source needs this many closed leads before its conversion rate counts.
const MIN_CLOSED_FOR_RATE: i64 = 20;

/// The zone most of a state lives in, for "time of day" (None where a state spans several and
/// the ZIP does not say).
pub fn state_time_zone(state: &str) -> Option<chrono_tz::Tz> {
    use chrono_tz::America as A;
    Some(match state {
        "CT" | "DE" | "DC" | "FL" | "GA" | "ME" | "MD" | "MA" | "MI" | "NH" | "NJ" | "NY" | "NC" | "OH" | "PA"
        | "RI" | "SC" | "VT" | "VA" | "WV" | "IN" | "KY" | "PR" | "VI" => A::New_York,
        "AL" | "AR" | "IL" | "IA" | "LA" | "MN" | "MS" | "MO" | "OK" | "WI" | "TN" | "TX" | "KS" | "NE" | "SD"
        | "ND" => A::Chicago,
        "AZ" => A::Phoenix,
        "CO" | "MT" | "NM" | "UT" | "WY" | "ID" => A::Denver,
        "CA" | "NV" | "OR" | "WA" => A::Los_Angeles,
        "AK" => A::Anchorage,
        "HI" => chrono_tz::Pacific::Honolulu,
        _ => return None,
    })
}

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

/// How long a source's conversion rate is reused before it is counted again. Counting means
/// reading every closed lead of the source (hundreds of thousands at a large agency), and a rate
/// over years of leads does not move in minutes.
pub const CONVERSION_TTL: std::time::Duration = std::time::Duration::from_secs(300);

static CONVERSIONS: crate::db::cache::TtlCache<(String, String), Option<f64>> =
    crate::db::cache::TtlCache::new(CONVERSION_TTL);

/// [`source_conversion`], reused for [`CONVERSION_TTL`] per database (`db_key`) and source.
pub fn source_conversion_cached(conn: &mut DbConnection, db_key: &str, source: &str) -> QueryResult<Option<f64>> {
    CONVERSIONS.get_or_load((db_key.to_string(), source.to_string()), || {
        source_conversion(conn, source)
    })
}

fn local_hour(state: Option<&str>, at: DateTime<Utc>) -> Option<u32> {
    state.and_then(state_time_zone).map(|tz| at.with_timezone(&tz).hour())
}

/// The facts of a lead being taken in.
pub fn facts_for_intake(
    lead: &ValidLead,
    state: Option<&str>,
    duplicate: bool,
    conversion: Option<f64>,
    at: DateTime<Utc>,
) -> LeadFacts {
    LeadFacts {
        has_email: lead.email.is_some(),
        has_phone: lead.phone.is_some(),
        email_valid: lead.email.is_some(),
        phone_valid: lead.phone.is_some(),
        has_zip: lead.zip.is_some(),
        has_birth_date: lead.birth_date.is_some(),
        product_line: lead.product_line,
        product_given: lead.product_line != crate::domain::ProductLine::Other,
        age: None,
        birth_date: lead.birth_date,
        received: at,
        local_hour: local_hour(state, at),
        message: lead.message.clone(),
        source: lead.source.clone(),
        source_conversion: conversion,
        duplicate,
        has_consent: lead.consent.is_some(),
    }
}

/// The facts of a stored lead (for training). No source rate: it would leak the outcome.
pub fn facts_of(lead: &LeadRow, contact: &ContactRow) -> LeadFacts {
    let product = lead.product_line.parse().unwrap_or(crate::domain::ProductLine::Other);
    let at = lead.created_at.and_utc();
    LeadFacts {
        has_email: contact.email.is_some(),
        has_phone: contact.phone.is_some(),
        email_valid: contact.email.is_some(),
        phone_valid: contact.phone.is_some(),
        has_zip: contact.zip.is_some(),
        has_birth_date: contact.birth_date.is_some(),
        product_line: product,
        product_given: product != crate::domain::ProductLine::Other,
        age: None,
        birth_date: contact.birth_date,
        received: at,
        local_hour: local_hour(contact.state.as_deref(), at),
        message: lead.message.clone(),
        source: lead.source.clone(),
        source_conversion: None,
        duplicate: false,
        has_consent: lead.has_consent,
    }
}

pub fn weights(conn: &mut DbConnection) -> QueryResult<Weights> {
    Ok(model::get_setting(conn, WEIGHTS_KEY)?
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

/// Qualifies a lead being taken in, with the active model.
pub fn qualify_intake(
    conn: &mut DbConnection,
    lead: &ValidLead,
    state: Option<&str>,
    duplicate: bool,
    db_key: &str,
) -> QueryResult<Qualification> {
    let conversion = source_conversion_cached(conn, db_key, &lead.source)?;
    let facts = facts_for_intake(lead, state, duplicate, conversion, Utc::now());
    let today = now().date();
    Ok(match scorer_cached(conn, db_key)? {
        Scorer::Model(m) => scoring::qualify_with_model(&facts, &m, today),
        Scorer::Rules(w) => scoring::qualify(&facts, &w, today),
    })
}

/// What scores new leads: the learned model the owner chose, or the rule set's weights.
#[derive(Clone)]
enum Scorer {
    Model(std::sync::Arc<LogisticModel>),
    Rules(std::sync::Arc<Weights>),
}

static SCORERS: crate::db::cache::VersionedCache<Scorer> =
    crate::db::cache::VersionedCache::new(crate::db::cache::config_version);

/// The scorer, read again only when the weights or models change (`config_version`).
fn scorer_cached(conn: &mut DbConnection, db_key: &str) -> QueryResult<Scorer> {
    SCORERS.get_or_load(conn, db_key, |c| {
        Ok(match active_model(c)? {
            Some(m) => Scorer::Model(std::sync::Arc::new(m)),
            None => Scorer::Rules(std::sync::Arc::new(weights(c)?)),
        })
    })
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
        .map(|(l, c)| (facts_of(l, c), l.status == "won"))
        .collect();
    let (train_set, holdout) = scoring::split_holdout(&facts, 5);
    let examples = |set: &[(LeadFacts, bool)]| -> Vec<Example> {
        set.iter()
            .map(|(f, won)| Example {
                features: scoring::features(f, today),
                won: *won,
            })
            .collect()
    };
    let version = format!("logistic-{}", now().format("%Y%m%d-%H%M%S"));
    let model = LogisticModel::train(&examples(&train_set), &version, 400, 0.5, 0.001);
    let evaluation = scoring::evaluate(&model, &examples(&holdout));
    let w = weights(conn).map_err(|e| e.to_string())?;
    let rule_scores: Vec<f64> = holdout
        .iter()
        .map(|(f, _)| scoring::qualify(f, &w, today).score as f64)
        .collect();
    let labels: Vec<bool> = holdout.iter().map(|(_, won)| *won).collect();
    let rules_auc = scoring::auc(&rule_scores, &labels);
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
