//! E-mail: the `email` job, sent through SMTP when AE_SMTP_URL is set, else written as .eml files
//! to the outbox folder. Every message goes out from the agency and ends with its signature; the
//! job gets both from the [`Letterheads`] provided at start-up, so it does not name the agency.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use futures_util::future::BoxFuture;

use super::{Context, Job};
use crate::config::Settings;
use crate::db::Db;

/// The payload of an `email` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailJob {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Job for EmailJob {
    const KIND: &'static str = "email";
    const MAX_ATTEMPTS: i32 = 6;

    async fn run(self, cx: &Context) -> Result<(), String> {
        let letterheads = cx.service::<std::sync::Arc<dyn Letterheads>>()?;
        let letterhead = letterheads.letterhead(&cx.db, &cx.settings.mail_from).await?;
        let email = EmailJob {
            body: format!("{}\n\n{}\n", self.body.trim_end(), letterhead.signature),
            ..self
        };
        cx.service::<Mailer>()?.send(&letterhead.from, &email).await
    }
}

/// Who an e-mail goes out from, and the signature it ends with.
pub struct Letterhead {
    pub from: String,
    pub signature: String,
}

/// Where the e-mail job finds the current letterhead (the agency's settings): provided to the
/// worker at start-up as an `Arc<dyn Letterheads>`.
pub trait Letterheads: Send + Sync {
    /// The letterhead now; `configured_from` is the sender address from the settings.
    fn letterhead<'a>(&'a self, db: &'a Db, configured_from: &'a str) -> BoxFuture<'a, Result<Letterhead, String>>;
}

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| "AE_SMTP_URL is not a valid SMTP URL (smtp://user:pass@host:587?tls=required)")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                let dir = settings.outbox_dir();
                std::fs::create_dir_all(&dir).with_context(|| format!("creating the outbox {}", dir.display()))?;
                Ok(Mailer::Outbox(AsyncFileTransport::new(&dir), dir))
            }
        }
    }

    pub async fn send(&self, from: &str, job: &EmailJob) -> Result<(), String> {
        let from: Mailbox = from.parse().map_err(|e| format!("sender address {from:?}: {e}"))?;
        let to: Mailbox = job
            .to
            .parse()
            .map_err(|e| format!("recipient address {:?}: {e}", job.to))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(job.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(job.body.clone())
            .map_err(|e| format!("building the message: {e}"))?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}")),
            Mailer::Outbox(t, dir) => {
                let id = t.send(message).await.map_err(|e| format!("outbox: {e}"))?;
                tracing::info!(to = %job.to, subject = %job.subject, file = %dir.join(format!("{id}.eml")).display(), "e-mail written to the outbox");
                Ok(())
            }
        }
    }
}
