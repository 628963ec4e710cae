//! "My policies" and the owner's list: search, filters, sort, keyset pages, partial updates, the streamed CSV export of the current filter (items 11, 12).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
