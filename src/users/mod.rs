//! The owner's and admins' user pages: list (search, filter, paginate in place), invite, change
//! role, deactivate and reactivate.

mod handlers;
pub mod service;

use crate::auth::roles::STAFF;
use crate::web::routes::{Access, Routes};

pub fn routes(r: &mut Routes) {
    r.get("/admin/users", Access::Roles(STAFF), handlers::index)
        .get("/admin/users/new", Access::Roles(STAFF), handlers::new_form)
        .post("/admin/users", Access::Roles(STAFF), handlers::invite)
        .get("/admin/users/{id}", Access::Roles(STAFF), handlers::show)
        .post("/admin/users/{id}/role", Access::Roles(STAFF), handlers::change_role)
        .post(
            "/admin/users/{id}/deactivation",
            Access::Roles(STAFF),
            handlers::deactivate,
        )
        .post(
            "/admin/users/{id}/activation",
            Access::Roles(STAFF),
            handlers::reactivate,
        )
        .post(
            "/admin/users/{id}/invitation",
            Access::Roles(STAFF),
            handlers::resend_invitation,
        );
}
