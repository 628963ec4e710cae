//! Importing a book of business from CSV: column mapping, preview, per-row errors, remembered mapping, a background job with progress, nothing half-written (item 12).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}

/// This part's jobs.
pub fn register(_r: &mut crate::jobs::Registry) {}
