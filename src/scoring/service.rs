//! The owner's changes to scoring, each recorded in the audit log: training a model on the
//! agency's outcomes and choosing which model scores new leads.

use super::model;
use super::training::{self, TrainOutcome};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::DbConnection;
use crate::error::AppError;

/// Choices about the whole agency's scoring are the owner's.
fn may_change_scoring(actor: Actor) -> Result<(), AppError> {
    match actor.role {
        Role::Owner => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Trains a model (see [`training::train`]) and records it when it was stored. The outer error
/// is the database's; the inner one says why there was nothing to train on.
pub fn train(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
) -> Result<Result<TrainOutcome, String>, AppError> {
    may_change_scoring(actor)?;
    let r = training::train(conn);
    if let Ok(o) = &r {
        audit::record(
            conn,
            who,
            "scoring.trained",
            "scoring_model",
            None,
            &format!("{} AUC {:.3} (rules {:.3})", o.version, o.auc, o.rules_auc),
        )?;
    }
    Ok(r)
}

/// Chooses the model that scores new leads: a learned model by id (one of the stored ones), or
/// None for the rule set.
pub fn choose(conn: &mut DbConnection, actor: Actor, who: &AuditActor, id: Option<i64>) -> Result<(), AppError> {
    may_change_scoring(actor)?;
    if let Some(id) = id {
        if !model::models(conn)?.iter().any(|m| m.id == id) {
            return Err(AppError::field("model_id", "Choose a model from the list."));
        }
    }
    model::activate(conn, id)?;
    audit::record(
        conn,
        who,
        "scoring.model_chosen",
        "scoring_model",
        id,
        if id.is_some() { "learned model" } else { "rule set" },
    )?;
    Ok(())
}
