//! Broker teams (item 7): a leader and members (a broker in at most one team), referrals to a
//! team handed to a member by the routing engine's strategy the team chose (`team_strategy`;
//! round-robin by default), team figures, and commission
//! pooling: a share of each member's referral commission for a month goes into the pool, which
//! is shared by the team's rule (equal, by production, fixed percents) in entries that sum
//! exactly to it. Staff create teams; staff and the team's leader manage them.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};

use super::model::teams::{self as tm, TeamRow};
use super::model::{self, Member};
use super::pool;
use super::service::{invalid, NetworkActor};
use super::team_strategy;
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Role, STAFF};
use crate::auth::CurrentUser;
use crate::commissions::model::{self as ledger, NewEntry};
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, EntrySource, PayeeKind, PayeeRole};
use crate::domain::money::format_cents;
use crate::domain::network::ReferralStatus;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render_status, AppState};

const VIEWERS: &[Role] = &[Role::Owner, Role::Admin, Role::Broker, Role::Agent];

pub fn routes(r: &mut Routes) {
    r.get("/network/teams", Access::Roles(VIEWERS), list)
        .post("/network/teams", Access::Roles(STAFF), create)
        .get("/network/teams/{id}", Access::Roles(VIEWERS), show)
        .post("/network/teams/{id}/members", Access::Roles(VIEWERS), add)
        .post("/network/teams/{id}/remove", Access::Roles(VIEWERS), remove)
        .post("/network/teams/{id}/pool", Access::Roles(VIEWERS), save_pool)
        .post("/network/teams/{id}/strategy", Access::Roles(VIEWERS), save_strategy)
        .post("/network/teams/{id}/distribute", Access::Roles(VIEWERS), distribute);
}

// ---- rules of who may --------------------------------------------------------------------------

fn managed(conn: &mut DbConnection, actor: NetworkActor, id: i64) -> Result<TeamRow, AppError> {
    let t = tm::team(conn, id)?.ok_or(AppError::NotFound)?;
    if actor.role.is_staff() || t.leader_id == actor.id {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

fn is_broker(conn: &mut DbConnection, user_id: i64) -> Result<bool, AppError> {
    Ok(model::user_role(conn, Some(user_id), None)?.is_some_and(|(_, r)| r == Role::Broker))
}

// ---- service ----------------------------------------------------------------------------------

/// Staff create a team with its leader (a broker not in another team), who becomes its first member.
pub fn create_team(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    name: &str,
    leader: &str,
) -> Result<i64, AppError> {
    if !actor.role.is_staff() {
        return Err(AppError::NotFound);
    }
    let mut e = FieldErrors::new();
    let name = super::service::cleaned(&mut e, "name", "team name", name, 100, false);
    if name.is_empty() && !e.has("name") {
        e.add("name", "Give the team a name.");
    }
    if !name.is_empty() && tm::team_by_name(conn, &name)?.is_some() {
        e.add("name", "There is a team with that name already.");
    }
    let leader_id = leader.trim().parse::<i64>().ok();
    match leader_id {
        Some(id) if is_broker(conn, id)? => {
            if tm::team_of(conn, id)?.is_some() {
                e.add(
                    "leader",
                    "That broker is in another team already: a broker is in at most one.",
                );
            }
        }
        _ => e.add("leader", "Choose a broker to lead the team."),
    }
    e.into_result()?;
    let leader_id = leader_id.ok_or(AppError::NotFound)?;
    let id = tm::insert_team(conn, &name, leader_id, 0, "equal", "")?;
    tm::add_member(conn, id, leader_id)?;
    audit::record(conn, who, "network.team_created", "broker_team", Some(id), &name)?;
    Ok(id)
}

pub fn add_member(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    user: &str,
) -> Result<String, AppError> {
    let t = managed(conn, actor, id)?;
    let Some(uid) = user
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|u| is_broker(conn, *u).unwrap_or(false))
    else {
        return Err(invalid("user_id", "Choose a broker to add."));
    };
    if let Some(other) = tm::team_of(conn, uid)? {
        return Err(invalid(
            "user_id",
            if other == id {
                "That broker is in this team already."
            } else {
                "That broker is in another team: a broker is in at most one."
            },
        ));
    }
    tm::add_member(conn, id, uid)?;
    let name = model::member(conn, uid)?.map(|m| m.name).unwrap_or_default();
    crate::notifications::model::notify(
        conn,
        uid,
        "network.team",
        &format!("You joined the team {}.", t.name),
        &format!("/network/teams/{id}"),
    )?;
    audit::record(conn, who, "network.team_member_added", "broker_team", Some(id), &name)?;
    Ok(format!("{name} joined the team."))
}

pub fn remove_member(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    user: &str,
) -> Result<String, AppError> {
    let t = managed(conn, actor, id)?;
    let uid = user
        .trim()
        .parse::<i64>()
        .map_err(|_| invalid("user_id", "Choose a member."))?;
    if uid == t.leader_id {
        return Err(invalid("user_id", "The leader stays in the team."));
    }
    if tm::remove_member(conn, id, uid)? == 0 {
        return Err(invalid("user_id", "That broker is not in this team."));
    }
    audit::record(
        conn,
        who,
        "network.team_member_removed",
        "broker_team",
        Some(id),
        &uid.to_string(),
    )?;
    Ok("Removed from the team.".into())
}

/// The pool's share (percent) and rule; a fixed rule must name members with shares totalling 100 %.
pub fn set_pool(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    f: &PoolForm,
) -> Result<(), AppError> {
    managed(conn, actor, id)?;
    let mut e = FieldErrors::new();
    let bps = super::handoff::parse_percent_bps(&f.percent);
    if bps.is_none() {
        e.add("percent", "Give the pooled share as a percent from 0 to 100.");
    }
    let members = tm::member_ids(conn, id)?;
    match pool::parse_rule(&f.rule, &f.fixed) {
        Ok(pool::Rule::Fixed(shares)) => {
            if let Some((bad, _)) = shares.iter().find(|(m, _)| !members.contains(m)) {
                e.add("fixed", format!("Member {bad} is not in this team."));
            }
        }
        Ok(_) => {}
        Err(m) => e.add(if f.rule == "fixed" { "fixed" } else { "rule" }, m),
    }
    e.into_result()?;
    let rule = f.rule.trim().to_ascii_lowercase();
    tm::set_pool(conn, id, bps.unwrap_or(0), &rule, f.fixed.trim())?;
    audit::record(
        conn,
        who,
        "network.team_pool_saved",
        "broker_team",
        Some(id),
        &format!("{} bps, {rule}", bps.unwrap_or(0)),
    )?;
    Ok(())
}

/// The pool for a month: each member's pooled part of their referral commission.
pub fn pool_for(conn: &mut DbConnection, t: &TeamRow, period: NaiveDate) -> Result<Vec<(i64, i64, i64)>, AppError> {
    let members = tm::member_ids(conn, t.id)?;
    let earned: HashMap<i64, i64> = tm::referral_commission(conn, &members, period)?.into_iter().collect();
    Ok(members
        .iter()
        .map(|m| {
            let e = earned.get(m).copied().unwrap_or(0);
            let (_, pooled) = pool::pool_part(e, i64::from(t.pool_bps));
            (*m, e, pooled)
        })
        .collect())
}

/// Distributes a month's pool once: each member gives their pooled part and receives their
/// share, adjustments that sum to zero with shares that sum exactly to the pool.
pub fn distribute_pool(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    month: &str,
) -> Result<String, AppError> {
    let t = managed(conn, actor, id)?;
    let period = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| invalid("month", "Give the month as YYYY-MM."))?;
    if period > now().date() {
        return Err(invalid("month", "That month has not started yet."));
    }
    if tm::pool_run_exists(conn, id, period)? {
        return Err(invalid("month", "This month's pool has been distributed already."));
    }
    let parts = pool_for(conn, &t, period)?;
    let total: i64 = parts.iter().map(|p| p.2).sum();
    let rule = pool::parse_rule(&t.pool_rule, &t.pool_fixed).map_err(|m| invalid("month", m))?;
    let members: Vec<pool::Member> = parts
        .iter()
        .map(|&(id, earned, _)| pool::Member {
            id,
            production_cents: earned,
        })
        .collect();
    let shares = pool::distribute(total, &members, &rule).map_err(|m| invalid("month", m))?;
    let note = format!("{} pool, {}", t.name, period.format("%B %Y"));
    let entry = |payee: i64, amount: i64| NewEntry {
        policy_id: None,
        payee_kind: PayeeKind::Broker,
        payee_id: payee,
        role: PayeeRole::Pool,
        period,
        kind: EntryKind::Adjustment,
        amount_cents: amount,
        source: EntrySource::Manual,
        schedule_id: None,
        run_id: None,
        note: note.clone(),
        created_by: Some(actor.id),
        created_at: now(),
    };
    let mut entries: Vec<NewEntry> = parts.iter().filter(|p| p.2 != 0).map(|p| entry(p.0, -p.2)).collect();
    entries.extend(shares.iter().filter(|s| s.1 != 0).map(|s| entry(s.0, s.1)));
    ledger::insert_entries(conn, &entries)?;
    tm::insert_pool_run(conn, id, period, total, &t.pool_rule, Some(actor.id))?;
    audit::record(
        conn,
        who,
        "network.team_pool_distributed",
        "broker_team",
        Some(id),
        &format!("{} {}", period, total),
    )?;
    Ok(format!(
        "{} pooled for {} and shared among {} members.",
        format_cents(total),
        period.format("%B %Y"),
        members.len()
    ))
}

/// The member a team's referral goes to: the team's strategy from the routing engine (round-robin
/// unless the leader chose another) over the members who are available (not the referrer), each
/// weighed by their referral load and record. The engine's state moves on with the choice, in the
/// referral's transaction.
pub fn choose_receiver(conn: &mut DbConnection, team_id: i64, referrer: i64) -> Result<Option<Member>, AppError> {
    let Some(team) = tm::lock_team(conn, team_id)? else {
        return Ok(None);
    };
    let ids: Vec<i64> = tm::member_ids(conn, team_id)?
        .into_iter()
        .filter(|m| *m != referrer)
        .collect();
    let mut members = Vec::new();
    for m in model::members(conn, &ids)? {
        if model::profile(conn, m.id)?.is_some_and(|p| !p.available) {
            continue;
        }
        members.push(m);
    }
    let start_of_day = now().date().and_time(chrono::NaiveTime::MIN);
    let (by_status, today) = tm::receiver_load(conn, &ids, start_of_day)?;
    let mut loads: HashMap<i64, team_strategy::Load> = HashMap::new();
    for (who, status, n) in by_status {
        let (Some(who), n) = (who, u32::try_from(n).unwrap_or(u32::MAX)) else {
            continue;
        };
        let l = loads.entry(who).or_default();
        match status {
            ReferralStatus::Pending | ReferralStatus::Accepted => l.open += n,
            ReferralStatus::Converted => {
                l.converted += n;
                l.answered += n;
            }
            ReferralStatus::Declined | ReferralStatus::Expired => l.answered += n,
            ReferralStatus::ConsentNeeded | ReferralStatus::Stopped => {}
        }
    }
    for (who, n) in today {
        if let Some(who) = who {
            loads.entry(who).or_default().today = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }
    let candidates: Vec<crate::routing::Candidate> = members
        .iter()
        .map(|m| team_strategy::candidate(m.id, &m.name, team_id, loads.get(&m.id).copied().unwrap_or_default()))
        .collect();
    let eligible: Vec<&crate::routing::Candidate> = candidates.iter().collect();
    let rule = team_strategy::rule(team_id, &team.name, team_strategy::stored(&team.strategy));
    let lead = team_strategy::referral_lead();
    let mut state: crate::routing::RoutingState = serde_json::from_str(&team.routing_state).unwrap_or_default();
    if let std::collections::hash_map::Entry::Vacant(cursor) = state.rr_cursor.entry(team_id) {
        // A team from before the state was kept: round-robin moves on from its latest referral.
        if let Some(last) = tm::last_receiver(conn, team_id)? {
            cursor.insert(last);
        }
    }
    let Some((chosen, _)) = crate::routing::choose(&rule, &eligible, &lead, &mut state) else {
        return Ok(None);
    };
    let kept = serde_json::to_string(&state).map_err(|e| AppError::Internal(e.to_string()))?;
    tm::set_routing_state(conn, team_id, &kept)?;
    Ok(members.into_iter().find(|m| m.id == chosen))
}

/// How the team shares its referrals: one of the routing engine's strategies (weighted with
/// shares for members of the team). The leader or staff only; audited.
pub fn set_strategy(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    f: &StrategyForm,
) -> Result<(), AppError> {
    managed(conn, actor, id)?;
    let members = tm::member_ids(conn, id)?;
    let strategy = team_strategy::parse(&f.strategy, &f.shares, &members).map_err(|(field, msg)| {
        let mut e = FieldErrors::new();
        e.add(field, msg);
        AppError::Validation(e)
    })?;
    let json = serde_json::to_string(&strategy).map_err(|e| AppError::Internal(e.to_string()))?;
    tm::set_strategy(conn, id, &json)?;
    audit::record(conn, who, "network.team_strategy_saved", "broker_team", Some(id), &json)?;
    Ok(())
}

/// The team leaderboard: (team, referrals received, converted), most converted first.
pub fn team_board(conn: &mut DbConnection) -> Result<Vec<(String, i64, i64)>, AppError> {
    let mut out = Vec::new();
    for t in tm::teams(conn)? {
        let ids = tm::member_ids(conn, t.id)?;
        let (received, converted) = tm::team_counts(conn, &ids)?;
        out.push((t.name, received, converted));
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    Ok(out)
}

// ---- pages ----------------------------------------------------------------------------------

fn actor(user: &CurrentUser) -> NetworkActor {
    NetworkActor {
        id: user.id,
        role: user.role,
    }
}

#[derive(Template)]
#[template(path = "network/teams.html")]
struct TeamsPage {
    ctx: PageCtx,
    teams: Vec<(TeamRow, String, usize)>,
    staff: bool,
    brokers: Vec<Member>,
    errors: FieldErrors,
    name: String,
}

async fn teams_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
    name: String,
) -> AppResult<HttpResponse> {
    let staff = user.role.is_staff();
    let (teams, brokers) = state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            for t in tm::teams(c)? {
                let leader = model::member(c, t.leader_id)?.map(|m| m.name).unwrap_or_default();
                let n = tm::member_ids(c, t.id)?.len();
                out.push((t, leader, n));
            }
            let brokers = if staff { model::all_members(c, 500)? } else { Vec::new() };
            Ok((out, brokers))
        })
        .await?;
    render_status(
        crate::web::form_status(&errors),
        &TeamsPage {
            ctx,
            teams,
            staff,
            brokers,
            errors,
            name,
        },
    )
}

async fn list(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    teams_page(ctx, &state, &user, FieldErrors::new(), String::new()).await
}

#[derive(serde::Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    leader: String,
}

async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (a, who) = (actor(&user), user.audit());
    let (name, leader) = (f.name.clone(), f.leader.clone());
    match state.db.write(move |c| create_team(c, a, &who, &name, &leader)).await {
        Ok(id) => Ok(redirect_with(
            &session,
            &format!("/network/teams/{id}"),
            "success",
            "Team created.",
        )),
        Err(AppError::Validation(e)) => teams_page(ctx, &state, &user, e, f.name).await,
        Err(e) => Err(e),
    }
}

/// A member with what they earned and pooled in the month.
pub struct MemberRow {
    pub m: Member,
    pub earned: String,
    pub pooled: String,
}

#[derive(Template)]
#[template(path = "network/team.html")]
struct TeamPage {
    ctx: PageCtx,
    team: TeamRow,
    leader: String,
    manage: bool,
    members: Vec<MemberRow>,
    received: i64,
    converted: i64,
    month: String,
    pool_total: String,
    runs: Vec<(String, String, String)>,
    brokers: Vec<Member>,
    /// How referrals to the team are shared, as a sentence.
    sharing: String,
    /// The strategy's key and weighted shares, for the form.
    strategy_key: String,
    shares: String,
    strategies: &'static [(&'static str, &'static str)],
    errors: FieldErrors,
}

impl TeamPage {
    fn percent(&self) -> String {
        pool::percent(i64::from(self.team.pool_bps)).replace(" %", "")
    }
}

async fn team_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: FieldErrors,
    typed: Option<StrategyForm>,
) -> AppResult<HttpResponse> {
    let a = actor(user);
    let page = state
        .db
        .read(move |c| {
            let team = tm::team(c, id)?.ok_or(AppError::NotFound)?;
            let manage = a.role.is_staff() || team.leader_id == a.id;
            let today = now().date();
            let period = today.with_day(1).unwrap_or(today);
            let parts = pool_for(c, &team, period)?;
            let ids: Vec<i64> = parts.iter().map(|p| p.0).collect();
            let names: HashMap<i64, Member> = model::members(c, &ids)?.into_iter().map(|m| (m.id, m)).collect();
            let members = parts
                .iter()
                .filter_map(|(uid, earned, pooled)| {
                    names.get(uid).map(|m| MemberRow {
                        m: m.clone(),
                        earned: format_cents(*earned),
                        pooled: format_cents(*pooled),
                    })
                })
                .collect();
            let (received, converted) = tm::team_counts(c, &ids)?;
            let strategy = team_strategy::stored(&team.strategy);
            let name_of = |id: i64| {
                names
                    .get(&id)
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| format!("member {id}"))
            };
            Ok(TeamPage {
                sharing: team_strategy::describe(&strategy, name_of),
                // What was typed, on a form sent back with its error.
                strategy_key: typed
                    .as_ref()
                    .map_or_else(|| team_strategy::key(&strategy).to_string(), |f| f.strategy.clone()),
                shares: typed.map_or_else(|| team_strategy::shares_text(&strategy), |f| f.shares),
                strategies: &team_strategy::CHOICES,
                leader: model::member(c, team.leader_id)?.map(|m| m.name).unwrap_or_default(),
                manage,
                members,
                received,
                converted,
                month: period.format("%Y-%m").to_string(),
                pool_total: format_cents(parts.iter().map(|p| p.2).sum()),
                runs: tm::pool_runs(c, id)?
                    .into_iter()
                    .map(|(p, cents, rule, _)| (p.format("%B %Y").to_string(), format_cents(cents), rule))
                    .collect(),
                brokers: if manage {
                    model::all_members(c, 500)?
                } else {
                    Vec::new()
                },
                team,
                ctx,
                errors,
            })
        })
        .await?;
    render_status(crate::web::form_status(&page.errors), &page)
}

async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    team_page(ctx, &state, &user, path.into_inner(), FieldErrors::new(), None).await
}

#[derive(serde::Deserialize, Default)]
pub struct PoolForm {
    #[serde(default)]
    pub percent: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub fixed: String,
}

#[derive(serde::Deserialize, Default)]
pub struct StrategyForm {
    #[serde(default)]
    pub strategy: String,
    #[serde(default)]
    pub shares: String,
}

#[derive(serde::Deserialize)]
struct UserForm {
    #[serde(default)]
    user_id: String,
}

#[derive(serde::Deserialize)]
struct MonthForm {
    #[serde(default)]
    month: String,
}

/// Runs a team change and answers with the team page (422 with the message, the strategy form as
/// typed) or a redirect.
async fn team_change<F>(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    (id, typed): (i64, Option<StrategyForm>),
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection, NetworkActor, &AuditActor) -> Result<String, AppError> + Send + 'static,
{
    let (a, who) = (actor(&user), user.audit());
    match state.db.write(move |c| f(c, a, &who)).await {
        Ok(msg) => Ok(redirect_with(&session, &format!("/network/teams/{id}"), "success", msg)),
        Err(AppError::Validation(e)) => team_page(ctx, &state, &user, id, e, typed).await,
        Err(e) => Err(e),
    }
}

async fn add(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<UserForm>,
) -> AppResult<HttpResponse> {
    let (id, u) = (path.into_inner(), form.into_inner().user_id);
    team_change(ctx, user, session, state, (id, None), move |c, a, who| {
        add_member(c, a, who, id, &u)
    })
    .await
}

async fn remove(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<UserForm>,
) -> AppResult<HttpResponse> {
    let (id, u) = (path.into_inner(), form.into_inner().user_id);
    team_change(ctx, user, session, state, (id, None), move |c, a, who| {
        remove_member(c, a, who, id, &u)
    })
    .await
}

async fn save_pool(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<PoolForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    team_change(ctx, user, session, state, (id, None), move |c, a, who| {
        set_pool(c, a, who, id, &f).map(|_| "Pool saved.".to_string())
    })
    .await
}

async fn save_strategy(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<StrategyForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    let typed = StrategyForm {
        strategy: f.strategy.clone(),
        shares: f.shares.clone(),
    };
    team_change(ctx, user, session, state, (id, Some(typed)), move |c, a, who| {
        set_strategy(c, a, who, id, &f).map(|_| "Referral sharing saved.".to_string())
    })
    .await
}

async fn distribute(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MonthForm>,
) -> AppResult<HttpResponse> {
    let (id, m) = (path.into_inner(), form.into_inner().month);
    team_change(ctx, user, session, state, (id, None), move |c, a, who| {
        distribute_pool(c, a, who, id, &m)
    })
    .await
}
