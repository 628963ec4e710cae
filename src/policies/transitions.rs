//! Moving a policy through its lifecycle from a page or the API: the licence check on activation with the owner's audited override, the SOA check for Medicare, one event per move (item 4, 5).
//!
//! Also the first step of the lifecycle, recording a policy in Draft: from a won lead
//! (`/leads/{id}/policy`) or directly (`/policies/new`), through `service::create`.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};

use super::lifecycle::{self, ActivationChecks, Facts, Move};
use super::model::{self, CarrierRow, NewEvent, PolicyRow, ProductRow};
use super::rules::Rules;
use super::service::{self, PolicyInput, Viewer};
use crate::agents::readiness::{may_sell, PlanYearRule};
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::domain::policy::{BillingFrequency, EnrollmentType, PolicySource, PolicyStatus, RenewalStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::leads::model::Scope;
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render_status, AppState};

/// This part's pages and endpoints (`/policies/new` is registered by `catalogue::routes`, before
/// `/policies/{id}`).
pub fn routes(r: &mut Routes) {
    let users = Access::Roles(super::POLICY_USERS);
    r.post("/policies/{id}/transition", users, transition)
        .get("/leads/{id}/policy", users, from_lead)
        .post("/leads/{id}/policy", users, create_from_lead);
}

// ---- the service -------------------------------------------------------------------------------

/// What the lifecycle needs to know about a policy today.
pub fn facts(conn: &mut DbConnection, p: &PolicyRow, today: NaiveDate, rules: &Rules) -> Result<Facts, AppError> {
    Ok(Facts {
        status: p.status,
        today,
        submitted_on: p.submitted_on,
        effective_on: p.effective_on,
        term_end_on: p.term_end_on,
        renewal: model::renewal(conn, p.id)?
            .map(|r| r.status)
            .unwrap_or(RenewalStatus::None),
        oldest_missed_due: model::oldest_missed_due(conn, p.id, today)?,
        grace_days: rules.grace_days,
    })
}

/// A move as a person asks for it (a form's fields, as typed).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveRequest {
    /// The move's name (`lifecycle::Move::kind`): submitted, activated, cancelled, lapsed,
    /// expired, non_renewed.
    #[serde(rename = "move")]
    pub kind: String,
    pub cancel_reason: String,
    pub cancelled_on: String,
    /// An owner's reason for activating although the licence check fails.
    pub licence_override: String,
    /// The reason for activating a Medicare policy without a valid Scope of Appointment.
    pub soa_override: String,
    /// The cancellation's confirmation box.
    pub confirm: Option<String>,
}

fn given(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.chars().take(1000).collect())
}

/// The checks of an activation: can the writing agent sell the product in the insured's state on
/// the effective date (the agents domain's readiness rule), and for Medicare, which SOA covers
/// the sale. Returns the checks and that SOA's id.
pub fn activation_checks(
    conn: &mut DbConnection,
    p: &PolicyRow,
    plan_rule: &PlanYearRule,
    licence_override: Option<String>,
    soa_override: Option<String>,
) -> Result<(ActivationChecks, Option<i64>), AppError> {
    let (_, user) = crate::agents::model::find_agent(conn, p.agent_id)?;
    let licences = crate::agents::model::licences_of(conn, p.agent_id)?;
    let certs = crate::agents::model::certifications_of(conn, p.agent_id)?;
    let agent = crate::agents::model::facts(&user, &licences, &certs);
    let licence_problems = may_sell(&agent, p.product_line, &p.insured_state, p.effective_on, plan_rule)
        .reasons()
        .to_vec();
    let medicare = p.product_line.is_medicare();
    let soa = if medicare {
        let at = p.effective_on.and_hms_opt(23, 59, 59).unwrap_or_default();
        super::model::papers::valid_soa_for(conn, p.contact_id, p.agent_id, at)?.map(|s| s.id)
    } else {
        None
    };
    Ok((
        ActivationChecks {
            licence_override: if licence_problems.is_empty() {
                None
            } else {
                licence_override
            },
            licence_problems,
            medicare,
            soa_valid: soa.is_some(),
            soa_override: if medicare && soa.is_none() { soa_override } else { None },
        },
        soa,
    ))
}

/// Makes a decided-on move: checks it with `lifecycle::decide`, then writes the status, what
/// the move carries (a cancellation's reason and date, a Medicare sale's SOA), the history event
/// with who, when and why, the audit entry and the webhook, in the caller's transaction.
pub fn apply(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    p: &PolicyRow,
    facts: &Facts,
    mv: &Move,
    soa_id: Option<i64>,
) -> Result<PolicyStatus, AppError> {
    let to = lifecycle::decide(facts, viewer.who, mv).map_err(|r| AppError::field(r.field, &r.message))?;
    model::set_status(conn, p.id, to)?;
    let mut details = serde_json::Map::new();
    match mv {
        Move::Cancel { reason, on: Some(on) } => {
            model::transitions::set_cancellation(conn, p.id, reason.trim(), *on)?;
            details.insert("reason".into(), reason.trim().into());
            details.insert("cancelled_on".into(), on.to_string().into());
        }
        Move::Activate(checks) => {
            if let Some(reason) = &checks.licence_override {
                details.insert("licence_problems".into(), checks.licence_problems.clone().into());
                details.insert("licence_override".into(), reason.clone().into());
                audit::record(
                    conn,
                    &viewer.audit(ip.clone()),
                    "policy.licence_override",
                    "policy",
                    Some(p.id),
                    &format!(
                        "{}: activated although {} Reason: {reason}",
                        p.policy_number,
                        checks.licence_problems.join(" ")
                    ),
                )?;
            }
            if let Some(reason) = &checks.soa_override {
                details.insert("soa_override".into(), reason.clone().into());
                audit::record(
                    conn,
                    &viewer.audit(ip.clone()),
                    "policy.soa_override",
                    "policy",
                    Some(p.id),
                    &format!("{}: activated without a valid SOA. Reason: {reason}", p.policy_number),
                )?;
            }
            if let Some(id) = soa_id {
                model::transitions::set_soa(conn, p.id, id)?;
                details.insert("soa_id".into(), id.into());
            }
        }
        Move::Lapse => {
            if let Some(d) = facts.oldest_missed_due {
                details.insert("missed_due".into(), d.to_string().into());
            }
        }
        _ => {}
    }
    let details = serde_json::Value::Object(details).to_string();
    let ev = NewEvent {
        from_status: Some(p.status),
        to_status: Some(to),
        ..viewer.event(p.id, mv.kind(), &details)
    };
    model::add_event(conn, &ev)?;
    match mv {
        Move::Activate(_) => super::webhooks::emit(conn, "policy.activated", p.id)?,
        Move::Cancel { .. } => super::webhooks::emit(conn, "policy.cancelled", p.id)?,
        Move::Lapse => super::webhooks::emit(conn, "policy.lapsed", p.id)?,
        _ => {}
    }
    audit::record(
        conn,
        &viewer.audit(ip),
        &format!("policy.{}", mv.kind()),
        "policy",
        Some(p.id),
        &format!("{}: {} → {}", p.policy_number, p.status.label(), to.label()),
    )?;
    Ok(to)
}

/// A person's move on a policy they may see (any other id is "not found"): the facts are loaded
/// today, the activation checks made, and the move applied (see [`apply`]). A refusal is a
/// validation error on the field it is about.
pub fn transition_policy(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    id: i64,
    req: &MoveRequest,
    plan_rule: &PlanYearRule,
) -> Result<PolicyStatus, AppError> {
    let p = service::visible_policy(conn, viewer, id)?;
    let today = crate::db::now().date();
    let rules = service::rules(conn)?;
    let facts = facts(conn, &p, today, &rules)?;
    let mut soa_id = None;
    let mv = match req.kind.trim() {
        "submitted" => Move::Submit,
        "activated" => {
            let (checks, soa) = activation_checks(
                conn,
                &p,
                plan_rule,
                given(&req.licence_override),
                given(&req.soa_override),
            )?;
            soa_id = soa;
            Move::Activate(checks)
        }
        "cancelled" => {
            let on = req.cancelled_on.trim();
            let parsed = NaiveDate::parse_from_str(on, "%Y-%m-%d").ok();
            if parsed.is_none() && !on.is_empty() {
                return Err(AppError::field(
                    "cancelled_on",
                    "Give the date the policy ends as YYYY-MM-DD.",
                ));
            }
            Move::Cancel {
                reason: given(&req.cancel_reason).unwrap_or_default(),
                on: parsed,
            }
        }
        "lapsed" => Move::Lapse,
        "expired" => Move::Expire,
        "non_renewed" => Move::NonRenew,
        _ => return Err(AppError::field("move", "Choose what happens to the policy.")),
    };
    if matches!(mv, Move::Cancel { .. }) && lifecycle::decide(&facts, viewer.who, &mv).is_ok() {
        let confirmed = req.confirm.as_deref().is_some_and(|c| !c.is_empty());
        if !confirmed {
            return Err(AppError::field(
                "confirm",
                "Tick the box to confirm the cancellation: it cannot be undone.",
            ));
        }
    }
    apply(conn, viewer, ip, &p, &facts, &mv, soa_id)
}

// ---- the transition endpoint -----------------------------------------------------------------

pub async fn transition(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MoveRequest>,
) -> AppResult<HttpResponse> {
    let (id, req) = (path.into_inner(), form.into_inner());
    let plan_rule = state.settings.plan_year_rule;
    let (u, ip) = (user.clone(), Some(user.ip.clone()));
    let result = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &u)?;
            transition_policy(c, &viewer, ip, id, &req, &plan_rule)
        })
        .await;
    match result {
        Ok(status) => Ok(redirect_with(
            &session,
            &format!("/policies/{id}"),
            "success",
            format!("The policy is now {}.", status.label().to_lowercase()),
        )),
        Err(AppError::Validation(errors)) => super::handlers::policy_page(ctx, &state, &user, id, errors).await,
        Err(e) => Err(e),
    }
}

// ---- recording a policy -------------------------------------------------------------------------

/// The policy form as typed (every field text, so nothing typed is lost to a parse error).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub agent_id: String,
    pub product_id: String,
    pub policy_number: String,
    pub submitted_on: String,
    pub effective_on: String,
    pub term_end_on: String,
    pub premium: String,
    pub billing_frequency: String,
    pub lives: String,
    pub plan_year: String,
    pub enrollment_type: String,
    pub coverage: String,
}

fn id(raw: &str) -> Option<i64> {
    raw.trim().parse().ok().filter(|n: &i64| *n > 0)
}

impl PolicyForm {
    fn input(&self, conn: &mut DbConnection, lead: Option<&crate::leads::model::LeadRow>) -> PolicyInput {
        let product_id = id(&self.product_id);
        let carrier_id = product_id
            .and_then(|p| model::find_product(conn, p).ok())
            .map(|p| p.carrier_id);
        PolicyInput {
            contact_id: lead.map(|l| l.contact_id),
            lead_id: lead.map(|l| l.id),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            state: self.state.clone(),
            zip: self.zip.clone(),
            agent_id: id(&self.agent_id),
            carrier_id,
            product_id,
            policy_number: self.policy_number.clone(),
            submitted_on: self.submitted_on.clone(),
            effective_on: self.effective_on.clone(),
            term_end_on: self.term_end_on.clone(),
            premium: self.premium.clone(),
            billing_frequency: self.billing_frequency.clone(),
            lives: self.lives.clone(),
            plan_year: self.plan_year.clone(),
            enrollment_type: self.enrollment_type.clone(),
            coverage: self.coverage.clone(),
            ..Default::default()
        }
    }

    /// A fresh form: applied today, effective the first of next month, billed monthly.
    fn fresh(today: NaiveDate) -> PolicyForm {
        let next = if today.month() == 12 {
            NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)
        };
        PolicyForm {
            submitted_on: today.to_string(),
            effective_on: next.map(|d| d.to_string()).unwrap_or_default(),
            billing_frequency: BillingFrequency::Monthly.as_str().into(),
            lives: "1".into(),
            ..Default::default()
        }
    }
}

/// The won lead a policy is recorded from, if the viewer may work it.
fn won_lead(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<(crate::leads::model::LeadRow, crate::leads::model::ContactRow), AppError> {
    let v = crate::leads::service::Viewer::load(conn, user)?;
    let (lead, contact) = crate::leads::service::visible_lead(conn, &v, id)?;
    if lead.status != crate::leads::pipeline::LeadStatus::Won.as_str() {
        return Err(AppError::Conflict(
            "Only a won lead's policy can be recorded: mark the lead won first.".into(),
        ));
    }
    Ok((lead, contact))
}

#[derive(Template)]
#[template(path = "policies/new.html")]
struct NewPolicyPage {
    ctx: PageCtx,
    form: PolicyForm,
    errors: FieldErrors,
    action: String,
    /// The insured when the policy comes from a lead: (lead id, name, the product asked about).
    lead: Option<(i64, String, String)>,
    catalogue: Vec<(CarrierRow, Vec<ProductRow>)>,
    agents: Vec<(i64, String)>,
    frequencies: &'static [BillingFrequency],
    enrollments: &'static [EnrollmentType],
}

impl NewPolicyPage {
    fn product_error(&self) -> Option<String> {
        self.errors.get("product_id").or_else(|| self.errors.get("carrier_id"))
    }
}

/// The agents a viewer may record policies for: every active agent for staff; an agent
/// themselves (and their team when they lead it).
fn agent_choices(conn: &mut DbConnection, viewer: &Viewer) -> Result<Vec<(i64, String)>, AppError> {
    Ok(match &viewer.scope {
        Scope::All => crate::leads::model::agent_menu(conn)?.0,
        Scope::Agents(ids) => crate::leads::model::agent_names(conn, ids)?,
    })
}

async fn policy_form(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    lead_id: Option<i64>,
    form: Option<PolicyForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let today = crate::db::now().date();
    let (form, lead, catalogue, agents) = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let catalogue = model::catalogue(c)?;
            let agents = agent_choices(c, &viewer)?;
            let (form, lead) = match lead_id {
                Some(id) => {
                    let (lead, contact) = won_lead(c, &u, id)?;
                    let line = lead.product_line.parse::<crate::domain::ProductLine>().ok();
                    let form = form.unwrap_or_else(|| {
                        let product = catalogue
                            .iter()
                            .flat_map(|(_, ps)| ps.iter())
                            .find(|p| Some(p.product_line) == line);
                        PolicyForm {
                            city: contact.city.clone().unwrap_or_default(),
                            state: contact.state.clone().unwrap_or_default(),
                            zip: contact.zip.clone().unwrap_or_default(),
                            agent_id: lead.assigned_agent_id.map(|a| a.to_string()).unwrap_or_default(),
                            product_id: product.map(|p| p.id.to_string()).unwrap_or_default(),
                            ..PolicyForm::fresh(today)
                        }
                    });
                    let asked = line
                        .map(|l| l.label().to_string())
                        .unwrap_or_else(|| lead.product_line.clone());
                    (form, Some((lead.id, contact.name(), asked)))
                }
                None => (
                    form.unwrap_or_else(|| PolicyForm {
                        agent_id: viewer.own_agent_id.map(|a| a.to_string()).unwrap_or_default(),
                        ..PolicyForm::fresh(today)
                    }),
                    None,
                ),
            };
            Ok((form, lead, catalogue, agents))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    let action = match lead_id {
        Some(id) => format!("/leads/{id}/policy"),
        None => "/policies/new".into(),
    };
    render_status(
        status,
        &NewPolicyPage {
            ctx,
            form,
            errors,
            action,
            lead,
            catalogue,
            agents,
            frequencies: BillingFrequency::ALL,
            enrollments: EnrollmentType::ALL,
        },
    )
}

async fn save_policy(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    lead_id: Option<i64>,
    form: PolicyForm,
) -> AppResult<HttpResponse> {
    let (u, ip, typed) = (user.clone(), Some(user.ip.clone()), form.clone());
    let result = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let lead = match lead_id {
                Some(id) => Some(won_lead(c, &u, id)?.0),
                None => None,
            };
            let input = typed.input(c, lead.as_ref());
            let source = if lead.is_some() {
                PolicySource::Lead
            } else {
                PolicySource::Manual
            };
            service::create(c, &viewer, ip, &input, source)
        })
        .await;
    match result {
        Ok(id) => Ok(redirect_with(
            &session,
            &format!("/policies/{id}"),
            "success",
            "The policy is recorded as a draft. Submit it when the application goes to the carrier.",
        )),
        Err(AppError::Validation(errors)) => policy_form(ctx, &state, &user, lead_id, Some(form), errors).await,
        Err(AppError::Conflict(msg)) if lead_id.is_some() => Ok(redirect_with(
            &session,
            &format!("/leads/{}", lead_id.unwrap_or_default()),
            "error",
            msg,
        )),
        Err(e) => Err(e),
    }
}

/// `GET /leads/{id}/policy`: the form, filled from the won lead and its contact.
pub async fn from_lead(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    match policy_form(ctx, &state, &user, Some(id), None, FieldErrors::new()).await {
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, &format!("/leads/{id}"), "error", msg)),
        other => other,
    }
}

pub async fn create_from_lead(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<PolicyForm>,
) -> AppResult<HttpResponse> {
    save_policy(ctx, user, session, state, Some(path.into_inner()), form.into_inner()).await
}

/// `GET /policies/new`: the form for a policy recorded directly.
pub async fn new_policy(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    policy_form(ctx, &state, &user, None, None, FieldErrors::new()).await
}

pub async fn create_policy(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PolicyForm>,
) -> AppResult<HttpResponse> {
    save_policy(ctx, user, session, state, None, form.into_inner()).await
}
