//! A member's profile (with the figures computed from their referrals and ratings) and their
//! connections: search and invite, answer, deactivate, each connection's strength explained, and
//! a picture of the network (1st and 2nd degree) drawn on the server, with a text list beside it.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, ConnectionRow, Member, ProfileRow};
use super::pages::actor;
use super::picture::{self, Node, Picture};
use super::service::{self, ProfileForm, MEMBER_ROLES};
use super::standing as live;
use super::strength::Strength;
use crate::auth::CurrentUser;
use crate::domain::network::{ConnectionKind, ConnectionStatus};
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{form_status, redirect_with, render_status, AppState};

pub fn routes(r: &mut Routes) {
    r.get("/network/profile", Access::Roles(MEMBER_ROLES), profile_page)
        .post("/network/profile", Access::Roles(MEMBER_ROLES), save_profile)
        .get("/network/connections", Access::Roles(MEMBER_ROLES), connections)
        .post("/network/connections", Access::Roles(MEMBER_ROLES), invite)
        .post("/network/connections/{id}/accept", Access::Roles(MEMBER_ROLES), accept)
        .post(
            "/network/connections/{id}/decline",
            Access::Roles(MEMBER_ROLES),
            decline,
        )
        .post(
            "/network/connections/{id}/deactivate",
            Access::Roles(MEMBER_ROLES),
            deactivate,
        );
}

// ---- profile --------------------------------------------------------------------------------

/// A member's figures from real data: referrals received and converted, median response time,
/// and their rating by the members they worked with.
pub struct Performance {
    pub received: usize,
    pub converted: usize,
    pub response: String,
    pub rating: Option<(String, i64)>,
}

pub fn performance(c: &mut crate::db::DbConnection, uid: i64) -> Result<Performance, AppError> {
    let got = model::received_by(c, uid, 5000)?;
    let mut hours: Vec<i64> = got
        .iter()
        .filter_map(|r| r.responded_at.map(|t| (t - r.created_at).num_minutes()))
        .collect();
    hours.sort_unstable();
    let response = match hours.get(hours.len() / 2) {
        Some(m) if *m < 60 => format!("{m} minutes"),
        Some(m) => format!("{:.1} hours", *m as f64 / 60.0),
        None => "no answers yet".into(),
    };
    let rating = model::rating_of(c, uid)?.map(|(avg, n)| (format!("{avg:.1}"), n));
    Ok(Performance {
        received: got.len(),
        converted: got
            .iter()
            .filter(|r| r.status == crate::domain::network::ReferralStatus::Converted)
            .count(),
        response,
        rating,
    })
}

#[derive(Template)]
#[template(path = "network/profile.html")]
struct ProfilePage {
    ctx: PageCtx,
    form: ProfileForm,
    joined: bool,
    performance: Option<Performance>,
    lines: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

impl ProfilePage {
    fn has_line(&self, key: &&str) -> bool {
        self.form.lines.iter().any(|l| l == key)
    }
}

fn form_of(p: &ProfileRow) -> ProfileForm {
    ProfileForm {
        brokerage: p.brokerage.clone(),
        lines: p.lines.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        specialisations: p.specialisations.clone(),
        states: p.states.clone(),
        counties: p.counties.clone(),
        zips: p.zips.clone(),
        radius_miles: p.radius_miles.map(|r| r.to_string()).unwrap_or_default(),
        languages: p.languages.clone(),
        capacity_per_month: p.capacity_per_month.to_string(),
        available: p.available.then(|| "on".into()),
        bio: p.bio.clone(),
    }
}

fn profile_view(
    ctx: PageCtx,
    form: ProfileForm,
    joined: bool,
    performance: Option<Performance>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    render_status(
        form_status(&errors),
        &ProfilePage {
            ctx,
            form,
            joined,
            performance,
            lines: ProductLine::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
            errors,
        },
    )
}

async fn profile_page(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let a = actor(&user);
    let found = state
        .db
        .write(move |c| match service::member_profile(c, a) {
            Ok(p) => Ok(Some((form_of(&p), performance(c, a.id)?))),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    match found {
        Some((form, perf)) => profile_view(ctx, form, true, Some(perf), FieldErrors::new()),
        None => profile_view(
            ctx,
            ProfileForm {
                capacity_per_month: "10".into(),
                languages: "en".into(),
                available: Some("on".into()),
                ..Default::default()
            },
            false,
            None,
            FieldErrors::new(),
        ),
    }
}

async fn save_profile(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = form.into_inner();
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = ProfileForm {
        brokerage: get("brokerage"),
        lines: fields
            .iter()
            .filter(|(n, _)| n == "lines")
            .map(|(_, v)| v.clone())
            .collect(),
        specialisations: get("specialisations"),
        states: get("states"),
        counties: get("counties"),
        zips: get("zips"),
        radius_miles: get("radius_miles"),
        languages: get("languages"),
        capacity_per_month: get("capacity_per_month"),
        available: fields.iter().any(|(n, _)| n == "available").then(|| "on".into()),
        bio: get("bio"),
    };
    let (a, who, form) = (actor(&user), user.audit(), f.clone());
    match state.db.write(move |c| service::save_profile(c, a, &who, &form)).await {
        Ok(()) => Ok(redirect_with(&session, "/network/profile", "success", "Profile saved.")),
        Err(AppError::Validation(e)) => profile_view(ctx, f, true, None, e),
        Err(e) => Err(e),
    }
}

// ---- connections ----------------------------------------------------------------------------

/// A connection as the list shows it, with the other member and the strength explained.
pub struct ConnectionView {
    pub c: ConnectionRow,
    pub other: Member,
    pub incoming: bool,
    pub strength: Option<Strength>,
}

#[derive(Template)]
#[template(path = "network/connections.html")]
struct ConnectionsPage {
    ctx: PageCtx,
    active: Vec<ConnectionView>,
    waiting: Vec<ConnectionView>,
    ended: Vec<ConnectionView>,
    second: Vec<(Member, Vec<String>)>,
    svg: String,
    q: String,
    found: Vec<Member>,
    kinds: Vec<(&'static str, &'static str)>,
    to: String,
    errors: FieldErrors,
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn connections_view(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    q: String,
    to: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let a = actor(user);
    super::pages::ensure_member(state, a).await?;
    let uid = user.id;
    let query = q.clone();
    let page = state
        .db
        .read(move |c| {
            let rows = model::connections_of(c, uid, 500)?;
            let mut ids: Vec<i64> = rows.iter().map(|r| r.other(uid)).collect();
            let firsts = model::neighbours(c, uid)?;
            // Second degree: the neighbours' neighbours who are neither the member nor direct.
            let around = model::links_from(c, &firsts)?;
            let mut via: HashMap<i64, Vec<i64>> = HashMap::new();
            for (a, b) in &around {
                if *b != uid && !firsts.contains(b) {
                    via.entry(*b).or_default().push(*a);
                }
            }
            ids.extend(via.keys().copied());
            let members: HashMap<i64, Member> = model::members(c, &ids)?.into_iter().map(|m| (m.id, m)).collect();
            let snap = live::own(c, uid)?;
            let at = crate::db::now();
            let since: HashMap<i64, chrono::NaiveDateTime> = model::links_of(c, uid)?.into_iter().collect();
            let mut active = Vec::new();
            let mut waiting = Vec::new();
            let mut ended = Vec::new();
            for r in rows {
                let Some(other) = members.get(&r.other(uid)).cloned() else {
                    continue;
                };
                let strength = since
                    .get(&other.id)
                    .map(|s| live::connection_strength(&snap, uid, other.id, *s, at));
                let v = ConnectionView {
                    incoming: r.addressee_id == uid,
                    other,
                    strength,
                    c: r,
                };
                match v.c.status {
                    ConnectionStatus::Active => active.push(v),
                    ConnectionStatus::Pending => waiting.push(v),
                    _ => ended.push(v),
                }
            }
            let name_of = |id: &i64| members.get(id).map(|m| m.name.clone()).unwrap_or_default();
            let mut second: Vec<(Member, Vec<String>)> = via
                .iter()
                .filter_map(|(id, through)| {
                    members
                        .get(id)
                        .map(|m| (m.clone(), through.iter().map(name_of).collect()))
                })
                .collect();
            second.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            let me = model::member(c, uid)?.map(|m| m.name).unwrap_or_default();
            let mut nodes: Vec<Node> = active
                .iter()
                .map(|v| Node {
                    id: v.other.id,
                    label: v.other.name.clone(),
                    degree: 1,
                })
                .collect();
            nodes.extend(second.iter().map(|(m, _)| Node {
                id: m.id,
                label: m.name.clone(),
                degree: 2,
            }));
            let svg = picture::svg(
                &Picture {
                    centre_label: me,
                    centre_id: uid,
                    nodes,
                    edges: around.iter().copied().chain(firsts.iter().map(|f| (uid, *f))).collect(),
                },
                "network-picture",
            );
            let found = if query.trim().is_empty() {
                Vec::new()
            } else {
                model::search_members(c, query.trim(), uid, 20)?
            };
            Ok((active, waiting, ended, second, svg, found))
        })
        .await?;
    let (active, waiting, ended, second, svg, found) = page;
    render_status(
        form_status(&errors),
        &ConnectionsPage {
            ctx,
            active,
            waiting,
            ended,
            second,
            svg,
            q,
            found,
            kinds: ConnectionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            to,
            errors,
        },
    )
}

async fn connections(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    connections_view(ctx, &state, &user, q.into_inner().q, String::new(), FieldErrors::new()).await
}

#[derive(serde::Deserialize)]
struct InviteForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    message: String,
}

async fn invite(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (a, who) = (actor(&user), user.audit());
    let (to, kind, message) = (f.to.clone(), f.kind, f.message);
    match state
        .db
        .write(move |c| service::request_connection(c, a, &who, &to, &kind, &message))
        .await
    {
        Ok((_, name)) => Ok(redirect_with(
            &session,
            "/network/connections",
            "success",
            format!("Request sent to {name}."),
        )),
        Err(AppError::Validation(e)) => connections_view(ctx, &state, &user, String::new(), f.to, e).await,
        Err(e) => Err(e),
    }
}

async fn answer(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    id: i64,
    what: &'static str,
) -> AppResult<HttpResponse> {
    let (a, who) = (actor(&user), user.audit());
    let done = state
        .db
        .write(move |c| match what {
            "accept" => service::answer_connection(c, a, &who, id, true),
            "decline" => service::answer_connection(c, a, &who, id, false),
            _ => service::deactivate_connection(c, a, &who, id),
        })
        .await;
    match done {
        Ok(msg) => Ok(redirect_with(&session, "/network/connections", "success", msg)),
        Err(AppError::Validation(e)) => connections_view(ctx, &state, &user, String::new(), String::new(), e).await,
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
    answer(ctx, user, session, state, path.into_inner(), "accept").await
}

async fn decline(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    answer(ctx, user, session, state, path.into_inner(), "decline").await
}

async fn deactivate(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    answer(ctx, user, session, state, path.into_inner(), "deactivate").await
}
