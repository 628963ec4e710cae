//! The audit log: who changed what, when, from where. Written in the same transaction as the
//! change; browsable by owners and admins.

mod handlers;
pub mod model;

use actix_web::HttpRequest;

use crate::web::context::client_ip;
use crate::web::routes::{Access, Routes};

pub use model::record;

/// The audit page, open to `access` (the owners and admins: `startup` says so, so the log does not
/// depend on who the roles are).
pub fn routes(r: &mut Routes, access: Access) {
    r.get("/admin/audit", access, handlers::index);
}

/// Who did it, and from where.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

impl AuditActor {
    /// Someone not signed in (set-up, invitations, password resets), known by their address.
    pub fn anonymous(label: &str, req: &HttpRequest) -> AuditActor {
        AuditActor {
            id: None,
            label: label.into(),
            ip: Some(ip_of(req)),
        }
    }

    pub fn system(label: &str) -> AuditActor {
        AuditActor {
            id: None,
            label: label.into(),
            ip: None,
        }
    }
}

fn ip_of(req: &HttpRequest) -> String {
    match req.app_data::<actix_web::web::Data<crate::web::AppState>>() {
        Some(state) => client_ip(req, &state.settings),
        None => req
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unknown".into()),
    }
}
