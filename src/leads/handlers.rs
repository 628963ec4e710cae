//! Lead pages: the list (an agent's own, or all for owners and admins), the lead page with its
//! timeline, and the quick actions on them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate, TimeZone};

use super::model::{self, ConsentRow, ContactRow, EventRow, LeadRow, TaskRow};
use super::pipeline::LeadStatus;
use super::service::{self, Viewer};
use super::view::{self, AgentChoices, LeadItem, LeadQuery, MonthView, TaskItem};
use crate::auth::CurrentUser;
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{is_partial, PageCtx};
use crate::web::{non_empty, redirect_with, render, render_status, see_other, AppState};

pub const PER_PAGE: i64 = 50;

async fn viewer(state: &AppState, user: &CurrentUser) -> AppResult<Viewer> {
    let u = user.clone();
    state.db.read(move |c| Viewer::load(c, &u)).await
}

// ---- the list -------------------------------------------------------------------------------

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
    let parsed = view::parse_query(&q, user.time_zone, staff);
    let (filter, sort, after) = (parsed.filter.clone(), parsed.sort, parsed.after);
    let scope = v.scope.clone();
    let uid = user.id;
    let caches = state.caches.clone();
    let (rows, more, sources, (agents, many_agents), offers, escalated) = state
        .db
        .read(move |c| {
            let offers = match crate::agents::model::find_agent_by_user(c, uid)? {
                Some(a) if !staff => crate::routing::offers::pending_for(c, a.id)?,
                _ => Vec::new(),
            };
            let (rows, more) = model::list_leads(c, &scope, &filter, sort, after, PER_PAGE)?;
            let rows = view::items(c, rows)?;
            let (sources, agents, escalated) = if staff {
                let escalated = model::escalated(c, 10)?;
                (
                    model::distinct_sources_cached(c, &caches.leads)?,
                    model::agent_menu_cached(c, &caches.leads)?,
                    view::items(c, escalated)?,
                )
            } else {
                (Vec::new(), (Vec::new(), false), Vec::new())
            };
            Ok((rows, more, sources, agents, offers, escalated))
        })
        .await?;
    let next_url = more.then(|| view::url_with("/leads", &parsed.echo, rows.last().map(|r| r.lead.id)));
    let page = LeadsPage {
        ctx,
        staff,
        heading: if staff { "All leads" } else { "My leads" },
        filtered: !parsed.echo.iter().all(|(k, _)| *k == "sort"),
        first_url: after.map(|_| view::url_with("/leads", &parsed.echo, None)),
        export_url: view::url_with("/leads/export", &parsed.echo, None),
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
        view::describe(e)
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
    let tz = ctx.time_zone();
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    let (item, consents, events, tasks, (agents, many_agents), offers) = state
        .db
        .read(move |c| {
            let row = service::visible_lead(c, &v, id)?;
            let item = view::items(c, vec![row])?.remove(0);
            let agents = if staff {
                let (menu, many) = model::agent_menu_cached(c, &caches.leads)?;
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
    let age = item.contact.birth_date.map(|b| super::intake::age_on(b, today));
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
                Ok(view::items(c, vec![row])?.remove(0))
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
    let request = super::intake::LeadRequest {
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
    let lead = match super::intake::validate_lead(&request, "edit", now.date_naive(), now) {
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
                    Ok((view::items(c, vec![row])?.remove(0), events))
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
    let who = user.audit();
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

#[derive(Template)]
#[template(path = "leads/tasks.html")]
struct TasksPage {
    ctx: PageCtx,
    week: super::agenda::Week<TaskItem>,
    /// The month view: its first day, its weeks, and the tasks of each day.
    month: Option<MonthView>,
    notes: Vec<String>,
}

impl TasksPage {
    fn day_heading(&self, d: &NaiveDate) -> String {
        let tomorrow = self.week.today.date + chrono::Duration::days(1);
        if *d == tomorrow {
            format!("Tomorrow, {}", crate::dates::date(*d))
        } else {
            format!("{}, {}", d.format("%A"), crate::dates::date(*d))
        }
    }
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
    let today = crate::dates::local_date(now, tz);
    let week_end = view::local_midnight(tz, today + chrono::Duration::days(super::agenda::DAYS_AHEAD + 1));
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
                    Some(view::local_midnight(tz, first)),
                    view::local_midnight(tz, super::agenda::next_month(first)),
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
            .map(|t| (crate::dates::local_date(t.0.due_at, tz), t))
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

pub async fn bulk(
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
    // Only owners and admins reach this page (the route table says so).
    let v = viewer(&state, &user).await?;
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
            let who = user.audit();
            let (settings, caches) = (state.settings.clone(), state.caches.clone());
            let done = state
                .db
                .write(move |c| service::assign_many(c, &v, &who, &ids, agent_id, &settings, &caches.routing))
                .await?;
            view::bulk_assigned_message(&done)
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
