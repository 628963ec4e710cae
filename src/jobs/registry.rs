//! The registry of job kinds and what a running job is given: the worker looks a claimed row's
//! kind up here and hands its payload and a [`Context`] to that kind's runner.
//!
//! The application's services (the mailer, the agency's letterhead, the caches) reach a job through
//! [`Services`], a small map keyed by type built once at start-up, like actix's `Data`: a domain's
//! job asks for the type it knows (`cx.service::<Arc<crate::caches::Caches>>()`), so this module
//! never names a domain's type and a job that needs a new service needs no change here.

use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use tokio::sync::Notify;

use super::Job;
use crate::config::Settings;
use crate::db::{Db, DbConnection};
use crate::error::AppError;

/// What a job runs with: the database, the settings, the worker's wake-up call (a job that queues
/// more jobs rings it), which attempt this is, and the application's services.
pub struct Context {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub wakeup: Arc<Notify>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub max_attempts: i32,
    services: Arc<Services>,
}

impl Context {
    pub fn new(
        db: Db,
        settings: Arc<Settings>,
        wakeup: Arc<Notify>,
        services: Arc<Services>,
        attempt: i32,
        max_attempts: i32,
    ) -> Context {
        Context {
            db,
            settings,
            wakeup,
            attempt,
            max_attempts,
            services,
        }
    }

    /// Whether a failure now fails the job for good (no attempt follows).
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// A service provided at start-up, or an error that says which one is missing.
    pub fn service<T: Any + Send + Sync>(&self) -> Result<&T, String> {
        self.services
            .get::<T>()
            .ok_or_else(|| format!("no {} was provided to the job worker", type_name::<T>()))
    }
}

/// The application's services, one value per type.
#[derive(Default)]
pub struct Services {
    values: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Services {
    pub fn new() -> Services {
        Services::default()
    }

    /// Provides `value` to every job (replacing an earlier value of the same type).
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) -> &mut Services {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
        self
    }

    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>()).and_then(|v| v.downcast_ref::<T>())
    }
}

type Runner = Box<dyn Fn(String, Context) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Queues a domain's once-a-day job for `today`, in the worker's transaction; whichever server
/// asks first wins (the function records that it did).
pub type DailySchedule = fn(&mut DbConnection, NaiveDate) -> Result<bool, AppError>;

/// Every job kind the worker can run, and what it queues once a day.
#[derive(Default)]
pub struct Registry {
    runners: HashMap<&'static str, Runner>,
    daily: Vec<DailySchedule>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Makes `J` runnable. A kind registered twice is a programming error, caught at start-up.
    pub fn register<J: Job>(&mut self) -> &mut Registry {
        let runner: Runner = Box::new(|payload: String, cx: Context| {
            Box::pin(async move {
                let job: J = serde_json::from_str(&payload).map_err(|e| format!("bad payload: {e}"))?;
                job.run(&cx).await
            })
        });
        if self.runners.insert(J::KIND, runner).is_some() {
            panic!("the job kind {:?} is registered twice", J::KIND);
        }
        self
    }

    /// Asks the worker to call `schedule` once a day (at start-up and when the date turns).
    pub fn every_day(&mut self, schedule: DailySchedule) -> &mut Registry {
        self.daily.push(schedule);
        self
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.runners.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    pub fn daily(&self) -> &[DailySchedule] {
        &self.daily
    }

    /// Runs a claimed job: its kind's runner with its payload, or an error for a kind nobody
    /// registered (the job then fails like any other and shows on the jobs page).
    pub fn run(&self, kind: &str, payload: String, cx: Context) -> BoxFuture<'static, Result<(), String>> {
        match self.runners.get(kind) {
            Some(runner) => runner(payload, cx),
            None => {
                let error = unknown_kind(kind);
                Box::pin(async move { Err(error) })
            }
        }
    }

    pub fn knows(&self, kind: &str) -> bool {
        self.runners.contains_key(kind)
    }
}

pub fn unknown_kind(kind: &str) -> String {
    format!("no handler for job kind {kind:?}")
}
