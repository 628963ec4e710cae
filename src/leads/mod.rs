//! Leads and contacts: intake from the API, the public form and CSV files; consent; an
//! append-only history; the agent's pipeline with notes and follow-ups; search, export and
//! webhooks.
//!
//! Where things are: `pipeline` (the statuses and which changes are allowed), `intake` (the
//! intake request and its validation), `model` (queries; import runs' and webhooks' in
//! `model/`), `service` (changes, with permission checks, history and webhooks), `handlers`
//! (the lead pages, thin) and `view` (what only those pages need).

pub mod agenda;
pub mod api;
mod csv_records;
pub mod export;
pub mod handlers;
pub mod history;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod lead_csv;
pub mod model;
pub mod pipeline;
pub mod quote;
pub mod service;
pub mod view;
pub mod webhooks;

pub use model::Caches;

use crate::auth::roles::{Role, STAFF};
use crate::auth::scopes::Scope;
use crate::web::routes::{Access, Routes};

/// Who works leads: owners and admins see all of them, agents and trainees their own.
pub const LEAD_USERS: &[Role] = &[Role::Owner, Role::Admin, Role::Agent, Role::Trainee];

/// POSTs to these share the public-form rate limit per address.
pub const PUBLIC_FORM_PATHS: &[&str] = &["/quote"];

pub fn routes(r: &mut Routes) {
    r.get("/leads", Access::Roles(LEAD_USERS), handlers::index)
        .get("/leads/export", Access::Roles(STAFF), export::export)
        .get("/leads/imports", Access::Roles(STAFF), import::index)
        .post("/leads/imports", Access::Roles(STAFF), import::upload)
        .post("/leads/imports/mapping", Access::Roles(STAFF), import::start)
        .get("/leads/imports/{id}", Access::Roles(STAFF), import::show)
        .get("/leads/imports/{id}/report", Access::Roles(STAFF), import::report)
        .post("/leads/bulk", Access::Roles(STAFF), handlers::bulk)
        .get("/leads/{id}", Access::Roles(LEAD_USERS), handlers::show)
        .post("/leads/{id}/status", Access::Roles(LEAD_USERS), handlers::change_status)
        .post(
            "/leads/{id}/details",
            Access::Roles(LEAD_USERS),
            handlers::update_details,
        )
        .post("/leads/{id}/notes", Access::Roles(LEAD_USERS), handlers::add_note)
        .post("/leads/{id}/tasks", Access::Roles(LEAD_USERS), handlers::add_task)
        .post("/leads/{id}/assignment", Access::Roles(STAFF), handlers::assign)
        .post("/leads/{id}/rerouting", Access::Roles(STAFF), handlers::reroute)
        .post(
            "/leads/{id}/consent-revocation",
            Access::Roles(LEAD_USERS),
            handlers::revoke_consent,
        )
        .get("/tasks", Access::Roles(LEAD_USERS), handlers::tasks)
        .post(
            "/tasks/{id}/completion",
            Access::Roles(LEAD_USERS),
            handlers::complete_task,
        )
        .get("/quote", Access::Public, quote::form)
        .post("/quote", Access::Public, quote::submit)
        .get("/quote/thanks", Access::Public, quote::thanks)
        .post("/api/v1/leads", Access::Api(&[Scope::LeadsWrite]), api::create)
        .get(
            "/api/v1/leads/{id}",
            Access::Api(&[Scope::LeadsRead, Scope::LeadsWrite]),
            api::show,
        )
        .post("/api/v1/bench/bare", Access::Api(&[Scope::LeadsWrite]), api::bench_bare)
        .get("/admin/webhooks", Access::Roles(STAFF), webhooks::index)
        .post("/admin/webhooks", Access::Roles(STAFF), webhooks::create)
        .get("/admin/webhooks/{id}", Access::Roles(STAFF), webhooks::show)
        .post(
            "/admin/webhooks/{id}/activation",
            Access::Roles(STAFF),
            webhooks::set_active,
        );
    r.limit_posts(PUBLIC_FORM_PATHS, crate::web::routes::RateLimit::PublicForm);
}
