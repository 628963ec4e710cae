//! Policies: carriers and products, the lifecycle, the licence check, the daily run.

#[allow(unused_imports)]
use super::*;
