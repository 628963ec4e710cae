//! Offers and their life cycle: routing a lead makes an offer with a deadline to the agent the
//! rules choose (or leaves the lead waiting unassigned, with the reason); the agent accepts or
//! declines; a decline or a time-out offers the lead to the next eligible agent, never the same
//! agent twice; an accepted lead nobody contacts is escalated, and the office can route it again.
//!
//! Routing decisions are serialised (the single SQLite writer; an advisory lock on PostgreSQL),
//! so round-robin turns and caps stay exact under concurrent intakes and several servers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::decide::{decide, lead_to_route};
use super::store::rules_cached;
use super::{Caches, Explanation, RoutingState};
use crate::agents::model as agents_model;
use crate::config::Settings;
use crate::db::schema::{leads, offers};
use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::jobs::{self, EmailJob};
use crate::leads::model::{self, ContactRow, LeadRow};
use crate::notifications::model as notifications;
use crate::routing;

/// Where the round-robin and weighted state is kept (`app_settings`).
pub(super) const STATE_KEY: &str = "routing_state";
const ROUTING_LOCK: i64 = 0x4145_726f_7574; // "AErout"

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: i64,
    pub lead_id: i64,
    pub agent_id: i64,
    pub rule_id: Option<i64>,
    pub status: String,
    pub deadline: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub explanation: String,
    pub created_at: NaiveDateTime,
}

impl OfferRow {
    pub fn explanation(&self) -> Explanation {
        serde_json::from_str(&self.explanation).unwrap_or_default()
    }

    /// The deadline in UTC, for machines (`datetime` attributes and the browser's countdown).
    pub fn deadline_utc(&self) -> String {
        self.deadline
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The time left to answer as the page is drawn ("4:59"); the browser counts it down.
    pub fn time_left(&self) -> String {
        let secs = (self.deadline - crate::db::now()).num_seconds().max(0);
        if secs >= 3600 {
            format!("{} h {:02} min", secs / 3600, secs % 3600 / 60)
        } else {
            format!("{:02}:{:02}", secs / 60, secs % 60)
        }
    }

    /// The agent's name as routing ranked them.
    pub fn agent_name(&self) -> String {
        self.explanation()
            .ranking
            .into_iter()
            .find(|(id, _, _)| *id == self.agent_id)
            .map(|(_, name, _)| name)
            .unwrap_or_else(|| format!("agent {}", self.agent_id))
    }
}

/// Routes a lead now: an offer to the chosen agent, or the reason it waits unassigned.
pub fn route_lead(
    conn: &mut DbConnection,
    lead_id: i64,
    settings: &Settings,
    caches: &Caches,
) -> Result<Option<i64>, AppError> {
    route_lead_excluding(conn, lead_id, &[], settings, caches)
}

/// [`route_lead`], also passing over these agents (the one a stale lead is taken from).
pub fn route_lead_excluding(
    conn: &mut DbConnection,
    lead_id: i64,
    exclude: &[i64],
    settings: &Settings,
    caches: &Caches,
) -> Result<Option<i64>, AppError> {
    let Some(o) = route_lead_at(conn, lead_id, exclude, chrono::Utc::now(), settings, caches)? else {
        return Ok(None);
    };
    let offer = OfferMade {
        offer_id: o.offer_id,
        agent_id: o.agent_id,
        deadline: o.deadline,
    };
    tell(conn, &offer, &o.lead, &o.contact, settings)?;
    Ok(Some(o.offer_id))
}

/// Routes a lead just inserted, as intake has it in hand (nothing is read again, and nobody can
/// have been offered it yet), and tells the agent chosen.
pub fn route_new_lead(
    conn: &mut DbConnection,
    lead: LeadRow,
    contact: ContactRow,
    settings: &Settings,
    caches: &Caches,
) -> Result<Routed, AppError> {
    lock_routing(conn)?;
    let routed = record_route(conn, lead, contact, &[], chrono::Utc::now(), settings, caches)?;
    if let Some(offer) = &routed.offer {
        tell(conn, offer, &routed.lead, &routed.contact, settings)?;
    }
    Ok(routed)
}

/// The time-out job, the notification and the e-mail of an offer just made.
fn tell(
    conn: &mut DbConnection,
    offer: &OfferMade,
    lead: &LeadRow,
    contact: &ContactRow,
    settings: &Settings,
) -> Result<(), AppError> {
    let OfferMade {
        offer_id,
        agent_id,
        deadline,
    } = offer;
    jobs::enqueue(conn, &routing::jobs::OfferTimeout { offer_id: *offer_id }, *deadline)?;
    let (_, agent_user) = agents_model::find_agent(conn, *agent_id)?;
    notifications::notify_about(
        conn,
        agent_user.id,
        "offer",
        &format!(
            "New {} lead offered to you: {} {}. Answer within {} minutes.",
            lead.product_line.replace('_', " "),
            contact.first_name,
            contact.last_name,
            settings.offer_minutes
        ),
        "/leads",
        Some(&notifications::offer_subject(*offer_id)),
    )?;
    let body = format!(
        "Hello {},\n\nA new {} lead is offered to you: {} {}{}.\nAccept it within {} minutes, or it may be offered to another agent:\n{}/leads\n",
        agent_user.name,
        lead.product_line.replace('_', " "),
        contact.first_name,
        contact.last_name,
        contact.state.as_deref().map(|s| format!(" in {s}")).unwrap_or_default(),
        settings.offer_minutes,
        settings.base_url
    );
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: agent_user.email,
            subject: "A new lead is offered to you".into(),
            body,
        },
    )?;
    Ok(())
}

/// An offer just made, with the lead it is for (as routing read it).
pub struct Offered {
    pub offer_id: i64,
    pub agent_id: i64,
    pub deadline: NaiveDateTime,
    pub lead: LeadRow,
    pub contact: ContactRow,
}

/// An offer just made.
pub struct OfferMade {
    pub offer_id: i64,
    pub agent_id: i64,
    pub deadline: NaiveDateTime,
}

/// A lead routing has just dealt with: the lead (with the unassigned reason routing gave it, if it
/// waits), its contact, and the offer made.
pub struct Routed {
    pub lead: LeadRow,
    pub contact: ContactRow,
    pub offer: Option<OfferMade>,
}

/// On PostgreSQL, routing decisions are taken one at a time across servers (the round-robin
/// cursor and the caps are read and written in one go); SQLite has one writer anyway.
fn lock_routing(conn: &mut DbConnection) -> QueryResult<()> {
    crate::db::serialise(conn, ROUTING_LOCK)
}

/// The routing decision for a lead as of `at`, recorded: the offer (with its explanation, the
/// history event and the advanced round-robin state) or the reason it waits. Returns the offer,
/// the agent and the deadline. Nobody is told; [`route_lead_excluding`] does that, and the demo
/// seed uses this alone to route months of leads through the real engine.
pub fn route_lead_at(
    conn: &mut DbConnection,
    lead_id: i64,
    exclude: &[i64],
    at: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
    caches: &Caches,
) -> Result<Option<Offered>, AppError> {
    lock_routing(conn)?;
    let (lead, contact) = model::find_lead(conn, lead_id)?;
    let mut offered: Vec<i64> = offers::table
        .filter(offers::lead_id.eq(lead_id))
        .select(offers::agent_id)
        .load(conn)?;
    offered.extend_from_slice(exclude);
    let Routed { lead, contact, offer } = record_route(conn, lead, contact, &offered, at, settings, caches)?;
    Ok(offer.map(|o| Offered {
        offer_id: o.offer_id,
        agent_id: o.agent_id,
        deadline: o.deadline,
        lead,
        contact,
    }))
}

/// Decides and records where the lead goes, passing over the agents in `offered`.
fn record_route(
    conn: &mut DbConnection,
    lead: LeadRow,
    contact: ContactRow,
    offered: &[i64],
    at: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
    caches: &Caches,
) -> Result<Routed, AppError> {
    let lead_id = lead.id;
    let rules = rules_cached(conn, caches)?;
    let mut state: RoutingState = model::get_setting(conn, STATE_KEY)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let state_before = state.clone();
    let explanation = decide(
        conn,
        &rules,
        &lead_to_route(&lead, &contact),
        at,
        offered,
        &mut state,
        settings,
        caches,
    )?;
    // Most leads leave it as it was (nobody working, or strategies without a cursor): no write.
    if state != state_before {
        model::put_setting(conn, STATE_KEY, &serde_json::to_string(&state).unwrap_or_default())?;
    }
    let details = serde_json::to_string(&explanation).unwrap_or_default();
    // To the microsecond, as PostgreSQL keeps it: the deadline answered is the one stored.
    let t = chrono::SubsecRound::trunc_subsecs(at.naive_utc(), 6);
    let Some(agent_id) = explanation.chosen else {
        let reason = explanation
            .unassigned_reason
            .clone()
            .unwrap_or_else(|| "No eligible agent.".into());
        if lead.unassigned_reason.as_deref() != Some(reason.as_str()) {
            model::set_unassigned_reason(conn, lead_id, Some(&reason))?;
        }
        model::add_event_at(conn, lead_id, None, "routing", "unrouted", &details, t)?;
        return Ok(Routed {
            lead: LeadRow {
                unassigned_reason: Some(reason),
                ..lead
            },
            contact,
            offer: None,
        });
    };
    let deadline = t + chrono::Duration::minutes(settings.offer_minutes as i64);
    let values = (
        offers::lead_id.eq(lead_id),
        offers::agent_id.eq(agent_id),
        offers::rule_id.eq(explanation.rule.as_ref().map(|(id, _)| *id).filter(|id| *id > 0)),
        offers::status.eq("pending"),
        offers::deadline.eq(deadline),
        offers::explanation.eq(&details),
        offers::created_at.eq(t),
    );
    let offer_id: i64 = crate::db::direct!(conn, |c| diesel::insert_into(offers::table)
        .values(values)
        .returning(offers::id)
        .get_result(c))?;
    if lead.unassigned_reason.is_some() {
        model::set_unassigned_reason(conn, lead_id, None)?;
    }
    model::add_event_at(conn, lead_id, None, "routing", "offered", &details, t)?;
    Ok(Routed {
        lead: LeadRow {
            unassigned_reason: None,
            ..lead
        },
        contact,
        offer: Some(OfferMade {
            offer_id,
            agent_id,
            deadline,
        }),
    })
}

pub fn find_offer(conn: &mut DbConnection, id: i64) -> QueryResult<OfferRow> {
    offers::table.find(id).select(OfferRow::as_select()).first(conn)
}

pub fn offers_of_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::lead_id.eq(lead_id))
        .order(offers::id.desc())
        .select(OfferRow::as_select())
        .load(conn)
}

/// Pending offers to an agent, with their leads.
pub fn pending_for(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<(OfferRow, LeadRow, ContactRow)>> {
    offers::table
        .inner_join(leads::table.inner_join(crate::db::schema::contacts::table))
        .filter(offers::agent_id.eq(agent_id))
        .filter(offers::status.eq("pending"))
        .order(offers::deadline.asc())
        .select((OfferRow::as_select(), LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)
}

fn close_offer(conn: &mut DbConnection, id: i64, status: &str, reason: Option<&str>) -> QueryResult<bool> {
    close_offer_at(conn, id, status, reason, now())
}

/// Closes a pending offer as of `at` (the demo's back-dated history uses the time).
pub fn close_offer_at(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(offers::table.find(id).filter(offers::status.eq("pending")))
        .set((
            offers::status.eq(status),
            offers::responded_at.eq(Some(at)),
            offers::decline_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The agent takes the lead: it is assigned to them.
pub fn accept(
    conn: &mut DbConnection,
    agent_id: i64,
    user: (i64, &str),
    offer_id: i64,
    settings: &Settings,
) -> Result<i64, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.agent_id != agent_id {
        return Err(AppError::NotFound);
    }
    if offer.status != "pending" || offer.deadline < now() {
        return Err(AppError::Conflict(
            "This offer is no longer open; the lead may have gone to another agent.".into(),
        ));
    }
    close_offer(conn, offer_id, "accepted", None)?;
    notifications::answered(conn, &notifications::offer_subject(offer_id), "You accepted it.")?;
    model::assign(conn, offer.lead_id, Some(agent_id))?;
    let agent_name = agents_model::find_agent(conn, agent_id)?.1.name;
    let details = serde_json::json!({ "agent_id": agent_id, "agent": agent_name, "by": "offer" });
    model::add_event(
        conn,
        offer.lead_id,
        Some(user.0),
        user.1,
        "assigned",
        &details.to_string(),
    )?;
    crate::leads::webhooks::emit(conn, "lead.assigned", offer.lead_id)?;
    let check = routing::jobs::EscalationCheck {
        lead_id: offer.lead_id,
        agent_id,
    };
    jobs::enqueue(
        conn,
        &check,
        now() + chrono::Duration::hours(settings.first_contact_hours as i64),
    )?;
    Ok(offer.lead_id)
}

/// What became of a lead an agent passed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterDecline {
    /// Offered to another agent.
    OfferedOn,
    /// Nobody else can take it now: it waits unassigned, for this reason.
    Waiting(String),
}

impl AfterDecline {
    /// What the agent who passed is told.
    pub fn message(&self) -> String {
        match self {
            AfterDecline::OfferedOn => "You passed on the lead; it has been offered to another agent.".into(),
            AfterDecline::Waiting(why) => format!(
                "You passed on the lead. No other agent can take it now, so it waits unassigned for the office: {why}"
            ),
        }
    }
}

/// The agent passes, with a reason; the lead goes to the next eligible agent, or waits unassigned.
pub fn decline(
    conn: &mut DbConnection,
    agent_id: i64,
    user: (i64, &str),
    offer_id: i64,
    reason: &str,
    settings: &Settings,
    caches: &Caches,
) -> Result<AfterDecline, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.agent_id != agent_id {
        return Err(AppError::NotFound);
    }
    let reason = crate::text::required_line(reason, 300, "reason", "Say in a few words why you pass on this lead.")
        .map_err(|m| AppError::field("reason", &m))?;
    if !close_offer(conn, offer_id, "declined", Some(&reason))? {
        return Err(AppError::Conflict("This offer is no longer open.".into()));
    }
    notifications::answered(
        conn,
        &notifications::offer_subject(offer_id),
        &format!("You passed: {reason}"),
    )?;
    model::add_event(conn, offer.lead_id, Some(user.0), user.1, "declined", &reason)?;
    if route_lead(conn, offer.lead_id, settings, caches)?.is_some() {
        return Ok(AfterDecline::OfferedOn);
    }
    let (lead, _) = model::find_lead(conn, offer.lead_id)?;
    Ok(AfterDecline::Waiting(
        lead.unassigned_reason
            .unwrap_or_else(|| "no agent is available for it right now.".into()),
    ))
}

/// The deadline passed without an answer: the next eligible agent gets the lead.
pub fn expire(conn: &mut DbConnection, offer_id: i64, settings: &Settings, caches: &Caches) -> Result<bool, AppError> {
    let offer = find_offer(conn, offer_id)?;
    if offer.status != "pending" {
        return Ok(false);
    }
    close_offer(conn, offer_id, "expired", None)?;
    notifications::answered(
        conn,
        &notifications::offer_subject(offer_id),
        "Time ran out before you answered.",
    )?;
    model::add_event(
        conn,
        offer.lead_id,
        None,
        "routing",
        "offer_expired",
        &format!("agent {}", offer.agent_id),
    )?;
    tell_withdrawn(conn, offer.agent_id, offer.lead_id, "ran out of time")?;
    route_lead(conn, offer.lead_id, settings, caches)?;
    Ok(true)
}

/// Tells an agent an offer they could still see is gone.
fn tell_withdrawn(conn: &mut DbConnection, agent_id: i64, lead_id: i64, why: &str) -> Result<(), AppError> {
    let (_, agent_user) = agents_model::find_agent(conn, agent_id)?;
    let (_, contact) = model::find_lead(conn, lead_id)?;
    notifications::notify(
        conn,
        agent_user.id,
        "offer_withdrawn",
        &format!(
            "The offer of {} {} {why}; it is no longer yours to accept.",
            contact.first_name, contact.last_name
        ),
        "/leads",
    )?;
    Ok(())
}

/// Withdraws the lead's open offers (the lead was assigned another way); the agents are told.
pub fn withdraw_pending(conn: &mut DbConnection, lead_id: i64) -> Result<(), AppError> {
    let pending: Vec<(i64, i64)> = offers::table
        .filter(offers::lead_id.eq(lead_id))
        .filter(offers::status.eq("pending"))
        .select((offers::id, offers::agent_id))
        .load(conn)?;
    for (id, agent_id) in pending {
        if close_offer(conn, id, "withdrawn", None)? {
            notifications::answered(
                conn,
                &notifications::offer_subject(id),
                "The office assigned the lead another way.",
            )?;
            tell_withdrawn(conn, agent_id, lead_id, "was withdrawn by the office")?;
        }
    }
    Ok(())
}

/// Is this accepted lead stale: still with `agent_id`, still new (nobody contacted it)?
pub fn is_stale(lead: &LeadRow, agent_id: i64) -> bool {
    lead.assigned_agent_id == Some(agent_id)
        && lead.status == crate::leads::pipeline::LeadStatus::New.as_str()
        && lead.contacted_at.is_none()
        && lead.escalated_at.is_none()
}

/// The escalation check queued when an agent accepted: if the lead is still untouched, the owners
/// and admins are told (in the app and by e-mail) and the lead is marked, so it can be reassigned
/// in one click. Returns whether it escalated.
pub fn escalate(conn: &mut DbConnection, lead_id: i64, agent_id: i64, settings: &Settings) -> Result<bool, AppError> {
    let (lead, contact) = model::find_lead(conn, lead_id)?;
    if !is_stale(&lead, agent_id) {
        return Ok(false);
    }
    model::set_escalated(conn, lead_id)?;
    let (_, agent_user) = agents_model::find_agent(conn, agent_id)?;
    let hours = settings.first_contact_hours;
    let details = serde_json::json!({ "agent_id": agent_id, "agent": agent_user.name, "hours": hours });
    model::add_event(conn, lead_id, None, "routing", "escalated", &details.to_string())?;
    let text = format!(
        "{} {} was accepted by {} {hours} hours ago and has not been contacted.",
        contact.first_name, contact.last_name, agent_user.name
    );
    let link = format!("/leads/{lead_id}");
    for (uid, email, name) in notifications::staff_recipients(conn)? {
        notifications::notify(conn, uid, "escalated", &text, &link)?;
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: email,
                subject: format!("Lead not contacted: {} {}", contact.first_name, contact.last_name),
                body: format!(
                    "Hello {name},\n\n{text}\nReassign it in one click:\n{}{link}\n",
                    settings.base_url
                ),
            },
        )?;
    }
    Ok(true)
}

/// Takes a lead from its agent and routes it again, passing over that agent (owners and admins:
/// the one-click answer to an escalation). The new offer, or the reason it waits, is returned.
pub fn reroute(
    conn: &mut DbConnection,
    user: (i64, &str),
    lead_id: i64,
    settings: &Settings,
    caches: &Caches,
) -> Result<Option<i64>, AppError> {
    let (lead, _) = model::find_lead(conn, lead_id)?;
    let from = lead.assigned_agent_id;
    withdraw_pending(conn, lead_id)?;
    model::assign(conn, lead_id, None)?;
    let details = serde_json::json!({ "from_agent_id": from, "by": user.1 });
    model::add_event(conn, lead_id, Some(user.0), user.1, "rerouted", &details.to_string())?;
    route_lead_excluding(conn, lead_id, from.as_slice(), settings, caches)
}
