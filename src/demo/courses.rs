//! Demo courses for `seed-demo`: Medicare basics (grants an AHIP-style certification), a carrier
//! product course (grants the carrier's certification) and a yearly compliance course on consent
//! and calls, each with lessons and a question bank, and learners at every stage: not started,
//! in progress, failed once, overdue, completed with a certificate, and due to recertify.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::audit::AuditActor;
use crate::auth::roles::{Actor, Role};
use crate::config::Settings;
use crate::courses::model::{self, CourseChanges};
use crate::courses::service::{self, LessonForm, QuestionForm, QuizForm, TitleForm};
use crate::db::DbConnection;
use crate::error::AppError;

struct Lesson {
    title: &'static str,
    body: &'static str,
}

struct Question {
    kind: &'static str,
    prompt: &'static str,
    /// Choices; a leading '*' marks a correct one. For true/false: "*True" or "*False".
    choices: &'static [&'static str],
    explanation: &'static str,
    tags: &'static str,
}

struct CourseSpec {
    title: &'static str,
    summary: &'static str,
    cert_kind: Option<&'static str>,
    validity_months: Option<i32>,
    pass_mark: i32,
    modules: &'static [(&'static str, &'static [Lesson])],
    questions: &'static [Question],
    quiz: (&'static str, i32, i32, Option<i32>),
}

const MEDICARE: CourseSpec = CourseSpec {
    title: "Medicare basics",
    summary: "The parts of Medicare, who is eligible and when people can enrol, how Medigap and \
              Medicare Advantage differ, and how to spot fraud, waste and abuse. Passing records \
              your **AHIP** certification for the plan year.",
    cert_kind: Some("AHIP"),
    validity_months: None,
    pass_mark: 80,
    modules: &[
        (
            "Medicare in a nutshell",
            &[
                Lesson {
                    title: "Parts A, B, C and D",
                    body: "## Four parts, two paths\n\n- **Part A** (hospital insurance): inpatient stays, skilled \
                           nursing after a hospital stay, hospice. Most people pay no premium.\n- **Part B** \
                           (medical insurance): doctors, outpatient care, preventive services. A monthly \
                           premium, and 20% coinsurance after the deductible.\n- **Part C** (Medicare \
                           Advantage): private plans that replace A and B, usually with a network and an \
                           out-of-pocket maximum.\n- **Part D**: prescription drug plans, stand-alone or \
                           inside a Medicare Advantage plan.\n\nOriginal Medicare is A + B, often with a \
                           Medigap policy and a Part D plan.",
                },
                Lesson {
                    title: "Eligibility and enrollment periods",
                    body: "## Who and when\n\nPeople become eligible at 65, or earlier after 24 months of \
                           disability benefits, or with ESRD or ALS.\n\n| Period | When |\n|---|---|\n| \
                           Initial Enrollment Period | 7 months around the 65th birthday |\n| Annual \
                           Enrollment Period | October 15 – December 7 |\n| Medicare Advantage Open \
                           Enrollment | January 1 – March 31 |\n\nSpecial Enrollment Periods follow \
                           events such as a move or losing employer coverage.",
                },
            ],
        ),
        (
            "Working with beneficiaries",
            &[
                Lesson {
                    title: "Medigap or Medicare Advantage?",
                    body: "## Compare honestly\n\nMedigap pays the gaps in Original Medicare and lets people \
                           see any doctor who takes Medicare; premiums are higher. Medicare Advantage \
                           plans often have low premiums and extra benefits, with networks and prior \
                           authorisation.\n\nAsk about doctors, prescriptions, travel and budget before \
                           recommending anything.",
                },
                Lesson {
                    title: "Fraud, waste and abuse",
                    body: "## Recognise and report\n\nNever enrol someone without their informed consent, never \
                           offer gifts above nominal value, and report suspected fraud to the compliance \
                           officer or 1-800-MEDICARE.",
                },
            ],
        ),
    ],
    questions: &[
        Question {
            kind: "single",
            prompt: "Which part of Medicare covers inpatient hospital stays?",
            choices: &["*Part A", "Part B", "Part D"],
            explanation: "Part A is hospital insurance.",
            tags: "parts",
        },
        Question {
            kind: "single",
            prompt: "Which part covers prescription drugs?",
            choices: &["Part A", "Part B", "*Part D"],
            explanation: "Part D plans cover prescription drugs.",
            tags: "parts",
        },
        Question {
            kind: "true_false",
            prompt: "Medicare Advantage plans replace Parts A and B.",
            choices: &["*True"],
            explanation: "A Medicare Advantage (Part C) plan provides Part A and B benefits.",
            tags: "parts",
        },
        Question {
            kind: "single",
            prompt: "When is the Annual Enrollment Period?",
            choices: &["January 1 – March 31", "*October 15 – December 7", "The birthday month"],
            explanation: "AEP runs from October 15 to December 7 each year.",
            tags: "enrollment",
        },
        Question {
            kind: "single",
            prompt: "How long is the Initial Enrollment Period?",
            choices: &["3 months", "*7 months", "12 months"],
            explanation: "Three months before the 65th birthday month, that month, and three after.",
            tags: "enrollment",
        },
        Question {
            kind: "multiple",
            prompt: "Which of these can make someone eligible for Medicare before 65?",
            choices: &[
                "*24 months of disability benefits",
                "*End-stage renal disease",
                "Retiring early",
            ],
            explanation: "Disability, ESRD and ALS qualify; early retirement does not.",
            tags: "enrollment",
        },
        Question {
            kind: "true_false",
            prompt: "An agent may enrol a beneficiary who has not agreed to the plan, if it saves them money.",
            choices: &["*False"],
            explanation: "Enrolment always needs the beneficiary's informed consent.",
            tags: "fwa",
        },
        Question {
            kind: "multiple",
            prompt: "Which of these are signs of possible fraud?",
            choices: &[
                "*Billing for services never given",
                "*Offering cash to enrol",
                "Explaining plan networks",
            ],
            explanation: "Phantom billing and inducements are fraud; explaining networks is good practice.",
            tags: "fwa",
        },
        Question {
            kind: "single",
            prompt: "What does Medigap do?",
            choices: &[
                "*Pays costs Original Medicare leaves",
                "Replaces Part D",
                "Covers long-term care",
            ],
            explanation: "Medigap fills the gaps (deductibles, coinsurance) in Original Medicare.",
            tags: "plans",
        },
        Question {
            kind: "single",
            prompt: "What limits a Medicare Advantage member's yearly costs for covered services?",
            choices: &[
                "The Part B premium",
                "*The out-of-pocket maximum",
                "The Medigap deductible",
            ],
            explanation: "Every Medicare Advantage plan has an out-of-pocket maximum.",
            tags: "plans",
        },
    ],
    quiz: ("AHIP certification exam", 6, 3, Some(20)),
};

const CARRIER: CourseSpec = CourseSpec {
    title: "Sunshine Health Medicare Advantage products",
    summary: "The plans Sunshine Health offers this year, their networks and extra benefits, and \
              how to submit an application. Passing records your Sunshine Health certification.",
    cert_kind: Some("Sunshine Health"),
    validity_months: Some(12),
    pass_mark: 75,
    modules: &[
        (
            "The plan line-up",
            &[
                Lesson {
                    title: "HMO, PPO and D-SNP plans",
                    body: "## Three kinds of plan\n\n- **Sunshine Value HMO**: $0 premium, in-network care, \
                           referrals for specialists.\n- **Sunshine Choice PPO**: out-of-network care at a \
                           higher cost share.\n- **Sunshine Dual Care (D-SNP)**: for people with both \
                           Medicare and Medicaid.",
                },
                Lesson {
                    title: "Extra benefits",
                    body: "Dental up to $2,000 a year, vision, hearing aids, a quarterly over-the-counter \
                           allowance and transport to appointments (plan dependent).",
                },
            ],
        ),
        (
            "Selling Sunshine Health",
            &[Lesson {
                title: "Applications and effective dates",
                body: "Submit applications in the carrier portal the same day. During AEP the effective \
                       date is January 1; otherwise the first of the month after the application.",
            }],
        ),
    ],
    questions: &[
        Question {
            kind: "single",
            prompt: "Which Sunshine Health plan is for people with both Medicare and Medicaid?",
            choices: &["Value HMO", "Choice PPO", "*Dual Care D-SNP"],
            explanation: "D-SNPs are Special Needs Plans for dual-eligible people.",
            tags: "plans",
        },
        Question {
            kind: "true_false",
            prompt: "The Choice PPO covers out-of-network care.",
            choices: &["*True"],
            explanation: "At a higher cost share than in network.",
            tags: "plans",
        },
        Question {
            kind: "single",
            prompt: "What is the effective date of an application taken during AEP?",
            choices: &["*January 1", "The next day", "The first of the next month"],
            explanation: "AEP elections take effect on January 1.",
            tags: "process",
        },
        Question {
            kind: "multiple",
            prompt: "Which extra benefits can Sunshine Health plans include?",
            choices: &[
                "*Dental",
                "*Transport to appointments",
                "Gym memberships for family members",
            ],
            explanation: "Extras are for the member only.",
            tags: "benefits",
        },
        Question {
            kind: "single",
            prompt: "Where are applications submitted?",
            choices: &[
                "*In the carrier portal",
                "By fax to the agency",
                "By e-mail to the member",
            ],
            explanation: "Same-day submission in the portal.",
            tags: "process",
        },
    ],
    quiz: ("Carrier certification quiz", 4, 0, None),
};

const COMPLIANCE: CourseSpec = CourseSpec {
    title: "Consent and calls: TCPA and CMS marketing rules",
    summary: "Yearly compliance training for everyone who calls leads: prior express written consent, \
              the do-not-call list, calling hours, recording and the 48-hour scope of appointment rule.",
    cert_kind: None,
    validity_months: Some(12),
    pass_mark: 80,
    modules: &[(
        "Before and during a call",
        &[
            Lesson {
                title: "Consent comes first",
                body: "## Prior express written consent\n\nCall or text a lead with an autodialer or \
                       prerecorded message only with their written consent naming our agency. The consent \
                       text, time and address are stored with every lead: check it before calling.",
            },
            Lesson {
                title: "Do-not-call and calling hours",
                body: "Never call numbers on the national or the agency do-not-call list. Call between 8 \
                       a.m. and 9 p.m. in the **lead's** time zone, and stop at once when asked.",
            },
            Lesson {
                title: "Scope of appointment and recording",
                body: "CMS rules: record every Medicare sales call, and document a Scope of Appointment \
                       48 hours before a personal meeting (exceptions apply in the last four days of an \
                       enrolment period and for walk-ins).",
            },
        ],
    )],
    questions: &[
        Question {
            kind: "true_false",
            prompt: "A lead who filled in our quote form with consent may be called with an autodialer.",
            choices: &["*True"],
            explanation: "Their prior express written consent names our agency.",
            tags: "consent",
        },
        Question {
            kind: "single",
            prompt: "What are the latest calling hours in the lead's time zone?",
            choices: &["7 p.m.", "*9 p.m.", "11 p.m."],
            explanation: "Calls are allowed from 8 a.m. to 9 p.m. local time.",
            tags: "calls",
        },
        Question {
            kind: "single",
            prompt: "A number is on the do-not-call list. What do you do?",
            choices: &["Call once to confirm", "*Do not call it", "Text instead"],
            explanation: "Texts are calls under the TCPA too.",
            tags: "calls",
        },
        Question {
            kind: "single",
            prompt: "How long before a personal sales meeting is a Scope of Appointment needed?",
            choices: &["24 hours", "*48 hours", "7 days"],
            explanation: "48 hours, with a few exceptions.",
            tags: "cms",
        },
        Question {
            kind: "true_false",
            prompt: "Medicare sales calls must be recorded.",
            choices: &["*True"],
            explanation: "CMS requires recording of marketing and sales calls.",
            tags: "cms",
        },
        Question {
            kind: "multiple",
            prompt: "What must be kept with every lead we call?",
            choices: &[
                "*The consent text",
                "*When and from where consent was given",
                "Their credit score",
            ],
            explanation: "Consent evidence; never more personal data than needed.",
            tags: "consent",
        },
    ],
    quiz: ("Compliance quiz", 5, 2, Some(15)),
};

struct Built {
    id: i64,
    lessons: Vec<i64>,
    quiz: i64,
}

fn build(c: &mut DbConnection, owner: Actor, who: &AuditActor, spec: &CourseSpec) -> Result<Built, AppError> {
    let id = service::create_course(
        c,
        owner,
        who,
        &CourseChanges {
            title: spec.title.into(),
            summary: spec.summary.into(),
            published: true,
            cert_kind: spec.cert_kind.map(str::to_string),
            cert_plan_year: None,
            validity_months: spec.validity_months,
            pass_mark: spec.pass_mark,
            due_days: 30,
        },
    )?;
    let mut lessons = Vec::new();
    for (title, list) in spec.modules {
        let m = service::add_module(
            c,
            owner,
            who,
            id,
            &TitleForm {
                title: Some((*title).into()),
            },
        )?;
        for l in list.iter() {
            let lesson = service::add_lesson(
                c,
                owner,
                who,
                m,
                &TitleForm {
                    title: Some(l.title.into()),
                },
            )?;
            let parsed = service::parse_lesson(&LessonForm {
                title: Some(l.title.into()),
                body: Some(l.body.into()),
                required: Some("on".into()),
                video_url: None,
            })
            .map_err(AppError::Validation)?;
            service::update_lesson(c, owner, who, lesson, &parsed)?;
            lessons.push(lesson);
        }
    }
    for q in spec.questions {
        let mut form = QuestionForm {
            kind: Some(q.kind.into()),
            prompt: Some(q.prompt.into()),
            explanation: Some(q.explanation.into()),
            tags: Some(q.tags.into()),
            ..Default::default()
        };
        if q.kind == "true_false" {
            form.answer = Some(if q.choices[0] == "*True" { "true" } else { "false" }.into());
        } else {
            for (i, ch) in q.choices.iter().enumerate() {
                let (text, correct) = match ch.strip_prefix('*') {
                    Some(t) => (t, Some("on".to_string())),
                    None => (*ch, None),
                };
                match i {
                    0 => (form.choice_1, form.correct_1) = (Some(text.into()), correct),
                    1 => (form.choice_2, form.correct_2) = (Some(text.into()), correct),
                    2 => (form.choice_3, form.correct_3) = (Some(text.into()), correct),
                    _ => (form.choice_4, form.correct_4) = (Some(text.into()), correct),
                }
            }
        }
        let parsed = service::parse_question(&form).map_err(AppError::Validation)?;
        service::add_question(c, owner, who, id, &parsed)?;
    }
    let (title, count, attempts, limit) = spec.quiz;
    let quiz = service::add_quiz(
        c,
        owner,
        who,
        id,
        &QuizForm {
            title: Some(title.into()),
            question_count: Some(count.to_string()),
            tag: None,
            pass_mark: Some(spec.pass_mark.to_string()),
            max_attempts: Some(attempts.to_string()),
            time_limit_minutes: limit.map(|m| m.to_string()),
            is_final: Some("on".into()),
            failed_reveals: None,
        },
    )?;
    Ok(Built { id, lessons, quiz })
}

/// How far a learner got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    NotStarted,
    Lessons(usize),
    FailedOnce,
    Completed,
}

#[allow(clippy::too_many_arguments)]
fn learn(
    c: &mut DbConnection,
    course: &Built,
    user_id: i64,
    role: Role,
    owner: Actor,
    due_on: NaiveDate,
    stage: Stage,
    on: NaiveDate,
    settings: &Settings,
    rng: &mut StdRng,
) -> Result<(), AppError> {
    model::insert_enrollment(c, course.id, user_id, Some(owner.id), Some(due_on), 1)?;
    let me = Actor { id: user_id, role };
    let who = AuditActor::system("demo seed");
    let rule = settings.plan_year_rule;
    let lessons = match stage {
        Stage::NotStarted => 0,
        Stage::Lessons(n) => n.min(course.lessons.len()),
        Stage::FailedOnce | Stage::Completed => course.lessons.len(),
    };
    for l in &course.lessons[..lessons] {
        service::complete_lesson(c, me, &who, *l, on, &rule)?;
    }
    let mut attempt = |c: &mut DbConnection, right: bool| -> Result<(), AppError> {
        let now = on.and_hms_opt(15, 0, 0).unwrap_or_default();
        let a = service::start_attempt(c, me, &who, course.quiz, now, rng)?;
        let drawn = model::attempt_questions_of(c, a)?;
        let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
        let choices = model::choices_of_many(c, &ids)?;
        let answers = ids
            .iter()
            .map(|q| {
                let pick: std::collections::BTreeSet<i64> = choices
                    .iter()
                    .filter(|ch| ch.question_id == *q && ch.correct == right)
                    .map(|ch| ch.id)
                    .take(if right { usize::MAX } else { 1 })
                    .collect();
                (*q, pick)
            })
            .collect();
        service::submit_attempt(c, me, &who, a, &answers, now + chrono::Duration::minutes(9), on, &rule)?;
        Ok(())
    };
    match stage {
        Stage::FailedOnce => attempt(c, false)?,
        Stage::Completed => attempt(c, true)?,
        _ => {}
    }
    Ok(())
}

/// Adds the three demo courses and puts the demo's agents and trainees through them.
pub fn seed(c: &mut DbConnection, owner: Actor, who: &AuditActor, settings: &Settings) -> Result<(), AppError> {
    let today = crate::db::now().date();
    let days = |n: i64| today + chrono::Duration::days(n);
    let medicare = build(c, owner, who, &MEDICARE)?;
    let carrier = build(c, owner, who, &CARRIER)?;
    let compliance = build(c, owner, who, &COMPLIANCE)?;
    let mut rng = StdRng::seed_from_u64(2026);
    let learners = model::learners(c, None)?;
    let role_of =
        |c: &mut DbConnection, id: i64| -> Result<Role, AppError> { Ok(crate::auth::model::find_user(c, id)?.role()) };
    for (i, (user_id, name, _)) in learners.iter().enumerate() {
        let role = role_of(c, *user_id)?;
        // Everyone has the yearly compliance course; a few are overdue, most are done.
        let (stage, due, on) = match i % 6 {
            0 => (Stage::NotStarted, days(-5), today),
            1 => (Stage::Lessons(1), days(12), today),
            2 => (Stage::FailedOnce, days(20), today),
            // Done 11 months ago: due to recertify within AE_RECERT_DAYS.
            3 => (Stage::Completed, days(-320), days(-335)),
            _ => (Stage::Completed, days(10), days(-14)),
        };
        learn(
            c,
            &compliance,
            *user_id,
            role,
            owner,
            due,
            stage,
            on,
            settings,
            &mut rng,
        )?;
        // Medicare basics for the trainee and a few newer agents; the carrier course for others.
        if role == Role::Trainee || name == "Tom Nguyen" {
            learn(
                c,
                &medicare,
                *user_id,
                role,
                owner,
                days(21),
                Stage::Lessons(2),
                today,
                settings,
                &mut rng,
            )?;
        } else if name == "Priya Raman" {
            learn(
                c,
                &medicare,
                *user_id,
                role,
                owner,
                days(5),
                Stage::Completed,
                days(-3),
                settings,
                &mut rng,
            )?;
        }
        match i % 5 {
            0 => learn(
                c,
                &carrier,
                *user_id,
                role,
                owner,
                days(25),
                Stage::Completed,
                days(-20),
                settings,
                &mut rng,
            )?,
            1 => learn(
                c,
                &carrier,
                *user_id,
                role,
                owner,
                days(25),
                Stage::Lessons(1),
                today,
                settings,
                &mut rng,
            )?,
            2 => learn(
                c,
                &carrier,
                *user_id,
                role,
                owner,
                days(-2),
                Stage::NotStarted,
                today,
                settings,
                &mut rng,
            )?,
            _ => {}
        }
    }
    Ok(())
}
