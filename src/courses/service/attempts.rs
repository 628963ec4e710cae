//! A learner's quiz attempts: starting one (drawing its questions), grading it when submitted
//! or late, and what passing it completes.
use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;

use super::questions::bank_of;
use super::{complete_if_done, own_enrollment, Outcome};
use crate::agents::readiness::PlanYearRule;
use crate::audit::{self, AuditActor};
use crate::auth::roles::Actor;
use crate::courses::model;
use crate::courses::quiz;
use crate::db::DbConnection;
use crate::error::AppError;

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
    fn answers_are_read_from_repeated_fields() {
        let a = parse_answers(b"q5=10&q5=12&q7=3&csrf_token=x&qx=1&q8=abc");
        assert_eq!(a.len(), 2);
        assert_eq!(a[&5], [10, 12].into());
        assert_eq!(a[&7], [3].into());
    }
}
