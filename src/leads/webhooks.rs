//! Webhooks: owners and admins register endpoints for lead events. Each delivery is a job written
//! in the same transaction as the event, signed with HMAC-SHA256, retried with back-off, and kept
//! in a delivery log per endpoint.

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::{self, DeliveryRow, EndpointRow};
use crate::audit::{self, AuditActor};
use crate::db::{now, Db, DbConnection};
use crate::jobs;
use crate::web::context::{CurrentUser, PageCtx};
use crate::web::errors::{AppError, AppResult, FieldErrors};
use crate::web::{redirect_with, render, render_status, AppState};

pub const KIND: &str = "webhook";
pub const EVENTS: &[&str] = &[
    "lead.created",
    "lead.updated",
    "lead.assigned",
    "lead.status_changed",
    "lead.consent_revoked",
];
const MAX_ATTEMPTS: i32 = 8;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the
/// endpoint's secret and rejects stale timestamps, so a captured delivery cannot be replayed later.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// An endpoint must be https, except on this machine (for development and tests).
pub fn parse_endpoint_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|_| "Enter the full address, like https://crm.example.com/hooks/leads.".to_string())?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if local => Ok(url.to_string()),
        _ => Err("Use an https:// address (plain http only for localhost).".into()),
    }
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

/// Queues a delivery to every active endpoint that wants `event`, in the caller's transaction.
pub fn emit(conn: &mut DbConnection, event: &str, lead_id: i64) -> Result<(), AppError> {
    let targets: Vec<EndpointRow> = model::endpoints(conn)?.into_iter().filter(|e| e.wants(event)).collect();
    if targets.is_empty() {
        return Ok(());
    }
    let body = payload(conn, event, lead_id)?;
    for e in targets {
        let id = model::insert_delivery(conn, e.id, event, Some(lead_id), &body)?;
        jobs::model::insert(
            conn,
            KIND,
            &serde_json::json!({ "delivery_id": id }).to_string(),
            now(),
            MAX_ATTEMPTS,
        )?;
    }
    Ok(())
}

/// Sends one delivery. An error makes the job retry later; the last failure marks it failed.
pub async fn deliver(db: &Db, client: &reqwest::Client, delivery_id: i64, final_attempt: bool) -> Result<(), String> {
    let (delivery, endpoint) = db
        .read(move |c| Ok(model::find_delivery(c, delivery_id)?))
        .await
        .map_err(|e| e.to_string())?;
    if !endpoint.active {
        return Ok(());
    }
    let ts = chrono::Utc::now().timestamp();
    let result = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("user-agent", "AgencyEngine-Webhooks/1")
        .header("x-ae-event", &delivery.event)
        .header("x-ae-delivery", delivery.id.to_string())
        .header("x-ae-signature", signature(&endpoint.secret, ts, &delivery.payload))
        .body(delivery.payload.clone())
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let (status, code, error) = match result {
        Ok(r) if r.status().is_success() => ("delivered", Some(r.status().as_u16() as i32), None),
        Ok(r) => (
            "pending",
            Some(r.status().as_u16() as i32),
            Some(format!("the endpoint answered {}", r.status())),
        ),
        Err(e) => ("pending", None, Some(format!("could not reach the endpoint: {e}"))),
    };
    let status = if status == "pending" && final_attempt {
        "failed"
    } else {
        status
    };
    let err = error.clone();
    db.write(move |c| Ok(model::record_attempt(c, delivery_id, status, code, err.as_deref())?))
        .await
        .map_err(|e| e.to_string())?;
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub fn max_attempts() -> i32 {
    MAX_ATTEMPTS
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
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let endpoints = state.db.read(|c| Ok(model::endpoints(c)?)).await?;
    render(&WebhooksPage {
        ctx,
        endpoints,
        url: String::new(),
        errors: FieldErrors::new(),
        events: EVENTS,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EndpointForm {
    url: Option<String>,
    events: Option<String>,
}

pub async fn create(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<EndpointForm>,
) -> AppResult<HttpResponse> {
    let raw = form.url.clone().unwrap_or_default();
    let events = match form.events.as_deref().map(str::trim) {
        None | Some("") | Some("*") => "*".to_string(),
        Some(e) if EVENTS.contains(&e) => e.to_string(),
        Some(_) => return Err(AppError::field("events", "Choose an event from the list.")),
    };
    let url = match parse_endpoint_url(&raw) {
        Ok(u) => u,
        Err(m) => {
            let mut errors = FieldErrors::new();
            errors.add("url", m);
            let endpoints = state.db.read(|c| Ok(model::endpoints(c)?)).await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WebhooksPage {
                    ctx,
                    endpoints,
                    url: raw,
                    errors,
                    events: EVENTS,
                },
            );
        }
    };
    let who = AuditActor::user(&user, &req);
    let (uid, u) = (user.id, url.clone());
    let id = state
        .db
        .write(move |c| {
            let secret = crate::auth::tokens::new_secret();
            let id = model::insert_endpoint(c, &u, &secret, &events, uid)?;
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
        .read(move |c| Ok((model::find_endpoint(c, id)?, model::deliveries_of(c, id)?)))
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
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ActiveForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let active = form.active.as_deref() == Some("yes");
    let who = AuditActor::user(&user, &req);
    state
        .db
        .write(move |c| {
            let e = model::find_endpoint(c, id)?;
            model::set_endpoint_active(c, id, active)?;
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
        assert!(parse_endpoint_url("https://crm.example.com/hook").is_ok());
        assert!(parse_endpoint_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(parse_endpoint_url("http://crm.example.com/hook").is_err());
        assert!(parse_endpoint_url("ftp://x").is_err());
        assert!(parse_endpoint_url("not a url").is_err());
    }
}
