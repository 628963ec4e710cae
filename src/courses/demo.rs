//! Demo courses for `seed-demo` (filled in below).

use crate::db::DbConnection;
use crate::web::errors::AppError;

pub fn seed(_conn: &mut DbConnection) -> Result<(), AppError> {
    Ok(())
}
