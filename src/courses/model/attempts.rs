//! Queries of quiz attempts: an attempt, the questions it drew with their answers, and the
//! scores the reports read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{AttemptQuestionRow, AttemptRow};
use crate::db::schema::{attempt_questions, questions, quiz_attempts, quizzes};
use crate::db::{now, DbConnection};

// ---- attempts -------------------------------------------------------------------------------

pub fn insert_attempt(
    conn: &mut DbConnection,
    quiz_id: i64,
    enrollment_id: i64,
    user_id: i64,
    started_at: NaiveDateTime,
    deadline_at: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    diesel::insert_into(quiz_attempts::table)
        .values((
            quiz_attempts::quiz_id.eq(quiz_id),
            quiz_attempts::enrollment_id.eq(enrollment_id),
            quiz_attempts::user_id.eq(user_id),
            quiz_attempts::status.eq("open"),
            quiz_attempts::started_at.eq(started_at),
            quiz_attempts::deadline_at.eq(deadline_at),
            quiz_attempts::passed.eq(false),
        ))
        .returning(quiz_attempts::id)
        .get_result(conn)
}

pub fn insert_attempt_question(
    conn: &mut DbConnection,
    attempt_id: i64,
    question_id: i64,
    position: i32,
    choice_order: &str,
) -> QueryResult<usize> {
    diesel::insert_into(attempt_questions::table)
        .values((
            attempt_questions::attempt_id.eq(attempt_id),
            attempt_questions::question_id.eq(question_id),
            attempt_questions::position.eq(position),
            attempt_questions::choice_order.eq(choice_order),
        ))
        .execute(conn)
}

pub fn find_attempt(conn: &mut DbConnection, id: i64) -> QueryResult<AttemptRow> {
    quiz_attempts::table
        .find(id)
        .select(AttemptRow::as_select())
        .first(conn)
}

pub fn attempt_questions_of(conn: &mut DbConnection, attempt_id: i64) -> QueryResult<Vec<AttemptQuestionRow>> {
    attempt_questions::table
        .filter(attempt_questions::attempt_id.eq(attempt_id))
        .order(attempt_questions::position.asc())
        .select(AttemptQuestionRow::as_select())
        .load(conn)
}

pub fn attempts_of(conn: &mut DbConnection, enrollment_id: i64, quiz_id: i64) -> QueryResult<Vec<AttemptRow>> {
    quiz_attempts::table
        .filter(quiz_attempts::enrollment_id.eq(enrollment_id))
        .filter(quiz_attempts::quiz_id.eq(quiz_id))
        .order(quiz_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
}

pub fn set_answer(conn: &mut DbConnection, id: i64, answer: &str, correct: bool) -> QueryResult<usize> {
    diesel::update(attempt_questions::table.find(id))
        .set((
            attempt_questions::answer.eq(answer),
            attempt_questions::correct.eq(correct),
        ))
        .execute(conn)
}

/// Closes an open attempt; false when it was already closed (a double submission).
pub fn close_attempt(conn: &mut DbConnection, id: i64, status: &str, score: i32, passed: bool) -> QueryResult<bool> {
    let n = diesel::update(quiz_attempts::table.find(id).filter(quiz_attempts::status.eq("open")))
        .set((
            quiz_attempts::status.eq(status),
            quiz_attempts::score.eq(score),
            quiz_attempts::passed.eq(passed),
            quiz_attempts::submitted_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Closed attempts' scores on a course's quizzes, with their enrolment.
pub fn scores_of_course(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<(i64, Option<i32>)>> {
    quiz_attempts::table
        .inner_join(quizzes::table)
        .filter(quizzes::course_id.eq(course_id))
        .filter(quiz_attempts::status.ne("open"))
        .select((quiz_attempts::enrollment_id, quiz_attempts::score))
        .load(conn)
}

/// Best score of each (enrolment) over a set of enrolments.
pub fn scores_of_enrollments(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, Option<i32>)>> {
    quiz_attempts::table
        .filter(quiz_attempts::enrollment_id.eq_any(ids))
        .filter(quiz_attempts::status.ne("open"))
        .select((quiz_attempts::enrollment_id, quiz_attempts::score))
        .load(conn)
}

/// Every graded answer to a course's questions: (question id, correct).
pub fn answers_of_course(conn: &mut DbConnection, course_id: i64) -> QueryResult<Vec<(i64, bool)>> {
    let rows: Vec<(i64, Option<bool>)> = attempt_questions::table
        .inner_join(questions::table)
        .filter(questions::course_id.eq(course_id))
        .filter(attempt_questions::correct.is_not_null())
        .select((attempt_questions::question_id, attempt_questions::correct))
        .load(conn)?;
    Ok(rows.into_iter().map(|(q, c)| (q, c.unwrap_or(false))).collect())
}
