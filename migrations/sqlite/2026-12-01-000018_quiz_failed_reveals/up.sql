-- What the result page of a failed attempt shows: 'nothing' (the score only), 'which_wrong' (which
-- questions were wrong, not the right answers) or 'answers' (the right answers and explanations).
-- Exams of courses that grant a certification show only which were wrong, so a retake is not
-- trivial; other quizzes keep showing the answers.
ALTER TABLE quizzes ADD COLUMN failed_reveals TEXT NOT NULL DEFAULT 'answers';
UPDATE quizzes SET failed_reveals = 'which_wrong'
 WHERE course_id IN (SELECT id FROM courses WHERE cert_kind IS NOT NULL AND cert_kind <> '');
