//! The member's own network pages: the portal (a broker's home page), their score with its parts,
//! history, growth and forecast, and the leaderboard.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::advice::Advice;
use super::forecast;
use super::model::{self, standing};
use super::service::{self, NetworkActor, MEMBER_ROLES};
use super::view::{self, NetworkValue, ReferralView, StandingView};
use crate::auth::roles::Role;
use crate::auth::CurrentUser;
use crate::domain::money::format_cents;
use crate::domain::network::ReferralStatus;
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{render, see_other, AppState};

pub fn routes(r: &mut Routes) {
    r.get("/network", Access::Roles(MEMBER_ROLES), portal)
        .get("/network/score", Access::Roles(MEMBER_ROLES), score_page)
        .get("/network/leaderboard", Access::SignedIn, leaderboard);
}

pub fn actor(user: &CurrentUser) -> NetworkActor {
    NetworkActor {
        id: user.id,
        role: user.role,
    }
}

#[derive(Template)]
#[template(path = "network/portal.html")]
pub struct PortalPage {
    pub ctx: PageCtx,
    pub standing: StandingView,
    pub reach: [u32; 3],
    pub asked: i64,
    pub waiting: Vec<ReferralView>,
    pub sent: Vec<ReferralView>,
    pub earned_cents: i64,
    pub value: NetworkValue,
    pub advice: Vec<Advice>,
}

impl PortalPage {
    fn money(&self, c: &i64) -> String {
        format_cents(*c)
    }
}

/// The member's profile is there (a broker's is made on first need; anyone else who has not
/// joined is not found). A read on every view: the one write is a broker's first visit.
pub async fn ensure_member(state: &AppState, a: NetworkActor) -> AppResult<()> {
    let id = a.id;
    if state.db.read(move |c| Ok(model::profile(c, id)?.is_some())).await? {
        return Ok(());
    }
    state.db.write(move |c| service::member_profile(c, a).map(|_| ())).await
}

/// The portal's page for this member; an agent who has not joined is sent to the profile page.
pub async fn portal_page(ctx: PageCtx, state: &AppState, user: CurrentUser) -> AppResult<HttpResponse> {
    let a = actor(&user);
    let uid = user.id;
    match ensure_member(state, a).await {
        Ok(()) => {}
        Err(AppError::NotFound) => return Ok(see_other("/network/profile")),
        Err(e) => return Err(e),
    }
    let caches = state.caches.clone();
    let page = state
        .db
        .read(move |c| {
            let rules = super::rules::load(c)?;
            let standing = view::standing_of(c, &caches.network, uid, &rules)?;
            // The member's referrals both ways, read once for the lists and the advice.
            let sent = model::sent_by(c, uid, 1000)?;
            let received = model::received_by(c, uid, 1000)?;
            let advice = view::advice_for(c, &caches.network, uid, &standing, &sent, &received)?;
            let waiting: Vec<_> = received
                .into_iter()
                .filter(|r| r.status == ReferralStatus::Pending)
                .take(10)
                .collect();
            // Both lists' names and people in one read each.
            let mut both: Vec<_> = waiting;
            let n_waiting = both.len();
            both.extend(sent.into_iter().take(10));
            let mut waiting = view::referral_views(c, uid, both)?;
            let sent = waiting.split_off(n_waiting);
            let value = view::network_value(c, uid, &rules)?;
            Ok(PortalPage {
                ctx,
                reach: standing.reach(),
                asked: model::requests_waiting_for(c, uid)?,
                waiting,
                sent,
                earned_cents: value.direct_cents,
                value,
                standing,
                advice,
            })
        })
        .await?;
    render(&page)
}

async fn portal(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    portal_page(ctx, &state, user).await
}

/// A month's figures for the growth table.
pub struct MonthRow {
    pub month: String,
    pub score: String,
    pub connections: i64,
    pub referrals: i64,
}

#[derive(Template)]
#[template(path = "network/score.html")]
struct ScorePage {
    ctx: PageCtx,
    standing: StandingView,
    tiers: Vec<(String, String, String)>,
    months: Vec<MonthRow>,
    forecast_next: Option<String>,
    forecast_tier: Option<String>,
    history: Vec<(String, String, String)>,
    /// When the shown score was computed, in the viewer's time zone.
    computed: Option<String>,
}

impl ScorePage {
    fn pts(&self, h: &i64) -> String {
        super::score::points(*h)
    }
}

/// The score page: the parts with the member's numbers, the tiers, growth by month with a
/// linear forecast, and the history of recomputed scores.
async fn score_page(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let a = actor(&user);
    let tz = user.time_zone;
    super::pages::ensure_member(&state, a).await?;
    let uid = user.id;
    let caches = state.caches.clone();
    let page = state
        .db
        .read(move |c| {
            let rules = super::rules::load(c)?;
            let standing = view::standing_of(c, &caches.network, uid, &rules)?;
            let history_rows = standing::history(c, uid, 400)?;
            let months = growth(c, uid, &history_rows, tz)?;
            let points: Vec<f64> = months.iter().map(|m| m.1 as f64).collect();
            let forecast_next = forecast::next(&points).map(|v| super::score::points(v.round() as i64));
            let forecast_tier = standing.next.as_ref().map(|(name, _)| {
                let target = rules.tiers.rules.iter().find(|t| &t.name == name).map(|t| t.min_hundredths);
                match target.and_then(|t| forecast::months_until(&points, t as f64)) {
                    Some(0) => format!("You have reached {name}; the daily recomputation will show it."),
                    Some(n) => {
                        let when = chrono::Months::new(n);
                        let month = crate::db::now()
                            .date()
                            .checked_add_months(when)
                            .map(|d| d.format("%B %Y").to_string())
                            .unwrap_or_default();
                        format!("At this pace you would reach {name} around {month} (an estimate from a straight-line trend).")
                    }
                    None => format!(
                        "Your score is not rising month on month yet, so there is no estimate of when you reach {name}."
                    ),
                }
            });
            Ok(ScorePage {
                ctx,
                tiers: rules
                    .tiers
                    .rules
                    .iter()
                    .map(|t| {
                        (
                            t.name.clone(),
                            super::score::points(t.min_hundredths),
                            super::pool::percent(t.multiplier_bps),
                        )
                    })
                    .collect(),
                months: months
                    .into_iter()
                    .map(|(month, score, connections, referrals)| MonthRow {
                        month,
                        score: super::score::points(score),
                        connections,
                        referrals,
                    })
                    .collect(),
                forecast_next,
                forecast_tier,
                history: history_rows
                    .iter()
                    .rev()
                    .take(20)
                    .map(|(h, tier, at)| (crate::dates::date_time(*at, tz), super::score::points(*h), tier.clone()))
                    .collect(),
                computed: standing.computed_at.map(|t| crate::dates::date_time(t, tz)),
                standing,
            })
        })
        .await?;
    render(&page)
}

/// The last twelve months: (month, score at its end, connections made, referrals sent).
fn growth(
    c: &mut crate::db::DbConnection,
    uid: i64,
    history: &[(i64, String, chrono::NaiveDateTime)],
    tz: chrono_tz::Tz,
) -> Result<Vec<(String, i64, i64, i64)>, AppError> {
    let today = crate::dates::local_date(crate::db::now(), tz);
    let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
    let starts: Vec<chrono::NaiveDate> = (0..12)
        .rev()
        .filter_map(|k| first.checked_sub_months(chrono::Months::new(k)))
        .collect();
    let links = model::links_of(c, uid)?;
    let sent = model::sent_by(c, uid, 5000)?;
    let mut out = Vec::new();
    let mut last_score = 0;
    for s in &starts {
        let end = s.checked_add_months(chrono::Months::new(1)).unwrap_or(*s);
        let in_month = |t: &chrono::NaiveDateTime| {
            let d = crate::dates::local_date(*t, tz);
            d >= *s && d < end
        };
        if let Some((h, _, _)) = history
            .iter()
            .rev()
            .find(|(_, _, at)| crate::dates::local_date(*at, tz) < end)
        {
            last_score = *h;
        }
        out.push((
            s.format("%b %Y").to_string(),
            last_score,
            links.iter().filter(|(_, since)| in_month(since)).count() as i64,
            sent.iter().filter(|r| in_month(&r.created_at)).count() as i64,
        ));
    }
    // Drop the empty months before the member's first activity, so the trend starts with them.
    while out.len() > 1 && out[0].1 == 0 && out[0].2 == 0 && out[0].3 == 0 {
        out.remove(0);
    }
    Ok(out)
}

/// One leaderboard row as the page shows it.
pub struct BoardRow {
    pub place: i64,
    pub user_id: i64,
    pub name: String,
    pub score: String,
    pub tier: String,
    pub converted: i64,
}

#[derive(Template)]
#[template(path = "network/leaderboard.html")]
struct LeaderboardPage {
    ctx: PageCtx,
    month: bool,
    rows: Vec<BoardRow>,
    teams: std::sync::Arc<Vec<(String, i64, i64)>>,
    me: Option<i64>,
    page: i64,
    more: bool,
}

impl LeaderboardPage {
    fn is_me(&self, id: &i64) -> bool {
        self.me == Some(*id)
    }
}

#[derive(serde::Deserialize)]
struct BoardQuery {
    period: Option<String>,
    page: Option<i64>,
}

/// Rows on one page of the leaderboard.
pub const BOARD_PAGE: i64 = 50;

/// The leaderboard: all time by score, or this month by referrals converted; teams below.
async fn leaderboard(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let month = q.period.as_deref() == Some("month");
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let me = (user.role == Role::Broker || user.role == Role::Agent).then_some(user.id);
    let tz = user.time_zone;
    let start = month.then(|| month_start(crate::dates::local_date(crate::db::now(), tz)));
    let caches = state.caches.clone();
    let data = state
        .db
        .read(move |c| {
            let (rows, more) = board(c, start, page)?;
            let teams = caches
                .network
                .teams
                .get_or_load((), || super::teams::team_board(c).map(std::sync::Arc::new))?;
            Ok((rows, more, teams))
        })
        .await?;
    let (rows, more, teams) = data;
    render(&LeaderboardPage {
        ctx,
        month,
        rows,
        teams,
        me,
        page,
        more,
    })
}

/// Midnight on the first of `today`'s month: where "this month" on the leaderboard starts.
pub fn month_start(today: chrono::NaiveDate) -> chrono::NaiveDateTime {
    chrono::Datelike::with_day(&today, 1)
        .unwrap_or(today)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
}

/// A page of the leaderboard: all time by score, or (with the month's start) by referrals
/// converted since then; and whether another page follows. The page and the API share it.
pub fn board(
    c: &mut crate::db::DbConnection,
    month_start: Option<chrono::NaiveDateTime>,
    page: i64,
) -> Result<(Vec<BoardRow>, bool), AppError> {
    let offset = (page - 1) * BOARD_PAGE;
    let mut rows: Vec<BoardRow> = if let Some(start) = month_start {
        let counts = standing::converted_since(c, Some(start), BOARD_PAGE + 1 + offset)?;
        let ids: Vec<i64> = counts.iter().map(|(id, _)| *id).collect();
        let scores: std::collections::HashMap<i64, standing::ScoreRow> = standing::scores_of(c, &ids)?
            .into_iter()
            .map(|s| (s.user_id, s))
            .collect();
        let names: std::collections::HashMap<i64, String> =
            model::members(c, &ids)?.into_iter().map(|m| (m.id, m.name)).collect();
        counts
            .into_iter()
            .enumerate()
            .skip(offset as usize)
            .map(|(i, (id, n))| BoardRow {
                place: i as i64 + 1,
                user_id: id,
                name: names.get(&id).cloned().unwrap_or_default(),
                score: scores
                    .get(&id)
                    .map(|s| super::score::points(s.hundredths))
                    .unwrap_or_default(),
                tier: scores.get(&id).map(|s| s.tier.clone()).unwrap_or_default(),
                converted: n,
            })
            .collect()
    } else {
        // Conversions as each stored score counted them (the job recomputes a member's score
        // when one of their referrals converts).
        standing::leaderboard(c, offset, BOARD_PAGE + 1)?
            .into_iter()
            .enumerate()
            .map(|(i, s)| BoardRow {
                place: offset + i as i64 + 1,
                converted: s.converted,
                user_id: s.user_id,
                name: s.name,
                score: super::score::points(s.hundredths),
                tier: s.tier,
            })
            .collect()
    };
    let more = rows.len() as i64 > BOARD_PAGE;
    rows.truncate(BOARD_PAGE as usize);
    Ok((rows, more))
}
