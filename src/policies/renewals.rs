//! The renewals list, the agent's notice, the renewal offer, renewed (a linked new term) or declined (item 7).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
