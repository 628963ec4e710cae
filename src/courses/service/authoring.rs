//! Authoring a course (owners and admins): the course itself, its outline of modules and
//! lessons, and the lesson files, each change checked by `may_author` and audited.

use super::{checked, cleaned, may_author, number, text, title};
use crate::audit::{self, AuditActor};
use crate::auth::roles::Actor;
use crate::courses::model::{self, CourseChanges, CourseRow, LessonChanges};
use crate::db::DbConnection;
use crate::error::{AppError, FieldErrors};

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
        v => crate::courses::media::embed_url(&v)
            .map_err(|m| errors.add("video_url", m))
            .ok(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courses::service::Audience;

    #[test]
    fn moving_swaps_with_the_neighbour_only() {
        assert_eq!(moved(&[1, 2, 3], 2, Direction::Up), vec![2, 1, 3]);
        assert_eq!(moved(&[1, 2, 3], 2, Direction::Down), vec![1, 3, 2]);
        assert_eq!(moved(&[1, 2, 3], 1, Direction::Up), vec![1, 2, 3]);
        assert_eq!(moved(&[1, 2, 3], 3, Direction::Down), vec![1, 2, 3]);
        assert_eq!(moved(&[1, 2, 3], 9, Direction::Down), vec![1, 2, 3]);
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
