//! Course files, pure: what an upload is (known by its first bytes, not its name), the names we
//! store them under, and the embeddable address of a hosted video.

/// The upload limits.
pub const MAX_COVER_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_VIDEO_BYTES: usize = 200 * 1024 * 1024;
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// A video file: MP4 (an ISO box `ftyp` at byte 4) or WebM (EBML header).
pub fn sniff_video(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some("mp4")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("webm")
    } else {
        None
    }
}

/// A document to download: PDF, or an Office file (a ZIP) named .docx, .xlsx or .pptx.
pub fn sniff_document(bytes: &[u8], original_name: &str) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some("pdf");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let lower = original_name.to_ascii_lowercase();
        for ext in ["docx", "xlsx", "pptx"] {
            if lower.ends_with(&format!(".{ext}")) {
                return Some(ext);
            }
        }
    }
    None
}

pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

/// A stored name: `<owner id>-<12 hex>.<ext>`.
pub fn stored_name(owner_id: i64, ext: &str) -> String {
    format!("{owner_id}-{}.{ext}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Only names we made are ever opened.
pub fn valid_stored_name(name: &str, exts: &[&str]) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    exts.contains(&ext)
        && !stem.is_empty()
        && stem.len() <= 40
        && stem.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// The original file name, made safe to show and to put in a Content-Disposition header.
pub fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')'))
        .take(120)
        .collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() {
        "document".into()
    } else {
        clean
    }
}

/// The hosts a lesson may embed a video from, for the page's Content-Security-Policy.
pub const EMBED_HOSTS: &str = "https://www.youtube-nocookie.com https://player.vimeo.com";

/// A YouTube or Vimeo link (as copied from the address bar or a share button) as the address of
/// its embeddable player; anything else is refused.
pub fn embed_url(raw: &str) -> Result<String, &'static str> {
    const MSG: &str = "Paste a YouTube or Vimeo link, like https://www.youtube.com/watch?v=… or https://vimeo.com/….";
    let url = url::Url::parse(raw.trim()).map_err(|_| MSG)?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(MSG);
    }
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches("www.")
        .trim_start_matches("m.");
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let ok_id = |id: &str, len: std::ops::RangeInclusive<usize>, digits_only: bool| {
        len.contains(&id.len())
            && id.chars().all(|c| {
                if digits_only {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_alphanumeric() || c == '-' || c == '_'
                }
            })
    };
    let youtube = |id: &str| {
        ok_id(id, 6..=20, false)
            .then(|| format!("https://www.youtube-nocookie.com/embed/{id}"))
            .ok_or(MSG)
    };
    match host {
        "youtube.com" | "youtube-nocookie.com" => match segments.as_slice() {
            ["watch"] => {
                let v = url.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned());
                youtube(v.as_deref().unwrap_or(""))
            }
            ["embed", id] | ["shorts", id] | ["live", id] => youtube(id),
            _ => Err(MSG),
        },
        "youtu.be" => match segments.as_slice() {
            [id] => youtube(id),
            _ => Err(MSG),
        },
        "vimeo.com" => match segments.as_slice() {
            [id] if ok_id(id, 3..=12, true) => Ok(format!("https://player.vimeo.com/video/{id}")),
            _ => Err(MSG),
        },
        "player.vimeo.com" => match segments.as_slice() {
            ["video", id] if ok_id(id, 3..=12, true) => Ok(format!("https://player.vimeo.com/video/{id}")),
            _ => Err(MSG),
        },
        _ => Err(MSG),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_and_documents_are_known_by_their_bytes() {
        assert_eq!(sniff_video(b"\0\0\0\x18ftypmp42\0\0\0\0"), Some("mp4"));
        assert_eq!(sniff_video(&[0x1A, 0x45, 0xDF, 0xA3, 1, 2]), Some("webm"));
        assert_eq!(sniff_video(b"<html>not a video</html>"), None);
        assert_eq!(sniff_document(b"%PDF-1.7 ...", "x.exe"), Some("pdf"));
        assert_eq!(sniff_document(b"PK\x03\x04....", "Plan guide.DOCX"), Some("docx"));
        assert_eq!(sniff_document(b"PK\x03\x04....", "archive.zip"), None);
        assert_eq!(sniff_document(b"MZ\x90\0", "guide.pdf"), None);
    }

    #[test]
    fn only_our_names_are_opened() {
        assert!(valid_stored_name("12-0af3c9d1e2b4.mp4", &["mp4", "webm"]));
        assert!(!valid_stored_name("../secret.key", &["key"]));
        assert!(!valid_stored_name("12-abc.mp4", &["pdf"]));
        assert_eq!(display_name("C:\\Users\\me\\Plan \"guide\".pdf"), "Plan guide.pdf");
        assert_eq!(display_name("\"\r\n"), "document");
    }

    #[test]
    fn hosted_videos_become_player_addresses() {
        assert_eq!(
            embed_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3").unwrap(),
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
        );
        assert_eq!(
            embed_url("https://youtu.be/dQw4w9WgXcQ").unwrap(),
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
        );
        assert_eq!(
            embed_url("https://vimeo.com/76979871").unwrap(),
            "https://player.vimeo.com/video/76979871"
        );
        assert!(embed_url("javascript:alert(1)").is_err());
        assert!(embed_url("https://evil.example/watch?v=dQw4w9WgXcQ").is_err());
        assert!(embed_url("https://www.youtube.com/watch?v=a\"onload=x").is_err());
    }
}
