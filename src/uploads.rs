//! Uploaded files nobody came back for: a lead, agent, book-of-business or carrier-statement file
//! uploaded but never imported, a course file whose upload was cut off by a crash. The daily job
//! removes those older than `AE_UPLOAD_MAX_AGE_HOURS`, never one that a pending or running import
//! still reads, and logs each file it removes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::Settings;

/// Tells the names of the uploads waiting in a folder from its other files.
type IsUpload = fn(&str) -> bool;

/// The folders uploads wait in, each with the test for the names of its waiting uploads (so that
/// reports and kept course files are never touched).
fn folders(settings: &Settings) -> Vec<(PathBuf, IsUpload)> {
    let mut out: Vec<(PathBuf, IsUpload)> = vec![(settings.data_dir.join("imports"), is_import_upload)];
    for kind in ["covers", "videos", "documents"] {
        out.push((settings.data_dir.join("courses").join(kind), is_course_upload));
    }
    out
}

/// `leads-<32 hex>.csv` (a lead file), `policies-<32 hex>.csv` (a book of business),
/// `statements-<32 hex>.csv` or `.xlsx` (a carrier's commission statement waiting for its column
/// map) or `<32 hex>.csv` (an agent file); not `rejected-<id>.csv` nor `policies-rejected-<id>.csv`.
fn is_import_upload(name: &str) -> bool {
    let is_id = |id: &str| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(stem) = name.strip_prefix("statements-") {
        return stem
            .strip_suffix(".csv")
            .or_else(|| stem.strip_suffix(".xlsx"))
            .is_some_and(is_id);
    }
    let Some(stem) = name.strip_suffix(".csv") else {
        return false;
    };
    let id = ["leads-", "policies-"]
        .iter()
        .find_map(|prefix| stem.strip_prefix(prefix))
        .unwrap_or(stem);
    is_id(id)
}

/// A course file still being received (it is renamed once it is kept).
fn is_course_upload(name: &str) -> bool {
    name.starts_with(".upload-")
}

/// Whether an upload written at `modified` is too old to be used at `now`.
pub fn is_expired(modified: SystemTime, now: SystemTime, max_age: Duration) -> bool {
    now.duration_since(modified).is_ok_and(|age| age >= max_age)
}

/// The uploads to remove: those of `files` (name, last written) older than `max_age` and not
/// `in_use`.
pub fn abandoned<'a>(
    files: &'a [(String, SystemTime)],
    in_use: &HashSet<String>,
    now: SystemTime,
    max_age: Duration,
) -> Vec<&'a str> {
    files
        .iter()
        .filter(|(name, modified)| is_expired(*modified, now, max_age) && !in_use.contains(name))
        .map(|(name, _)| name.as_str())
        .collect()
}

/// Whether the upload at `path` is missing or too old to import.
pub fn expired_file(path: &Path, settings: &Settings) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|modified| is_expired(modified, SystemTime::now(), settings.upload_max_age))
        .unwrap_or(true)
}

/// Removes the abandoned uploads (blocking) and returns what it removed. `in_use` are the files
/// a running import still reads (the daily job asks the leads and policies domains).
pub fn sweep(in_use: &[String], settings: &Settings) -> Result<Vec<PathBuf>, String> {
    let in_use: HashSet<String> = in_use
        .iter()
        .filter_map(|p| Path::new(p).file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for (dir, is_upload) in folders(settings) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let files: Vec<(String, SystemTime)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let name = e.file_name().into_string().ok().filter(|n| is_upload(n))?;
                Some((name, e.metadata().and_then(|m| m.modified()).ok()?))
            })
            .collect();
        for name in abandoned(&files, &in_use, now, settings.upload_max_age) {
            let path = dir.join(name);
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "removed an abandoned upload");
                    removed.push(path);
                }
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not remove an abandoned upload"),
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn only_old_uploads_no_import_needs_are_abandoned() {
        let now = SystemTime::UNIX_EPOCH + 1000 * HOUR;
        let files = vec![
            ("old.csv".to_string(), now - 25 * HOUR),
            ("in-use.csv".to_string(), now - 90 * HOUR),
            ("fresh.csv".to_string(), now - 23 * HOUR),
            ("just-expired.csv".to_string(), now - 24 * HOUR),
            ("from-the-future.csv".to_string(), now + HOUR),
        ];
        let in_use = HashSet::from(["in-use.csv".to_string()]);
        assert_eq!(
            abandoned(&files, &in_use, now, 24 * HOUR),
            vec!["old.csv", "just-expired.csv"]
        );
    }

    #[test]
    fn only_waiting_uploads_are_candidates() {
        let id = "0123456789abcdef0123456789abcdef";
        assert!(is_import_upload(&format!("leads-{id}.csv")));
        assert!(is_import_upload(&format!("{id}.csv")));
        assert!(is_import_upload(&format!("policies-{id}.csv")));
        assert!(is_import_upload(&format!("statements-{id}.csv")));
        assert!(is_import_upload(&format!("statements-{id}.xlsx")));
        assert!(!is_import_upload(&format!("statements-{id}.pdf")));
        assert!(!is_import_upload(&format!("{id}.xlsx")));
        assert!(!is_import_upload("policies-rejected-12.csv"));
        assert!(!is_import_upload("rejected-12.csv"));
        assert!(!is_import_upload(&format!("leads-{id}.txt")));
        assert!(!is_import_upload("leads-short.csv"));
        assert!(is_course_upload(".upload-9f8e"));
        assert!(!is_course_upload("12-0af3c9d1e2b4.mp4"));
    }
}
