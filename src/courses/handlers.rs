//! Authoring pages (owners and admins): courses, their outline of modules and lessons, the
//! question bank, quizzes and assignments (files are in `files`). Thin: parse, call the service,
//! render or redirect; the shared steps (`change`, `done`, `refused`; `web::form_status` for 422s) are below.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::model::{self, DocumentRow, LessonRow, QuestionRow};
use super::quiz::QuestionKind;
use super::service::{self, AssignForm, CourseForm, Direction, LessonForm, QuestionForm, QuizForm, TitleForm};
use super::view::{self, Outline};
use crate::agents::model::TeamRow;
use crate::audit::AuditActor;
use crate::auth::roles::Actor;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{is_partial, PageCtx};
use crate::web::{redirect_with, render, render_status, see_other, AppState};

pub fn today() -> NaiveDate {
    crate::db::now().date()
}

/// Runs one service change as the signed-in user, in a write transaction.
pub(super) async fn change<T, F>(state: &AppState, user: &CurrentUser, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection, Actor, &AuditActor) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (actor, who) = (user.actor(), user.audit());
    state.db.write(move |c| f(c, actor, &who)).await
}

/// Back to `to` with a success notice.
pub(super) fn done(session: &Session, to: &str, message: impl Into<String>) -> HttpResponse {
    redirect_with(session, to, "success", message)
}

/// A change the service refused for its fields, as those fields' errors (to show the form
/// again); any other error stays an error.
fn refused<T>(result: AppResult<T>) -> AppResult<Result<T, FieldErrors>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(AppError::Validation(errors)) => Ok(Err(errors)),
        Err(e) => Err(e),
    }
}

// ---- the list of courses --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/admin_index.html")]
struct CoursesPage {
    ctx: PageCtx,
    courses: Vec<model::CourseRow>,
    form: CourseForm,
    errors: FieldErrors,
}

impl CoursesPage {
    fn form_action(&self) -> &'static str {
        "/admin/courses"
    }

    fn form_button(&self) -> &'static str {
        "Create course"
    }
}

async fn courses_page(
    ctx: PageCtx,
    state: &AppState,
    form: CourseForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let courses = state.db.read(|c| Ok(model::list_courses(c, false)?)).await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &CoursesPage {
            ctx,
            courses,
            form,
            errors,
        },
    )
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let form = CourseForm {
        pass_mark: Some("80".into()),
        due_days: Some("30".into()),
        ..Default::default()
    };
    courses_page(ctx, &state, form, FieldErrors::new()).await
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CourseForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let parsed = match service::parse_course(&form) {
        Ok(p) => p,
        Err(errors) => return courses_page(ctx, &state, form, errors).await,
    };
    let id = change(&state, &user, move |c, a, w| service::create_course(c, a, w, &parsed)).await?;
    let message = "The course is created. Add modules and lessons below.";
    Ok(done(&session, &format!("/admin/courses/{id}"), message))
}

// ---- one course -----------------------------------------------------------------------------

#[derive(Default)]
pub struct CourseForms {
    pub course: Option<CourseForm>,
    pub quiz: QuizForm,
    pub assign: AssignForm,
    pub module_title: String,
    pub errors: FieldErrors,
}

/// The course page again with the forms' errors and nothing else filled in.
impl From<FieldErrors> for CourseForms {
    fn from(errors: FieldErrors) -> Self {
        CourseForms {
            errors,
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "courses/admin_show.html")]
struct CoursePage {
    ctx: PageCtx,
    o: Outline,
    form: CourseForm,
    quiz: QuizForm,
    assign: AssignForm,
    module_title: String,
    errors: FieldErrors,
    teams: Vec<TeamRow>,
    agents: Vec<(i64, String)>,
    enrolled: usize,
}

impl CoursePage {
    fn form_action(&self) -> String {
        format!("/admin/courses/{}", self.o.course.id)
    }

    fn form_button(&self) -> &'static str {
        "Save course"
    }
}

async fn course_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    forms: CourseForms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (o, teams, agents, enrolled) = state
        .db
        .read(move |c| {
            Ok((
                view::outline(c, id)?,
                crate::agents::model::list_teams(c)?,
                model::learner_agents(c)?,
                model::enrollments_of_course(c, id)?.len(),
            ))
        })
        .await?;
    let form = forms.course.unwrap_or_else(|| CourseForm::from_row(&o.course));
    let quiz = if forms.quiz.title.is_none() {
        QuizForm {
            title: Some("Final quiz".into()),
            question_count: Some(o.question_count.clamp(1, 10).to_string()),
            pass_mark: Some(o.course.pass_mark.to_string()),
            max_attempts: Some("3".into()),
            is_final: Some("on".into()),
            failed_reveals: Some(
                super::quiz::FailedReveal::default_for(o.course.cert_kind.is_some())
                    .as_str()
                    .into(),
            ),
            ..Default::default()
        }
    } else {
        forms.quiz
    };
    let page = CoursePage {
        ctx,
        o,
        form,
        quiz,
        assign: forms.assign,
        module_title: forms.module_title,
        errors: forms.errors,
        teams,
        agents,
        enrolled,
    };
    render_status(status, &page)
}

pub async fn show(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    course_page(ctx, &state, path.into_inner(), CourseForms::default(), StatusCode::OK).await
}

async fn invalid(ctx: PageCtx, state: &AppState, id: i64, forms: CourseForms) -> AppResult<HttpResponse> {
    course_page(ctx, state, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The page of the course that module `module_id` is in, again with `errors`.
async fn invalid_in_module(
    ctx: PageCtx,
    state: &AppState,
    module_id: i64,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let course_id = state
        .db
        .read(move |c| Ok(model::find_module(c, module_id)?.course_id))
        .await?;
    invalid(ctx, state, course_id, errors.into()).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CourseForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let parsed = match service::parse_course(&form) {
        Ok(p) => p,
        Err(errors) => {
            let mut forms = CourseForms::from(errors);
            forms.course = Some(form);
            return invalid(ctx, &state, id, forms).await;
        }
    };
    change(&state, &user, move |c, a, w| {
        service::update_course(c, a, w, id, &parsed)
    })
    .await?;
    Ok(done(&session, &format!("/admin/courses/{id}"), "The course is saved."))
}

pub async fn add_module(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let f = form.clone();
    match refused(change(&state, &user, move |c, a, w| service::add_module(c, a, w, id, &f)).await)? {
        Ok(_) => Ok(done(
            &session,
            &format!("/admin/courses/{id}#outline"),
            "The module is added.",
        )),
        Err(errors) => {
            let mut forms = CourseForms::from(errors);
            forms.module_title = form.title.unwrap_or_default();
            invalid(ctx, &state, id, forms).await
        }
    }
}

pub async fn add_lesson(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let module_id = path.into_inner();
    let form = form.into_inner();
    let added = change(&state, &user, move |c, a, w| {
        service::add_lesson(c, a, w, module_id, &form)
    })
    .await;
    match refused(added)? {
        Ok(lesson_id) => {
            let message = "The lesson is added. Write it below.";
            Ok(done(&session, &format!("/admin/lessons/{lesson_id}"), message))
        }
        Err(errors) => invalid_in_module(ctx, &state, module_id, errors).await,
    }
}

pub async fn rename_module(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let renamed = change(&state, &user, move |c, a, w| service::rename_module(c, a, w, id, &form)).await;
    match refused(renamed)? {
        Ok(course_id) => Ok(done(
            &session,
            &format!("/admin/courses/{course_id}#outline"),
            "The module is renamed.",
        )),
        Err(errors) => invalid_in_module(ctx, &state, id, errors).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MoveForm {
    direction: Option<String>,
}

#[derive(Template)]
#[template(path = "courses/_outline.html")]
struct OutlineBlock {
    ctx: PageCtx,
    o: Outline,
}

/// A service change that moves something one place up or down and answers its course.
type Reorder = fn(&mut DbConnection, Actor, &AuditActor, i64, Direction) -> Result<i64, AppError>;

/// Moves module or lesson `id`; then the outline block for a partial request, else back to
/// the page.
async fn reorder(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    id: i64,
    form: web::Form<MoveForm>,
    move_one: Reorder,
) -> AppResult<HttpResponse> {
    let dir = Direction::parse(&form.direction)?;
    let course_id = change(&state, &user, move |c, a, w| move_one(c, a, w, id, dir)).await?;
    if is_partial(&req) {
        let o = state.db.read(move |c| view::outline(c, course_id)).await?;
        return render(&OutlineBlock { ctx, o });
    }
    Ok(see_other(&format!("/admin/courses/{course_id}#outline")))
}

pub async fn move_module(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    reorder(req, ctx, user, state, path.into_inner(), form, service::move_module).await
}

pub async fn move_lesson(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    reorder(req, ctx, user, state, path.into_inner(), form, service::move_lesson).await
}

pub async fn delete_module(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let course_id = change(&state, &user, move |c, a, w| service::delete_module(c, a, w, id)).await?;
    let message = "The module and its lessons are deleted.";
    Ok(done(&session, &format!("/admin/courses/{course_id}#outline"), message))
}

// ---- a lesson -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/lesson_edit.html")]
struct LessonPage {
    ctx: PageCtx,
    lesson: LessonRow,
    course: model::CourseRow,
    form: LessonForm,
    errors: FieldErrors,
    documents: Vec<DocumentRow>,
}

async fn lesson_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: Option<LessonForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (lesson, course, documents) = state
        .db
        .read(move |c| {
            let l = model::find_lesson(c, id)?;
            let course = model::find_course(c, l.course_id)?;
            let docs = model::documents_of(c, id)?;
            Ok((l, course, docs))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &LessonPage {
            ctx,
            form: form.unwrap_or_else(|| LessonForm::from_row(&lesson)),
            lesson,
            course,
            errors,
            documents,
        },
    )
}

pub async fn edit_lesson(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    lesson_page(ctx, &state, path.into_inner(), None, FieldErrors::new()).await
}

pub async fn update_lesson(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<LessonForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let parsed = match service::parse_lesson(&form) {
        Ok(p) => p,
        Err(errors) => return lesson_page(ctx, &state, id, Some(form), errors).await,
    };
    change(&state, &user, move |c, a, w| {
        service::update_lesson(c, a, w, id, &parsed)
    })
    .await?;
    Ok(done(&session, &format!("/admin/lessons/{id}"), "The lesson is saved."))
}

pub async fn delete_lesson(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let course_id = change(&state, &user, move |c, a, w| service::delete_lesson(c, a, w, id)).await?;
    Ok(done(
        &session,
        &format!("/admin/courses/{course_id}#outline"),
        "The lesson is deleted.",
    ))
}

// ---- the question bank ----------------------------------------------------------------------

pub struct QuestionView {
    pub q: QuestionRow,
    pub choices: Vec<model::ChoiceRow>,
}

impl QuestionView {
    pub fn kind_label(&self) -> &'static str {
        QuestionKind::parse(&self.q.kind).map(|k| k.label()).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "courses/questions.html")]
struct QuestionsPage {
    ctx: PageCtx,
    course: model::CourseRow,
    questions: Vec<QuestionView>,
    form: QuestionForm,
    errors: FieldErrors,
    slots: Vec<usize>,
    kinds: [QuestionKind; 3],
}

impl QuestionsPage {
    fn form_action(&self) -> String {
        format!("/admin/courses/{}/questions", self.course.id)
    }

    fn form_button(&self) -> &'static str {
        "Add question"
    }
}

#[derive(Template)]
#[template(path = "courses/question_edit.html")]
struct QuestionEditPage {
    ctx: PageCtx,
    course: model::CourseRow,
    question_id: i64,
    answered: i64,
    form: QuestionForm,
    errors: FieldErrors,
    slots: Vec<usize>,
    kinds: [QuestionKind; 3],
}

impl QuestionEditPage {
    fn form_action(&self) -> String {
        format!("/admin/questions/{}", self.question_id)
    }

    fn form_button(&self) -> &'static str {
        "Save question"
    }
}

async fn question_edit_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: Option<QuestionForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (q, choices, course, answered) = state
        .db
        .read(move |c| {
            let q = model::find_question(c, id)?;
            if q.retired {
                return Err(AppError::NotFound);
            }
            let choices = model::choices_of_many(c, &[id])?;
            let course = model::find_course(c, q.course_id)?;
            let answered = model::times_answered(c, id)?;
            Ok((q, choices, course, answered))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &QuestionEditPage {
            ctx,
            course,
            question_id: id,
            answered,
            form: form.unwrap_or_else(|| QuestionForm::from_rows(&q, &choices)),
            errors,
            slots: (1..=service::MAX_CHOICES).collect(),
            kinds: QuestionKind::ALL,
        },
    )
}

pub async fn edit_question(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    question_edit_page(ctx, &state, path.into_inner(), None, FieldErrors::new()).await
}

pub async fn update_question(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuestionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let parsed = match service::parse_question(&form) {
        Ok(p) => p,
        Err(errors) => return question_edit_page(ctx, &state, id, Some(form), errors).await,
    };
    let (course_id, message) = change(&state, &user, move |c, a, w| {
        service::edit_question(c, a, w, id, &parsed)
    })
    .await?;
    Ok(done(
        &session,
        &format!("/admin/courses/{course_id}/questions"),
        message,
    ))
}

async fn questions_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: QuestionForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (course, questions) = state
        .db
        .read(move |c| {
            let course = model::find_course(c, id)?;
            let qs = model::questions_of(c, id)?;
            let ids: Vec<i64> = qs.iter().map(|q| q.id).collect();
            let choices = model::choices_of_many(c, &ids)?;
            let views = qs
                .into_iter()
                .map(|q| QuestionView {
                    choices: choices.iter().filter(|ch| ch.question_id == q.id).cloned().collect(),
                    q,
                })
                .collect();
            Ok((course, views))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &QuestionsPage {
            ctx,
            course,
            questions,
            form,
            errors,
            slots: (1..=service::MAX_CHOICES).collect(),
            kinds: QuestionKind::ALL,
        },
    )
}

pub async fn questions(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let form = QuestionForm {
        kind: Some("single".into()),
        ..Default::default()
    };
    questions_page(ctx, &state, path.into_inner(), form, FieldErrors::new()).await
}

pub async fn add_question(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuestionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let parsed = match service::parse_question(&form) {
        Ok(p) => p,
        Err(errors) => return questions_page(ctx, &state, id, form, errors).await,
    };
    change(&state, &user, move |c, a, w| {
        service::add_question(c, a, w, id, &parsed)
    })
    .await?;
    let message = "The question is added to the bank.";
    Ok(done(&session, &format!("/admin/courses/{id}/questions"), message))
}

pub async fn delete_question(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (course_id, message) = change(&state, &user, move |c, a, w| service::delete_question(c, a, w, id)).await?;
    Ok(done(
        &session,
        &format!("/admin/courses/{course_id}/questions"),
        message,
    ))
}

// ---- quizzes and assignments ----------------------------------------------------------------

pub async fn add_quiz(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuizForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let f = form.clone();
    match refused(change(&state, &user, move |c, a, w| service::add_quiz(c, a, w, id, &f)).await)? {
        Ok(_) => Ok(done(
            &session,
            &format!("/admin/courses/{id}#quizzes"),
            "The quiz is added.",
        )),
        Err(errors) => {
            let quiz = QuizForm {
                title: Some(form.title.clone().unwrap_or_default()),
                ..form
            };
            let mut forms = CourseForms::from(errors);
            forms.quiz = quiz;
            invalid(ctx, &state, id, forms).await
        }
    }
}

pub async fn delete_quiz(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let course_id = match change(&state, &user, move |c, a, w| service::delete_quiz(c, a, w, id)).await {
        Ok(course_id) => course_id,
        Err(AppError::Conflict(msg)) => {
            let course_id = state.db.read(move |c| Ok(model::find_quiz(c, id)?.course_id)).await?;
            return Ok(redirect_with(
                &session,
                &format!("/admin/courses/{course_id}#quizzes"),
                "error",
                msg,
            ));
        }
        Err(e) => return Err(e),
    };
    Ok(done(
        &session,
        &format!("/admin/courses/{course_id}#quizzes"),
        "The quiz is deleted.",
    ))
}

pub async fn assign(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (f, base) = (form.clone(), state.settings.base_url.clone());
    let assigned = change(&state, &user, move |c, a, w| {
        service::assign(c, a, w, id, &f, today(), &base)
    })
    .await;
    match refused(assigned)? {
        Ok((added, already)) => {
            state.jobs_wakeup.notify_one();
            let msg = match (added, already) {
                (0, 0) => "Nobody to enrol: there is no active agent or trainee there.".to_string(),
                (0, n) => format!("All {n} were enrolled already."),
                (a, 0) => format!("{a} enrolled and told by e-mail."),
                (a, n) => format!("{a} enrolled and told by e-mail; {n} were enrolled already."),
            };
            Ok(done(&session, &format!("/admin/courses/{id}#assign"), msg))
        }
        Err(errors) => {
            let mut forms = CourseForms::from(errors);
            forms.assign = form;
            invalid(ctx, &state, id, forms).await
        }
    }
}

// ---- editing a quiz -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/quiz_edit.html")]
struct QuizEditPage {
    ctx: PageCtx,
    quiz: model::QuizRow,
    course: model::CourseRow,
    form: QuizForm,
    errors: FieldErrors,
}

async fn quiz_edit_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: Option<QuizForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (quiz, course) = state
        .db
        .read(move |c| {
            let q = model::find_quiz(c, id)?;
            let course = model::find_course(c, q.course_id)?;
            Ok((q, course))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &QuizEditPage {
            ctx,
            form: form.unwrap_or_else(|| QuizForm::from_row(&quiz)),
            quiz,
            course,
            errors,
        },
    )
}

pub async fn edit_quiz(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    quiz_edit_page(ctx, &state, path.into_inner(), None, FieldErrors::new()).await
}

pub async fn update_quiz(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuizForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let f = form.clone();
    match refused(change(&state, &user, move |c, a, w| service::update_quiz(c, a, w, id, &f)).await)? {
        Ok(course_id) => {
            let message = "The quiz is saved. Attempts already made keep the questions they drew.";
            Ok(done(&session, &format!("/admin/courses/{course_id}#quizzes"), message))
        }
        Err(errors) => quiz_edit_page(ctx, &state, id, Some(form), errors).await,
    }
}
