//! Expiry reminders: an agent hears 60, 30 and 7 days before a licence or certification
//! expires, and owners get a weekly digest of what expires in the next 30 days. A row in
//! `reminders_sent`, written in the same transaction as the e-mail job, makes each one go out once.

use chrono::{Datelike, NaiveDate};

use super::model;
use crate::auth::model as users;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::jobs::{self, EmailJob};

pub const THRESHOLDS: [i64; 3] = [7, 30, 60];
pub const DIGEST_DAYS: i64 = 30;

/// The reminder due for something that expires in `days_left` days: the nearest threshold at or
/// above it (so a reminder missed while the server was down still goes out, once).
pub fn threshold_for(days_left: i64) -> Option<i64> {
    if days_left < 0 {
        return None;
    }
    THRESHOLDS.iter().copied().find(|t| days_left <= *t)
}

/// The key that makes a reminder unique; a renewal (a new expiry date) starts a new series.
pub fn reminder_key(kind: &str, id: i64, expires_on: NaiveDate, threshold: i64) -> String {
    format!("{kind}:{id}:{expires_on}:{threshold}")
}

pub fn digest_key(today: NaiveDate, owner_id: i64) -> String {
    let w = today.iso_week();
    format!("digest:{}-W{:02}:{owner_id}", w.year(), w.week())
}

fn when(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "tomorrow".into(),
        d => format!("in {d} days"),
    }
}

/// Queues every reminder due on `today`; returns how many e-mails were queued.
pub fn run_daily(conn: &mut DbConnection, today: NaiveDate, settings: &Settings) -> Result<usize, AppError> {
    let mut queued = 0;
    let horizon = today + chrono::Duration::days(THRESHOLDS[2]);
    for (l, user) in model::licences_expiring(conn, today, horizon)? {
        let days = (l.expires_on - today).num_days();
        let Some(t) = threshold_for(days) else { continue };
        if !model::claim_reminder(conn, &reminder_key("licence", l.id, l.expires_on, t))? {
            continue;
        }
        let body = format!(
            "Hello {},\n\nYour {} insurance licence {} expires {} ({}). Renew it with the state and add the new dates in \
             Agency Engine, or you will stop receiving leads for {} when it expires:\n{}/me/licences\n",
            user.name, l.state, l.number, when(days), crate::dates::date(l.expires_on), l.state, settings.base_url
        );
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: user.email.clone(),
                subject: format!("Your {} licence expires {}", l.state, when(days)),
                body,
            },
        )?;
        queued += 1;
    }
    for (c, user) in model::certifications_expiring(conn, today, horizon)? {
        let days = (c.expires_on - today).num_days();
        let Some(t) = threshold_for(days) else { continue };
        if !model::claim_reminder(conn, &reminder_key("certification", c.id, c.expires_on, t))? {
            continue;
        }
        let body = format!(
            "Hello {},\n\nYour {} certification for plan year {} expires {} ({}). Recertify and record it in Agency Engine:\n{}/me/licences\n",
            user.name, c.kind, c.plan_year, when(days), crate::dates::date(c.expires_on), settings.base_url
        );
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: user.email.clone(),
                subject: format!("Your {} certification expires {}", c.kind, when(days)),
                body,
            },
        )?;
        queued += 1;
    }
    queued += weekly_digest(conn, today, settings)?;
    Ok(queued)
}

fn weekly_digest(conn: &mut DbConnection, today: NaiveDate, settings: &Settings) -> Result<usize, AppError> {
    let until = today + chrono::Duration::days(DIGEST_DAYS);
    let mut lines: Vec<(NaiveDate, String)> = Vec::new();
    for (l, user) in model::licences_expiring(conn, today, until)? {
        lines.push((
            l.expires_on,
            format!(
                "{} — {} licence {} expires {}",
                user.name,
                l.state,
                l.number,
                crate::dates::date(l.expires_on)
            ),
        ));
    }
    for (c, user) in model::certifications_expiring(conn, today, until)? {
        lines.push((
            c.expires_on,
            format!(
                "{} — {} {} certification expires {}",
                user.name,
                c.kind,
                c.plan_year,
                crate::dates::date(c.expires_on)
            ),
        ));
    }
    if lines.is_empty() {
        return Ok(0);
    }
    lines.sort();
    let list = lines
        .iter()
        .map(|(_, l)| format!("  • {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut queued = 0;
    for owner in users::active_owners(conn)? {
        if !model::claim_reminder(conn, &digest_key(today, owner.id))? {
            continue;
        }
        let body = format!(
            "Hello {},\n\n{} licence(s) and certification(s) of your agents expire in the next {DIGEST_DAYS} days:\n\n{list}\n\n\
             See them all: {}/admin/agents?expiring=30\n",
            owner.name,
            lines.len(),
            settings.base_url
        );
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: owner.email.clone(),
                subject: format!("This week: {} expiring in the next 30 days", lines.len()),
                body,
            },
        )?;
        queued += 1;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_threshold_applies() {
        assert_eq!(threshold_for(61), None);
        assert_eq!(threshold_for(60), Some(60));
        assert_eq!(threshold_for(31), Some(60));
        assert_eq!(threshold_for(30), Some(30));
        assert_eq!(threshold_for(8), Some(30));
        assert_eq!(threshold_for(7), Some(7));
        assert_eq!(threshold_for(0), Some(7));
        assert_eq!(threshold_for(-1), None);
    }

    #[test]
    fn keys_change_with_a_renewal_and_with_the_week() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_ne!(
            reminder_key("licence", 1, d, 30),
            reminder_key("licence", 1, d + chrono::Duration::days(365), 30)
        );
        let mon = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(digest_key(mon, 1), digest_key(mon + chrono::Duration::days(6), 1));
        assert_ne!(digest_key(mon, 1), digest_key(mon + chrono::Duration::days(7), 1));
    }
}
