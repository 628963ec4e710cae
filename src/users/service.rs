//! Account changes that reach beyond `auth`: creating a user, inviting one and changing a role
//! are `auth`'s, and here each also makes sure a user with an agent role has an agent profile —
//! the one place that rule is applied, so `auth` need not know the agents domain.

use crate::agents;
use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};
use crate::auth::service::{self as auth, Invitation};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::AppError;

/// A user with a password, from the command line or a demo seed; see
/// [`auth::create_user_with_password`].
pub fn create_user_with_password(
    conn: &mut DbConnection,
    actor: &AuditActor,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Result<i64, AppError> {
    let id = auth::create_user_with_password(conn, actor, email, name, role, password_hash)?;
    agents::service::ensure_profile_for_role(conn, id, name, role)?;
    Ok(id)
}

/// Creates the account (without a password) and queues the invitation e-mail; see
/// [`auth::invite`].
pub fn invite(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    inviter_name: &str,
    inv: &Invitation,
    settings: &Settings,
) -> Result<i64, AppError> {
    let id = auth::invite(conn, actor, who, inviter_name, inv, settings)?;
    agents::service::ensure_profile_for_role(conn, id, &inv.name, inv.role)?;
    Ok(id)
}

/// Changes a user's role; see [`auth::change_role`]. A role left as it was changes nothing.
pub fn change_role(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    role: Role,
) -> Result<String, AppError> {
    let before = crate::auth::model::find_user(conn, id)?;
    let message = auth::change_role(conn, actor, who, id, role)?;
    if before.role() != role {
        agents::service::ensure_profile_for_role(conn, id, &before.name, role)?;
    }
    Ok(message)
}
