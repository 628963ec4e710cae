-- Courses: authoring (courses → modules → lessons, documents), the question bank and quizzes,
-- enrolments with lesson progress and quiz attempts, and certificates.
CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    cover_path TEXT,
    published BOOLEAN NOT NULL DEFAULT 0,
    -- The certification a pass grants (AHIP or a carrier), its plan year (NULL: the plan year in
    -- force when it is earned) and how many months it is valid.
    cert_kind TEXT,
    cert_plan_year INTEGER,
    validity_months INTEGER,
    pass_mark INTEGER NOT NULL DEFAULT 80,
    due_days INTEGER NOT NULL DEFAULT 30,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE course_modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX course_modules_course_idx ON course_modules (course_id, position);

CREATE TABLE lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    module_id INTEGER NOT NULL REFERENCES course_modules (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    video_path TEXT,
    video_url TEXT,
    required BOOLEAN NOT NULL DEFAULT 1,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX lessons_module_idx ON lessons (module_id, position);
CREATE INDEX lessons_course_idx ON lessons (course_id);

CREATE TABLE lesson_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id INTEGER NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    original_name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lesson_documents_lesson_idx ON lesson_documents (lesson_id);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false')),
    prompt TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    -- A question that has been answered is retired rather than deleted, so answers are kept.
    retired BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX questions_course_idx ON questions (course_id);

CREATE TABLE choices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    correct BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX choices_question_idx ON choices (question_id);

CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    tag TEXT,
    pass_mark INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL DEFAULT 0,
    time_limit_minutes INTEGER,
    is_final BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX quizzes_course_idx ON quizzes (course_id);

-- One enrolment per learner and course at a time; a recertification archives the old one and
-- starts a new one, so progress starts fresh and the old certificate stays.
CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'archived')),
    cycle INTEGER NOT NULL DEFAULT 1,
    last_lesson_id INTEGER REFERENCES lessons (id) ON DELETE SET NULL,
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX enrollments_current_key ON enrollments (course_id, user_id) WHERE status <> 'archived';
CREATE INDEX enrollments_user_idx ON enrollments (user_id, status);

CREATE TABLE lesson_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    lesson_id INTEGER NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    completed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX lesson_progress_key ON lesson_progress (enrollment_id, lesson_id);

-- The server sets started_at and deadline_at; a submission after the deadline (plus a little
-- grace) is graded as expired.
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quiz_id INTEGER NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'expired')),
    started_at TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP,
    submitted_at TIMESTAMP,
    score INTEGER,
    passed BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX quiz_attempts_enrollment_idx ON quiz_attempts (enrollment_id, quiz_id);

-- The questions drawn for an attempt, their shuffled choices, and the answer given.
CREATE TABLE attempt_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    choice_order TEXT NOT NULL,
    answer TEXT,
    correct BOOLEAN
);
CREATE INDEX attempt_questions_attempt_idx ON attempt_questions (attempt_id);
CREATE INDEX attempt_questions_question_idx ON attempt_questions (question_id);

-- Names and titles are copied, so a certificate says what it said on the day it was issued.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    holder_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    score INTEGER,
    issued_on DATE NOT NULL,
    expires_on DATE,
    certification_id INTEGER REFERENCES certifications (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX certificates_code_key ON certificates (code);
CREATE INDEX certificates_user_idx ON certificates (user_id);
CREATE INDEX certificates_expiry_idx ON certificates (expires_on);
