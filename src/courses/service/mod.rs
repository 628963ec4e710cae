//! State changes to courses, each through a check of who may make it: owners and admins author and
//! assign; a learner acts only on their own enrolments. Forms are parsed first; every bad field is
//! named. Each change writes its audit entry in the same transaction.
//!
//! Here: who may do what, the form parsers the others share, and enrolment with progress.
//! Authoring a course and its outline is in `authoring`, the question bank and quizzes in
//! `questions`, a learner's quiz attempts in `attempts`; all are used as `courses::service::…`.

use chrono::NaiveDate;

use super::model::{self, EnrollmentRow};
use super::{certificate, progress};
use crate::agents::readiness::{plan_year, PlanYearRule};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::DbConnection;
use crate::error::{AppError, FieldErrors};
use crate::jobs::{self, EmailJob};

mod attempts;
mod authoring;
mod questions;

pub use attempts::*;
pub use authoring::*;
pub use questions::*;

// ---- who may do what ------------------------------------------------------------------------

/// Courses, their content, quizzes and assignments are the owners' and admins'.
pub fn may_author(actor: Actor) -> Result<(), AppError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A learner acts on their own enrolment only.
pub fn may_learn(actor: Actor, enrollment: &EnrollmentRow) -> Result<(), AppError> {
    if actor.id == enrollment.user_id {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Agents and trainees take courses.
pub fn is_learner(role: Role) -> bool {
    matches!(role, Role::Agent | Role::Trainee)
}

// ---- small parsers --------------------------------------------------------------------------

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_string()
}

fn one_line(v: &Option<String>) -> String {
    text(v).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A field cleaned by `clean` ([`crate::text::clean_line`] or [`crate::text::clean_text`]); a
/// refusal is added under `field` (with `long` for a value over `max`) and gives "".
fn cleaned(
    v: &Option<String>,
    clean: fn(&str, usize) -> Result<String, crate::text::TextError>,
    (field, what): (&str, &str),
    (max, long): (usize, &str),
    errors: &mut FieldErrors,
) -> String {
    clean(v.as_deref().unwrap_or(""), max)
        .map_err(|e| errors.add(field, e.message_or_long(what, long)))
        .unwrap_or_default()
}

fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("on" | "yes" | "true" | "1"))
}

/// A whole number in `range`, or None when left empty; a message when it is neither.
fn number(
    v: &Option<String>,
    field: &str,
    range: std::ops::RangeInclusive<i32>,
    errors: &mut FieldErrors,
) -> Option<i32> {
    let raw = text(v);
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.add(
                field,
                format!("Enter a whole number from {} to {}.", range.start(), range.end()),
            );
            None
        }
    }
}

fn title(v: &Option<String>, field: &str, what: &str, errors: &mut FieldErrors) -> String {
    let limit = (150, "Keep the title under 150 characters.");
    let t = cleaned(v, crate::text::clean_line, (field, "title"), limit, errors);
    if t.is_empty() && !errors.has(field) {
        errors.add(field, format!("Give the {what} a title."));
    }
    t
}

pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

// ---- enrolment ------------------------------------------------------------------------------

/// Whom a course is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Team(i64),
    Agent(i64),
}

impl Audience {
    /// "everyone", "team:<id>" or "agent:<id>" (the agent profile id).
    pub fn parse(raw: &str) -> Option<Audience> {
        let raw = raw.trim();
        if raw == "everyone" {
            return Some(Audience::Everyone);
        }
        let (kind, id) = raw.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "team" => Some(Audience::Team(id)),
            "agent" => Some(Audience::Agent(id)),
            _ => None,
        }
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AssignForm {
    pub audience: Option<String>,
    pub due_on: Option<String>,
}

/// Assigns a course; returns (newly enrolled, already enrolled).
#[allow(clippy::too_many_arguments)]
pub fn assign(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    course_id: i64,
    form: &AssignForm,
    today: NaiveDate,
    base_url: &str,
) -> Result<(usize, usize), AppError> {
    may_author(actor)?;
    let course = model::find_course(conn, course_id)?;
    let mut errors = FieldErrors::new();
    let audience = Audience::parse(form.audience.as_deref().unwrap_or(""));
    if audience.is_none() {
        errors.add("audience", "Choose everyone, a team or an agent.");
    }
    let due_on = match text(&form.due_on) {
        d if d.is_empty() => Some(today + chrono::Duration::days(course.due_days as i64)),
        d => match parse_date(&d) {
            Some(d) if d >= today => Some(d),
            Some(_) => {
                errors.add("due_on", "The due date cannot be in the past.");
                None
            }
            None => {
                errors.add("due_on", "Enter a date like 2026-12-31.");
                None
            }
        },
    };
    errors.into_result()?;
    let learners = match audience {
        Some(Audience::Everyone) => model::learners(conn, None)?,
        Some(Audience::Team(t)) => {
            crate::agents::model::find_team(conn, t)
                .map_err(|_| AppError::field("audience", "Choose a team from the list."))?;
            model::learners(conn, Some(t))?
        }
        Some(Audience::Agent(a)) => match model::learner_of_agent(conn, a)? {
            Some(l) => vec![l],
            None => return Err(AppError::field("audience", "Choose an active agent or trainee.")),
        },
        None => vec![],
    };
    let (mut added, mut already) = (0, 0);
    for (user_id, name, email) in learners {
        if model::current_enrollment(conn, course_id, user_id)?.is_some() {
            already += 1;
            continue;
        }
        let id = model::insert_enrollment(conn, course_id, user_id, Some(actor.id), due_on, 1)?;
        audit::record(
            conn,
            who,
            "course.assigned",
            "enrollment",
            Some(id),
            &format!("{} to {name}", course.title),
        )?;
        let due = due_on
            .map(|d| format!(" by {}", crate::dates::date(d)))
            .unwrap_or_default();
        jobs::enqueue_email(
            conn,
            &EmailJob {
                to: email,
                subject: format!("New training: {}", course.title),
                body: format!(
                    "Hello {name},\n\nYou have been assigned the course \"{}\". Please complete it{due}:\n{base_url}/learn/courses/{course_id}\n",
                    course.title
                ),
            },
        )?;
        added += 1;
    }
    Ok((added, already))
}

/// An agent or trainee enrols in a published course themselves.
pub fn self_enrol(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    course_id: i64,
    today: NaiveDate,
) -> Result<i64, AppError> {
    if !is_learner(actor.role) {
        return Err(AppError::Forbidden);
    }
    let course = model::find_course(conn, course_id)?;
    if !course.published {
        return Err(AppError::NotFound);
    }
    if let Some(e) = model::current_enrollment(conn, course_id, actor.id)? {
        return Ok(e.id);
    }
    let due = today + chrono::Duration::days(course.due_days as i64);
    let id = model::insert_enrollment(conn, course_id, actor.id, None, Some(due), 1)?;
    audit::record(conn, who, "course.enrolled", "enrollment", Some(id), &course.title)?;
    Ok(id)
}

/// The learner's own current enrolment in the course of a lesson or quiz.
pub fn own_enrollment(
    conn: &mut DbConnection,
    actor: Actor,
    course_id: i64,
) -> Result<Option<EnrollmentRow>, AppError> {
    let e = model::current_enrollment(conn, course_id, actor.id)?;
    if let Some(e) = &e {
        may_learn(actor, e)?;
    }
    Ok(e)
}

/// Remembers the lesson a learner opened last (to continue there).
pub fn opened_lesson(conn: &mut DbConnection, actor: Actor, lesson_id: i64) -> Result<(), AppError> {
    let l = model::find_lesson(conn, lesson_id)?;
    if let Some(e) = own_enrollment(conn, actor, l.course_id)? {
        if e.last_lesson_id != Some(lesson_id) {
            model::set_last_lesson(conn, e.id, lesson_id)?;
        }
    }
    Ok(())
}

/// What completing something led to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub certificate_id: Option<i64>,
    pub certification: Option<String>,
}

/// Marks a lesson done for the learner; completes the course when that was the last step.
pub fn complete_lesson(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    lesson_id: i64,
    today: NaiveDate,
    rule: &PlanYearRule,
) -> Result<(i64, Outcome), AppError> {
    let l = model::find_lesson(conn, lesson_id)?;
    let e = own_enrollment(conn, actor, l.course_id)?
        .ok_or_else(|| AppError::Conflict("Enrol in the course first.".into()))?;
    if e.status != model::ACTIVE {
        return Ok((l.course_id, Outcome::default()));
    }
    model::mark_lesson_done(conn, e.id, lesson_id)?;
    model::set_last_lesson(conn, e.id, lesson_id)?;
    let outcome = complete_if_done(conn, who, &e, today, rule)?;
    Ok((l.course_id, outcome))
}

/// Progress facts of one enrolment.
pub fn facts_of(conn: &mut DbConnection, e: &EnrollmentRow) -> Result<progress::ProgressFacts, AppError> {
    let (lessons, quizzes) = model::course_structure(conn, e.course_id)?;
    Ok(progress::ProgressFacts {
        lessons,
        quizzes,
        done_lessons: model::done_lessons(conn, &[e.id])?
            .into_iter()
            .map(|(_, l)| l)
            .collect(),
        passed_quizzes: model::passed_quizzes(conn, &[e.id])?
            .into_iter()
            .map(|(_, q)| q)
            .collect(),
    })
}

/// When every required lesson is done and the final quiz passed: the enrolment completes, a
/// certificate is issued, and a certification course creates or renews the agent's certification.
pub fn complete_if_done(
    conn: &mut DbConnection,
    who: &AuditActor,
    e: &EnrollmentRow,
    today: NaiveDate,
    rule: &PlanYearRule,
) -> Result<Outcome, AppError> {
    let e = &model::lock_enrollment(conn, e.id)?;
    if e.status != model::ACTIVE || !progress::progress(&facts_of(conn, e)?).complete {
        return Ok(Outcome::default());
    }
    let course = model::find_course(conn, e.course_id)?;
    let user = crate::auth::model::find_user(conn, e.user_id)?;
    model::set_status(conn, e.id, model::COMPLETED)?;
    let mut expires = certificate::expires_on(today, course.validity_months);
    let mut certification_id = None;
    let mut certification = None;
    if let Some(kind) = &course.cert_kind {
        let year = course.cert_plan_year.unwrap_or_else(|| plan_year(today, rule));
        // Without a validity, a certification lasts to the end of its plan year.
        let until = expires.unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today));
        expires = Some(until);
        if let Some(agent) = crate::agents::model::find_agent_by_user(conn, user.id)? {
            let id = match model::find_certification(conn, agent.id, kind, year)? {
                Some(id) => {
                    model::renew_certification(conn, id, today, until)?;
                    audit::record(
                        conn,
                        who,
                        "certification.renewed",
                        "agent",
                        Some(agent.id),
                        &format!("{kind} {year} (course), expires {until}"),
                    )?;
                    id
                }
                None => {
                    let id = crate::agents::model::insert_certification(
                        conn,
                        &crate::agents::model::NewCertification {
                            agent_id: agent.id,
                            kind,
                            plan_year: year,
                            earned_on: today,
                            expires_on: until,
                            source: "course",
                        },
                    )?;
                    audit::record(
                        conn,
                        who,
                        "certification.added",
                        "agent",
                        Some(agent.id),
                        &format!("{kind} {year} (course), expires {until}"),
                    )?;
                    id
                }
            };
            certification_id = Some(id);
            certification = Some(format!("{kind} {year}"));
        }
    }
    let best = model::scores_of_enrollments(conn, &[e.id])?
        .into_iter()
        .filter_map(|(_, s)| s)
        .max();
    let mut rng = rand::thread_rng();
    let code = loop {
        let c = certificate::new_code(&mut rng);
        if !model::code_taken(conn, &c)? {
            break c;
        }
    };
    let id = model::insert_certificate(
        conn,
        &model::NewCertificate {
            code: &code,
            enrollment_id: e.id,
            course_id: course.id,
            user_id: user.id,
            holder_name: &user.name,
            course_title: &course.title,
            score: best,
            issued_on: today,
            expires_on: expires,
            certification_id,
        },
    )?;
    audit::record(
        conn,
        who,
        "course.completed",
        "enrollment",
        Some(e.id),
        &format!("{} — certificate {code}", course.title),
    )?;
    Ok(Outcome {
        certificate_id: Some(id),
        certification,
    })
}
