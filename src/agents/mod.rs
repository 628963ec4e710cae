//! Agents: profiles, licences, readiness to sell, teams, availability — the roster of the agency
//! and the agent's own pages. `readiness::may_sell` is the one place the selling rule lives.

pub mod fields;
mod forms;
mod handlers;
pub mod import;
mod me;
pub mod model;
pub mod photos;
pub mod readiness;
pub mod reminders;
pub mod roster;
pub mod service;
mod teams;
pub mod view;

use crate::auth::roles::{Role, STAFF};
use crate::web::routes::{Access, Routes};

/// Agents and trainees (a trainee is an agent not yet ready to sell).
pub const AGENTS: &[Role] = &[Role::Agent, Role::Trainee];

pub fn routes(r: &mut Routes) {
    r.get("/admin/agents", Access::Roles(STAFF), handlers::index)
        .get("/admin/agents/new", Access::Roles(STAFF), handlers::new_form)
        .post("/admin/agents", Access::Roles(STAFF), handlers::create)
        .get("/admin/agents/import", Access::Roles(STAFF), import::form)
        .post("/admin/agents/import", Access::Roles(STAFF), import::preview)
        .post(
            "/admin/agents/import/confirmation",
            Access::Roles(STAFF),
            import::confirm,
        )
        .get("/admin/agents/{id}", Access::Roles(STAFF), handlers::show)
        .get("/admin/agents/{id}/edit", Access::Roles(STAFF), handlers::edit_form)
        .post("/admin/agents/{id}", Access::Roles(STAFF), handlers::update)
        .post("/admin/agents/{id}/photo", Access::Roles(STAFF), handlers::upload_photo)
        .post("/admin/agents/{id}/team", Access::Roles(STAFF), handlers::set_team)
        .post(
            "/admin/agents/{id}/licences",
            Access::Roles(STAFF),
            handlers::add_licence,
        )
        .post(
            "/admin/agents/{id}/licences/{licence_id}/deletion",
            Access::Roles(STAFF),
            handlers::remove_licence,
        )
        .post(
            "/admin/agents/{id}/certifications",
            Access::Roles(STAFF),
            handlers::add_certification,
        )
        .post(
            "/admin/agents/{id}/certifications/{certification_id}/deletion",
            Access::Roles(STAFF),
            handlers::remove_certification,
        )
        .get("/admin/teams", Access::Roles(STAFF), teams::index)
        .post("/admin/teams", Access::Roles(STAFF), teams::create)
        .get("/admin/teams/{id}", Access::Roles(STAFF), teams::show)
        .post("/admin/teams/{id}", Access::Roles(STAFF), teams::update)
        .post("/admin/teams/{id}/members", Access::Roles(STAFF), teams::add_member)
        .post(
            "/admin/teams/{id}/members/{agent_id}/removal",
            Access::Roles(STAFF),
            teams::remove_member,
        )
        .post("/admin/teams/{id}/deletion", Access::Roles(STAFF), teams::delete)
        .get("/me/profile", Access::Roles(AGENTS), me::profile)
        .post("/me/profile", Access::Roles(AGENTS), me::update_profile)
        .post("/me/photo", Access::Roles(AGENTS), me::upload_photo)
        .post("/me/accepting", Access::Roles(AGENTS), me::set_accepting)
        .get("/me/licences", Access::Roles(AGENTS), me::licences)
        .post("/me/licences", Access::Roles(AGENTS), me::add_licence)
        .post(
            "/me/licences/{licence_id}/deletion",
            Access::Roles(AGENTS),
            me::remove_licence,
        )
        .post("/me/certifications", Access::Roles(AGENTS), me::add_certification)
        .post(
            "/me/certifications/{certification_id}/deletion",
            Access::Roles(AGENTS),
            me::remove_certification,
        )
        .get("/team", Access::Roles(AGENTS), me::team)
        .get("/photos/{file}", Access::Public, photos::serve);
}
