//! The agency's own settings: its name, legal name, logo, address, phone, website, licences,
//! time zone, brand colour and consent wording — who every consumer page, consent text, e-mail
//! and certificate speaks for. One row, edited by owners at /admin/agency, cached in `AppState`.

mod handlers;
pub mod model;
pub mod service;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use service::Agency;

use crate::auth::roles::{Role, STAFF};
use crate::db::Db;
use crate::error::AppError;
use crate::web::routes::{Access, Routes};

pub const OWNERS: &[Role] = &[Role::Owner];

pub fn routes(r: &mut Routes) {
    r.get("/admin/agency", Access::Roles(STAFF), handlers::show)
        .post("/admin/agency", Access::Roles(OWNERS), handlers::update)
        .post("/admin/agency/logo", Access::Roles(OWNERS), handlers::upload_logo)
        .get("/agency.css", Access::Public, handlers::brand_css);
}

/// The settings as this server last read them. Every page asks for them, so they are read again
/// only when the row's `version` has moved, and the version itself is looked at no more than
/// once per `check_every`: a save on this server clears the copy at once, one on another server
/// is seen within `check_every`.
pub struct AgencyCache {
    fallback_name: String,
    check_every: Duration,
    slot: Mutex<Option<(Instant, i64, Arc<Agency>)>>,
}

impl AgencyCache {
    pub fn new(fallback_name: &str, check_every: Duration) -> AgencyCache {
        AgencyCache {
            fallback_name: fallback_name.to_string(),
            check_every,
            slot: Mutex::new(None),
        }
    }

    /// The current settings (from memory while they are known to be current).
    pub async fn get(&self, db: &Db) -> Result<Arc<Agency>, AppError> {
        let known = self.lock().clone();
        if let Some((at, _, a)) = &known {
            if at.elapsed() < self.check_every {
                return Ok(a.clone());
            }
        }
        let known_version = known.as_ref().map(|(_, v, _)| *v);
        let fallback = self.fallback_name.clone();
        let fresh = db
            .read(move |c| {
                let version = model::version(c)?;
                if Some(version) == known_version {
                    return Ok((version, None));
                }
                let row = model::find(c)?;
                Ok((row.version, Some(Arc::new(Agency::from_row(&row, &fallback)))))
            })
            .await?;
        let agency = match (fresh, known) {
            ((v, Some(a)), _) => (v, a),
            ((v, None), Some((_, _, a))) => (v, a),
            ((_, None), None) => return Err(AppError::internal("agency settings: a version matched none known")),
        };
        *self.lock() = Some((Instant::now(), agency.0, agency.1.clone()));
        Ok(agency.1)
    }

    /// The last copy read, if any, without going to the database.
    pub fn peek(&self) -> Option<Arc<Agency>> {
        self.lock().as_ref().map(|(_, _, a)| a.clone())
    }

    /// The name to show when nothing has been read yet.
    pub fn fallback(&self) -> Agency {
        Agency::fallback(&self.fallback_name)
    }

    /// Forgets the copy (after this server saved a change).
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, i64, Arc<Agency>)>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every e-mail goes out in the agency's name and ends with its signature.
impl crate::jobs::email::Letterheads for AgencyCache {
    fn letterhead<'a>(
        &'a self,
        db: &'a Db,
        configured_from: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<crate::jobs::email::Letterhead, String>> {
        Box::pin(async move {
            let agency = self
                .get(db)
                .await
                .map_err(|e| format!("reading the agency's settings: {e}"))?;
            Ok(crate::jobs::email::Letterhead {
                from: agency.mail_from(configured_from),
                signature: agency.signature(),
            })
        })
    }
}
