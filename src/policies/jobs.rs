//! The policies domain's background jobs, each registered by the part that owns it.

use crate::jobs::Registry;

pub fn register(r: &mut Registry) {
    super::sweep::register(r);
    super::import::register(r);
}
