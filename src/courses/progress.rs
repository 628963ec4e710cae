//! Progress rules, pure: how far a learner is, whether the course is complete, whether it is
//! overdue, and where to continue.

use chrono::NaiveDate;

/// What progress is computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressFacts {
    /// Lessons of the course in reading order: (id, required).
    pub lessons: Vec<(i64, bool)>,
    /// Lessons this enrolment has completed.
    pub done_lessons: Vec<i64>,
    /// Quizzes of the course: (id, final).
    pub quizzes: Vec<(i64, bool)>,
    /// Quizzes this enrolment has passed.
    pub passed_quizzes: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub percent: i32,
    pub complete: bool,
}

/// Progress = completed lessons + passed quizzes, out of all lessons + all quizzes. The course is
/// complete when every required lesson is done and every final quiz is passed (with no final
/// quiz marked, every quiz counts as final).
pub fn progress(f: &ProgressFacts) -> Progress {
    let lessons_done = f.lessons.iter().filter(|(id, _)| f.done_lessons.contains(id)).count();
    let quizzes_done = f.quizzes.iter().filter(|(id, _)| f.passed_quizzes.contains(id)).count();
    let total = f.lessons.len() + f.quizzes.len();
    let done = lessons_done + quizzes_done;
    let required_done = f
        .lessons
        .iter()
        .filter(|(_, required)| *required)
        .all(|(id, _)| f.done_lessons.contains(id));
    let any_final = f.quizzes.iter().any(|(_, fin)| *fin);
    let finals_passed = f
        .quizzes
        .iter()
        .filter(|(_, fin)| *fin || !any_final)
        .all(|(id, _)| f.passed_quizzes.contains(id));
    let complete = total > 0 && required_done && finals_passed;
    let percent = if complete {
        100
    } else {
        (done * 100).checked_div(total).unwrap_or(0).min(99) as i32
    };
    Progress {
        done,
        total,
        percent,
        complete,
    }
}

/// The lesson to continue with: the first not yet done after the last one opened, else the first
/// not done at all, else the last one opened.
pub fn next_lesson(f: &ProgressFacts, last_opened: Option<i64>) -> Option<i64> {
    let not_done = |id: &i64| !f.done_lessons.contains(id);
    let order: Vec<i64> = f.lessons.iter().map(|(id, _)| *id).collect();
    if let Some(pos) = last_opened.and_then(|l| order.iter().position(|id| *id == l)) {
        if not_done(&order[pos]) {
            return Some(order[pos]);
        }
        if let Some(id) = order[pos + 1..].iter().find(|id| not_done(id)) {
            return Some(*id);
        }
    }
    order.iter().find(|id| not_done(id)).copied().or(last_opened)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    NoDueDate,
    Done,
    Due { days_left: i64 },
    Overdue { days_late: i64 },
}

pub fn due_state(due_on: Option<NaiveDate>, complete: bool, today: NaiveDate) -> DueState {
    if complete {
        return DueState::Done;
    }
    match due_on {
        None => DueState::NoDueDate,
        Some(d) if d < today => DueState::Overdue {
            days_late: (today - d).num_days(),
        },
        Some(d) => DueState::Due {
            days_left: (d - today).num_days(),
        },
    }
}

impl DueState {
    pub fn is_overdue(self) -> bool {
        matches!(self, DueState::Overdue { .. })
    }

    /// A short phrase for a person.
    pub fn label(self) -> String {
        match self {
            DueState::NoDueDate => "No due date".into(),
            DueState::Done => "Completed".into(),
            DueState::Due { days_left: 0 } => "Due today".into(),
            DueState::Due { days_left: 1 } => "Due tomorrow".into(),
            DueState::Due { days_left } => format!("Due in {days_left} days"),
            DueState::Overdue { days_late: 1 } => "Overdue by 1 day".into(),
            DueState::Overdue { days_late } => format!("Overdue by {days_late} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ProgressFacts {
        ProgressFacts {
            lessons: vec![(1, true), (2, true), (3, false)],
            done_lessons: vec![],
            quizzes: vec![(10, true)],
            passed_quizzes: vec![],
        }
    }

    #[test]
    fn progress_counts_lessons_and_passed_quizzes() {
        let mut f = facts();
        assert_eq!(progress(&f).percent, 0);
        f.done_lessons = vec![1, 2];
        let p = progress(&f);
        assert_eq!((p.done, p.total, p.percent, p.complete), (2, 4, 50, false));
        f.passed_quizzes = vec![10];
        let p = progress(&f);
        assert!(p.complete, "the optional lesson is not needed");
        assert_eq!(p.percent, 100);
    }

    #[test]
    fn without_a_final_quiz_every_quiz_must_be_passed() {
        let mut f = facts();
        f.quizzes = vec![(10, false), (11, false)];
        f.done_lessons = vec![1, 2, 3];
        f.passed_quizzes = vec![10];
        assert!(!progress(&f).complete);
        assert!(progress(&f).percent < 100);
        f.passed_quizzes = vec![10, 11];
        assert!(progress(&f).complete);
        assert!(
            !progress(&ProgressFacts::default()).complete,
            "an empty course is never complete"
        );
    }

    #[test]
    fn continue_where_i_left_off() {
        let mut f = facts();
        assert_eq!(next_lesson(&f, None), Some(1));
        f.done_lessons = vec![1];
        assert_eq!(next_lesson(&f, Some(1)), Some(2));
        assert_eq!(next_lesson(&f, Some(3)), Some(3));
        f.done_lessons = vec![1, 2, 3];
        assert_eq!(next_lesson(&f, Some(2)), Some(2));
        f.done_lessons = vec![2, 3];
        assert_eq!(next_lesson(&f, Some(3)), Some(1));
    }

    #[test]
    fn due_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(due_state(Some(d), false, d), DueState::Due { days_left: 0 });
        assert!(due_state(Some(d), false, d.succ_opt().unwrap()).is_overdue());
        assert_eq!(due_state(Some(d), true, d + chrono::Duration::days(9)), DueState::Done);
        assert_eq!(due_state(None, false, d), DueState::NoDueDate);
        assert_eq!(DueState::Overdue { days_late: 3 }.label(), "Overdue by 3 days");
    }
}
