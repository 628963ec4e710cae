//! Recertification: `AE_RECERT_DAYS` before a course certificate expires, its holder is
//! re-enrolled in the course (the old enrolment is archived, so progress starts fresh, and the old
//! certificate stays verifiable) and told by e-mail. Runs in the daily reminder job; a row in
//! `reminders_sent`, written in the same transaction, makes each re-enrolment happen once.

use chrono::NaiveDate;

use super::{certificate, model};
use crate::audit::{self, AuditActor};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::jobs::{self, EmailJob};
use crate::web::errors::AppError;

pub fn recert_key(certificate_id: i64) -> String {
    format!("recert:{certificate_id}")
}

/// Re-enrols everyone whose certificate is due; returns how many e-mails were queued.
pub fn run_daily(conn: &mut DbConnection, today: NaiveDate, settings: &Settings) -> Result<usize, AppError> {
    let days = settings.recert_days;
    let until = today + chrono::Duration::days(days);
    let who = AuditActor::system("recertification");
    let mut queued = 0;
    for (cert, course, user) in model::certificates_expiring_by(conn, until)? {
        let Some(expires) = cert.expires_on else { continue };
        if !certificate::recert_due(expires, today, days) {
            continue;
        }
        // Only the holder's latest certificate of the course counts, and only while it is the
        // enrolment that earned it that is current.
        let current = model::current_enrollment(conn, course.id, user.id)?;
        let Some(current) = current else { continue };
        if current.id != cert.enrollment_id || current.status != model::COMPLETED {
            continue;
        }
        if !crate::agents::model::claim_reminder(conn, &recert_key(cert.id))? {
            continue;
        }
        model::set_status(conn, current.id, model::ARCHIVED)?;
        let due = expires.max(today);
        let id = model::insert_enrollment(conn, course.id, user.id, None, Some(due), current.cycle + 1)?;
        audit::record(
            &mut *conn,
            &who,
            "course.recertification",
            "enrollment",
            Some(id),
            &format!(
                "{} for {}, certificate {} expires {expires}",
                course.title, user.name, cert.code
            ),
        )?;
        let when = if expires < today {
            format!("expired on {expires}")
        } else {
            format!("expires on {expires}")
        };
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: user.email.clone(),
                subject: format!("Time to recertify: {}", course.title),
                body: format!(
                    "Hello {},\n\nYour certificate for \"{}\" {when}. You have been enrolled again so you can \
                     recertify in time; your progress starts fresh and your earlier certificate stays valid until \
                     it expires.\n\nStart here: {}/learn/courses/{}\n",
                    user.name, course.title, settings.base_url, course.id
                ),
            },
        )?;
        queued += 1;
    }
    Ok(queued)
}
