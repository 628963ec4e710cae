//! The renewals list, the agent's notice, the renewal offer, renewed (a linked new term) or declined (item 7).

use crate::web::routes::Routes;

/// This part's pages and endpoints.
pub fn routes(_r: &mut Routes) {}

/// Notifies each agent, once, of their policies whose term ends within the notice window (the
/// `renewal_notice_days` rule) and puts them on the renewals list; returns how many were
/// notified. The daily sweep calls it. (Written by the renewals part; until then, nothing.)
pub fn renewal_notices(
    _conn: &mut crate::db::DbConnection,
    _today: chrono::NaiveDate,
    _base_url: &str,
) -> Result<usize, crate::error::AppError> {
    Ok(0)
}
