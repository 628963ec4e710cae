//! Qualification at intake: the active scoring model (the transparent rule set, or a learned
//! model the owner chose) scores each new lead, reads product, intent and urgency from its
//! message, and the lead keeps the result with the model's version. The scorer and the sources'
//! conversion rates are kept in the application's [`Caches`].

use std::sync::Arc;

use chrono::{DateTime, Timelike, Utc};
use diesel::QueryResult;

use super::model::{active_model, source_conversion, weights};
use super::{LeadFacts, LogisticModel, Qualification, Weights};
use crate::db::cache::{config_version, TtlCache, Versioned};
use crate::db::{now, DbConnection};
use crate::leads::intake::ValidLead;
use crate::leads::model::{ContactRow, LeadRow};

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

/// How long a source's conversion rate is reused before it is counted again. Counting means
/// reading every closed lead of the source (hundreds of thousands at a large agency), and a rate
/// over years of leads does not move in minutes.
pub const CONVERSION_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// What scores new leads: the learned model the owner chose, or the rule set's weights.
#[derive(Clone)]
enum Scorer {
    Model(Arc<LogisticModel>),
    Rules(Arc<Weights>),
}

/// Scoring's part of the application's caches (`crate::caches::Caches`).
pub struct Caches {
    /// Each source's conversion rate, for [`CONVERSION_TTL`].
    conversions: TtlCache<String, Option<f64>>,
    /// The scorer, until the weights or models change (`config_version`).
    scorer: Versioned<Scorer>,
}

impl Default for Caches {
    fn default() -> Caches {
        Caches {
            conversions: TtlCache::new(CONVERSION_TTL),
            scorer: Versioned::new(config_version),
        }
    }
}

/// [`source_conversion`], reused for [`CONVERSION_TTL`] per source.
pub fn source_conversion_cached(conn: &mut DbConnection, caches: &Caches, source: &str) -> QueryResult<Option<f64>> {
    caches
        .conversions
        .get_or_load(source.to_string(), || source_conversion(conn, source))
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

/// Qualifies a lead being taken in, with the active model.
pub fn qualify_intake(
    conn: &mut DbConnection,
    caches: &Caches,
    lead: &ValidLead,
    state: Option<&str>,
    duplicate: bool,
) -> QueryResult<Qualification> {
    let conversion = source_conversion_cached(conn, caches, &lead.source)?;
    let facts = facts_for_intake(lead, state, duplicate, conversion, Utc::now());
    let today = now().date();
    Ok(match scorer_cached(conn, caches)? {
        Scorer::Model(m) => super::qualify_with_model(&facts, &m, today),
        Scorer::Rules(w) => super::qualify(&facts, &w, today),
    })
}

/// The scorer, read again only when the weights or models change (`config_version`).
fn scorer_cached(conn: &mut DbConnection, caches: &Caches) -> QueryResult<Scorer> {
    caches.scorer.get_or_load(conn, |c| {
        Ok(match active_model(c)? {
            Some(m) => Scorer::Model(Arc::new(m)),
            None => Scorer::Rules(Arc::new(weights(c)?)),
        })
    })
}
