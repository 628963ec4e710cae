//! Webhooks: owners and admins register endpoints for lead events. Each delivery is a job written
//! in the same transaction as the event, signed with HMAC-SHA256, retried with back-off, and kept
//! in a delivery log per endpoint.
//!
//! Endpoints go to public addresses only (unless `AE_WEBHOOK_ALLOW_PRIVATE`): otherwise anyone who
//! may register one could make the server post to its own network, such as a cloud metadata
//! service at 169.254.169.254. An address is checked when the endpoint is saved and again at each
//! delivery, after a fresh DNS look-up, and the connection goes to the very address checked, so a
//! name that changes its answer between the check and the connect gets nowhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model;
use super::model::webhooks::{DeliveryRow, EndpointRow};
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::{now, Db, DbConnection};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs;
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, render_status, AppState};

pub const EVENTS: &[&str] = &[
    "lead.created",
    "lead.updated",
    "lead.assigned",
    "lead.status_changed",
    "lead.consent_revoked",
];

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the
/// endpoint's secret and rejects stale timestamps, so a captured delivery cannot be replayed later.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

const PRIVATE_ADDRESS: &str =
    "This address is on a private network or this machine; webhooks go to public addresses only.";

/// An endpoint must be https, except on this machine (for development and tests). Without
/// `allow_private` it must not name a private, loopback or link-local address (a name is checked
/// again, resolved, at each delivery).
pub fn parse_endpoint_url(raw: &str, allow_private: bool) -> Result<String, String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|_| "Enter the full address, like https://crm.example.com/hooks/leads.".to_string())?;
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let public = match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        _ => !local,
    };
    if !public && !allow_private {
        return Err(PRIVATE_ADDRESS.into());
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url.to_string()),
        "http" if local => Ok(url.to_string()),
        _ => Err("Use an https:// address (plain http only for localhost).".into()),
    }
}

/// Whether a webhook may go to `ip` when private addresses are not allowed: not unspecified,
/// loopback, private (RFC 1918, IPv6 unique-local), link-local, shared (CGNAT), multicast,
/// broadcast, documentation, benchmarking or reserved, and no IPv6 form of an IPv4 address
/// (mapped, compatible); NAT64 and 6to4 addresses are judged by the IPv4 address inside.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 ranges a webhook may not reach, as (network, prefix length).
const NOT_PUBLIC_V4: &[(Ipv4Addr, u32)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (carrier-grade NAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata services
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 3),     // multicast, reserved, broadcast
];

/// IPv6 ranges a webhook may not reach, as (network, prefix length).
const NOT_PUBLIC_V6: &[(Ipv6Addr, u32)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // unspecified, loopback, IPv4-compatible
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96), // IPv4-mapped
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NOT_PUBLIC_V4.iter().any(|(net, len)| {
        let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
        bits & mask == u32::from(*net) & mask
    })
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let bits = u128::from(ip);
    !NOT_PUBLIC_V6.iter().any(|(net, len)| {
        let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
        bits & mask == u128::from(*net) & mask
    })
}

/// The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(v4(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(v4(s[1], s[2]))
    } else {
        None
    }
}

/// Where a delivery may connect: the endpoint's addresses, looked up now and every one of them
/// checked. `Err` says why the delivery is refused.
async fn resolve_endpoint(url: &url::Url, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(url::Host::Domain(d)) => tokio::net::lookup_host((d, port))
            .await
            .map_err(|e| format!("could not look up {d}: {e}"))?
            .collect(),
        None => return Err("the endpoint address has no host".into()),
    };
    if addrs.is_empty() {
        return Err(format!("{} has no address", url.host_str().unwrap_or_default()));
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "refused: {} is at {}, a private, loopback or link-local address (set AE_WEBHOOK_ALLOW_PRIVATE to allow it)",
                url.host_str().unwrap_or_default(),
                bad.ip()
            ));
        }
    }
    Ok(addrs)
}

/// A client for one delivery that connects only to `addrs` (the addresses just checked), follows
/// no redirect and takes no proxy, so nothing can steer the request elsewhere.
fn pinned_client(url: &url::Url, addrs: &[SocketAddr]) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5));
    if let Some(url::Host::Domain(d)) = url.host() {
        builder = builder.resolve_to_addrs(d, addrs);
    }
    builder
        .build()
        .map_err(|e| format!("could not prepare the request: {e}"))
}

fn payload(conn: &mut DbConnection, event: &str, lead_id: i64) -> Result<String, AppError> {
    let (lead, contact) = model::find_lead(conn, lead_id)?;
    Ok(serde_json::json!({
        "event": event,
        "sent_at": now().and_utc().to_rfc3339(),
        "lead": {
            "id": lead.id, "status": lead.status, "source": lead.source, "product_line": lead.product_line,
            "assigned_agent_id": lead.assigned_agent_id, "has_consent": lead.has_consent, "external_id": lead.external_id,
            "created_at": lead.created_at.and_utc().to_rfc3339(), "updated_at": lead.updated_at.and_utc().to_rfc3339(),
            "contact": {
                "first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
                "phone": contact.phone, "zip": contact.zip, "state": contact.state, "do_not_call": contact.do_not_call,
            }
        }
    })
    .to_string())
}

/// What a delivery is about (its log links to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Lead(i64),
    Policy(i64),
}

/// Queues a delivery to every active endpoint that wants `event`, in the caller's transaction.
pub fn emit(conn: &mut DbConnection, event: &str, lead_id: i64) -> Result<(), AppError> {
    queue(conn, event, Subject::Lead(lead_id), |c| payload(c, event, lead_id))
}

/// Queues a signed delivery of `event` about `subject` to every active endpoint that wants it,
/// in the caller's transaction; `body` writes the JSON payload, and is called only when some
/// endpoint wants the event. Every domain's webhooks go through here.
pub fn queue(
    conn: &mut DbConnection,
    event: &str,
    subject: Subject,
    body: impl FnOnce(&mut DbConnection) -> Result<String, AppError>,
) -> Result<(), AppError> {
    let targets: Vec<EndpointRow> = model::webhooks::endpoints(conn)?
        .into_iter()
        .filter(|e| e.wants(event))
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let body = body(conn)?;
    let about = match subject {
        Subject::Lead(id) => (Some(id), None),
        Subject::Policy(id) => (None, Some(id)),
    };
    for e in targets {
        let id = model::webhooks::insert_delivery(conn, e.id, event, about, &body)?;
        jobs::enqueue(conn, &super::jobs::WebhookDelivery { delivery_id: id }, now())?;
    }
    Ok(())
}

/// The choices of the endpoint form: every lead event and every policy event, each family with
/// its "all" entry (`*` is every lead event, `policy.*` every policy event).
pub fn subscribable() -> Vec<&'static str> {
    let mut all = vec!["*"];
    all.extend_from_slice(EVENTS);
    all.push("policy.*");
    all.extend_from_slice(crate::domain::policy::WEBHOOK_EVENTS);
    all
}

/// Sends one delivery. An error makes the job retry later; the last failure marks it failed.
/// Without `allow_private`, an endpoint whose name now resolves to a private address is refused
/// (a failed attempt, with the reason on the delivery) and is not contacted.
pub async fn deliver(db: &Db, allow_private: bool, delivery_id: i64, final_attempt: bool) -> Result<(), String> {
    let (delivery, endpoint) = db
        .read(move |c| Ok(model::webhooks::find_delivery(c, delivery_id)?))
        .await
        .map_err(|e| e.to_string())?;
    if !endpoint.active {
        return Ok(());
    }
    let (status, code, error) = match send(&endpoint, &delivery, allow_private).await {
        Ok(r) if r.status().is_success() => ("delivered", Some(r.status().as_u16() as i32), None),
        Ok(r) => (
            "pending",
            Some(r.status().as_u16() as i32),
            Some(format!("the endpoint answered {}", r.status())),
        ),
        Err(e) => ("pending", None, Some(e)),
    };
    let status = if status == "pending" && final_attempt {
        "failed"
    } else {
        status
    };
    let err = error.clone();
    db.write(move |c| {
        Ok(model::webhooks::record_attempt(
            c,
            delivery_id,
            status,
            code,
            err.as_deref(),
        )?)
    })
    .await
    .map_err(|e| e.to_string())?;
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Posts the signed delivery to the endpoint's checked address.
async fn send(
    endpoint: &EndpointRow,
    delivery: &DeliveryRow,
    allow_private: bool,
) -> Result<reqwest::Response, String> {
    let url = url::Url::parse(&endpoint.url).map_err(|e| format!("the endpoint address is not valid: {e}"))?;
    let addrs = resolve_endpoint(&url, allow_private).await?;
    let ts = chrono::Utc::now().timestamp();
    pinned_client(&url, &addrs)?
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "AgencyEngine-Webhooks/1")
        .header("x-ae-event", &delivery.event)
        .header("x-ae-delivery", delivery.id.to_string())
        .header("x-ae-signature", signature(&endpoint.secret, ts, &delivery.payload))
        .body(delivery.payload.clone())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("could not reach the endpoint: {e}"))
}

pub fn max_attempts() -> i32 {
    <super::jobs::WebhookDelivery as jobs::Job>::MAX_ATTEMPTS
}

// ---- pages ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "leads/webhooks.html")]
struct WebhooksPage {
    ctx: PageCtx,
    endpoints: Vec<EndpointRow>,
    url: String,
    errors: FieldErrors,
    events: &'static [&'static str],
    policy_events: &'static [&'static str],
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let endpoints = state.db.read(|c| Ok(model::webhooks::endpoints(c)?)).await?;
    render(&WebhooksPage {
        ctx,
        endpoints,
        url: String::new(),
        errors: FieldErrors::new(),
        events: EVENTS,
        policy_events: crate::domain::policy::WEBHOOK_EVENTS,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EndpointForm {
    url: Option<String>,
    events: Option<String>,
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<EndpointForm>,
) -> AppResult<HttpResponse> {
    let raw = form.url.clone().unwrap_or_default();
    let events = match form.events.as_deref().map(str::trim) {
        None | Some("") | Some("*") => "*".to_string(),
        Some(e) if subscribable().contains(&e) => e.to_string(),
        Some(_) => return Err(AppError::field("events", "Choose an event from the list.")),
    };
    let url = match parse_endpoint_url(&raw, state.settings.webhook_allow_private) {
        Ok(u) => u,
        Err(m) => {
            let mut errors = FieldErrors::new();
            errors.add("url", m);
            let endpoints = state.db.read(|c| Ok(model::webhooks::endpoints(c)?)).await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WebhooksPage {
                    ctx,
                    endpoints,
                    url: raw,
                    errors,
                    events: EVENTS,
                    policy_events: crate::domain::policy::WEBHOOK_EVENTS,
                },
            );
        }
    };
    let who = user.audit();
    let (uid, u) = (user.id, url.clone());
    let id = state
        .db
        .write(move |c| {
            let secret = crate::auth::tokens::new_secret();
            let id = model::webhooks::insert_endpoint(c, &u, &secret, &events, uid)?;
            audit::record(
                c,
                &who,
                "webhook.created",
                "webhook",
                Some(id),
                &format!("{u} for {events}"),
            )?;
            Ok(id)
        })
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/webhooks/{id}"),
        "success",
        "The endpoint is registered. Use its secret to check the signature of each delivery.",
    ))
}

#[derive(Template)]
#[template(path = "leads/webhook.html")]
struct WebhookPage {
    ctx: PageCtx,
    endpoint: EndpointRow,
    deliveries: Vec<DeliveryRow>,
}

pub async fn show(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (endpoint, deliveries) = state
        .db
        .read(move |c| {
            Ok((
                model::webhooks::find_endpoint(c, id)?,
                model::webhooks::deliveries_of(c, id)?,
            ))
        })
        .await?;
    render(&WebhookPage {
        ctx,
        endpoint,
        deliveries,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ActiveForm {
    active: Option<String>,
}

pub async fn set_active(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ActiveForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let active = form.active.as_deref() == Some("yes");
    let who = user.audit();
    state
        .db
        .write(move |c| {
            let e = model::webhooks::find_endpoint(c, id)?;
            model::webhooks::set_endpoint_active(c, id, active)?;
            audit::record(
                c,
                &who,
                if active { "webhook.activated" } else { "webhook.paused" },
                "webhook",
                Some(id),
                &e.url,
            )?;
            Ok(())
        })
        .await?;
    let msg = if active {
        "Deliveries to this endpoint are on."
    } else {
        "Deliveries to this endpoint are paused."
    };
    Ok(redirect_with(
        &session,
        &format!("/admin/webhooks/{id}"),
        "success",
        msg,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_and_body() {
        // Reference value from Python's hmac module: HMAC-SHA256(key="secret", "1700000000.{}").
        let sig = signature("secret", 1_700_000_000, "{}");
        assert_eq!(
            sig,
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(sig, signature("other", 1_700_000_000, "{}"));
        assert_ne!(sig, signature("secret", 1_700_000_001, "{}"));
    }

    #[test]
    fn endpoints_must_be_https_except_on_this_machine() {
        for allow_private in [false, true] {
            assert!(parse_endpoint_url("https://crm.example.com/hook", allow_private).is_ok());
            assert!(parse_endpoint_url("http://crm.example.com/hook", allow_private).is_err());
            assert!(parse_endpoint_url("ftp://x", allow_private).is_err());
            assert!(parse_endpoint_url("not a url", allow_private).is_err());
        }
        assert!(parse_endpoint_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(parse_endpoint_url("http://[::1]:9000/hook", true).is_ok());
        assert!(parse_endpoint_url("http://localhost:9000/hook", true).is_ok());
        assert!(parse_endpoint_url("https://10.0.0.5/hook", true).is_ok());
    }

    #[test]
    fn private_endpoints_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "https://127.0.0.2/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "https://10.0.0.5/",
            "https://192.168.1.20/",
            "https://[fd00::1]/",
            "https://[::ffff:10.0.0.5]/",
            "https://0.0.0.0/",
            "https://localhost/",
            "https://printer.localhost/",
            "https://2130706433/",
            "https://0x7f.1/",
        ] {
            assert_eq!(
                parse_endpoint_url(url, false),
                Err(PRIVATE_ADDRESS.to_string()),
                "{url}"
            );
        }
        assert!(parse_endpoint_url("https://93.184.216.34/hook", false).is_ok());
        assert!(parse_endpoint_url("https://[2606:4700::1111]/hook", false).is_ok());
    }

    #[test]
    fn only_public_addresses_are_public() {
        let cases: &[(&str, bool)] = &[
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("172.15.255.255", true),
            ("172.32.0.0", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.5", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("169.254.169.254", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.168.0.1", false),
            ("198.18.0.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("2606:4700::1111", true),
            ("2001:4860:4860::8888", true),
            ("64:ff9b::808:808", true),
            ("2002:808:808::1", true),
            ("::", false),
            ("::1", false),
            ("::ffff:8.8.8.8", false),
            ("::ffff:127.0.0.1", false),
            ("::127.0.0.1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("100::1", false),
            ("64:ff9b::a00:5", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("2002:a00:5::1", false),
            ("2002:7f00:1::1", false),
        ];
        for (ip, public) in cases {
            assert_eq!(is_public(ip.parse().unwrap()), *public, "{ip}");
        }
    }
}
