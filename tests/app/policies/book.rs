//! Policies: book-of-business import.

#[allow(unused_imports)]
use super::*;
