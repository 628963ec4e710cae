//! The policy rules page (owners and admins): each rule with its value and the note saying where
//! it comes from; a new value is checked by `Rules::check` and audited.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model;
use super::rules::Rules;
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, STAFF};
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render_status, AppState};

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/admin/policies/rules", Access::Roles(STAFF), show).post(
        "/admin/policies/rules",
        Access::Roles(STAFF),
        update,
    );
}

/// Sets one rule to a new value, checked first; the audit entry says what it was.
pub fn set(conn: &mut DbConnection, actor: Actor, who: &AuditActor, key: &str, raw: &str) -> Result<(), AppError> {
    if !STAFF.contains(&actor.role) {
        return Err(AppError::Forbidden);
    }
    let rows = model::rules(conn)?;
    let Some((_, old, label, _)) = rows.iter().find(|(k, _, _, _)| k == key) else {
        let mut e = FieldErrors::new();
        e.add("key", "There is no such rule.");
        return Err(AppError::Validation(e));
    };
    let value = Rules::check(key, raw).map_err(|m| {
        let mut e = FieldErrors::new();
        e.add(key, m);
        AppError::Validation(e)
    })?;
    if &value == old {
        return Ok(());
    }
    model::set_rule(conn, key, &value)?;
    let shown = |v: &str| -> String {
        if v.chars().count() > 60 {
            format!("{}…", v.chars().take(60).collect::<String>())
        } else {
            v.to_string()
        }
    };
    audit::record(
        conn,
        who,
        "policy.rule_changed",
        "policy_rule",
        None,
        &format!("{label} ({key}): {} → {}", shown(old), shown(&value)),
    )?;
    Ok(())
}

/// One rule as the page shows it.
pub struct RuleView {
    pub key: String,
    pub value: String,
    pub label: String,
    pub source: String,
}

impl RuleView {
    pub fn is_text(&self) -> bool {
        self.key == "soa_wording"
    }

    /// The allowed range of a number, as a hint.
    pub fn range(&self) -> String {
        super::rules::NUMBERS
            .iter()
            .find(|(k, _, _)| *k == self.key)
            .map(|(_, lo, hi)| format!("{lo} to {hi}"))
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "policies/rules.html")]
struct RulesPage {
    ctx: PageCtx,
    rules: Vec<RuleView>,
    errors: FieldErrors,
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    typed: Option<(String, String)>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let rows = state.db.read(|c| Ok(model::rules(c)?)).await?;
    let rules = rows
        .into_iter()
        .map(|(key, value, label, source)| {
            let value = match &typed {
                Some((k, v)) if *k == key => v.clone(),
                _ => value,
            };
            RuleView {
                key,
                value,
                label,
                source,
            }
        })
        .collect();
    render_status(crate::web::form_status(&errors), &RulesPage { ctx, rules, errors })
}

pub async fn show(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(ctx, &state, None, FieldErrors::new()).await
}

#[derive(serde::Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<RuleForm>,
) -> AppResult<HttpResponse> {
    let RuleForm { key, value } = form.into_inner();
    let (actor, who, k, v) = (user.actor(), user.audit(), key.clone(), value.clone());
    match state.db.write(move |c| set(c, actor, &who, &k, &v)).await {
        Ok(()) => Ok(redirect_with(
            &session,
            "/admin/policies/rules",
            "success",
            "The rule is saved.",
        )),
        Err(AppError::Validation(errors)) => page(ctx, &state, Some((key, value)), errors).await,
        Err(e) => Err(e),
    }
}
