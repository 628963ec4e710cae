//! Read models for course pages: enrolments with their progress, due state and where to continue;
//! a course outline; a course's statistics. A fixed number of queries per page.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::model::{self, CertificateRow, CourseRow, EnrollmentRow, LessonRow, ModuleRow, QuizRow};
use super::progress::{self, DueState, Progress, ProgressFacts};
use crate::auth::model::UserRow;
use crate::db::DbConnection;
use crate::error::AppError;

/// One enrolment as a learner's or an owner's page shows it.
#[derive(Debug, Clone)]
pub struct EnrollmentView {
    pub enrollment: EnrollmentRow,
    pub course: CourseRow,
    pub progress: Progress,
    pub due: DueState,
    pub next_lesson: Option<i64>,
    pub best_score: Option<i32>,
}

impl EnrollmentView {
    pub fn due_label(&self) -> String {
        self.due.label()
    }

    pub fn is_overdue(&self) -> bool {
        self.due.is_overdue()
    }

    pub fn is_completed(&self) -> bool {
        self.enrollment.status == model::COMPLETED
    }

    pub fn is_started(&self) -> bool {
        self.progress.done > 0 || self.enrollment.last_lesson_id.is_some()
    }

    pub fn status_label(&self) -> &'static str {
        match self.enrollment.status.as_str() {
            model::COMPLETED => "Completed",
            model::ARCHIVED => "Archived (recertified)",
            _ if self.is_overdue() => "Overdue",
            _ if self.is_started() => "In progress",
            _ => "Not started",
        }
    }

    pub fn continue_url(&self) -> String {
        match self.next_lesson {
            Some(l) if !self.is_completed() => format!("/learn/lessons/{l}"),
            _ => format!("/learn/courses/{}", self.course.id),
        }
    }

    pub fn score_label(&self) -> String {
        self.best_score.map(|s| format!("{s}%")).unwrap_or_else(|| "—".into())
    }
}

/// Views of `rows` with four queries in all.
pub fn enrollments(
    conn: &mut DbConnection,
    rows: Vec<(EnrollmentRow, CourseRow)>,
    today: NaiveDate,
) -> Result<Vec<EnrollmentView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|(e, _)| e.id).collect();
    let mut done: HashMap<i64, Vec<i64>> = HashMap::new();
    for (e, l) in model::done_lessons(conn, &ids)? {
        done.entry(e).or_default().push(l);
    }
    let mut passed: HashMap<i64, Vec<i64>> = HashMap::new();
    for (e, q) in model::passed_quizzes(conn, &ids)? {
        passed.entry(e).or_default().push(q);
    }
    let mut best: HashMap<i64, i32> = HashMap::new();
    for (e, s) in model::scores_of_enrollments(conn, &ids)? {
        if let Some(s) = s {
            let b = best.entry(e).or_insert(s);
            *b = (*b).max(s);
        }
    }
    let mut structures: HashMap<i64, model::Structure> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (e, c) in rows {
        if let std::collections::hash_map::Entry::Vacant(v) = structures.entry(c.id) {
            v.insert(model::course_structure(conn, c.id)?);
        }
        let (lessons, quizzes) = structures[&c.id].clone();
        let facts = ProgressFacts {
            lessons,
            quizzes,
            done_lessons: done.remove(&e.id).unwrap_or_default(),
            passed_quizzes: passed.remove(&e.id).unwrap_or_default(),
        };
        let mut p = progress::progress(&facts);
        if e.status == model::COMPLETED {
            p.percent = 100;
            p.complete = true;
        }
        let due = progress::due_state(e.due_on, e.status != model::ACTIVE, today);
        let next_lesson = progress::next_lesson(&facts, e.last_lesson_id);
        out.push(EnrollmentView {
            best_score: best.get(&e.id).copied(),
            enrollment: e,
            course: c,
            progress: p,
            due,
            next_lesson,
        });
    }
    Ok(out)
}

/// A module with its lessons, in order.
#[derive(Debug, Clone)]
pub struct ModuleView {
    pub module: ModuleRow,
    pub lessons: Vec<LessonRow>,
}

#[derive(Debug, Clone)]
pub struct Outline {
    pub course: CourseRow,
    pub modules: Vec<ModuleView>,
    pub quizzes: Vec<QuizRow>,
    pub question_count: usize,
}

impl Outline {
    pub fn lesson_count(&self) -> usize {
        self.modules.iter().map(|m| m.lessons.len()).sum()
    }
}

pub fn outline(conn: &mut DbConnection, course_id: i64) -> Result<Outline, AppError> {
    let course = model::find_course(conn, course_id)?;
    let modules = model::modules_of(conn, course_id)?;
    let lessons = model::lessons_of_course(conn, course_id)?;
    let quizzes = model::quizzes_of(conn, course_id)?;
    let question_count = model::questions_of(conn, course_id)?
        .iter()
        .filter(|q| !q.retired)
        .count();
    Ok(Outline {
        course,
        modules: modules
            .into_iter()
            .map(|m| ModuleView {
                lessons: lessons.iter().filter(|l| l.module_id == m.id).cloned().collect(),
                module: m,
            })
            .collect(),
        quizzes,
        question_count,
    })
}

/// A course's numbers for its owner.
#[derive(Debug, Clone, Default)]
pub struct CourseStats {
    pub enrolled: usize,
    pub not_started: usize,
    pub in_progress: usize,
    pub completed: usize,
    pub overdue: usize,
    pub average_score: Option<i32>,
    pub attempts: usize,
}

/// How often each question is answered right.
#[derive(Debug, Clone)]
pub struct QuestionStat {
    pub id: i64,
    pub prompt: String,
    pub retired: bool,
    pub answered: usize,
    pub correct: usize,
}

impl QuestionStat {
    pub fn pass_rate(&self) -> Option<i32> {
        (self.answered > 0).then(|| (self.correct * 100 / self.answered) as i32)
    }

    pub fn pass_rate_label(&self) -> String {
        self.pass_rate().map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
    }

    /// Few get it right: the question (or the lesson) may be at fault.
    pub fn is_suspect(&self) -> bool {
        self.answered >= 3 && self.pass_rate().is_some_and(|r| r < 50)
    }
}

pub struct CourseReport {
    pub course: CourseRow,
    pub stats: CourseStats,
    pub learners: Vec<(EnrollmentView, UserRow)>,
    pub questions: Vec<QuestionStat>,
}

pub fn course_report(conn: &mut DbConnection, course_id: i64, today: NaiveDate) -> Result<CourseReport, AppError> {
    let course = model::find_course(conn, course_id)?;
    let rows = model::enrollments_of_course(conn, course_id)?;
    let users: Vec<UserRow> = rows.iter().map(|(_, u)| u.clone()).collect();
    let views = enrollments(
        conn,
        rows.into_iter().map(|(e, _)| (e, course.clone())).collect(),
        today,
    )?;
    let mut stats = CourseStats {
        enrolled: views.len(),
        ..Default::default()
    };
    for v in &views {
        if v.is_completed() {
            stats.completed += 1;
        } else if v.is_started() {
            stats.in_progress += 1;
        } else {
            stats.not_started += 1;
        }
        if v.is_overdue() {
            stats.overdue += 1;
        }
    }
    let scores: Vec<i32> = model::scores_of_course(conn, course_id)?
        .into_iter()
        .map(|(_, s)| s.unwrap_or(0))
        .collect();
    stats.attempts = scores.len();
    if !scores.is_empty() {
        stats.average_score = Some(scores.iter().sum::<i32>() / scores.len() as i32);
    }
    let mut tally: HashMap<i64, (usize, usize)> = HashMap::new();
    for (q, ok) in model::answers_of_course(conn, course_id)? {
        let t = tally.entry(q).or_default();
        t.0 += 1;
        if ok {
            t.1 += 1;
        }
    }
    let mut questions: Vec<QuestionStat> = model::questions_of(conn, course_id)?
        .into_iter()
        .map(|q| {
            let (answered, correct) = tally.get(&q.id).copied().unwrap_or_default();
            QuestionStat {
                id: q.id,
                prompt: q.prompt,
                retired: q.retired,
                answered,
                correct,
            }
        })
        .collect();
    // The weakest questions first.
    questions.sort_by_key(|q| (q.pass_rate().unwrap_or(101), q.id));
    Ok(CourseReport {
        course,
        stats,
        learners: views.into_iter().zip(users).collect(),
        questions,
    })
}

/// A person's training record: every enrolment (recertifications too) and certificate.
pub struct TrainingRecord {
    pub user: UserRow,
    pub enrollments: Vec<EnrollmentView>,
    pub certificates: Vec<CertificateRow>,
}

pub fn training_record(conn: &mut DbConnection, user_id: i64, today: NaiveDate) -> Result<TrainingRecord, AppError> {
    let user = crate::auth::model::find_user(conn, user_id)?;
    let rows = model::all_enrollments_of_user(conn, user_id)?;
    Ok(TrainingRecord {
        enrollments: enrollments(conn, rows, today)?,
        certificates: model::certificates_of_user(conn, user_id)?,
        user,
    })
}
