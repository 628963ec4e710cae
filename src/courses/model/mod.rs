//! Every query of the courses domain. Written once for both backends (see docs/architecture.md, "Two databases"): single-row
//! inserts with `returning(id)`, no `on_conflict`. Rows and most queries are here; those of quiz
//! attempts are in `attempts`, of certificates and certifications in `credentials`; all are used
//! as `courses::model::…`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::model::UserRow;
use crate::db::schema::{
    agents, attempt_questions, certificates, certifications, choices, course_modules, courses, enrollments,
    lesson_documents, lesson_progress, lessons, questions, quiz_attempts, quizzes, users,
};
use crate::db::{lower, now, DbConnection};

mod attempts;
mod credentials;

pub use attempts::*;
pub use credentials::*;

// ---- rows -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub cover_path: Option<String>,
    pub published: bool,
    pub cert_kind: Option<String>,
    pub cert_plan_year: Option<i32>,
    pub validity_months: Option<i32>,
    pub pass_mark: i32,
    pub due_days: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CourseRow {
    pub fn grants(&self) -> Option<String> {
        self.cert_kind.as_ref().map(|k| match self.cert_plan_year {
            Some(y) => format!("{k} {y}"),
            None => k.clone(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = course_modules)]
pub struct ModuleRow {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lessons)]
pub struct LessonRow {
    pub id: i64,
    pub course_id: i64,
    pub module_id: i64,
    pub title: String,
    pub body: String,
    pub video_path: Option<String>,
    pub video_url: Option<String>,
    pub required: bool,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lesson_documents)]
pub struct DocumentRow {
    pub id: i64,
    pub lesson_id: i64,
    pub file_name: String,
    pub original_name: String,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
}

impl DocumentRow {
    pub fn size_label(&self) -> String {
        if self.size_bytes >= 1024 * 1024 {
            format!("{:.1} MB", self.size_bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (self.size_bytes + 1023) / 1024)
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = questions)]
pub struct QuestionRow {
    pub id: i64,
    pub course_id: i64,
    pub kind: String,
    pub prompt: String,
    pub explanation: String,
    pub tags: String,
    pub retired: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = choices)]
pub struct ChoiceRow {
    pub id: i64,
    pub question_id: i64,
    pub body: String,
    pub correct: bool,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = quizzes)]
pub struct QuizRow {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub question_count: i32,
    pub tag: Option<String>,
    pub pass_mark: i32,
    pub max_attempts: i32,
    pub time_limit_minutes: Option<i32>,
    pub is_final: bool,
    pub created_at: NaiveDateTime,
    /// A [`super::quiz::FailedReveal`] key.
    pub failed_reveals: String,
}

impl QuizRow {
    /// What a failed attempt's result page shows (an unknown stored value shows the least).
    pub fn failed_reveals(&self) -> super::quiz::FailedReveal {
        super::quiz::FailedReveal::parse(&self.failed_reveals).unwrap_or(super::quiz::FailedReveal::Nothing)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub assigned_by: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub cycle: i32,
    pub last_lesson_id: Option<i64>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = quiz_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub quiz_id: i64,
    pub enrollment_id: i64,
    pub user_id: i64,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub deadline_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub passed: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attempt_questions)]
pub struct AttemptQuestionRow {
    pub id: i64,
    pub attempt_id: i64,
    pub question_id: i64,
    pub position: i32,
    pub choice_order: String,
    pub answer: Option<String>,
    pub correct: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: i64,
    pub code: String,
    pub enrollment_id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub holder_name: String,
    pub course_title: String,
    pub score: Option<i32>,
    pub issued_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub certification_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

// ---- courses --------------------------------------------------------------------------------

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = courses, treat_none_as_null = true)]
pub struct CourseChanges {
    pub title: String,
    pub summary: String,
    pub published: bool,
    pub cert_kind: Option<String>,
    pub cert_plan_year: Option<i32>,
    pub validity_months: Option<i32>,
    pub pass_mark: i32,
    pub due_days: i32,
}

pub fn insert_course(conn: &mut DbConnection, c: &CourseChanges) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(courses::table)
        .values((
            courses::title.eq(&c.title),
            courses::summary.eq(&c.summary),
            courses::published.eq(c.published),
            courses::cert_kind.eq(&c.cert_kind),
            courses::cert_plan_year.eq(c.cert_plan_year),
            courses::validity_months.eq(c.validity_months),
            courses::pass_mark.eq(c.pass_mark),
            courses::due_days.eq(c.due_days),
            courses::created_at.eq(t),
            courses::updated_at.eq(t),
        ))
        .returning(courses::id)
        .get_result(conn)
}

pub fn update_course(conn: &mut DbConnection, id: i64, c: &CourseChanges) -> QueryResult<usize> {
    diesel::update(courses::table.find(id))
        .set((c, courses::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_cover(conn: &mut DbConnection, id: i64, file: Option<&str>) -> QueryResult<usize> {
    diesel::update(courses::table.find(id))
        .set(courses::cover_path.eq(file))
        .execute(conn)
}

pub fn find_course(conn: &mut DbConnection, id: i64) -> QueryResult<CourseRow> {
    courses::table.find(id).select(CourseRow::as_select()).first(conn)
}

pub fn list_courses(conn: &mut DbConnection, published_only: bool) -> QueryResult<Vec<CourseRow>> {
    let mut q = courses::table.select(CourseRow::as_select()).into_boxed();
    if published_only {
        q = q.filter(courses::published.eq(true));
    }
    q.order((courses::title.asc(), courses::id.asc())).load(conn)
}

pub fn course_by_cover(conn: &mut DbConnection, file: &str) -> QueryResult<Option<CourseRow>> {
    courses::table
        .filter(courses::cover_path.eq(file))
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

// ---- modules and lessons --------------------------------------------------------------------

pub fn insert_module(conn: &mut DbConnection, course_id: i64, title: &str) -> QueryResult<i64> {
    let last: Option<i32> = course_modules::table
        .filter(course_modules::course_id.eq(course_id))
        .select(diesel::dsl::max(course_modules::position))
        .first(conn)?;
    diesel::insert_into(course_modules::table)
        .values((
            course_modules::course_id.eq(course_id),
            course_modules::title.eq(title),
            course_modules::position.eq(last.unwrap_or(0) + 1),
            course_modules::created_at.eq(now()),
        ))
        .returning(course_modules::id)
        .get_result(conn)
}

pub fn modules_of(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<ModuleRow>> {
    course_modules::table
        .filter(course_modules::course_id.eq(course_id))
        .order((course_modules::position.asc(), course_modules::id.asc()))
        .select(ModuleRow::as_select())
        .load(conn)
}

pub fn find_module(conn: &mut DbConnection, id: i64) -> QueryResult<ModuleRow> {
    course_modules::table
        .find(id)
        .select(ModuleRow::as_select())
        .first(conn)
}

pub fn rename_module(conn: &mut DbConnection, id: i64, title: &str) -> QueryResult<usize> {
    diesel::update(course_modules::table.find(id))
        .set(course_modules::title.eq(title))
        .execute(conn)
}

pub fn delete_module(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(lessons::table.filter(lessons::module_id.eq(id))).execute(conn)?;
    diesel::delete(course_modules::table.find(id)).execute(conn)
}

pub fn set_module_position(conn: &mut DbConnection, id: i64, position: i32) -> QueryResult<usize> {
    diesel::update(course_modules::table.find(id))
        .set(course_modules::position.eq(position))
        .execute(conn)
}

pub fn insert_lesson(conn: &mut DbConnection, module: &ModuleRow, title: &str, body: &str) -> QueryResult<i64> {
    let last: Option<i32> = lessons::table
        .filter(lessons::module_id.eq(module.id))
        .select(diesel::dsl::max(lessons::position))
        .first(conn)?;
    let t = now();
    diesel::insert_into(lessons::table)
        .values((
            lessons::course_id.eq(module.course_id),
            lessons::module_id.eq(module.id),
            lessons::title.eq(title),
            lessons::body.eq(body),
            lessons::required.eq(true),
            lessons::position.eq(last.unwrap_or(0) + 1),
            lessons::created_at.eq(t),
            lessons::updated_at.eq(t),
        ))
        .returning(lessons::id)
        .get_result(conn)
}

/// The lessons of a course in reading order (module order, then lesson order).
pub fn lessons_of_course(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<LessonRow>> {
    lessons::table
        .inner_join(course_modules::table)
        .filter(lessons::course_id.eq(course_id))
        .order((
            course_modules::position.asc(),
            course_modules::id.asc(),
            lessons::position.asc(),
            lessons::id.asc(),
        ))
        .select(LessonRow::as_select())
        .load(conn)
}

pub fn find_lesson(conn: &mut DbConnection, id: i64) -> QueryResult<LessonRow> {
    lessons::table.find(id).select(LessonRow::as_select()).first(conn)
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = lessons, treat_none_as_null = true)]
pub struct LessonChanges {
    pub title: String,
    pub body: String,
    pub required: bool,
    pub video_url: Option<String>,
}

pub fn update_lesson(conn: &mut DbConnection, id: i64, c: &LessonChanges) -> QueryResult<usize> {
    diesel::update(lessons::table.find(id))
        .set((c, lessons::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_lesson_video(conn: &mut DbConnection, id: i64, file: Option<&str>) -> QueryResult<usize> {
    diesel::update(lessons::table.find(id))
        .set((lessons::video_path.eq(file), lessons::updated_at.eq(now())))
        .execute(conn)
}

pub fn set_lesson_position(conn: &mut DbConnection, id: i64, position: i32) -> QueryResult<usize> {
    diesel::update(lessons::table.find(id))
        .set(lessons::position.eq(position))
        .execute(conn)
}

pub fn delete_lesson(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(lessons::table.find(id)).execute(conn)
}

pub fn lesson_by_video(conn: &mut DbConnection, file: &str) -> QueryResult<Option<LessonRow>> {
    lessons::table
        .filter(lessons::video_path.eq(file))
        .select(LessonRow::as_select())
        .first(conn)
        .optional()
}

// ---- documents ------------------------------------------------------------------------------

pub fn insert_document(
    conn: &mut DbConnection,
    lesson_id: i64,
    file_name: &str,
    original_name: &str,
    size: i64,
) -> QueryResult<i64> {
    diesel::insert_into(lesson_documents::table)
        .values((
            lesson_documents::lesson_id.eq(lesson_id),
            lesson_documents::file_name.eq(file_name),
            lesson_documents::original_name.eq(original_name),
            lesson_documents::size_bytes.eq(size),
            lesson_documents::created_at.eq(now()),
        ))
        .returning(lesson_documents::id)
        .get_result(conn)
}

pub fn documents_of(conn: &mut DbConnection, lesson_id: i64) -> QueryResult<Vec<DocumentRow>> {
    lesson_documents::table
        .filter(lesson_documents::lesson_id.eq(lesson_id))
        .order(lesson_documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

pub fn find_document(conn: &mut DbConnection, id: i64) -> QueryResult<DocumentRow> {
    lesson_documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
}

pub fn delete_document(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(lesson_documents::table.find(id)).execute(conn)
}

// ---- the question bank and quizzes ----------------------------------------------------------

pub fn insert_question(
    conn: &mut DbConnection,
    course_id: i64,
    kind: &str,
    prompt: &str,
    explanation: &str,
    tags: &str,
    choice_list: &[(String, bool)],
) -> QueryResult<i64> {
    let id = diesel::insert_into(questions::table)
        .values((
            questions::course_id.eq(course_id),
            questions::kind.eq(kind),
            questions::prompt.eq(prompt),
            questions::explanation.eq(explanation),
            questions::tags.eq(tags),
            questions::retired.eq(false),
            questions::created_at.eq(now()),
        ))
        .returning(questions::id)
        .get_result(conn)?;
    for (i, (body, correct)) in choice_list.iter().enumerate() {
        diesel::insert_into(choices::table)
            .values((
                choices::question_id.eq(id),
                choices::body.eq(body),
                choices::correct.eq(*correct),
                choices::position.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn questions_of(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<QuestionRow>> {
    questions::table
        .filter(questions::course_id.eq(course_id))
        .order(questions::id.asc())
        .select(QuestionRow::as_select())
        .load(conn)
}

pub fn questions_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<QuestionRow>> {
    questions::table
        .filter(questions::id.eq_any(ids))
        .select(QuestionRow::as_select())
        .load(conn)
}

pub fn find_question(conn: &mut DbConnection, id: i64) -> QueryResult<QuestionRow> {
    questions::table.find(id).select(QuestionRow::as_select()).first(conn)
}

pub fn delete_question(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(questions::table.find(id)).execute(conn)
}

/// Rewrites a question never answered, its choices too.
pub fn update_question(
    conn: &mut DbConnection,
    id: i64,
    kind: &str,
    prompt: &str,
    explanation: &str,
    tags: &str,
    choice_list: &[(String, bool)],
) -> QueryResult<()> {
    diesel::update(questions::table.find(id))
        .set((
            questions::kind.eq(kind),
            questions::prompt.eq(prompt),
            questions::explanation.eq(explanation),
            questions::tags.eq(tags),
        ))
        .execute(conn)?;
    diesel::delete(choices::table.filter(choices::question_id.eq(id))).execute(conn)?;
    for (i, (body, correct)) in choice_list.iter().enumerate() {
        diesel::insert_into(choices::table)
            .values((
                choices::question_id.eq(id),
                choices::body.eq(body),
                choices::correct.eq(*correct),
                choices::position.eq(i as i32 + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes a question out of future draws, keeping it (and every answer to it) on record.
pub fn retire_question(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(questions::table.find(id))
        .set(questions::retired.eq(true))
        .execute(conn)
}

pub fn times_answered(conn: &mut DbConnection, question_id: i64) -> QueryResult<i64> {
    attempt_questions::table
        .filter(attempt_questions::question_id.eq(question_id))
        .count()
        .get_result(conn)
}

pub fn attempts_at(conn: &mut DbConnection, quiz_id: i64) -> QueryResult<i64> {
    quiz_attempts::table
        .filter(quiz_attempts::quiz_id.eq(quiz_id))
        .count()
        .get_result(conn)
}

pub fn choices_of_many(conn: &mut DbConnection, question_ids: &[i64]) -> QueryResult<Vec<ChoiceRow>> {
    choices::table
        .filter(choices::question_id.eq_any(question_ids))
        .order((choices::question_id.asc(), choices::position.asc()))
        .select(ChoiceRow::as_select())
        .load(conn)
}

pub struct NewQuiz<'a> {
    pub title: &'a str,
    pub question_count: i32,
    pub tag: Option<&'a str>,
    pub pass_mark: i32,
    pub max_attempts: i32,
    pub time_limit_minutes: Option<i32>,
    pub is_final: bool,
    pub failed_reveals: &'a str,
}

pub fn insert_quiz(conn: &mut DbConnection, course_id: i64, q: &NewQuiz) -> QueryResult<i64> {
    diesel::insert_into(quizzes::table)
        .values((
            quizzes::course_id.eq(course_id),
            quizzes::title.eq(q.title),
            quizzes::question_count.eq(q.question_count),
            quizzes::tag.eq(q.tag),
            quizzes::pass_mark.eq(q.pass_mark),
            quizzes::max_attempts.eq(q.max_attempts),
            quizzes::time_limit_minutes.eq(q.time_limit_minutes),
            quizzes::is_final.eq(q.is_final),
            quizzes::failed_reveals.eq(q.failed_reveals),
            quizzes::created_at.eq(now()),
        ))
        .returning(quizzes::id)
        .get_result(conn)
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = quizzes, treat_none_as_null = true)]
pub struct QuizChanges {
    pub title: String,
    pub question_count: i32,
    pub tag: Option<String>,
    pub pass_mark: i32,
    pub max_attempts: i32,
    pub time_limit_minutes: Option<i32>,
    pub is_final: bool,
    pub failed_reveals: String,
}

pub fn update_quiz(conn: &mut DbConnection, id: i64, q: &QuizChanges) -> QueryResult<usize> {
    diesel::update(quizzes::table.find(id)).set(q).execute(conn)
}

pub fn quizzes_of(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<QuizRow>> {
    quizzes::table
        .filter(quizzes::course_id.eq(course_id))
        .order(quizzes::id.asc())
        .select(QuizRow::as_select())
        .load(conn)
}

pub fn find_quiz(conn: &mut DbConnection, id: i64) -> QueryResult<QuizRow> {
    quizzes::table.find(id).select(QuizRow::as_select()).first(conn)
}

pub fn delete_quiz(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(quizzes::table.find(id)).execute(conn)
}

// ---- enrolments and progress ----------------------------------------------------------------

pub const ACTIVE: &str = "active";
pub const COMPLETED: &str = "completed";
pub const ARCHIVED: &str = "archived";

pub fn insert_enrollment(
    conn: &mut DbConnection,
    course_id: i64,
    user_id: i64,
    assigned_by: Option<i64>,
    due_on: Option<NaiveDate>,
    cycle: i32,
) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(enrollments::table)
        .values((
            enrollments::course_id.eq(course_id),
            enrollments::user_id.eq(user_id),
            enrollments::assigned_by.eq(assigned_by),
            enrollments::due_on.eq(due_on),
            enrollments::status.eq(ACTIVE),
            enrollments::cycle.eq(cycle),
            enrollments::created_at.eq(t),
            enrollments::updated_at.eq(t),
        ))
        .returning(enrollments::id)
        .get_result(conn)
}

/// The learner's current (not archived) enrolment in a course.
pub fn current_enrollment(conn: &mut DbConnection, course_id: i64, user_id: i64) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::course_id.eq(course_id))
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::status.ne(ARCHIVED))
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_enrollment(conn: &mut DbConnection, id: i64) -> QueryResult<EnrollmentRow> {
    enrollments::table
        .find(id)
        .select(EnrollmentRow::as_select())
        .first(conn)
}

/// A learner's current enrolments with their courses, soonest due first.
pub fn enrollments_of_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<(EnrollmentRow, CourseRow)>> {
    enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::status.ne(ARCHIVED))
        .order((enrollments::due_on.asc(), enrollments::id.asc()))
        .select((EnrollmentRow::as_select(), CourseRow::as_select()))
        .load(conn)
}

/// Every enrolment of a user, archived ones too (the training record).
pub fn all_enrollments_of_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<(EnrollmentRow, CourseRow)>> {
    enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .order((courses::title.asc(), enrollments::cycle.desc()))
        .select((EnrollmentRow::as_select(), CourseRow::as_select()))
        .load(conn)
}

/// The current enrolments of a course with their learners, by name.
pub fn enrollments_of_course(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<(EnrollmentRow, UserRow)>> {
    enrollments::table
        .inner_join(users::table)
        .filter(enrollments::course_id.eq(course_id))
        .filter(enrollments::status.ne(ARCHIVED))
        .order((users::name.asc(), enrollments::id.asc()))
        .select((EnrollmentRow::as_select(), UserRow::as_select()))
        .load(conn)
}

pub fn set_last_lesson(conn: &mut DbConnection, enrollment_id: i64, lesson_id: i64) -> QueryResult<usize> {
    diesel::update(enrollments::table.find(enrollment_id))
        .set(enrollments::last_lesson_id.eq(lesson_id))
        .execute(conn)
}

pub fn set_status(conn: &mut DbConnection, enrollment_id: i64, status: &str) -> QueryResult<usize> {
    let t = now();
    let completed = (status == COMPLETED).then_some(t);
    if completed.is_some() {
        diesel::update(enrollments::table.find(enrollment_id))
            .set((
                enrollments::status.eq(status),
                enrollments::completed_at.eq(completed),
                enrollments::updated_at.eq(t),
            ))
            .execute(conn)
    } else {
        diesel::update(enrollments::table.find(enrollment_id))
            .set((enrollments::status.eq(status), enrollments::updated_at.eq(t)))
            .execute(conn)
    }
}

/// Records a lesson as done (once); false when it already was.
pub fn mark_lesson_done(conn: &mut DbConnection, enrollment_id: i64, lesson_id: i64) -> QueryResult<bool> {
    let exists = lesson_progress::table
        .filter(lesson_progress::enrollment_id.eq(enrollment_id))
        .filter(lesson_progress::lesson_id.eq(lesson_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(lesson_progress::table)
        .values((
            lesson_progress::enrollment_id.eq(enrollment_id),
            lesson_progress::lesson_id.eq(lesson_id),
            lesson_progress::completed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// (enrolment, lesson) pairs done, for several enrolments at once.
pub fn done_lessons(conn: &mut DbConnection, enrollment_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    lesson_progress::table
        .filter(lesson_progress::enrollment_id.eq_any(enrollment_ids))
        .select((lesson_progress::enrollment_id, lesson_progress::lesson_id))
        .load(conn)
}

/// (enrolment, quiz) pairs passed, for several enrolments at once.
pub fn passed_quizzes(conn: &mut DbConnection, enrollment_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    quiz_attempts::table
        .filter(quiz_attempts::enrollment_id.eq_any(enrollment_ids))
        .filter(quiz_attempts::passed.eq(true))
        .select((quiz_attempts::enrollment_id, quiz_attempts::quiz_id))
        .distinct()
        .load(conn)
}

/// A course's steps: (lesson id, required) in reading order, and (quiz id, final).
pub type Structure = (Vec<(i64, bool)>, Vec<(i64, bool)>);

pub fn course_structure(conn: &mut DbConnection, course_id: i64) -> QueryResult<Structure> {
    let lessons = lessons_of_course(conn, course_id)?
        .into_iter()
        .map(|l| (l.id, l.required))
        .collect();
    let quizzes = quizzes_of(conn, course_id)?
        .into_iter()
        .map(|q| (q.id, q.is_final))
        .collect();
    Ok((lessons, quizzes))
}

// ---- learners -------------------------------------------------------------------------------

/// Active agents and trainees as (user id, name, e-mail), optionally only one team's.
pub fn learners(conn: &mut DbConnection, team_id: Option<i64>) -> QueryResult<Vec<(i64, String, String)>> {
    let mut q = agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "trainee"]))
        .select((users::id, users::name, users::email))
        .into_boxed();
    if let Some(t) = team_id {
        q = q.filter(agents::team_id.eq(t));
    }
    q.order(users::name.asc()).load(conn)
}

/// The learner with this agent profile id, as (user id, name, e-mail), if active.
pub fn learner_of_agent(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Option<(i64, String, String)>> {
    agents::table
        .inner_join(users::table)
        .filter(agents::id.eq(agent_id))
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "trainee"]))
        .select((users::id, users::name, users::email))
        .first(conn)
        .optional()
}

/// Active agents and trainees as (agent profile id, name), for the assignment list.
pub fn learner_agents(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "trainee"]))
        .order(users::name.asc())
        .select((agents::id, users::name))
        .load(conn)
}

/// Current enrolments of many users: (user id, status, due on), for the training overview.
pub fn enrollment_summaries(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, Option<NaiveDate>)>> {
    enrollments::table
        .filter(enrollments::status.ne(ARCHIVED))
        .select((enrollments::user_id, enrollments::status, enrollments::due_on))
        .load(conn)
}

/// A certification about to expire, with its holder.
#[derive(Debug, Clone, Queryable)]
pub struct ExpiringCertification {
    pub id: i64,
    pub kind: String,
    pub expires_on: NaiveDate,
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

/// Certifications (any source) that expire on or before `until` and not before `from`, with the
/// holder (active users only).
pub fn certifications_expiring(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<ExpiringCertification>> {
    certifications::table
        .inner_join(agents::table.inner_join(users::table))
        .filter(certifications::expires_on.ge(from))
        .filter(certifications::expires_on.le(until))
        .filter(users::active.eq(true))
        .select((
            certifications::id,
            certifications::kind,
            certifications::expires_on,
            users::id,
            users::name,
            users::email,
        ))
        .load(conn)
}

/// Published courses that grant a certification of this kind (any case).
pub fn courses_granting(conn: &mut DbConnection, kind: &str) -> QueryResult<Vec<CourseRow>> {
    courses::table
        .filter(courses::published.eq(true))
        .filter(lower(courses::cert_kind.assume_not_null()).eq(kind.to_lowercase()))
        .order(courses::id.asc())
        .select(CourseRow::as_select())
        .load(conn)
}

/// Takes the enrolment's row lock (PostgreSQL holds it to the end of the transaction; SQLite has
/// one writer anyway) and returns the row as it is now, so that two requests cannot both start
/// the last allowed attempt or both complete the course.
pub fn lock_enrollment(conn: &mut DbConnection, id: i64) -> QueryResult<EnrollmentRow> {
    diesel::update(enrollments::table.find(id))
        .set(enrollments::updated_at.eq(now()))
        .execute(conn)?;
    find_enrollment(conn, id)
}
