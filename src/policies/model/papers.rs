//! Queries for documents and SOA records.
