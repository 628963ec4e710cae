//! Policies: endorsements, payments and renewals.

#[allow(unused_imports)]
use super::*;
