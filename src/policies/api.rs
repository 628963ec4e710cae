//! The policy API: GET list, GET one, POST with the lead API's validation, error and idempotency rules (item 13).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
