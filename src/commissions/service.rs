//! Every change to commissions, each with its permission check first, its audit entry and its
//! jobs in the caller's transaction: schedule versions, CMS limits and rules, contract levels and
//! placements in the hierarchy, splits, manual adjustments, hold releases and runs.
//!
//! Who may do what: owners and admins keep schedules and splits, add adjustments and start a run;
//! the owner alone edits the CMS limits, the rules, levels and uplines, and releases holds.

use chrono::NaiveDate;

use super::allocate::{self, Payee, Share, WHOLE};
use super::engine::Book;
use super::model::{self, NewEntry, NewSchedule};
use super::rates::{self, Band, Rate};
use super::{cms, rules::Rules};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, Role, STAFF};
use crate::db::{now, DbConnection};
use crate::domain::commission::{CmsProduct, EntryKind, EntrySource, PayMode, PayeeKind, PayeeRole, RateBasis};
use crate::domain::money;
use crate::error::{AppError, FieldErrors};

/// Who sees commission amounts: staff every payee's; anyone else only their own (as an agent,
/// or as a broker for their referral splits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionViewer {
    Staff { user_id: i64 },
    Payee { user_id: i64, payees: Vec<Payee> },
}

impl CommissionViewer {
    pub fn load(conn: &mut DbConnection, user_id: i64, role: Role) -> Result<CommissionViewer, AppError> {
        if STAFF.contains(&role) {
            return Ok(CommissionViewer::Staff { user_id });
        }
        let mut payees = Vec::new();
        if let Some(agent) = crate::agents::model::find_agent_by_user(conn, user_id)?.map(|a| a.id) {
            payees.push(Payee::agent(agent));
        }
        if role == Role::Broker {
            payees.push(Payee {
                kind: PayeeKind::Broker,
                id: user_id,
            });
        }
        Ok(CommissionViewer::Payee { user_id, payees })
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, CommissionViewer::Staff { .. })
    }

    /// Whether the viewer may see this payee's amounts.
    pub fn may_see(&self, payee: Payee) -> bool {
        match self {
            CommissionViewer::Staff { .. } => true,
            CommissionViewer::Payee { payees, .. } => payees.contains(&payee),
        }
    }
}

fn staff(actor: Actor) -> Result<(), AppError> {
    if STAFF.contains(&actor.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn owner(actor: Actor) -> Result<(), AppError> {
    if actor.role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One line of text a person typed (a note, a source), cleaned; a hidden character is refused
/// against the field.
fn text_line(raw: &str, max: usize, field: &str) -> Result<String, AppError> {
    crate::text::clean_line(raw, max).map_err(|e| AppError::field(field, &e.message("text")))
}

fn date_field(e: &mut FieldErrors, field: &str, raw: &str, required: bool) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        if required {
            e.add(field, "Give a date.");
        }
        return None;
    }
    match raw.parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, format!("{raw:?} is not a date (YYYY-MM-DD)."));
            None
        }
    }
}

/// A percent as typed ("12.5", "12.5 %") in basis points.
pub fn parse_percent(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_end_matches('%').trim();
    if s.is_empty() {
        return Err("Give a percent.".into());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return Err(format!(
            "{:?} is not a percent (for example 12.5, at most two decimals).",
            raw.trim()
        ));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "The percent is too large.".to_string())?
    };
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    let bps = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or("The percent is too large.")?;
    if bps > WHOLE {
        return Err("A percent is at most 100.".into());
    }
    Ok(bps)
}

// ---- schedules ------------------------------------------------------------------------------

/// A schedule version as the form gives it (every field text).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScheduleInput {
    pub product_id: Option<i64>,
    pub state: String,
    pub min_age: String,
    pub max_age: String,
    pub effective_from: String,
    pub effective_to: String,
    pub basis: String,
    /// Percent ("12.5") or dollars ("250.00"), by the basis.
    pub first_year: String,
    /// Renewal bands, one per line or comma: "2: 5", "5: 2.5" (policy year: rate).
    pub renewal: String,
    pub pay_mode: String,
    pub advance_months: String,
    pub replaces_id: Option<i64>,
    pub note: String,
}

fn rate_value(basis: RateBasis, raw: &str) -> Result<i64, String> {
    match basis {
        RateBasis::Percent => parse_percent(raw),
        _ => money::parse_cents(raw),
    }
}

/// Records a new schedule version (a change is always a new version: what was computed from the
/// old one stays as it was).
pub fn create_schedule(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    input: &ScheduleInput,
) -> Result<i64, AppError> {
    staff(actor)?;
    let mut e = FieldErrors::new();
    let product = match input.product_id {
        Some(id) => match crate::policies::model::find_product(conn, id) {
            Ok(p) => Some(p),
            Err(diesel::result::Error::NotFound) => {
                e.add("product_id", "Choose a product.");
                None
            }
            Err(other) => return Err(other.into()),
        },
        None => {
            e.add("product_id", "Choose a product.");
            None
        }
    };
    let state = if input.state.trim().is_empty() {
        None
    } else {
        match crate::domain::parse_state(&input.state) {
            Ok(s) => Some(s.to_string()),
            Err(m) => {
                e.add("state", &m);
                None
            }
        }
    };
    let age = |e: &mut FieldErrors, field: &str, raw: &str| -> Option<i32> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<i32>() {
            Ok(n) if (0..=120).contains(&n) => Some(n),
            _ => {
                e.add(field, "Give an age from 0 to 120.");
                None
            }
        }
    };
    let (min_age, max_age) = (
        age(&mut e, "min_age", &input.min_age),
        age(&mut e, "max_age", &input.max_age),
    );
    if let (Some(a), Some(b)) = (min_age, max_age) {
        if a > b {
            e.add("max_age", "The highest age is at least the lowest.");
        }
    }
    let from = date_field(&mut e, "effective_from", &input.effective_from, true);
    let to = date_field(&mut e, "effective_to", &input.effective_to, false);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.add("effective_to", "The range ends on or after it starts.");
        }
    }
    let basis = input.basis.parse::<RateBasis>().ok();
    if basis.is_none() {
        e.add(
            "basis",
            "Choose a percent of premium, a flat amount per policy or an amount per life.",
        );
    }
    let pay_mode = input.pay_mode.parse::<PayMode>().ok();
    if pay_mode.is_none() {
        e.add("pay_mode", "Choose as earned or advanced.");
    }
    let mut first_year = None;
    let mut bands = Vec::new();
    if let Some(b) = basis {
        match rate_value(b, &input.first_year) {
            Ok(v) => first_year = Some(v),
            Err(m) => e.add("first_year", &m),
        }
        for part in input
            .renewal
            .split([',', '\n', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let Some((year, rate)) = part.split_once(':') else {
                e.add(
                    "renewal",
                    format!("{part:?}: write each band as year: rate (for example 2: 5)."),
                );
                break;
            };
            match (year.trim().parse::<i32>(), rate_value(b, rate)) {
                (Ok(y), Ok(r)) if (2..=100).contains(&y) => bands.push(Band { from_year: y, rate: r }),
                (Ok(_), Ok(_)) | (Err(_), _) => {
                    e.add(
                        "renewal",
                        format!("{part:?}: a renewal band starts at policy year 2 or later."),
                    );
                    break;
                }
                (_, Err(m)) => {
                    e.add("renewal", format!("{part:?}: {m}"));
                    break;
                }
            }
        }
    }
    let advance_months = if pay_mode == Some(PayMode::Advance) {
        match input.advance_months.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                e.add("advance_months", "Give the months advanced (1 to 12).");
                0
            }
        }
    } else {
        0
    };
    if let (Some(b), Some(f), Some(m)) = (basis, first_year, pay_mode) {
        let rate = Rate {
            basis: b,
            first_year: f,
            renewal: bands.clone(),
            pay_mode: m,
            advance_months,
        };
        for problem in rates::validate(&rate) {
            let field = if problem.contains("advance") {
                "advance_months"
            } else if problem.contains("band") {
                "renewal"
            } else {
                "first_year"
            };
            e.add(field, &problem);
        }
    }
    if let Some(id) = input.replaces_id {
        if model::find_schedule(conn, id).is_err() {
            e.add("replaces_id", "There is no such schedule.");
        }
    }
    e.into_result()?;
    let (Some(product), Some(from), Some(basis), Some(first_year), Some(pay_mode)) =
        (product, from, basis, first_year, pay_mode)
    else {
        return Err(AppError::internal("schedule validation passed with a missing field"));
    };
    let note = text_line(&input.note, 500, "note")?;
    let id = model::insert_schedule(
        conn,
        &NewSchedule {
            carrier_id: product.carrier_id,
            product_id: product.id,
            state,
            min_age,
            max_age,
            effective_from: from,
            effective_to: to,
            basis,
            first_year_rate: first_year,
            renewal_bands: serde_json::to_string(&bands).unwrap_or_else(|_| "[]".into()),
            pay_mode,
            advance_months: advance_months as i32,
            replaces_id: input.replaces_id,
            note,
            created_by: who.id,
            created_at: now(),
        },
    )?;
    audit::record(
        conn,
        who,
        "commission.schedule_created",
        "commission_schedule",
        Some(id),
        &format!("{} ({}), from {from}", product.name, basis.label()),
    )?;
    Ok(id)
}

// ---- CMS limits and rules -------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LimitInput {
    pub year: String,
    pub product: String,
    pub region: String,
    pub initial: String,
    pub renewal: String,
    pub referral: String,
    pub source: String,
}

/// Saves a CMS limit row (a new one when `id` is `None`), with the note of where it came from.
pub fn save_limit(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: Option<i64>,
    input: &LimitInput,
) -> Result<i64, AppError> {
    owner(actor)?;
    let old = match id {
        Some(id) => Some(model::find_limit(conn, id)?),
        None => None,
    };
    let mut e = FieldErrors::new();
    let year = input.year.trim().parse::<i32>().unwrap_or(0);
    let product = input.product.parse::<CmsProduct>().ok();
    if product.is_none() {
        e.add("product", "Choose Medicare Advantage or Part D.");
    }
    let region = {
        let r = input.region.trim();
        if r.is_empty() || r.eq_ignore_ascii_case(cms::NATIONAL) {
            cms::NATIONAL.to_string()
        } else {
            crate::domain::parse_state(r)
                .map(str::to_string)
                .unwrap_or_else(|_| r.to_uppercase())
        }
    };
    let cents = |e: &mut FieldErrors, field: &str, raw: &str| match money::parse_cents(raw) {
        Ok(c) => c,
        Err(m) => {
            e.add(field, &m);
            0
        }
    };
    let initial = cents(&mut e, "initial", &input.initial);
    let renewal = cents(&mut e, "renewal", &input.renewal);
    let referral = if input.referral.trim().is_empty() {
        None
    } else {
        Some(cents(&mut e, "referral", &input.referral))
    };
    let source = text_line(&input.source, 1_000, "source")?;
    if source.is_empty() {
        e.add("source", "Say where the figures come from (the CMS memo or rule).");
    }
    if let Some(product) = product {
        let limit = cms::Limit {
            year,
            product,
            region: region.clone(),
            initial_cents: initial,
            renewal_cents: renewal,
            referral_cents: referral,
        };
        for p in cms::validate(&limit) {
            let field = if p.contains("year") {
                "year"
            } else if p.contains("region") {
                "region"
            } else {
                "renewal"
            };
            e.add(field, &p);
        }
        let same_row = old
            .as_ref()
            .is_some_and(|o| o.year == year && o.product == product && o.region == region);
        if e.is_empty() && !same_row && model::limit_exists(conn, year, product, &region)? {
            e.add(
                "region",
                "There is already a limit for this year, product and region: change that one.",
            );
        }
        e.into_result()?;
        let saved = model::save_limit(conn, id, &limit, &source, who.id)?;
        let was = old
            .map(|o| {
                format!(
                    " (was {} / {})",
                    money::format_cents(o.initial_cents),
                    money::format_cents(o.renewal_cents)
                )
            })
            .unwrap_or_default();
        audit::record(
            conn,
            who,
            "commission.cms_limit_saved",
            "cms_limit",
            Some(saved),
            &format!(
                "{year} {} {region}: {} / {}{was}; source: {source}",
                product.label(),
                money::format_cents(initial),
                money::format_cents(renewal)
            ),
        )?;
        return Ok(saved);
    }
    Err(AppError::Validation(e))
}

/// Sets one commission rule, checked first; the audit entry says what it was.
pub fn set_rule(conn: &mut DbConnection, actor: Actor, who: &AuditActor, key: &str, raw: &str) -> Result<(), AppError> {
    owner(actor)?;
    let rows = model::rule_rows(conn)?;
    let Some(row) = rows.iter().find(|r| r.key == key) else {
        return Err(AppError::field("key", "There is no such rule."));
    };
    let value = Rules::check(key, raw).map_err(|m| AppError::field(key, &m))?;
    if value == row.value {
        return Ok(());
    }
    model::set_rule(conn, key, &value)?;
    audit::record(
        conn,
        who,
        "commission.rule_changed",
        "commission_rule",
        None,
        &format!("{} ({key}): {} → {value}", row.label, row.value),
    )?;
    Ok(())
}

// ---- levels and the hierarchy ---------------------------------------------------------------

/// Checks every agent's chain as it would be on `on` with the book changed: an upline below its
/// downline (a negative override, paying out more than the level allows) is refused.
fn check_chains(book: &Book, on: NaiveDate, agents: &[i64]) -> Result<(), String> {
    for agent in agents {
        allocate::validate_chain(&book.chain(*agent, on))?;
    }
    Ok(())
}

/// Adds a contract level with its first share.
pub fn create_level(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    name: &str,
    share: &str,
    from: &str,
) -> Result<i64, AppError> {
    owner(actor)?;
    let mut e = FieldErrors::new();
    let name = text_line(name, 100, "name")?;
    if name.is_empty() {
        e.add("name", "Give the level a name (for example Agent, Manager, Director).");
    } else if model::level_named(conn, &name)?.is_some() {
        e.add("name", "There is already a level of this name.");
    }
    let bps = parse_percent(share).map_err(|m| e.add("share", &m)).ok();
    let from = date_field(&mut e, "effective_from", from, true);
    e.into_result()?;
    let (Some(bps), Some(from)) = (bps, from) else {
        return Err(AppError::internal("level validation passed with a missing field"));
    };
    let id = model::insert_level(conn, &name)?;
    model::insert_level_rate(conn, id, bps as i32, from, who.id)?;
    audit::record(
        conn,
        who,
        "commission.level_created",
        "commission_level",
        Some(id),
        &format!("{name}: {} from {from}", allocate::percent(bps)),
    )?;
    Ok(id)
}

/// Gives a level a new share from a date (its history is kept).
pub fn set_level_share(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    level_id: i64,
    share: &str,
    from: &str,
) -> Result<(), AppError> {
    owner(actor)?;
    let level = model::levels(conn)?
        .into_iter()
        .find(|l| l.id == level_id)
        .ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let bps = parse_percent(share).map_err(|m| e.add("share", &m)).ok();
    let from = date_field(&mut e, "effective_from", from, true);
    e.into_result()?;
    let (Some(bps), Some(from)) = (bps, from) else {
        return Err(AppError::internal("level validation passed with a missing field"));
    };
    let id = model::insert_level_rate(conn, level_id, bps as i32, from, who.id)?;
    let book = Book::load(conn)?;
    let agents: Vec<i64> = model::hierarchy(conn)?.iter().map(|h| h.agent_id).collect();
    if let Err(m) = check_chains(&book, from, &agents) {
        return Err(AppError::field("share", &m));
    }
    audit::record(
        conn,
        who,
        "commission.level_share_changed",
        "commission_level",
        Some(level_id),
        &format!("{}: {} from {from} (rate {id})", level.name, allocate::percent(bps)),
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlacementInput {
    pub agent_id: Option<i64>,
    pub level_id: Option<i64>,
    /// Empty: the agent reports to the agency.
    pub upline_agent_id: Option<i64>,
    pub effective_from: String,
    pub note: String,
}

/// Places an agent at a level under an upline from a date; refuses a loop and an upline below
/// the agent's level.
pub fn place_agent(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    input: &PlacementInput,
) -> Result<i64, AppError> {
    owner(actor)?;
    let mut e = FieldErrors::new();
    let agent = match input.agent_id {
        Some(id) => crate::agents::model::find_agent(conn, id)
            .ok()
            .map(|(a, u)| (a.id, u.name)),
        None => None,
    };
    if agent.is_none() {
        e.add("agent_id", "Choose an agent.");
    }
    let levels = model::levels(conn)?;
    let level = input.level_id.and_then(|id| levels.iter().find(|l| l.id == id));
    if level.is_none() {
        e.add("level_id", "Choose a contract level.");
    }
    let upline = match input.upline_agent_id {
        Some(id) if Some(id) == input.agent_id => {
            e.add("upline_agent_id", "An agent cannot be their own upline.");
            None
        }
        Some(id) => match crate::agents::model::find_agent(conn, id) {
            Ok((a, u)) => Some((a.id, u.name)),
            Err(_) => {
                e.add("upline_agent_id", "There is no such agent.");
                None
            }
        },
        None => None,
    };
    let from = date_field(&mut e, "effective_from", &input.effective_from, true);
    e.into_result()?;
    let (Some((agent_id, agent_name)), Some(level), Some(from)) = (agent, level, from) else {
        return Err(AppError::internal("placement validation passed with a missing field"));
    };
    let note = text_line(&input.note, 500, "note")?;
    let id = model::insert_hierarchy(
        conn,
        agent_id,
        level.id,
        upline.as_ref().map(|u| u.0),
        from,
        &note,
        who.id,
    )?;
    // With the new row in place: no loop above the agent, and no negative override for them or
    // anyone below them.
    let book = Book::load(conn)?;
    let mut seen = vec![agent_id];
    let mut at = upline.as_ref().map(|u| u.0);
    while let Some(a) = at {
        if seen.contains(&a) {
            return Err(AppError::field(
                "upline_agent_id",
                "This upline reports (directly or not) to the agent: the hierarchy would go round in a loop.",
            ));
        }
        seen.push(a);
        at = book.placement(a, from).and_then(|(_, up)| up);
    }
    let everyone: Vec<i64> = model::hierarchy(conn)?.iter().map(|h| h.agent_id).collect();
    if let Err(m) = check_chains(&book, from, &everyone) {
        return Err(AppError::field("level_id", &m));
    }
    audit::record(
        conn,
        who,
        "commission.agent_placed",
        "agent",
        Some(agent_id),
        &format!(
            "{agent_name}: {} under {} from {from}",
            level.name,
            upline.map(|u| u.1).unwrap_or_else(|| "the agency".into())
        ),
    )?;
    Ok(id)
}

// ---- splits ---------------------------------------------------------------------------------

/// One row of the split form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShareInput {
    /// "agent:12", "broker:40" (a user), "pool:3" (a team).
    pub payee: String,
    pub role: String,
    pub percent: String,
}

/// Parses a payee key of the split form.
pub fn parse_payee(raw: &str) -> Option<Payee> {
    let (kind, id) = raw.trim().split_once(':')?;
    let kind = kind.parse::<PayeeKind>().ok()?;
    let id = id.trim().parse::<i64>().ok()?;
    (kind != PayeeKind::Agency).then_some(Payee { kind, id })
}

/// A split as the form gives it: the rows, which row takes the rounding cents, from when, why.
#[derive(Debug, Clone, Default)]
pub struct SplitInput {
    pub rows: Vec<ShareInput>,
    pub remainder: usize,
    pub effective_from: String,
    pub note: String,
}

/// Records a policy's split from a date: shares that total exactly 100 %, each payee real, the
/// remainder to the payee named (`remainder` is the row's index).
pub fn save_split(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    policy_id: i64,
    input: &SplitInput,
) -> Result<i64, AppError> {
    let (rows, remainder, from, note) = (
        &input.rows,
        input.remainder,
        input.effective_from.as_str(),
        input.note.as_str(),
    );
    staff(actor)?;
    let policy = crate::policies::model::find(conn, policy_id).map_err(|_| AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let from = date_field(&mut e, "effective_from", from, true);
    if from.is_some_and(|f| f < policy.effective_on) {
        e.add(
            "effective_from",
            "A split starts on or after the policy's effective date.",
        );
    }
    let mut shares = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.payee.trim().is_empty() && r.percent.trim().is_empty() {
            continue;
        }
        let field = format!("share_{i}");
        let Some(payee) = parse_payee(&r.payee) else {
            e.add(&field, "Choose a payee.");
            continue;
        };
        let exists = match payee.kind {
            PayeeKind::Agent => crate::agents::model::find_agent(conn, payee.id).is_ok(),
            PayeeKind::Broker => {
                crate::auth::model::find_user(conn, payee.id).is_ok_and(|u| u.role == Role::Broker.as_str())
            }
            PayeeKind::Pool => crate::agents::model::find_team(conn, payee.id).is_ok(),
            PayeeKind::Agency => false,
        };
        if !exists {
            e.add(&field, "There is no such payee.");
            continue;
        }
        let role = r.role.parse::<PayeeRole>().ok().filter(|r| {
            matches!(
                (payee.kind, r),
                (PayeeKind::Agent, PayeeRole::Writing | PayeeRole::Split)
                    | (PayeeKind::Broker, PayeeRole::Referral)
                    | (PayeeKind::Pool, PayeeRole::Pool)
            )
        });
        let Some(role) = role else {
            e.add(
                &field,
                "An agent is the writing or a split agent, a broker refers, a team is a pool.",
            );
            continue;
        };
        match parse_percent(&r.percent) {
            Ok(bps) => shares.push(Share {
                payee,
                role,
                bps,
                remainder: i == remainder,
            }),
            Err(m) => e.add(&field, &m),
        }
    }
    if e.is_empty() {
        if !shares.iter().any(|s| s.remainder) {
            e.add("remainder", "Name the payee who takes the cents left by rounding.");
        } else if let Err(m) = allocate::validate_split(&shares) {
            e.add("shares", &m);
        }
    }
    e.into_result()?;
    let Some(from) = from else {
        return Err(AppError::internal("split validation passed without a date"));
    };
    let id = model::insert_split(conn, policy_id, from, &text_line(note, 500, "note")?, who.id, &shares)?;
    let summary = shares
        .iter()
        .map(|s| format!("{} {} {}", s.payee.kind.as_str(), s.payee.id, allocate::percent(s.bps)))
        .collect::<Vec<_>>()
        .join(", ");
    audit::record(
        conn,
        who,
        "commission.split_saved",
        "policy",
        Some(policy_id),
        &format!("{}: {summary} from {from}", policy.policy_number),
    )?;
    Ok(id)
}

// ---- adjustments, holds, runs ---------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AdjustmentInput {
    pub payee: String,
    /// Dollars, with a minus sign to take money back ("-25.00").
    pub amount: String,
    pub period: String,
    pub note: String,
}

/// A manual correction on a policy: a new entry with who and why (the ledger is never edited).
pub fn add_adjustment(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    policy_id: i64,
    input: &AdjustmentInput,
) -> Result<i64, AppError> {
    staff(actor)?;
    let policy = crate::policies::model::find(conn, policy_id).map_err(|_| AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let payee = parse_payee(&input.payee).or_else(|| (input.payee.trim() == "agency").then_some(Payee::AGENCY));
    if payee.is_none() {
        e.add("payee", "Choose who the adjustment is for.");
    }
    let raw = input.amount.trim();
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let amount = match money::parse_cents(digits) {
        Ok(0) => {
            e.add("amount", "An adjustment is not zero.");
            0
        }
        Ok(c) => {
            if negative {
                -c
            } else {
                c
            }
        }
        Err(m) => {
            e.add("amount", &m);
            0
        }
    };
    let period =
        date_field(&mut e, "period", &format!("{}-01", input.period.trim()), true).map(super::engine::month_of);
    let note = text_line(&input.note, 500, "note")?;
    if note.is_empty() {
        e.add("note", "Say why (it stays on the ledger).");
    }
    e.into_result()?;
    let (Some(payee), Some(period)) = (payee, period) else {
        return Err(AppError::internal("adjustment validation passed with a missing field"));
    };
    let role = match payee.kind {
        PayeeKind::Agent if payee.id == policy.agent_id => PayeeRole::Writing,
        PayeeKind::Agent => PayeeRole::Split,
        PayeeKind::Broker => PayeeRole::Referral,
        PayeeKind::Pool => PayeeRole::Pool,
        PayeeKind::Agency => PayeeRole::House,
    };
    let entry = NewEntry {
        policy_id: Some(policy_id),
        payee_kind: payee.kind,
        payee_id: payee.id,
        role,
        period,
        kind: EntryKind::Adjustment,
        amount_cents: amount,
        source: EntrySource::Manual,
        schedule_id: None,
        run_id: None,
        note: note.clone(),
        created_by: who.id,
        created_at: now(),
    };
    model::insert_entries(conn, std::slice::from_ref(&entry))?;
    audit::record(
        conn,
        who,
        "commission.adjusted",
        "policy",
        Some(policy_id),
        &format!(
            "{}: {} to {} {} ({note})",
            policy.policy_number,
            money::format_cents(amount),
            payee.kind.as_str(),
            payee.id
        ),
    )?;
    Ok(policy_id)
}

/// Releases a licence hold, with the owner's reason.
pub fn release_hold(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    hold_id: i64,
    reason: &str,
) -> Result<bool, AppError> {
    owner(actor)?;
    let hold = model::find_hold(conn, hold_id)?;
    let reason = text_line(reason, 500, "reason")?;
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "Say why the commission may be paid (it stays on record).",
        ));
    }
    let released = model::release_hold(conn, hold_id, who.id, &reason)?;
    if released {
        audit::record(
            conn,
            who,
            "commission.hold_released",
            "policy",
            Some(hold.policy_id),
            &format!("agent {}: {reason}", hold.agent_id),
        )?;
    }
    Ok(released)
}

/// Queues a computation of a month ("2026-11").
pub fn request_run(conn: &mut DbConnection, actor: Actor, who: &AuditActor, month: &str) -> Result<i64, AppError> {
    staff(actor)?;
    let period = format!("{}-01", month.trim())
        .parse::<NaiveDate>()
        .map_err(|_| AppError::field("month", "Choose a month."))?;
    let run = super::jobs::queue(conn, period, who.id)?;
    audit::record(
        conn,
        who,
        "commission.run_requested",
        "commission_run",
        Some(run),
        &format!("{}", period.format("%B %Y")),
    )?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_are_read_as_basis_points() {
        assert_eq!(parse_percent("12.5"), Ok(1_250));
        assert_eq!(parse_percent("12.5 %"), Ok(1_250));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert_eq!(parse_percent(".25"), Ok(25));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("1.234").is_err());
        assert!(parse_percent("ten").is_err());
    }

    #[test]
    fn payee_keys() {
        assert_eq!(parse_payee("agent:12"), Some(Payee::agent(12)));
        assert_eq!(parse_payee("pool:3").map(|p| p.kind), Some(PayeeKind::Pool));
        assert_eq!(parse_payee("agency:0"), None);
        assert_eq!(parse_payee("x"), None);
    }
}
