//! CSV roster import: upload, preview (what will be created, and each bad row with its line
//! number), confirm. Valid rows are created in one transaction; invalid rows are reported back.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, ProfileChanges};
use super::roster::{self, RosterRow, RowError};
use super::service;
use crate::audit::{self, AuditActor};
use crate::auth::roles::Actor;
use crate::auth::service::Invitation;
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, render_status, AppState};

const MAX_UPLOAD: usize = 2 * 1024 * 1024;

/// Moves rows whose e-mail or NPN is already in the database to the errors.
pub fn check_against_database(
    conn: &mut DbConnection,
    rows: Vec<RosterRow>,
    errors: &mut Vec<RowError>,
) -> Result<Vec<RosterRow>, AppError> {
    let mut ok = Vec::new();
    for row in rows {
        let mut messages = Vec::new();
        if crate::auth::model::find_user_by_email(conn, &row.email)?.is_some() {
            messages.push(format!("email: {} already has an account.", row.email));
        }
        if let Some(npn) = row.npn.as_deref() {
            if model::agent_with_npn(conn, npn)?.is_some() {
                messages.push(format!("npn: Another agent already has NPN {npn}."));
            }
        }
        if messages.is_empty() {
            ok.push(row);
        } else {
            errors.push(RowError {
                line: row.line,
                messages,
                raw: format!("{}, {}", row.name, row.email),
            });
        }
    }
    errors.sort_by_key(|e| e.line);
    Ok(ok)
}

/// Creates every row (account, invitation e-mail, profile) in the caller's transaction.
pub fn create_rows(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    inviter: &str,
    rows: &[RosterRow],
    settings: &Settings,
) -> Result<usize, AppError> {
    service::may_manage_agency(actor)?;
    for row in rows {
        let inv = Invitation::parse(&row.email, &row.name, &row.role).map_err(AppError::Validation)?;
        let user_id = crate::auth::service::invite(conn, actor, who, inviter, &inv, settings)?;
        let agent_id = service::ensure_profile(conn, user_id, &inv.name)?;
        let (agent, _) = model::find_agent(conn, agent_id)?;
        let changes = ProfileChanges {
            npn: row.npn.clone(),
            phone: row.phone.clone(),
            office_zip: agent.office_zip,
            bio: agent.bio,
            languages: if row.languages.is_empty() {
                agent.languages
            } else {
                row.languages.join(",")
            },
            accepting_leads: agent.accepting_leads,
            working_hours: agent.working_hours,
            updated_at: now(),
        };
        model::update_profile(conn, agent_id, &changes)?;
        model::set_declared_states(conn, agent_id, &row.states.join(","))?;
        audit::record(
            conn,
            who,
            "agent.imported",
            "agent",
            Some(agent_id),
            &format!("{} from line {}", row.email, row.line),
        )?;
    }
    Ok(rows.len())
}

#[derive(Template)]
#[template(path = "agents/import.html")]
struct ImportPage {
    ctx: PageCtx,
    error: Option<String>,
    upload: Option<String>,
    rows: Vec<RosterRow>,
    errors: Vec<RowError>,
    ignored: Vec<String>,
    created: Option<usize>,
}

impl ImportPage {
    fn empty(ctx: PageCtx) -> ImportPage {
        ImportPage {
            ctx,
            error: None,
            upload: None,
            rows: Vec::new(),
            errors: Vec::new(),
            ignored: Vec::new(),
            created: None,
        }
    }
}

/// The upload form again, saying why the file could not be used.
fn failed(ctx: PageCtx, msg: String) -> AppResult<HttpResponse> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ImportPage {
            error: Some(msg),
            ..ImportPage::empty(ctx)
        },
    )
}

pub async fn form(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&ImportPage::empty(ctx))
}

fn upload_path(settings: &Settings, id: &str) -> Option<std::path::PathBuf> {
    (id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| settings.data_dir.join("imports").join(format!("{id}.csv")))
}

/// Parses the file and checks it against the database, without writing anything.
async fn preview_of(state: &AppState, bytes: Vec<u8>) -> Result<(Vec<RosterRow>, Vec<RowError>, Vec<String>), String> {
    let preview = roster::parse_roster(&bytes)?;
    let mut errors = preview.errors;
    let rows = preview.rows;
    let (rows, errors) = state
        .db
        .read(move |c| {
            let ok = check_against_database(c, rows, &mut errors)?;
            Ok((ok, errors))
        })
        .await
        .map_err(|e| e.public_message())?;
    Ok((rows, errors, preview.ignored_columns))
}

pub async fn preview(
    ctx: PageCtx,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let bytes = match crate::web::upload::read_field(
        payload,
        "file",
        MAX_UPLOAD,
        "The file is larger than 2 MB; split it into smaller files.",
    )
    .await
    {
        Ok(b) => b,
        Err(msg) => return failed(ctx, msg),
    };
    let stored = bytes.clone();
    let (rows, errors, ignored) = match preview_of(&state, bytes).await {
        Ok(p) => p,
        Err(msg) => return failed(ctx, msg),
    };
    // Keep the file until it is confirmed, so the preview is exactly what gets imported.
    let id = uuid::Uuid::new_v4().simple().to_string();
    let path = upload_path(&state.settings, &id).ok_or_else(|| AppError::internal("upload id"))?;
    web::block(move || {
        std::fs::create_dir_all(path.parent().expect("imports folder"))?;
        std::fs::write(&path, stored)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?
    .map_err(|e| AppError::internal(format!("saving an import: {e}")))?;
    let status = if rows.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &ImportPage {
            upload: Some(id),
            rows,
            errors,
            ignored,
            ..ImportPage::empty(ctx)
        },
    )
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfirmForm {
    upload: Option<String>,
}

pub async fn confirm(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let Some(path) = form.upload.as_deref().and_then(|id| upload_path(&state.settings, id)) else {
        return Ok(redirect_with(
            &session,
            "/admin/agents/import",
            "error",
            "That import has expired; upload the file again.",
        ));
    };
    let p = path.clone();
    let bytes = match web::block(move || std::fs::read(p))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
    {
        Ok(b) => b,
        Err(_) => {
            return Ok(redirect_with(
                &session,
                "/admin/agents/import",
                "error",
                "That import was already done or has expired; upload the file again.",
            ))
        }
    };
    let (rows, errors, ignored) = match preview_of(&state, bytes).await {
        Ok(p) => p,
        Err(msg) => return failed(ctx, msg),
    };
    let (actor, who, inviter) = (user.actor(), user.audit(), user.name.clone());
    let settings = state.settings.clone();
    let to_create = rows.clone();
    let created = state
        .db
        .write(move |c| create_rows(c, actor, &who, &inviter, &to_create, &settings))
        .await?;
    let _ = std::fs::remove_file(&path);
    state.jobs_wakeup.notify_one();
    render(&ImportPage {
        rows,
        errors,
        ignored,
        created: Some(created),
        ..ImportPage::empty(ctx)
    })
}
