//! Where documents' bytes live: a trait with the local data folder as its default (item 9).
//!
//! The domain names a document by its key (`<policy id>/<32 hex>.<ext>`, made by [`new_key`]) and
//! hands the bytes to whatever [`DocumentStore`] start-up chose; an S3-compatible store is one more
//! implementation chosen in [`from_settings`], with nothing in the domain to change. Documents are
//! records that are kept: the only removal is [`DocumentStore::discard`], for bytes that no record
//! names because the write that would have recorded them failed.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Settings;

/// Keeps documents' bytes under keys. Calls block (run them in `web::block`).
pub trait DocumentStore: Send + Sync + 'static {
    /// Stores `bytes` under a new `key`; refuses a key that is already taken.
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// The bytes kept under `key` (`NotFound` when there are none).
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    /// Removes bytes just stored under `key` that no record names (the database write failed).
    fn discard(&self, key: &str) -> io::Result<()>;
    /// The store's name, for logs and the health of an installation.
    fn name(&self) -> &'static str;
}

/// The default: files under the data folder's `documents/policies/`.
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(data_dir: &std::path::Path) -> LocalStore {
        LocalStore {
            root: data_dir.join("documents").join("policies"),
        }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if !valid_key(key) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a document key"));
        }
        Ok(self.root.join(key))
    }
}

impl DocumentStore for LocalStore {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        // Written beside, then renamed: a reader never sees half a document.
        let tmp = dir.join(format!(".part-{}", uuid::Uuid::new_v4().simple()));
        let written = (|| {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            if path.exists() {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the key is taken"));
            }
            std::fs::rename(&tmp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }

    fn discard(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn name(&self) -> &'static str {
        "local"
    }
}

/// The store start-up registers: the local data folder (an S3-compatible store would be chosen
/// here, by a setting, and nowhere else).
pub fn from_settings(settings: &Settings) -> Arc<dyn DocumentStore> {
    Arc::new(LocalStore::new(&settings.data_dir))
}

/// A new key for a policy's document with this extension.
pub fn new_key(policy_id: i64, ext: &str) -> String {
    format!("{policy_id}/{}.{ext}", uuid::Uuid::new_v4().simple())
}

/// Only keys we made are ever opened: `<digits>/<32 hex>.<ext>`.
pub fn valid_key(key: &str) -> bool {
    let Some((dir, file)) = key.split_once('/') else {
        return false;
    };
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    !dir.is_empty()
        && dir.len() <= 20
        && dir.chars().all(|c| c.is_ascii_digit())
        && stem.len() == 32
        && stem.chars().all(|c| c.is_ascii_hexdigit())
        && matches!(ext, "pdf" | "jpg" | "png" | "webp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_store_keeps_bytes_under_our_keys_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let key = new_key(7, "pdf");
        store.put(&key, b"%PDF-1.4 x").unwrap();
        assert_eq!(store.get(&key).unwrap(), b"%PDF-1.4 x");
        assert!(store.put(&key, b"again").is_err(), "a key is written once");
        assert!(store.get("../../secret.key").is_err());
        assert!(store.get("7/abc.pdf").is_err());
        assert!(!valid_key("7/0123456789abcdef0123456789abcdef.exe"));
        assert!(valid_key("7/0123456789abcdef0123456789abcdef.png"));
    }
}
