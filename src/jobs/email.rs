//! E-mail: through SMTP when AE_SMTP_URL is set, else written as .eml files to the outbox folder.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

/// The payload of an `email` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailJob {
    pub to: String,
    pub subject: String,
    pub body: String,
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
