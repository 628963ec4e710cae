//! Policy documents: upload checked by their bytes, verify, download with access checked (item 9).
//!
//! The bytes go to the [`DocumentStore`] start-up registered (the data folder by default); the
//! row keeps the kind, the name given, the type found in the bytes, the size and the SHA-256.

use std::sync::Arc;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::model::papers::{self, NewDocument};
use super::service::{self, Viewer};
use super::storage::{self, DocumentStore};
use super::POLICY_USERS;
use crate::audit;
use crate::auth::roles::STAFF;
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::domain::policy::DocumentKind;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, AppState};

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.post("/policies/{id}/documents", Access::Roles(POLICY_USERS), upload)
        .get(
            "/policies/{id}/documents/{doc_id}",
            Access::Roles(POLICY_USERS),
            download,
        )
        .post("/policies/{id}/documents/{doc_id}/verify", Access::Roles(STAFF), verify);
}

/// What a document is, from its first bytes: a PDF or a JPEG, PNG or WebP image (the extension
/// it is kept under), else None. The name and the declared type are not believed.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else {
        crate::agents::photos::sniff(bytes)
    }
}

/// An upload, read and checked, ready to record.
pub struct Upload {
    pub kind: DocumentKind,
    pub file_name: String,
    pub ext: &'static str,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Records a document the store already keeps under `key`: the row, the policy's history event
/// and the audit entry. The viewer must see the policy.
pub fn add(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    up: &Upload,
    key: &str,
) -> Result<i64, AppError> {
    let policy = service::visible_policy(conn, viewer, policy_id)?;
    let sha = up.sha256.clone();
    let id = papers::insert_document(
        conn,
        &NewDocument {
            policy_id,
            kind: up.kind,
            file_name: up.file_name.clone(),
            content_type: crate::courses::media::content_type(up.ext).to_string(),
            size_bytes: up.size,
            storage_key: key.to_string(),
            sha256: sha.clone(),
            uploaded_by: viewer.user_id,
            created_at: now(),
        },
    )?;
    let details = serde_json::json!({
        "document_id": id, "kind": up.kind.as_str(), "file_name": up.file_name, "sha256": sha,
    })
    .to_string();
    super::model::add_event(conn, &viewer.event(policy_id, "document_added", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.document_added",
        "policy",
        Some(policy_id),
        &format!("{} {} ({})", policy.policy_number, up.file_name, up.kind.label()),
    )?;
    Ok(id)
}

/// Marks a document verified (staff). `false` when it already was (nothing is written).
pub fn mark_verified(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    doc_id: i64,
) -> Result<bool, AppError> {
    let policy = service::visible_policy(conn, viewer, policy_id)?;
    if !viewer.is_staff() {
        return Err(AppError::Forbidden);
    }
    let doc = papers::find_document(conn, policy_id, doc_id)?.ok_or(AppError::NotFound)?;
    if papers::mark_verified(conn, doc_id, viewer.user_id, now())? == 0 {
        return Ok(false);
    }
    let details = serde_json::json!({ "document_id": doc_id, "file_name": doc.file_name }).to_string();
    super::model::add_event(conn, &viewer.event(policy_id, "document_verified", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.document_verified",
        "policy",
        Some(policy_id),
        &format!("{} {}", policy.policy_number, doc.file_name),
    )?;
    Ok(true)
}

/// Reads the upload form: the `kind` field and the `file` (at most `max` bytes), checked by its
/// bytes. `Err` holds the field messages for the user.
async fn read_upload(mut payload: actix_multipart::Multipart, max: usize) -> Result<Upload, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut kind = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    let too_large = if max >= 1024 * 1024 {
        format!("The file is larger than {} MB.", max / (1024 * 1024))
    } else {
        format!("The file is larger than {} KB.", max.div_ceil(1024))
    };
    while let Some(field) = payload.next().await {
        let Ok(mut field) = field else {
            errors.add("file", "The upload could not be read; try again.");
            return Err(errors);
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if name == "file" { max } else { 4096 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else {
                errors.add("file", "The upload could not be read; try again.");
                return Err(errors);
            };
            if bytes.len() + chunk.len() > limit {
                errors.add(
                    "file",
                    if name == "file" {
                        too_large.as_str()
                    } else {
                        "The form is too large."
                    },
                );
                return Err(errors);
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "kind" => kind = Some(String::from_utf8_lossy(&bytes).trim().to_string()),
            "file" => file = Some((file_name.unwrap_or_default(), bytes)),
            _ => {}
        }
    }
    let kind = match kind.as_deref().unwrap_or("").parse::<DocumentKind>() {
        Ok(k) => Some(k),
        Err(_) => {
            errors.add("kind", "Choose what the document is.");
            None
        }
    };
    let file = match file {
        Some((_, b)) if b.is_empty() => {
            errors.add("file", "Choose a file to upload.");
            None
        }
        None => {
            errors.add("file", "Choose a file to upload.");
            None
        }
        Some((n, b)) => match sniff(&b) {
            Some(ext) => Some((n, b, ext)),
            None => {
                errors.add(
                    "file",
                    "A document must be a PDF or a JPEG, PNG or WebP image (this file's contents are neither).",
                );
                None
            }
        },
    };
    match (kind, file) {
        (Some(kind), Some((n, bytes, ext))) => Ok(Upload {
            kind,
            file_name: crate::courses::media::display_name(&n),
            ext,
            size: bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
        }),
        _ => Err(errors),
    }
}

fn store(state: &Option<web::Data<dyn DocumentStore>>) -> AppResult<Arc<dyn DocumentStore>> {
    state
        .as_ref()
        .map(|s| s.clone().into_inner())
        .ok_or_else(|| AppError::internal("no document store is registered"))
}

pub async fn upload(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    docs: Option<web::Data<dyn DocumentStore>>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // The policy first: another agent's is "not found", whatever they sent.
    let u = user.clone();
    state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            service::visible_policy(c, &viewer, id).map(|_| ())
        })
        .await?;
    let mut up = match read_upload(payload, state.settings.document_max_bytes).await {
        Ok(up) => up,
        Err(errors) => return super::handlers::policy_page(ctx, &state, &user, id, errors).await,
    };
    let store = store(&docs)?;
    let key = storage::new_key(id, up.ext);
    let (k, bytes) = (key.clone(), std::mem::take(&mut up.bytes));
    let kept = store.clone();
    web::block(move || kept.put(&k, &bytes))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::internal(format!("keeping a policy document: {e}")))?;
    let (u, name, k) = (user.clone(), up.file_name.clone(), key.clone());
    let recorded = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &u)?;
            add(c, &viewer, Some(u.ip.clone()), id, &up, &k)
        })
        .await;
    if let Err(e) = recorded {
        // No row names the bytes: they go, so the folder holds only documents on record.
        let k = key.clone();
        if let Ok(Err(gone)) = web::block(move || store.discard(&k)).await {
            tracing::warn!("an unrecorded policy document {key} stays on disk: {gone}");
        }
        return Err(e);
    }
    Ok(redirect_with(
        &session,
        &format!("/policies/{id}#documents"),
        "success",
        format!("{name} is added to the policy."),
    ))
}

pub async fn verify(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, doc_id) = path.into_inner();
    let u = user.clone();
    let changed = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &u)?;
            mark_verified(c, &viewer, Some(u.ip.clone()), id, doc_id)
        })
        .await?;
    let msg = if changed {
        "The document is marked verified."
    } else {
        "The document was already verified."
    };
    Ok(redirect_with(
        &session,
        &format!("/policies/{id}#documents"),
        "success",
        msg,
    ))
}

/// The document's bytes, for whoever may see its policy (anyone else: 404), as an attachment
/// with the type found at upload.
pub async fn download(
    user: CurrentUser,
    state: web::Data<AppState>,
    docs: Option<web::Data<dyn DocumentStore>>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, doc_id) = path.into_inner();
    let doc = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &user)?;
            service::visible_policy(c, &viewer, id)?;
            papers::find_document(c, id, doc_id)?.ok_or(AppError::NotFound)
        })
        .await?;
    let store = store(&docs)?;
    let key = doc.storage_key.clone();
    let bytes = web::block(move || store.get(&key))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::internal(format!("reading policy document {doc_id}: {e}")))?;
    let name = crate::courses::media::display_name(&doc.file_name);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, doc.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(sniff(b"This is text, named policy.pdf"), None);
        assert_eq!(sniff(b"<html><script>"), None);
    }
}
