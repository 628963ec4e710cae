//! Operations: liveness, readiness, Prometheus metrics, and the job queue's admin page.

mod jobs;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::error::{AppError, AppResult};
use crate::jobs::model as queue;
use crate::web::routes::{Access, Routes};
use crate::web::AppState;

pub fn routes(r: &mut Routes) {
    use crate::auth::roles::STAFF;
    r.get("/admin/jobs", Access::Roles(STAFF), jobs::index).post(
        "/admin/jobs/{id}/retry",
        Access::Roles(STAFF),
        jobs::retry,
    );
    r.get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
        .get("/metrics", Access::Public, metrics);
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The database answers.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().name();
    match state.db.read(|c| Ok(c.batch_execute("SELECT 1")?)).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "database": backend })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "unavailable", "database": backend }))
        }
    }
}

/// Prometheus text format. With AE_METRICS_TOKEN set, a matching bearer token is required.
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Some(expected) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|g| crate::web::context::tokens_match(g, expected)) {
            return Err(AppError::Unauthorized);
        }
    }
    let counts = state.db.read(|c| Ok(queue::count_by_status(c)?)).await?;
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
    state
        .metrics
        .jobs_pending
        .set(count(queue::PENDING) + count(queue::RUNNING));
    state.metrics.jobs_failed.set(count(queue::FAILED));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render()))
}
