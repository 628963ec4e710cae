//! Reading one file out of a multipart form, with a size limit.

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
