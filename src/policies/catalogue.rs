//! Carriers and their products: the owner's list, its pages and CSV import of both (issue 15, item 1).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
