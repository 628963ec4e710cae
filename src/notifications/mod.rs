//! In-app notifications: the badge in the header, the notifications page, and a server-sent
//! event stream that tells open pages the moment something arrives (an offer, an escalation).

pub mod handlers;
pub mod hub;
pub mod model;

use crate::web::routes::{Access, Routes};

pub fn routes(r: &mut Routes) {
    r.get("/notifications", Access::SignedIn, handlers::index)
        .post("/notifications/read", Access::SignedIn, handlers::read_all)
        .get("/notifications/{id}", Access::SignedIn, handlers::open)
        .get("/events", Access::SignedIn, handlers::events);
}
