//! The daily run: expires policies past term end (or non-renews them), lapses unpaid ones past grace, and sends renewal notices once (items 4, 7).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}

/// This part's jobs.
pub fn register(_r: &mut crate::jobs::Registry) {}
