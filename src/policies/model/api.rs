//! Queries for the API's idempotency and reads.
