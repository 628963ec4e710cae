//! What every page needs: the signed-in user, the CSRF token, flash messages, the viewer's time zone.

use std::future::{ready, Ready};
use std::net::IpAddr;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use askama::filters::Safe;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use rand::RngCore;

use crate::agency::Agency;
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::dates;
use crate::error::AppError;

pub const SESSION_USER: &str = "uid";
pub const SESSION_VERSION: &str = "sv";
/// The secret naming the session's row in `user_sessions`.
pub const SESSION_ID: &str = "sid";
pub const SESSION_CSRF: &str = "csrf";
pub const SESSION_FLASH: &str = "flash";

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentUser>()
                .cloned()
                .ok_or(AppError::Unauthorized),
        )
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Flash {
    pub level: String,
    pub message: String,
}

/// Queues a message for the next page this browser sees.
pub fn flash(session: &Session, level: &str, message: impl Into<String>) {
    let mut all: Vec<Flash> = session.get(SESSION_FLASH).ok().flatten().unwrap_or_default();
    all.push(Flash {
        level: level.into(),
        message: message.into(),
    });
    let _ = session.insert(SESSION_FLASH, all);
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_CSRF) {
        return t;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let _ = session.insert(SESSION_CSRF, &token);
    token
}

/// Compares in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A labelled group of navigation items ("Sales", "People"…); the first group has no label.
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

/// The context every full page renders with.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub flashes: Vec<Flash>,
    pub path: String,
    /// Who the pages speak for: the agency's settings.
    pub agency: Arc<Agency>,
}

impl PageCtx {
    fn build(req: &HttpRequest, take_flashes: bool) -> PageCtx {
        let session = req.get_session();
        let flashes = if take_flashes {
            let f: Vec<Flash> = session.get(SESSION_FLASH).ok().flatten().unwrap_or_default();
            if !f.is_empty() {
                session.remove(SESSION_FLASH);
            }
            f
        } else {
            Vec::new()
        };
        PageCtx {
            user: req.extensions().get::<CurrentUser>().cloned(),
            csrf: csrf_token(&session),
            flashes,
            path: req.path().to_string(),
            agency: agency_of(req),
        }
    }

    /// For error pages: does not consume flash messages.
    pub fn for_error(req: &HttpRequest) -> PageCtx {
        PageCtx::build(req, false)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.name.as_str()).unwrap_or("")
    }

    /// The viewer's zone; for the public, the agency's.
    pub fn time_zone(&self) -> Tz {
        self.user.as_ref().map(|u| u.time_zone).unwrap_or(self.agency.time_zone)
    }

    /// The agency's name, for consumer pages (AE_AGENCY_NAME until the owner sets one).
    pub fn agency_name(&self) -> &str {
        &self.agency.name
    }

    /// What the layout's header shows: the agency's name once it has one, else the product's.
    pub fn brand_name(&self) -> &str {
        if self.agency.named {
            &self.agency.name
        } else {
            "Agency Engine"
        }
    }

    /// A UTC time shown in the viewer's time zone: "Dec 3, 2026 10:30 AM EST" (see `crate::dates`).
    pub fn time(&self, t: &NaiveDateTime) -> String {
        dates::date_time(*t, self.time_zone())
    }

    /// A UTC time in the viewer's zone, short enough for a table cell ("Dec 1, 9:05 AM").
    pub fn short_time(&self, t: &NaiveDateTime) -> String {
        t.and_utc()
            .with_timezone(&self.time_zone())
            .format("%b %-d, %-I:%M %p")
            .to_string()
    }

    pub fn time_opt(&self, t: &Option<NaiveDateTime>) -> String {
        t.as_ref().map(|t| self.time(t)).unwrap_or_else(|| "—".into())
    }

    /// A UTC time in the viewer's zone inside `<time datetime="…">`, for pages.
    pub fn when(&self, t: &NaiveDateTime) -> Safe<String> {
        Safe(format!(
            "<time datetime=\"{}\">{}</time>",
            dates::machine(*t),
            self.time(t)
        ))
    }

    pub fn when_opt(&self, t: &Option<NaiveDateTime>) -> Safe<String> {
        match t {
            Some(t) => self.when(t),
            None => Safe("—".into()),
        }
    }

    /// A calendar date written out inside `<time datetime="…">`: "Dec 3, 2026".
    pub fn date(&self, d: &NaiveDate) -> Safe<String> {
        Safe(format!(
            "<time datetime=\"{}\">{}</time>",
            dates::machine_date(*d),
            dates::date(*d)
        ))
    }

    pub fn date_opt(&self, d: &Option<NaiveDate>) -> Safe<String> {
        match d {
            Some(d) => self.date(d),
            None => Safe("—".into()),
        }
    }

    /// A calendar date in full, for certificates: "December 3, 2026".
    pub fn long_date(&self, d: &NaiveDate) -> Safe<String> {
        Safe(format!(
            "<time datetime=\"{}\">{}</time>",
            dates::machine_date(*d),
            dates::long_date(*d)
        ))
    }

    /// The navigation for the viewer's role, in groups (a sidebar on desktops, a menu on phones).
    pub fn nav(&self) -> Vec<NavGroup> {
        let Some(role) = self.role() else {
            return Vec::new();
        };
        let mut groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)> = vec![("", vec![("/", "Home")])];
        if !matches!(role, Role::Broker) {
            groups.push(("Sales", vec![("/leads", "Leads"), ("/tasks", "Tasks")]));
        }
        if matches!(role, Role::Owner | Role::Admin | Role::Agent) {
            let mut book = vec![
                ("/policies", "Policies"),
                ("/policies/renewals", "Renewals"),
                ("/policies/payments", "Payments"),
                ("/soa", "Scope of Appointment"),
            ];
            if role.is_staff() {
                book.push(("/policies/imports", "Import a book"));
            }
            groups.push(("Book", book));
        }
        if role.is_staff() {
            groups.push((
                "Commissions",
                vec![
                    ("/admin/commissions", "Overview"),
                    ("/admin/commissions/schedules", "Schedules"),
                    ("/admin/commissions/hierarchy", "Levels and uplines"),
                    ("/admin/commissions/holds", "Holds"),
                    ("/admin/commissions/payees", "Payee statements"),
                    ("/admin/commissions/statements", "Carrier statements"),
                    ("/admin/commissions/limits", "CMS limits and rules"),
                ],
            ));
        }
        if matches!(role, Role::Agent | Role::Broker) {
            groups.push(("Earnings", vec![("/commissions", "My commissions")]));
            groups.push((
                "Network",
                vec![
                    ("/network", "My network"),
                    ("/network/connections", "Connections"),
                    ("/network/referrals", "Referrals"),
                    ("/network/score", "Score and tier"),
                    ("/network/leaderboard", "Leaderboard"),
                    ("/network/teams", "Teams"),
                    ("/network/api-tokens", "My API tokens"),
                ],
            ));
        }
        if role.is_staff() {
            groups.push((
                "Network",
                vec![
                    ("/admin/network", "Broker network"),
                    ("/network/leaderboard", "Leaderboard"),
                    ("/network/teams", "Broker teams"),
                ],
            ));
        }
        if role.is_staff() {
            groups.push((
                "People",
                vec![
                    ("/admin/agents", "Agents"),
                    ("/admin/teams", "Teams"),
                    ("/admin/users", "Users"),
                ],
            ));
            groups.push((
                "Training",
                vec![("/admin/courses", "Courses"), ("/admin/training", "Training records")],
            ));
            groups.push((
                "Setup",
                vec![
                    ("/admin/carriers", "Carriers"),
                    ("/admin/policies/rules", "Policy rules"),
                    ("/admin/routing", "Routing"),
                    ("/admin/scoring", "Scoring"),
                    ("/admin/api-tokens", "API tokens"),
                    ("/admin/webhooks", "Webhooks"),
                    ("/admin/agency", "Agency settings"),
                ],
            ));
            groups.push(("System", vec![("/admin/jobs", "Jobs"), ("/admin/audit", "Audit log")]));
        }
        if matches!(role, Role::Agent | Role::Trainee) {
            groups.push((
                "Me",
                vec![
                    ("/me/profile", "My profile"),
                    ("/me/licences", "My licences"),
                    ("/learn", "My training"),
                ],
            ));
        }
        let current = self.current_nav_href(groups.iter().flat_map(|(_, items)| items.iter().map(|(h, _)| *h)));
        groups
            .into_iter()
            .map(|(label, items)| NavGroup {
                label,
                items: items
                    .into_iter()
                    .map(|(href, label)| NavItem {
                        href,
                        label,
                        current: Some(href) == current,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The item this page belongs to: the longest href that prefixes the path ("/" only for "/").
    fn current_nav_href(&self, hrefs: impl Iterator<Item = &'static str>) -> Option<&'static str> {
        hrefs
            .filter(|h| {
                if *h == "/" {
                    self.path == "/"
                } else {
                    self.path == *h || self.path.starts_with(&format!("{h}/"))
                }
            })
            .max_by_key(|h| h.len())
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageCtx::build(req, true)))
    }
}

/// The agency's settings the access middleware found for this request, else the last ones read,
/// else the name from the settings.
fn agency_of(req: &HttpRequest) -> Arc<Agency> {
    if let Some(a) = req.extensions().get::<Arc<Agency>>() {
        return a.clone();
    }
    match req.app_data::<actix_web::web::Data<crate::web::AppState>>() {
        Some(state) => state.agency.peek().unwrap_or_else(|| Arc::new(state.agency.fallback())),
        None => Arc::new(Agency::fallback("the agency")),
    }
}

/// Was this request made by app.js for one block of a page?
pub fn is_partial(req: &HttpRequest) -> bool {
    req.headers().get("x-partial").is_some_and(|v| v == "1")
}

/// The client's address: the peer, or, when AE_TRUST_PROXY is set and the peer is one of the
/// trusted proxies, the right-most X-Forwarded-For entry that is not a trusted proxy (the entries
/// to its left are whatever the client sent, and prove nothing).
pub fn client_ip(req: &HttpRequest, settings: &crate::config::Settings) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if !settings.trust_proxy {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    forwarded_client(peer, &forwarded, &settings.trusted_proxies).to_string()
}

/// Walks the hops from the nearest: each trusted proxy vouches for the address before it; the
/// first address that is not a trusted proxy is the client. An entry that is not an address ends
/// the walk at the last proxy that passed it on.
pub fn forwarded_client(peer: IpAddr, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        if !is_trusted(&client) {
            break;
        }
        match strip_port(entry.trim()).parse::<IpAddr>() {
            Ok(ip) => client = ip.to_canonical(),
            Err(_) => break,
        }
    }
    client
}

fn strip_port(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_from_addresses() {
        assert_eq!(strip_port("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(strip_port("[::1]:5000"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("10.0.0.2"), "10.0.0.2");
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_vouches_for() {
        let trusted: Vec<ipnet::IpNet> = vec!["127.0.0.0/8".parse().unwrap(), "10.0.0.0/24".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("127.0.0.1");
        // The client put 8.8.8.8 first; nginx appended the address it saw.
        assert_eq!(
            forwarded_client(proxy, &["8.8.8.8", " 203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // Two proxies in a row.
        assert_eq!(
            forwarded_client(proxy, &["8.8.8.8", "203.0.113.7", "10.0.0.3"], &trusted),
            ip("203.0.113.7")
        );
        // A peer that is not a proxy is the client, whatever it says.
        assert_eq!(
            forwarded_client(ip("198.51.100.4"), &["8.8.8.8"], &trusted),
            ip("198.51.100.4")
        );
        // No header: the proxy itself.
        assert_eq!(forwarded_client(proxy, &[], &trusted), proxy);
        // Garbage stops the walk at the proxy that passed it on.
        assert_eq!(forwarded_client(proxy, &["8.8.8.8", "not-an-ip"], &trusted), proxy);
        // Ports and brackets are stripped; IPv4-mapped IPv6 reads as IPv4.
        assert_eq!(
            forwarded_client(proxy, &["[2001:db8::1]:443"], &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            forwarded_client(proxy, &["::ffff:203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            forwarded_client(proxy, &["203.0.113.9:5000"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn token_comparison() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
    }
}
