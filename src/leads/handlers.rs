//! Lead pages: the list (an agent's own, or all for owners and admins), the lead page with its
//! timeline, and the quick actions on them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::model::{self, ConsentRow, ContactRow, EventRow, LeadFilter, LeadRow, LeadSort, TaskRow};
use super::rules::LeadStatus;
use super::service::{self, Viewer};
use super::view;
use crate::agents::readiness::ProductLine;
use crate::geo;
use crate::web::context::{is_partial, CurrentUser, PageCtx};
use crate::web::errors::{AppError, AppResult, FieldErrors};
use crate::web::{non_empty, redirect_with, render, render_status, see_other, AppState};

pub const PER_PAGE: i64 = 50;

async fn viewer(state: &AppState, user: &CurrentUser) -> AppResult<Viewer> {
    let u = user.clone();
    state.db.read(move |c| Viewer::load(c, &u)).await
}

/// One row of a lead list, as shown.
#[derive(Debug, Clone)]
pub struct LeadItem {
    pub lead: LeadRow,
    pub contact: ContactRow,
    pub agent: String,
    pub next: Vec<LeadStatus>,
}

impl LeadItem {
    pub fn status_label(&self) -> &'static str {
        self.lead.status.parse::<LeadStatus>().map(|s| s.label()).unwrap_or("?")
    }

    pub fn product_label(&self) -> &'static str {
        self.lead
            .product_line
            .parse::<ProductLine>()
            .map(|p| p.label())
            .unwrap_or("Other")
    }

    pub fn is_open(&self) -> bool {
        self.lead.status.parse::<LeadStatus>().is_ok_and(LeadStatus::is_open)
    }

    pub fn callable(&self) -> bool {
        !self.contact.do_not_call && self.lead.has_consent && self.contact.phone.is_some()
    }

    /// How long ago the lead came in, for the list's Age column.
    pub fn age(&self) -> String {
        view::age_label(self.lead.created_at, crate::db::now())
    }

    /// The score's colour band in the list.
    pub fn score_band(&self) -> &'static str {
        view::score_band(self.lead.score.unwrap_or(0))
    }
}

fn items(conn: &mut crate::db::DbConnection, rows: Vec<(LeadRow, ContactRow)>) -> diesel::QueryResult<Vec<LeadItem>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|(l, _)| l.assigned_agent_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = model::agent_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(lead, contact)| {
            let agent = lead
                .assigned_agent_id
                .and_then(|a| names.iter().find(|(id, _)| *id == a).map(|(_, n)| n.clone()))
                .unwrap_or_default();
            let next = lead
                .status
                .parse::<LeadStatus>()
                .map(super::rules::next_statuses)
                .unwrap_or_default();
            LeadItem {
                lead,
                contact,
                agent,
                next,
            }
        })
        .collect())
}

// ---- the list -------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LeadQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub product: Option<String>,
    pub source: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub agent: Option<String>,
    pub near: Option<String>,
    pub radius: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
}

/// The query, checked: what is odd is dropped (and said), never an error page.
pub struct ParsedQuery {
    pub filter: LeadFilter,
    pub sort: LeadSort,
    pub after: Option<i64>,
    pub notes: Vec<String>,
    pub echo: Vec<(&'static str, String)>,
}

fn local_midnight(tz: Tz, d: NaiveDate) -> NaiveDateTime {
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight"))
}

pub fn parse_query(q: &LeadQuery, tz: Tz, staff: bool) -> ParsedQuery {
    let mut f = LeadFilter {
        q: non_empty(&q.q).map(|s| s.chars().take(100).collect()),
        ..Default::default()
    };
    let mut notes = Vec::new();
    let mut echo: Vec<(&'static str, String)> = Vec::new();
    if let Some(s) = &f.q {
        echo.push(("q", s.clone()));
    }
    if let Some(s) = non_empty(&q.status).and_then(|s| s.parse::<LeadStatus>().ok()) {
        f.status = Some(s.as_str().into());
        echo.push(("status", s.as_str().into()));
    }
    if let Some(p) = non_empty(&q.product).and_then(|p| p.parse::<ProductLine>().ok()) {
        f.product_line = Some(p.as_str().into());
        echo.push(("product", p.as_str().into()));
    }
    if let Some(s) = non_empty(&q.source) {
        f.source = Some(s.chars().take(100).collect());
        echo.push(("source", s.into()));
    }
    let date = |v: &Option<String>| non_empty(v).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if let Some(d) = date(&q.from) {
        f.created_from = Some(local_midnight(tz, d));
        echo.push(("from", d.to_string()));
    }
    if let Some(d) = date(&q.to) {
        f.created_to = Some(local_midnight(tz, d + chrono::Duration::days(1)));
        echo.push(("to", d.to_string()));
    }
    if staff {
        match non_empty(&q.agent) {
            Some("none") => {
                f.agent = Some(None);
                echo.push(("agent", "none".into()));
            }
            Some(a) => {
                if let Ok(id) = a.parse::<i64>() {
                    f.agent = Some(Some(id));
                    echo.push(("agent", id.to_string()));
                }
            }
            None => {}
        }
    }
    if let Some(zip) = non_empty(&q.near) {
        let miles = non_empty(&q.radius)
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| [10.0, 25.0, 50.0, 100.0].contains(r))
            .unwrap_or(25.0);
        match geo::lookup(zip) {
            Some(place) => {
                f.near = Some((place.lat, place.lon, miles));
                echo.push(("near", zip.chars().take(5).collect()));
                echo.push(("radius", format!("{miles}")));
            }
            None => notes.push(format!("ZIP {zip} is not one we know, so the distance filter is off.")),
        }
    }
    let sort = match non_empty(&q.sort) {
        Some("oldest") => {
            echo.push(("sort", "oldest".into()));
            LeadSort::Oldest
        }
        _ => LeadSort::Newest,
    };
    let after = non_empty(&q.after).and_then(|a| a.parse::<i64>().ok());
    ParsedQuery {
        filter: f,
        sort,
        after,
        notes,
        echo,
    }
}

fn url_with(base: &str, echo: &[(&'static str, String)], after: Option<i64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in echo {
        s.append_pair(k, v);
    }
    if let Some(a) = after {
        s.append_pair("after", &a.to_string());
    }
    let qs = s.finish();
    if qs.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{qs}")
    }
}

#[derive(Template)]
#[template(path = "leads/index.html", blocks = ["results"])]
struct LeadsPage {
    ctx: PageCtx,
    staff: bool,
    heading: &'static str,
    q: LeadQuery,
    rows: Vec<LeadItem>,
    next_url: Option<String>,
    first_url: Option<String>,
    export_url: String,
    notes: Vec<String>,
    statuses: [LeadStatus; 8],
    products: [ProductLine; 11],
    sources: Vec<String>,
    agents: Vec<(i64, String)>,
    /// More agents than a menu lists: the agent fields take an agent number instead.
    many_agents: bool,
    filtered: bool,
    radii: [&'static str; 4],
    offers: Vec<(crate::routing::offers::OfferRow, LeadRow, ContactRow)>,
    escalated: Vec<LeadItem>,
}

impl LeadsPage {
    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    fn picked(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref() == Some(option)
    }

    fn radius_is(&self, r: &str) -> bool {
        self.q.radius.as_deref().unwrap_or("25") == r
    }
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<LeadQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let v = viewer(&state, &user).await?;
    let staff = v.is_staff();
    let parsed = parse_query(&q, user.time_zone, staff);
    let (filter, sort, after) = (parsed.filter.clone(), parsed.sort, parsed.after);
    let scope = v.scope.clone();
    let uid = user.id;
    let db_key = state.settings.database_url.clone();
    let (rows, more, sources, (agents, many_agents), offers, escalated) = state
        .db
        .read(move |c| {
            let offers = match crate::agents::model::find_agent_by_user(c, uid)? {
                Some(a) if !staff => crate::routing::offers::pending_for(c, a.id)?,
                _ => Vec::new(),
            };
            let (rows, more) = model::list_leads(c, &scope, &filter, sort, after, PER_PAGE)?;
            let rows = items(c, rows)?;
            let (sources, agents, escalated) = if staff {
                let escalated = model::escalated(c, 10)?;
                (
                    model::distinct_sources_cached(c, &db_key)?,
                    model::agent_menu_cached(c, &db_key)?,
                    items(c, escalated)?,
                )
            } else {
                (Vec::new(), (Vec::new(), false), Vec::new())
            };
            Ok((rows, more, sources, agents, offers, escalated))
        })
        .await?;
    let next_url = more.then(|| url_with("/leads", &parsed.echo, rows.last().map(|r| r.lead.id)));
    let page = LeadsPage {
        ctx,
        staff,
        heading: if staff { "All leads" } else { "My leads" },
        filtered: !parsed.echo.iter().all(|(k, _)| *k == "sort"),
        first_url: after.map(|_| url_with("/leads", &parsed.echo, None)),
        export_url: url_with("/leads/export", &parsed.echo, None),
        q,
        rows,
        next_url,
        notes: parsed.notes,
        statuses: LeadStatus::ALL,
        products: ProductLine::ALL,
        sources,
        agents,
        many_agents,
        radii: ["10", "25", "50", "100"],
        offers,
        escalated,
    };
    if is_partial(&req) {
        return render(&page.as_results());
    }
    render(&page)
}

// ---- one lead -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "leads/show.html", blocks = ["timeline"])]
struct LeadPage {
    ctx: PageCtx,
    item: LeadItem,
    consents: Vec<ConsentRow>,
    events: Vec<EventRow>,
    tasks: Vec<TaskRow>,
    agents: AgentChoices,
    many_agents: bool,
    staff: bool,
    /// Only the owner may assign to an agent who cannot take the lead.
    owner: bool,
    errors: FieldErrors,
    note: String,
    age: Option<u32>,
    products: [ProductLine; 11],
    offers: Vec<crate::routing::offers::OfferRow>,
}

impl LeadPage {
    fn event_text(&self, e: &EventRow) -> String {
        describe(e)
    }

    /// The factors behind the score, as stored with the lead.
    fn factors(&self) -> Vec<(String, f64)> {
        let v: serde_json::Value = serde_json::from_str(&self.item.lead.score_factors).unwrap_or_default();
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        (
                            f["label"].as_str().unwrap_or("").to_string(),
                            f["points"].as_f64().unwrap_or(0.0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn points(&self, p: &f64) -> String {
        if self
            .item
            .lead
            .scored_by
            .as_deref()
            .is_some_and(|m| m.starts_with("logistic"))
        {
            format!("{p:+.2}")
        } else {
            format!("{p:+.0}")
        }
    }

    fn is_assigned_to(&self, agent_id: &i64) -> bool {
        self.item.lead.assigned_agent_id == Some(*agent_id)
    }

    fn is_overdue(&self, t: &TaskRow) -> bool {
        t.done_at.is_none() && t.due_at < crate::db::now()
    }
}

/// The assignment menu of a lead: the agents who may take it (routing's eligibility), then the
/// others with why not.
#[derive(Debug, Clone, Default)]
pub struct AgentChoices {
    pub eligible: Vec<(i64, String)>,
    /// `(agent, name, why not)`.
    pub ineligible: Vec<(i64, String, String)>,
}

impl AgentChoices {
    fn of(
        conn: &mut crate::db::DbConnection,
        settings: &crate::config::Settings,
        caches: &crate::routing::Caches,
        lead: &LeadRow,
        contact: &ContactRow,
        menu: Vec<(i64, String)>,
    ) -> diesel::QueryResult<AgentChoices> {
        let ids: Vec<i64> = menu.iter().map(|(id, _)| *id).collect();
        let verdicts = crate::routing::decide::hand_eligibility(conn, settings, caches, lead, contact, &ids)?;
        let mut out = AgentChoices::default();
        for ((id, name), (_, verdict)) in menu.into_iter().zip(verdicts) {
            match verdict {
                Ok(()) => out.eligible.push((id, name)),
                Err(why) => out.ineligible.push((id, name, why.why_not())),
            }
        }
        Ok(out)
    }
}

/// A history event in words.
pub fn describe(e: &EventRow) -> String {
    let v: serde_json::Value = serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null);
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    match e.kind.as_str() {
        "created" => format!(
            "Lead created from {} ({}).",
            s("source"),
            s("product_line").replace('_', " ")
        ),
        "attached" => format!(
            "The same person asked again through {}{}.",
            s("source"),
            if s("message").is_empty() {
                String::new()
            } else {
                format!(": “{}”", s("message"))
            }
        ),
        "status_changed" => format!(
            "Status changed from {} to {}.",
            s("from").replace('_', " "),
            s("to").replace('_', " ")
        ),
        "assigned" if !s("override_reason").is_empty() => format!(
            "Assigned to {} by the owner’s override, although {} Reason given: “{}”",
            s("agent"),
            lowercase_first(&s("not_eligible")),
            s("override_reason")
        ),
        "assigned" => format!("Assigned to {}.", s("agent")),
        "updated" => {
            let fields: Vec<String> = v
                .get("fields")
                .and_then(|f| f.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|x| x.replace('_', " "))
                        .collect()
                })
                .unwrap_or_default();
            format!("Details corrected: {}.", fields.join(", "))
        }
        "note_added" => format!("Note: {}", e.details),
        "task_added" => format!("Follow-up planned: {}", e.details),
        "task_done" => format!("Follow-up done: {}", e.details),
        "consent_revoked" => format!("Consent revoked ({}); do not call.", e.details),
        "exported" => "Exported to CSV.".into(),
        "offered" => {
            let chosen = v.get("chosen").and_then(|c| c.as_i64());
            let rule = v
                .get("rule")
                .and_then(|r| r.get(1))
                .and_then(|n| n.as_str())
                .unwrap_or("");
            let name = v
                .get("ranking")
                .and_then(|r| r.as_array())
                .and_then(|r| r.iter().find(|x| x.get(0).and_then(|i| i.as_i64()) == chosen))
                .and_then(|x| x.get(1))
                .and_then(|n| n.as_str())
                .unwrap_or("an agent");
            format!("Offered to {name} by the rule “{rule}”.")
        }
        "unrouted" => format!(
            "Not offered: {}",
            v.get("unassigned_reason")
                .and_then(|r| r.as_str())
                .unwrap_or("no eligible agent")
        ),
        "declined" => format!("Offer declined: {}", e.details),
        "offer_expired" => "The offer ran out of time before the agent answered.".into(),
        "escalated" => format!(
            "Escalated to the owners: {} accepted it and had not contacted it after {} hours.",
            s("agent"),
            v.get("hours").and_then(|h| h.as_u64()).unwrap_or_default()
        ),
        "rerouted" => "Taken back from its agent and routed again.".into(),
        other => format!("{other}: {}", e.details),
    }
}

/// "The agent is…" → "the agent is…", to continue a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn lead_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: FieldErrors,
    note: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let v = viewer(state, user).await?;
    let staff = v.is_staff();
    let owner = v.role == crate::auth::roles::Role::Owner;
    let db_key = state.settings.database_url.clone();
    let tz = ctx.time_zone();
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    let (item, consents, events, tasks, (agents, many_agents), offers) = state
        .db
        .read(move |c| {
            let row = service::visible_lead(c, &v, id)?;
            let item = items(c, vec![row])?.remove(0);
            let agents = if staff {
                let (menu, many) = model::agent_menu_cached(c, &db_key)?;
                (
                    AgentChoices::of(c, &settings, &caches.routing, &item.lead, &item.contact, menu)?,
                    many,
                )
            } else {
                (AgentChoices::default(), false)
            };
            Ok((
                item,
                model::consents_of(c, id)?,
                super::history::of_lead(c, id, tz)?,
                model::tasks_of(c, id)?,
                agents,
                if staff {
                    crate::routing::offers::offers_of_lead(c, id)?
                } else {
                    Vec::new()
                },
            ))
        })
        .await?;
    let today = crate::db::now().date();
    let age = item.contact.birth_date.map(|b| super::rules::age_on(b, today));
    render_status(
        status,
        &LeadPage {
            ctx,
            item,
            consents,
            events,
            tasks,
            agents,
            many_agents,
            staff,
            owner,
            errors,
            note,
            age,
            products: ProductLine::ALL,
            offers,
        },
    )
}

/// After an action on a lead: back to its page with the message, or the page again showing what
/// was wrong (422) with the note as typed.
async fn after_action(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    session: &Session,
    id: i64,
    result: AppResult<String>,
    note: String,
) -> AppResult<HttpResponse> {
    match result {
        Ok(msg) => Ok(redirect_with(session, &format!("/leads/{id}"), "success", msg)),
        Err(AppError::Validation(errors)) => {
            lead_page(ctx, state, user, id, errors, note, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    lead_page(
        ctx,
        &state,
        &user,
        path.into_inner(),
        FieldErrors::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

// ---- actions --------------------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
pub struct StatusForm {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "leads/_row.html")]
struct RowFragment {
    ctx: PageCtx,
    r: LeadItem,
    staff: bool,
}

pub async fn change_status(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let to = form
        .status
        .as_deref()
        .unwrap_or_default()
        .parse::<LeadStatus>()
        .map_err(|m| AppError::field("status", &m))?;
    let v = viewer(&state, &user).await?;
    let staff = v.is_staff();
    let result = state.db.write(move |c| service::change_status(c, &v, id, to)).await;
    state.jobs_wakeup.notify_one();
    if is_partial(&req) {
        // From the list: answer with the row, updated (or an error the script shows).
        let msg = result?;
        let v = viewer(&state, &user).await?;
        let item = state
            .db
            .read(move |c| {
                let row = service::visible_lead(c, &v, id)?;
                Ok(items(c, vec![row])?.remove(0))
            })
            .await?;
        crate::web::context::flash(&session, "success", msg);
        return render(&RowFragment { ctx, r: item, staff });
    }
    after_action(ctx, &state, &user, &session, id, result, String::new()).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailsForm {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    birth_date: Option<String>,
    zip: Option<String>,
    product_line: Option<String>,
}

pub async fn update_details(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DetailsForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let f = form.into_inner();
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let request = super::rules::LeadRequest {
        first_name: f.first_name,
        last_name: f.last_name,
        email: blank(f.email),
        phone: blank(f.phone),
        birth_date: blank(f.birth_date),
        zip: blank(f.zip),
        product_line: f.product_line,
        ..Default::default()
    };
    let now = chrono::Utc::now();
    let lead = match super::rules::validate_lead(&request, "edit", now.date_naive(), now) {
        Ok(l) => l,
        Err(fields) => {
            return lead_page(
                ctx,
                &state,
                &user,
                id,
                FieldErrors(fields),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let v = viewer(&state, &user).await?;
    let changed = state
        .db
        .write(move |c| service::update_details(c, &v, id, &lead))
        .await?;
    state.jobs_wakeup.notify_one();
    let msg = if changed.is_empty() {
        "Nothing changed.".to_string()
    } else {
        format!("Saved: {}.", changed.join(", ").replace('_', " "))
    };
    Ok(redirect_with(&session, &format!("/leads/{id}"), "success", msg))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NoteForm {
    body: Option<String>,
}

pub async fn add_note(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<NoteForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let body = form.body.clone().unwrap_or_default();
    let v = viewer(&state, &user).await?;
    let b = body.clone();
    match state.db.write(move |c| service::add_note(c, &v, id, &b)).await {
        Ok(()) if is_partial(&req) => {
            // The timeline, with the note on top, replaces itself in place.
            let v = viewer(&state, &user).await?;
            let staff = v.is_staff();
            let tz = ctx.time_zone();
            let (item, events) = state
                .db
                .read(move |c| {
                    let row = service::visible_lead(c, &v, id)?;
                    let events = super::history::of_lead(c, id, tz)?;
                    Ok((items(c, vec![row])?.remove(0), events))
                })
                .await?;
            let page = LeadPage {
                ctx,
                item,
                consents: Vec::new(),
                events,
                tasks: Vec::new(),
                agents: AgentChoices::default(),
                many_agents: false,
                staff,
                owner: false,
                errors: FieldErrors::new(),
                note: String::new(),
                age: None,
                products: ProductLine::ALL,
                offers: Vec::new(),
            };
            let out = render(&page.as_timeline());
            out
        }
        Ok(()) => Ok(redirect_with(
            &session,
            &format!("/leads/{id}"),
            "success",
            "The note is added.",
        )),
        Err(AppError::Validation(errors)) => {
            lead_page(ctx, &state, &user, id, errors, body, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TaskForm {
    title: Option<String>,
    due: Option<String>,
}

pub async fn add_task(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TaskForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let title = form.title.clone().unwrap_or_default();
    // The due time is typed in the agent's zone and kept in UTC.
    let due = non_empty(&form.due)
        .and_then(|d| chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M").ok())
        .and_then(|local| user.time_zone.from_local_datetime(&local).earliest())
        .map(|t| t.naive_utc());
    let Some(due) = due else {
        let mut errors = FieldErrors::new();
        errors.add("due", "Choose the day and time of the follow-up.");
        return lead_page(
            ctx,
            &state,
            &user,
            id,
            errors,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let v = viewer(&state, &user).await?;
    let result = state.db.write(move |c| service::add_task(c, &v, id, &title, due)).await;
    after_action(
        ctx,
        &state,
        &user,
        &session,
        id,
        result.map(|_| "The follow-up is planned.".to_string()),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct BackForm {
    back: Option<String>,
}

pub async fn complete_task(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BackForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let v = viewer(&state, &user).await?;
    let lead_id = state.db.write(move |c| service::complete_task(c, &v, id)).await?;
    let back = if form.back.as_deref() == Some("tasks") {
        "/tasks".to_string()
    } else {
        format!("/leads/{lead_id}")
    };
    Ok(redirect_with(&session, &back, "success", "The follow-up is done."))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct AssignForm {
    agent_id: Option<String>,
    /// "Assign anyway": the owner overrides routing's eligibility, with a reason.
    #[serde(rename = "override")]
    override_: Option<String>,
    override_reason: Option<String>,
}

pub async fn assign(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let agent = match non_empty(&form.agent_id) {
        None => None,
        Some(a) => Some(
            a.parse::<i64>()
                .map_err(|_| AppError::field("agent_id", "Choose an agent from the list."))?,
        ),
    };
    let override_reason = form
        .override_
        .is_some()
        .then(|| form.override_reason.clone().unwrap_or_default());
    let v = viewer(&state, &user).await?;
    let who = crate::audit::AuditActor::user(&user, &req);
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    let result = state
        .db
        .write(move |c| {
            service::assign(
                c,
                &v,
                &who,
                id,
                agent,
                override_reason.as_deref(),
                &settings,
                &caches.routing,
            )
        })
        .await;
    state.jobs_wakeup.notify_one();
    after_action(ctx, &state, &user, &session, id, result, String::new()).await
}

/// One click from an escalation: the lead goes to the next eligible agent.
pub async fn reroute(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let v = viewer(&state, &user).await?;
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    match state
        .db
        .write(move |c| service::reroute(c, &v, id, &settings, &caches.routing))
        .await
    {
        Ok(msg) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(&session, &format!("/leads/{id}"), "success", msg))
        }
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, &format!("/leads/{id}"), "error", msg)),
        Err(e) => Err(e),
    }
}

pub async fn revoke_consent(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let v = viewer(&state, &user).await?;
    let msg = state.db.write(move |c| service::revoke_consent(c, &v, id)).await?;
    state.jobs_wakeup.notify_one();
    Ok(redirect_with(&session, &format!("/leads/{id}"), "success", msg))
}

// ---- tasks ----------------------------------------------------------------------------------

type TaskItem = (TaskRow, LeadRow, ContactRow);

#[derive(Template)]
#[template(path = "leads/tasks.html")]
struct TasksPage {
    ctx: PageCtx,
    week: super::agenda::Week<TaskItem>,
    /// The month view: its first day, its weeks, and the tasks of each day.
    month: Option<MonthView>,
    notes: Vec<String>,
}

struct MonthView {
    first: NaiveDate,
    weeks: Vec<[Option<NaiveDate>; 7]>,
    tasks: Vec<(NaiveDate, TaskItem)>,
    today: NaiveDate,
}

impl MonthView {
    fn title(&self) -> String {
        self.first.format("%B %Y").to_string()
    }
    fn link(d: NaiveDate) -> String {
        format!("/tasks?view=calendar&month={}", d.format("%Y-%m"))
    }
    fn previous(&self) -> String {
        Self::link(super::agenda::previous_month(self.first))
    }
    fn next(&self) -> String {
        Self::link(super::agenda::next_month(self.first))
    }
    fn on(&self, d: &NaiveDate) -> Vec<&TaskItem> {
        self.tasks.iter().filter(|(day, _)| day == d).map(|(_, t)| t).collect()
    }
    fn day_label(d: &NaiveDate) -> String {
        crate::web::dates::date(*d)
    }
}

impl TasksPage {
    fn day_heading(&self, d: &NaiveDate) -> String {
        let tomorrow = self.week.today.date + chrono::Duration::days(1);
        if *d == tomorrow {
            format!("Tomorrow, {}", crate::web::dates::date(*d))
        } else {
            format!("{}, {}", d.format("%A"), crate::web::dates::date(*d))
        }
    }
}

/// The end of the viewer's day in UTC: follow-ups due before it are "due" on the tasks page and
/// in the home page's count, which both use it so they cannot disagree.
pub fn end_of_local_day(tz: Tz) -> NaiveDateTime {
    let local_today = chrono::Utc::now().with_timezone(&tz).date_naive();
    local_midnight(tz, local_today + chrono::Duration::days(1))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TasksQuery {
    view: Option<String>,
    month: Option<String>,
}

/// The viewer's follow-ups: overdue, today and the coming week; or a month calendar.
pub async fn tasks(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<TasksQuery>,
) -> AppResult<HttpResponse> {
    let tz = user.time_zone;
    let uid = user.id;
    let now = crate::db::now();
    let today = crate::web::dates::local_date(now, tz);
    let week_end = local_midnight(tz, today + chrono::Duration::days(super::agenda::DAYS_AHEAD + 1));
    let mut notes = Vec::new();
    let month = if q.view.as_deref() == Some("calendar") {
        let first = match q.month.as_deref().filter(|m| !m.is_empty()) {
            None => today.with_day(1),
            Some(raw) => super::agenda::parse_month(raw).or_else(|| {
                notes.push(format!("“{raw}” is not a month like 2026-12; showing this month."));
                today.with_day(1)
            }),
        }
        .expect("a first of the month");
        Some(first)
    } else {
        None
    };
    let (all, in_month) = state
        .db
        .read(move |c| {
            let all = model::tasks_between(c, uid, None, week_end)?;
            let in_month = match month {
                Some(first) => Some(model::tasks_between(
                    c,
                    uid,
                    Some(local_midnight(tz, first)),
                    local_midnight(tz, super::agenda::next_month(first)),
                )?),
                None => None,
            };
            Ok((all, in_month))
        })
        .await?;
    let week = super::agenda::week(all, |(t, _, _)| t.due_at, now, tz);
    let month = month.zip(in_month).map(|(first, tasks)| MonthView {
        first,
        weeks: super::agenda::month_grid(first),
        tasks: tasks
            .into_iter()
            .map(|t| (crate::web::dates::local_date(t.0.due_at, tz), t))
            .collect(),
        today,
    });
    render(&TasksPage {
        ctx,
        week,
        month,
        notes,
    })
}

// ---- bulk actions (owners and admins) --------------------------------------------------------

/// "3 lead(s) assigned. 2 skipped: …", naming at most [`SKIPPED_NAMED`] skipped leads.
fn bulk_assigned_message(done: &service::BulkAssigned) -> String {
    let mut msg = format!("{} lead(s) assigned.", done.assigned);
    if !done.skipped.is_empty() {
        let named: Vec<String> = done
            .skipped
            .iter()
            .take(SKIPPED_NAMED)
            .map(|(lead, why)| format!("{lead} ({why})"))
            .collect();
        msg.push_str(&format!(
            " {} skipped because the agent cannot take them: {}",
            done.skipped.len(),
            named.join("; ")
        ));
        if done.skipped.len() > SKIPPED_NAMED {
            msg.push_str(&format!("; and {} more", done.skipped.len() - SKIPPED_NAMED));
        }
        msg.push_str(". Assign those one by one from each lead's page.");
    }
    msg
}

/// Skipped leads a bulk assignment names in its message; the rest are counted.
const SKIPPED_NAMED: usize = 10;

pub async fn bulk(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let mut ids: Vec<i64> = Vec::new();
    let (mut action, mut agent, mut status) = (String::new(), String::new(), String::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "lead_id" => {
                if let Ok(id) = v.parse() {
                    ids.push(id);
                }
            }
            "action" => action = v.into_owned(),
            "agent_id" => agent = v.into_owned(),
            "status" => status = v.into_owned(),
            _ => {}
        }
    }
    if ids.is_empty() {
        return Ok(redirect_with(
            &session,
            "/leads",
            "error",
            "Tick the leads to act on first.",
        ));
    }
    if ids.len() > 500 {
        return Err(AppError::field("lead_id", "Act on at most 500 leads at a time."));
    }
    let v = viewer(&state, &user).await?;
    if !v.is_staff() {
        return Err(AppError::Forbidden);
    }
    let msg = match action.as_str() {
        "assign" => {
            let agent_id = if agent.trim().is_empty() {
                return Err(AppError::field("agent_id", "Choose an agent, or Nobody to unassign."));
            } else if agent.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                Some(
                    agent
                        .parse::<i64>()
                        .map_err(|_| AppError::field("agent_id", "Choose an agent."))?,
                )
            };
            let who = crate::audit::AuditActor::user(&user, &req);
            let (settings, caches) = (state.settings.clone(), state.caches.clone());
            let done = state
                .db
                .write(move |c| service::assign_many(c, &v, &who, &ids, agent_id, &settings, &caches.routing))
                .await?;
            bulk_assigned_message(&done)
        }
        "status" => {
            let to = status
                .parse::<LeadStatus>()
                .map_err(|m| AppError::field("status", &m))?;
            let (changed, refused) = state
                .db
                .write(move |c| {
                    let (mut ok, mut no) = (0, 0);
                    for id in &ids {
                        match service::change_status(c, &v, *id, to) {
                            Ok(_) => ok += 1,
                            Err(AppError::Validation(_)) => no += 1,
                            Err(e) => return Err(e),
                        }
                    }
                    Ok((ok, no))
                })
                .await?;
            if refused > 0 {
                format!(
                    "{changed} lead(s) changed to {}; {refused} could not move there from their status.",
                    to.label().to_lowercase()
                )
            } else {
                format!("{changed} lead(s) changed to {}.", to.label().to_lowercase())
            }
        }
        "export" => {
            let q: Vec<String> = ids.iter().map(|i| format!("id={i}")).collect();
            return Ok(see_other(&format!("/leads/export?{}", q.join("&"))));
        }
        _ => return Err(AppError::field("action", "Choose what to do with the ticked leads.")),
    };
    state.jobs_wakeup.notify_one();
    Ok(redirect_with(&session, "/leads", "success", msg))
}
