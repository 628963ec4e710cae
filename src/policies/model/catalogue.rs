//! Queries for carriers and products.
