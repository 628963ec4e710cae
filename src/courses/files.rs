//! Course files (owners and admins): a course's cover image, a lesson's video and documents,
//! received to disk, checked by their first bytes, then named in the database; and the cover
//! images served to learners.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};

use super::handlers::{change, done};
use super::{media, service};
use crate::audit::AuditActor;
use crate::auth::roles::Actor;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::upload::{self, Received};
use crate::web::{redirect_with, AppState};

/// Streams the multipart field `name` into `dir` under a temporary name, up to `max` bytes.
async fn receive_file(
    payload: actix_multipart::Multipart,
    name: &str,
    max: usize,
    dir: &std::path::Path,
) -> Result<Received, String> {
    let path = dir.join(format!(".upload-{}", uuid::Uuid::new_v4().simple()));
    let too_large = format!("The file is larger than {} MB.", max / (1024 * 1024));
    upload::receive_file(payload, name, path, max, &too_large).await
}

/// Receives the field `name` and tells its type (the extension it is kept under) by `sniff`;
/// what to tell the user when it is too large, or not a type `sniff` knows (`refusal`).
async fn receive_typed(
    payload: actix_multipart::Multipart,
    name: &str,
    max: usize,
    dir: &std::path::Path,
    sniff: impl FnOnce(&Received) -> Option<&'static str>,
    refusal: &str,
) -> Result<(Received, &'static str), String> {
    let got = receive_file(payload, name, max, dir).await?;
    match sniff(&got) {
        Some(ext) => Ok((got, ext)),
        None => {
            discard(&got);
            Err(refusal.to_string())
        }
    }
}

/// Where course files live.
pub fn files_dir(state: &AppState, kind: &str) -> std::path::PathBuf {
    state.settings.data_dir.join("courses").join(kind)
}

fn keep(received: &Received, dir: &std::path::Path, name: &str) -> Result<(), AppError> {
    std::fs::rename(&received.path, dir.join(name)).map_err(|e| AppError::internal(format!("saving an upload: {e}")))
}

fn discard(received: &Received) {
    let _ = std::fs::remove_file(&received.path);
}

/// After the database took the new file's name (or refused it): the upload is kept under `name`
/// and the file it replaces (when its name is one of ours, with one of `old_exts`) removed, or the
/// upload is thrown away and the refusal returned.
fn settle_replacement(
    received: &Received,
    dir: &std::path::Path,
    name: &str,
    written: Result<Option<String>, AppError>,
    old_exts: &[&str],
) -> Result<(), AppError> {
    match written {
        Ok(old) => {
            keep(received, dir, name)?;
            if let Some(old) = old.filter(|o| media::valid_stored_name(o, old_exts)) {
                let _ = std::fs::remove_file(dir.join(old));
            }
            Ok(())
        }
        Err(e) => {
            discard(received);
            Err(e)
        }
    }
}

/// A service change naming course or lesson `id`'s new file; answers the name it replaces.
type SetFile = fn(&mut DbConnection, Actor, &AuditActor, i64, &str) -> Result<Option<String>, AppError>;

/// A file that one course or lesson has at most one of, a new one replacing the old.
struct Single {
    /// The form field.
    field: &'static str,
    /// The folder below the course files.
    dir: &'static str,
    max: usize,
    sniff: fn(&[u8]) -> Option<&'static str>,
    refusal: &'static str,
    /// The extensions `sniff` answers: a replaced file with another is not ours to remove.
    exts: &'static [&'static str],
    /// Names the new file for course or lesson `id`; answers the name it replaces.
    set: SetFile,
    /// Where the form is, with `{id}` for the course or lesson.
    back: &'static str,
    saved: &'static str,
}

const COVER: Single = Single {
    field: "cover",
    dir: "covers",
    max: media::MAX_COVER_BYTES,
    sniff: crate::agents::photos::sniff,
    refusal: "The cover must be a JPEG, PNG or WebP image.",
    exts: &["jpg", "png", "webp"],
    set: service::set_cover,
    back: "/admin/courses/{id}",
    saved: "The cover image is updated.",
};

const VIDEO: Single = Single {
    field: "video",
    dir: "videos",
    max: media::MAX_VIDEO_BYTES,
    sniff: media::sniff_video,
    refusal: "The video must be an MP4 or WebM file.",
    exts: &["mp4", "webm"],
    set: service::set_video,
    back: "/admin/lessons/{id}",
    saved: "The video is uploaded.",
};

/// Receives `kind`'s file for course or lesson `id` and puts it in place of the old one.
async fn replace(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    id: i64,
    payload: actix_multipart::Multipart,
    kind: &Single,
) -> AppResult<HttpResponse> {
    let back = kind.back.replace("{id}", &id.to_string());
    let dir = files_dir(&state, kind.dir);
    let sniff = kind.sniff;
    let (got, ext) = match receive_typed(payload, kind.field, kind.max, &dir, |g| sniff(&g.head), kind.refusal).await {
        Ok(g) => g,
        Err(msg) => return Ok(redirect_with(&session, &back, "error", msg)),
    };
    let name = media::stored_name(id, ext);
    let (file, set) = (name.clone(), kind.set);
    let written = change(&state, &user, move |c, a, w| set(c, a, w, id, &file)).await;
    settle_replacement(&got, &dir, &name, written, kind.exts)?;
    Ok(done(&session, &back, kind.saved))
}

pub async fn upload_cover(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    replace(user, session, state, path.into_inner(), payload, &COVER).await
}

pub async fn upload_video(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    replace(user, session, state, path.into_inner(), payload, &VIDEO).await
}

pub async fn upload_document(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let back = format!("/admin/lessons/{id}");
    let dir = files_dir(&state, "documents");
    let refusal = "A document must be a PDF, or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx).";
    let sniff = |g: &Received| media::sniff_document(&g.head, &media::display_name(&g.file_name));
    let (got, ext) = match receive_typed(payload, "document", media::MAX_DOCUMENT_BYTES, &dir, sniff, refusal).await {
        Ok(g) => g,
        Err(msg) => return Ok(redirect_with(&session, &back, "error", msg)),
    };
    let original = media::display_name(&got.file_name);
    let name = media::stored_name(id, ext);
    let (file, orig, size) = (name.clone(), original.clone(), got.size as i64);
    let added = change(&state, &user, move |c, a, w| {
        service::add_document(c, a, w, id, &file, &orig, size)
    })
    .await;
    match added {
        Ok(_) => {
            keep(&got, &dir, &name)?;
            Ok(done(&session, &back, format!("{original} is added.")))
        }
        Err(e) => {
            discard(&got);
            Err(e)
        }
    }
}

pub async fn delete_document(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (lesson_id, file) = change(&state, &user, move |c, a, w| service::delete_document(c, a, w, id)).await?;
    if media::valid_stored_name(&file, &["pdf", "docx", "xlsx", "pptx"]) {
        let _ = std::fs::remove_file(files_dir(&state, "documents").join(file));
    }
    Ok(done(
        &session,
        &format!("/admin/lessons/{lesson_id}"),
        "The document is removed.",
    ))
}

/// Cover images, for anyone signed in who may see courses.
pub async fn cover(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let name = path.into_inner();
    if !media::valid_stored_name(&name, &["jpg", "png", "webp"]) {
        return Err(AppError::NotFound);
    }
    let path = files_dir(&state, "covers").join(&name);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    Ok(file.use_etag(true).into_response(&req))
}
