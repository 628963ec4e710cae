//! Every query of the leads domain: contacts, leads, their history, consents and follow-ups, the
//! lists, idempotent answers and settings. Import runs and webhooks have theirs in `model/`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    agents, api_idempotency, app_settings, contacts, lead_consents, lead_events, lead_tasks, leads, teams, users,
};
use crate::db::{lower, now, search_patterns, DbConnection};

pub mod imports;
pub mod webhooks;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub zip: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub do_not_call: bool,
    pub do_not_call_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ContactRow {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn phone_display(&self) -> String {
        self.phone
            .as_deref()
            .map(crate::domain::display_phone)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub contact_id: i64,
    pub source: String,
    pub product_line: String,
    pub message: String,
    pub tags: String,
    pub status: String,
    pub assigned_agent_id: Option<i64>,
    pub external_id: Option<String>,
    pub has_consent: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub assigned_at: Option<NaiveDateTime>,
    pub contacted_at: Option<NaiveDateTime>,
    pub qualified_at: Option<NaiveDateTime>,
    pub quoted_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub score_factors: String,
    pub intent: Option<String>,
    pub urgency: Option<String>,
    pub scored_by: Option<String>,
    pub unassigned_reason: Option<String>,
    /// Set when an accepted lead went without first contact for too long; cleared on reassignment.
    pub escalated_at: Option<NaiveDateTime>,
    /// The API token that sent the lead, when one did.
    pub api_token_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_events)]
pub struct EventRow {
    pub id: i64,
    pub lead_id: i64,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub kind: String,
    pub details: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_consents)]
pub struct ConsentRow {
    pub id: i64,
    pub lead_id: i64,
    pub text: String,
    pub given_at: NaiveDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub page_url: Option<String>,
    pub sellers: String,
    pub created_at: NaiveDateTime,
}

impl ConsentRow {
    pub fn sellers_list(&self) -> String {
        serde_json::from_str::<Vec<String>>(&self.sellers)
            .map(|v| v.join(", "))
            .unwrap_or_else(|_| self.sellers.clone())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_tasks)]
pub struct TaskRow {
    pub id: i64,
    pub lead_id: i64,
    pub assignee_id: i64,
    pub title: String,
    pub due_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

// ---- contacts -------------------------------------------------------------------------------

pub struct NewContact<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    pub zip: Option<&'a str>,
    pub state: Option<&'a str>,
    pub city: Option<&'a str>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

type ContactFields<'a> = (
    diesel::dsl::Eq<contacts::first_name, &'a str>,
    diesel::dsl::Eq<contacts::last_name, &'a str>,
    diesel::dsl::Eq<contacts::email, Option<&'a str>>,
    diesel::dsl::Eq<contacts::phone, Option<&'a str>>,
    diesel::dsl::Eq<contacts::birth_date, Option<NaiveDate>>,
    diesel::dsl::Eq<contacts::zip, Option<&'a str>>,
    diesel::dsl::Eq<contacts::state, Option<&'a str>>,
    diesel::dsl::Eq<contacts::city, Option<&'a str>>,
    diesel::dsl::Eq<contacts::lat, Option<f64>>,
    diesel::dsl::Eq<contacts::lon, Option<f64>>,
);

/// The person's details as columns, for a new contact and for a correction alike. Absent values
/// are written as NULL (a correction may clear a field).
fn contact_fields<'a>(c: &NewContact<'a>) -> ContactFields<'a> {
    (
        contacts::first_name.eq(c.first_name),
        contacts::last_name.eq(c.last_name),
        contacts::email.eq(c.email),
        contacts::phone.eq(c.phone),
        contacts::birth_date.eq(c.birth_date),
        contacts::zip.eq(c.zip),
        contacts::state.eq(c.state),
        contacts::city.eq(c.city),
        contacts::lat.eq(c.lat),
        contacts::lon.eq(c.lon),
    )
}

/// Inserts the contact; the row as stored.
pub fn insert_contact(conn: &mut DbConnection, c: &NewContact) -> QueryResult<ContactRow> {
    let t = now();
    let values = (
        contact_fields(c),
        contacts::do_not_call.eq(false),
        contacts::created_at.eq(t),
        contacts::updated_at.eq(t),
    );
    crate::db::direct!(conn, |db| diesel::insert_into(contacts::table)
        .values(values)
        .returning(ContactRow::as_returning())
        .get_result(db))
}

pub fn find_contact(conn: &mut DbConnection, id: i64) -> QueryResult<ContactRow> {
    contacts::table.find(id).select(ContactRow::as_select()).first(conn)
}

/// These contacts, in statements of at most 500 ids (a list's people in one read).
pub fn contacts_by_id(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ContactRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            contacts::table
                .filter(contacts::id.eq_any(chunk))
                .select(ContactRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Contacts with this e-mail address or phone number (indexed lookups).
pub fn contacts_matching(
    conn: &mut DbConnection,
    email: Option<&str>,
    phone: Option<&str>,
) -> QueryResult<Vec<ContactRow>> {
    // Read for every lead taken in, so on the backend's own connection.
    let mut found: Vec<ContactRow> = crate::db::direct!(conn, |c| match (email, phone) {
        // One statement: SQLite and PostgreSQL answer the OR from both indexes.
        (Some(e), Some(p)) => contacts::table
            .filter(contacts::email.eq(e).or(contacts::phone.eq(p)))
            .order(contacts::id.asc())
            .select(ContactRow::as_select())
            .load(c)?,
        (Some(e), None) => contacts::table
            .filter(contacts::email.eq(e))
            .order(contacts::id.asc())
            .select(ContactRow::as_select())
            .load(c)?,
        (None, Some(p)) => contacts::table
            .filter(contacts::phone.eq(p))
            .order(contacts::id.asc())
            .select(ContactRow::as_select())
            .load(c)?,
        (None, None) => Vec::new(),
    });
    // Those with the same e-mail first, then those with the same phone.
    found.sort_by_key(|c| email.is_none() || c.email.as_deref() != email);
    Ok(found)
}

/// The newest open lead of any of these contacts.
pub fn open_lead_of(conn: &mut DbConnection, contact_ids: &[i64], open: &[&str]) -> QueryResult<Option<LeadRow>> {
    // A new person has no leads; asking anyway costs a parse, as diesel never keeps `IN` lists.
    if contact_ids.is_empty() {
        return Ok(None);
    }
    leads::table
        .filter(leads::contact_id.eq_any(contact_ids))
        .filter(leads::status.eq_any(open))
        .order(leads::id.desc())
        .select(LeadRow::as_select())
        .first(conn)
        .optional()
}

/// Fills what the contact did not have yet (never overwrites what they told us before).
pub fn complete_contact(conn: &mut DbConnection, existing: &ContactRow, c: &NewContact) -> QueryResult<()> {
    diesel::update(contacts::table.find(existing.id))
        .set((
            contacts::email.eq(existing.email.as_deref().or(c.email)),
            contacts::phone.eq(existing.phone.as_deref().or(c.phone)),
            contacts::birth_date.eq(existing.birth_date.or(c.birth_date)),
            contacts::zip.eq(existing.zip.as_deref().or(c.zip)),
            contacts::state.eq(existing.state.as_deref().or(c.state)),
            contacts::city.eq(existing.city.as_deref().or(c.city)),
            contacts::lat.eq(existing.lat.or(c.lat)),
            contacts::lon.eq(existing.lon.or(c.lon)),
            contacts::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_do_not_call(conn: &mut DbConnection, contact_id: i64) -> QueryResult<usize> {
    let t = now();
    diesel::update(contacts::table.find(contact_id).filter(contacts::do_not_call.eq(false)))
        .set((
            contacts::do_not_call.eq(true),
            contacts::do_not_call_at.eq(Some(t)),
            contacts::updated_at.eq(t),
        ))
        .execute(conn)
}

// ---- leads ----------------------------------------------------------------------------------

pub struct NewLead<'a> {
    pub contact_id: i64,
    pub source: &'a str,
    pub product_line: &'a str,
    pub message: &'a str,
    pub tags: &'a str,
    pub external_id: Option<&'a str>,
    pub has_consent: bool,
    /// The qualification made at intake, stored with the lead (its product line replaces
    /// `product_line`); `None` leaves the lead unscored.
    pub qualification: Option<&'a crate::scoring::Qualification>,
    /// Why it waits unassigned, when it is queued rather than routed.
    pub unassigned_reason: Option<&'a str>,
    /// The API token that sent it.
    pub api_token_id: Option<i64>,
}

/// Inserts the lead; the row as stored.
pub fn insert_lead(conn: &mut DbConnection, l: &NewLead) -> QueryResult<LeadRow> {
    let t = now();
    let q = l.qualification;
    let factors = q.map(|q| serde_json::to_string(&q.factors).unwrap_or_else(|_| "[]".into()));
    let values = (
        (
            leads::contact_id.eq(l.contact_id),
            leads::source.eq(l.source),
            leads::product_line.eq(q.map_or(l.product_line, |q| q.product_line.as_str())),
            leads::message.eq(l.message),
            leads::tags.eq(l.tags),
            leads::status.eq("new"),
            leads::external_id.eq(l.external_id),
            leads::has_consent.eq(l.has_consent),
            leads::created_at.eq(t),
            leads::updated_at.eq(t),
        ),
        (
            leads::score.eq(q.map(|q| q.score as i32)),
            leads::score_factors.eq(factors.as_deref().unwrap_or("[]")),
            leads::intent.eq(q.map(|q| q.intent.as_str())),
            leads::urgency.eq(q.map(|q| q.urgency.as_str())),
            leads::scored_by.eq(q.map(|q| q.model.as_str())),
            leads::unassigned_reason.eq(l.unassigned_reason),
            leads::api_token_id.eq(l.api_token_id),
        ),
    );
    crate::db::direct!(conn, |c| diesel::insert_into(leads::table)
        .values(values)
        .returning(LeadRow::as_returning())
        .get_result(c))
}

pub fn find_lead(conn: &mut DbConnection, id: i64) -> QueryResult<(LeadRow, ContactRow)> {
    leads::table
        .inner_join(contacts::table)
        .filter(leads::id.eq(id))
        .select((LeadRow::as_select(), ContactRow::as_select()))
        .first(conn)
}

/// A status change: the new status and, for a step of the pipeline, the time of that step
/// (`None` fields are left as they are).
#[derive(AsChangeset)]
#[diesel(table_name = leads)]
struct StatusChange<'a> {
    status: &'a str,
    updated_at: NaiveDateTime,
    contacted_at: Option<NaiveDateTime>,
    qualified_at: Option<NaiveDateTime>,
    quoted_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

/// Sets a new status and the time of that step.
pub fn set_status(conn: &mut DbConnection, id: i64, status: &str) -> QueryResult<usize> {
    let t = now();
    let at = |steps: &[&str]| steps.contains(&status).then_some(t);
    let change = StatusChange {
        status,
        updated_at: t,
        contacted_at: at(&["contacted"]),
        qualified_at: at(&["qualified"]),
        quoted_at: at(&["quoted"]),
        closed_at: at(&["won", "lost", "do_not_contact"]),
    };
    diesel::update(leads::table.find(id)).set(&change).execute(conn)
}

pub fn assign(conn: &mut DbConnection, id: i64, agent_id: Option<i64>) -> QueryResult<usize> {
    let t = now();
    diesel::update(leads::table.find(id))
        .set((
            leads::assigned_agent_id.eq(agent_id),
            leads::assigned_at.eq(agent_id.map(|_| t)),
            leads::escalated_at.eq(None::<NaiveDateTime>),
            leads::updated_at.eq(t),
        ))
        .execute(conn)
}

/// Marks an accepted lead as escalated (no first contact in time).
pub fn set_escalated(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(leads::table.find(id).filter(leads::escalated_at.is_null()))
        .set(leads::escalated_at.eq(Some(now())))
        .execute(conn)
}

/// Leads waiting in the unassigned queue because routing found nobody.
pub fn count_waiting_unassigned(conn: &mut DbConnection) -> QueryResult<i64> {
    leads::table
        .filter(leads::unassigned_reason.is_not_null())
        .filter(leads::assigned_agent_id.is_null())
        .count()
        .get_result(conn)
}

/// Escalated leads still waiting for a first contact, oldest escalation first.
pub fn escalated(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(LeadRow, ContactRow)>> {
    leads::table
        .inner_join(contacts::table)
        .filter(leads::escalated_at.is_not_null())
        .order(leads::escalated_at.asc())
        .limit(limit)
        .select((LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)
}

pub fn touch(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(leads::table.find(id))
        .set(leads::updated_at.eq(now()))
        .execute(conn)
}

/// Every open lead of a contact (consent revoked: they all stop).
pub fn leads_of_contact(conn: &mut DbConnection, contact_id: i64) -> QueryResult<Vec<LeadRow>> {
    leads::table
        .filter(leads::contact_id.eq(contact_id))
        .select(LeadRow::as_select())
        .load(conn)
}

// ---- history --------------------------------------------------------------------------------

/// Appends an event. There is no function to change or remove one, and the database refuses it.
pub fn add_event(
    conn: &mut DbConnection,
    lead_id: i64,
    actor_id: Option<i64>,
    actor_label: &str,
    kind: &str,
    details: &str,
) -> QueryResult<()> {
    add_event_at(conn, lead_id, actor_id, actor_label, kind, details, now())
}

/// An event at a given time (the demo data's back-dated history).
pub fn add_event_at(
    conn: &mut DbConnection,
    lead_id: i64,
    actor_id: Option<i64>,
    actor_label: &str,
    kind: &str,
    details: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let values = (
        lead_events::lead_id.eq(lead_id),
        lead_events::actor_id.eq(actor_id),
        lead_events::actor_label.eq(actor_label),
        lead_events::kind.eq(kind),
        lead_events::details.eq(details),
        lead_events::created_at.eq(at),
    );
    crate::db::direct!(conn, |c| diesel::insert_into(lead_events::table)
        .values(values)
        .execute(c))?;
    Ok(())
}

pub fn events_of(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<EventRow>> {
    lead_events::table
        .filter(lead_events::lead_id.eq(lead_id))
        .order(lead_events::id.desc())
        .select(EventRow::as_select())
        .load(conn)
}

pub fn consents_of(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<ConsentRow>> {
    lead_consents::table
        .filter(lead_consents::lead_id.eq(lead_id))
        .order(lead_consents::id.asc())
        .select(ConsentRow::as_select())
        .load(conn)
}

pub struct NewConsent<'a> {
    pub lead_id: i64,
    pub text: &'a str,
    pub given_at: NaiveDateTime,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub page_url: Option<&'a str>,
    pub sellers: &'a str,
}

/// Records the consent and marks the lead as having one.
pub fn insert_consent(conn: &mut DbConnection, c: &NewConsent) -> QueryResult<()> {
    insert_consent_record(conn, c)?;
    diesel::update(leads::table.find(c.lead_id))
        .set(leads::has_consent.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Records the consent of a lead inserted with `has_consent` already set.
pub fn insert_consent_record(conn: &mut DbConnection, c: &NewConsent) -> QueryResult<()> {
    let values = (
        lead_consents::lead_id.eq(c.lead_id),
        lead_consents::text.eq(c.text),
        lead_consents::given_at.eq(c.given_at),
        lead_consents::ip.eq(c.ip),
        lead_consents::user_agent.eq(c.user_agent),
        lead_consents::page_url.eq(c.page_url),
        lead_consents::sellers.eq(c.sellers),
        lead_consents::created_at.eq(now()),
    );
    crate::db::direct!(conn, |db| diesel::insert_into(lead_consents::table)
        .values(values)
        .execute(db))?;
    Ok(())
}

// ---- tasks ----------------------------------------------------------------------------------

pub fn insert_task(
    conn: &mut DbConnection,
    lead_id: i64,
    assignee: i64,
    title: &str,
    due_at: NaiveDateTime,
    by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(lead_tasks::table)
        .values((
            lead_tasks::lead_id.eq(lead_id),
            lead_tasks::assignee_id.eq(assignee),
            lead_tasks::title.eq(title),
            lead_tasks::due_at.eq(due_at),
            lead_tasks::created_by.eq(Some(by)),
            lead_tasks::created_at.eq(now()),
        ))
        .returning(lead_tasks::id)
        .get_result(conn)
}

pub fn find_task(conn: &mut DbConnection, id: i64) -> QueryResult<TaskRow> {
    lead_tasks::table.find(id).select(TaskRow::as_select()).first(conn)
}

pub fn complete_task(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(lead_tasks::table.find(id).filter(lead_tasks::done_at.is_null()))
        .set(lead_tasks::done_at.eq(Some(now())))
        .execute(conn)
}

pub fn tasks_of(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<TaskRow>> {
    lead_tasks::table
        .filter(lead_tasks::lead_id.eq(lead_id))
        .order((lead_tasks::done_at.is_not_null(), lead_tasks::due_at.asc()))
        .select(TaskRow::as_select())
        .load(conn)
}

/// Open tasks of a user due before `until`, with their leads' contacts.
pub fn due_tasks(
    conn: &mut DbConnection,
    user_id: i64,
    until: NaiveDateTime,
) -> QueryResult<Vec<(TaskRow, LeadRow, ContactRow)>> {
    tasks_between(conn, user_id, None, until)
}

/// Open tasks of a user due from `from` (or any time before) until `until`, soonest first.
pub fn tasks_between(
    conn: &mut DbConnection,
    user_id: i64,
    from: Option<NaiveDateTime>,
    until: NaiveDateTime,
) -> QueryResult<Vec<(TaskRow, LeadRow, ContactRow)>> {
    let mut q = lead_tasks::table
        .inner_join(leads::table.inner_join(contacts::table))
        .filter(lead_tasks::assignee_id.eq(user_id))
        .filter(lead_tasks::done_at.is_null())
        .into_boxed();
    if let Some(from) = from {
        q = q.filter(lead_tasks::due_at.ge(from));
    }
    q.filter(lead_tasks::due_at.lt(until))
        .order(lead_tasks::due_at.asc())
        .limit(200)
        .select((TaskRow::as_select(), LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)
}

// ---- lists ----------------------------------------------------------------------------------

/// Who may see which leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Leads assigned to these agents (the agent, plus their team when they lead one).
    Agents(Vec<i64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSort {
    Newest,
    Oldest,
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    pub product_line: Option<String>,
    pub source: Option<String>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    /// Some(Some(id)): assigned to that agent; Some(None): unassigned.
    pub agent: Option<Option<i64>>,
    /// (lat, lon, miles)
    pub near: Option<(f64, f64, f64)>,
    /// Only these leads (a bulk selection).
    pub ids: Option<Vec<i64>>,
}

type LeadListRow = (LeadRow, ContactRow);

/// A keyset page: rows after `after` (an id) in the sort order, and whether there are more.
pub fn list_leads(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &LeadFilter,
    sort: LeadSort,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<LeadListRow>, bool)> {
    let mut q = leads::table.inner_join(contacts::table).into_boxed();
    if let Scope::Agents(ids) = scope {
        q = match ids.as_slice() {
            // Most agents see their own leads only: a statement SQLite keeps prepared (diesel
            // prepares every `IN` list again, 11 % of a list page's time).
            [one] => q.filter(leads::assigned_agent_id.eq(*one)),
            _ => q.filter(leads::assigned_agent_id.eq_any(ids.clone())),
        };
    }
    if let Some(text) = f.q.as_deref() {
        // Every word must be in the first name, the last name or the e-mail ("Susan Lewis",
        // "lewis susan"); a number is also looked for in the phone.
        type OnList = diesel::dsl::InnerJoinQuerySource<leads::table, contacts::table>;
        type Cond = Box<
            dyn BoxableExpression<
                OnList,
                crate::db::MultiBackend,
                SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
            >,
        >;
        let mut every_word: Option<Cond> = None;
        for p in search_patterns(text) {
            let word = lower(contacts::first_name)
                .like(p.clone())
                .escape('\\')
                .or(lower(contacts::last_name).like(p.clone()).escape('\\'))
                .or(contacts::email.like(p).escape('\\'));
            every_word = Some(match every_word {
                None => Box::new(word),
                Some(before) => Box::new(before.and(word)),
            });
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if let Some(words) = every_word {
            if digits.len() >= 4 {
                q = q.filter(words.or(contacts::phone.like(format!("%{digits}%"))));
            } else {
                q = q.filter(words);
            }
        }
    }
    if let Some(ids) = &f.ids {
        q = q.filter(leads::id.eq_any(ids.clone()));
    }
    if let Some(s) = f.status.as_deref() {
        q = q.filter(leads::status.eq(s.to_string()));
    }
    if let Some(p) = f.product_line.as_deref() {
        q = q.filter(leads::product_line.eq(p.to_string()));
    }
    if let Some(s) = f.source.as_deref() {
        q = q.filter(leads::source.eq(s.to_string()));
    }
    if let Some(t) = f.created_from {
        q = q.filter(leads::created_at.ge(t));
    }
    if let Some(t) = f.created_to {
        q = q.filter(leads::created_at.lt(t));
    }
    match f.agent {
        Some(Some(a)) => q = q.filter(leads::assigned_agent_id.eq(a)),
        Some(None) => q = q.filter(leads::assigned_agent_id.is_null()),
        None => {}
    }
    if let Some((lat, lon, miles)) = f.near {
        // Bounding box on the index, then an equirectangular distance (plain arithmetic, so both
        // databases compute it; within 1% of the great-circle distance at these ranges).
        let dlat = miles / 69.0;
        let k = lat.to_radians().cos().max(0.01);
        let dlon = dlat / k;
        q = q
            .filter(contacts::lat.between(lat - dlat, lat + dlat))
            .filter(contacts::lon.between(lon - dlon, lon + dlon))
            .filter(
                ((contacts::lon - lon) * k * (contacts::lon - lon) * k + (contacts::lat - lat) * (contacts::lat - lat))
                    .le(dlat * dlat),
            );
    }
    q = match (sort, after) {
        (LeadSort::Newest, Some(a)) => q.filter(leads::id.lt(a)),
        (LeadSort::Oldest, Some(a)) => q.filter(leads::id.gt(a)),
        _ => q,
    };
    q = match sort {
        LeadSort::Newest => q.order(leads::id.desc()),
        LeadSort::Oldest => q.order(leads::id.asc()),
    };
    let mut rows: Vec<LeadListRow> = q
        .limit(limit + 1)
        .select((LeadRow::as_select(), ContactRow::as_select()))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The agents a user sees leads of: their own profile, and their team's when they lead it.
pub fn visible_agents(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    let Some(me) = agents::table
        .filter(agents::user_id.eq(user_id))
        .select(agents::id)
        .first::<i64>(conn)
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut ids = vec![me];
    let led: Vec<i64> = teams::table
        .filter(teams::leader_agent_id.eq(me))
        .select(teams::id)
        .load(conn)?;
    if !led.is_empty() {
        ids.extend(
            agents::table
                .filter(agents::team_id.eq_any(led))
                .filter(agents::id.ne(me))
                .select(agents::id)
                .load::<i64>(conn)?,
        );
    }
    Ok(ids)
}

/// Names of agents by id, for lists.
pub fn agent_names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    let q = agents::table.inner_join(users::table).select((agents::id, users::name));
    match ids {
        // An agent's own list names one agent: kept prepared, unlike an `IN` list.
        [one] => q.filter(agents::id.eq(*one)).load(conn),
        _ => q.filter(agents::id.eq_any(ids)).load(conn),
    }
}

/// Active agents and trainees, for assignment menus.
/// Most agents a menu lists; an agency with more gets a field for the agent's number instead.
pub const AGENT_MENU_MAX: usize = 300;

/// Active agents for a menu, by name: at most [`AGENT_MENU_MAX`] and `true` when there are more.
pub fn agent_menu(conn: &mut DbConnection) -> QueryResult<(Vec<(i64, String)>, bool)> {
    let mut list: Vec<(i64, String)> = agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .limit(AGENT_MENU_MAX as i64 + 1)
        .select((agents::id, users::name))
        .load(conn)?;
    let more = list.len() > AGENT_MENU_MAX;
    list.truncate(AGENT_MENU_MAX);
    Ok((list, more))
}

/// The menu of agents [`agent_menu`] lists.
pub type AgentMenu = (Vec<(i64, String)>, bool);

/// What leads keep in memory for one application (a field of `crate::caches::Caches`).
pub struct Caches {
    /// [`agent_menu`], kept until an agent or user changes (the `routing_version` counter that
    /// triggers move): it was read on every staff view of the lead list and lead page.
    agent_menu: crate::db::cache::Versioned<std::sync::Arc<AgentMenu>>,
    /// [`distinct_sources`], reused for a minute: listing them reads an index entry for every
    /// lead, which is too much for each page view at a million leads.
    sources: crate::db::cache::TtlCache<(), Vec<String>>,
}

impl Default for Caches {
    fn default() -> Caches {
        Caches {
            agent_menu: crate::db::cache::Versioned::new(crate::routing::directory::routing_version),
            sources: crate::db::cache::TtlCache::new(std::time::Duration::from_secs(60)),
        }
    }
}

/// [`agent_menu`] as kept in `caches`.
pub fn agent_menu_cached(conn: &mut DbConnection, caches: &Caches) -> QueryResult<AgentMenu> {
    let menu = caches
        .agent_menu
        .get_or_load(conn, |c| agent_menu(c).map(std::sync::Arc::new))?;
    Ok((*menu).clone())
}

pub fn assignable_agents(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .select((agents::id, users::name))
        .load(conn)
}

/// [`distinct_sources`] as kept in `caches` (a minute old at most).
pub fn distinct_sources_cached(conn: &mut DbConnection, caches: &Caches) -> QueryResult<Vec<String>> {
    caches.sources.get_or_load((), || distinct_sources(conn))
}

pub fn distinct_sources(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    leads::table
        .select(leads::source)
        .distinct()
        .order(leads::source.asc())
        .limit(200)
        .load(conn)
}

// ---- idempotency ----------------------------------------------------------------------------

pub fn stored_answer(conn: &mut DbConnection, token_id: i64, key: &str) -> QueryResult<Option<(String, i32, String)>> {
    api_idempotency::table
        .filter(api_idempotency::token_id.eq(token_id))
        .filter(api_idempotency::key.eq(key))
        .select((
            api_idempotency::request_hash,
            api_idempotency::status,
            api_idempotency::response,
        ))
        .first(conn)
        .optional()
}

pub fn store_answer(
    conn: &mut DbConnection,
    token_id: i64,
    key: &str,
    hash: &str,
    status: i32,
    response: &str,
) -> QueryResult<()> {
    diesel::insert_into(api_idempotency::table)
        .values((
            api_idempotency::token_id.eq(token_id),
            api_idempotency::key.eq(key),
            api_idempotency::request_hash.eq(hash),
            api_idempotency::status.eq(status),
            api_idempotency::response.eq(response),
            api_idempotency::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- settings -------------------------------------------------------------------------------

pub fn get_setting(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    // Routing reads its state here for every lead.
    crate::db::direct!(conn, |c| app_settings::table
        .find(key)
        .select(app_settings::value)
        .first(c)
        .optional())
}

pub fn put_setting(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
    let n = diesel::update(app_settings::table.find(key))
        .set((app_settings::value.eq(value), app_settings::updated_at.eq(now())))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(app_settings::table)
            .values((
                app_settings::key.eq(key),
                app_settings::value.eq(value),
                app_settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Overwrites the person's details (an agent corrected them).
pub fn update_contact(conn: &mut DbConnection, id: i64, c: &NewContact) -> QueryResult<usize> {
    diesel::update(contacts::table.find(id))
        .set((contact_fields(c), contacts::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_product(conn: &mut DbConnection, lead_id: i64, product_line: &str) -> QueryResult<usize> {
    diesel::update(leads::table.find(lead_id))
        .set((leads::product_line.eq(product_line), leads::updated_at.eq(now())))
        .execute(conn)
}

/// Open leads per status for these agents (the agent's home page).
pub fn open_counts(conn: &mut DbConnection, agent_ids: &[i64], open: &[&str]) -> QueryResult<Vec<(String, i64)>> {
    leads::table
        .filter(leads::assigned_agent_id.eq_any(agent_ids))
        .filter(leads::status.eq_any(open))
        .group_by(leads::status)
        .select((leads::status, diesel::dsl::count_star()))
        .load(conn)
}

pub fn open_task_count(conn: &mut DbConnection, user_id: i64, until: NaiveDateTime) -> QueryResult<i64> {
    lead_tasks::table
        .filter(lead_tasks::assignee_id.eq(user_id))
        .filter(lead_tasks::done_at.is_null())
        .filter(lead_tasks::due_at.lt(until))
        .count()
        .get_result(conn)
}

/// Back-dates a lead's steps (the demo data).
pub fn set_lead_times(
    conn: &mut DbConnection,
    id: i64,
    created: NaiveDateTime,
    updated: NaiveDateTime,
    steps: [Option<NaiveDateTime>; 5],
) -> QueryResult<usize> {
    diesel::update(leads::table.find(id))
        .set((
            leads::created_at.eq(created),
            leads::updated_at.eq(updated),
            leads::assigned_at.eq(steps[0]),
            leads::contacted_at.eq(steps[1]),
            leads::qualified_at.eq(steps[2]),
            leads::quoted_at.eq(steps[3]),
            leads::closed_at.eq(steps[4]),
        ))
        .execute(conn)
}

/// Why a lead waits unassigned (None once it is offered).
pub fn set_unassigned_reason(conn: &mut DbConnection, id: i64, reason: Option<&str>) -> QueryResult<()> {
    crate::db::direct!(conn, |c| diesel::update(leads::table.find(id))
        .set(leads::unassigned_reason.eq(reason))
        .execute(c))?;
    Ok(())
}
