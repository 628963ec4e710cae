//! The carrier statement pages (owners and admins): the list with the upload form, the column
//! map (asked once per carrier, then remembered), a statement with its worklist of exceptions and
//! their resolutions, finalising, and expected against received per carrier and month.
//!
//! An upload is read whole and checked before anything is written: a file that is no table, or
//! any line that cannot be read, answers 422 with what is wrong on which line, and the statement
//! is not taken in. While the columns are being mapped the file waits in the imports folder as
//! `statements-<id>.csv` or `.xlsx` (the daily upload sweep removes one nobody came back for).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::service::{self, Incoming, ResolveInput};
use super::{
    field_columns, guess_mapping, parse_all, parse_month, read_table, Exception, LineError, ParsedLine, Resolution,
    StatementMap, Table, FIELDS,
};
use crate::auth::roles::STAFF;
use crate::auth::CurrentUser;
use crate::commissions::model::statements::{self as model, CarrierMonth, LineFilter, LineRow, StatementRow};
use crate::config::Settings;
use crate::domain::money::format_cents;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::leads::import::{imports_dir, MappingForm};
use crate::leads::lead_csv::Mapping;
use crate::spreadsheet::TableFile;
use crate::web::context::PageCtx;
use crate::web::pagination::{Page, Pager};
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render, render_status, upload, AppState};

const BASE: &str = "/admin/commissions/statements";
const MAX_UPLOAD: usize = 50 * 1024 * 1024;
const TOO_LARGE: &str = "The file is larger than 50 MB; split the statement into smaller files.";
const LINES_PER_PAGE: i64 = 50;
/// Line errors shown at once (the count says how many there are in all).
const ERRORS_SHOWN: usize = 200;

/// This part's pages and endpoints. The fixed paths come before `{id}`.
pub fn routes(r: &mut Routes) {
    r.get(BASE, Access::Roles(STAFF), index)
        .post(BASE, Access::Roles(STAFF), upload)
        .post(
            "/admin/commissions/statements/mapping",
            Access::Roles(STAFF),
            map_columns,
        )
        .get("/admin/commissions/statements/totals", Access::Roles(STAFF), totals)
        .get("/admin/commissions/statements/{id}", Access::Roles(STAFF), show)
        .post(
            "/admin/commissions/statements/{id}/resolve",
            Access::Roles(STAFF),
            resolve,
        )
        .post(
            "/admin/commissions/statements/{id}/finalise",
            Access::Roles(STAFF),
            finalise,
        );
}

/// "January 2026".
fn month(d: &NaiveDate) -> String {
    d.format("%B %Y").to_string()
}

// ---- the list and the upload -----------------------------------------------------------------

/// A statement as the list shows it.
pub struct StatementView {
    pub id: i64,
    pub carrier: String,
    pub month: String,
    pub file_name: String,
    pub status: String,
    pub is_final: bool,
    pub lines: i32,
    pub expected: String,
    pub received: String,
    pub created_at: chrono::NaiveDateTime,
}

impl StatementView {
    fn of((s, carrier): (StatementRow, String)) -> StatementView {
        StatementView {
            id: s.id,
            carrier,
            month: month(&s.period),
            file_name: s.file_name.clone(),
            status: s.status.label().to_string(),
            is_final: s.is_final(),
            lines: s.line_count,
            expected: format_cents(s.expected_cents),
            received: format_cents(s.received_cents),
            created_at: s.created_at,
        }
    }
}

#[derive(Template)]
#[template(path = "commissions/statements.html")]
struct ListPage {
    ctx: PageCtx,
    statements: Vec<StatementView>,
    pager: Pager,
    carriers: Vec<(i64, String)>,
    carrier_id: i64,
    period: String,
    errors: FieldErrors,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    page: Option<String>,
}

async fn list_page(
    ctx: PageCtx,
    state: &AppState,
    page: Option<&str>,
    (carrier_id, period): (i64, String),
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = Page::from_query(page, 25);
    let (rows, total, carriers) = state
        .db
        .read(move |c| {
            Ok((
                model::statements(c, page.offset(), page.per_page)?,
                model::count_statements(c)?,
                model::carriers(c)?,
            ))
        })
        .await?;
    let period = if period.is_empty() {
        crate::db::now().date().format("%Y-%m").to_string()
    } else {
        period
    };
    let page = ListPage {
        ctx,
        statements: rows.into_iter().map(StatementView::of).collect(),
        pager: Pager::new(page, total),
        carriers,
        carrier_id,
        period,
        errors,
    };
    render_status(crate::web::form_status(&page.errors), &page)
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    list_page(ctx, &state, q.page.as_deref(), (0, String::new()), FieldErrors::new()).await
}

/// Where an upload waits while its columns are mapped; `None` for an id or format that is not one.
fn waiting_path(settings: &Settings, id: &str, format: &str) -> Option<std::path::PathBuf> {
    let ok_id = id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit());
    let ext = match format {
        "csv" => "csv",
        "xlsx" => "xlsx",
        _ => return None,
    };
    ok_id.then(|| imports_dir(settings).join(format!("statements-{id}.{ext}")))
}

/// The upload form's carrier and month, checked.
fn upload_target(
    carriers: &[(i64, String)],
    carrier_raw: &str,
    period_raw: &str,
    e: &mut FieldErrors,
) -> Option<(i64, String, NaiveDate)> {
    let carrier = carrier_raw
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| carriers.iter().find(|(c, _)| *c == id).cloned());
    if carrier.is_none() {
        e.add("carrier_id", "Choose the carrier the statement is from.");
    }
    let period = match period_raw.trim() {
        "" => {
            e.add("period", "Give the month the statement pays for.");
            None
        }
        raw => match parse_month(raw) {
            Ok(p) => Some(p),
            Err(m) => {
                e.add("period", m);
                None
            }
        },
    };
    match (carrier, period) {
        (Some((id, name)), Some(p)) => Some((id, name, p)),
        _ => None,
    }
}

pub async fn upload(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    let form = match upload::read_form(payload, "file", MAX_UPLOAD, TOO_LARGE).await {
        Ok(f) => f,
        Err(msg) => {
            errors.add("file", msg);
            return list_page(ctx, &state, None, (0, String::new()), errors).await;
        }
    };
    let (carrier_raw, period_raw) = (form.text("carrier_id").to_string(), form.text("period").to_string());
    let carriers = state.db.read(|c| Ok(model::carriers(c)?)).await?;
    let target = upload_target(&carriers, &carrier_raw, &period_raw, &mut errors);
    let (file_name, bytes) = match form.file {
        Some((name, bytes)) if !bytes.is_empty() => (crate::courses::media::display_name(&name), bytes),
        _ => {
            errors.add("file", "Choose the statement file (CSV or Excel .xlsx).");
            (String::new(), Vec::new())
        }
    };
    let kept = (carrier_raw.parse().unwrap_or(0), period_raw.clone());
    let Some((carrier_id, carrier, period)) = target.filter(|_| errors.is_empty()) else {
        return list_page(ctx, &state, None, kept, errors).await;
    };
    let (bytes, read) = web::block(move || {
        let read = read_table(&bytes);
        (bytes, read)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?;
    let (format, table) = match read {
        Ok(t) => t,
        Err(msg) => {
            errors.add("file", msg);
            return list_page(ctx, &state, None, kept, errors).await;
        }
    };
    let remembered = state
        .db
        .read(move |c| Ok(model::map_of(c, carrier_id)?))
        .await?
        .and_then(|json| serde_json::from_str::<StatementMap>(&json).ok())
        .and_then(|m| m.mapping_for(&table.headers));
    let file = Waiting {
        carrier_id,
        carrier,
        period,
        file_name,
        format,
    };
    if let Some(mapping) = remembered {
        // The carrier's remembered map fits: no need to ask.
        let columns = field_columns(&mapping, &table.headers).map_err(AppError::BadRequest)?;
        match parse_all(&table, &columns, period) {
            Ok(lines) => return take_in(&state, &session, &user, &file, &table.headers, &mapping, lines).await,
            Err(line_errors) => {
                let id = keep_waiting(&state.settings, &bytes, format).await?;
                let problem = MappingProblem::Lines(line_errors);
                return mapping_page(ctx, (id, file), &table, mapping, Some(problem), true);
            }
        }
    }
    let id = keep_waiting(&state.settings, &bytes, format).await?;
    let mapping = guess_mapping(&table.headers);
    mapping_page(ctx, (id, file), &table, mapping, None, false)
}

/// Writes an upload to wait for its column map; returns its id.
async fn keep_waiting(settings: &Settings, bytes: &[u8], format: TableFile) -> AppResult<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let path = waiting_path(settings, &id, format.extension()).ok_or_else(|| AppError::internal("upload id"))?;
    let bytes = bytes.to_vec();
    web::block(move || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?
    .map_err(|e| AppError::internal(format!("keeping a statement upload: {e}")))?;
    Ok(id)
}

/// An upload and what it is a statement of.
struct Waiting {
    carrier_id: i64,
    carrier: String,
    period: NaiveDate,
    file_name: String,
    format: TableFile,
}

/// Takes a read statement in and goes to its page.
async fn take_in(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    file: &Waiting,
    headers: &[String],
    mapping: &Mapping,
    lines: Vec<ParsedLine>,
) -> AppResult<HttpResponse> {
    let (actor, who) = (user.actor(), user.audit());
    let (carrier_id, period, file_name) = (file.carrier_id, file.period, file.file_name.clone());
    let (headers, mapping) = (headers.to_vec(), mapping.clone());
    let n = lines.len();
    let id = state
        .db
        .write(move |c| {
            service::import(
                c,
                actor,
                &who,
                &Incoming {
                    carrier_id,
                    period,
                    file_name: &file_name,
                    headers: &headers,
                    mapping: &mapping,
                    lines: &lines,
                },
            )
        })
        .await?;
    Ok(redirect_with(
        session,
        &format!("{BASE}/{id}"),
        "success",
        format!(
            "{} is read: {n} lines from {} for {}. Work through the exceptions below.",
            file.file_name,
            file.carrier,
            month(&file.period)
        ),
    ))
}

// ---- the column map --------------------------------------------------------------------------

/// Why a mapping was not taken.
enum MappingProblem {
    /// The mapping itself (a field missing, a field twice).
    Columns(String),
    /// Lines that could not be read with it.
    Lines(Vec<LineError>),
}

#[derive(Template)]
#[template(path = "commissions/statement_mapping.html")]
struct MappingPage {
    ctx: PageCtx,
    upload: String,
    format: String,
    file_name: String,
    carrier_id: i64,
    carrier: String,
    period: String,
    month: String,
    headers: Vec<String>,
    /// Up to three sample values per column.
    samples: Vec<String>,
    chosen: Vec<String>,
    fields: &'static [(&'static str, &'static str)],
    error: Option<String>,
    line_errors: Vec<LineError>,
    error_count: usize,
    remembered: bool,
    unchecked: Option<String>,
}

impl MappingPage {
    fn is_chosen(&self, col: &usize, key: &str) -> bool {
        self.chosen.get(*col).is_some_and(|c| c == key)
    }
}

fn mapping_page(
    ctx: PageCtx,
    (upload, file): (String, Waiting),
    table: &Table,
    mapping: Mapping,
    problem: Option<MappingProblem>,
    remembered: bool,
) -> AppResult<HttpResponse> {
    let samples = (0..table.headers.len())
        .map(|i| {
            table
                .rows
                .iter()
                .filter_map(|r| match r {
                    super::Row::Cells { cells, .. } => cells.get(i).filter(|c| !c.trim().is_empty()).cloned(),
                    super::Row::Bad { .. } => None,
                })
                .take(3)
                .map(|c| c.chars().take(40).collect::<String>())
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .collect();
    let (error, line_errors) = match problem {
        None => (None, Vec::new()),
        Some(MappingProblem::Columns(m)) => (Some(m), Vec::new()),
        Some(MappingProblem::Lines(l)) => (
            Some(format!(
                "{} line{} of the file could not be read, so nothing was taken in. Correct the file, or the map if a column is mapped wrongly, and try again.",
                l.len(),
                if l.len() == 1 { "" } else { "s" }
            )),
            l,
        ),
    };
    let error_count = line_errors.len();
    let page = MappingPage {
        ctx,
        upload,
        format: file.format.extension().to_string(),
        file_name: file.file_name,
        carrier_id: file.carrier_id,
        carrier: file.carrier,
        period: file.period.format("%Y-%m").to_string(),
        month: month(&file.period),
        unchecked: field_columns(&mapping, &table.headers).err(),
        chosen: mapping.columns.iter().map(|c| c.clone().unwrap_or_default()).collect(),
        headers: table.headers.clone(),
        samples,
        fields: FIELDS,
        remembered,
        line_errors: line_errors.into_iter().take(ERRORS_SHOWN).collect(),
        error_count,
        error: error.clone(),
    };
    match error {
        Some(_) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
        None => render(&page),
    }
}

pub async fn map_columns(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form = MappingForm::parse(&body, "statement.csv");
    let field = |name: &str| {
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let (format_raw, carrier_raw, period_raw) = (field("format"), field("carrier_id"), field("period"));
    let expired = || {
        Ok(redirect_with(
            &session,
            BASE,
            "error",
            "That upload has expired; upload the statement again.",
        ))
    };
    let Some(path) = waiting_path(&state.settings, &form.upload, &format_raw)
        .filter(|p| !crate::uploads::expired_file(p, &state.settings))
    else {
        return expired();
    };
    let carriers = state.db.read(|c| Ok(model::carriers(c)?)).await?;
    let mut errors = FieldErrors::new();
    let Some((carrier_id, carrier, period)) = upload_target(&carriers, &carrier_raw, &period_raw, &mut errors) else {
        return list_page(ctx, &state, None, (0, String::new()), errors).await;
    };
    let p = path.clone();
    let read = web::block(move || {
        std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| read_table(&b))
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?;
    let Ok((format, table)) = read else {
        return expired();
    };
    let mapping = form.mapping(&table.headers, FIELDS)?;
    let file = Waiting {
        carrier_id,
        carrier,
        period,
        file_name: form.file_name.chars().take(200).collect(),
        format,
    };
    let columns = match field_columns(&mapping, &table.headers) {
        Ok(c) => c,
        Err(m) => {
            let problem = Some(MappingProblem::Columns(m));
            return mapping_page(ctx, (form.upload, file), &table, mapping, problem, false);
        }
    };
    let lines = match parse_all(&table, &columns, period) {
        Ok(l) => l,
        Err(line_errors) => {
            let problem = Some(MappingProblem::Lines(line_errors));
            return mapping_page(ctx, (form.upload, file), &table, mapping, problem, false);
        }
    };
    let done = take_in(&state, &session, &user, &file, &table.headers, &mapping, lines).await?;
    let _ = web::block(move || std::fs::remove_file(path)).await;
    Ok(done)
}

// ---- a statement and its worklist -------------------------------------------------------------

/// A line as the statement page shows it.
pub struct LineView {
    pub id: i64,
    /// The line in the file; "—" for a policy the statement did not pay.
    pub line: String,
    pub policy_number: String,
    pub policy_id: Option<i64>,
    pub insured: String,
    pub birth_date: String,
    pub agent: String,
    pub kind: String,
    pub month: String,
    pub amount: String,
    pub expected: String,
    pub method: String,
    pub exception: String,
    pub exception_key: String,
    pub resolution: String,
    pub note: String,
    pub open: bool,
    pub linkable: bool,
}

impl LineView {
    fn of(l: LineRow) -> LineView {
        LineView {
            id: l.id,
            line: l.line_no.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
            policy_number: l.policy_number,
            policy_id: l.policy_id,
            insured: l.insured_name,
            birth_date: l.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            agent: l.agent,
            kind: l.kind,
            month: l.period.format("%b %Y").to_string(),
            amount: if l.line_no.is_some() {
                format_cents(l.amount_cents)
            } else {
                "not paid".into()
            },
            expected: l.expected_cents.map(format_cents).unwrap_or_default(),
            method: l.match_method.map(|m| m.label().to_string()).unwrap_or_default(),
            exception: l.exception.map(|e| e.label().to_string()).unwrap_or_default(),
            exception_key: l.exception.map(|e| e.as_str().to_string()).unwrap_or_default(),
            resolution: l.resolution.map(|r| r.label().to_string()).unwrap_or_default(),
            note: l.note,
            open: l.exception.is_some() && l.resolution.is_none(),
            linkable: l.line_no.is_some(),
        }
    }
}

/// One kind of exception's counts, for the worklist's summary and filters.
pub struct KindCount {
    pub key: &'static str,
    pub label: &'static str,
    pub open: i64,
    pub all: i64,
}

#[derive(Template)]
#[template(path = "commissions/statement.html")]
struct StatementPage {
    ctx: PageCtx,
    st: StatementRow,
    carrier: String,
    month: String,
    expected: String,
    received: String,
    difference: String,
    short: bool,
    kinds: Vec<KindCount>,
    open_total: i64,
    any_exception: bool,
    lines: Vec<LineView>,
    pager: Pager,
    view: String,
    view_label: String,
    errors: FieldErrors,
    /// The line whose form came back with errors.
    error_line: i64,
}

impl StatementPage {
    fn page_link(&self, n: &i64) -> String {
        format!("{BASE}/{}?view={}&page={n}", self.st.id, self.view)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StatementQuery {
    view: String,
    page: Option<String>,
}

fn filter_of(view: &str) -> (LineFilter, String) {
    match view {
        "all" => (LineFilter::All, "all".into()),
        "exceptions" => (LineFilter::Exceptions, "exceptions".into()),
        other => match other.parse::<Exception>() {
            Ok(k) => (LineFilter::Kind(k), k.as_str().into()),
            Err(_) => (LineFilter::Open, "open".into()),
        },
    }
}

async fn statement_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    q: &StatementQuery,
    (errors, error_line): (FieldErrors, i64),
) -> AppResult<HttpResponse> {
    let (filter, view) = filter_of(q.view.trim());
    // A finalised statement has nothing open: show it whole.
    let page = Page::from_query(q.page.as_deref(), LINES_PER_PAGE);
    let loaded = state
        .db
        .read(move |c| {
            let Some(st) = model::find_statement(c, id)? else {
                return Ok(None);
            };
            let carrier = model::carrier_name(c, st.carrier_id)?.unwrap_or_default();
            let kinds = model::exception_counts(c, id)?;
            let total = model::count_lines(c, id, filter)?;
            let lines = model::lines(c, id, filter, page.offset(), page.per_page)?;
            Ok(Some((st, carrier, kinds, total, lines)))
        })
        .await?;
    let Some((st, carrier, kinds, total, lines)) = loaded else {
        return Err(AppError::NotFound);
    };
    let view_label = match filter {
        LineFilter::Open => "Open exceptions".to_string(),
        LineFilter::Exceptions => "Every exception".to_string(),
        LineFilter::Kind(k) => k.label().to_string(),
        LineFilter::All => "Every line".to_string(),
    };
    let diff = st.received_cents - st.expected_cents;
    let page = StatementPage {
        month: month(&st.period),
        expected: format_cents(st.expected_cents),
        received: format_cents(st.received_cents),
        difference: format_cents(diff),
        short: diff < 0,
        open_total: kinds.iter().map(|(_, o, _)| o).sum(),
        any_exception: kinds.iter().any(|(_, _, all)| *all > 0),
        kinds: kinds
            .into_iter()
            .map(|(k, open, all)| KindCount {
                key: k.as_str(),
                label: k.label(),
                open,
                all,
            })
            .collect(),
        lines: lines.into_iter().map(LineView::of).collect(),
        pager: Pager::new(page, total),
        ctx,
        st,
        carrier,
        view,
        view_label,
        errors,
        error_line,
    };
    render_status(crate::web::form_status(&page.errors), &page)
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<StatementQuery>,
) -> AppResult<HttpResponse> {
    statement_page(ctx, &state, path.into_inner(), &q, (FieldErrors::new(), 0)).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    line_id: Option<i64>,
    action: String,
    policy_number: String,
    note: String,
    view: String,
    page: Option<String>,
}

pub async fn resolve(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ResolveForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let f = form.into_inner();
    let input = ResolveInput {
        line_id: f.line_id,
        action: f.action,
        policy_number: f.policy_number,
        note: f.note,
    };
    let (actor, who) = (user.actor(), user.audit());
    let back = StatementQuery {
        view: f.view,
        page: f.page,
    };
    match state
        .db
        .write(move |c| service::resolve(c, actor, &who, id, &input))
        .await
    {
        Ok(r) => {
            let message = match r {
                Resolution::Linked => "The line is linked to its policy.",
                Resolution::Accepted => "The difference is accepted.",
                Resolution::Disputed => "The line is disputed; your note is kept with it.",
            };
            let (_, view) = filter_of(back.view.trim());
            let page = back.page.as_deref().unwrap_or("1");
            Ok(redirect_with(
                &session,
                &format!(
                    "{BASE}/{id}?view={view}&page={}",
                    Page::from_query(Some(page), 1).number
                ),
                "success",
                message,
            ))
        }
        Err(AppError::Validation(errors)) => {
            statement_page(ctx, &state, id, &back, (errors, f.line_id.unwrap_or(0))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FinaliseForm {
    confirm: String,
}

pub async fn finalise(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<FinaliseForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let confirmed = form.confirm == "yes";
    let (actor, who) = (user.actor(), user.audit());
    match state
        .db
        .write(move |c| service::finalise(c, actor, &who, id, confirmed))
        .await
    {
        Ok(n) => Ok(redirect_with(
            &session,
            &format!("{BASE}/{id}?view=all"),
            "success",
            format!("The statement is finalised: {n} received amounts are in the ledger, and it is now read-only."),
        )),
        Err(AppError::Validation(errors)) => {
            statement_page(ctx, &state, id, &StatementQuery::default(), (errors, 0)).await
        }
        Err(e) => Err(e),
    }
}

// ---- expected against received ----------------------------------------------------------------

/// A carrier's month as the totals page shows it.
pub struct MonthView {
    pub carrier_id: i64,
    pub carrier: String,
    pub month: String,
    pub expected: String,
    pub received: String,
    pub pending: String,
    pub difference: String,
    pub short: bool,
}

impl MonthView {
    fn of(m: CarrierMonth) -> MonthView {
        let diff = m.received - m.expected;
        MonthView {
            carrier_id: m.carrier_id,
            carrier: m.carrier,
            month: month(&m.period),
            expected: format_cents(m.expected),
            received: format_cents(m.received),
            pending: format_cents(m.pending),
            difference: format_cents(diff),
            short: diff < 0,
        }
    }
}

#[derive(Template)]
#[template(path = "commissions/statement_totals.html")]
struct TotalsPage {
    ctx: PageCtx,
    months: Vec<MonthView>,
    since: String,
}

pub async fn totals(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = crate::db::now().date();
    let since = crate::commissions::engine::month_of(today)
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(today);
    let rows = state.db.read(move |c| Ok(model::carrier_months(c, since)?)).await?;
    render(&TotalsPage {
        ctx,
        months: rows.into_iter().map(MonthView::of).collect(),
        since: month(&since),
    })
}
