//! CSV import of leads: upload (streamed to disk), map the columns (the last mapping is
//! remembered), preview, then a background job reads the file one row at a time — memory does
//! not grow with the file — de-duplicating like the API, with a progress bar and a downloadable
//! report of the rejected rows.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::lead_csv::{self, Mapping, RowOutcome};
use super::model;
use super::model::imports::{ImportProgress, ImportRow};
use super::service::{self, EventActor, IntakeOutcome};
use crate::audit;
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::{now, Db};
use crate::error::{AppError, AppResult};
use crate::jobs;
use crate::spreadsheet::{self, CsvWriter};
use crate::uploads;
use crate::web::context::{is_partial, PageCtx};
use crate::web::{redirect_with, render, render_status, upload, AppState};

const MAX_UPLOAD: usize = 200 * 1024 * 1024;
const BATCH: usize = 500;
const MAPPING_KEY: &str = "lead_import_mapping";

const PREFIX: &str = "leads";

// ---- what every CSV import shares (the book-of-business import uses it too) -----------------

/// The folder uploads wait in until they are imported, beside the rejected-rows reports; the
/// daily sweep removes old uploads (`crate::uploads`).
pub fn imports_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("imports")
}

/// Where the upload `id` of one kind of import (`prefix`: "leads", "policies") waits; `None`
/// for an id that is not one.
pub fn upload_path(settings: &Settings, prefix: &str, id: &str) -> Option<PathBuf> {
    (id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| imports_dir(settings).join(format!("{prefix}-{id}.csv")))
}

/// An uploaded CSV file waiting to be mapped.
pub struct Uploaded {
    pub id: String,
    pub path: PathBuf,
    pub file_name: String,
    pub headers: Vec<String>,
}

/// Streams a CSV upload (the form's `file`) into the imports folder and reads its header row.
/// The inner `Err` is a sentence for the user; the file is then gone.
pub async fn receive_csv(
    state: &AppState,
    payload: actix_multipart::Multipart,
    prefix: &str,
    default_name: &str,
) -> AppResult<Result<Uploaded, String>> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let path = upload_path(&state.settings, prefix, &id).ok_or_else(|| AppError::internal("upload id"))?;
    let too_large = "The file is larger than 200 MB; split it into smaller files.";
    let file_name = match upload::receive_file(payload, "file", path.clone(), MAX_UPLOAD, too_large).await {
        Ok(r) if r.file_name.is_empty() => default_name.to_string(),
        Ok(r) => r.file_name.chars().take(200).collect(),
        Err(msg) => return Ok(Err(msg)),
    };
    let p = path.clone();
    match web::block(move || read_head(&p))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
    {
        Ok(headers) => Ok(Ok(Uploaded {
            id,
            path,
            file_name,
            headers,
        })),
        Err(msg) => {
            let _ = std::fs::remove_file(&path);
            Ok(Err(msg))
        }
    }
}

/// The mapping remembered under `key`, when it was made for a file with these same columns.
pub async fn remembered(state: &AppState, key: &'static str, headers: &[String]) -> AppResult<Option<Mapping>> {
    Ok(state
        .db
        .read(move |c| Ok(model::get_setting(c, key)?))
        .await?
        .and_then(|v| serde_json::from_str::<(Vec<String>, Mapping)>(&v).ok())
        .filter(|(h, _)| *h == headers)
        .map(|(_, m)| m))
}

/// Remembers `mapping` under `key` for the next file with these columns.
pub fn remember(conn: &mut crate::db::DbConnection, key: &str, headers: &[String], mapping: &Mapping) -> AppResult<()> {
    let value = serde_json::to_string(&(headers, mapping)).unwrap_or_default();
    Ok(model::put_setting(conn, key, &value)?)
}

/// The mapping form as submitted: the upload, the file's name and the field chosen per column.
pub struct MappingForm {
    pub upload: String,
    pub file_name: String,
    columns: Vec<(usize, String)>,
}

impl MappingForm {
    pub fn parse(body: &[u8], default_name: &str) -> MappingForm {
        let mut form = MappingForm {
            upload: String::new(),
            file_name: default_name.to_string(),
            columns: Vec::new(),
        };
        for (k, v) in url::form_urlencoded::parse(body) {
            if k == "upload" {
                form.upload = v.into_owned();
            } else if k == "file_name" {
                form.file_name = v.chars().take(200).collect();
            } else if let Some(i) = k.strip_prefix("col_").and_then(|i| i.parse::<usize>().ok()) {
                form.columns.push((i, v.into_owned()));
            }
        }
        form
    }

    /// The upload's file, unless it has expired: an upload as old as the sweep's limit may be
    /// removed at any moment.
    pub fn waiting_file(&self, settings: &Settings, prefix: &str) -> Option<PathBuf> {
        upload_path(settings, prefix, &self.upload).filter(|p| !uploads::expired_file(p, settings))
    }

    /// The chosen mapping for a file with `headers`; a choice that is not one of `fields` is a
    /// field error.
    pub fn mapping(&self, headers: &[String], fields: &[(&str, &str)]) -> AppResult<Mapping> {
        let mut mapping = Mapping {
            columns: vec![None; headers.len()],
        };
        for (i, v) in &self.columns {
            if *i < headers.len() && !v.is_empty() {
                if !fields.iter().any(|(k, _)| k == v) {
                    return Err(AppError::field(&format!("col_{i}"), "Choose a field from the list."));
                }
                mapping.columns[*i] = Some(v.clone());
            }
        }
        Ok(mapping)
    }
}

/// The header row of a waiting upload (a file that cannot be read is a bad request).
pub async fn headers_of(path: &Path) -> AppResult<Vec<String>> {
    let p = path.to_path_buf();
    web::block(move || read_head(&p))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(AppError::BadRequest)
}

/// A mapped upload, ready to import.
pub struct Chosen {
    pub path: PathBuf,
    pub file_name: String,
    pub headers: Vec<String>,
    pub mapping: Mapping,
}

/// What `start_import` gives the domain to record its run with.
pub struct NewRun<'a> {
    pub by: i64,
    pub who: &'a audit::AuditActor,
    pub file_name: &'a str,
    pub file_path: &'a str,
    pub mapping: &'a str,
    pub size: i64,
}

/// Starts importing a mapped upload: in one transaction, remembers the mapping under `key` and
/// lets `queue` record the run (its row, its job, its audit entry; it returns the run's id); then
/// wakes the worker and sends the user to the run's page under `base`.
pub async fn start_import(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    key: &'static str,
    chosen: Chosen,
    base: &str,
    queue: impl FnOnce(&mut crate::db::DbConnection, NewRun<'_>) -> AppResult<i64> + Send + 'static,
) -> AppResult<HttpResponse> {
    let Chosen {
        path,
        file_name,
        headers,
        mapping,
    } = chosen;
    let size = std::fs::metadata(&path).map(|m| m.len() as i64).unwrap_or(0);
    let (who, by) = (user.audit(), user.id);
    let name = file_name.clone();
    let id = state
        .db
        .write(move |c| {
            remember(c, key, &headers, &mapping)?;
            let (file_path, mapping) = (
                path.display().to_string(),
                serde_json::to_string(&mapping).unwrap_or_default(),
            );
            let run = NewRun {
                by,
                who: &who,
                file_name: &name,
                file_path: &file_path,
                mapping: &mapping,
                size,
            };
            queue(c, run)
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(redirect_with(
        session,
        &format!("{base}/{id}"),
        "info",
        format!("Importing {file_name} in the background."),
    ))
}

/// Sends a rejected-rows report as a CSV download named `name`.
pub async fn download_report(req: &HttpRequest, report: String, name: String) -> AppResult<HttpResponse> {
    let file = web::block(move || actix_files::NamedFile::open(report))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    let file = file
        .set_content_type("text/csv; charset=utf-8".parse().expect("mime"))
        .set_content_disposition(actix_web::http::header::ContentDisposition {
            disposition: actix_web::http::header::DispositionType::Attachment,
            parameters: vec![actix_web::http::header::DispositionParam::Filename(name)],
        });
    Ok(file.into_response(req))
}

#[derive(Template)]
#[template(path = "leads/imports.html")]
struct ImportsPage {
    ctx: PageCtx,
    imports: Vec<ImportRow>,
    error: Option<String>,
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let imports = state.db.read(|c| Ok(model::imports::recent_imports(c)?)).await?;
    render(&ImportsPage {
        ctx,
        imports,
        error: None,
    })
}

async fn failed(ctx: PageCtx, state: &AppState, msg: String) -> AppResult<HttpResponse> {
    let imports = state.db.read(|c| Ok(model::imports::recent_imports(c)?)).await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ImportsPage {
            ctx,
            imports,
            error: Some(msg),
        },
    )
}

#[derive(Template)]
#[template(path = "leads/import_mapping.html")]
struct MappingPage {
    ctx: PageCtx,
    upload: String,
    file_name: String,
    headers: Vec<String>,
    chosen: Vec<String>,
    fields: &'static [(&'static str, &'static str)],
    preview: Vec<(u64, Vec<String>, String)>,
    error: Option<String>,
    remembered: bool,
}

impl MappingPage {
    fn is_chosen(&self, col: &usize, key: &str) -> bool {
        self.chosen.get(*col).is_some_and(|c| c == key)
    }
}

/// The first rows, checked with `mapping`, for the preview.
fn preview(path: &PathBuf, mapping: &Mapping) -> Vec<(u64, Vec<String>, String)> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let today = now().date();
    let Ok(rows) = lead_csv::rows(
        BufReader::new(file),
        mapping,
        super::intake::SOURCE_IMPORT,
        today,
        chrono::Utc::now(),
    ) else {
        return Vec::new();
    };
    rows.take(8)
        .map(|r| match r {
            RowOutcome::Valid { line, lead } => (
                line,
                vec![
                    format!("{} {}", lead.first_name, lead.last_name),
                    lead.email.unwrap_or_default(),
                    lead.phone.unwrap_or_default(),
                ],
                String::new(),
            ),
            RowOutcome::Invalid { line, errors, raw } => (
                line,
                raw,
                errors
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.join(" ")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        })
        .collect()
}

pub fn read_head(path: &Path) -> Result<Vec<String>, String> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let n = f.read(&mut buf).map_err(|e| e.to_string())?;
    lead_csv::read_headers(&buf[..n])
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
    } = match receive_csv(&state, payload, PREFIX, "leads.csv").await? {
        Ok(u) => u,
        Err(msg) => return failed(ctx, &state, msg).await,
    };
    // The last mapping is offered again when the columns are the same.
    let remembered = remembered(&state, MAPPING_KEY, &headers).await?;
    let was_remembered = remembered.is_some();
    let mapping = remembered.unwrap_or_else(|| Mapping {
        columns: lead_csv::guess_mapping(&headers)
            .into_iter()
            .map(|f| f.map(str::to_string))
            .collect(),
    });
    let p = path.clone();
    let m = mapping.clone();
    let rows = web::block(move || preview(&p, &m))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let chosen = mapping.columns.iter().map(|c| c.clone().unwrap_or_default()).collect();
    render(&MappingPage {
        ctx,
        upload: id,
        file_name,
        headers,
        chosen,
        fields: lead_csv::FIELDS,
        preview: rows,
        error: None,
        remembered: was_remembered,
    })
}

pub async fn start(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form = MappingForm::parse(&body, "leads.csv");
    let Some(path) = form.waiting_file(&state.settings, PREFIX) else {
        return Ok(redirect_with(
            &session,
            "/leads/imports",
            "error",
            "That upload has expired; upload the file again.",
        ));
    };
    let headers = headers_of(&path).await?;
    let mapping = form.mapping(&headers, lead_csv::FIELDS)?;
    let MappingForm { upload, file_name, .. } = form;
    if let Err(msg) = mapping.validate_mapping(&headers) {
        let p = path.clone();
        let m = mapping.clone();
        let rows = web::block(move || preview(&p, &m))
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        let chosen = mapping.columns.iter().map(|c| c.clone().unwrap_or_default()).collect();
        let page = MappingPage {
            ctx,
            upload,
            file_name,
            headers,
            chosen,
            fields: lead_csv::FIELDS,
            preview: rows,
            error: Some(msg),
            remembered: false,
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let chosen = Chosen {
        path,
        file_name,
        headers,
        mapping,
    };
    start_import(
        &state,
        &session,
        &user,
        MAPPING_KEY,
        chosen,
        "/leads/imports",
        |c, run| {
            let id = model::imports::insert_import(c, run.by, run.file_name, run.file_path, run.mapping, run.size)?;
            jobs::enqueue(c, &super::jobs::ImportRun { import_id: id }, now())?;
            audit::record(
                c,
                run.who,
                "leads.import_started",
                "lead_import",
                Some(id),
                run.file_name,
            )?;
            Ok(id)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "leads/import.html", blocks = ["progress"])]
struct ImportPage {
    ctx: PageCtx,
    import: ImportRow,
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let import = state.db.read(move |c| Ok(model::imports::find_import(c, id)?)).await?;
    let page = ImportPage { ctx, import };
    if is_partial(&req) {
        return render(&page.as_progress());
    }
    render(&page)
}

pub async fn report(state: web::Data<AppState>, path: web::Path<i64>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let import = state.db.read(move |c| Ok(model::imports::find_import(c, id)?)).await?;
    let Some(report) = import.report_path else {
        return Err(AppError::NotFound);
    };
    download_report(&req, report, format!("rejected-rows-import-{id}.csv")).await
}

// ---- the background job ---------------------------------------------------------------------

/// Counts the bytes read, for the progress bar.
pub struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R> Counting<R> {
    /// A reader of `inner`, and the count of bytes read from it so far.
    pub fn new(inner: R) -> (Self, std::sync::Arc<std::sync::atomic::AtomicU64>) {
        let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        (
            Counting {
                inner,
                read: read.clone(),
            },
            read,
        )
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Runs an import to the end (blocking: call it off the async executor).
pub fn run(db: &Db, settings: &Settings, caches: &crate::caches::Caches, import_id: i64) -> Result<(), String> {
    run_batches(db, settings, caches, import_id, usize::MAX).map(|_| ())
}

/// Runs at most `max_batches` batches of an import (blocking) and returns whether it is done.
///
/// Each batch of rows is taken in, and the import's progress recorded (rows read, counts), in one
/// transaction, so a run that stops anywhere — a crash, a read error, `max_batches` — leaves the
/// import at the end of a batch. The next run skips the rows already read, carries the counts on,
/// and cuts the rejected-rows report back to the rejections counted before appending to it: no row
/// is taken in, counted or reported twice.
pub fn run_batches(
    db: &Db,
    settings: &Settings,
    caches: &crate::caches::Caches,
    import_id: i64,
    max_batches: usize,
) -> Result<bool, String> {
    let import = db
        .read_blocking(|c| Ok(model::imports::find_import(c, import_id)?))
        .map_err(|e| e.to_string())?;
    if import.status == "done" {
        return Ok(true);
    }
    let mapping: Mapping = serde_json::from_str(&import.mapping).map_err(|e| format!("bad mapping: {e}"))?;
    let path = PathBuf::from(&import.file_path);
    let headers = read_head(&path)?;
    let file = std::fs::File::open(&path).map_err(|e| format!("the upload is gone: {e}"))?;
    let (counting, read) = Counting::new(file);
    let reader = BufReader::with_capacity(256 * 1024, counting);
    let today = now().date();
    let mut rows = lead_csv::rows(
        reader,
        &mapping,
        super::intake::SOURCE_IMPORT,
        today,
        chrono::Utc::now(),
    )?;
    let (mut processed, mut created, mut attached, mut rejected) = (
        import.processed_rows,
        import.created_count,
        import.attached_count,
        import.rejected_count,
    );
    if rows.by_ref().take(processed as usize).count() < processed as usize {
        return Err(rows
            .read_error()
            .map(|e| format!("the upload could not be read: {e}"))
            .unwrap_or_else(|| "the upload is shorter than the rows already imported".into()));
    }
    let report_path = imports_dir(settings).join(format!("rejected-{import_id}.csv"));
    let kept = (processed > 0).then_some(rejected as u64);
    let mut report = open_report(&report_path, &headers, kept)?;
    let who = EventActor {
        id: import.created_by,
        label: format!("import: {}", import.file_name),
        api_token_id: None,
    };
    for _ in 0..max_batches {
        let (mut batch, mut consumed, mut batch_rejected) = (Vec::with_capacity(BATCH), 0i32, 0i32);
        for outcome in rows.by_ref().take(BATCH) {
            consumed += 1;
            match outcome {
                RowOutcome::Valid { lead, .. } => batch.push(lead),
                RowOutcome::Invalid { line, errors, raw } => {
                    batch_rejected += 1;
                    report
                        .row(lead_csv::report_row(line, &errors, &raw))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        // On disk before the batch commits: a run that stops in between leaves rows that the next
        // run cuts off again.
        report.flush().map_err(|e| e.to_string())?;
        let progress = ImportProgress {
            status: "running",
            processed_bytes: read.load(std::sync::atomic::Ordering::Relaxed) as i64,
            processed_rows: processed + consumed,
            created,
            attached,
            rejected: rejected + batch_rejected,
            report_path: None,
            error: None,
            finished: false,
        };
        let who2 = who.clone();
        let (c, a) = db
            .write_blocking(move |conn| {
                let (mut c, mut a) = (0, 0);
                for lead in &batch {
                    match service::intake(
                        conn,
                        lead,
                        &who2,
                        settings,
                        caches,
                        service::Routing::Queue("Imported from a file: assign it by hand or in bulk."),
                    )? {
                        IntakeOutcome::Created(_) => c += 1,
                        IntakeOutcome::Attached(_) => a += 1,
                    }
                }
                let progress = ImportProgress {
                    created: progress.created + c,
                    attached: progress.attached + a,
                    ..progress
                };
                model::imports::update_import(conn, import_id, &progress)?;
                Ok((c, a))
            })
            .map_err(|e| e.to_string())?;
        processed += consumed;
        rejected += batch_rejected;
        created += c;
        attached += a;
        if (consumed as usize) < BATCH {
            return finish(
                db,
                &import,
                &rows,
                &report_path,
                (processed, created, attached, rejected),
            );
        }
    }
    Ok(false)
}

/// Marks an import done once its file is read to the end, or fails the run when reading stopped
/// early (the next run carries on from the last batch).
fn finish<R: Read>(
    db: &Db,
    import: &ImportRow,
    rows: &lead_csv::LeadRows<R>,
    report_path: &Path,
    (processed, created, attached, rejected): (i32, i32, i32, i32),
) -> Result<bool, String> {
    if let Some(e) = rows.read_error() {
        return Err(format!("the upload could not be read: {e}"));
    }
    let progress = ImportProgress {
        status: "done",
        processed_bytes: import.total_bytes,
        processed_rows: processed,
        created,
        attached,
        rejected,
        report_path: (rejected > 0).then(|| report_path.display().to_string()),
        error: None,
        finished: true,
    };
    db.write_blocking(|c| Ok(model::imports::update_import(c, import.id, &progress)?))
        .map_err(|e| e.to_string())?;
    if rejected == 0 {
        let _ = std::fs::remove_file(report_path);
    }
    let _ = std::fs::remove_file(&import.file_path);
    Ok(true)
}

/// Opens the rejected-rows report to add rows to: a new one with its header, or, when earlier
/// runs counted `kept` rejections, the existing one cut back to its header and those rows.
pub fn open_report(path: &Path, headers: &[String], kept: Option<u64>) -> Result<CsvWriter<std::fs::File>, String> {
    let failed = |e: std::io::Error| format!("the report could not be written: {e}");
    if let Some(kept) = kept {
        if let Ok(mut file) = std::fs::OpenOptions::new().read(true).write(true).open(path) {
            let end = spreadsheet::end_of_rows(&mut file, kept + 1).map_err(failed)?;
            file.set_len(end).map_err(failed)?;
            file.seek(SeekFrom::End(0)).map_err(failed)?;
            return Ok(CsvWriter::new(file));
        }
    }
    let mut report = CsvWriter::new(std::fs::File::create(path).map_err(failed)?);
    report
        .row(lead_csv::report_header(headers))
        .map_err(|e| e.to_string())?;
    Ok(report)
}

/// Marks an import failed for good (the job gave up).
pub fn mark_failed(db: &Db, import_id: i64, error: &str) {
    let _ = db.write_blocking(|c| {
        let i = model::imports::find_import(c, import_id)?;
        let p = ImportProgress {
            status: "failed",
            processed_bytes: i.processed_bytes,
            processed_rows: i.processed_rows,
            created: i.created_count,
            attached: i.attached_count,
            rejected: i.rejected_count,
            report_path: i.report_path,
            error: Some(error.chars().take(500).collect()),
            finished: true,
        };
        Ok(model::imports::update_import(c, import_id, &p)?)
    });
}
