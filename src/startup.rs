//! Builds the application from settings: used by `main` and by the tests (which bind port 0).

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tokio::sync::{watch, Notify};

use crate::config::Settings;
use crate::db::Db;
use crate::error::AppError;
use crate::jobs::{Mailer, Registry, Services, Worker};
use crate::web::errors::render_error;
use crate::web::metrics::Metrics;
use crate::web::middleware::{access_control, observe, security_headers};
use crate::web::routes::{RouteSpec, RouteTable, Routes};
use crate::web::{AppState, Limits};

/// Every domain's routes, in the order actix matches them.
pub fn register_routes(r: &mut Routes) {
    crate::home::routes(r);
    crate::auth::routes(r);
    crate::users::routes(r);
    crate::agents::routes(r);
    crate::agency::routes(r);
    crate::courses::routes(r);
    crate::routing::routes(r);
    crate::leads::routes(r);
    crate::scoring::routes(r);
    crate::policies::routes(r);
    crate::commissions::routes(r);
    crate::network::routes(r);
    r.get("/api/v1/openapi.json", crate::web::routes::Access::Public, openapi);
    crate::notifications::routes(r);
    crate::audit::routes(r, crate::web::routes::Access::Roles(crate::auth::roles::STAFF));
    crate::ops::routes(r);
}

/// The OpenAPI document of the whole API: the lead API's, with the policy and network APIs'
/// paths and schemas (a test checks it lists exactly the API's routes).
pub fn openapi_document() -> serde_json::Value {
    let mut doc = crate::leads::api::openapi_document();
    for (paths, schemas) in [
        crate::policies::api::openapi_parts(),
        crate::network::api::openapi_parts(),
    ] {
        for (into, from) in [("paths", paths), ("schemas", schemas)] {
            let target = if into == "paths" {
                &mut doc["paths"]
            } else {
                &mut doc["components"]["schemas"]
            };
            if let (Some(t), serde_json::Value::Object(f)) = (target.as_object_mut(), from) {
                t.extend(f);
            }
        }
    }
    if let Some(d) = doc["info"]["description"].as_str() {
        doc["info"]["description"] = serde_json::Value::String(format!(
            "{d} Policies: `policies:read` reads every policy; `policies:write` records policies (with the same validation and idempotency as leads) and reads them. Network: a member's own token (made on their My API tokens page) has the `network` scope and acts as them: it sees only their profile, connections, referrals and score, and the leaderboard."
        ));
    }
    doc
}

async fn openapi() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi_document().to_string())
}

/// Every job kind the worker runs, each registered by its domain.
pub fn job_registry() -> Registry {
    let mut r = Registry::new();
    crate::jobs::register(&mut r);
    crate::routing::jobs::register(&mut r);
    crate::leads::jobs::register(&mut r);
    crate::policies::jobs::register(&mut r);
    crate::commissions::jobs::register(&mut r);
    crate::network::jobs::register(&mut r);
    crate::daily::register(&mut r);
    r
}

/// The table of every route and its access rule (the authorization test walks it).
pub fn route_specs() -> Vec<RouteSpec> {
    let mut r = Routes::new();
    register_routes(&mut r);
    r.specs().to_vec()
}

/// Where the CSS and script are served from: AE_STATIC_DIR, ./static, or the source tree's.
pub fn static_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AE_STATIC_DIR") {
        return PathBuf::from(d);
    }
    let here = PathBuf::from("static");
    if here.join("js/app.js").exists() {
        return here;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    state: web::Data<AppState>,
    worker_stop: watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database, migrates it, binds the address and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::connect_with(
            &settings.database_url,
            settings.db_pool_size,
            settings.sqlite_synchronous,
        )?;
        let ran = db.migrate()?;
        if ran > 0 {
            tracing::info!(migrations = ran, database = %db.redacted_url(), "database migrated");
        }
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        Self::build_with(settings, db, listener)
    }

    pub fn build_with(settings: Settings, db: Db, listener: TcpListener) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let settings = Arc::new(settings);
        let specs = route_specs();
        let wakeup = Arc::new(Notify::new());
        let events = crate::notifications::hub::Hub::new();
        let agency = Arc::new(crate::agency::AgencyCache::new(
            &settings.agency_name,
            Duration::from_secs(5),
        ));
        let caches = Arc::new(crate::caches::Caches::new());
        events.spawn_poller(db.clone(), settings.events_poll);
        let state = web::Data::new(AppState {
            db: db.clone(),
            settings: settings.clone(),
            routes: Arc::new(RouteTable::new(&specs)),
            metrics: Metrics::new(),
            limits: Limits::new(&settings),
            jobs_wakeup: wakeup.clone(),
            events: events.clone(),
            agency: agency.clone(),
            caches: caches.clone(),
        });
        // Where policy documents' bytes live (the data folder unless a setting chooses another store).
        let documents = crate::policies::storage::from_settings(&settings);
        let documents_data: web::Data<dyn crate::policies::storage::DocumentStore> = web::Data::from(documents.clone());
        let key = Key::from(settings.secret_key.expose());
        let secure = settings.secure_cookies();
        let static_dir = static_dir();
        let app_state = state.clone();
        let mut server =
            HttpServer::new(move || {
                let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name("ae_session".into())
                    .cookie_secure(secure)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .build();
                let mut routes = Routes::new();
                register_routes(&mut routes);
                App::new()
                    .app_data(app_state.clone())
                    .app_data(documents_data.clone())
                    .app_data(
                        web::FormConfig::default().limit(256 * 1024).error_handler(|e, _| {
                            AppError::BadRequest(format!("The form could not be read: {e}")).into()
                        }),
                    )
                    .app_data(web::QueryConfig::default().error_handler(|e, _| {
                        AppError::BadRequest(format!("The address has a bad parameter: {e}")).into()
                    }))
                    .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
                    .app_data(web::JsonConfig::default().limit(256 * 1024).error_handler(|e, _| {
                        AppError::BadRequest(format!("The JSON body could not be read: {e}")).into()
                    }))
                    .configure(|cfg| routes.apply(cfg))
                    .service(actix_files::Files::new("/static", &static_dir).prefer_utf8(true))
                    .default_service(web::to(|| async {
                        Err::<actix_web::HttpResponse, _>(AppError::NotFound)
                    }))
                    .wrap(from_fn(access_control))
                    .wrap(ErrorHandlers::new().default_handler(render_error))
                    .wrap(session)
                    .wrap(security_headers(secure))
                    .wrap(from_fn(observe))
            })
            .listen(listener)?
            .shutdown_timeout(30);
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.run();

        let (worker_stop, stop_rx) = watch::channel(false);
        let worker = if settings.run_worker {
            let mut services = Services::new();
            services
                .insert(Mailer::from_settings(&settings)?)
                .insert::<Arc<dyn crate::jobs::email::Letterheads>>(agency)
                .insert(caches)
                .insert(documents);
            let registry = Arc::new(job_registry());
            let w = Worker::new(db.clone(), settings.clone(), wakeup, registry, Arc::new(services));
            Some(tokio::spawn(w.run(stop_rx)))
        } else {
            None
        };
        let tidy_state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                tidy_state.limits.tidy();
            }
        });
        Ok(Application {
            port,
            server,
            db,
            state,
            worker_stop,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM) or the handle stops it; in-flight
    /// requests finish, then the job worker finishes its job in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.worker_stop.send(true);
        if let Some(w) = self.worker {
            let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_kind_is_registered_once() {
        // `register` refuses a kind twice, so building the registry is half the test.
        let registry = job_registry();
        assert_eq!(
            registry.kinds(),
            vec![
                "commissions.run",
                "email",
                "lead.escalate",
                "leads.import",
                "network.daily",
                "network.scores",
                "offer.timeout",
                "policies.import",
                "policies.sweep",
                "reminders.daily",
                "webhook"
            ]
        );
        assert_eq!(registry.daily().len(), 4, "the daily runs are scheduled");
        assert!(!registry.knows("reminders"));
        assert_eq!(crate::jobs::unknown_kind("nope"), "no handler for job kind \"nope\"");
    }
}
