//! The core changes to policies: who is acting and which policies they see, and recording a
//! policy (from a lead, by hand, by import or by the API) with its schedule, history and audit
//! entry. Each check comes first: a policy the viewer may not see is "not found".

use chrono::{Datelike, Months, NaiveDate};

use super::model::{self, NewEvent, NewPolicy, PolicyRow};
use super::rules::Rules;
use super::schedule;
use crate::audit::{self, AuditActor};
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::domain::policy::{BillingFrequency, EnrollmentType, PolicySource, PolicyStatus};
use crate::domain::{money, parse_state};
use crate::error::{AppError, FieldErrors};
use crate::leads::model::{self as leads_model, Scope};

pub use super::lifecycle::Who;

/// Who is acting on policies, and which policies they see.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user acting (none for an API token or the daily job).
    pub user_id: Option<i64>,
    pub label: String,
    pub who: Who,
    pub scope: Scope,
    /// The agent profile of the user, if they have one.
    pub own_agent_id: Option<i64>,
    /// The API token acting, if any.
    pub api_token_id: Option<i64>,
}

impl Viewer {
    /// A signed-in user: staff see every policy; an agent their own, and their team's when they
    /// lead it.
    pub fn load(conn: &mut DbConnection, user: &CurrentUser) -> Result<Viewer, AppError> {
        let agents = leads_model::visible_agents(conn, user.id)?;
        let own_agent_id = agents.first().copied();
        let (who, scope) = match user.role {
            Role::Owner => (Who::Owner, Scope::All),
            Role::Admin => (Who::Admin, Scope::All),
            _ => (Who::Agent, Scope::Agents(agents)),
        };
        Ok(Viewer {
            user_id: Some(user.id),
            label: user.email.clone(),
            who,
            scope,
            own_agent_id,
            api_token_id: None,
        })
    }

    /// An API token with the policy scopes: it acts as an admin would (every policy).
    pub fn api(token_id: i64, name: &str) -> Viewer {
        Viewer {
            user_id: None,
            label: format!("API: {name}"),
            who: Who::Admin,
            scope: Scope::All,
            own_agent_id: None,
            api_token_id: Some(token_id),
        }
    }

    /// The daily job.
    pub fn system() -> Viewer {
        Viewer {
            user_id: None,
            label: "Daily run".into(),
            who: Who::System,
            scope: Scope::All,
            own_agent_id: None,
            api_token_id: None,
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.who, Who::Owner | Who::Admin | Who::System)
    }

    /// Whether the viewer may see (and so act on) policies written by this agent.
    pub fn may_see_agent(&self, agent_id: i64) -> bool {
        match &self.scope {
            Scope::All => true,
            Scope::Agents(ids) => ids.contains(&agent_id),
        }
    }

    pub fn may_see(&self, p: &PolicyRow) -> bool {
        self.may_see_agent(p.agent_id)
    }

    /// The audit entry's actor.
    pub fn audit(&self, ip: Option<String>) -> AuditActor {
        AuditActor {
            id: self.user_id,
            label: self.label.clone(),
            ip,
        }
    }

    /// A history event by this viewer.
    pub fn event<'a>(&'a self, policy_id: i64, kind: &'a str, details: &'a str) -> NewEvent<'a> {
        NewEvent {
            policy_id,
            actor_id: self.user_id,
            actor_label: &self.label,
            kind,
            from_status: None,
            to_status: None,
            details,
        }
    }
}

/// The policy, if the viewer may see it; else "not found", so ids do not leak.
pub fn visible_policy(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> Result<PolicyRow, AppError> {
    let p = model::find(conn, id)?;
    if !viewer.may_see(&p) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The rules in force (from `policy_rules`).
pub fn rules(conn: &mut DbConnection) -> Result<Rules, AppError> {
    let rows = model::rules(conn)?;
    Ok(Rules::from_pairs(
        rows.iter().map(|(k, v, _, _)| (k.as_str(), v.as_str())),
    ))
}

/// A policy as a form, an import row or an API request gives it: text, checked by [`validate`].
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PolicyInput {
    /// The insured, when they are a known contact (from a lead, or chosen).
    pub contact_id: Option<i64>,
    /// A new insured, when `contact_id` is not given.
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// The writing agent; an agent recording their own policy may leave it out.
    pub agent_id: Option<i64>,
    pub carrier_id: Option<i64>,
    pub product_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub soa_id: Option<i64>,
    pub policy_number: String,
    pub submitted_on: String,
    pub effective_on: String,
    /// Empty: one year after the effective date.
    pub term_end_on: String,
    /// Dollars as typed ("89.50"); the API may send `premium_cents` instead.
    pub premium: String,
    pub premium_cents: Option<i64>,
    pub billing_frequency: String,
    /// Empty: 1.
    pub lives: String,
    /// Medicare only; empty: the effective date's year.
    pub plan_year: String,
    /// Medicare only: new_to_medicare, like_for_like, unlike.
    pub enrollment_type: String,
    pub coverage: String,
}

/// One line of text, cleaned (see `crate::text`); a refusal is noted against the field.
fn line(raw: &str, max: usize, field: &str, what: &str, errors: &mut FieldErrors) -> String {
    match crate::text::clean_line(raw, max) {
        Ok(t) => t,
        Err(err) => {
            errors.add(field, err.message(what));
            String::new()
        }
    }
}

fn date(raw: &str, field: &str, label: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let t = raw.trim();
    if t.is_empty() {
        errors.add(field, format!("Give the {label}."));
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%m/%d/%Y")) {
        Ok(d) if (1900..=2200).contains(&d.year()) => Some(d),
        _ => {
            errors.add(field, format!("Give the {label} as YYYY-MM-DD."));
            None
        }
    }
}

/// Validates an input against the database (the insured, agent, carrier and product exist, the
/// number is free at the carrier) and the viewer's rights. Every problem at once.
pub fn validate(
    conn: &mut DbConnection,
    viewer: &Viewer,
    input: &PolicyInput,
    source: PolicySource,
) -> Result<NewPolicy, AppError> {
    let mut e = FieldErrors::new();

    // The insured.
    let contact = match input.contact_id {
        Some(id) => match leads_model::find_contact(conn, id) {
            Ok(c) => Some(c),
            Err(diesel::result::Error::NotFound) => {
                e.add("contact_id", "There is no such insured.");
                None
            }
            Err(other) => return Err(other.into()),
        },
        None => {
            for (field, raw, what) in [
                ("first_name", &input.first_name, "first name"),
                ("last_name", &input.last_name, "last name"),
            ] {
                if let Err(err) = crate::text::person_name(raw, 100) {
                    e.add(field, format!("Give the insured's {what}: {}", err.message(what)));
                }
            }
            None
        }
    };
    if input.contact_id.is_none() {
        if !input.email.trim().is_empty() {
            if let Err(m) = crate::domain::parse_email(&input.email) {
                e.add("email", m);
            }
        }
        if !input.phone.trim().is_empty() {
            if let Err(m) = crate::domain::parse_phone(&input.phone) {
                e.add("phone", m);
            }
        }
    }
    let street = line(&input.street, 200, "street", "street", &mut e);
    let city = line(&input.city, 100, "city", "city", &mut e);
    let zip = line(&input.zip, 10, "zip", "ZIP code", &mut e);
    let coverage = match crate::text::clean_text(&input.coverage, 2000) {
        Ok(t) => t,
        Err(err) => {
            e.add("coverage", err.message("coverage description"));
            String::new()
        }
    };
    let state_raw = if input.state.trim().is_empty() {
        contact.as_ref().and_then(|c| c.state.clone()).unwrap_or_default()
    } else {
        input.state.clone()
    };
    let state = match parse_state(&state_raw) {
        Ok(s) => Some(s),
        Err(_) => {
            e.add("state", "Give the insured's state (two letters, e.g. FL).");
            None
        }
    };

    // The writing agent.
    let agent_id = match input
        .agent_id
        .or(if viewer.is_staff() { None } else { viewer.own_agent_id })
    {
        Some(id) if viewer.may_see_agent(id) => match crate::agents::model::find_agent(conn, id) {
            Ok(_) => Some(id),
            Err(diesel::result::Error::NotFound) => {
                e.add("agent_id", "There is no such agent.");
                None
            }
            Err(other) => return Err(other.into()),
        },
        Some(_) => {
            e.add("agent_id", "You can record policies only for yourself and your team.");
            None
        }
        None => {
            e.add("agent_id", "Choose the writing agent.");
            None
        }
    };

    // Carrier and product.
    let carrier = match input.carrier_id {
        Some(id) => match model::find_carrier(conn, id) {
            Ok(c) if c.active => Some(c),
            Ok(_) => {
                e.add("carrier_id", "This carrier is inactive.");
                None
            }
            Err(diesel::result::Error::NotFound) => {
                e.add("carrier_id", "There is no such carrier.");
                None
            }
            Err(other) => return Err(other.into()),
        },
        None => {
            e.add("carrier_id", "Choose the carrier.");
            None
        }
    };
    let product = match input.product_id {
        Some(id) => match model::find_product(conn, id) {
            Ok(p) if carrier.as_ref().is_some_and(|c| c.id != p.carrier_id) => {
                e.add("product_id", "This product is not one of the carrier's.");
                None
            }
            Ok(p) if !p.active => {
                e.add("product_id", "This product is inactive.");
                None
            }
            Ok(p) => Some(p),
            Err(diesel::result::Error::NotFound) => {
                e.add("product_id", "There is no such product.");
                None
            }
            Err(other) => return Err(other.into()),
        },
        None => {
            e.add("product_id", "Choose the product.");
            None
        }
    };

    let number = line(&input.policy_number, 60, "policy_number", "policy number", &mut e);
    if number.is_empty() {
        if !e.has("policy_number") {
            e.add("policy_number", "Give the policy number.");
        }
    } else if let Some(c) = &carrier {
        if model::find_by_number(conn, c.id, &number)?.is_some() {
            e.add(
                "policy_number",
                format!("{} already has a policy numbered {number}.", c.name),
            );
        }
    }

    let submitted_on = date(&input.submitted_on, "submitted_on", "application date", &mut e);
    let effective_on = date(&input.effective_on, "effective_on", "effective date", &mut e);
    let term_end_on = if input.term_end_on.trim().is_empty() {
        effective_on.and_then(|d| d.checked_add_months(Months::new(12)))
    } else {
        date(&input.term_end_on, "term_end_on", "term end date", &mut e)
    };
    if let (Some(s), Some(f)) = (submitted_on, effective_on) {
        if f < s - chrono::Duration::days(366) {
            e.add(
                "effective_on",
                "The effective date is more than a year before the application.",
            );
        }
    }
    if let (Some(f), Some(t)) = (effective_on, term_end_on) {
        if t <= f {
            e.add("term_end_on", "The term must end after the effective date.");
        } else if t > f.checked_add_months(Months::new(120)).unwrap_or(t) {
            e.add("term_end_on", "A term is at most ten years.");
        }
    }

    let premium_cents = match (input.premium_cents, input.premium.trim()) {
        (Some(c), _) if c >= 0 => Some(c),
        (Some(_), _) => {
            e.add("premium_cents", "The premium cannot be negative.");
            None
        }
        (None, raw) => match money::parse_cents(raw) {
            Ok(c) => Some(c),
            Err(m) => {
                e.add(
                    "premium",
                    if raw.is_empty() {
                        "Give the premium of each instalment.".to_string()
                    } else {
                        m
                    },
                );
                None
            }
        },
    };
    let billing_frequency = match input.billing_frequency.parse::<BillingFrequency>() {
        Ok(f) => Some(f),
        Err(_) => {
            e.add(
                "billing_frequency",
                "Choose monthly, quarterly, semi-annual or annual billing.",
            );
            None
        }
    };
    let lives = if input.lives.trim().is_empty() {
        Some(1)
    } else {
        match input.lives.trim().parse::<i32>() {
            Ok(n) if (1..=999).contains(&n) => Some(n),
            _ => {
                e.add("lives", "Give the number of lives covered (1 to 999).");
                None
            }
        }
    };

    // Medicare: plan year and enrollment type.
    let medicare = product.as_ref().is_some_and(|p| p.product_line.is_medicare());
    let (plan_year, enrollment_type) = if medicare {
        let year = if input.plan_year.trim().is_empty() {
            effective_on.map(|d| d.year())
        } else {
            match input.plan_year.trim().parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => Some(y),
                _ => {
                    e.add("plan_year", "Give the plan year (e.g. 2027).");
                    None
                }
            }
        };
        let kind = match input.enrollment_type.parse::<EnrollmentType>() {
            Ok(k) => Some(k),
            Err(_) => {
                e.add(
                    "enrollment_type",
                    "Choose the CMS enrollment type: new to Medicare, plan change (like for like) or plan change (unlike).",
                );
                None
            }
        };
        (year, kind)
    } else {
        (None, None)
    };

    if let (Some(f), Some(t), Some(freq)) = (effective_on, term_end_on, billing_frequency) {
        if t > f && schedule::count(f, t, freq) == 0 {
            e.add("term_end_on", "The term is too short for one instalment.");
        }
    }

    if let Some(lead_id) = input.lead_id {
        match leads_model::find_lead(conn, lead_id) {
            Ok((lead, _)) if lead.assigned_agent_id.is_some_and(|a| viewer.may_see_agent(a)) || viewer.is_staff() => {}
            Ok(_) | Err(diesel::result::Error::NotFound) => e.add("lead_id", "There is no such lead."),
            Err(other) => return Err(other.into()),
        }
    }

    // A Scope of Appointment given with the policy must be one the viewer sees, for this insured.
    if let Some(soa_id) = input.soa_id {
        match model::find_soa(conn, soa_id) {
            Ok(soa)
                if viewer.may_see_agent(soa.agent_id) && contact.as_ref().is_some_and(|c| c.id == soa.contact_id) => {}
            Ok(_) => e.add("soa_id", "There is no such Scope of Appointment for this insured."),
            Err(diesel::result::Error::NotFound) => {
                e.add("soa_id", "There is no such Scope of Appointment for this insured.")
            }
            Err(other) => return Err(other.into()),
        }
    }

    e.into_result()?;
    let (agent_id, carrier, product, submitted_on, effective_on, term_end_on, premium_cents, billing_frequency, lives) =
        match (
            agent_id,
            carrier,
            product,
            submitted_on,
            effective_on,
            term_end_on,
            premium_cents,
            billing_frequency,
            lives,
        ) {
            (Some(a), Some(c), Some(p), Some(s), Some(f), Some(t), Some(pc), Some(b), Some(l)) => {
                (a, c, p, s, f, t, pc, b, l)
            }
            _ => return Err(AppError::internal("policy validation passed with a missing field")),
        };
    let insured_name = match &contact {
        Some(c) => format!("{} {}", c.first_name, c.last_name).trim().to_string(),
        None => format!(
            "{} {}",
            crate::text::person_name(&input.first_name, 100).unwrap_or_default(),
            crate::text::person_name(&input.last_name, 100).unwrap_or_default()
        ),
    };
    let at = now();
    Ok(NewPolicy {
        contact_id: contact.as_ref().map(|c| c.id).unwrap_or(0),
        agent_id,
        carrier_id: carrier.id,
        product_id: product.id,
        lead_id: input.lead_id,
        soa_id: input.soa_id,
        renewal_of_id: None,
        policy_number: number,
        insured_name,
        status: PolicyStatus::Draft,
        product_line: product.product_line,
        submitted_on,
        effective_on,
        term_end_on,
        premium_cents,
        billing_frequency,
        lives,
        plan_year,
        enrollment_type,
        coverage,
        insured_street: street,
        insured_city: if city.is_empty() {
            contact.as_ref().and_then(|c| c.city.clone()).unwrap_or_default()
        } else {
            city
        },
        insured_state: state.map(str::to_string).unwrap_or_default(),
        insured_zip: if zip.is_empty() {
            contact.as_ref().and_then(|c| c.zip.clone()).unwrap_or_default()
        } else {
            zip
        },
        source,
        created_by: viewer.user_id,
        created_at: at,
        updated_at: at,
        status_changed_at: at,
    })
}

/// Records a policy in Draft: the insured (a new contact when none was named), the policy, its
/// premium schedule, its first history event, the lead's history (when it came from a lead) and
/// the audit entry, in the caller's transaction. Returns the new policy's id.
/// Writes a policy and its term's premium schedule; its id.
pub fn write_with_schedule(conn: &mut DbConnection, p: &NewPolicy) -> Result<i64, AppError> {
    let id = model::insert_policy(conn, p)?;
    let sched = schedule::instalments(p.effective_on, p.term_end_on, p.billing_frequency, p.premium_cents);
    model::insert_instalments(conn, id, &sched)?;
    Ok(id)
}

/// What the `issued` event of a policy records.
pub fn issued_details(p: &NewPolicy) -> String {
    serde_json::json!({
        "policy_number": p.policy_number,
        "source": p.source.as_str(),
        "premium_cents": p.premium_cents,
        "billing_frequency": p.billing_frequency.as_str(),
    })
    .to_string()
}

pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    input: &PolicyInput,
    source: PolicySource,
) -> Result<i64, AppError> {
    let mut p = validate(conn, viewer, input, source)?;
    if input.contact_id.is_none() {
        let first = crate::text::person_name(&input.first_name, 100).unwrap_or_default();
        let last = crate::text::person_name(&input.last_name, 100).unwrap_or_default();
        let email = crate::domain::parse_email(&input.email).ok();
        let phone = crate::domain::parse_phone(&input.phone).ok();
        let contact = leads_model::insert_contact(
            conn,
            &leads_model::NewContact {
                first_name: &first,
                last_name: &last,
                email: email.as_deref(),
                phone: phone.as_deref(),
                birth_date: None,
                zip: Some(p.insured_zip.as_str()).filter(|z| !z.is_empty()),
                state: Some(p.insured_state.as_str()),
                city: Some(p.insured_city.as_str()).filter(|c| !c.is_empty()),
                lat: None,
                lon: None,
            },
        )?;
        p.contact_id = contact.id;
    }
    let id = write_with_schedule(conn, &p)?;
    let details = issued_details(&p);
    let mut ev = viewer.event(id, "issued", &details);
    ev.to_status = Some(PolicyStatus::Draft);
    model::add_event(conn, &ev)?;
    if let Some(lead_id) = p.lead_id {
        let lead_details = serde_json::json!({ "policy_id": id, "policy_number": p.policy_number }).to_string();
        leads_model::add_event(
            conn,
            lead_id,
            viewer.user_id,
            &viewer.label,
            "policy_recorded",
            &lead_details,
        )?;
        // A lead that came through the broker network converts its referral.
        crate::network::referrals::policy_recorded(conn, lead_id, id, p.agent_id, p.effective_on)?;
    }
    super::webhooks::emit(conn, "policy.issued", id)?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.created",
        "policy",
        Some(id),
        &format!("{} ({})", p.policy_number, p.source.as_str()),
    )?;
    Ok(id)
}
