//! Queries for lifecycle moves and the checks they need.
