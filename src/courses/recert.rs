//! Recertification: `AE_RECERT_DAYS` before a course certificate expires, its holder is
//! re-enrolled in the course (the old enrolment is archived, so progress starts fresh, and the old
//! certificate stays verifiable) and told by e-mail. Runs in the daily reminder job; a row in
//! `reminders_sent`, written in the same transaction, makes each re-enrolment happen once.

use chrono::NaiveDate;

use super::model::CourseRow;
use super::{certificate, model};
use crate::audit::{self, AuditActor};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::jobs::{self, EmailJob};

pub fn recert_key(certificate_id: i64) -> String {
    format!("recert:{certificate_id}")
}

pub fn certification_key(certification_id: i64, expires_on: NaiveDate) -> String {
    format!("recert-certification:{certification_id}:{expires_on}")
}

fn email(name: &str, course: &CourseRow, what: &str, settings: &Settings) -> (String, String) {
    (
        format!("Time to recertify: {}", course.title),
        format!(
            "Hello {name},\n\nYour {what}. You have been enrolled in \"{}\" so you can recertify in time; your \
             progress starts fresh and your earlier certificate stays valid until it expires.\n\nStart here: \
             {}/learn/courses/{}\n",
            course.title, settings.base_url, course.id
        ),
    )
}

/// Re-enrols everyone whose course certificate or certification is due; returns how many e-mails
/// were queued.
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
        let on = crate::dates::date(expires);
        let when = if expires < today {
            format!("certificate for \"{}\" expired on {on}", course.title)
        } else {
            format!("certificate for \"{}\" expires on {on}", course.title)
        };
        let (subject, body) = email(&user.name, &course, &when, settings);
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: user.email.clone(),
                subject,
                body,
            },
        )?;
        queued += 1;
    }
    // Certifications recorded by hand (or earned before the course existed): enrol the holder in
    // a published course that grants the same kind, when they are not enrolled in it already.
    let recent = today - chrono::Duration::days(30);
    for c in model::certifications_expiring(conn, recent, until)? {
        let (cert_id, kind, expires, user_id, name, address) = (c.id, c.kind, c.expires_on, c.user_id, c.name, c.email);
        if !certificate::recert_due(expires, today, days) {
            continue;
        }
        let Some(course) = model::courses_granting(conn, &kind)?.into_iter().next() else {
            continue;
        };
        if model::current_enrollment(conn, course.id, user_id)?.is_some() {
            continue;
        }
        if !crate::agents::model::claim_reminder(conn, &certification_key(cert_id, expires))? {
            continue;
        }
        let id = model::insert_enrollment(conn, course.id, user_id, None, Some(expires.max(today)), 1)?;
        audit::record(
            &mut *conn,
            &who,
            "course.recertification",
            "enrollment",
            Some(id),
            &format!("{} for {name}, {kind} certification expires {expires}", course.title),
        )?;
        let (subject, body) = email(
            &name,
            &course,
            &format!("{kind} certification expires on {}", crate::dates::date(expires)),
            settings,
        );
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: address,
                subject,
                body,
            },
        )?;
        queued += 1;
    }
    Ok(queued)
}
