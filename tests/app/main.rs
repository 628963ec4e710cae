//! Black-box tests: each test starts the real application on a fresh database (SQLite by default,
//! PostgreSQL when AE_TEST_DATABASE_URL names a server) and talks to it over HTTP.

mod agents;
mod auth;
mod authorization;
mod browser;
mod cli;
mod commissions;
mod courses;
mod harness;
mod jobs;
mod layout;
mod leads;
mod network;
mod network_api;
mod newuser;
mod ops;
mod policies;
mod protection;
mod receiver;
mod routing;
mod security;
mod smtp;
mod users;
