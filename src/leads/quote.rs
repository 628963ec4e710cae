//! The public quote form: the consent text shown beside the checkbox is stored with the lead;
//! spam is kept out without third parties (a honeypot field, a minimum fill time carried in a
//! signed field, and a rate limit per address).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::intake::{self, ConsentRequest, LeadRequest};
use super::service::{self, EventActor};
use crate::domain::ProductLine;
use crate::error::{AppResult, FieldErrors};
use crate::web::context::{client_ip, PageCtx};
use crate::web::{render, render_status, see_other, AppState};

fn sign(secret: &[u8], ts: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("quote-form:{ts}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The hidden "started" field: when the form was shown, signed so it cannot be forged.
pub fn started_token(secret: &[u8], ts: i64) -> String {
    format!("{ts}.{}", sign(secret, ts))
}

/// How many seconds ago the form was shown, if the token is genuine.
pub fn seconds_since(secret: &[u8], token: &str, now: i64) -> Option<i64> {
    let (ts, sig) = token.split_once('.')?;
    let ts: i64 = ts.parse().ok()?;
    (sign(secret, ts) == sig).then_some(now - ts)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct QuoteForm {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub zip: Option<String>,
    pub birth_date: Option<String>,
    pub product_line: Option<String>,
    pub message: Option<String>,
    pub consent: Option<String>,
    /// The honeypot: hidden from people, filled by bots.
    pub website: Option<String>,
    pub started: Option<String>,
}

#[derive(Template)]
#[template(path = "leads/quote.html")]
struct QuotePage {
    ctx: PageCtx,
    form: QuoteForm,
    errors: FieldErrors,
    consent: String,
    products: Vec<(&'static str, &'static str)>,
    started: String,
}

impl QuotePage {
    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

fn products() -> Vec<(&'static str, &'static str)> {
    ProductLine::ALL.iter().map(|p| (p.as_str(), p.label())).collect()
}

fn page(ctx: PageCtx, state: &AppState, form: QuoteForm, errors: FieldErrors) -> QuotePage {
    let started = started_token(state.settings.secret_key.expose(), chrono::Utc::now().timestamp());
    QuotePage {
        consent: ctx.agency.consent_text(),
        ctx,
        form,
        errors,
        products: products(),
        started,
    }
}

pub async fn form(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    render(&page(
        ctx,
        &state,
        QuoteForm {
            product_line: Some("medicare_advantage".into()),
            ..Default::default()
        },
        FieldErrors::new(),
    ))
}

pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    _session: Session,
    state: web::Data<AppState>,
    form: web::Form<QuoteForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let now = chrono::Utc::now();
    let elapsed = form
        .started
        .as_deref()
        .and_then(|t| seconds_since(state.settings.secret_key.expose(), t, now.timestamp()));
    let is_bot = form.website.as_deref().is_some_and(|w| !w.trim().is_empty())
        || !elapsed.is_some_and(|s| s >= state.settings.quote_min_seconds as i64 && s <= 86_400);
    if is_bot {
        // Answer as if it worked, so a bot learns nothing; keep nothing.
        tracing::info!(ip = %client_ip(&req, &state.settings), "quote form: spam dropped");
        return Ok(see_other("/quote/thanks"));
    }
    let page_url = format!("{}/quote", state.settings.base_url);
    let ip = client_ip(&req, &state.settings);
    let agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect::<String>());
    // The consent as the form showed it, naming the agency as the seller.
    let agency = ctx.agency.clone();
    let request = LeadRequest {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        email: form.email.clone().filter(|s| !s.trim().is_empty()),
        phone: form.phone.clone().filter(|s| !s.trim().is_empty()),
        birth_date: form.birth_date.clone().filter(|s| !s.trim().is_empty()),
        zip: form.zip.clone().filter(|s| !s.trim().is_empty()),
        product_line: form.product_line.clone(),
        message: form.message.clone(),
        consent: form.consent.as_deref().filter(|c| *c == "yes").map(|_| ConsentRequest {
            text: Some(agency.consent_text()),
            given_at: Some(now.to_rfc3339()),
            ip: ip.parse::<std::net::IpAddr>().ok().map(|_| ip.clone()),
            user_agent: agent,
            page_url: Some(page_url),
            sellers: Some(vec![agency.name.clone()]),
        }),
        ..Default::default()
    };
    let lead = match intake::validate_lead(&request, intake::SOURCE_WEB_FORM, now.date_naive(), now) {
        Ok(l) => l,
        Err(fields) => {
            let p = page(ctx, &state, form, FieldErrors(fields));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let who = EventActor {
        id: None,
        label: "quote form".into(),
        api_token_id: None,
    };
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    state
        .db
        .write(move |c| service::intake(c, &lead, &who, &settings, &caches, service::Routing::Now))
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(see_other("/quote/thanks"))
}

#[derive(Template)]
#[template(path = "leads/thanks.html")]
struct ThanksPage {
    ctx: PageCtx,
}

pub async fn thanks(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&ThanksPage { ctx })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_started_field_cannot_be_forged() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = started_token(key, 1_000);
        assert_eq!(seconds_since(key, &t, 1_010), Some(10));
        assert_eq!(seconds_since(b"another key of thirty-two bytes!", &t, 1_010), None);
        assert_eq!(seconds_since(key, "900.deadbeef", 1_010), None);
        assert_eq!(seconds_since(key, "garbage", 1_010), None);
    }
}
