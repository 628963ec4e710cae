//! Quiz rules, pure: drawing questions from the bank, shuffling choices, grading answers and the
//! server-side time limit. The random source is passed in, so tests use a seed.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDateTime};
use rand::seq::SliceRandom;
use rand::Rng;

/// Seconds of grace after the deadline, for the time a submission spends on the wire.
pub const GRACE_SECONDS: i64 = 15;

/// The kinds of question in a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [QuestionKind::Single, QuestionKind::Multiple, QuestionKind::TrueFalse];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "Single choice",
            QuestionKind::Multiple => "Multiple choice (all that apply)",
            QuestionKind::TrueFalse => "True or false",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Several answers may be chosen.
    pub fn is_multiple(self) -> bool {
        self == QuestionKind::Multiple
    }
}

/// What the draw needs to know about a question of the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankEntry {
    pub id: i64,
    pub tags: Vec<String>,
}

/// Tags as stored: comma-separated, lower case, trimmed, no empties, no duplicates.
pub fn normalise_tags(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(',') {
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The questions that may be drawn: the whole bank, or those carrying `tag`.
pub fn eligible<'a>(bank: &'a [BankEntry], tag: Option<&str>) -> Vec<&'a BankEntry> {
    let tag = tag.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty());
    bank.iter()
        .filter(|q| match &tag {
            Some(t) => q.tags.iter().any(|qt| qt == t),
            None => true,
        })
        .collect()
}

/// Draws `n` different questions at random from the eligible part of the bank (all of them, in a
/// random order, when there are fewer than `n`).
pub fn draw(bank: &[BankEntry], n: usize, tag: Option<&str>, rng: &mut impl Rng) -> Vec<i64> {
    let pool: Vec<i64> = eligible(bank, tag).into_iter().map(|q| q.id).collect();
    let mut picked: Vec<i64> = pool.choose_multiple(rng, n.min(pool.len())).copied().collect();
    picked.shuffle(rng);
    picked
}

/// The choices of a question in a random order.
pub fn shuffle_choices(choice_ids: &[i64], rng: &mut impl Rng) -> Vec<i64> {
    let mut v = choice_ids.to_vec();
    v.shuffle(rng);
    v
}

/// Ids stored as "3,1,2".
pub fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub fn split_ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

/// One drawn question's answer: right only when exactly the correct choices were chosen.
pub fn is_correct(correct: &BTreeSet<i64>, chosen: &BTreeSet<i64>) -> bool {
    !chosen.is_empty() && correct == chosen
}

/// A score in whole percent (rounded down) and whether it reaches the pass mark.
pub fn score(correct: usize, total: usize, pass_mark: i32) -> (i32, bool) {
    if total == 0 {
        return (0, false);
    }
    let pct = (correct * 100 / total) as i32;
    (pct, pct >= pass_mark)
}

/// The deadline of an attempt started at `started` with a limit of `minutes`.
pub fn deadline(started: NaiveDateTime, minutes: Option<i32>) -> Option<NaiveDateTime> {
    minutes
        .filter(|m| *m > 0)
        .map(|m| started + Duration::minutes(m as i64))
}

/// Has the time run out at `now`? The grace covers the trip from the browser.
pub fn is_late(deadline: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    deadline.is_some_and(|d| now > d + Duration::seconds(GRACE_SECONDS))
}

/// What the result page of a failed (or timed-out) attempt shows. A passed attempt shows
/// everything. Kept per quiz as [`FailedReveal::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedReveal {
    /// The score only.
    Nothing,
    /// Which questions were right and which were wrong, not the right answers.
    WhichWrong,
    /// The right answers and the explanations.
    Answers,
}

impl FailedReveal {
    pub const ALL: [FailedReveal; 3] = [FailedReveal::Nothing, FailedReveal::WhichWrong, FailedReveal::Answers];

    pub fn as_str(self) -> &'static str {
        match self {
            FailedReveal::Nothing => "nothing",
            FailedReveal::WhichWrong => "which_wrong",
            FailedReveal::Answers => "answers",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FailedReveal::Nothing => "Nothing but the score",
            FailedReveal::WhichWrong => "Which questions were wrong (not the right answers)",
            FailedReveal::Answers => "The right answers and explanations",
        }
    }

    pub fn parse(s: &str) -> Option<FailedReveal> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The default for a new quiz: an exam that grants a certification must not hand out its
    /// answers to the next attempt, so it shows only which questions were wrong; an ordinary
    /// quiz teaches with the answers.
    pub fn default_for(grants_certification: bool) -> FailedReveal {
        if grants_certification {
            FailedReveal::WhichWrong
        } else {
            FailedReveal::Answers
        }
    }

    /// What an attempt's result page shows: `(which were right or wrong, the right answers)`.
    /// A passed attempt shows both.
    pub fn shows(self, passed: bool) -> (bool, bool) {
        if passed {
            return (true, true);
        }
        match self {
            FailedReveal::Nothing => (false, false),
            FailedReveal::WhichWrong => (true, false),
            FailedReveal::Answers => (true, true),
        }
    }
}

/// May another attempt start? `max` 0 means no limit.
pub fn attempts_left(max: i32, used: i64) -> Option<i64> {
    (max > 0).then(|| (max as i64 - used).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn bank() -> Vec<BankEntry> {
        (1..=10)
            .map(|id| BankEntry {
                id,
                tags: if id % 2 == 0 {
                    vec!["enrollment".into()]
                } else {
                    vec!["eligibility".into(), "parts".into()]
                },
            })
            .collect()
    }

    #[test]
    fn a_failed_attempt_reveals_what_the_quiz_allows_and_a_pass_reveals_all() {
        assert_eq!(FailedReveal::Nothing.shows(false), (false, false));
        assert_eq!(FailedReveal::WhichWrong.shows(false), (true, false));
        assert_eq!(FailedReveal::Answers.shows(false), (true, true));
        for r in FailedReveal::ALL {
            assert_eq!(r.shows(true), (true, true));
            assert_eq!(FailedReveal::parse(r.as_str()), Some(r));
        }
        assert_eq!(FailedReveal::parse("everything"), None);
        assert_eq!(FailedReveal::default_for(true), FailedReveal::WhichWrong);
        assert_eq!(FailedReveal::default_for(false), FailedReveal::Answers);
    }

    #[test]
    fn a_draw_takes_n_different_questions_from_the_bank() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let d = draw(&bank(), 4, None, &mut rng);
            assert_eq!(d.len(), 4);
            let set: BTreeSet<i64> = d.iter().copied().collect();
            assert_eq!(set.len(), 4, "no repeats");
            assert!(set.iter().all(|id| (1..=10).contains(id)));
        }
    }

    #[test]
    fn a_draw_by_tag_takes_only_tagged_questions() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..50 {
            let d = draw(&bank(), 3, Some(" Enrollment "), &mut rng);
            assert_eq!(d.len(), 3);
            assert!(d.iter().all(|id| id % 2 == 0), "{d:?}");
        }
        // Fewer eligible than asked: all of them.
        let d = draw(&bank(), 9, Some("enrollment"), &mut rng);
        assert_eq!(d.len(), 5);
        assert!(draw(&bank(), 3, Some("nothing"), &mut rng).is_empty());
    }

    #[test]
    fn draws_vary_and_a_seed_repeats_them() {
        let a = draw(&bank(), 5, None, &mut StdRng::seed_from_u64(42));
        let b = draw(&bank(), 5, None, &mut StdRng::seed_from_u64(42));
        assert_eq!(a, b);
        let mut rng = StdRng::seed_from_u64(3);
        let distinct: BTreeSet<Vec<i64>> = (0..20).map(|_| draw(&bank(), 5, None, &mut rng)).collect();
        assert!(distinct.len() > 10);
        let mut seen = BTreeSet::new();
        for _ in 0..200 {
            seen.extend(draw(&bank(), 2, None, &mut rng));
        }
        assert_eq!(seen.len(), 10, "every question can come up");
    }

    #[test]
    fn choices_are_shuffled_but_kept() {
        let mut rng = StdRng::seed_from_u64(9);
        let orders: BTreeSet<Vec<i64>> = (0..30).map(|_| shuffle_choices(&[1, 2, 3, 4], &mut rng)).collect();
        assert!(orders.len() > 5);
        for o in orders {
            let mut s = o.clone();
            s.sort();
            assert_eq!(s, vec![1, 2, 3, 4]);
        }
        assert_eq!(split_ids(&join_ids(&[3, 1, 2])), vec![3, 1, 2]);
    }

    #[test]
    fn grading_needs_exactly_the_right_choices() {
        let correct: BTreeSet<i64> = [2, 4].into();
        assert!(is_correct(&correct, &[4, 2].into()));
        assert!(!is_correct(&correct, &[2].into()));
        assert!(!is_correct(&correct, &[2, 3, 4].into()));
        assert!(!is_correct(&[1].into(), &BTreeSet::new()));
        assert_eq!(score(4, 5, 80), (80, true));
        assert_eq!(score(2, 3, 70), (66, false));
        assert_eq!(score(0, 0, 0), (0, false));
    }

    #[test]
    fn the_time_limit_has_a_little_grace_only() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let d = deadline(t, Some(10));
        assert_eq!(d, Some(t + Duration::minutes(10)));
        assert!(!is_late(
            d,
            t + Duration::minutes(10) + Duration::seconds(GRACE_SECONDS)
        ));
        assert!(is_late(
            d,
            t + Duration::minutes(10) + Duration::seconds(GRACE_SECONDS + 1)
        ));
        assert!(!is_late(deadline(t, None), t + Duration::days(30)));
        assert_eq!(deadline(t, Some(0)), None);
    }

    #[test]
    fn attempts_run_out_only_with_a_limit() {
        assert_eq!(attempts_left(0, 99), None);
        assert_eq!(attempts_left(3, 1), Some(2));
        assert_eq!(attempts_left(3, 5), Some(0));
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            normalise_tags(" Parts ,parts, late  enrollment,,"),
            vec!["parts", "late enrollment"]
        );
        assert_eq!(QuestionKind::parse("true_false"), Some(QuestionKind::TrueFalse));
        assert_eq!(QuestionKind::parse("essay"), None);
    }
}
