//! Who is acting in a request: the signed-in user, with the address the request came from. The
//! access middleware makes it once per request (`web::context` is its extractor), and the
//! permission actor and the audit actor both derive from it, so no handler builds them by hand.

use chrono_tz::Tz;

use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};

/// The signed-in, active user of this request (set by the access middleware).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub time_zone: Tz,
    /// The address the request came from (behind trusted proxies, the client's).
    pub ip: String,
    /// Unread notifications, for the badge in the header.
    pub unread: i64,
    /// The session's row (`user_sessions`), so it can be ended.
    pub session_id: i64,
}

impl CurrentUser {
    /// Who the permission checks of the services see.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }

    /// Who the audit log names, and from where.
    pub fn audit(&self) -> AuditActor {
        AuditActor {
            id: Some(self.id),
            label: self.email.clone(),
            ip: Some(self.ip.clone()),
        }
    }
}
