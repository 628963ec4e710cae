//! Authoring pages (owners and admins): courses, their outline of modules and lessons, files, the
//! question bank, quizzes and assignments. Thin: parse, call the service, render or redirect.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::media;
use super::model::{self, DocumentRow, LessonRow, QuestionRow};
use super::quiz::QuestionKind;
use super::service::{self, AssignForm, CourseForm, Direction, LessonForm, QuestionForm, QuizForm, TitleForm};
use super::view::{self, Outline};
use crate::agents::model::TeamRow;
use crate::audit::AuditActor;
use crate::web::context::{is_partial, CurrentUser, PageCtx};
use crate::web::errors::{AppError, AppResult, FieldErrors};
use crate::web::upload::{self, Received};
use crate::web::{redirect_with, render, render_status, see_other, AppState};

pub fn today() -> NaiveDate {
    crate::db::now().date()
}

fn who(user: &CurrentUser, req: &HttpRequest) -> (crate::auth::roles::Actor, AuditActor) {
    (user.actor(), AuditActor::user(user, req))
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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
    req: HttpRequest,
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
    let (actor, who) = who(&user, &req);
    let id = state
        .db
        .write(move |c| service::create_course(c, actor, &who, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{id}"),
        "success",
        "The course is created. Add modules and lessons below.",
    ))
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

pub async fn update(
    req: HttpRequest,
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
            return invalid(
                ctx,
                &state,
                id,
                CourseForms {
                    course: Some(form),
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
    };
    let (actor, who) = who(&user, &req);
    state
        .db
        .write(move |c| service::update_course(c, actor, &who, id, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{id}"),
        "success",
        "The course is saved.",
    ))
}

pub async fn add_module(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    let f = form.clone();
    match state
        .db
        .write(move |c| service::add_module(c, actor, &who, id, &f))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/admin/courses/{id}#outline"),
            "success",
            "The module is added.",
        )),
        Err(AppError::Validation(errors)) => {
            invalid(
                ctx,
                &state,
                id,
                CourseForms {
                    module_title: form.title.unwrap_or_default(),
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn add_lesson(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let module_id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    match state
        .db
        .write(move |c| service::add_lesson(c, actor, &who, module_id, &form))
        .await
    {
        Ok(lesson_id) => Ok(redirect_with(
            &session,
            &format!("/admin/lessons/{lesson_id}"),
            "success",
            "The lesson is added. Write it below.",
        )),
        Err(AppError::Validation(errors)) => {
            let course_id = state
                .db
                .read(move |c| Ok(model::find_module(c, module_id)?.course_id))
                .await?;
            invalid(
                ctx,
                &state,
                course_id,
                CourseForms {
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
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

/// After a reorder: the outline block for a partial request, else back to the page.
async fn outline_or_redirect(
    req: &HttpRequest,
    ctx: PageCtx,
    state: &AppState,
    course_id: i64,
) -> AppResult<HttpResponse> {
    if is_partial(req) {
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
    let id = path.into_inner();
    let dir = Direction::parse(&form.direction)?;
    let (actor, who) = who(&user, &req);
    let course_id = state
        .db
        .write(move |c| service::move_module(c, actor, &who, id, dir))
        .await?;
    outline_or_redirect(&req, ctx, &state, course_id).await
}

pub async fn move_lesson(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let dir = Direction::parse(&form.direction)?;
    let (actor, who) = who(&user, &req);
    let course_id = state
        .db
        .write(move |c| service::move_lesson(c, actor, &who, id, dir))
        .await?;
    outline_or_redirect(&req, ctx, &state, course_id).await
}

pub async fn delete_module(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = who(&user, &req);
    let course_id = state
        .db
        .write(move |c| service::delete_module(c, actor, &who, id))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{course_id}#outline"),
        "success",
        "The module and its lessons are deleted.",
    ))
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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
    req: HttpRequest,
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
    let (actor, who) = who(&user, &req);
    state
        .db
        .write(move |c| service::update_lesson(c, actor, &who, id, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/lessons/{id}"),
        "success",
        "The lesson is saved.",
    ))
}

pub async fn delete_lesson(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = who(&user, &req);
    let course_id = state
        .db
        .write(move |c| service::delete_lesson(c, actor, &who, id))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{course_id}#outline"),
        "success",
        "The lesson is deleted.",
    ))
}

// ---- files ----------------------------------------------------------------------------------

/// Streams the multipart field `name` into `dir` under a temporary name, up to `max` bytes.
async fn receive_file(
    payload: actix_multipart::Multipart,
    name: &str,
    max: usize,
    dir: &std::path::Path,
) -> Result<Received, String> {
    let path = dir.join(format!(".upload-{}", uuid::Uuid::new_v4().simple()));
    let too_large = format!("The file is larger than {} MB.", max / (1024 * 1024));
    upload::receive_file(payload, name, path, max, &too_large).await
}

/// Where course files live.
pub fn files_dir(state: &AppState, kind: &str) -> std::path::PathBuf {
    state.settings.data_dir.join("courses").join(kind)
}

fn keep(received: &Received, dir: &std::path::Path, name: &str) -> Result<(), AppError> {
    std::fs::rename(&received.path, dir.join(name)).map_err(|e| AppError::internal(format!("saving an upload: {e}")))
}

fn discard(received: &Received) {
    let _ = std::fs::remove_file(&received.path);
}

/// After the database took the new file's name (or refused it): the upload is kept under `name`
/// and the file it replaces (when its name is one of ours, with one of `old_exts`) removed, or the
/// upload is thrown away and the refusal returned.
fn settle_replacement(
    received: &Received,
    dir: &std::path::Path,
    name: &str,
    written: Result<Option<String>, AppError>,
    old_exts: &[&str],
) -> Result<(), AppError> {
    match written {
        Ok(old) => {
            keep(received, dir, name)?;
            if let Some(old) = old.filter(|o| media::valid_stored_name(o, old_exts)) {
                let _ = std::fs::remove_file(dir.join(old));
            }
            Ok(())
        }
        Err(e) => {
            discard(received);
            Err(e)
        }
    }
}

pub async fn upload_cover(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let back = format!("/admin/courses/{id}");
    let dir = files_dir(&state, "covers");
    let got = match receive_file(payload, "cover", media::MAX_COVER_BYTES, &dir).await {
        Ok(g) => g,
        Err(msg) => return Ok(redirect_with(&session, &back, "error", msg)),
    };
    let Some(ext) = crate::agents::photos::sniff(&got.head) else {
        discard(&got);
        return Ok(redirect_with(
            &session,
            &back,
            "error",
            "The cover must be a JPEG, PNG or WebP image.",
        ));
    };
    let name = media::stored_name(id, ext);
    let (actor, who) = who(&user, &req);
    let file = name.clone();
    let written = state
        .db
        .write(move |c| service::set_cover(c, actor, &who, id, &file))
        .await;
    settle_replacement(&got, &dir, &name, written, &["jpg", "png", "webp"])?;
    Ok(redirect_with(&session, &back, "success", "The cover image is updated."))
}

pub async fn upload_video(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let back = format!("/admin/lessons/{id}");
    let dir = files_dir(&state, "videos");
    let got = match receive_file(payload, "video", media::MAX_VIDEO_BYTES, &dir).await {
        Ok(g) => g,
        Err(msg) => return Ok(redirect_with(&session, &back, "error", msg)),
    };
    let Some(ext) = media::sniff_video(&got.head) else {
        discard(&got);
        return Ok(redirect_with(
            &session,
            &back,
            "error",
            "The video must be an MP4 or WebM file.",
        ));
    };
    let name = media::stored_name(id, ext);
    let (actor, who) = who(&user, &req);
    let file = name.clone();
    let written = state
        .db
        .write(move |c| service::set_video(c, actor, &who, id, &file))
        .await;
    settle_replacement(&got, &dir, &name, written, &["mp4", "webm"])?;
    Ok(redirect_with(&session, &back, "success", "The video is uploaded."))
}

pub async fn upload_document(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let back = format!("/admin/lessons/{id}");
    let dir = files_dir(&state, "documents");
    let got = match receive_file(payload, "document", media::MAX_DOCUMENT_BYTES, &dir).await {
        Ok(g) => g,
        Err(msg) => return Ok(redirect_with(&session, &back, "error", msg)),
    };
    let original = media::display_name(&got.file_name);
    let Some(ext) = media::sniff_document(&got.head, &original) else {
        discard(&got);
        return Ok(redirect_with(
            &session,
            &back,
            "error",
            "A document must be a PDF, or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx).",
        ));
    };
    let name = media::stored_name(id, ext);
    let (actor, who) = who(&user, &req);
    let (file, orig, size) = (name.clone(), original.clone(), got.size as i64);
    match state
        .db
        .write(move |c| service::add_document(c, actor, &who, id, &file, &orig, size))
        .await
    {
        Ok(_) => {
            keep(&got, &dir, &name)?;
            Ok(redirect_with(
                &session,
                &back,
                "success",
                format!("{original} is added."),
            ))
        }
        Err(e) => {
            discard(&got);
            Err(e)
        }
    }
}

pub async fn delete_document(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = who(&user, &req);
    let (lesson_id, file) = state
        .db
        .write(move |c| service::delete_document(c, actor, &who, id))
        .await?;
    if media::valid_stored_name(&file, &["pdf", "docx", "xlsx", "pptx"]) {
        let _ = std::fs::remove_file(files_dir(&state, "documents").join(file));
    }
    Ok(redirect_with(
        &session,
        &format!("/admin/lessons/{lesson_id}"),
        "success",
        "The document is removed.",
    ))
}

/// Cover images, for anyone signed in who may see courses.
pub async fn cover(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let name = path.into_inner();
    if !media::valid_stored_name(&name, &["jpg", "png", "webp"]) {
        return Err(AppError::NotFound);
    }
    let path = files_dir(&state, "covers").join(&name);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    Ok(file.use_etag(true).into_response(&req))
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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
    req: HttpRequest,
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
    let (actor, who) = who(&user, &req);
    let (course_id, message) = state
        .db
        .write(move |c| service::edit_question(c, actor, &who, id, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{course_id}/questions"),
        "success",
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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
    req: HttpRequest,
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
    let (actor, who) = who(&user, &req);
    state
        .db
        .write(move |c| service::add_question(c, actor, &who, id, &parsed))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{id}/questions"),
        "success",
        "The question is added to the bank.",
    ))
}

pub async fn delete_question(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = who(&user, &req);
    let (course_id, message) = state
        .db
        .write(move |c| service::delete_question(c, actor, &who, id))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{course_id}/questions"),
        "success",
        message,
    ))
}

// ---- quizzes and assignments ----------------------------------------------------------------

pub async fn add_quiz(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuizForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    let f = form.clone();
    match state.db.write(move |c| service::add_quiz(c, actor, &who, id, &f)).await {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/admin/courses/{id}#quizzes"),
            "success",
            "The quiz is added.",
        )),
        Err(AppError::Validation(errors)) => {
            invalid(
                ctx,
                &state,
                id,
                CourseForms {
                    quiz: QuizForm {
                        title: Some(form.title.clone().unwrap_or_default()),
                        ..form
                    },
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn delete_quiz(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = who(&user, &req);
    let course_id = match state.db.write(move |c| service::delete_quiz(c, actor, &who, id)).await {
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
    Ok(redirect_with(
        &session,
        &format!("/admin/courses/{course_id}#quizzes"),
        "success",
        "The quiz is deleted.",
    ))
}

pub async fn assign(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    let (f, base) = (form.clone(), state.settings.base_url.clone());
    match state
        .db
        .write(move |c| service::assign(c, actor, &who, id, &f, today(), &base))
        .await
    {
        Ok((added, already)) => {
            state.jobs_wakeup.notify_one();
            let msg = match (added, already) {
                (0, 0) => "Nobody to enrol: there is no active agent or trainee there.".to_string(),
                (0, n) => format!("All {n} were enrolled already."),
                (a, 0) => format!("{a} enrolled and told by e-mail."),
                (a, n) => format!("{a} enrolled and told by e-mail; {n} were enrolled already."),
            };
            Ok(redirect_with(
                &session,
                &format!("/admin/courses/{id}#assign"),
                "success",
                msg,
            ))
        }
        Err(AppError::Validation(errors)) => {
            invalid(
                ctx,
                &state,
                id,
                CourseForms {
                    assign: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---- editing a quiz and renaming a module ---------------------------------------------------

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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
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
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<QuizForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    let f = form.clone();
    match state
        .db
        .write(move |c| service::update_quiz(c, actor, &who, id, &f))
        .await
    {
        Ok(course_id) => Ok(redirect_with(
            &session,
            &format!("/admin/courses/{course_id}#quizzes"),
            "success",
            "The quiz is saved. Attempts already made keep the questions they drew.",
        )),
        Err(AppError::Validation(errors)) => quiz_edit_page(ctx, &state, id, Some(form), errors).await,
        Err(e) => Err(e),
    }
}

pub async fn rename_module(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TitleForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let form = form.into_inner();
    let (actor, who) = who(&user, &req);
    match state
        .db
        .write(move |c| service::rename_module(c, actor, &who, id, &form))
        .await
    {
        Ok(course_id) => Ok(redirect_with(
            &session,
            &format!("/admin/courses/{course_id}#outline"),
            "success",
            "The module is renamed.",
        )),
        Err(AppError::Validation(errors)) => {
            let course_id = state.db.read(move |c| Ok(model::find_module(c, id)?.course_id)).await?;
            invalid(
                ctx,
                &state,
                course_id,
                CourseForms {
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}
