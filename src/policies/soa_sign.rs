//! The public e-signature page of a Scope of Appointment: the beneficiary opens the one-time link
//! e-mailed to them, reads the rule's wording with the product types, types their name and signs.
//! The record keeps the text shown, the time, the address and the browser; the link works once
//! (a second use, or a late one, gets a page that says so).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::model::papers::{self, Signature};
use super::service;
use super::soa::{agent_name, link_state, type_labels, validity, wording, LinkState};
use crate::audit::{self, AuditActor};
use crate::auth::tokens;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{client_ip, PageCtx};
use crate::web::{render, render_status, AppState};

/// The beneficiary's signature through the link: `Ok(Ok(id))` signed; `Ok(Err(state))` when the
/// link no longer works (used, expired) or never did (`None`).
pub fn sign_by_link(
    conn: &mut DbConnection,
    token: &str,
    name: &str,
    agency: &str,
    ip: &str,
    user_agent: &str,
) -> Result<Result<i64, Option<LinkState>>, AppError> {
    let hash = tokens::digest(token);
    let Some(soa) = papers::soa_by_token(conn, &hash)? else {
        return Ok(Err(None));
    };
    let at = now();
    let state = link_state(&soa, at);
    if state != LinkState::Open {
        return Ok(Err(Some(state)));
    }
    let rules = service::rules(conn)?;
    let agent = agent_name(conn, soa.agent_id)?;
    let text = wording(&rules, &agent, agency, &soa.product_types);
    let (valid_until, retain_until) = validity(at, &rules);
    let signed = papers::sign_soa(
        conn,
        &hash,
        &Signature {
            name,
            text: &text,
            ip,
            user_agent,
            at,
            valid_until,
            retain_until,
        },
    )?;
    if signed == 0 {
        return Ok(Err(Some(LinkState::Used)));
    }
    audit::record(
        conn,
        &AuditActor {
            id: None,
            label: format!("Beneficiary: {name}"),
            ip: Some(ip.to_string()),
        },
        "soa.signed",
        "soa",
        Some(soa.id),
        "electronic signature",
    )?;
    Ok(Ok(soa.id))
}

#[derive(Template)]
#[template(path = "policies/soa_sign.html")]
struct SignPage {
    ctx: PageCtx,
    /// None: the form; Some: what happened (signed, used, expired, unknown).
    outcome: Option<&'static str>,
    token: String,
    beneficiary: String,
    agent: String,
    text: String,
    types: Vec<&'static str>,
    signed_name: String,
    errors: FieldErrors,
}

impl SignPage {
    /// A page that says what happened, without the form.
    fn outcome(ctx: PageCtx, key: &'static str) -> SignPage {
        SignPage {
            ctx,
            outcome: Some(key),
            token: String::new(),
            beneficiary: String::new(),
            agent: String::new(),
            text: String::new(),
            types: Vec::new(),
            signed_name: String::new(),
            errors: FieldErrors::new(),
        }
    }
}

fn outcome_page(ctx: PageCtx, outcome: Option<LinkState>) -> AppResult<HttpResponse> {
    let (status, key) = match outcome {
        Some(LinkState::Used) => (StatusCode::GONE, "used"),
        Some(LinkState::Expired) => (StatusCode::GONE, "expired"),
        _ => (StatusCode::NOT_FOUND, "unknown"),
    };
    render_status(status, &SignPage::outcome(ctx, key))
}

/// The form for an open link, with what was typed and its errors.
async fn sign_page(
    ctx: PageCtx,
    state: &AppState,
    token: String,
    signed_name: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let hash = tokens::digest(&token);
    let agency = ctx.agency_name().to_string();
    let found = state
        .db
        .read(move |c| {
            let Some(soa) = papers::soa_by_token(c, &hash)? else {
                return Ok(Err(None));
            };
            let state = link_state(&soa, now());
            if state != LinkState::Open {
                return Ok(Err(Some(state)));
            }
            let rules = service::rules(c)?;
            let agent = agent_name(c, soa.agent_id)?;
            let contact = crate::leads::model::find_contact(c, soa.contact_id)?;
            Ok(Ok((
                format!("{} {}", contact.first_name, contact.last_name)
                    .trim()
                    .to_string(),
                wording(&rules, &agent, &agency, &soa.product_types),
                type_labels(&soa.product_types),
                agent,
            )))
        })
        .await?;
    let (beneficiary, text, types, agent) = match found {
        Ok(f) => f,
        Err(state) => return outcome_page(ctx, state),
    };
    render_status(
        crate::web::form_status(&errors),
        &SignPage {
            ctx,
            outcome: None,
            token,
            beneficiary,
            agent,
            text,
            types,
            signed_name,
            errors,
        },
    )
}

pub async fn sign_form(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    sign_page(ctx, &state, path.into_inner(), String::new(), FieldErrors::new()).await
}

#[derive(serde::Deserialize)]
pub struct SignForm {
    #[serde(default)]
    signed_name: String,
    #[serde(default)]
    agree: Option<String>,
}

pub async fn sign(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SignForm>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let name = match crate::text::person_name(&form.signed_name, 200) {
        Ok(n) if !n.trim().is_empty() => n,
        _ => {
            errors.add("signed_name", "Type your full name to sign.");
            String::new()
        }
    };
    if form.agree.is_none() {
        errors.add("agree", "Tick the box to agree to the appointment's scope.");
    }
    if !errors.is_empty() {
        return sign_page(ctx, &state, token, form.signed_name, errors).await;
    }
    let ip = client_ip(&req, &state.settings);
    let user_agent: String = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(500)
        .collect();
    let agency = ctx.agency_name().to_string();
    let signed = state
        .db
        .write(move |c| sign_by_link(c, &token, &name, &agency, &ip, &user_agent))
        .await?;
    match signed {
        Ok(_) => render(&SignPage::outcome(ctx, "signed")),
        Err(state) => outcome_page(ctx, state),
    }
}
