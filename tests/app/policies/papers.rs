//! Policies: documents, SOA records and the rules page.

#[allow(unused_imports)]
use super::*;
