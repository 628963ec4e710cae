//! State changes to leads. Each checks that the viewer may see the lead (else 404, so ids do not
//! leak), applies the rules, and writes the change, its history event and its webhook deliveries
//! in the caller's transaction.

use chrono::NaiveDateTime;

use super::intake::ValidLead;
use super::model::{self, LeadRow, NewConsent, NewContact, NewLead, Scope};
use super::pipeline::{self, LeadStatus};
use super::webhooks;
use crate::audit::{self, AuditActor};
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::{AppError, FieldErrors};
use crate::geo;

/// Who is acting on leads, and which leads they may see.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub label: String,
    pub role: Role,
    pub scope: Scope,
}

impl Viewer {
    pub fn load(conn: &mut DbConnection, user: &CurrentUser) -> Result<Viewer, AppError> {
        Viewer::of(conn, user.id, user.role, &user.email)
    }

    /// The viewer for a user known by id and role (an API token acting as its owner).
    pub fn of(conn: &mut DbConnection, user_id: i64, role: Role, label: &str) -> Result<Viewer, AppError> {
        let scope = if role.is_staff() {
            Scope::All
        } else {
            Scope::Agents(model::visible_agents(conn, user_id)?)
        };
        Ok(Viewer {
            user_id,
            label: label.to_string(),
            role,
            scope,
        })
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    pub fn may_see(&self, lead: &LeadRow) -> bool {
        match &self.scope {
            Scope::All => true,
            Scope::Agents(ids) => lead.assigned_agent_id.is_some_and(|a| ids.contains(&a)),
        }
    }
}

/// The lead, if the viewer may see it; any other id answers 404.
pub fn visible_lead(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<(LeadRow, model::ContactRow), AppError> {
    let (lead, contact) = model::find_lead(conn, id)?;
    if !viewer.may_see(&lead) {
        return Err(AppError::NotFound);
    }
    Ok((lead, contact))
}

/// Who a history event names.
#[derive(Debug, Clone)]
pub struct EventActor {
    pub id: Option<i64>,
    pub label: String,
    /// The API token acting, for what it sends through the API.
    pub api_token_id: Option<i64>,
}

impl From<&Viewer> for EventActor {
    fn from(v: &Viewer) -> Self {
        EventActor {
            id: Some(v.user_id),
            label: v.label.clone(),
            api_token_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeOutcome {
    Created(i64),
    /// The same person already had an open lead: the request was attached to it.
    Attached(i64),
}

impl IntakeOutcome {
    pub fn id(self) -> i64 {
        match self {
            IntakeOutcome::Created(id) | IntakeOutcome::Attached(id) => id,
        }
    }
}

fn open_keys() -> Vec<&'static str> {
    LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// Keeps the consent sent with a lead; `new_lead` when the lead was inserted with `has_consent`
/// already set (else it is marked here).
fn record_consent(conn: &mut DbConnection, lead_id: i64, lead: &ValidLead, new_lead: bool) -> Result<(), AppError> {
    if let Some(c) = &lead.consent {
        let sellers = serde_json::to_string(&c.sellers).unwrap_or_else(|_| "[]".into());
        let record = NewConsent {
            lead_id,
            text: &c.text,
            given_at: c.given_at.naive_utc(),
            ip: c.ip.as_deref(),
            user_agent: c.user_agent.as_deref(),
            page_url: c.page_url.as_deref(),
            sellers: &sellers,
        };
        if new_lead {
            model::insert_consent_record(conn, &record)?;
        } else {
            model::insert_consent(conn, &record)?;
        }
    }
    Ok(())
}

/// How a new lead reaches an agent after intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// Offered at once to the agent the rules choose (API, web forms).
    Now,
    /// Left in the unassigned queue with this reason (file imports: a bulk file would flood
    /// agents with offers far past their caps; owners assign imported leads by hand or in bulk).
    Queue(&'static str),
}

/// Takes in a lead: attaches it to the person's open lead when there is one (same e-mail or
/// phone), else creates the contact (placed on the map by ZIP) and the lead, scored, and routes
/// it as `routing` says.
pub fn intake(
    conn: &mut DbConnection,
    lead: &ValidLead,
    who: &EventActor,
    settings: &crate::config::Settings,
    caches: &crate::caches::Caches,
    routing: Routing,
) -> Result<IntakeOutcome, AppError> {
    intake_routed(conn, lead, who, settings, caches, routing).map(|i| i.outcome())
}

/// What intake did, with the new lead as stored and routed (so its answer needs no second read).
pub enum Intook {
    Created {
        /// The lead row, with the unassigned reason routing gave it.
        lead: Box<LeadRow>,
        /// The offer made at once: the agent and the deadline.
        offer: Option<(i64, NaiveDateTime)>,
    },
    Attached(i64),
}

impl Intook {
    pub fn outcome(&self) -> IntakeOutcome {
        match self {
            Intook::Created { lead, .. } => IntakeOutcome::Created(lead.id),
            Intook::Attached(id) => IntakeOutcome::Attached(*id),
        }
    }
}

/// [`intake`], returning the new lead as it was stored and routed.
pub fn intake_routed(
    conn: &mut DbConnection,
    lead: &ValidLead,
    who: &EventActor,
    settings: &crate::config::Settings,
    caches: &crate::caches::Caches,
    routing: Routing,
) -> Result<Intook, AppError> {
    let place = lead.zip.as_deref().and_then(geo::lookup);
    let state = lead.state.clone().or_else(|| place.map(|p| p.state.to_string()));
    let new_contact = NewContact {
        first_name: &lead.first_name,
        last_name: &lead.last_name,
        email: lead.email.as_deref(),
        phone: lead.phone.as_deref(),
        birth_date: lead.birth_date,
        zip: lead.zip.as_deref(),
        state: state.as_deref(),
        city: place.map(|p| p.city),
        lat: place.map(|p| p.lat),
        lon: place.map(|p| p.lon),
    };
    let known = model::contacts_matching(conn, lead.email.as_deref(), lead.phone.as_deref())?;
    let ids: Vec<i64> = known.iter().map(|c| c.id).collect();
    if let Some(open) = model::open_lead_of(conn, &ids, &open_keys())? {
        if let Some(c) = known.iter().find(|c| c.id == open.contact_id) {
            model::complete_contact(conn, c, &new_contact)?;
        }
        let details = serde_json::json!({
            "source": lead.source, "product_line": lead.product_line.as_str(), "message": lead.message,
            "external_id": lead.external_id,
        });
        model::add_event(conn, open.id, who.id, &who.label, "attached", &details.to_string())?;
        record_consent(conn, open.id, lead, false)?;
        model::touch(conn, open.id)?;
        webhooks::emit(conn, "lead.updated", open.id)?;
        return Ok(Intook::Attached(open.id));
    }
    let contact = match known.first() {
        Some(c) => {
            model::complete_contact(conn, c, &new_contact)?;
            model::find_contact(conn, c.id)?
        }
        None => model::insert_contact(conn, &new_contact)?,
    };
    let tags = lead.tags.join(",");
    // Qualified at once, and stored with the lead: score with its factors, product read from the
    // message, intent, urgency.
    let q = crate::scoring::scorer::qualify_intake(conn, &caches.scoring, lead, state.as_deref(), !known.is_empty())?;
    let queued = match routing {
        Routing::Queue(reason) => Some(reason),
        Routing::Now => None,
    };
    let row = model::insert_lead(
        conn,
        &NewLead {
            contact_id: contact.id,
            source: &lead.source,
            product_line: lead.product_line.as_str(),
            message: &lead.message,
            tags: &tags,
            external_id: lead.external_id.as_deref(),
            has_consent: lead.consent.is_some(),
            qualification: Some(&q),
            unassigned_reason: queued,
            api_token_id: who.api_token_id,
        },
    )?;
    let id = row.id;
    let details = serde_json::json!({
        "source": lead.source, "product_line": q.product_line.as_str(), "score": q.score, "model": q.model,
    });
    model::add_event(conn, id, who.id, &who.label, "created", &details.to_string())?;
    record_consent(conn, id, lead, true)?;
    webhooks::emit(conn, "lead.created", id)?;
    // Offered at once to the agent the rules choose, or queued unassigned with the reason (set
    // on insert).
    if queued.is_some() {
        return Ok(Intook::Created {
            lead: Box::new(row),
            offer: None,
        });
    }
    let routed = crate::routing::offers::route_new_lead(conn, row, contact, settings, &caches.routing)?;
    Ok(Intook::Created {
        lead: Box::new(routed.lead),
        offer: routed.offer.map(|o| (o.agent_id, o.deadline)),
    })
}

pub fn change_status(
    conn: &mut DbConnection,
    viewer: &Viewer,
    lead_id: i64,
    to: LeadStatus,
) -> Result<String, AppError> {
    let (lead, contact) = visible_lead(conn, viewer, lead_id)?;
    let from: LeadStatus = lead.status.parse().map_err(|e: String| AppError::internal(e))?;
    pipeline::can_transition(from, to).map_err(|m| AppError::field("status", &m))?;
    model::set_status(conn, lead_id, to.as_str())?;
    let details = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    model::add_event(
        conn,
        lead_id,
        Some(viewer.user_id),
        &viewer.label,
        "status_changed",
        &details.to_string(),
    )?;
    webhooks::emit(conn, "lead.status_changed", lead_id)?;
    if to == LeadStatus::DoNotContact {
        revoke(
            conn,
            &EventActor::from(viewer),
            contact.id,
            "status set to do not contact",
        )?;
    }
    Ok(format!("{} is now {}.", contact.name(), to.label().to_lowercase()))
}

/// Do-not-call for the person, from now on, on every lead of theirs, kept in history.
fn revoke(conn: &mut DbConnection, who: &EventActor, contact_id: i64, why: &str) -> Result<bool, AppError> {
    if model::set_do_not_call(conn, contact_id)? == 0 {
        return Ok(false);
    }
    for l in model::leads_of_contact(conn, contact_id)? {
        model::add_event(conn, l.id, who.id, &who.label, "consent_revoked", why)?;
        webhooks::emit(conn, "lead.consent_revoked", l.id)?;
    }
    Ok(true)
}

pub fn revoke_consent(conn: &mut DbConnection, viewer: &Viewer, lead_id: i64) -> Result<String, AppError> {
    let (_, contact) = visible_lead(conn, viewer, lead_id)?;
    if revoke(
        conn,
        &EventActor::from(viewer),
        contact.id,
        "the contact asked not to be called",
    )? {
        Ok(format!(
            "{} is on the do-not-call list from now on, for every lead of theirs.",
            contact.name()
        ))
    } else {
        Ok(format!("{} was already on the do-not-call list.", contact.name()))
    }
}

/// Corrects the person's details and the product; the history names the fields that changed.
pub fn update_details(
    conn: &mut DbConnection,
    viewer: &Viewer,
    lead_id: i64,
    lead: &ValidLead,
) -> Result<Vec<&'static str>, AppError> {
    let (row, contact) = visible_lead(conn, viewer, lead_id)?;
    let place = lead.zip.as_deref().and_then(geo::lookup);
    let state = lead.state.clone().or_else(|| place.map(|p| p.state.to_string()));
    let mut changed = Vec::new();
    let checks: [(&'static str, bool); 8] = [
        ("first_name", contact.first_name != lead.first_name),
        ("last_name", contact.last_name != lead.last_name),
        ("email", contact.email != lead.email),
        ("phone", contact.phone != lead.phone),
        ("birth_date", contact.birth_date != lead.birth_date),
        ("zip", contact.zip != lead.zip),
        ("state", contact.state != state),
        ("product_line", row.product_line != lead.product_line.as_str()),
    ];
    for (field, differs) in checks {
        if differs {
            changed.push(field);
        }
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    let new_contact = NewContact {
        first_name: &lead.first_name,
        last_name: &lead.last_name,
        email: lead.email.as_deref(),
        phone: lead.phone.as_deref(),
        birth_date: lead.birth_date,
        zip: lead.zip.as_deref(),
        state: state.as_deref(),
        city: place.map(|p| p.city).or(if lead.zip == contact.zip {
            contact.city.as_deref()
        } else {
            None
        }),
        lat: place.map(|p| p.lat),
        lon: place.map(|p| p.lon),
    };
    model::update_contact(conn, contact.id, &new_contact)?;
    model::set_product(conn, lead_id, lead.product_line.as_str())?;
    let details = serde_json::json!({ "fields": changed });
    model::add_event(
        conn,
        lead_id,
        Some(viewer.user_id),
        &viewer.label,
        "updated",
        &details.to_string(),
    )?;
    webhooks::emit(conn, "lead.updated", lead_id)?;
    Ok(changed)
}

pub fn add_note(conn: &mut DbConnection, viewer: &Viewer, lead_id: i64, body: &str) -> Result<(), AppError> {
    visible_lead(conn, viewer, lead_id)?;
    let body = crate::text::clean_text(body, 5000)
        .and_then(crate::text::non_empty)
        .map_err(|e| {
            let message = match e {
                crate::text::TextError::Empty => "Write the note first.".to_string(),
                e => e.message_or_long("note", "Keep a note under 5,000 characters."),
            };
            AppError::field("body", &message)
        })?;
    model::add_event(conn, lead_id, Some(viewer.user_id), &viewer.label, "note_added", &body)?;
    model::touch(conn, lead_id)?;
    Ok(())
}

pub fn add_task(
    conn: &mut DbConnection,
    viewer: &Viewer,
    lead_id: i64,
    title: &str,
    due_at: NaiveDateTime,
) -> Result<i64, AppError> {
    visible_lead(conn, viewer, lead_id)?;
    let title = crate::text::required_line(
        title,
        200,
        "follow-up",
        "Describe the follow-up in up to 200 characters.",
    )
    .map_err(|m| AppError::field("title", &m))?;
    let id = model::insert_task(conn, lead_id, viewer.user_id, &title, due_at, viewer.user_id)?;
    model::add_event(
        conn,
        lead_id,
        Some(viewer.user_id),
        &viewer.label,
        "task_added",
        &format!("{title} (due {due_at} UTC)"),
    )?;
    Ok(id)
}

pub fn complete_task(conn: &mut DbConnection, viewer: &Viewer, task_id: i64) -> Result<i64, AppError> {
    let task = model::find_task(conn, task_id)?;
    visible_lead(conn, viewer, task.lead_id)?;
    if task.assignee_id != viewer.user_id && !viewer.is_staff() {
        return Err(AppError::NotFound);
    }
    if model::complete_task(conn, task_id)? == 1 {
        model::add_event(
            conn,
            task.lead_id,
            Some(viewer.user_id),
            &viewer.label,
            "task_done",
            &task.title,
        )?;
    }
    Ok(task.lead_id)
}

/// What assigning one lead by hand came to.
enum HandAssignment {
    /// Assigned (or already there): the message for the flash.
    Done(String),
    /// The agent may not take the lead and nobody overrode it.
    Refused {
        lead: String,
        agent: String,
        why: crate::routing::Exclusion,
    },
}

/// Assigns by hand (owners and admins); `None` takes the lead back to the unassigned queue.
///
/// The agent must pass routing's own eligibility for the lead (licensed for it in the lead's
/// state, not a trainee, accepting leads, the lead may be called). Otherwise only an owner may
/// assign it, with `override_reason` saying why; that override is audited and kept in the lead's
/// history. A refusal is a 422 naming the reason.
#[allow(clippy::too_many_arguments)]
pub fn assign(
    conn: &mut DbConnection,
    viewer: &Viewer,
    who: &AuditActor,
    lead_id: i64,
    agent_id: Option<i64>,
    override_reason: Option<&str>,
    settings: &Settings,
    caches: &crate::routing::Caches,
) -> Result<String, AppError> {
    match assign_by_hand(conn, viewer, who, lead_id, agent_id, override_reason, settings, caches)? {
        HandAssignment::Done(msg) => Ok(msg),
        HandAssignment::Refused { lead, agent, why } => {
            let mut errors = FieldErrors::new();
            errors.add(
                "agent_id",
                format!("{agent} cannot take {lead}’s lead: {}", why.reason()),
            );
            if viewer.role == Role::Owner {
                errors.add(
                    "override_reason",
                    "To assign it anyway, tick “Assign anyway” and say why.",
                );
            } else {
                errors.add(
                    "override_reason",
                    "Only the owner can assign a lead to an agent who cannot take it.",
                );
            }
            Err(AppError::Validation(errors))
        }
    }
}

/// What a bulk assignment did: how many leads it assigned, and the ones it left, each with its
/// contact's name and why the agent cannot take it.
#[derive(Debug, Default)]
pub struct BulkAssigned {
    pub assigned: usize,
    pub skipped: Vec<(String, String)>,
}

/// Assigns these leads to the agent (or back to the queue), each only when the agent may take
/// it: bulk assignment never overrides, it reports what it skipped.
pub fn assign_many(
    conn: &mut DbConnection,
    viewer: &Viewer,
    who: &AuditActor,
    lead_ids: &[i64],
    agent_id: Option<i64>,
    settings: &Settings,
    caches: &crate::routing::Caches,
) -> Result<BulkAssigned, AppError> {
    let mut out = BulkAssigned::default();
    for &id in lead_ids {
        match assign_by_hand(conn, viewer, who, id, agent_id, None, settings, caches)? {
            HandAssignment::Done(_) => out.assigned += 1,
            HandAssignment::Refused { lead, why, .. } => out.skipped.push((lead, why.why_not())),
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn assign_by_hand(
    conn: &mut DbConnection,
    viewer: &Viewer,
    who: &AuditActor,
    lead_id: i64,
    agent_id: Option<i64>,
    override_reason: Option<&str>,
    settings: &Settings,
    caches: &crate::routing::Caches,
) -> Result<HandAssignment, AppError> {
    if !viewer.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (lead, contact) = visible_lead(conn, viewer, lead_id)?;
    if lead.assigned_agent_id == agent_id {
        return Ok(HandAssignment::Done(format!("{} was already there.", contact.name())));
    }
    let name = match agent_id {
        Some(a) => {
            let names = model::agent_names(conn, &[a])?;
            names
                .into_iter()
                .next()
                .map(|(_, n)| n)
                .ok_or_else(|| AppError::field("agent_id", "Choose an agent from the list."))?
        }
        None => "nobody".to_string(),
    };
    let mut overridden = None;
    if let Some(a) = agent_id {
        let verdict = crate::routing::decide::hand_eligibility(conn, settings, caches, &lead, &contact, &[a])?
            .pop()
            .map_or(Ok(()), |(_, v)| v);
        if let Err(why) = verdict {
            let Some(raw) = override_reason else {
                return Ok(HandAssignment::Refused {
                    lead: contact.name(),
                    agent: name,
                    why,
                });
            };
            if viewer.role != Role::Owner {
                return Err(AppError::field(
                    "override_reason",
                    "Only the owner can assign a lead to an agent who cannot take it; ask the owner, or choose an agent from the first group.",
                ));
            }
            let reason = crate::text::required_line(
                raw,
                500,
                "reason",
                &format!(
                    "Say in up to 500 characters why {} should go to {name} anyway.",
                    contact.name()
                ),
            )
            .map_err(|m| AppError::field("override_reason", &m))?;
            overridden = Some((why, reason));
        }
    }
    crate::routing::offers::withdraw_pending(conn, lead_id)?;
    model::assign(conn, lead_id, agent_id)?;
    if let Some(a) = agent_id {
        let (_, agent_user) = crate::agents::model::find_agent(conn, a)?;
        crate::notifications::model::notify(
            conn,
            agent_user.id,
            "assigned",
            &format!("{} was assigned to you by {}.", contact.name(), viewer.label),
            &format!("/leads/{lead_id}"),
        )?;
    }
    let mut details = serde_json::json!({ "agent_id": agent_id, "agent": name, "by": "hand" });
    if let Some((why, reason)) = &overridden {
        details["not_eligible"] = why.reason().into();
        details["override_reason"] = reason.as_str().into();
    }
    model::add_event(
        conn,
        lead_id,
        Some(viewer.user_id),
        &viewer.label,
        "assigned",
        &details.to_string(),
    )?;
    let action = match overridden {
        Some(_) => "lead.assigned_by_override",
        None => "lead.assigned",
    };
    audit::record(conn, who, action, "lead", Some(lead_id), &details.to_string())?;
    webhooks::emit(conn, "lead.assigned", lead_id)?;
    Ok(HandAssignment::Done(format!(
        "{} is assigned to {name}.",
        contact.name()
    )))
}

/// Takes a stale lead from its agent and offers it to the next one (owners and admins).
pub fn reroute(
    conn: &mut DbConnection,
    viewer: &Viewer,
    lead_id: i64,
    settings: &crate::config::Settings,
    caches: &crate::routing::Caches,
) -> Result<String, AppError> {
    if !viewer.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (lead, contact) = visible_lead(conn, viewer, lead_id)?;
    if !lead.status.parse::<LeadStatus>().is_ok_and(LeadStatus::is_open) {
        return Err(AppError::Conflict(format!(
            "{} is closed; reopen it before routing it again.",
            contact.name()
        )));
    }
    Ok(
        match crate::routing::offers::reroute(conn, (viewer.user_id, &viewer.label), lead_id, settings, caches)? {
            Some(_) => format!("{} is offered to the next agent.", contact.name()),
            None => format!("{} waits unassigned: no other agent can take it now.", contact.name()),
        },
    )
}

/// Records that these leads were exported (one event each).
pub fn record_export(conn: &mut DbConnection, viewer: &Viewer, lead_ids: &[i64]) -> Result<(), AppError> {
    for id in lead_ids {
        model::add_event(conn, *id, Some(viewer.user_id), &viewer.label, "exported", "CSV export")?;
    }
    Ok(())
}
