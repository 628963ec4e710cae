//! Referral pages: the member's list (sent and received), the form (to a connection, a team or the
//! agency, of their own lead or a new person with consent; the split with the CMS limit said on
//! the page), one referral with its history (the person hidden from the receiver until consent
//! is in place), accept / decline / rate, and the person's public one-time consent page.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;

use super::model::{self, ReferralRow};
use super::pages::actor;
use super::referrals::{self, ConsentAsk, ReferralForm, Side};
use super::service::{self, invalid, MEMBER_ROLES};
use super::view::{self, ReferralView};
use crate::audit;
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::domain::money::format_cents;
use crate::domain::network::ReferralStatus;
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{client_ip, PageCtx};
use crate::web::routes::{Access, RateLimit, Routes};
use crate::web::{form_status, redirect_with, render, render_status, AppState};

/// Members and staff (who see every referral).
const VIEWERS: &[Role] = &[Role::Owner, Role::Admin, Role::Broker, Role::Agent];

/// The public consent page's form, under the public-form rate limit.
pub const PUBLIC_PATHS: &[&str] = &["/referral-consent/{token}"];

pub fn routes(r: &mut Routes) {
    r.get("/network/referrals", Access::Roles(MEMBER_ROLES), list)
        .get("/network/referrals/new", Access::Roles(MEMBER_ROLES), new)
        .post("/network/referrals", Access::Roles(MEMBER_ROLES), create)
        .get("/network/referrals/{id}", Access::Roles(VIEWERS), show)
        .post("/network/referrals/{id}/accept", Access::Roles(MEMBER_ROLES), accept)
        .post("/network/referrals/{id}/decline", Access::Roles(MEMBER_ROLES), decline)
        .post("/network/referrals/{id}/rate", Access::Roles(MEMBER_ROLES), rate)
        .get("/referral-consent/{token}", Access::Public, consent_form)
        .post("/referral-consent/{token}", Access::Public, consent_post);
    r.limit_posts(PUBLIC_PATHS, RateLimit::PublicForm);
}

#[derive(Template)]
#[template(path = "network/referrals.html")]
struct ListPage {
    ctx: PageCtx,
    received: Vec<ReferralView>,
    sent: Vec<ReferralView>,
}

async fn list(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let a = actor(&user);
    super::pages::ensure_member(&state, a).await?;
    let uid = user.id;
    let (received, sent) = state
        .db
        .read(move |c| {
            let got = model::received_by(c, uid, 200)?;
            let sent = model::sent_by(c, uid, 200)?;
            Ok((view::referral_views(c, uid, got)?, view::referral_views(c, uid, sent)?))
        })
        .await?;
    render(&ListPage { ctx, received, sent })
}

#[derive(Template)]
#[template(path = "network/referral_new.html")]
struct NewPage {
    ctx: PageCtx,
    form: ReferralForm,
    targets: Vec<(String, String)>,
    leads: Vec<(i64, String)>,
    lines: Vec<(&'static str, &'static str)>,
    cap_note: String,
    errors: FieldErrors,
}

async fn new_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    form: ReferralForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let a = actor(user);
    super::pages::ensure_member(state, a).await?;
    let u = user.clone();
    let (targets, leads, cap_note) = state
        .db
        .read(move |c| {
            let firsts = model::neighbours(c, u.id)?;
            let mut targets: Vec<(String, String)> = model::members(c, &firsts)?
                .into_iter()
                .map(|m| (format!("broker:{}", m.id), m.name))
                .collect();
            targets.extend(
                model::teams::teams(c)?
                    .into_iter()
                    .map(|t| (format!("team:{}", t.id), format!("{} (team, in turn)", t.name))),
            );
            targets.push(("agency".into(), format!("{} (the agency)", crate::agency::model::find(c)?.name)));
            let agents = crate::leads::model::visible_agents(c, u.id)?;
            let leads = model::open_leads_of(c, &agents, 200)?;
            let limits: Vec<crate::commissions::cms::Limit> =
                crate::commissions::model::limits(c)?.iter().map(|l| l.limit()).collect();
            let year = crate::db::now().year();
            let caps: Vec<String> = ProductLine::ALL
                .iter()
                .filter(|p| p.is_medicare())
                .filter_map(|p| crate::commissions::cms::referral_cap(&limits, *p, year).map(|cap| format!("{} {}", p.label(), format_cents(cap))))
                .collect();
            let note = if caps.is_empty() {
                "For Medicare products a flat referral fee may not exceed the CMS referral-fee limit.".to_string()
            } else {
                format!(
                    "For Medicare products a flat referral fee may not exceed the CMS referral-fee limit for {year}: {}.",
                    caps.join(", ")
                )
            };
            Ok((targets, leads, note))
        })
        .await?;
    render_status(
        form_status(&errors),
        &NewPage {
            ctx,
            form,
            targets,
            leads,
            lines: ProductLine::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
            cap_note,
            errors,
        },
    )
}

async fn new(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let form = ReferralForm {
        split_kind: "percent".into(),
        split_percent: "20".into(),
        ..Default::default()
    };
    new_page(ctx, &state, &user, form, FieldErrors::new()).await
}

async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ReferralForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (a, who) = (actor(&user), user.audit());
    let settings = state.settings.clone();
    let caches = state.caches.clone();
    let form = f.clone();
    match state
        .db
        .write(move |c| referrals::create_referral(c, a, &who, &settings, &caches, &form))
        .await
    {
        Ok(done) => {
            let msg = match (done.status, &done.consent_link) {
                (ReferralStatus::ConsentNeeded, Some(link)) => format!(
                    "Referral #{} waits for the person's consent: nothing is shared until they agree. They have no e-mail address, so give them this one-time link: {link}",
                    done.id
                ),
                (ReferralStatus::ConsentNeeded, None) => format!(
                    "Referral #{} waits for the person's consent: we e-mailed them a one-time link, and nothing is shared until they agree.",
                    done.id
                ),
                (ReferralStatus::Accepted, _) => format!("Referral #{} went to the agency: it is routed like any lead.", done.id),
                _ => format!("Referral #{} sent: the receiver has been told.", done.id),
            };
            Ok(redirect_with(
                &session,
                &format!("/network/referrals/{}", done.id),
                "success",
                msg,
            ))
        }
        Err(AppError::Validation(e)) => new_page(ctx, &state, &user, f, e).await,
        Err(e) => Err(e),
    }
}

/// The person as the page shows them, when the viewer may see them.
pub struct PersonView {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub zip: String,
}

#[derive(Template)]
#[template(path = "network/referral.html")]
struct ShowPage {
    ctx: PageCtx,
    v: ReferralView,
    side: Side,
    person: Option<PersonView>,
    events: Vec<(String, String, String, String)>,
    rated: Option<(i32, String)>,
    may_rate: bool,
    expires: String,
    errors: FieldErrors,
}

impl ShowPage {
    fn is_receiver(&self) -> bool {
        self.side == Side::Receiver
    }
    fn waiting_for_me(&self) -> bool {
        self.side == Side::Receiver && self.v.r.status == ReferralStatus::Pending
    }
}

async fn show_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let a = actor(user);
    let tz = user.time_zone;
    let page = state
        .db
        .read(move |c| {
            let (r, side): (ReferralRow, Side) = referrals::visible_referral(c, a, id)?;
            let person = referrals::visible_person(c, &r, side)?.map(|p| PersonView {
                name: p.name(),
                email: p.email.clone().unwrap_or_default(),
                phone: p.phone.clone().unwrap_or_default(),
                zip: p.zip.clone().unwrap_or_default(),
            });
            let events = model::referral_events(c, id)?
                .into_iter()
                .map(|(actor_id, kind, note, at)| {
                    let who = actor_id
                        .and_then(|i| model::member(c, i).ok().flatten())
                        .map(|m| m.name)
                        .unwrap_or_else(|| "The system or the person".into());
                    (crate::dates::date_time(at, tz), who, kind.replace('_', " "), note)
                })
                .collect();
            let rated = model::rating_by(c, id, a.id)?;
            let may_rate = side != Side::Staff
                && matches!(
                    r.status,
                    ReferralStatus::Accepted | ReferralStatus::Converted | ReferralStatus::Declined
                )
                && r.receiver_id.is_some();
            let expires = crate::dates::date_time(r.expires_at, tz);
            let v = view::referral_views(c, a.id, vec![r])?
                .pop()
                .ok_or(AppError::NotFound)?;
            Ok(ShowPage {
                ctx,
                v,
                side,
                person,
                events,
                rated,
                may_rate,
                expires,
                errors,
            })
        })
        .await?;
    render_status(form_status(&page.errors), &page)
}

async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show_page(ctx, &state, &user, path.into_inner(), FieldErrors::new()).await
}

#[derive(serde::Deserialize, Default)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn answer(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    id: i64,
    yes: bool,
    reason: String,
) -> AppResult<HttpResponse> {
    let (a, who) = (actor(&user), user.audit());
    match state
        .db
        .write(move |c| referrals::answer_referral(c, a, &who, id, yes, &reason))
        .await
    {
        Ok(msg) => Ok(redirect_with(
            &session,
            &format!("/network/referrals/{id}"),
            "success",
            msg,
        )),
        Err(AppError::Validation(e)) => show_page(ctx, &state, &user, id, e).await,
        Err(e) => Err(e),
    }
}

async fn accept(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    answer(ctx, user, session, state, path.into_inner(), true, String::new()).await
}

async fn decline(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    answer(
        ctx,
        user,
        session,
        state,
        path.into_inner(),
        false,
        form.into_inner().reason,
    )
    .await
}

#[derive(serde::Deserialize, Default)]
struct RateForm {
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
}

/// Rates the other side of a referral, once: 1–5 with a comment.
pub fn rate_referral(
    conn: &mut crate::db::DbConnection,
    a: service::NetworkActor,
    who: &audit::AuditActor,
    id: i64,
    stars: &str,
    comment: &str,
) -> Result<(), AppError> {
    let (r, side) = referrals::visible_referral(conn, a, id)?;
    let ratee = match side {
        Side::Referrer => r.receiver_id,
        Side::Receiver => Some(r.referrer_id),
        Side::Staff => None,
    }
    .ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let n = match stars.trim().parse::<i32>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => {
            e.add("stars", "Choose from 1 to 5 stars.");
            0
        }
    };
    let comment = service::cleaned(&mut e, "comment", "comment", comment, 1000, true);
    if model::rating_by(conn, id, a.id)?.is_some() {
        e.add("stars", "You have rated this referral already.");
    }
    e.into_result()?;
    if !matches!(
        r.status,
        ReferralStatus::Accepted | ReferralStatus::Converted | ReferralStatus::Declined
    ) {
        return Err(invalid("stars", "A referral can be rated once it has been answered."));
    }
    model::insert_rating(conn, id, a.id, ratee, n, &comment)?;
    audit::record(
        conn,
        who,
        "network.referral_rated",
        "referral",
        Some(id),
        &n.to_string(),
    )?;
    Ok(())
}

async fn rate(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<RateForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let f = form.into_inner();
    let (a, who) = (actor(&user), user.audit());
    match state
        .db
        .write(move |c| rate_referral(c, a, &who, id, &f.stars, &f.comment))
        .await
    {
        Ok(()) => Ok(redirect_with(
            &session,
            &format!("/network/referrals/{id}"),
            "success",
            "Thank you: your rating is recorded.",
        )),
        Err(AppError::Validation(e)) => show_page(ctx, &state, &user, id, e).await,
        Err(e) => Err(e),
    }
}

// ---- the person's consent page --------------------------------------------------------------

#[derive(Template)]
#[template(path = "network/consent.html")]
struct ConsentPage {
    ctx: PageCtx,
    ask: Option<ConsentAsk>,
    answered: Option<bool>,
    token: String,
}

async fn consent_form(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let t = token.clone();
    let ask = state.db.read(move |c| referrals::consent_ask(c, &t)).await?;
    render(&ConsentPage {
        ctx,
        ask: Some(ask),
        answered: None,
        token,
    })
}

#[derive(serde::Deserialize, Default)]
struct ConsentForm {
    #[serde(default)]
    answer: String,
}

async fn consent_post(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ConsentForm>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let yes = match form.answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let t = token.clone();
            let ask = state.db.read(move |c| referrals::consent_ask(c, &t)).await?;
            return render_status(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &ConsentPage {
                    ctx,
                    ask: Some(ask),
                    answered: None,
                    token,
                },
            );
        }
    };
    let ip = client_ip(&req, &state.settings);
    let ua: String = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(500)
        .collect();
    let settings = state.settings.clone();
    let t = token.clone();
    let said = state
        .db
        .write(move |c| referrals::consent_answer(c, &settings, &t, yes, Some(&ip), Some(&ua)))
        .await?;
    render(&ConsentPage {
        ctx,
        ask: None,
        answered: Some(said),
        token,
    })
}
