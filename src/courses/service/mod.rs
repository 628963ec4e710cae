//! State changes to courses, each through a check of who may make it: owners and admins author and
//! assign; a learner acts only on their own enrolments. Forms are parsed first; every bad field is
//! named. Each change writes its audit entry in the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;

use super::model::{self, CourseChanges, CourseRow, EnrollmentRow, LessonChanges, NewQuiz};
use super::quiz::{self, BankEntry, QuestionKind};
use super::{certificate, progress};
use crate::agents::readiness::{plan_year, PlanYearRule};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role};
use crate::db::DbConnection;
use crate::jobs::{self, EmailJob};
use crate::web::errors::{AppError, FieldErrors};

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

// ---- courses --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CourseForm {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub published: Option<String>,
    pub cert_kind: Option<String>,
    pub cert_plan_year: Option<String>,
    pub validity_months: Option<String>,
    pub pass_mark: Option<String>,
    pub due_days: Option<String>,
}

impl CourseForm {
    pub fn from_row(c: &CourseRow) -> CourseForm {
        CourseForm {
            title: Some(c.title.clone()),
            summary: Some(c.summary.clone()),
            published: c.published.then(|| "on".into()),
            cert_kind: c.cert_kind.clone(),
            cert_plan_year: c.cert_plan_year.map(|y| y.to_string()),
            validity_months: c.validity_months.map(|m| m.to_string()),
            pass_mark: Some(c.pass_mark.to_string()),
            due_days: Some(c.due_days.to_string()),
        }
    }

    pub fn val(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    pub fn is_published(&self) -> bool {
        checked(&self.published)
    }
}

pub fn parse_course(form: &CourseForm) -> Result<CourseChanges, FieldErrors> {
    let mut errors = FieldErrors::new();
    let title = title(&form.title, "title", "course", &mut errors);
    let summary = cleaned(
        &form.summary,
        crate::text::clean_text,
        ("summary", "summary"),
        (2000, "Keep the summary under 2,000 characters."),
        &mut errors,
    );
    let kind = cleaned(
        &form.cert_kind,
        crate::text::clean_line,
        ("cert_kind", "certification"),
        (60, "Keep the certification under 60 characters."),
        &mut errors,
    );
    let cert_kind = if kind.is_empty() {
        None
    } else if kind.eq_ignore_ascii_case("ahip") {
        Some("AHIP".to_string())
    } else {
        Some(kind)
    };
    let cert_plan_year = number(&form.cert_plan_year, "cert_plan_year", 2000..=2100, &mut errors);
    let validity_months = number(&form.validity_months, "validity_months", 1..=120, &mut errors);
    if cert_kind.is_none() && (cert_plan_year.is_some() || validity_months.is_some()) && !errors.has("cert_kind") {
        errors.add(
            "cert_kind",
            "Name the certification (AHIP or a carrier) or leave the plan year and validity empty.",
        );
    }
    let pass_mark = number(&form.pass_mark, "pass_mark", 1..=100, &mut errors).unwrap_or(80);
    let due_days = number(&form.due_days, "due_days", 1..=365, &mut errors).unwrap_or(30);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CourseChanges {
        title,
        summary,
        published: checked(&form.published),
        cert_kind,
        cert_plan_year,
        validity_months,
        pass_mark,
        due_days,
    })
}

pub fn create_course(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    c: &CourseChanges,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let id = model::insert_course(conn, c)?;
    audit::record(conn, who, "course.created", "course", Some(id), &c.title)?;
    Ok(id)
}

pub fn update_course(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    c: &CourseChanges,
) -> Result<(), AppError> {
    may_author(actor)?;
    let old = model::find_course(conn, id)?;
    model::update_course(conn, id, c)?;
    let what = match (old.published, c.published) {
        (false, true) => "course.published",
        (true, false) => "course.unpublished",
        _ => "course.updated",
    };
    audit::record(conn, who, what, "course", Some(id), &c.title)?;
    Ok(())
}

/// Stores a new cover; returns the old file's name so it can be removed.
pub fn set_cover(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    file: &str,
) -> Result<Option<String>, AppError> {
    may_author(actor)?;
    let old = model::find_course(conn, id)?;
    model::set_cover(conn, id, Some(file))?;
    audit::record(conn, who, "course.cover_changed", "course", Some(id), &old.title)?;
    Ok(old.cover_path)
}

// ---- modules and lessons --------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct TitleForm {
    pub title: Option<String>,
}

pub fn add_module(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    course_id: i64,
    form: &TitleForm,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let mut errors = FieldErrors::new();
    let t = title(&form.title, "module_title", "module", &mut errors);
    errors.into_result()?;
    model::find_course(conn, course_id)?;
    let id = model::insert_module(conn, course_id, &t)?;
    audit::record(conn, who, "course.module_added", "course", Some(course_id), &t)?;
    Ok(id)
}

pub fn delete_module(conn: &mut DbConnection, actor: Actor, who: &AuditActor, module_id: i64) -> Result<i64, AppError> {
    may_author(actor)?;
    let m = model::find_module(conn, module_id)?;
    model::delete_module(conn, module_id)?;
    audit::record(
        conn,
        who,
        "course.module_deleted",
        "course",
        Some(m.course_id),
        &m.title,
    )?;
    Ok(m.course_id)
}

/// Up or down one place among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn parse(v: &Option<String>) -> Result<Direction, AppError> {
        match v.as_deref() {
            Some("up") => Ok(Direction::Up),
            Some("down") => Ok(Direction::Down),
            _ => Err(AppError::field("direction", "Choose up or down.")),
        }
    }
}

/// The new order after moving `id` one place: positions are renumbered 1, 2, 3, …
pub fn moved(ids: &[i64], id: i64, dir: Direction) -> Vec<i64> {
    let mut v = ids.to_vec();
    if let Some(i) = v.iter().position(|x| *x == id) {
        match dir {
            Direction::Up if i > 0 => v.swap(i, i - 1),
            Direction::Down if i + 1 < v.len() => v.swap(i, i + 1),
            _ => {}
        }
    }
    v
}

pub fn move_module(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    module_id: i64,
    dir: Direction,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let m = model::find_module(conn, module_id)?;
    let ids: Vec<i64> = model::modules_of(conn, m.course_id)?.iter().map(|m| m.id).collect();
    for (i, id) in moved(&ids, module_id, dir).into_iter().enumerate() {
        model::set_module_position(conn, id, i as i32 + 1)?;
    }
    audit::record(conn, who, "course.reordered", "course", Some(m.course_id), &m.title)?;
    Ok(m.course_id)
}

pub fn move_lesson(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    lesson_id: i64,
    dir: Direction,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let l = model::find_lesson(conn, lesson_id)?;
    let ids: Vec<i64> = model::lessons_of_course(conn, l.course_id)?
        .iter()
        .filter(|x| x.module_id == l.module_id)
        .map(|x| x.id)
        .collect();
    for (i, id) in moved(&ids, lesson_id, dir).into_iter().enumerate() {
        model::set_lesson_position(conn, id, i as i32 + 1)?;
    }
    audit::record(conn, who, "course.reordered", "course", Some(l.course_id), &l.title)?;
    Ok(l.course_id)
}

pub fn add_lesson(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    module_id: i64,
    form: &TitleForm,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let mut errors = FieldErrors::new();
    let t = title(&form.title, &format!("lesson_title_{module_id}"), "lesson", &mut errors);
    errors.into_result()?;
    let m = model::find_module(conn, module_id)?;
    let id = model::insert_lesson(conn, &m, &t, "")?;
    audit::record(conn, who, "course.lesson_added", "course", Some(m.course_id), &t)?;
    Ok(id)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LessonForm {
    pub title: Option<String>,
    pub body: Option<String>,
    pub required: Option<String>,
    pub video_url: Option<String>,
}

impl LessonForm {
    pub fn from_row(l: &model::LessonRow) -> LessonForm {
        LessonForm {
            title: Some(l.title.clone()),
            body: Some(l.body.clone()),
            required: l.required.then(|| "on".into()),
            video_url: l.video_url.clone(),
        }
    }

    pub fn val(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    pub fn is_required(&self) -> bool {
        checked(&self.required)
    }
}

pub fn parse_lesson(form: &LessonForm) -> Result<LessonChanges, FieldErrors> {
    let mut errors = FieldErrors::new();
    let t = title(&form.title, "title", "lesson", &mut errors);
    let body = cleaned(
        &form.body,
        crate::text::clean_text,
        ("body", "lesson"),
        (
            100_000,
            "Keep the lesson under 100,000 characters; split it into two lessons.",
        ),
        &mut errors,
    );
    let video_url = match text(&form.video_url) {
        v if v.is_empty() => None,
        v => super::media::embed_url(&v).map_err(|m| errors.add("video_url", m)).ok(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(LessonChanges {
        title: t,
        body,
        required: checked(&form.required),
        video_url,
    })
}

pub fn update_lesson(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    lesson_id: i64,
    c: &LessonChanges,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let l = model::find_lesson(conn, lesson_id)?;
    model::update_lesson(conn, lesson_id, c)?;
    audit::record(
        conn,
        who,
        "course.lesson_updated",
        "course",
        Some(l.course_id),
        &c.title,
    )?;
    Ok(l.course_id)
}

pub fn delete_lesson(conn: &mut DbConnection, actor: Actor, who: &AuditActor, lesson_id: i64) -> Result<i64, AppError> {
    may_author(actor)?;
    let l = model::find_lesson(conn, lesson_id)?;
    model::delete_lesson(conn, lesson_id)?;
    audit::record(
        conn,
        who,
        "course.lesson_deleted",
        "course",
        Some(l.course_id),
        &l.title,
    )?;
    Ok(l.course_id)
}

/// Stores a lesson's video file; returns the old file's name.
pub fn set_video(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    lesson_id: i64,
    file: &str,
) -> Result<Option<String>, AppError> {
    may_author(actor)?;
    let l = model::find_lesson(conn, lesson_id)?;
    model::set_lesson_video(conn, lesson_id, Some(file))?;
    audit::record(
        conn,
        who,
        "course.video_uploaded",
        "course",
        Some(l.course_id),
        &l.title,
    )?;
    Ok(l.video_path)
}

pub fn add_document(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    lesson_id: i64,
    file: &str,
    original: &str,
    size: i64,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let l = model::find_lesson(conn, lesson_id)?;
    let id = model::insert_document(conn, lesson_id, file, original, size)?;
    audit::record(
        conn,
        who,
        "course.document_added",
        "course",
        Some(l.course_id),
        original,
    )?;
    Ok(id)
}

/// Removes a document; returns its lesson and stored file name.
pub fn delete_document(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    document_id: i64,
) -> Result<(i64, String), AppError> {
    may_author(actor)?;
    let d = model::find_document(conn, document_id)?;
    let l = model::find_lesson(conn, d.lesson_id)?;
    model::delete_document(conn, document_id)?;
    audit::record(
        conn,
        who,
        "course.document_deleted",
        "course",
        Some(l.course_id),
        &d.original_name,
    )?;
    Ok((d.lesson_id, d.file_name))
}

// ---- the question bank ----------------------------------------------------------------------

pub const MAX_CHOICES: usize = 6;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct QuestionForm {
    pub kind: Option<String>,
    pub prompt: Option<String>,
    pub explanation: Option<String>,
    pub tags: Option<String>,
    /// For true/false: "true" or "false".
    pub answer: Option<String>,
    pub choice_1: Option<String>,
    pub choice_2: Option<String>,
    pub choice_3: Option<String>,
    pub choice_4: Option<String>,
    pub choice_5: Option<String>,
    pub choice_6: Option<String>,
    pub correct_1: Option<String>,
    pub correct_2: Option<String>,
    pub correct_3: Option<String>,
    pub correct_4: Option<String>,
    pub correct_5: Option<String>,
    pub correct_6: Option<String>,
}

impl QuestionForm {
    /// (text, marked correct) of choice `i` (1-based).
    pub fn choice(&self, i: &usize) -> (String, bool) {
        let (t, c) = match i {
            1 => (&self.choice_1, &self.correct_1),
            2 => (&self.choice_2, &self.correct_2),
            3 => (&self.choice_3, &self.correct_3),
            4 => (&self.choice_4, &self.correct_4),
            5 => (&self.choice_5, &self.correct_5),
            _ => (&self.choice_6, &self.correct_6),
        };
        (one_line(t), checked(c))
    }

    pub fn val(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    /// The form filled from a stored question.
    pub fn from_rows(q: &model::QuestionRow, choices: &[model::ChoiceRow]) -> QuestionForm {
        let mut f = QuestionForm {
            kind: Some(q.kind.clone()),
            prompt: Some(q.prompt.clone()),
            explanation: Some(q.explanation.clone()),
            tags: Some(q.tags.replace(',', ", ")),
            ..Default::default()
        };
        if q.kind == QuestionKind::TrueFalse.as_str() {
            let true_is_right = choices.iter().any(|c| c.body == "True" && c.correct);
            f.answer = Some(if true_is_right { "true" } else { "false" }.into());
            return f;
        }
        for (i, c) in choices.iter().enumerate() {
            let pair = (Some(c.body.clone()), c.correct.then(|| "on".to_string()));
            match i {
                0 => (f.choice_1, f.correct_1) = pair,
                1 => (f.choice_2, f.correct_2) = pair,
                2 => (f.choice_3, f.correct_3) = pair,
                3 => (f.choice_4, f.correct_4) = pair,
                4 => (f.choice_5, f.correct_5) = pair,
                5 => (f.choice_6, f.correct_6) = pair,
                _ => {}
            }
        }
        f
    }

    pub fn kind_is(&self, k: &str) -> bool {
        self.kind.as_deref().unwrap_or("single") == k
    }
}

#[derive(Debug)]
pub struct ParsedQuestion {
    pub kind: QuestionKind,
    pub prompt: String,
    pub explanation: String,
    pub tags: String,
    pub choices: Vec<(String, bool)>,
}

pub fn parse_question(form: &QuestionForm) -> Result<ParsedQuestion, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = QuestionKind::parse(form.kind.as_deref().unwrap_or(""));
    if kind.is_none() {
        errors.add("kind", "Choose single choice, multiple choice or true/false.");
    }
    let prompt = cleaned(
        &form.prompt,
        crate::text::clean_text,
        ("prompt", "question"),
        (2000, "Keep the question under 2,000 characters."),
        &mut errors,
    );
    if prompt.is_empty() && !errors.has("prompt") {
        errors.add("prompt", "Write the question.");
    }
    let explanation = cleaned(
        &form.explanation,
        crate::text::clean_text,
        ("explanation", "explanation"),
        (4000, "Keep the explanation under 4,000 characters."),
        &mut errors,
    );
    let tags = quiz::normalise_tags(form.tags.as_deref().unwrap_or("")).join(",");
    let choices: Vec<(String, bool)> = match kind {
        Some(QuestionKind::TrueFalse) => match form.answer.as_deref() {
            Some("true") => vec![("True".into(), true), ("False".into(), false)],
            Some("false") => vec![("True".into(), false), ("False".into(), true)],
            _ => {
                errors.add("answer", "Say whether the statement is true or false.");
                vec![]
            }
        },
        Some(k) => {
            let given: Vec<(String, bool)> = (1..=MAX_CHOICES)
                .map(|i| form.choice(&i))
                .filter(|(t, _)| !t.is_empty())
                .collect();
            let right = given.iter().filter(|(_, c)| *c).count();
            if given.len() < 2 {
                errors.add("choices", "Give at least two choices.");
            } else if given.iter().any(|(t, _)| t.chars().count() > 500) {
                errors.add("choices", "Keep each choice under 500 characters.");
            } else if given.iter().any(|(t, _)| t.chars().any(crate::text::is_hidden)) {
                errors.add("choices", crate::text::TextError::Hidden.message("choice"));
            } else if right == 0 {
                errors.add("choices", "Mark the correct choice.");
            } else if k == QuestionKind::Single && right > 1 {
                errors.add(
                    "choices",
                    "A single-choice question has one correct choice; use multiple choice for more.",
                );
            }
            given
        }
        None => vec![],
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(ParsedQuestion {
            kind,
            prompt,
            explanation,
            tags,
            choices,
        }),
        _ => Err(errors),
    }
}

pub fn add_question(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    course_id: i64,
    q: &ParsedQuestion,
) -> Result<i64, AppError> {
    may_author(actor)?;
    model::find_course(conn, course_id)?;
    let id = model::insert_question(
        conn,
        course_id,
        q.kind.as_str(),
        &q.prompt,
        &q.explanation,
        &q.tags,
        &q.choices,
    )?;
    let short: String = q.prompt.chars().take(80).collect();
    audit::record(conn, who, "course.question_added", "course", Some(course_id), &short)?;
    Ok(id)
}

/// Deletes a question never answered; one that has been answered is retired instead (out of
/// future draws, its answers kept). Returns the course and what happened, for the flash message.
pub fn delete_question(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    question_id: i64,
) -> Result<(i64, &'static str), AppError> {
    may_author(actor)?;
    let q = model::find_question(conn, question_id)?;
    let short: String = q.prompt.chars().take(80).collect();
    if model::times_answered(conn, question_id)? > 0 {
        model::retire_question(conn, question_id)?;
        audit::record(
            conn,
            who,
            "course.question_retired",
            "course",
            Some(q.course_id),
            &short,
        )?;
        return Ok((
            q.course_id,
            "The question has been answered before, so it is retired: no quiz draws it any more, and its answers stay on record.",
        ));
    }
    model::delete_question(conn, question_id)?;
    audit::record(
        conn,
        who,
        "course.question_deleted",
        "course",
        Some(q.course_id),
        &short,
    )?;
    Ok((q.course_id, "The question is deleted."))
}

/// Saves a question's new wording. One never answered changes in place; one that has been answered
/// is retired and replaced by a new question, so past answers keep the wording they answered.
pub fn edit_question(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    question_id: i64,
    q: &ParsedQuestion,
) -> Result<(i64, &'static str), AppError> {
    may_author(actor)?;
    let old = model::find_question(conn, question_id)?;
    if old.retired {
        return Err(AppError::NotFound);
    }
    let short: String = q.prompt.chars().take(80).collect();
    if model::times_answered(conn, question_id)? > 0 {
        model::retire_question(conn, question_id)?;
        model::insert_question(
            conn,
            old.course_id,
            q.kind.as_str(),
            &q.prompt,
            &q.explanation,
            &q.tags,
            &q.choices,
        )?;
        audit::record(
            conn,
            who,
            "course.question_revised",
            "course",
            Some(old.course_id),
            &short,
        )?;
        return Ok((
            old.course_id,
            "The question is saved as a new version; the old one is retired with its answers.",
        ));
    }
    model::update_question(
        conn,
        question_id,
        q.kind.as_str(),
        &q.prompt,
        &q.explanation,
        &q.tags,
        &q.choices,
    )?;
    audit::record(
        conn,
        who,
        "course.question_updated",
        "course",
        Some(old.course_id),
        &short,
    )?;
    Ok((old.course_id, "The question is saved."))
}

// ---- quizzes --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct QuizForm {
    pub title: Option<String>,
    pub question_count: Option<String>,
    pub tag: Option<String>,
    pub pass_mark: Option<String>,
    pub max_attempts: Option<String>,
    pub time_limit_minutes: Option<String>,
    pub is_final: Option<String>,
    /// A [`quiz::FailedReveal`] key; empty takes the default for the course.
    pub failed_reveals: Option<String>,
}

impl QuizForm {
    pub fn val(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

/// A quiz's settings, parsed against its course's bank.
fn parse_quiz(conn: &mut DbConnection, course: &CourseRow, form: &QuizForm) -> Result<model::QuizChanges, AppError> {
    let mut errors = FieldErrors::new();
    let t = title(&form.title, "quiz_title", "quiz", &mut errors);
    let count = number(&form.question_count, "question_count", 1..=200, &mut errors);
    if count.is_none() && !errors.has("question_count") {
        errors.add("question_count", "Say how many questions to draw.");
    }
    let tag = quiz::normalise_tags(form.tag.as_deref().unwrap_or(""))
        .into_iter()
        .next();
    let pass_mark = number(&form.pass_mark, "quiz_pass_mark", 1..=100, &mut errors).unwrap_or(course.pass_mark);
    let max_attempts = number(&form.max_attempts, "max_attempts", 0..=100, &mut errors).unwrap_or(0);
    let limit = number(&form.time_limit_minutes, "time_limit_minutes", 1..=600, &mut errors);
    let reveals = match form.failed_reveals.as_deref().map(str::trim) {
        None | Some("") => quiz::FailedReveal::default_for(course.cert_kind.is_some()),
        Some(raw) => quiz::FailedReveal::parse(raw).unwrap_or_else(|| {
            errors.add("failed_reveals", "Choose what a failed attempt shows from the list.");
            quiz::FailedReveal::Nothing
        }),
    };
    if let Some(n) = count {
        let bank: Vec<BankEntry> = bank_of(conn, course.id)?;
        let available = quiz::eligible(&bank, tag.as_deref()).len();
        if available < n as usize {
            errors.add(
                "question_count",
                format!(
                    "The bank has {available} question(s){}; add more or draw fewer.",
                    tag.as_deref().map(|t| format!(" tagged “{t}”")).unwrap_or_default()
                ),
            );
        }
    }
    errors.into_result()?;
    Ok(model::QuizChanges {
        title: t,
        question_count: count.unwrap_or(1),
        tag,
        pass_mark,
        max_attempts,
        time_limit_minutes: limit,
        is_final: checked(&form.is_final),
        failed_reveals: reveals.as_str().to_string(),
    })
}

pub fn add_quiz(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    course_id: i64,
    form: &QuizForm,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let course = model::find_course(conn, course_id)?;
    let q = parse_quiz(conn, &course, form)?;
    let id = model::insert_quiz(
        conn,
        course_id,
        &NewQuiz {
            title: &q.title,
            question_count: q.question_count,
            tag: q.tag.as_deref(),
            pass_mark: q.pass_mark,
            max_attempts: q.max_attempts,
            time_limit_minutes: q.time_limit_minutes,
            is_final: q.is_final,
            failed_reveals: &q.failed_reveals,
        },
    )?;
    audit::record(conn, who, "course.quiz_added", "course", Some(course_id), &q.title)?;
    Ok(id)
}

/// Changes a quiz's settings; attempts already made keep the questions they drew.
pub fn update_quiz(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    quiz_id: i64,
    form: &QuizForm,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let old = model::find_quiz(conn, quiz_id)?;
    let course = model::find_course(conn, old.course_id)?;
    let q = parse_quiz(conn, &course, form)?;
    model::update_quiz(conn, quiz_id, &q)?;
    audit::record(conn, who, "course.quiz_updated", "course", Some(course.id), &q.title)?;
    Ok(course.id)
}

impl QuizForm {
    pub fn from_row(q: &model::QuizRow) -> QuizForm {
        QuizForm {
            title: Some(q.title.clone()),
            question_count: Some(q.question_count.to_string()),
            tag: q.tag.clone(),
            pass_mark: Some(q.pass_mark.to_string()),
            max_attempts: Some(q.max_attempts.to_string()),
            time_limit_minutes: q.time_limit_minutes.map(|m| m.to_string()),
            is_final: q.is_final.then(|| "on".into()),
            failed_reveals: Some(q.failed_reveals.clone()),
        }
    }
}

pub fn rename_module(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    module_id: i64,
    form: &TitleForm,
) -> Result<i64, AppError> {
    may_author(actor)?;
    let mut errors = FieldErrors::new();
    let t = title(&form.title, &format!("module_{module_id}"), "module", &mut errors);
    errors.into_result()?;
    let m = model::find_module(conn, module_id)?;
    model::rename_module(conn, module_id, &t)?;
    audit::record(conn, who, "course.module_renamed", "course", Some(m.course_id), &t)?;
    Ok(m.course_id)
}

/// Deletes a quiz nobody has attempted; attempts and answers are kept, so one with attempts stays.
pub fn delete_quiz(conn: &mut DbConnection, actor: Actor, who: &AuditActor, quiz_id: i64) -> Result<i64, AppError> {
    may_author(actor)?;
    let q = model::find_quiz(conn, quiz_id)?;
    let n = model::attempts_at(conn, quiz_id)?;
    if n > 0 {
        return Err(AppError::Conflict(format!(
            "“{}” has {n} attempt(s) on record, so it stays. Change its settings instead, or untick “final” so it is no longer needed.",
            q.title
        )));
    }
    model::delete_quiz(conn, quiz_id)?;
    audit::record(conn, who, "course.quiz_deleted", "course", Some(q.course_id), &q.title)?;
    Ok(q.course_id)
}

fn bank_of(conn: &mut DbConnection, course_id: i64) -> Result<Vec<BankEntry>, AppError> {
    Ok(model::questions_of(conn, course_id)?
        .into_iter()
        .filter(|q| !q.retired)
        .map(|q| BankEntry {
            id: q.id,
            tags: q
                .tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect())
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
            .map(|d| format!(" by {}", crate::web::dates::date(d)))
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

// ---- quiz attempts --------------------------------------------------------------------------

/// Starts an attempt (or returns the open one): the server draws the questions, shuffles their
/// choices and sets the deadline. Refused when the attempts are used up.
pub fn start_attempt(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    quiz_id: i64,
    now: NaiveDateTime,
    rng: &mut impl Rng,
) -> Result<i64, AppError> {
    let q = model::find_quiz(conn, quiz_id)?;
    let e = own_enrollment(conn, actor, q.course_id)?
        .ok_or_else(|| AppError::Conflict("Enrol in the course first.".into()))?;
    let e = model::lock_enrollment(conn, e.id)?;
    if e.status != model::ACTIVE {
        return Err(AppError::Conflict("You have completed this course.".into()));
    }
    let attempts = model::attempts_of(conn, e.id, quiz_id)?;
    if attempts.iter().any(|a| a.passed) {
        return Err(AppError::Conflict("You have passed this quiz already.".into()));
    }
    if let Some(open) = attempts.iter().find(|a| a.status == "open") {
        if !quiz::is_late(open.deadline_at, now) {
            return Ok(open.id);
        }
        // Time ran out without a submission: it counts, as a fail.
        expire(conn, open)?;
    }
    if quiz::attempts_left(q.max_attempts, attempts.len() as i64) == Some(0) {
        return Err(AppError::Conflict(format!(
            "You have used all {} attempts at this quiz. Ask your trainer for help.",
            q.max_attempts
        )));
    }
    let bank = bank_of(conn, q.course_id)?;
    let drawn = quiz::draw(&bank, q.question_count.max(1) as usize, q.tag.as_deref(), rng);
    if drawn.is_empty() {
        return Err(AppError::Conflict("This quiz has no questions yet.".into()));
    }
    let id = model::insert_attempt(
        conn,
        quiz_id,
        e.id,
        actor.id,
        now,
        quiz::deadline(now, q.time_limit_minutes),
    )?;
    let all_choices = model::choices_of_many(conn, &drawn)?;
    for (i, qid) in drawn.iter().enumerate() {
        let ids: Vec<i64> = all_choices
            .iter()
            .filter(|c| c.question_id == *qid)
            .map(|c| c.id)
            .collect();
        let order = quiz::shuffle_choices(&ids, rng);
        model::insert_attempt_question(conn, id, *qid, i as i32 + 1, &quiz::join_ids(&order))?;
    }
    audit::record(conn, who, "quiz.started", "quiz_attempt", Some(id), &q.title)?;
    Ok(id)
}

fn expire(conn: &mut DbConnection, a: &model::AttemptRow) -> Result<(), AppError> {
    model::close_attempt(conn, a.id, "expired", 0, false)?;
    Ok(())
}

/// The result of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub attempt_id: i64,
    pub expired: bool,
    pub score: i32,
    pub passed: bool,
    pub outcome: Outcome,
}

/// Grades a submission. Only the questions drawn for this attempt count, and only their own
/// choices; anything else posted is ignored. After the deadline (and its grace) the attempt is
/// closed as expired, with no score.
#[allow(clippy::too_many_arguments)]
pub fn submit_attempt(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    attempt_id: i64,
    answers: &HashMap<i64, BTreeSet<i64>>,
    now: NaiveDateTime,
    today: NaiveDate,
    rule: &PlanYearRule,
) -> Result<Graded, AppError> {
    let a = model::find_attempt(conn, attempt_id)?;
    if a.user_id != actor.id {
        return Err(AppError::Forbidden);
    }
    if a.status != "open" {
        return Err(AppError::Conflict("This attempt has been submitted already.".into()));
    }
    let q = model::find_quiz(conn, a.quiz_id)?;
    if quiz::is_late(a.deadline_at, now) {
        expire(conn, &a)?;
        audit::record(conn, who, "quiz.expired", "quiz_attempt", Some(a.id), &q.title)?;
        return Ok(Graded {
            attempt_id,
            expired: true,
            score: 0,
            passed: false,
            outcome: Outcome::default(),
        });
    }
    let drawn = model::attempt_questions_of(conn, attempt_id)?;
    let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
    let all_choices = model::choices_of_many(conn, &ids)?;
    let mut right = 0;
    for d in &drawn {
        let own: BTreeSet<i64> = all_choices
            .iter()
            .filter(|c| c.question_id == d.question_id)
            .map(|c| c.id)
            .collect();
        let correct: BTreeSet<i64> = all_choices
            .iter()
            .filter(|c| c.question_id == d.question_id && c.correct)
            .map(|c| c.id)
            .collect();
        let chosen: BTreeSet<i64> = answers
            .get(&d.question_id)
            .map(|s| s.intersection(&own).copied().collect())
            .unwrap_or_default();
        let ok = quiz::is_correct(&correct, &chosen);
        if ok {
            right += 1;
        }
        let chosen_list: Vec<i64> = chosen.into_iter().collect();
        model::set_answer(conn, d.id, &quiz::join_ids(&chosen_list), ok)?;
    }
    let (score, passed) = quiz::score(right, drawn.len(), q.pass_mark);
    if !model::close_attempt(conn, attempt_id, "submitted", score, passed)? {
        return Err(AppError::Conflict("This attempt has been submitted already.".into()));
    }
    audit::record(
        conn,
        who,
        if passed { "quiz.passed" } else { "quiz.failed" },
        "quiz_attempt",
        Some(attempt_id),
        &format!("{}: {score}%", q.title),
    )?;
    let e = model::find_enrollment(conn, a.enrollment_id)?;
    let outcome = if passed {
        complete_if_done(conn, who, &e, today, rule)?
    } else {
        Outcome::default()
    };
    Ok(Graded {
        attempt_id,
        expired: false,
        score,
        passed,
        outcome,
    })
}

/// Answers as posted: fields `q<question id>` with choice ids (repeated for several choices).
pub fn parse_answers(body: &[u8]) -> HashMap<i64, BTreeSet<i64>> {
    let mut out: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        let (Some(qid), Ok(cid)) = (
            k.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()),
            v.parse::<i64>(),
        ) else {
            continue;
        };
        out.entry(qid).or_default().insert(cid);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_swaps_with_the_neighbour_only() {
        assert_eq!(moved(&[1, 2, 3], 2, Direction::Up), vec![2, 1, 3]);
        assert_eq!(moved(&[1, 2, 3], 2, Direction::Down), vec![1, 3, 2]);
        assert_eq!(moved(&[1, 2, 3], 1, Direction::Up), vec![1, 2, 3]);
        assert_eq!(moved(&[1, 2, 3], 3, Direction::Down), vec![1, 2, 3]);
        assert_eq!(moved(&[1, 2, 3], 9, Direction::Down), vec![1, 2, 3]);
    }

    #[test]
    fn answers_are_read_from_repeated_fields() {
        let a = parse_answers(b"q5=10&q5=12&q7=3&csrf_token=x&qx=1&q8=abc");
        assert_eq!(a.len(), 2);
        assert_eq!(a[&5], [10, 12].into());
        assert_eq!(a[&7], [3].into());
    }

    #[test]
    fn a_question_needs_a_correct_choice_and_single_means_one() {
        let mut f = QuestionForm {
            kind: Some("single".into()),
            prompt: Some("When does the AEP start?".into()),
            choice_1: Some("October 15".into()),
            choice_2: Some("January 1".into()),
            ..Default::default()
        };
        assert!(parse_question(&f).unwrap_err().has("choices"));
        f.correct_1 = Some("on".into());
        f.correct_2 = Some("on".into());
        assert!(parse_question(&f).unwrap_err().has("choices"));
        f.kind = Some("multiple".into());
        assert_eq!(parse_question(&f).unwrap().choices.len(), 2);
        let tf = QuestionForm {
            kind: Some("true_false".into()),
            prompt: Some("Part B covers doctor visits.".into()),
            answer: Some("true".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_question(&tf).unwrap().choices,
            vec![("True".to_string(), true), ("False".to_string(), false)]
        );
    }

    #[test]
    fn a_course_form_names_its_bad_fields() {
        let e = parse_course(&CourseForm {
            title: Some(" ".into()),
            pass_mark: Some("120".into()),
            validity_months: Some("12".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.has("title") && e.has("pass_mark") && e.has("cert_kind"));
        let ok = parse_course(&CourseForm {
            title: Some("AHIP prep".into()),
            cert_kind: Some("ahip".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.cert_kind.as_deref(), Some("AHIP"));
        assert_eq!((ok.pass_mark, ok.due_days), (80, 30));
        assert_eq!(Audience::parse("team:4"), Some(Audience::Team(4)));
        assert_eq!(Audience::parse("agent:x"), None);
    }
}
