//! Recording payments against the premium schedule, overdue flags, totals per policy and per agent (item 8).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
