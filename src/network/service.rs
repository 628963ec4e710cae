//! Every change to the network, each with its permission check, its history, its audit entry,
//! notifications and e-mails in the caller's transaction: profiles, connections, referrals and
//! their consent, their expiry, and their conversion into commission.

use chrono::NaiveDateTime;

use super::model::{self, ConnectionRow, Member, ProfileRow};
use crate::audit::{self, AuditActor};
use crate::auth::roles::Role;
use crate::db::{now, DbConnection};
use crate::domain::network::{ConnectionKind, ConnectionStatus};
use crate::domain::ProductLine;
use crate::error::{AppError, FieldErrors};
use crate::notifications::model as notices;

/// Who acts on the network: a member (a broker, or an agent with a network profile) or staff.
#[derive(Debug, Clone, Copy)]
pub struct NetworkActor {
    pub id: i64,
    pub role: Role,
}

/// Roles that may be network members: brokers always, agents when they opt in.
pub const MEMBER_ROLES: &[Role] = &[Role::Broker, Role::Agent];

pub(super) fn invalid(field: &str, msg: impl Into<String>) -> AppError {
    let mut e = FieldErrors::new();
    e.add(field, msg);
    AppError::Validation(e)
}

/// A cleaned line or text of at most `max` characters; a problem is added to `e` under `field`.
pub(super) fn cleaned(e: &mut FieldErrors, field: &str, what: &str, raw: &str, max: usize, multiline: bool) -> String {
    let r = if multiline {
        crate::text::clean_text(raw, max)
    } else {
        crate::text::clean_line(raw, max)
    };
    r.unwrap_or_else(|err| {
        e.add(field, err.message(what));
        String::new()
    })
}

/// The member's profile; a broker gets an empty one on first need (every broker is on the
/// network), anyone else must have opted in (404 otherwise).
pub fn member_profile(conn: &mut DbConnection, actor: NetworkActor) -> Result<ProfileRow, AppError> {
    if let Some(p) = model::profile(conn, actor.id)? {
        return Ok(p);
    }
    if actor.role != Role::Broker {
        return Err(AppError::NotFound);
    }
    let t = now();
    let p = ProfileRow {
        user_id: actor.id,
        brokerage: String::new(),
        lines: String::new(),
        specialisations: String::new(),
        states: String::new(),
        counties: String::new(),
        zips: String::new(),
        radius_miles: None,
        languages: "en".into(),
        capacity_per_month: 10,
        available: true,
        bio: String::new(),
        created_at: t,
        updated_at: t,
    };
    model::save_profile(conn, &p)?;
    Ok(p)
}

// ---- profiles -------------------------------------------------------------------------------

/// The profile form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub brokerage: String,
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub specialisations: String,
    #[serde(default)]
    pub states: String,
    #[serde(default)]
    pub counties: String,
    #[serde(default)]
    pub zips: String,
    #[serde(default)]
    pub radius_miles: String,
    #[serde(default)]
    pub languages: String,
    #[serde(default)]
    pub capacity_per_month: String,
    #[serde(default)]
    pub available: Option<String>,
    #[serde(default)]
    pub bio: String,
}

/// Checks the profile form: every problem named by its field, nothing saved unless all is well.
pub fn parse_profile(user_id: i64, f: &ProfileForm, created_at: NaiveDateTime) -> Result<ProfileRow, FieldErrors> {
    let mut e = FieldErrors::new();
    let brokerage = cleaned(&mut e, "brokerage", "brokerage", &f.brokerage, 120, false);
    let mut lines = Vec::new();
    for l in &f.lines {
        match l.parse::<ProductLine>() {
            Ok(p) if !lines.contains(&p.as_str()) => lines.push(p.as_str()),
            Ok(_) => {}
            Err(_) => e.add("lines", format!("{l:?} is not a product line.")),
        }
    }
    let states = match crate::domain::parse_states(&f.states) {
        Ok(s) => s.join(","),
        Err(m) => {
            e.add("states", m);
            String::new()
        }
    };
    let mut zips = Vec::new();
    for z in f.zips.split([',', ' ', ';']).map(str::trim).filter(|z| !z.is_empty()) {
        if z.len() == 5 && z.chars().all(|c| c.is_ascii_digit()) {
            zips.push(z.to_string());
        } else {
            e.add("zips", format!("{z:?} is not a five-digit ZIP code."));
        }
    }
    let radius_miles = match f.radius_miles.trim() {
        "" => None,
        r => match r.parse::<i32>() {
            Ok(n) if (1..=500).contains(&n) => Some(n),
            _ => {
                e.add(
                    "radius_miles",
                    "Give the radius in whole miles from 1 to 500, or leave it empty.",
                );
                None
            }
        },
    };
    if radius_miles.is_some() && zips.is_empty() {
        e.add("zips", "A radius needs at least one ZIP code to measure from.");
    }
    let languages = match crate::domain::parse_languages(if f.languages.trim().is_empty() {
        "en"
    } else {
        &f.languages
    }) {
        Ok(l) => l.join(","),
        Err(m) => {
            e.add("languages", m);
            String::new()
        }
    };
    let capacity_per_month = match f.capacity_per_month.trim().parse::<i32>() {
        Ok(n) if (0..=1000).contains(&n) => n,
        _ => {
            e.add(
                "capacity_per_month",
                "Give how many referrals you take a month, a whole number from 0 to 1,000.",
            );
            0
        }
    };
    let bio = cleaned(&mut e, "bio", "bio", &f.bio, 4000, true);
    let specialisations = cleaned(&mut e, "specialisations", "list", &f.specialisations, 300, false);
    let counties = cleaned(&mut e, "counties", "list", &f.counties, 300, false);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(ProfileRow {
        user_id,
        brokerage,
        lines: lines.join(","),
        specialisations,
        states,
        counties,
        zips: zips.join(","),
        radius_miles,
        languages,
        capacity_per_month,
        available: f.available.is_some(),
        bio,
        created_at,
        updated_at: now(),
    })
}

/// Saves the member's own profile (a broker's, or an agent opting in).
pub fn save_profile(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    f: &ProfileForm,
) -> Result<(), AppError> {
    if !MEMBER_ROLES.contains(&actor.role) {
        return Err(AppError::NotFound);
    }
    let created = model::profile(conn, actor.id)?
        .map(|p| p.created_at)
        .unwrap_or_else(now);
    let p = parse_profile(actor.id, f, created).map_err(AppError::Validation)?;
    model::save_profile(conn, &p)?;
    audit::record(
        conn,
        who,
        "network.profile_saved",
        "network_profile",
        Some(actor.id),
        "",
    )?;
    Ok(())
}

// ---- connections ----------------------------------------------------------------------------

/// Asks another member to connect: found by id (from search) or by e-mail.
pub fn request_connection(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    to: &str,
    kind: &str,
    message: &str,
) -> Result<(i64, String), AppError> {
    member_profile(conn, actor)?;
    let kind: ConnectionKind = kind
        .parse()
        .map_err(|_| invalid("kind", "Choose mentorship, partnership or cross-referral."))?;
    let to = to.trim();
    let user = match to.parse::<i64>() {
        Ok(id) => model::user_role(conn, Some(id), None)?,
        Err(_) if to.contains('@') => model::user_role(conn, None, Some(to))?,
        Err(_) => None,
    };
    // Every broker is on the network: one asked before their first visit gets their profile now.
    if let Some((id, role)) = user.filter(|(_, role)| *role == Role::Broker) {
        member_profile(conn, NetworkActor { id, role })?;
    }
    let other: Option<Member> = match user {
        Some((id, _)) => model::member(conn, id)?,
        None => None,
    };
    let Some(other) = other else {
        return Err(invalid(
            "to",
            "No member of the network has that e-mail address. Search by name, or ask them to join first.",
        ));
    };
    if other.id == actor.id {
        return Err(invalid("to", "You cannot connect with yourself."));
    }
    if let Some(open) = model::open_between(conn, actor.id, other.id)? {
        let msg = if open.status == ConnectionStatus::Active {
            format!("You are already connected with {}.", other.name)
        } else {
            format!(
                "A request between you and {} is already waiting for an answer.",
                other.name
            )
        };
        return Err(invalid("to", msg));
    }
    let mut e = FieldErrors::new();
    let message = cleaned(&mut e, "message", "message", message, 1000, true);
    e.into_result()?;
    let id = model::insert_connection(conn, actor.id, other.id, kind, &message)?;
    model::add_connection_event(conn, id, Some(actor.id), "requested")?;
    notices::notify(
        conn,
        other.id,
        "network.connection",
        &format!("{} asks to connect with you ({}).", who.label, kind.label()),
        "/network/connections",
    )?;
    audit::record(
        conn,
        who,
        "network.connection_requested",
        "network_connection",
        Some(id),
        &other.name,
    )?;
    Ok((id, other.name))
}

/// The connection, if the actor is on either side of it (404 otherwise).
fn own_connection(conn: &mut DbConnection, actor: NetworkActor, id: i64) -> Result<ConnectionRow, AppError> {
    match model::connection(conn, id)? {
        Some(c) if c.involves(actor.id) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// The addressee accepts or declines a waiting request.
pub fn answer_connection(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    accept: bool,
) -> Result<String, AppError> {
    let c = own_connection(conn, actor, id)?;
    if c.addressee_id != actor.id {
        return Err(invalid(
            "connection",
            "Only the member who was asked can answer this request.",
        ));
    }
    if c.status != ConnectionStatus::Pending {
        return Err(invalid(
            "connection",
            format!(
                "This request is no longer waiting: it is {}.",
                c.status.label().to_lowercase()
            ),
        ));
    }
    let status = if accept {
        ConnectionStatus::Active
    } else {
        ConnectionStatus::Declined
    };
    model::set_connection_status(conn, id, status, actor.id)?;
    model::add_connection_event(conn, id, Some(actor.id), if accept { "accepted" } else { "declined" })?;
    if accept {
        model::link(conn, &c)?;
        super::jobs::queue_scores(conn, &[c.requester_id, c.addressee_id])?;
    }
    notices::notify(
        conn,
        c.requester_id,
        "network.connection",
        &format!(
            "{} {} your connection request.",
            who.label,
            if accept { "accepted" } else { "declined" }
        ),
        "/network/connections",
    )?;
    audit::record(
        conn,
        who,
        if accept {
            "network.connection_accepted"
        } else {
            "network.connection_declined"
        },
        "network_connection",
        Some(id),
        "",
    )?;
    Ok(if accept {
        "Connected.".into()
    } else {
        "Request declined.".into()
    })
}

/// Either side ends an active connection (or the requester withdraws a waiting one); the history
/// stays, the link leaves the graph.
pub fn deactivate_connection(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
) -> Result<String, AppError> {
    let c = own_connection(conn, actor, id)?;
    if !matches!(c.status, ConnectionStatus::Active | ConnectionStatus::Pending) {
        return Err(invalid("connection", "This connection has already ended."));
    }
    model::set_connection_status(conn, id, ConnectionStatus::Inactive, actor.id)?;
    if model::unlink(conn, id)? > 0 {
        super::jobs::queue_scores(conn, &[c.requester_id, c.addressee_id])?;
    }
    model::add_connection_event(conn, id, Some(actor.id), "deactivated")?;
    notices::notify(
        conn,
        c.other(actor.id),
        "network.connection",
        &format!("{} ended your connection.", who.label),
        "/network/connections",
    )?;
    audit::record(
        conn,
        who,
        "network.connection_deactivated",
        "network_connection",
        Some(id),
        "",
    )?;
    Ok("The connection is inactive; its history is kept.".into())
}

pub use super::referrals::*;

// ---- the member's own API tokens ------------------------------------------------------------

/// A token for the member making it, acting as them on `/api/v1/network/…` (item 11). Only a
/// member makes their own; staff use the agency's token page.
pub fn create_own_token(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    name: &str,
) -> Result<(i64, String), AppError> {
    member_profile(conn, actor)?;
    crate::auth::service::create_member_token(conn, who, actor.id, name)
}

/// Revokes one of the member's own tokens (another member's is not found).
pub fn revoke_own_token(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
) -> Result<String, AppError> {
    member_profile(conn, actor)?;
    crate::auth::service::revoke_member_token(conn, who, actor.id, id)
}
