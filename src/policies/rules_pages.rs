//! The owner's page for the policy rules (renewal notice days, grace days, SOA validity and retention, SOA wording), each with its source.

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
