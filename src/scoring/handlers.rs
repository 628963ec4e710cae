//! The owner's scoring page: the rule set and each learned model with its held-out AUC and
//! calibration, a button to train on the agency's own outcomes, and the choice of model.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, ModelRow};
use super::service;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::{non_empty, redirect_with, render, AppState};

#[derive(Template)]
#[template(path = "scoring/index.html")]
struct ScoringPage {
    ctx: PageCtx,
    models: Vec<ModelRow>,
    rules_active: bool,
}

impl ScoringPage {
    fn calibration(&self, m: &ModelRow) -> Vec<(String, String, usize)> {
        serde_json::from_str::<Vec<(f64, f64, usize)>>(&m.calibration)
            .unwrap_or_default()
            .into_iter()
            .map(|(p, o, n)| (format!("{:.0}%", p * 100.0), format!("{:.0}%", o * 100.0), n))
            .collect()
    }

    fn fmt_auc(&self, v: &Option<f64>) -> String {
        v.map(|a| format!("{a:.3}")).unwrap_or_else(|| "—".into())
    }
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let models = state.db.read(|c| Ok(model::models(c)?)).await?;
    let rules_active = !models.iter().any(|m| m.active);
    render(&ScoringPage {
        ctx,
        models,
        rules_active,
    })
}

pub async fn train(user: CurrentUser, session: Session, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (actor, who) = (user.actor(), user.audit());
    let result = state.db.write(move |c| service::train(c, actor, &who)).await?;
    match result {
        Ok(o) => Ok(redirect_with(
            &session,
            "/admin/scoring",
            "success",
            format!(
                "Trained {} on {} leads: held-out AUC {:.3}, against {:.3} for the rule set and 0.5 for a constant score.",
                o.version, o.train_size, o.auc, o.rules_auc
            ),
        )),
        Err(msg) => Ok(redirect_with(&session, "/admin/scoring", "error", msg)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ChoiceForm {
    model_id: Option<String>,
}

pub async fn choose(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ChoiceForm>,
) -> AppResult<HttpResponse> {
    let id = match non_empty(&form.model_id) {
        None | Some("rules") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| AppError::field("model_id", "Choose a model from the list."))?,
        ),
    };
    let (actor, who) = (user.actor(), user.audit());
    state.db.write(move |c| service::choose(c, actor, &who, id)).await?;
    Ok(redirect_with(
        &session,
        "/admin/scoring",
        "success",
        "New leads are scored by the chosen model from now on.",
    ))
}
