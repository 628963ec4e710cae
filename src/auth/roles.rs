//! Roles and what each may do to accounts. The rules are plain functions, unit-tested here.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Agent,
    Trainee,
    Broker,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Agent, Role::Trainee, Role::Broker];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Trainee => "trainee",
            Role::Broker => "broker",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Agent => "Agent",
            Role::Trainee => "Trainee",
            Role::Broker => "Broker",
        }
    }

    /// Owners and admins run the agency.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            "trainee" => Ok(Role::Trainee),
            "broker" => Ok(Role::Broker),
            other => Err(format!(
                "{other:?} is not a role; choose owner, admin, agent, trainee or broker"
            )),
        }
    }
}

/// Staff pages: owners and admins.
pub const STAFF: &[Role] = &[Role::Owner, Role::Admin];

/// The acting user as the rules see them.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
}

/// The account being acted on.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: i64,
    pub role: Role,
    pub active: bool,
}

/// Why an account change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Only owners and admins manage accounts.")]
    NotStaff,
    #[error("Only an owner may change an owner's account or make someone an owner.")]
    OwnerOnly,
    #[error("You cannot change your own role or deactivate yourself.")]
    SelfChange,
    #[error("The agency must keep at least one active owner.")]
    LastOwner,
}

/// May `actor` invite a new user with `role`?
pub fn may_invite(actor: Actor, role: Role) -> Result<(), Refusal> {
    if !actor.role.is_staff() {
        return Err(Refusal::NotStaff);
    }
    if role == Role::Owner && actor.role != Role::Owner {
        return Err(Refusal::OwnerOnly);
    }
    Ok(())
}

/// May `actor` give `target` the role `new_role`? `active_owners` counts active owners now.
pub fn may_change_role(actor: Actor, target: Target, new_role: Role, active_owners: i64) -> Result<(), Refusal> {
    may_manage(actor, target)?;
    if new_role == Role::Owner && actor.role != Role::Owner {
        return Err(Refusal::OwnerOnly);
    }
    if target.role == Role::Owner && new_role != Role::Owner && target.active && active_owners <= 1 {
        return Err(Refusal::LastOwner);
    }
    Ok(())
}

/// May `actor` deactivate `target`?
pub fn may_deactivate(actor: Actor, target: Target, active_owners: i64) -> Result<(), Refusal> {
    may_manage(actor, target)?;
    if target.role == Role::Owner && target.active && active_owners <= 1 {
        return Err(Refusal::LastOwner);
    }
    Ok(())
}

/// May `actor` reactivate `target`?
pub fn may_reactivate(actor: Actor, target: Target) -> Result<(), Refusal> {
    may_manage(actor, target)
}

fn may_manage(actor: Actor, target: Target) -> Result<(), Refusal> {
    if !actor.role.is_staff() {
        return Err(Refusal::NotStaff);
    }
    if actor.id == target.id {
        return Err(Refusal::SelfChange);
    }
    if target.role == Role::Owner && actor.role != Role::Owner {
        return Err(Refusal::OwnerOnly);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: Actor = Actor {
        id: 1,
        role: Role::Owner,
    };
    const ADMIN: Actor = Actor {
        id: 2,
        role: Role::Admin,
    };
    const AGENT: Actor = Actor {
        id: 3,
        role: Role::Agent,
    };

    fn target(id: i64, role: Role) -> Target {
        Target { id, role, active: true }
    }

    #[test]
    fn roles_parse_and_print() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert_eq!(" Admin ".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_staff_invite_and_only_owners_invite_owners() {
        assert!(may_invite(OWNER, Role::Owner).is_ok());
        assert!(may_invite(ADMIN, Role::Agent).is_ok());
        assert_eq!(may_invite(ADMIN, Role::Owner), Err(Refusal::OwnerOnly));
        assert_eq!(may_invite(AGENT, Role::Trainee), Err(Refusal::NotStaff));
    }

    #[test]
    fn nobody_changes_their_own_role() {
        assert_eq!(
            may_change_role(OWNER, target(1, Role::Owner), Role::Admin, 3),
            Err(Refusal::SelfChange)
        );
        assert_eq!(
            may_deactivate(ADMIN, target(2, Role::Admin), 1),
            Err(Refusal::SelfChange)
        );
    }

    #[test]
    fn admins_cannot_touch_owners_or_make_owners() {
        assert_eq!(
            may_change_role(ADMIN, target(9, Role::Owner), Role::Agent, 2),
            Err(Refusal::OwnerOnly)
        );
        assert_eq!(
            may_change_role(ADMIN, target(9, Role::Agent), Role::Owner, 2),
            Err(Refusal::OwnerOnly)
        );
        assert_eq!(
            may_deactivate(ADMIN, target(9, Role::Owner), 2),
            Err(Refusal::OwnerOnly)
        );
        assert!(may_change_role(ADMIN, target(9, Role::Trainee), Role::Agent, 1).is_ok());
    }

    #[test]
    fn the_last_active_owner_stays() {
        assert_eq!(
            may_deactivate(OWNER, target(9, Role::Owner), 1),
            Err(Refusal::LastOwner)
        );
        assert!(may_deactivate(OWNER, target(9, Role::Owner), 2).is_ok());
        assert_eq!(
            may_change_role(OWNER, target(9, Role::Owner), Role::Admin, 1),
            Err(Refusal::LastOwner)
        );
    }

    #[test]
    fn agents_manage_nobody() {
        assert_eq!(
            may_deactivate(AGENT, target(9, Role::Trainee), 1),
            Err(Refusal::NotStaff)
        );
        assert_eq!(may_reactivate(AGENT, target(9, Role::Trainee)), Err(Refusal::NotStaff));
    }
}
