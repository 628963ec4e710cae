//! The agency's view of the network (item 10), for owners and admins: members, connections,
//! referral volume and conversion by month, tiers, the leaderboard's top, the top connectors,
//! referrals stuck waiting for consent or acceptance, and the network rules (settings with their
//! sources), edited with validation.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, standing};
use super::view::{self, ReferralView};
use crate::audit;
use crate::auth::roles::STAFF;
use crate::auth::CurrentUser;
use crate::domain::network::ReferralStatus;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{form_status, redirect_with, render_status, AppState};

pub fn routes(r: &mut Routes) {
    r.get("/admin/network", Access::Roles(STAFF), overview).post(
        "/admin/network/rules",
        Access::Roles(STAFF),
        save_rules,
    );
}

/// A month of referral volume: (month, sent, converted, conversion).
pub type MonthVolume = (String, i64, i64, String);

#[derive(Template)]
#[template(path = "network/agency.html")]
struct AgencyPage {
    ctx: PageCtx,
    members: i64,
    connections: i64,
    statuses: Vec<(String, i64)>,
    months: Vec<MonthVolume>,
    tiers: Vec<(String, i64)>,
    top: Vec<standing::Standing>,
    connectors: Vec<(String, i64)>,
    stuck: Vec<ReferralView>,
    rules: Vec<(String, String, String, String)>,
    errors: FieldErrors,
}

impl AgencyPage {
    fn pts(&self, h: &i64) -> String {
        super::score::points(*h)
    }
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
    typed: Vec<(String, String)>,
) -> AppResult<HttpResponse> {
    let (uid, tz) = (user.id, user.time_zone);
    let page = state
        .db
        .read(move |c| {
            let statuses = model::counts_by_status(c)?
                .into_iter()
                .map(|(s, n)| {
                    (
                        s.parse::<ReferralStatus>().map(|s| s.label().to_string()).unwrap_or(s),
                        n,
                    )
                })
                .collect();
            let today = crate::dates::local_date(crate::db::now(), tz);
            let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
            let start = first.checked_sub_months(chrono::Months::new(11)).unwrap_or(first);
            let by_month = model::monthly_volume(c, start.and_hms_opt(0, 0, 0).unwrap_or_default())?;
            let months = (0..12)
                .filter_map(|k| start.checked_add_months(chrono::Months::new(k)))
                .map(|m| {
                    let key = m.format("%Y-%m").to_string();
                    let (sent, conv) = by_month.get(&key).copied().unwrap_or((0, 0));
                    let rate = if sent > 0 {
                        format!("{:.0} %", conv as f64 * 100.0 / sent as f64)
                    } else {
                        "–".into()
                    };
                    (m.format("%b %Y").to_string(), sent, conv, rate)
                })
                .collect();
            let connectors_raw = model::top_connectors(c, 10)?;
            let ids: Vec<i64> = connectors_raw.iter().map(|x| x.0).collect();
            let names: std::collections::HashMap<i64, String> =
                model::members(c, &ids)?.into_iter().map(|m| (m.id, m.name)).collect();
            let stuck = model::in_states(c, &[ReferralStatus::ConsentNeeded, ReferralStatus::Pending], 50)?;
            let mut rules = model::rules(c)?;
            for (k, v) in &typed {
                if let Some(r) = rules.iter_mut().find(|r| &r.0 == k) {
                    r.1 = v.clone();
                }
            }
            Ok(AgencyPage {
                ctx,
                members: model::member_count(c)?,
                connections: model::active_connection_count(c)?,
                statuses,
                months,
                tiers: standing::tier_counts(c)?,
                top: standing::leaderboard(c, 0, 10)?,
                connectors: connectors_raw
                    .into_iter()
                    .map(|(id, n)| (names.get(&id).cloned().unwrap_or_default(), n))
                    .collect(),
                stuck: view::referral_views(c, uid, stuck)?,
                rules,
                errors,
            })
        })
        .await?;
    render_status(form_status(&page.errors), &page)
}

async fn overview(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(ctx, &state, &user, FieldErrors::new(), Vec::new()).await
}

/// Checks and saves the rules: every value a whole number in its range, the tiers rising with
/// multipliers that never fall; nothing is saved unless all of it holds.
pub fn save(
    conn: &mut crate::db::DbConnection,
    staff: bool,
    who: &audit::AuditActor,
    typed: &[(String, String)],
) -> Result<(), AppError> {
    if !staff {
        return Err(AppError::NotFound);
    }
    let known = model::rules(conn)?;
    let mut e = FieldErrors::new();
    let mut pairs = Vec::new();
    for (key, _, label, _) in &known {
        let Some((_, raw)) = typed.iter().find(|(k, _)| k == key) else {
            continue;
        };
        let range = match key.as_str() {
            "referral_expiry_days" => 1..=365,
            "consent_link_hours" => 1..=2_160,
            k if k.ends_with("_points") => 1..=1_000_000,
            _ => 0..=10_000,
        };
        match raw.trim().parse::<i64>() {
            Ok(n) if range.contains(&n) => pairs.push((key.clone(), n.to_string())),
            _ => e.add(
                key,
                format!("{label}: a whole number from {} to {}.", range.start(), range.end()),
            ),
        }
    }
    if e.is_empty() {
        let mut all: Vec<(String, String)> = known.iter().map(|(k, v, _, _)| (k.clone(), v.clone())).collect();
        for (k, v) in &pairs {
            if let Some(x) = all.iter_mut().find(|x| &x.0 == k) {
                x.1 = v.clone();
            }
        }
        let mut tiers = super::score::Tiers::default();
        for (name, i) in [("silver", 1), ("gold", 2), ("platinum", 3), ("diamond", 4)] {
            for (k, v) in &all {
                let n: i64 = v.parse().unwrap_or(0);
                if *k == format!("tier_{name}_points") {
                    tiers.rules[i].min_hundredths = n * 100;
                } else if *k == format!("tier_{name}_bps") {
                    tiers.rules[i].multiplier_bps = n;
                }
            }
        }
        if let Err(m) = tiers.validate() {
            e.add("tiers", m);
        }
    }
    e.into_result()?;
    for (k, v) in &pairs {
        model::set_rule(conn, k, v)?;
    }
    // New tiers apply to every score: recompute them all now rather than at night.
    super::jobs::queue_scores(conn, &[])?;
    audit::record(
        conn,
        who,
        "network.rules_saved",
        "network_rules",
        None,
        &format!("{} values", pairs.len()),
    )?;
    Ok(())
}

async fn save_rules(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let typed: Vec<(String, String)> = form
        .into_inner()
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    let (staff, who, t) = (user.role.is_staff(), user.audit(), typed.clone());
    match state.db.write(move |c| save(c, staff, &who, &t)).await {
        Ok(()) => Ok(redirect_with(
            &session,
            "/admin/network",
            "success",
            "Network rules saved; every score is being recomputed under them.",
        )),
        Err(AppError::Validation(e)) => page(ctx, &state, &user, e, typed).await,
        Err(e) => Err(e),
    }
}
