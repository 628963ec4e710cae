//! Learner pages: "My training", a course, a lesson (with its video and documents), quizzes and
//! their attempts, certificates (page, PDF) and the public verification page. Owners and admins
//! open the same pages to preview a course as a learner sees it.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};

use super::files::files_dir;
use super::handlers::today;
use super::model::{self, CertificateRow, ChoiceRow, CourseRow, DocumentRow, LessonRow, QuizRow};
use super::quiz::{self, QuestionKind};
use super::service::{self, Graded};
use super::view::{self, EnrollmentView, Outline};
use super::{certificate, media};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, AppState};

// ---- My training ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/learn_home.html")]
struct HomePage {
    ctx: PageCtx,
    mine: Vec<EnrollmentView>,
    catalog: Vec<CourseRow>,
    certificates: Vec<CertificateRow>,
    today: NaiveDate,
}

impl HomePage {
    fn overdue(&self) -> usize {
        self.mine.iter().filter(|e| e.is_overdue()).count()
    }

    fn may_enrol(&self) -> bool {
        self.ctx.role().is_some_and(service::is_learner)
    }

    fn cert_valid(&self, c: &CertificateRow) -> bool {
        c.expires_on.is_none_or(|e| e >= self.today)
    }
}

pub async fn home(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (uid, today) = (user.id, today());
    let (mine, catalog, certificates) = state
        .db
        .read(move |c| {
            let rows = model::enrollments_of_user(c, uid)?;
            let mine = view::enrollments(c, rows, today)?;
            let taken: Vec<i64> = mine.iter().map(|e| e.course.id).collect();
            let catalog = model::list_courses(c, true)?
                .into_iter()
                .filter(|c| !taken.contains(&c.id))
                .collect();
            Ok((mine, catalog, model::certificates_of_user(c, uid)?))
        })
        .await?;
    render(&HomePage {
        ctx,
        mine,
        catalog,
        certificates,
        today,
    })
}

pub async fn enrol(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    state
        .db
        .write(move |c| service::self_enrol(c, actor, &who, id, today()))
        .await?;
    Ok(redirect_with(
        &session,
        &format!("/learn/courses/{id}"),
        "success",
        "You are enrolled. Start with the first lesson.",
    ))
}

// ---- a course -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/learn_course.html")]
struct CoursePage {
    ctx: PageCtx,
    o: Outline,
    summary_html: String,
    me: Option<EnrollmentView>,
    done: Vec<i64>,
    passed: Vec<i64>,
    certificate: Option<CertificateRow>,
    preview: bool,
    may_enrol: bool,
}

impl CoursePage {
    fn is_done(&self, lesson_id: &i64) -> bool {
        self.done.contains(lesson_id)
    }

    fn is_passed(&self, quiz_id: &i64) -> bool {
        self.passed.contains(quiz_id)
    }
}

/// May this user see a course's content? Staff always (preview); learners when enrolled.
fn access(user: &CurrentUser, enrolled: bool) -> Result<bool, AppError> {
    if user.role.is_staff() {
        Ok(true)
    } else if enrolled {
        Ok(false)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn course(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, uid, today) = (path.into_inner(), user.id, today());
    let (o, me, done, passed, certificate) = state
        .db
        .read(move |c| {
            let o = view::outline(c, id)?;
            let e = model::current_enrollment(c, id, uid)?;
            let (mut done, mut passed, mut cert) = (vec![], vec![], None);
            let me = match e {
                Some(e) => {
                    done = model::done_lessons(c, &[e.id])?.into_iter().map(|(_, l)| l).collect();
                    passed = model::passed_quizzes(c, &[e.id])?.into_iter().map(|(_, q)| q).collect();
                    cert = model::certificate_of_enrollment(c, e.id)?;
                    view::enrollments(c, vec![(e, o.course.clone())], today)?.pop()
                }
                None => None,
            };
            Ok((o, me, done, passed, cert))
        })
        .await?;
    if !o.course.published && !user.role.is_staff() && me.is_none() {
        return Err(AppError::NotFound);
    }
    let preview = user.role.is_staff() && me.is_none();
    let may_enrol = me.is_none() && service::is_learner(user.role) && o.course.published;
    render(&CoursePage {
        ctx,
        summary_html: crate::web::markdown::render(&o.course.summary),
        o,
        me,
        done,
        passed,
        certificate,
        preview,
        may_enrol,
    })
}

// ---- a lesson -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/lesson.html")]
struct LessonPage {
    ctx: PageCtx,
    lesson: LessonRow,
    course: CourseRow,
    body_html: String,
    documents: Vec<DocumentRow>,
    done: bool,
    preview: bool,
    previous: Option<i64>,
    next: Option<i64>,
    position: usize,
    total: usize,
}

pub async fn lesson(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), user.actor());
    let (lesson, course, documents, enrollment, done, order) = state
        .db
        .read(move |c| {
            let l = model::find_lesson(c, id)?;
            let course = model::find_course(c, l.course_id)?;
            let docs = model::documents_of(c, id)?;
            let e = service::own_enrollment(c, actor, l.course_id)?;
            let done = match &e {
                Some(e) => model::done_lessons(c, &[e.id])?.iter().any(|(_, x)| *x == id),
                None => false,
            };
            let order: Vec<i64> = model::lessons_of_course(c, l.course_id)?.iter().map(|l| l.id).collect();
            Ok((l, course, docs, e, done, order))
        })
        .await?;
    let preview = access(&user, enrollment.is_some())?;
    if enrollment.is_some() {
        state.db.write(move |c| service::opened_lesson(c, actor, id)).await?;
    }
    let pos = order.iter().position(|x| *x == id).unwrap_or(0);
    let page = LessonPage {
        ctx,
        body_html: crate::web::markdown::render(&lesson.body),
        lesson,
        course,
        documents,
        done,
        preview,
        previous: pos.checked_sub(1).and_then(|p| order.get(p).copied()),
        next: order.get(pos + 1).copied(),
        position: pos + 1,
        total: order.len(),
    };
    let html = page.render()?;
    // A lesson may embed a hosted player; every other page keeps the strict policy.
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            format!(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                 connect-src 'self'; media-src 'self'; frame-src {}; object-src 'none'; base-uri 'self'; \
                 form-action 'self'; frame-ancestors 'none'",
                media::EMBED_HOSTS
            ),
        ))
        .body(html))
}

pub async fn complete_lesson(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    let rule = state.settings.plan_year_rule;
    let (course_id, outcome, next) = state
        .db
        .write(move |c| {
            let (course_id, outcome) = service::complete_lesson(c, actor, &who, id, today(), &rule)?;
            let order: Vec<i64> = model::lessons_of_course(c, course_id)?.iter().map(|l| l.id).collect();
            let next = order
                .iter()
                .position(|x| *x == id)
                .and_then(|p| order.get(p + 1).copied());
            Ok((course_id, outcome, next))
        })
        .await?;
    if let Some(cert) = outcome.certificate_id {
        return Ok(completed(&session, cert, outcome.certification.as_deref()));
    }
    let to = match next {
        Some(n) => format!("/learn/lessons/{n}"),
        None => format!("/learn/courses/{course_id}"),
    };
    Ok(redirect_with(&session, &to, "success", "Lesson completed."))
}

fn completed(session: &Session, certificate_id: i64, certification: Option<&str>) -> HttpResponse {
    let extra = certification
        .map(|c| format!(" Your {c} certification is recorded."))
        .unwrap_or_default();
    redirect_with(
        session,
        &format!("/learn/certificates/{certificate_id}"),
        "success",
        format!("Course completed — here is your certificate.{extra}"),
    )
}

/// The lesson's video file, with range requests (206) so players can seek.
pub async fn video(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), user.actor());
    let (lesson, enrolled) = state
        .db
        .read(move |c| {
            let l = model::find_lesson(c, id)?;
            let e = service::own_enrollment(c, actor, l.course_id)?;
            Ok((l, e.is_some()))
        })
        .await?;
    access(&user, enrolled)?;
    let name = lesson.video_path.ok_or(AppError::NotFound)?;
    if !media::valid_stored_name(&name, &["mp4", "webm"]) {
        return Err(AppError::NotFound);
    }
    let ext = name.rsplit('.').next().unwrap_or("").to_string();
    let path = files_dir(&state, "videos").join(&name);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    let mime: actix_web::mime::Mime = media::content_type(&ext).parse().map_err(|_| AppError::NotFound)?;
    let mut res = file.set_content_type(mime).use_etag(true).into_response(&req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(res)
}

/// A lesson's document, as a download.
pub async fn document(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), user.actor());
    let (doc, enrolled) = state
        .db
        .read(move |c| {
            let d = model::find_document(c, id)?;
            let l = model::find_lesson(c, d.lesson_id)?;
            let e = service::own_enrollment(c, actor, l.course_id)?;
            Ok((d, e.is_some()))
        })
        .await?;
    access(&user, enrolled)?;
    if !media::valid_stored_name(&doc.file_name, &["pdf", "docx", "xlsx", "pptx"]) {
        return Err(AppError::NotFound);
    }
    let ext = doc.file_name.rsplit('.').next().unwrap_or("").to_string();
    let path = files_dir(&state, "documents").join(&doc.file_name);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    let mime: actix_web::mime::Mime = media::content_type(&ext).parse().map_err(|_| AppError::NotFound)?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(doc.original_name.clone())],
    };
    Ok(file
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .into_response(&req))
}

// ---- quizzes --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/quiz.html")]
struct QuizPage {
    ctx: PageCtx,
    quiz: QuizRow,
    course: CourseRow,
    attempts: Vec<model::AttemptRow>,
    left: Option<i64>,
    preview: bool,
    enrolled: bool,
    completed: bool,
}

impl QuizPage {
    fn passed(&self) -> bool {
        self.attempts.iter().any(|a| a.passed)
    }

    fn open_attempt(&self) -> Option<i64> {
        self.attempts.iter().find(|a| a.status == "open").map(|a| a.id)
    }
}

pub async fn quiz(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), user.actor());
    let (quiz, course, enrollment, attempts) = state
        .db
        .read(move |c| {
            let q = model::find_quiz(c, id)?;
            let course = model::find_course(c, q.course_id)?;
            let e = service::own_enrollment(c, actor, q.course_id)?;
            let attempts = match &e {
                Some(e) => model::attempts_of(c, e.id, id)?,
                None => vec![],
            };
            Ok((q, course, e, attempts))
        })
        .await?;
    let preview = access(&user, enrollment.is_some())?;
    let left = quiz::attempts_left(quiz.max_attempts, attempts.len() as i64);
    render(&QuizPage {
        ctx,
        left,
        completed: enrollment.as_ref().is_some_and(|e| e.status == model::COMPLETED),
        enrolled: enrollment.is_some(),
        quiz,
        course,
        attempts,
        preview,
    })
}

pub async fn start(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    let result = state
        .db
        .write(move |c| service::start_attempt(c, actor, &who, id, crate::db::now(), &mut rand::thread_rng()))
        .await;
    match result {
        Ok(attempt) => Ok(crate::web::see_other(&format!("/learn/attempts/{attempt}"))),
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, &format!("/learn/quizzes/{id}"), "error", msg)),
        Err(e) => Err(e),
    }
}

/// One drawn question as the attempt page shows it.
pub struct AttemptQuestion {
    pub number: usize,
    pub question_id: i64,
    pub prompt: String,
    pub explanation: String,
    pub multiple: bool,
    pub choices: Vec<ChoiceRow>,
    pub chosen: Vec<i64>,
    pub correct: Option<bool>,
}

impl AttemptQuestion {
    pub fn is_chosen(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
}

#[derive(Template)]
#[template(path = "courses/attempt.html")]
struct AttemptPage {
    ctx: PageCtx,
    attempt: model::AttemptRow,
    quiz: QuizRow,
    questions: Vec<AttemptQuestion>,
    seconds_left: Option<i64>,
    /// Open, but its time (and grace) is over: answers would not be graded.
    late: bool,
    /// The result shows which questions were right or wrong ([`quiz::FailedReveal`]).
    show_marks: bool,
    /// The result shows the right answers and explanations.
    show_answers: bool,
    /// The deadline in RFC 3339 (UTC), for the browser's countdown, and the server's clock.
    deadline_rfc3339: Option<String>,
    now_rfc3339: String,
}

impl AttemptPage {
    fn is_open(&self) -> bool {
        self.attempt.status == "open" && !self.late
    }

    fn deadline(&self) -> String {
        self.ctx.time_opt(&self.attempt.deadline_at)
    }
}

pub async fn attempt(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, uid) = (path.into_inner(), user.id);
    let (attempt, quiz, questions) = state
        .db
        .read(move |c| {
            let a = model::find_attempt(c, id)?;
            if a.user_id != uid {
                return Err(AppError::NotFound);
            }
            let q = model::find_quiz(c, a.quiz_id)?;
            let drawn = model::attempt_questions_of(c, id)?;
            let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
            let rows = model::questions_by_ids(c, &ids)?;
            let choices = model::choices_of_many(c, &ids)?;
            let questions = drawn
                .iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let row = rows.iter().find(|r| r.id == d.question_id)?;
                    let ordered = quiz::split_ids(&d.choice_order)
                        .into_iter()
                        .filter_map(|cid| choices.iter().find(|ch| ch.id == cid).cloned())
                        .collect();
                    Some(AttemptQuestion {
                        number: i + 1,
                        question_id: row.id,
                        prompt: row.prompt.clone(),
                        explanation: row.explanation.clone(),
                        multiple: QuestionKind::parse(&row.kind).is_some_and(QuestionKind::is_multiple),
                        choices: ordered,
                        chosen: d.answer.as_deref().map(quiz::split_ids).unwrap_or_default(),
                        correct: d.correct,
                    })
                })
                .collect();
            Ok((a, q, questions))
        })
        .await?;
    let now: NaiveDateTime = crate::db::now();
    let seconds_left = attempt.deadline_at.map(|d| (d - now).num_seconds().max(0));
    let late = attempt.status == "open" && quiz::is_late(attempt.deadline_at, now);
    let (show_marks, show_answers) = quiz.failed_reveals().shows(attempt.passed);
    let rfc3339 = |t: NaiveDateTime| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let deadline_rfc3339 = attempt.deadline_at.map(rfc3339);
    let now_rfc3339 = rfc3339(now);
    render(&AttemptPage {
        ctx,
        attempt,
        quiz,
        questions,
        seconds_left,
        late,
        show_marks,
        show_answers,
        deadline_rfc3339,
        now_rfc3339,
    })
}

pub async fn submit(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let answers = service::parse_answers(&body);
    let (actor, who) = (user.actor(), user.audit());
    let rule = state.settings.plan_year_rule;
    let result = state
        .db
        .write(move |c| service::submit_attempt(c, actor, &who, id, &answers, crate::db::now(), today(), &rule))
        .await;
    let back = format!("/learn/attempts/{id}");
    match result {
        Ok(Graded { expired: true, .. }) => Ok(redirect_with(
            &session,
            &back,
            "error",
            "The time limit had passed, so this attempt was not graded. It counts as an attempt.",
        )),
        Ok(Graded {
            passed: true,
            outcome,
            score,
            ..
        }) => match outcome.certificate_id {
            Some(cert) => Ok(completed(&session, cert, outcome.certification.as_deref())),
            None => Ok(redirect_with(
                &session,
                &back,
                "success",
                format!("Passed with {score}%."),
            )),
        },
        Ok(Graded { score, .. }) => Ok(redirect_with(
            &session,
            &back,
            "error",
            format!("{score}% — not enough to pass this time."),
        )),
        Err(AppError::Conflict(msg)) => Ok(redirect_with(&session, &back, "error", msg)),
        Err(e) => Err(e),
    }
}

// ---- certificates ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "courses/certificate.html")]
struct CertificatePage {
    ctx: PageCtx,
    c: CertificateRow,
    verify_url: String,
}

async fn own_certificate(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<CertificateRow> {
    let c = state.db.read(move |c| Ok(model::find_certificate(c, id)?)).await?;
    if c.user_id != user.id && !user.role.is_staff() {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

pub async fn certificate_page(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let c = own_certificate(&state, &user, path.into_inner()).await?;
    render(&CertificatePage {
        ctx,
        verify_url: format!("{}/certificates/{}", state.settings.base_url, c.code),
        c,
    })
}

pub async fn certificate_pdf(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let c = own_certificate(&state, &user, path.into_inner()).await?;
    let verify_url = format!("{}/certificates/{}", state.settings.base_url, c.code);
    let bytes = certificate::pdf(&certificate::CertificateText {
        agency: ctx.agency.legal(),
        holder: &c.holder_name,
        course: &c.course_title,
        issued_on: c.issued_on,
        expires_on: c.expires_on,
        code: &c.code,
        verify_url: &verify_url,
    });
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"certificate-{}.pdf\"", c.code),
        ))
        .body(bytes))
}

#[derive(Template)]
#[template(path = "courses/verify.html")]
struct VerifyPage {
    ctx: PageCtx,
    code: String,
    found: Option<CertificateRow>,
    today: NaiveDate,
}

impl VerifyPage {
    fn valid(&self) -> bool {
        self.found
            .as_ref()
            .is_some_and(|c| c.expires_on.is_none_or(|e| e >= self.today))
    }
}

/// Public: name, course, date and validity only — nothing else about the holder.
pub async fn verify(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let raw = path.into_inner();
    let code = certificate::normalise_code(&raw);
    let found = match code.clone() {
        Some(code) => {
            state
                .db
                .read(move |c| Ok(model::certificate_by_code(c, &code)?))
                .await?
        }
        None => None,
    };
    let page = VerifyPage {
        ctx,
        code: code.unwrap_or_else(|| raw.chars().take(40).collect()),
        found,
        today: today(),
    };
    let status = if page.found.is_some() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::NOT_FOUND
    };
    crate::web::render_status(status, &page)
}
