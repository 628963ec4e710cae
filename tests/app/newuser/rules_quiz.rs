//! Tests for issue 13: rules_quiz.
