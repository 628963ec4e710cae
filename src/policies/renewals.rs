//! The renewals list, the agent's notice, the renewal offer, renewed (a linked new term) or
//! declined (item 7).
//!
//! `renewal_notice_days` before its term end an active policy gets its renewal row (due) and its
//! agent a notification and an e-mail; the row is what makes the notice go out once. The agent
//! records the offer (new premium, new term end), then either renewed — a new policy for the new
//! term, linked with `renewal_of_id`, with its own schedule, pending its first premium (the old
//! term runs to its end and the daily run expires it) — or declined (the daily run makes the
//! policy Non-renewed at its term end).

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, Months, NaiveDate};

use super::model::money as queries;
use super::model::{self, NewPolicy, PolicyRow, RenewalRow};
use super::payments::{field, parse_date, PolicyForm, Typed};
use super::schedule;
use super::service::{self, Viewer};
use super::view::PolicyPage;
use super::POLICY_USERS;
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::domain::money::{decimal_cents, format_cents, parse_cents};
use crate::domain::policy::{BillingFrequency, PolicySource, PolicyStatus, RenewalStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::leads::model::Scope;
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{render, AppState};

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/policies/renewals", Access::Roles(POLICY_USERS), index);
    r.post("/policies/{id}/renewal/offer", Access::Roles(POLICY_USERS), offer);
    r.post("/policies/{id}/renewal/acceptance", Access::Roles(POLICY_USERS), accept);
    r.post("/policies/{id}/renewal/decline", Access::Roles(POLICY_USERS), decline);
}

// ---- the rules (pure) ------------------------------------------------------------------------

/// The renewal rate as people read it ("66.7%"): renewed ÷ (renewed + declined + terms that
/// ended without a renewal); none when nothing was decided.
pub fn rate(renewed: i64, declined: i64, unrenewed: i64) -> Option<String> {
    let all = renewed + declined + unrenewed;
    if all <= 0 {
        return None;
    }
    let permille = (renewed * 1000 + all / 2) / all;
    Some(format!("{}.{}%", permille / 10, permille % 10))
}

/// A checked renewal offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub premium_cents: i64,
    pub term_end_on: NaiveDate,
}

/// Checks an offer for the term after `p`'s: a premium, and a new term end after the current
/// one, at most ten years on and long enough for one instalment.
pub fn parse_offer(f: &Typed, term_end_on: NaiveDate, frequency: BillingFrequency) -> Result<Offer, FieldErrors> {
    let mut e = FieldErrors::new();
    let premium = match parse_cents(field(f, "offer_premium")) {
        Ok(c) => Some(c),
        Err(m) => {
            e.add("offer_premium", m);
            None
        }
    };
    let end = match parse_date(field(f, "offer_term_end"), "new term's end date") {
        Ok(d) if d <= term_end_on => {
            e.add("offer_term_end", "The new term ends after the current one.");
            None
        }
        Ok(d) if d > term_end_on.checked_add_months(Months::new(120)).unwrap_or(d) => {
            e.add("offer_term_end", "A term is at most ten years.");
            None
        }
        Ok(d) if schedule::count(term_end_on, d, frequency) == 0 => {
            e.add("offer_term_end", "The new term is too short for one instalment.");
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            e.add("offer_term_end", m);
            None
        }
    };
    match (premium, end) {
        (Some(premium_cents), Some(term_end_on)) => Ok(Offer {
            premium_cents,
            term_end_on,
        }),
        _ => Err(e),
    }
}

/// The new term's policy: the old one's insured, agent, product and values, from its term end
/// to the offered end at the offered premium, pending its first premium.
pub fn next_term(p: &PolicyRow, r: &RenewalRow, number: String, by: Option<i64>) -> Option<NewPolicy> {
    let at = now();
    Some(NewPolicy {
        contact_id: p.contact_id,
        agent_id: p.agent_id,
        carrier_id: p.carrier_id,
        product_id: p.product_id,
        lead_id: p.lead_id,
        soa_id: p.soa_id,
        renewal_of_id: Some(p.id),
        policy_number: number,
        insured_name: p.insured_name.clone(),
        status: PolicyStatus::PendingPayment,
        product_line: p.product_line,
        submitted_on: at.date(),
        effective_on: p.term_end_on,
        term_end_on: r.offered_term_end_on?,
        premium_cents: r.offered_premium_cents?,
        billing_frequency: p.billing_frequency,
        lives: p.lives,
        plan_year: p.plan_year.map(|_| chrono::Datelike::year(&p.term_end_on)),
        enrollment_type: p.enrollment_type,
        coverage: p.coverage.clone(),
        insured_street: p.insured_street.clone(),
        insured_city: p.insured_city.clone(),
        insured_state: p.insured_state.clone(),
        insured_zip: p.insured_zip.clone(),
        source: PolicySource::Renewal,
        created_by: by,
        created_at: at,
        updated_at: at,
        status_changed_at: at,
    })
}

/// The number the new term is offered under by default (numbers are unique at a carrier).
pub fn suggested_number(p: &PolicyRow) -> String {
    let year = chrono::Datelike::year(&p.term_end_on);
    format!("{}-{year}", p.policy_number)
}

// ---- the changes -----------------------------------------------------------------------------

/// Notifies each agent, once, of their policies whose term ends within the notice window (the
/// `renewal_notice_days` rule) and puts them on the renewals list; returns how many were
/// notified. The daily sweep calls it.
pub fn renewal_notices(conn: &mut DbConnection, today: NaiveDate, base_url: &str) -> Result<usize, AppError> {
    let rules = service::rules(conn)?;
    let until = today + Duration::days(rules.renewal_notice_days);
    let mut sent = 0;
    for p in queries::coming_due(conn, today, until)? {
        // The policy row first, as an agent's renewal step takes it, so the two wait in one order.
        queries::lock_policy(conn, p.id)?;
        if !queries::open_renewal(conn, p.id, Some(now()))? {
            continue;
        }
        let days = (p.term_end_on - today).num_days();
        let (_, user) = crate::agents::model::find_agent(conn, p.agent_id)?;
        let ends = crate::dates::date(p.term_end_on);
        let link = format!("/policies/{}", p.id);
        crate::notifications::model::notify(
            conn,
            user.id,
            "renewal_due",
            &format!(
                "{}'s policy {} ends on {ends} ({days} days): record the renewal offer.",
                p.insured_name, p.policy_number
            ),
            &link,
        )?;
        crate::jobs::enqueue_email(
            conn,
            &crate::jobs::EmailJob {
                to: user.email.clone(),
                subject: format!("Renewal due: {} ({})", p.insured_name, p.policy_number),
                body: format!(
                    "Hello {},\n\n{}'s policy {} ends on {ends}, in {days} days. Record the renewal offer, then whether it \
                     was renewed or declined:\n{base_url}{link}\n",
                    user.name, p.insured_name, p.policy_number
                ),
            },
        )?;
        let details = serde_json::json!({ "term_end_on": p.term_end_on, "days": days }).to_string();
        model::add_event(conn, &Viewer::system().event(p.id, "renewal_due", &details))?;
        sent += 1;
    }
    Ok(sent)
}

/// The policy and its renewal row for a renewal step: an active policy the viewer sees; the
/// row is made when the agent starts before the notice window.
fn renewable(conn: &mut DbConnection, viewer: &Viewer, policy_id: i64) -> Result<(PolicyRow, RenewalRow), AppError> {
    queries::lock_policy(conn, policy_id)?;
    let p = service::visible_policy(conn, viewer, policy_id)?;
    if p.status != PolicyStatus::Active {
        return Err(AppError::field(
            "renewal",
            &format!(
                "Renewals are recorded for active policies; this one is {}.",
                p.status.label().to_lowercase()
            ),
        ));
    }
    queries::open_renewal(conn, policy_id, None)?;
    let r = model::renewal(conn, policy_id)?.ok_or_else(|| AppError::internal("renewal row just written"))?;
    if matches!(r.status, RenewalStatus::Renewed | RenewalStatus::Declined) {
        return Err(AppError::field(
            "renewal",
            &format!("The renewal is already {}.", r.status.label().to_lowercase()),
        ));
    }
    Ok((p, r))
}

/// Records (or replaces) the renewal offer.
pub fn record_offer(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    form: &Typed,
) -> Result<String, AppError> {
    let (p, _) = renewable(conn, viewer, policy_id)?;
    let o = parse_offer(form, p.term_end_on, p.billing_frequency).map_err(AppError::Validation)?;
    queries::record_offer(conn, policy_id, o.premium_cents, o.term_end_on)?;
    let details = serde_json::json!({ "premium_cents": o.premium_cents, "term_end_on": o.term_end_on }).to_string();
    model::add_event(conn, &viewer.event(policy_id, "renewal_offered", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.renewal_offered",
        "policy",
        Some(policy_id),
        &format!(
            "{} {} to {}",
            p.policy_number,
            format_cents(o.premium_cents),
            o.term_end_on
        ),
    )?;
    Ok(format!(
        "The renewal offer is recorded: {} {} until {}.",
        format_cents(o.premium_cents),
        p.billing_frequency.label().to_lowercase(),
        crate::dates::date(o.term_end_on)
    ))
}

/// The offer was taken: the new term is recorded as its own policy (linked to this one, with its
/// schedule), pending its first premium; `policy.renewed` goes out for it. Returns its id.
pub fn renew(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    form: &Typed,
) -> Result<i64, AppError> {
    let (p, r) = renewable(conn, viewer, policy_id)?;
    if r.status != RenewalStatus::Offered {
        return Err(AppError::field("renewal", "Record the renewal offer first."));
    }
    let mut e = FieldErrors::new();
    let number = match crate::text::clean_line(field(form, "new_policy_number"), 60) {
        Ok(n) if n.is_empty() => {
            e.add("new_policy_number", "Give the new term's policy number.");
            n
        }
        Ok(n) => n,
        Err(err) => {
            e.add("new_policy_number", err.message("policy number"));
            String::new()
        }
    };
    if !number.is_empty() && model::find_by_number(conn, p.carrier_id, &number)?.is_some() {
        e.add(
            "new_policy_number",
            format!("The carrier already has a policy numbered {number}; the new term needs its own number."),
        );
    }
    e.into_result()?;
    let new =
        next_term(&p, &r, number, viewer.user_id).ok_or_else(|| AppError::internal("offer without its values"))?;
    let new_id = model::insert_policy(conn, &new)?;
    let sched = schedule::instalments(
        new.effective_on,
        new.term_end_on,
        new.billing_frequency,
        new.premium_cents,
    );
    model::insert_instalments(conn, new_id, &sched)?;
    let details = serde_json::json!({
        "policy_number": new.policy_number,
        "source": PolicySource::Renewal.as_str(),
        "renewal_of_id": p.id,
        "premium_cents": new.premium_cents,
        "billing_frequency": new.billing_frequency.as_str(),
    })
    .to_string();
    let mut ev = viewer.event(new_id, "issued", &details);
    ev.to_status = Some(PolicyStatus::PendingPayment);
    model::add_event(conn, &ev)?;
    queries::record_renewed(conn, policy_id, new_id)?;
    let old_details =
        serde_json::json!({ "renewed_policy_id": new_id, "policy_number": new.policy_number }).to_string();
    model::add_event(conn, &viewer.event(policy_id, "renewed", &old_details))?;
    super::webhooks::emit(conn, "policy.renewed", new_id)?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.renewed",
        "policy",
        Some(policy_id),
        &format!("{} renewed as {} (policy {new_id})", p.policy_number, new.policy_number),
    )?;
    Ok(new_id)
}

/// The renewal was declined: the policy runs to its term end, where the daily run makes it
/// Non-renewed.
pub fn record_decline(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    form: &Typed,
) -> Result<String, AppError> {
    let (p, _) = renewable(conn, viewer, policy_id)?;
    let reason = crate::text::clean_line(field(form, "decline_reason"), 500)
        .map_err(|err| AppError::field("decline_reason", &err.message("reason")))?;
    queries::record_declined(conn, policy_id, &reason)?;
    let details = serde_json::json!({ "reason": reason }).to_string();
    model::add_event(conn, &viewer.event(policy_id, "renewal_declined", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.renewal_declined",
        "policy",
        Some(policy_id),
        &format!("{}: {reason}", p.policy_number),
    )?;
    Ok(format!(
        "The renewal is declined: the policy ends non-renewed after {}.",
        crate::dates::date(p.term_end_on)
    ))
}

// ---- the policy page's section ---------------------------------------------------------------

impl PolicyPage {
    pub fn renewal_status(&self) -> RenewalStatus {
        self.renewal.as_ref().map(|r| r.status).unwrap_or(RenewalStatus::None)
    }

    /// Whether the viewer can still record the offer, renewed or declined.
    pub fn renewal_open(&self) -> bool {
        self.policy.status == PolicyStatus::Active
            && matches!(self.renewal_status(), RenewalStatus::None | RenewalStatus::Offered)
    }

    pub fn renewal_due_on(&self) -> NaiveDate {
        self.policy.term_end_on - Duration::days(self.rules.renewal_notice_days)
    }

    pub fn offer_premium(&self) -> String {
        let offered = self.renewal.as_ref().and_then(|r| r.offered_premium_cents);
        self.typed_or(
            "offer_premium",
            &decimal_cents(offered.unwrap_or(self.policy.premium_cents)),
        )
    }

    pub fn offer_term_end(&self) -> String {
        let offered = self.renewal.as_ref().and_then(|r| r.offered_term_end_on);
        let default = offered
            .or_else(|| self.policy.term_end_on.checked_add_months(Months::new(12)))
            .map(|d| d.to_string())
            .unwrap_or_default();
        self.typed_or("offer_term_end", &default)
    }

    pub fn new_policy_number(&self) -> String {
        self.typed_or("new_policy_number", &suggested_number(&self.policy))
    }

    pub fn offered_premium_s(&self) -> String {
        self.renewal
            .as_ref()
            .and_then(|r| r.offered_premium_cents)
            .map(format_cents)
            .unwrap_or_default()
    }
}

// ---- handlers --------------------------------------------------------------------------------

pub async fn offer(form: PolicyForm) -> AppResult<HttpResponse> {
    form.submit(record_offer, "renewal").await
}

pub async fn decline(form: PolicyForm) -> AppResult<HttpResponse> {
    // A decision moves the renewal rate: the page shows it at once.
    let caches = form.state.caches.clone();
    let answer = form.submit(record_decline, "renewal").await;
    caches.policies.renewal_outcomes.clear();
    answer
}

/// Renewed: to the new term's page, or the old one's again with 422.
pub async fn accept(f: PolicyForm) -> AppResult<HttpResponse> {
    let written = f.write(renew).await;
    f.state.caches.policies.renewal_outcomes.clear();
    match written {
        Ok(new_id) => Ok(crate::web::redirect_with(
            &f.session,
            &format!("/policies/{new_id}"),
            "success",
            "Renewed: this is the new term, pending its first premium. The previous term runs to its end.",
        )),
        Err(e) => f.answer(Err(e), "renewal").await,
    }
}

/// One line of the renewals list.
pub struct RenewalItem {
    pub policy: PolicyRow,
    pub renewal: RenewalRow,
    pub agent: String,
    pub days_left: i64,
}

impl RenewalItem {
    pub fn premium(&self) -> String {
        format_cents(self.policy.premium_cents)
    }

    pub fn offered(&self) -> String {
        self.renewal.offered_premium_cents.map(format_cents).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "policies/renewals.html")]
pub struct RenewalsPage {
    pub ctx: PageCtx,
    pub staff: bool,
    pub rows: Vec<RenewalItem>,
    pub notice_days: i64,
    pub rate: Option<String>,
    pub renewed: i64,
    pub declined: i64,
    pub unrenewed: i64,
    /// The next page (keyset: after the last row's policy), and the first when on a later one.
    pub next_url: Option<String>,
    pub first_url: Option<String>,
}

/// The renewals list's query string: `?after=<policy id>` for a later page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RenewalsQuery {
    #[serde(default)]
    pub after: Option<String>,
}

/// The renewals due (an agent's own, or all for staff), soonest first, with the renewal rate of
/// the last 12 months.
pub async fn index(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RenewalsQuery>,
) -> AppResult<HttpResponse> {
    let (u, caches) = (user.clone(), state.caches.clone());
    let after = query.after.as_deref().and_then(|a| a.trim().parse::<i64>().ok());
    let (staff, (rows, more), notice_days, (renewed, declined, unrenewed)) = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let today = now().date();
            let since = now().checked_sub_months(Months::new(12)).unwrap_or_else(now);
            let (due, more) = queries::renewals_due(c, &viewer.scope, after)?;
            let mut ids: Vec<i64> = due.iter().map(|(p, _)| p.agent_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let names: std::collections::BTreeMap<i64, String> =
                crate::leads::model::agent_names(c, &ids)?.into_iter().collect();
            let rows = due
                .into_iter()
                .map(|(policy, renewal)| RenewalItem {
                    agent: names.get(&policy.agent_id).cloned().unwrap_or_default(),
                    days_left: (policy.term_end_on - today).num_days(),
                    policy,
                    renewal,
                })
                .collect::<Vec<_>>();
            let key = match &viewer.scope {
                Scope::All => Vec::new(),
                Scope::Agents(ids) => ids.clone(),
            };
            let outcomes = caches
                .policies
                .renewal_outcomes
                .get_or_load(key, || queries::renewal_outcomes(c, &viewer.scope, since))?;
            Ok((
                viewer.is_staff(),
                (rows, more),
                service::rules(c)?.renewal_notice_days,
                outcomes,
            ))
        })
        .await?;
    render(&RenewalsPage {
        ctx,
        staff,
        next_url: more
            .then(|| rows.last().map(|r| format!("/policies/renewals?after={}", r.policy.id)))
            .flatten(),
        first_url: after.map(|_| "/policies/renewals".to_string()),
        rows,
        notice_days,
        rate: rate(renewed, declined, unrenewed),
        renewed,
        declined,
        unrenewed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_renewed_over_everything_decided_rounded_to_a_tenth() {
        assert_eq!(rate(0, 0, 0), None);
        assert_eq!(rate(1, 1, 0), Some("50.0%".into()));
        assert_eq!(rate(2, 0, 1), Some("66.7%".into()));
        assert_eq!(rate(3, 0, 0), Some("100.0%".into()));
        assert_eq!(rate(0, 1, 1), Some("0.0%".into()));
    }

    #[test]
    fn an_offer_needs_a_premium_and_a_later_term_end_within_ten_years() {
        let end: NaiveDate = "2027-01-01".parse().unwrap();
        let form = |p: &str, t: &str| -> Typed {
            [("offer_premium", p), ("offer_term_end", t)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = parse_offer(&form("110.00", "2028-01-01"), end, BillingFrequency::Monthly).unwrap();
        assert_eq!(ok.premium_cents, 11_000);
        for (p, t, f) in [
            ("", "2028-01-01", "offer_premium"),
            ("110", "2027-01-01", "offer_term_end"),
            ("110", "2040-01-01", "offer_term_end"),
            ("110", "soon", "offer_term_end"),
        ] {
            assert!(
                parse_offer(&form(p, t), end, BillingFrequency::Annual)
                    .unwrap_err()
                    .has(f),
                "{p} {t}"
            );
        }
    }
}
