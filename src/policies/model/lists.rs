//! Queries for the policy lists and export.
