//! Importing a book of business from CSV (item 12). Carriers' "book of business" exports differ,
//! so the upload is mapped column by column as a lead file is (the last mapping is remembered and
//! offered again for a file with the same columns), the first rows are previewed with their
//! problems, and a background job (`policies.import`) reads the file one row at a time with its
//! progress on the import's page.
//!
//! Each row goes through the same validation as a policy recorded by hand (`service::create`
//! with `PolicySource::Import`): its carrier is found by name or NAIC code, its product by name
//! at that carrier, its writing agent by e-mail address or NPN, and its insured is the contact
//! with the same name and e-mail address or phone, or a new contact. A row whose carrier already
//! has that policy number in the book is a duplicate (also when the book has it from earlier in
//! the same file, or from a run that stopped), and is left out. Each row is written in its own
//! transaction, so a row that fails leaves nothing; rows are committed in batches with the run's
//! progress, so a run that stops resumes after the last batch. The rows left out (rejected and
//! duplicate) are listed with their line and reasons in a CSV report.
//!
//! The upload, the mapping form, the remembered mapping, the byte-counting reader and the report
//! are the lead import's (`crate::leads::import`), shared.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::model::book::{self, BookCounts, BookImportRow, BookProgress};
use super::service::{self, PolicyInput, Viewer, Who};
use crate::audit;
use crate::auth::roles::STAFF;
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::{now, Db, DbConnection};
use crate::domain::policy::PolicySource;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::{self, Context, Job};
use crate::leads::import::{self as shared, Chosen, Counting, MappingForm, Uploaded};
use crate::leads::lead_csv::{self, CsvRow, CsvRows, Mapping};
use crate::leads::model::{self as leads_model, Scope};
use crate::web::context::{is_partial, PageCtx};
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render, render_status, AppState};

mod mapping;

use mapping::{enrollment_key, frequency_key, index_of, Cells};
pub use mapping::{field_columns, guess_mapping, FIELDS};

/// Uploads wait as `policies-<id>.csv` in the imports folder (the upload sweep knows the name).
const PREFIX: &str = "policies";
const MAPPING_KEY: &str = "policy_import_mapping";
const DEFAULT_NAME: &str = "book.csv";
/// Rows committed together with the run's progress.
const BATCH: usize = 100;
const PREVIEW_ROWS: usize = 8;

/// This part's pages and endpoints (staff only). The fixed paths come before `{id}`.
pub fn routes(r: &mut Routes) {
    r.get("/policies/imports", Access::Roles(STAFF), index)
        .get("/policies/imports/new", Access::Roles(STAFF), new)
        .post("/policies/imports", Access::Roles(STAFF), upload)
        .post("/policies/imports/mapping", Access::Roles(STAFF), start)
        .get("/policies/imports/{id}", Access::Roles(STAFF), show)
        .get("/policies/imports/{id}/report", Access::Roles(STAFF), report);
}

/// This part's jobs.
pub fn register(r: &mut crate::jobs::Registry) {
    r.register::<BookImportRun>();
}

// ---- one row ---------------------------------------------------------------------------------

/// What became of a row.
enum Outcome {
    Created,
    Duplicate(FieldErrors),
    Rejected(FieldErrors),
}

/// A row read against the database.
enum Resolved {
    /// The input for `service::create`, with what could not be found (carrier, product, agent).
    Input(Box<PolicyInput>, FieldErrors),
    /// The carrier already has the policy number in the book.
    Duplicate(FieldErrors),
}

/// The policy a row describes, with its carrier, product, agent and insured found in the
/// database.
fn resolve(conn: &mut DbConnection, cells: &Cells<'_>) -> Result<Resolved, AppError> {
    let mut found = FieldErrors::new();
    let (carrier_raw, product_raw, agent_raw) = (cells.get("carrier"), cells.get("product"), cells.get("agent"));
    let carrier = match carrier_raw.as_str() {
        "" => None,
        raw => {
            let c = book::carrier_named(conn, raw)?;
            if c.is_none() {
                found.add(
                    "carrier",
                    format!("No carrier is called {raw:?} (by name or NAIC code)."),
                );
            }
            c
        }
    };
    let product = match (&carrier, product_raw.as_str()) {
        (Some(c), raw) if !raw.is_empty() => {
            let p = book::product_named(conn, c.id, raw)?;
            if p.is_none() {
                found.add("product", format!("{} has no product called {raw:?}.", c.name));
            }
            p
        }
        _ => None,
    };
    let agent_id = match agent_raw.as_str() {
        "" => None,
        raw => {
            let a = book::agent_by_email_or_npn(conn, raw)?;
            if a.is_none() {
                found.add("agent", format!("No agent has the e-mail address or NPN {raw:?}."));
            }
            a
        }
    };
    let number = cells.get("policy_number");
    if let Some(c) = &carrier {
        let clean = crate::text::clean_line(&number, 60).unwrap_or_default();
        if !clean.is_empty() && super::model::find_by_number(conn, c.id, &clean)?.is_some() {
            let mut e = FieldErrors::new();
            e.add(
                "policy_number",
                format!("Duplicate: {} already has policy {clean} in the book.", c.name),
            );
            return Ok(Resolved::Duplicate(e));
        }
    }

    let (first_name, last_name) = if cells.columns[index_of("full_name")].is_some() {
        let (first, last) = lead_csv::split_full_name(&cells.get("full_name"));
        (first, last.unwrap_or_default())
    } else {
        (cells.get("first_name"), cells.get("last_name"))
    };
    let (email, phone) = (cells.get("email"), cells.get("phone"));
    let contact_id = matching_contact(conn, &first_name, &last_name, &email, &phone)?;
    let effective_on = cells.get("effective_on");
    let submitted_on = match cells.get("submitted_on") {
        s if s.is_empty() => effective_on.clone(),
        s => s,
    };
    let input = PolicyInput {
        contact_id,
        first_name,
        last_name,
        email,
        phone,
        street: cells.get("street"),
        city: cells.get("city"),
        state: cells.get("state"),
        zip: {
            let zip = cells.get("zip");
            lead_csv::pad_zip(&zip).unwrap_or(zip)
        },
        agent_id,
        carrier_id: carrier.map(|c| c.id),
        product_id: product.map(|p| p.id),
        policy_number: number,
        submitted_on,
        effective_on,
        term_end_on: cells.get("term_end_on"),
        premium: cells.get("premium"),
        billing_frequency: frequency_key(&cells.get("billing_frequency")),
        lives: cells.get("lives"),
        plan_year: cells.get("plan_year"),
        enrollment_type: enrollment_key(&cells.get("enrollment_type")),
        coverage: cells.get("coverage"),
        ..Default::default()
    };
    Ok(Resolved::Input(Box::new(input), found))
}

/// The contact already known with this name and e-mail address or phone, if any.
fn matching_contact(
    conn: &mut DbConnection,
    first: &str,
    last: &str,
    email: &str,
    phone: &str,
) -> Result<Option<i64>, AppError> {
    let email = crate::domain::parse_email(email).ok();
    let phone = crate::domain::parse_phone(phone).ok();
    if email.is_none() && phone.is_none() {
        return Ok(None);
    }
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    Ok(
        leads_model::contacts_matching(conn, email.as_deref(), phone.as_deref())?
            .into_iter()
            .find(|c| same(&c.first_name, first) && same(&c.last_name, last))
            .map(|c| c.id),
    )
}

/// `service::validate`'s keys as the mapping's field keys.
fn rekey(errors: FieldErrors, from_full_name: bool) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (key, messages) in errors.0 {
        let key = match key.as_str() {
            "carrier_id" => "carrier",
            "product_id" => "product",
            "agent_id" => "agent",
            "contact_id" | "first_name" | "last_name" if from_full_name => "full_name",
            other => other,
        };
        for m in messages {
            out.add(key, m);
        }
    }
    out
}

/// Why a resolved row would be refused: what could not be found, with the rest of
/// `service::validate`'s problems; `None` when it would be taken in.
fn refusal(
    conn: &mut DbConnection,
    viewer: &Viewer,
    input: &PolicyInput,
    found: FieldErrors,
    from_full_name: bool,
) -> Result<Option<FieldErrors>, AppError> {
    let mut errors = match service::validate(conn, viewer, input, PolicySource::Import) {
        Ok(_) => FieldErrors::new(),
        Err(AppError::Validation(e)) => rekey(e, from_full_name),
        Err(other) => return Err(other),
    };
    // "Choose the carrier" says less than "no carrier is called …".
    for (key, messages) in found.0 {
        errors.0.insert(key, messages);
    }
    Ok((!errors.is_empty()).then_some(errors))
}

/// Takes one row in: resolves it, then creates the policy in its own transaction (a savepoint
/// inside the batch's), so a row refused half way leaves nothing.
fn take_row(
    conn: &mut DbConnection,
    viewer: &Viewer,
    columns: &[Option<usize>],
    raw: &[String],
) -> Result<Outcome, AppError> {
    let from_full_name = columns[index_of("full_name")].is_some();
    let (input, found) = match resolve(conn, &Cells { columns, raw })? {
        Resolved::Duplicate(e) => return Ok(Outcome::Duplicate(e)),
        Resolved::Input(input, found) => (input, found),
    };
    if !found.is_empty() {
        let errors = refusal(conn, viewer, &input, found, from_full_name)?.unwrap_or_default();
        return Ok(Outcome::Rejected(errors));
    }
    match conn.transaction(|c| service::create(c, viewer, None, &input, PolicySource::Import)) {
        Ok(_) => Ok(Outcome::Created),
        Err(AppError::Validation(e)) => Ok(Outcome::Rejected(rekey(e, from_full_name))),
        Err(other) => Err(other),
    }
}

/// Checks a row as the import would, without writing, for the preview: its problems, or "".
fn check_row(
    conn: &mut DbConnection,
    viewer: &Viewer,
    columns: &[Option<usize>],
    raw: &[String],
) -> Result<String, AppError> {
    let from_full_name = columns[index_of("full_name")].is_some();
    let errors = match resolve(conn, &Cells { columns, raw })? {
        Resolved::Duplicate(e) => Some(e),
        Resolved::Input(input, found) => refusal(conn, viewer, &input, found, from_full_name)?,
    };
    Ok(errors.map(|e| summary(&e.0)).unwrap_or_default())
}

/// A row's problems in one line: `field: message; field: message`.
fn summary(errors: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.join(" ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Who an import acts as: the staff member who started it, seeing every agent's book.
fn importer(import: &BookImportRow) -> Viewer {
    Viewer {
        user_id: import.created_by,
        label: format!("import: {}", import.file_name),
        who: Who::Admin,
        scope: Scope::All,
        own_agent_id: None,
        api_token_id: None,
    }
}

// ---- the pages -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "policies/imports.html")]
struct ImportsPage {
    ctx: PageCtx,
    imports: Vec<BookImportRow>,
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let imports = state.db.read(|c| Ok(book::recent_imports(c)?)).await?;
    render(&ImportsPage { ctx, imports })
}

#[derive(Template)]
#[template(path = "policies/import_new.html")]
struct NewPage {
    ctx: PageCtx,
    error: Option<String>,
}

pub async fn new(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&NewPage { ctx, error: None })
}

#[derive(Template)]
#[template(path = "policies/import_mapping.html")]
struct MappingPage {
    ctx: PageCtx,
    upload: String,
    file_name: String,
    headers: Vec<String>,
    chosen: Vec<String>,
    fields: &'static [(&'static str, &'static str)],
    /// Line, the row as mapped (insured, carrier, number, premium), and its problems.
    preview: Vec<(u64, String, String)>,
    /// Why the rows cannot be previewed yet (what the mapping lacks).
    unchecked: Option<String>,
    error: Option<String>,
    remembered: bool,
}

impl MappingPage {
    fn is_chosen(&self, col: &usize, key: &str) -> bool {
        self.chosen.get(*col).is_some_and(|c| c == key)
    }
}

/// The first rows, checked with `mapping` against the database, for the preview; nothing when
/// the mapping does not pass.
fn preview(conn: &mut DbConnection, path: &Path, mapping: &Mapping) -> Result<Vec<(u64, String, String)>, AppError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(Vec::new());
    };
    let Ok(rows) = lead_csv::csv_rows(BufReader::new(file)) else {
        return Ok(Vec::new());
    };
    let Ok(columns) = field_columns(mapping, rows.headers()) else {
        return Ok(Vec::new());
    };
    let viewer = Viewer {
        label: "preview".into(),
        ..Viewer::system()
    };
    let mut out = Vec::new();
    for row in rows.take(PREVIEW_ROWS) {
        out.push(match row {
            CsvRow::Bad { line, errors, raw } => (line, raw.join(" · "), summary(&errors)),
            CsvRow::Cells { line, cells } => {
                let c = Cells {
                    columns: &columns,
                    raw: &cells,
                };
                let name = match c.get("full_name") {
                    n if n.is_empty() => format!("{} {}", c.get("first_name"), c.get("last_name")),
                    n => n,
                };
                let shown = [name, c.get("carrier"), c.get("policy_number"), c.get("premium")].join(" · ");
                (line, shown, check_row(conn, &viewer, &columns, &cells)?)
            }
        });
    }
    Ok(out)
}

/// The mapping page, with the preview of the first rows as mapped.
async fn mapping_page(
    ctx: PageCtx,
    state: &AppState,
    (upload, file_name, path, headers): (String, String, PathBuf, Vec<String>),
    mapping: Mapping,
    error: Option<String>,
    remembered: bool,
) -> AppResult<HttpResponse> {
    let unchecked = field_columns(&mapping, &headers).err();
    let m = mapping.clone();
    let rows = state.db.read(move |c| preview(c, &path, &m)).await?;
    let page = MappingPage {
        ctx,
        upload,
        file_name,
        headers,
        chosen: mapping.columns.iter().map(|c| c.clone().unwrap_or_default()).collect(),
        fields: FIELDS,
        preview: rows,
        unchecked,
        error: error.clone(),
        remembered,
    };
    match error {
        Some(_) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
        None => render(&page),
    }
}

pub async fn upload(
    ctx: PageCtx,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let Uploaded {
        id,
        path,
        file_name,
        headers,
    } = match shared::receive_csv(&state, payload, PREFIX, DEFAULT_NAME).await? {
        Ok(u) => u,
        Err(msg) => return render_status(StatusCode::UNPROCESSABLE_ENTITY, &NewPage { ctx, error: Some(msg) }),
    };
    // The last mapping is offered again when the columns are the same.
    let remembered = shared::remembered(&state, MAPPING_KEY, &headers).await?;
    let was_remembered = remembered.is_some();
    let mapping = remembered.unwrap_or_else(|| guess_mapping(&headers));
    mapping_page(
        ctx,
        &state,
        (id, file_name, path, headers),
        mapping,
        None,
        was_remembered,
    )
    .await
}

pub async fn start(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form = MappingForm::parse(&body, DEFAULT_NAME);
    let Some(path) = form.waiting_file(&state.settings, PREFIX) else {
        return Ok(redirect_with(
            &session,
            "/policies/imports/new",
            "error",
            "That upload has expired; upload the file again.",
        ));
    };
    let headers = shared::headers_of(&path).await?;
    let mapping = form.mapping(&headers, FIELDS)?;
    let MappingForm { upload, file_name, .. } = form;
    let refused = field_columns(&mapping, &headers).err();
    // "Check the first rows" shows the preview for the mapping chosen, and starts nothing.
    if refused.is_some() || url::form_urlencoded::parse(&body).any(|(k, _)| k == "preview") {
        let upload = (upload, file_name, path, headers);
        return mapping_page(ctx, &state, upload, mapping, refused, false).await;
    }
    let chosen = Chosen {
        path,
        file_name,
        headers,
        mapping,
    };
    shared::start_import(
        &state,
        &session,
        &user,
        MAPPING_KEY,
        chosen,
        "/policies/imports",
        |c, run| {
            let id = book::insert_import(c, run.by, run.file_name, run.file_path, run.mapping, run.size)?;
            jobs::enqueue(c, &BookImportRun { import_id: id }, now())?;
            audit::record(
                c,
                run.who,
                "policies.import_started",
                "policy_import",
                Some(id),
                run.file_name,
            )?;
            Ok(id)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "policies/import.html", blocks = ["progress"])]
struct ImportPage {
    ctx: PageCtx,
    import: BookImportRow,
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let import = state.db.read(move |c| Ok(book::find_import(c, id)?)).await?;
    let page = ImportPage { ctx, import };
    if is_partial(&req) {
        return render(&page.as_progress());
    }
    render(&page)
}

pub async fn report(state: web::Data<AppState>, path: web::Path<i64>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let import = state.db.read(move |c| Ok(book::find_import(c, id)?)).await?;
    let Some(report) = import.report_path else {
        return Err(AppError::NotFound);
    };
    shared::download_report(&req, report, format!("book-import-{id}-rows-left-out.csv")).await
}

// ---- the background job ----------------------------------------------------------------------

/// Reads an uploaded book of business into policies (off the async threads, row by row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookImportRun {
    pub import_id: i64,
}

impl Job for BookImportRun {
    const KIND: &'static str = "policies.import";

    async fn run(self, cx: &Context) -> Result<(), String> {
        let settings = cx.settings.clone();
        let run = move |db: &Db, id| run_batches(db, &settings, id, usize::MAX).map(|_| ());
        crate::leads::jobs::run_import(cx, self.import_id, run, mark_failed).await
    }
}

/// The report of the rows left out of import `id`.
fn report_path(settings: &Settings, id: i64) -> PathBuf {
    shared::imports_dir(settings).join(format!("policies-rejected-{id}.csv"))
}

/// Runs at most `max_batches` batches of an import (blocking) and returns whether it is done.
///
/// Each batch of rows is taken in (each row in its own savepoint) and the run's progress recorded
/// in one transaction, so a run that stops anywhere leaves the import at the end of a batch. The
/// next run skips the rows already read, carries the counts on, and cuts the report back to the
/// rows counted before appending to it: no row is taken in, counted or reported twice (and a row
/// taken in anyway would be a duplicate).
pub fn run_batches(db: &Db, settings: &Settings, import_id: i64, max_batches: usize) -> Result<bool, String> {
    let import = db
        .read_blocking(|c| Ok(book::find_import(c, import_id)?))
        .map_err(|e| e.to_string())?;
    if import.status == "done" {
        return Ok(true);
    }
    let mapping: Mapping = serde_json::from_str(&import.mapping).map_err(|e| format!("bad mapping: {e}"))?;
    let path = PathBuf::from(&import.file_path);
    let file = std::fs::File::open(&path).map_err(|e| format!("the upload is gone: {e}"))?;
    let (counting, read) = Counting::new(file);
    let mut rows = lead_csv::csv_rows(BufReader::with_capacity(256 * 1024, counting))?;
    let headers = rows.headers().to_vec();
    let columns = field_columns(&mapping, &headers)?;
    let mut counts = BookCounts::of(&import);
    if rows.by_ref().take(counts.processed as usize).count() < counts.processed as usize {
        return Err(rows
            .read_error()
            .map(|e| format!("the upload could not be read: {e}"))
            .unwrap_or_else(|| "the upload is shorter than the rows already imported".into()));
    }
    let report_path = report_path(settings, import_id);
    let kept = (counts.processed > 0).then_some((counts.rejected + counts.duplicates) as u64);
    let mut report = shared::open_report(&report_path, &headers, kept)?;
    let viewer = importer(&import);
    for _ in 0..max_batches {
        let batch: Vec<CsvRow> = rows.by_ref().take(BATCH).collect();
        let before = counts;
        counts = db
            .write_blocking(|conn| {
                let mut counts = before;
                for row in &batch {
                    counts.processed += 1;
                    let left_out = match row {
                        CsvRow::Bad { line, errors, raw } => {
                            counts.rejected += 1;
                            Some(lead_csv::report_row(*line, errors, raw))
                        }
                        CsvRow::Cells { line, cells } => match take_row(conn, &viewer, &columns, cells)? {
                            Outcome::Created => {
                                counts.created += 1;
                                None
                            }
                            Outcome::Duplicate(e) => {
                                counts.duplicates += 1;
                                Some(lead_csv::report_row(*line, &e.0, cells))
                            }
                            Outcome::Rejected(e) => {
                                counts.rejected += 1;
                                Some(lead_csv::report_row(*line, &e.0, cells))
                            }
                        },
                    };
                    if let Some(r) = left_out {
                        report.row(r).map_err(|e| AppError::internal(e.to_string()))?;
                    }
                }
                // On disk before the batch commits: a run that stops in between leaves rows that
                // the next run cuts off again.
                report.flush().map_err(|e| AppError::internal(e.to_string()))?;
                let progress = BookProgress {
                    status: "running",
                    processed_bytes: read.load(std::sync::atomic::Ordering::Relaxed) as i64,
                    counts,
                    report_path: None,
                    error: None,
                    finished: false,
                };
                book::update_import(conn, import_id, &progress)?;
                Ok(counts)
            })
            .map_err(|e| e.to_string())?;
        if counts.processed - before.processed < BATCH as i32 {
            drop(report);
            return finish(db, &import, &rows, &report_path, counts);
        }
    }
    Ok(false)
}

/// Marks an import done once its file is read to the end, or fails the run when reading stopped
/// early (the next run carries on from the last batch).
fn finish<R: std::io::Read>(
    db: &Db,
    import: &BookImportRow,
    rows: &CsvRows<R>,
    report_path: &Path,
    counts: BookCounts,
) -> Result<bool, String> {
    if let Some(e) = rows.read_error() {
        return Err(format!("the upload could not be read: {e}"));
    }
    let left_out = counts.rejected + counts.duplicates > 0;
    let report_text = report_path.display().to_string();
    let progress = BookProgress {
        status: "done",
        processed_bytes: import.total_bytes,
        counts,
        report_path: left_out.then_some(report_text.as_str()),
        error: None,
        finished: true,
    };
    db.write_blocking(|c| {
        book::update_import(c, import.id, &progress)?;
        audit::record(
            c,
            &importer(import).audit(None),
            "policies.imported",
            "policy_import",
            Some(import.id),
            &format!(
                "{} rows: {} created, {} duplicates, {} rejected",
                counts.processed, counts.created, counts.duplicates, counts.rejected
            ),
        )?;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    if !left_out {
        let _ = std::fs::remove_file(report_path);
    }
    let _ = std::fs::remove_file(&import.file_path);
    Ok(true)
}

/// Marks an import failed for good (the job gave up).
pub fn mark_failed(db: &Db, import_id: i64, error: &str) {
    let _ = db.write_blocking(|c| {
        let i = book::find_import(c, import_id)?;
        let message: String = error.chars().take(500).collect();
        let p = BookProgress {
            status: "failed",
            processed_bytes: i.processed_bytes,
            counts: BookCounts::of(&i),
            report_path: i.report_path.as_deref(),
            error: Some(&message),
            finished: true,
        };
        Ok(book::update_import(c, import_id, &p)?)
    });
}
