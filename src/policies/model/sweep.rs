//! Queries for the daily run.
