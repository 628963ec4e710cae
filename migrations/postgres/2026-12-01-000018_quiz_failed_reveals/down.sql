ALTER TABLE quizzes DROP COLUMN failed_reveals;
