//! The web layer shared by every domain: state, errors, page context, access control, CSRF,
//! security headers, request ids, metrics and small helpers for handlers.

pub mod context;
pub mod csrf;
pub mod errors;
pub mod markdown;
pub mod metrics;
pub mod middleware;
pub mod pagination;
pub mod routes;
pub mod upload;

use std::num::NonZeroU32;
use std::sync::Arc;

use actix_session::Session;
use actix_web::http::header;
use actix_web::HttpResponse;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::Db;
use crate::web::routes::RouteTable;

/// Shared by every request.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub routes: Arc<RouteTable>,
    pub metrics: metrics::Metrics,
    pub limits: Limits,
    /// Wakes the job worker when this process enqueues a job.
    pub jobs_wakeup: Arc<Notify>,
    /// New notifications, for the live event streams of this server.
    pub events: crate::notifications::hub::Hub,
    /// The agency's settings, for every page and e-mail (see `agency::AgencyCache`).
    pub agency: Arc<crate::agency::AgencyCache>,
    /// Every domain's in-memory caches (see `caches`), shared with the job worker.
    pub caches: Arc<crate::caches::Caches>,
}

pub struct Limits {
    pub login: DefaultKeyedRateLimiter<String>,
    pub api: DefaultKeyedRateLimiter<String>,
    pub forms: DefaultKeyedRateLimiter<String>,
}

impl Limits {
    pub fn new(settings: &Settings) -> Limits {
        let per_min = NonZeroU32::new(settings.login_rate_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let per_sec = NonZeroU32::new(settings.api_rate_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let forms = NonZeroU32::new(settings.form_rate_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Limits {
            forms: RateLimiter::keyed(Quota::per_minute(forms)),
            login: RateLimiter::keyed(Quota::per_minute(per_min)),
            api: RateLimiter::keyed(
                Quota::per_second(per_sec).allow_burst(per_sec.saturating_mul(NonZeroU32::new(2).unwrap())),
            ),
        }
    }

    /// Forget idle clients.
    pub fn tidy(&self) {
        self.login.retain_recent();
        self.api.retain_recent();
        self.forms.retain_recent();
        self.login.shrink_to_fit();
        self.api.shrink_to_fit();
    }
}

/// 303 See Other: the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// 303 with a flash message for the next page.
pub fn redirect_with(session: &Session, location: &str, level: &str, message: impl Into<String>) -> HttpResponse {
    context::flash(session, level, message);
    see_other(location)
}

/// Renders a template with a status (for forms that come back with 422).
pub fn render_status<T: askama::Template>(
    status: actix_web::http::StatusCode,
    page: &T,
) -> crate::error::AppResult<HttpResponse> {
    let html = page.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// 200 for a form shown fresh, 422 for one that came back with its errors.
pub fn form_status(errors: &crate::error::FieldErrors) -> actix_web::http::StatusCode {
    if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Renders a template with 200.
/// A CSV file to download: `rows` (the first is the header) as an attachment named `file`.
pub fn csv_download(file: &str, rows: Vec<Vec<String>>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .body(crate::spreadsheet::to_bytes(rows))
}

pub fn render<T: askama::Template>(page: &T) -> crate::error::AppResult<HttpResponse> {
    render_status(actix_web::http::StatusCode::OK, page)
}

/// A form value trimmed, with empty treated as absent.
pub fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
