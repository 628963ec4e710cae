//! Queries for endorsements, payments and renewals.
