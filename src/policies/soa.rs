//! Scope of Appointment records for Medicare, with the one-time e-signature link (item 10).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
