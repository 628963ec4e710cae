//! Changes to an active policy with their own effective date, before and after values and the premium delta (item 6).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
