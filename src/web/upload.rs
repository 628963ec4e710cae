//! Reading one file out of a multipart form, with a size limit: into memory ([`read_field`]), with
//! the form's other fields ([`read_form`]), or onto disk as it arrives ([`receive_file`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;

/// The bytes of the field `name` (other fields are skipped). `Err` says what went wrong, for the user.
pub async fn read_field(
    mut payload: actix_multipart::Multipart,
    name: &str,
    max_bytes: usize,
    too_large: &str,
) -> Result<Vec<u8>, String> {
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| format!("The upload could not be read: {e}"))?;
        if field.name() != Some(name) {
            while field.next().await.is_some() {}
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("The upload could not be read: {e}"))?;
            if bytes.len() + chunk.len() > max_bytes {
                return Err(too_large.to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err("Choose a file to upload.".into())
}

/// A multipart form read into memory: its text fields and the one file field.
#[derive(Debug, Default)]
pub struct MultipartForm {
    /// The text fields, as sent (each at most 4 KB).
    pub fields: Vec<(String, String)>,
    /// The file: the name the browser gave, and its bytes (empty when none was chosen).
    pub file: Option<(String, Vec<u8>)>,
}

impl MultipartForm {
    /// A text field's value, trimmed ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }
}

/// Reads a whole multipart form: every text field (4 KB each at most) and the file field
/// `file_field` (at most `max_bytes`; `too_large` is the message beyond). `Err` says what went
/// wrong, for the user.
pub async fn read_form(
    mut payload: actix_multipart::Multipart,
    file_field: &str,
    max_bytes: usize,
    too_large: &str,
) -> Result<MultipartForm, String> {
    const UNREAD: &str = "The upload could not be read; try again.";
    let mut form = MultipartForm::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| UNREAD.to_string())?;
        let name = field.name().unwrap_or("").to_string();
        let is_file = name == file_field;
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("")
            .to_string();
        let limit = if is_file { max_bytes } else { 4096 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| UNREAD.to_string())?;
            if bytes.len() + chunk.len() > limit {
                return Err(if is_file { too_large } else { "The form is too large." }.to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            form.file = Some((file_name, bytes));
        } else if form.fields.len() < 100 {
            form.fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(form)
}

/// An uploaded file written to disk as it arrived.
pub struct Received {
    pub path: PathBuf,
    /// The first 64 bytes, to tell what the file is.
    pub head: Vec<u8>,
    pub size: usize,
    /// The name the browser gave, as sent.
    pub file_name: String,
}

/// A file being written from an upload, removed again unless it is kept: an upload that fails,
/// is refused, or is dropped half way (the client went away and the request with it) leaves
/// nothing on disk.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Streams the multipart field `name` into a new file at `path`, up to `max` bytes (`too_large`
/// is the message beyond). `Err` says what went wrong, for the user; the file is then gone.
pub async fn receive_file(
    mut payload: actix_multipart::Multipart,
    name: &str,
    path: PathBuf,
    max: usize,
    too_large: &str,
) -> Result<Received, String> {
    const UNREAD: &str = "The upload could not be read";
    const UNSAVED: &str = "The file could not be saved";
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| format!("{UNREAD}: {e}"))?;
        if field.name() != Some(name) {
            while field.next().await.is_some() {}
            continue;
        }
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("")
            .to_string();
        let mut partial = Partial {
            path: path.clone(),
            kept: false,
        };
        let mut file = create(&path).map_err(|e| format!("{UNSAVED}: {e}"))?;
        let (mut head, mut size) = (Vec::new(), 0usize);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("{UNREAD}: {e}"))?;
            size += chunk.len();
            if size > max {
                return Err(too_large.to_string());
            }
            if head.len() < 64 {
                head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
            }
            file.write_all(&chunk).map_err(|e| format!("{UNSAVED}: {e}"))?;
        }
        if size == 0 {
            return Err("Choose a file to upload.".into());
        }
        file.flush().map_err(|e| format!("{UNSAVED}: {e}"))?;
        partial.kept = true;
        return Ok(Received {
            path,
            head,
            size,
            file_name,
        });
    }
    Err("Choose a file to upload.".into())
}

fn create(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::File::create(path)
}
