//! Agency Engine: one binary that runs a health, Medicare and life insurance agency.
//!
//! `startup` builds the application from `config::Settings`; every domain module exposes
//! `routes()` that registers its pages with an access rule (see `web::routes`).

pub mod agency;
pub mod agents;
pub mod audit;
pub mod auth;
pub mod caches;
pub mod cli;
pub mod commissions;
pub mod config;
pub mod courses;
pub mod daily;
pub mod dates;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod geo;
pub mod home;
pub mod jobs;
pub mod leads;
pub mod network;
pub mod notifications;
pub mod ops;
pub mod pdf;
pub mod policies;
pub mod routing;
pub mod scoring;
pub mod spreadsheet;
pub mod startup;
pub mod text;
pub mod uploads;
pub mod users;
pub mod web;
