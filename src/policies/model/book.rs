//! Queries for book-of-business imports.
