//! Policies: the policy lists, export, API and webhooks.

#[allow(unused_imports)]
use super::*;
