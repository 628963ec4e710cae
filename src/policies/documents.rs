//! Policy documents: upload checked by their bytes, verify, download with access checked (item 9).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}
