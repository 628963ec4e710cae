//! Profile photos: uploaded as multipart, checked by size and by their first bytes (not by the
//! name or the declared type), stored under the data folder, served at /photos/{file}.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};

use super::service;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::{redirect_with, AppState};

pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The file type from its first bytes: JPEG, PNG or WebP, else None.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// A stored file name is ours only: `<digits>-<hex>.<ext>`.
pub fn valid_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "jpg" | "png" | "webp")
        && !stem.is_empty()
        && stem.len() <= 40
        && stem
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c.is_ascii_digit() || c == '-')
}

/// An image saved from an upload under the data folder's `photos/`.
pub struct SavedImage {
    pub name: String,
    pub path: std::path::PathBuf,
}

/// Reads the multipart field `field` (`what` names it in messages: "photo", "logo"), checks it
/// is a JPEG, PNG or WebP of at most 2 MB by its first bytes, and saves it as `<prefix>-<hex>.<ext>`.
/// `Ok(Err(message))` is the user's mistake, to show them.
pub async fn save_image(
    state: &AppState,
    payload: actix_multipart::Multipart,
    field: &str,
    what: &str,
    prefix: i64,
) -> AppResult<Result<SavedImage, String>> {
    let too_large = format!("The {what} is larger than 2 MB.");
    let bytes = match crate::web::upload::read_field(payload, field, MAX_BYTES, &too_large).await {
        Ok(b) if b.is_empty() => return Ok(Err(format!("Choose a {what} to upload."))),
        Ok(b) => b,
        Err(msg) => return Ok(Err(msg)),
    };
    let Some(ext) = sniff(&bytes) else {
        return Ok(Err(format!("The {what} must be a JPEG, PNG or WebP image.")));
    };
    let dir = state.settings.data_dir.join("photos");
    let name = format!("{prefix}-{}.{ext}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let path = dir.join(&name);
    let write = {
        let path = path.clone();
        web::block(move || std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &bytes))).await
    };
    write
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::internal(format!("saving a {what}: {e}")))?;
    Ok(Ok(SavedImage { name, path }))
}

/// Removes an image replaced by a new one (only a file name of ours).
pub fn remove_replaced(state: &AppState, old: Option<String>) {
    if let Some(old) = old.filter(|o| valid_name(o)) {
        let _ = std::fs::remove_file(state.settings.data_dir.join("photos").join(old));
    }
}

/// Receives an upload for `agent_id` and goes back to `back` with the outcome.
pub async fn receive(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    agent_id: i64,
    payload: actix_multipart::Multipart,
    back: &str,
) -> AppResult<HttpResponse> {
    let saved = match save_image(&state, payload, "photo", "photo", agent_id).await? {
        Ok(saved) => saved,
        Err(msg) => return Ok(redirect_with(&session, back, "error", msg)),
    };
    let (actor, who) = (user.actor(), user.audit());
    let file = saved.name.clone();
    let old = match state
        .db
        .write(move |c| service::set_photo(c, actor, &who, agent_id, &file))
        .await
    {
        Ok(old) => old,
        Err(e) => {
            let _ = std::fs::remove_file(&saved.path);
            return Err(e);
        }
    };
    remove_replaced(&state, old);
    Ok(redirect_with(&session, back, "success", "The photo is updated."))
}

pub async fn serve(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let name = path.into_inner();
    if !valid_name(&name) {
        return Err(AppError::NotFound);
    }
    let path = state.settings.data_dir.join("photos").join(&name);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    Ok(file.use_etag(true).into_response(&req))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("jpg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn only_our_own_file_names_are_served() {
        assert!(valid_name("12-0af3c9d1e2b4.jpg"));
        assert!(!valid_name("../secret.key"));
        assert!(!valid_name("12-abc.svg"));
        assert!(!valid_name(".jpg"));
    }
}
