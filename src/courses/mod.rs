//! Courses: training built in. Owners and admins author courses (modules, lessons with Markdown,
//! video and documents, a question bank, quizzes) and assign them; agents and trainees learn,
//! take quizzes and earn certificates that anyone can verify by code. A course that grants a
//! certification records it for the agent, so readiness to sell follows at once, and the daily
//! job re-enrols holders before it expires.
//!
//! Rules (pure, unit-tested): `quiz` (draw, shuffle, grade, time limit), `progress`,
//! `certificate` (code, validity, PDF), `media` (uploads, embeds). Queries: `model`. State
//! changes with their permission checks: `service`. Pages: `handlers` (authoring), `files`
//! (uploads), `learn`, `report`.

pub mod certificate;
mod files;
mod handlers;
mod learn;
pub mod media;
pub mod model;
pub mod progress;
pub mod quiz;
pub mod recert;
mod report;
pub mod service;
pub mod view;

use crate::auth::roles::{Role, STAFF};
use crate::web::routes::{Access, Routes};

/// Who takes courses.
pub const LEARNERS: &[Role] = &[Role::Agent, Role::Trainee];
/// Who may open course pages: learners, and owners and admins to preview them.
pub const READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Agent, Role::Trainee];

pub fn routes(r: &mut Routes) {
    r.get("/admin/courses", Access::Roles(STAFF), handlers::index)
        .post("/admin/courses", Access::Roles(STAFF), handlers::create)
        .get("/admin/courses/{id}", Access::Roles(STAFF), handlers::show)
        .post("/admin/courses/{id}", Access::Roles(STAFF), handlers::update)
        .post("/admin/courses/{id}/cover", Access::Roles(STAFF), files::upload_cover)
        .post(
            "/admin/courses/{id}/modules",
            Access::Roles(STAFF),
            handlers::add_module,
        )
        .get(
            "/admin/courses/{id}/questions",
            Access::Roles(STAFF),
            handlers::questions,
        )
        .post(
            "/admin/courses/{id}/questions",
            Access::Roles(STAFF),
            handlers::add_question,
        )
        .post("/admin/courses/{id}/quizzes", Access::Roles(STAFF), handlers::add_quiz)
        .post(
            "/admin/courses/{id}/enrollments",
            Access::Roles(STAFF),
            handlers::assign,
        )
        .get("/admin/courses/{id}/report", Access::Roles(STAFF), report::course)
        .get(
            "/admin/courses/{id}/report.csv",
            Access::Roles(STAFF),
            report::course_csv,
        )
        .post("/admin/modules/{id}", Access::Roles(STAFF), handlers::rename_module)
        .post(
            "/admin/modules/{id}/position",
            Access::Roles(STAFF),
            handlers::move_module,
        )
        .post(
            "/admin/modules/{id}/lessons",
            Access::Roles(STAFF),
            handlers::add_lesson,
        )
        .post(
            "/admin/modules/{id}/deletion",
            Access::Roles(STAFF),
            handlers::delete_module,
        )
        .get("/admin/lessons/{id}", Access::Roles(STAFF), handlers::edit_lesson)
        .post("/admin/lessons/{id}", Access::Roles(STAFF), handlers::update_lesson)
        .post(
            "/admin/lessons/{id}/position",
            Access::Roles(STAFF),
            handlers::move_lesson,
        )
        .post(
            "/admin/lessons/{id}/deletion",
            Access::Roles(STAFF),
            handlers::delete_lesson,
        )
        .post("/admin/lessons/{id}/video", Access::Roles(STAFF), files::upload_video)
        .post(
            "/admin/lessons/{id}/documents",
            Access::Roles(STAFF),
            files::upload_document,
        )
        .post(
            "/admin/documents/{id}/deletion",
            Access::Roles(STAFF),
            files::delete_document,
        )
        .get("/admin/questions/{id}", Access::Roles(STAFF), handlers::edit_question)
        .post("/admin/questions/{id}", Access::Roles(STAFF), handlers::update_question)
        .post(
            "/admin/questions/{id}/deletion",
            Access::Roles(STAFF),
            handlers::delete_question,
        )
        .get("/admin/quizzes/{id}", Access::Roles(STAFF), handlers::edit_quiz)
        .post("/admin/quizzes/{id}", Access::Roles(STAFF), handlers::update_quiz)
        .post(
            "/admin/quizzes/{id}/deletion",
            Access::Roles(STAFF),
            handlers::delete_quiz,
        )
        .get("/admin/training", Access::Roles(STAFF), report::people)
        .get("/admin/training/{id}", Access::Roles(STAFF), report::person)
        .get(
            "/admin/training/{id}/record.csv",
            Access::Roles(STAFF),
            report::person_csv,
        )
        .get("/learn", Access::Roles(READERS), learn::home)
        .get("/learn/courses/{id}", Access::Roles(READERS), learn::course)
        .post("/learn/courses/{id}/enrollment", Access::Roles(LEARNERS), learn::enrol)
        .get("/learn/lessons/{id}", Access::Roles(READERS), learn::lesson)
        .post(
            "/learn/lessons/{id}/completion",
            Access::Roles(LEARNERS),
            learn::complete_lesson,
        )
        .get("/learn/lessons/{id}/video", Access::Roles(READERS), learn::video)
        .get("/learn/documents/{id}", Access::Roles(READERS), learn::document)
        .get("/learn/quizzes/{id}", Access::Roles(READERS), learn::quiz)
        .post("/learn/quizzes/{id}/attempts", Access::Roles(LEARNERS), learn::start)
        .get("/learn/attempts/{id}", Access::Roles(LEARNERS), learn::attempt)
        .post("/learn/attempts/{id}", Access::Roles(LEARNERS), learn::submit)
        .get(
            "/learn/certificates/{id}",
            Access::Roles(READERS),
            learn::certificate_page,
        )
        .get(
            "/learn/certificates/{id}/pdf",
            Access::Roles(READERS),
            learn::certificate_pdf,
        )
        .get("/course-covers/{file}", Access::Roles(READERS), files::cover)
        .get("/certificates/{code}", Access::Public, learn::verify);
}
