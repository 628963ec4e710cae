//! The owner's and admins' commission pages (item 9): the overview, schedules, CMS limits and
//! rules, levels and the hierarchy, holds, and a run on demand. Thin: parse, call the service,
//! render or redirect.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, Months};

use super::allocate;
use super::engine::{self, Schedule};
use super::model::{self, HoldRow, LevelRow, LimitRow, MonthTotal, RuleRow, RunRow};
use super::service::{self, LimitInput, PlacementInput, ScheduleInput};
use crate::auth::roles::{Role, STAFF};
use crate::auth::CurrentUser;
use crate::db::now;
use crate::domain::commission::{CmsProduct, EntryKind, PayMode, RateBasis};
use crate::domain::money::format_cents;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{form_status, redirect_with, render, render_status, AppState};

/// The owner alone: CMS limits, rules, levels, uplines, releasing holds.
pub const OWNER: &[Role] = &[Role::Owner];

pub fn routes(r: &mut Routes) {
    r.get("/admin/commissions", Access::Roles(STAFF), overview)
        .post("/admin/commissions/runs", Access::Roles(STAFF), run_now)
        .get("/admin/commissions/schedules", Access::Roles(STAFF), schedules)
        .post("/admin/commissions/schedules", Access::Roles(STAFF), create_schedule)
        .get("/admin/commissions/schedules/{id}", Access::Roles(STAFF), schedule)
        .get("/admin/commissions/limits", Access::Roles(STAFF), limits)
        .post("/admin/commissions/limits", Access::Roles(OWNER), add_limit)
        .post("/admin/commissions/limits/{id}", Access::Roles(OWNER), update_limit)
        .post("/admin/commissions/rules", Access::Roles(OWNER), update_rule)
        .get("/admin/commissions/hierarchy", Access::Roles(STAFF), hierarchy)
        .post("/admin/commissions/levels", Access::Roles(OWNER), add_level)
        .post(
            "/admin/commissions/levels/{id}/shares",
            Access::Roles(OWNER),
            level_share,
        )
        .post("/admin/commissions/placements", Access::Roles(OWNER), place)
        .get("/admin/commissions/holds", Access::Roles(STAFF), holds)
        .post("/admin/commissions/holds/{id}/release", Access::Roles(OWNER), release);
}

fn money(c: i64) -> String {
    format_cents(c)
}

// ---- overview -------------------------------------------------------------------------------

/// One month and carrier of the overview.
pub struct MonthRow {
    pub period: chrono::NaiveDate,
    pub carrier: String,
    pub expected: i64,
    pub received: i64,
    pub chargebacks: i64,
    pub adjustments: i64,
}

impl MonthRow {
    /// What is still owed by the carrier: expected net of chargebacks and adjustments, less
    /// what was received.
    pub fn outstanding(&self) -> i64 {
        self.expected + self.chargebacks + self.adjustments - self.received
    }
}

/// Folds the totals per month, carrier and kind into one row per month and carrier.
pub fn month_rows(totals: &[MonthTotal]) -> Vec<MonthRow> {
    let mut rows: Vec<MonthRow> = Vec::new();
    for t in totals {
        let at = match rows.iter().position(|r| r.period == t.period && r.carrier == t.carrier) {
            Some(i) => i,
            None => {
                rows.push(MonthRow {
                    period: t.period,
                    carrier: t.carrier.clone(),
                    expected: 0,
                    received: 0,
                    chargebacks: 0,
                    adjustments: 0,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        match t.kind.parse::<EntryKind>() {
            Ok(EntryKind::Expected) => row.expected += t.cents,
            Ok(EntryKind::Received) => row.received += t.cents,
            Ok(EntryKind::Chargeback) => row.chargebacks += t.cents,
            Ok(EntryKind::Adjustment) => row.adjustments += t.cents,
            _ => {}
        }
    }
    rows
}

#[derive(Template)]
#[template(path = "commissions/overview.html")]
struct OverviewPage {
    ctx: PageCtx,
    rows: Vec<MonthRow>,
    sum: MonthRow,
    runs: Vec<RunRow>,
    open_holds: usize,
    this_month: String,
    errors: FieldErrors,
}

impl OverviewPage {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        money(*c.borrow())
    }
    fn month(&self, d: &chrono::NaiveDate) -> String {
        d.format("%B %Y").to_string()
    }
}

async fn overview_page(ctx: PageCtx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let since = engine::month_of(now().date())
        .checked_sub_months(Months::new(11))
        .unwrap_or(now().date());
    let (totals, runs, open_holds) = state
        .db
        .read(move |c| {
            Ok((
                model::month_totals(c, since)?,
                model::recent_runs(c, 10)?,
                model::open_hold_count(c)? as usize,
            ))
        })
        .await?;
    let today = now().date();
    let rows = month_rows(&totals);
    let sum = MonthRow {
        period: today,
        carrier: String::new(),
        expected: rows.iter().map(|r| r.expected).sum(),
        received: rows.iter().map(|r| r.received).sum(),
        chargebacks: rows.iter().map(|r| r.chargebacks).sum(),
        adjustments: rows.iter().map(|r| r.adjustments).sum(),
    };
    render_status(
        form_status(&errors),
        &OverviewPage {
            ctx,
            rows,
            sum,
            runs,
            open_holds,
            this_month: format!("{:04}-{:02}", today.year(), today.month()),
            errors,
        },
    )
}

pub async fn overview(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    overview_page(ctx, &state, FieldErrors::new()).await
}

#[derive(serde::Deserialize)]
pub struct MonthForm {
    #[serde(default)]
    month: String,
}

pub async fn run_now(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<MonthForm>,
) -> AppResult<HttpResponse> {
    let (actor, who, month) = (user.actor(), user.audit(), form.into_inner().month);
    match state
        .db
        .write(move |c| service::request_run(c, actor, &who, &month))
        .await
    {
        Ok(_) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(
                &session,
                "/admin/commissions",
                "success",
                "The computation is queued; the figures update when it has run.",
            ))
        }
        Err(AppError::Validation(errors)) => overview_page(ctx, &state, errors).await,
        Err(e) => Err(e),
    }
}

// ---- schedules ------------------------------------------------------------------------------

/// A schedule version as the list shows it.
pub struct ScheduleView {
    pub s: Schedule,
    pub product: String,
    /// A newer version of the same carrier, product, state and age band exists.
    pub superseded: bool,
}

impl ScheduleView {
    pub fn rate(&self, r: i64) -> String {
        match self.s.row.basis {
            RateBasis::Percent => allocate::percent(r),
            RateBasis::Flat => format!("{} a policy", money(r)),
            RateBasis::PerLife => format!("{} a life", money(r)),
        }
    }
    pub fn first_year(&self) -> String {
        self.rate(self.s.row.first_year_rate)
    }
    pub fn renewals(&self) -> String {
        if self.s.rate.renewal.is_empty() {
            return "none".into();
        }
        self.s
            .rate
            .renewal
            .iter()
            .map(|b| format!("year {}+: {}", b.from_year, self.rate(b.rate)))
            .collect::<Vec<_>>()
            .join("; ")
    }
    pub fn paid(&self) -> String {
        match self.s.row.pay_mode {
            PayMode::AsEarned => "As earned".into(),
            PayMode::Advance => format!("{} months advanced", self.s.row.advance_months),
        }
    }
    pub fn applies(&self) -> String {
        let r = &self.s.row;
        let mut parts = Vec::new();
        parts.push(r.state.clone().unwrap_or_else(|| "every state".into()));
        match (r.min_age, r.max_age) {
            (Some(a), Some(b)) => parts.push(format!("ages {a}–{b}")),
            (Some(a), None) => parts.push(format!("ages {a}+")),
            (None, Some(b)) => parts.push(format!("ages up to {b}")),
            (None, None) => {}
        }
        parts.join(", ")
    }
    pub fn range(&self) -> String {
        match self.s.row.effective_to {
            Some(t) => format!("{} to {t}", self.s.row.effective_from),
            None => format!("from {}", self.s.row.effective_from),
        }
    }
}

fn schedule_views(rows: Vec<model::ScheduleRow>, products: &[(i64, String, String)]) -> Vec<ScheduleView> {
    let names: HashMap<i64, String> = products.iter().map(|(id, c, p)| (*id, format!("{c} — {p}"))).collect();
    let all: Vec<Schedule> = rows.into_iter().map(Schedule::of).collect();
    let mut out: Vec<ScheduleView> = all
        .iter()
        .map(|s| ScheduleView {
            superseded: all.iter().any(|o| {
                o.row.id != s.row.id
                    && o.row.product_id == s.row.product_id
                    && o.row.state == s.row.state
                    && o.row.min_age == s.row.min_age
                    && o.row.max_age == s.row.max_age
                    && (o.row.effective_from, o.row.id) > (s.row.effective_from, s.row.id)
            }),
            product: names.get(&s.row.product_id).cloned().unwrap_or_default(),
            s: s.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.product.cmp(&b.product).then(b.s.row.id.cmp(&a.s.row.id)));
    out
}

#[derive(Template)]
#[template(path = "commissions/schedules.html")]
struct SchedulesPage {
    ctx: PageCtx,
    schedules: Vec<ScheduleView>,
    products: Vec<(i64, String, String)>,
    form: ScheduleInput,
    errors: FieldErrors,
    bases: &'static [RateBasis],
    modes: &'static [PayMode],
}

impl SchedulesPage {
    fn chosen(&self, id: &i64) -> bool {
        self.form.product_id == Some(*id)
    }
}

async fn schedules_page(
    ctx: PageCtx,
    state: &AppState,
    form: ScheduleInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (rows, products) = state
        .db
        .read(|c| Ok((model::schedules(c)?, model::product_choices(c)?)))
        .await?;
    let schedules = schedule_views(rows, &products);
    render_status(
        form_status(&errors),
        &SchedulesPage {
            ctx,
            schedules,
            products,
            form,
            errors,
            bases: RateBasis::ALL,
            modes: PayMode::ALL,
        },
    )
}

pub async fn schedules(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let form = ScheduleInput {
        effective_from: now().date().to_string(),
        basis: RateBasis::Percent.as_str().into(),
        pay_mode: PayMode::AsEarned.as_str().into(),
        ..Default::default()
    };
    schedules_page(ctx, &state, form, FieldErrors::new()).await
}

pub async fn create_schedule(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ScheduleInput>,
) -> AppResult<HttpResponse> {
    let input = form.into_inner();
    let (actor, who, i) = (user.actor(), user.audit(), input.clone());
    match state.db.write(move |c| service::create_schedule(c, actor, &who, &i)).await {
        Ok(id) => Ok(redirect_with(
            &session,
            &format!("/admin/commissions/schedules/{id}"),
            "success",
            "The schedule is saved. It applies to policies effective from its date; what was already computed stays as it was.",
        )),
        Err(AppError::Validation(errors)) => schedules_page(ctx, &state, input, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "commissions/schedule.html")]
struct SchedulePage {
    ctx: PageCtx,
    view: ScheduleView,
    versions: Vec<ScheduleView>,
    form: ScheduleInput,
    bases: &'static [RateBasis],
    modes: &'static [PayMode],
}

pub async fn schedule(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (rows, products) = state
        .db
        .read(|c| Ok((model::schedules(c)?, model::product_choices(c)?)))
        .await?;
    let mut views = schedule_views(rows, &products);
    let Some(at) = views.iter().position(|v| v.s.row.id == id) else {
        return Err(AppError::NotFound);
    };
    let view = views.remove(at);
    let versions: Vec<ScheduleView> = views
        .into_iter()
        .filter(|v| v.s.row.product_id == view.s.row.product_id)
        .collect();
    let r = &view.s.row;
    let value = |x: i64| match r.basis {
        RateBasis::Percent => {
            let p = allocate::percent(x);
            p.trim_end_matches(" %").to_string()
        }
        _ => crate::domain::money::decimal_cents(x),
    };
    let form = ScheduleInput {
        product_id: Some(r.product_id),
        state: r.state.clone().unwrap_or_default(),
        min_age: r.min_age.map(|a| a.to_string()).unwrap_or_default(),
        max_age: r.max_age.map(|a| a.to_string()).unwrap_or_default(),
        effective_from: now().date().to_string(),
        effective_to: String::new(),
        basis: r.basis.as_str().into(),
        first_year: value(r.first_year_rate),
        renewal: view
            .s
            .rate
            .renewal
            .iter()
            .map(|b| format!("{}: {}", b.from_year, value(b.rate)))
            .collect::<Vec<_>>()
            .join(", "),
        pay_mode: r.pay_mode.as_str().into(),
        advance_months: r.advance_months.to_string(),
        replaces_id: Some(r.id),
        note: String::new(),
    };
    render(&SchedulePage {
        ctx,
        view,
        versions,
        form,
        bases: RateBasis::ALL,
        modes: PayMode::ALL,
    })
}

// ---- CMS limits and rules -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commissions/limits.html")]
struct LimitsPage {
    ctx: PageCtx,
    limits: Vec<LimitRow>,
    rules: Vec<RuleRow>,
    owner: bool,
    /// The row the errors are about (`None`: the new row's form).
    editing: Option<i64>,
    form: LimitInput,
    errors: FieldErrors,
    products: &'static [CmsProduct],
}

impl LimitsPage {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        money(*c.borrow())
    }
    fn money_opt(&self, c: &Option<i64>) -> String {
        c.map(money).unwrap_or_else(|| "—".into())
    }
    fn decimal(&self, c: &i64) -> String {
        crate::domain::money::decimal_cents(*c)
    }
    fn decimal_opt(&self, c: &Option<i64>) -> String {
        c.map(crate::domain::money::decimal_cents).unwrap_or_default()
    }
    fn is_editing(&self, id: &i64) -> bool {
        self.editing == Some(*id) && !self.errors.is_empty()
    }
    fn range(&self, key: &str) -> String {
        super::rules::NUMBERS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, lo, hi)| format!("{lo} to {hi}"))
            .unwrap_or_default()
    }
}

async fn limits_page(
    ctx: PageCtx,
    state: &AppState,
    editing: Option<i64>,
    form: LimitInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let owner = ctx.user.as_ref().is_some_and(|u| u.role == Role::Owner);
    let (limits, rules) = state.db.read(|c| Ok((model::limits(c)?, model::rule_rows(c)?))).await?;
    render_status(
        form_status(&errors),
        &LimitsPage {
            ctx,
            limits,
            rules,
            owner,
            editing,
            form,
            errors,
            products: CmsProduct::ALL,
        },
    )
}

pub async fn limits(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let form = LimitInput {
        year: (now().date().year() + 1).to_string(),
        region: super::cms::NATIONAL.into(),
        ..Default::default()
    };
    limits_page(ctx, &state, None, form, FieldErrors::new()).await
}

async fn save_limit(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    id: Option<i64>,
    input: LimitInput,
) -> AppResult<HttpResponse> {
    let (actor, who, i) = (user.actor(), user.audit(), input.clone());
    match state
        .db
        .write(move |c| service::save_limit(c, actor, &who, id, &i))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            "/admin/commissions/limits",
            "success",
            "The limit is saved. Commissions computed from now on follow it.",
        )),
        Err(AppError::Validation(errors)) => limits_page(ctx, &state, id, input, errors).await,
        Err(e) => Err(e),
    }
}

pub async fn add_limit(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LimitInput>,
) -> AppResult<HttpResponse> {
    save_limit(ctx, user, session, state, None, form.into_inner()).await
}

pub async fn update_limit(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<LimitInput>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let exists = state.db.read(move |c| Ok(model::find_limit(c, id).is_ok())).await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    save_limit(ctx, user, session, state, Some(id), form.into_inner()).await
}

#[derive(serde::Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
}

pub async fn update_rule(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<RuleForm>,
) -> AppResult<HttpResponse> {
    let RuleForm { key, value } = form.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::set_rule(c, actor, &who, &key, &value))
        .await
    {
        Ok(()) => Ok(redirect_with(
            &session,
            "/admin/commissions/limits#rules",
            "success",
            "The rule is saved.",
        )),
        Err(AppError::Validation(errors)) => limits_page(ctx, &state, Some(-1), LimitInput::default(), errors).await,
        Err(e) => Err(e),
    }
}

// ---- levels and the hierarchy ---------------------------------------------------------------

/// A level with its share today and its history.
pub struct LevelView {
    pub level: LevelRow,
    pub share: String,
    pub history: Vec<(chrono::NaiveDate, String)>,
}

/// An agent's place in the hierarchy today.
pub struct PlacementView {
    pub agent_id: i64,
    pub agent: String,
    pub level: String,
    pub upline: String,
    pub since: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "commissions/hierarchy.html")]
struct HierarchyPage {
    ctx: PageCtx,
    levels: Vec<LevelView>,
    placements: Vec<PlacementView>,
    agents: Vec<(i64, String)>,
    q: String,
    owner: bool,
    errors: FieldErrors,
    form: PlacementInput,
}

impl HierarchyPage {
    fn chosen_level(&self, id: &i64) -> bool {
        self.form.level_id == Some(*id)
    }
    fn chosen_agent(&self, id: &i64) -> bool {
        self.form.agent_id == Some(*id)
    }
    fn chosen_upline(&self, id: &i64) -> bool {
        self.form.upline_agent_id == Some(*id)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct AgentQuery {
    #[serde(default)]
    q: String,
}

async fn hierarchy_page(
    ctx: PageCtx,
    state: &AppState,
    q: String,
    form: PlacementInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let owner = ctx.user.as_ref().is_some_and(|u| u.role == Role::Owner);
    let qq = q.clone();
    let (levels, rates, rows, agents) = state
        .db
        .read(move |c| {
            Ok((
                model::levels(c)?,
                model::level_rates(c)?,
                model::hierarchy(c)?,
                model::agent_choices(c, &qq, 200)?,
            ))
        })
        .await?;
    let today = now().date();
    let level_views: Vec<LevelView> = levels
        .into_iter()
        .map(|l| {
            let mine: Vec<_> = rates.iter().filter(|r| r.level_id == l.id).collect();
            let share = mine
                .iter()
                .rev()
                .find(|r| r.effective_from <= today)
                .or(mine.first())
                .map(|r| allocate::percent(r.share_bps as i64))
                .unwrap_or_default();
            LevelView {
                history: mine
                    .iter()
                    .map(|r| (r.effective_from, allocate::percent(r.share_bps as i64)))
                    .collect(),
                share,
                level: l,
            }
        })
        .collect();
    // Each agent's latest placement in force today (or the next one, when it starts later).
    let mut latest: HashMap<i64, &model::HierarchyRow> = HashMap::new();
    for h in &rows {
        let keep = match latest.get(&h.agent_id) {
            None => true,
            Some(cur) => h.effective_from <= today || cur.effective_from > today,
        };
        if keep {
            latest.insert(h.agent_id, h);
        }
    }
    let mut ids: Vec<i64> = latest.keys().copied().collect();
    ids.extend(latest.values().filter_map(|h| h.upline_agent_id));
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = state
        .db
        .read(move |c| Ok(model::agent_names(c, &ids)?))
        .await?
        .into_iter()
        .collect();
    let level_names: HashMap<i64, String> = level_views.iter().map(|l| (l.level.id, l.level.name.clone())).collect();
    let mut placements: Vec<PlacementView> = latest
        .values()
        .map(|h| PlacementView {
            agent_id: h.agent_id,
            agent: names.get(&h.agent_id).cloned().unwrap_or_default(),
            level: level_names.get(&h.level_id).cloned().unwrap_or_default(),
            upline: h
                .upline_agent_id
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "The agency".into()),
            since: h.effective_from,
        })
        .collect();
    placements.sort_by(|a, b| a.agent.cmp(&b.agent));
    render_status(
        form_status(&errors),
        &HierarchyPage {
            ctx,
            levels: level_views,
            placements,
            agents,
            q,
            owner,
            errors,
            form,
        },
    )
}

pub async fn hierarchy(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<AgentQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner().q.chars().take(100).collect();
    let form = PlacementInput {
        effective_from: now().date().to_string(),
        ..Default::default()
    };
    hierarchy_page(ctx, &state, q, form, FieldErrors::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LevelForm {
    name: String,
    share: String,
    effective_from: String,
}

pub async fn add_level(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LevelForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::create_level(c, actor, &who, &f.name, &f.share, &f.effective_from))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            "/admin/commissions/hierarchy",
            "success",
            "The level is added.",
        )),
        Err(AppError::Validation(errors)) => {
            hierarchy_page(ctx, &state, String::new(), PlacementInput::default(), errors).await
        }
        Err(e) => Err(e),
    }
}

pub async fn level_share(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<LevelForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::set_level_share(c, actor, &who, id, &f.share, &f.effective_from))
        .await
    {
        Ok(()) => Ok(redirect_with(
            &session,
            "/admin/commissions/hierarchy",
            "success",
            "The level's new share is saved from its date; its history is kept.",
        )),
        Err(AppError::Validation(errors)) => {
            hierarchy_page(ctx, &state, String::new(), PlacementInput::default(), errors).await
        }
        Err(e) => Err(e),
    }
}

/// The placement form as posted (the upline's "agency" choice is an empty value).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PlacementForm {
    agent_id: String,
    level_id: String,
    upline_agent_id: String,
    effective_from: String,
    note: String,
}

pub async fn place(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PlacementForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let input = PlacementInput {
        agent_id: f.agent_id.trim().parse().ok(),
        level_id: f.level_id.trim().parse().ok(),
        upline_agent_id: f.upline_agent_id.trim().parse().ok(),
        effective_from: f.effective_from,
        note: f.note,
    };
    let (actor, who, i) = (user.actor(), user.audit(), input.clone());
    match state.db.write(move |c| service::place_agent(c, actor, &who, &i)).await {
        Ok(_) => Ok(redirect_with(
            &session,
            "/admin/commissions/hierarchy",
            "success",
            "The agent's level and upline are saved from their date; the earlier placement is kept.",
        )),
        Err(AppError::Validation(errors)) => hierarchy_page(ctx, &state, String::new(), input, errors).await,
        Err(e) => Err(e),
    }
}

// ---- holds ----------------------------------------------------------------------------------

/// A hold as the list shows it.
pub struct HoldView {
    pub hold: HoldRow,
    pub agent: String,
    pub policy: String,
}

#[derive(Template)]
#[template(path = "commissions/holds.html")]
struct HoldsPage {
    ctx: PageCtx,
    holds: Vec<HoldView>,
    owner: bool,
    errors: FieldErrors,
}

async fn holds_page(ctx: PageCtx, state: &AppState, errors: FieldErrors) -> AppResult<HttpResponse> {
    let owner = ctx.user.as_ref().is_some_and(|u| u.role == Role::Owner);
    let (rows, agents, policies) = state
        .db
        .read(|c| {
            let rows = model::holds(c, false, 500)?;
            let agent_ids: Vec<i64> = rows.iter().map(|h| h.agent_id).collect();
            let policy_ids: Vec<i64> = rows.iter().map(|h| h.policy_id).collect();
            Ok((
                rows,
                model::agent_names(c, &agent_ids)?,
                model::policy_labels(c, &policy_ids)?,
            ))
        })
        .await?;
    let agents: HashMap<i64, String> = agents.into_iter().collect();
    let policies: HashMap<i64, String> = policies
        .into_iter()
        .map(|(id, n, i)| (id, format!("{n} ({i})")))
        .collect();
    let holds = rows
        .into_iter()
        .map(|h| HoldView {
            agent: agents.get(&h.agent_id).cloned().unwrap_or_default(),
            policy: policies.get(&h.policy_id).cloned().unwrap_or_default(),
            hold: h,
        })
        .collect();
    render_status(
        form_status(&errors),
        &HoldsPage {
            ctx,
            holds,
            owner,
            errors,
        },
    )
}

pub async fn holds(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    holds_page(ctx, &state, FieldErrors::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReleaseForm {
    reason: String,
}

pub async fn release(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ReleaseForm>,
) -> AppResult<HttpResponse> {
    let (id, reason) = (path.into_inner(), form.into_inner().reason);
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::release_hold(c, actor, &who, id, &reason))
        .await
    {
        Ok(true) => Ok(redirect_with(
            &session,
            "/admin/commissions/holds",
            "success",
            "The hold is released: the commission goes on the payee's next statement.",
        )),
        Ok(false) => Ok(redirect_with(
            &session,
            "/admin/commissions/holds",
            "info",
            "The hold was already released.",
        )),
        Err(AppError::Validation(errors)) => holds_page(ctx, &state, errors).await,
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_folds_kinds_into_one_row_per_month_and_carrier() {
        let d = "2026-11-01".parse().unwrap();
        let t = |kind: &str, cents| MonthTotal {
            period: d,
            carrier: "Acme".into(),
            kind: kind.into(),
            cents,
        };
        let rows = month_rows(&[t("expected", 10_000), t("received", 8_000), t("chargeback", -500)]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].outstanding(), 1_500);
    }
}
