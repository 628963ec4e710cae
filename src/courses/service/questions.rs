//! A course's question bank and its quizzes (owners and admins): parsing their forms, adding,
//! editing and retiring questions, and the quizzes that draw from the bank.

use super::{checked, cleaned, may_author, number, one_line, title};
use crate::audit::{self, AuditActor};
use crate::auth::roles::Actor;
use crate::courses::model::{self, CourseRow, NewQuiz};
use crate::courses::quiz::{self, BankEntry, QuestionKind};
use crate::db::DbConnection;
use crate::error::{AppError, FieldErrors};

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

pub(super) fn bank_of(conn: &mut DbConnection, course_id: i64) -> Result<Vec<BankEntry>, AppError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
