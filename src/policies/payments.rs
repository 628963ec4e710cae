//! Recording payments against the premium schedule, overdue flags, totals per policy and per
//! agent (item 8).
//!
//! A payment goes to the oldest instalments not fully paid (by their order in the term), and
//! its allocations add up to it exactly. A payment larger than what is still due on the term is
//! refused (no credit is kept): the page says so beside the form.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::model::money::{self as queries, NewPayment};
use super::model::{self, InstalmentRow};
use super::service::{self, Viewer};
use super::view::PolicyPage;
use super::POLICY_USERS;
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::domain::money::{format_cents, parse_cents};
use crate::domain::policy::{PaymentMethod, PolicyStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render, render_status, AppState};

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/policies/payments", Access::Roles(POLICY_USERS), index);
    r.post("/policies/{id}/payments", Access::Roles(POLICY_USERS), create);
}

// ---- the rules (pure) ------------------------------------------------------------------------

/// Whether an instalment is overdue on `today`: its due date has passed and it is not fully paid.
pub fn is_overdue(i: &InstalmentRow, today: NaiveDate) -> bool {
    i.due_on < today && i.paid_cents < i.amount_cents
}

/// What is left to pay of an instalment.
pub fn owed(i: &InstalmentRow) -> i64 {
    (i.amount_cents - i.paid_cents).max(0)
}

/// Splits a payment over the instalments (in their order in the term): the oldest not fully paid
/// first, each up to what is left of it. `Err` with the most that can be taken when the payment
/// is more than everything still due. The parts add up to the payment.
pub fn allocate(schedule: &[InstalmentRow], amount_cents: i64) -> Result<Vec<(i64, i64)>, i64> {
    let due: i64 = schedule.iter().map(owed).sum();
    if amount_cents > due {
        return Err(due);
    }
    let mut left = amount_cents;
    let mut parts = Vec::new();
    let mut ordered: Vec<&InstalmentRow> = schedule.iter().collect();
    ordered.sort_by_key(|i| (i.seq, i.id));
    for i in ordered {
        if left == 0 {
            break;
        }
        let take = owed(i).min(left);
        if take > 0 {
            parts.push((i.id, take));
            left -= take;
        }
    }
    Ok(parts)
}

/// The money of a policy or of a book: scheduled premium, paid, still due (on policies in
/// force only: an ended policy owes nothing more) and of that what is overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub scheduled: i64,
    pub paid: i64,
    pub outstanding: i64,
    pub overdue: i64,
}

impl Totals {
    /// The totals of one policy's schedule; `in_force` when unpaid instalments are still owed
    /// (pending payment or active).
    pub fn of(schedule: &[InstalmentRow], today: NaiveDate, in_force: bool) -> Totals {
        let mut t = Totals::default();
        for i in schedule {
            t.scheduled += i.amount_cents;
            t.paid += i.paid_cents;
            if in_force {
                t.outstanding += owed(i);
                if is_overdue(i, today) {
                    t.overdue += owed(i);
                }
            }
        }
        t
    }

    /// The sum of two totals (a list's total row is the sum of its rows).
    pub fn plus(self, o: Totals) -> Totals {
        Totals {
            scheduled: self.scheduled + o.scheduled,
            paid: self.paid + o.paid,
            outstanding: self.outstanding + o.outstanding,
            overdue: self.overdue + o.overdue,
        }
    }

    pub fn scheduled_s(&self) -> String {
        format_cents(self.scheduled)
    }
    pub fn paid_s(&self) -> String {
        format_cents(self.paid)
    }
    pub fn outstanding_s(&self) -> String {
        format_cents(self.outstanding)
    }
    pub fn overdue_s(&self) -> String {
        format_cents(self.overdue)
    }
}

/// Whether a policy in this status still owes its unpaid instalments.
pub fn in_force(status: PolicyStatus) -> bool {
    matches!(status, PolicyStatus::PendingPayment | PolicyStatus::Active)
}

/// A form as typed: field → value (kept to fill the form again when it comes back with 422).
pub type Typed = BTreeMap<String, String>;

/// A field of a typed form, trimmed ("" when absent).
pub fn field<'a>(f: &'a Typed, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

/// A date typed as YYYY-MM-DD; the message names the field's label.
pub fn parse_date(raw: &str, label: &str) -> Result<NaiveDate, String> {
    if raw.trim().is_empty() {
        return Err(format!("Give the {label}."));
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| format!("Give the {label} as YYYY-MM-DD."))
}

/// A payment as the form gives it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInput {
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: String,
}

/// Checks a payment form: an amount above zero and at most what is still due, a date that is
/// not in the future nor before the application, a method, a short reference.
pub fn parse_payment(
    f: &Typed,
    today: NaiveDate,
    submitted_on: NaiveDate,
    still_due: i64,
) -> Result<PaymentInput, FieldErrors> {
    let mut e = FieldErrors::new();
    let amount = match parse_cents(field(f, "amount")) {
        Ok(0) => {
            e.add("amount", "A payment is more than zero.");
            None
        }
        Ok(c) if c > still_due => {
            e.add(
                "amount",
                format!(
                    "This is more than the {} still due on the term; overpayments are not kept as credit.",
                    format_cents(still_due)
                ),
            );
            None
        }
        Ok(c) => Some(c),
        Err(m) => {
            e.add("amount", m);
            None
        }
    };
    let paid_on = match parse_date(field(f, "paid_on"), "payment date") {
        Ok(d) if d > today => {
            e.add("paid_on", "The payment date cannot be in the future.");
            None
        }
        Ok(d) if d < submitted_on => {
            e.add("paid_on", "The payment date cannot be before the application.");
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            e.add("paid_on", m);
            None
        }
    };
    let method = match field(f, "method").parse::<PaymentMethod>() {
        Ok(m) => Some(m),
        Err(_) => {
            e.add("method", "Choose how it was paid.");
            None
        }
    };
    let reference = match crate::text::clean_line(field(f, "reference"), 100) {
        Ok(r) => r,
        Err(err) => {
            e.add("reference", err.message("reference"));
            String::new()
        }
    };
    match (amount, paid_on, method) {
        (Some(amount_cents), Some(paid_on), Some(method)) if e.is_empty() => Ok(PaymentInput {
            amount_cents,
            paid_on,
            method,
            reference,
        }),
        _ => Err(e),
    }
}

// ---- the change ------------------------------------------------------------------------------

/// Records a payment on a policy the viewer sees and allocates it to the oldest unpaid
/// instalments; its history event and audit entry, in the caller's transaction. Returns the
/// sentence for the flash.
pub fn record_payment(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    form: &Typed,
) -> Result<String, AppError> {
    let today = crate::db::now().date();
    queries::lock_policy(conn, policy_id)?;
    let p = service::visible_policy(conn, viewer, policy_id)?;
    if !in_force(p.status) {
        return Err(AppError::field(
            "amount",
            &format!(
                "The policy is {}: payments are recorded on policies pending payment or active.",
                p.status.label().to_lowercase()
            ),
        ));
    }
    let schedule = model::instalments(conn, policy_id)?;
    let still_due: i64 = schedule.iter().map(owed).sum();
    let pay = parse_payment(form, today, p.submitted_on, still_due).map_err(AppError::Validation)?;
    let parts = allocate(&schedule, pay.amount_cents).map_err(|_| AppError::internal("allocation after checking"))?;
    let payment_id = queries::insert_payment(
        conn,
        &NewPayment {
            policy_id,
            amount_cents: pay.amount_cents,
            paid_on: pay.paid_on,
            method: pay.method,
            reference: &pay.reference,
            recorded_by: viewer.user_id,
        },
    )?;
    for (instalment_id, cents) in &parts {
        queries::allocate(conn, payment_id, *instalment_id, *cents)?;
    }
    let seqs: Vec<i32> = parts
        .iter()
        .filter_map(|(id, _)| schedule.iter().find(|i| i.id == *id).map(|i| i.seq))
        .collect();
    let details = serde_json::json!({
        "payment_id": payment_id,
        "amount_cents": pay.amount_cents,
        "paid_on": pay.paid_on,
        "method": pay.method.as_str(),
        "instalments": seqs,
    })
    .to_string();
    model::add_event(conn, &viewer.event(policy_id, "payment_recorded", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.payment_recorded",
        "policy",
        Some(policy_id),
        &format!(
            "{} {} ({})",
            p.policy_number,
            format_cents(pay.amount_cents),
            pay.method.as_str()
        ),
    )?;
    Ok(format!(
        "The payment of {} is recorded against {}.",
        format_cents(pay.amount_cents),
        match seqs.as_slice() {
            [one] => format!("instalment {one}"),
            many => format!(
                "instalments {}",
                many.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
            ),
        }
    ))
}

// ---- the policy page's section ---------------------------------------------------------------

impl PolicyPage {
    /// The policy's money.
    pub fn totals(&self) -> Totals {
        Totals::of(&self.instalments, self.today, in_force(self.policy.status))
    }

    pub fn overdue(&self, i: &InstalmentRow) -> bool {
        in_force(self.policy.status) && is_overdue(i, self.today)
    }

    pub fn overdue_count(&self) -> usize {
        self.instalments.iter().filter(|i| self.overdue(i)).count()
    }

    pub fn in_force(&self) -> bool {
        in_force(self.policy.status)
    }

    pub fn may_pay(&self) -> bool {
        in_force(self.policy.status) && self.totals().outstanding > 0
    }

    pub fn payment_methods(&self) -> &'static [PaymentMethod] {
        PaymentMethod::ALL
    }

    /// What the viewer typed in a form of this page that came back (or `default`).
    pub fn typed_or(&self, name: &str, default: &str) -> String {
        self.money_typed
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    pub fn typed(&self, name: &str) -> String {
        self.typed_or(name, "")
    }

    /// Cents as dollars, for the tables.
    pub fn cents(&self, cents: &i64) -> String {
        format_cents(*cents)
    }

    pub fn today_s(&self) -> String {
        self.today.to_string()
    }
}

// ---- handlers --------------------------------------------------------------------------------

/// A change a form of the policy page makes, given the viewer, the client's address, the policy
/// and what was typed; it answers the flash's sentence (or, for a renewal, the new term's id).
pub type Change<T> = fn(&mut DbConnection, &Viewer, Option<String>, i64, &Typed) -> Result<T, AppError>;

/// A form posted from the policy page, with what its answer needs.
pub struct PolicyForm {
    pub ctx: PageCtx,
    pub user: CurrentUser,
    pub session: Session,
    pub state: web::Data<AppState>,
    pub id: i64,
    pub typed: Typed,
}

/// Every form of the policy page comes with the page's context, the signed-in user, the session,
/// the application, the policy's id and the typed fields.
impl actix_web::FromRequest for PolicyForm {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<PolicyForm, actix_web::Error>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        type Parts = (
            PageCtx,
            CurrentUser,
            Session,
            web::Data<AppState>,
            web::Path<i64>,
            web::Form<Typed>,
        );
        let parts = Parts::from_request(req, payload);
        Box::pin(async move {
            let (ctx, user, session, state, path, form) = parts.await?;
            let mut typed = form.into_inner();
            typed.remove("csrf_token");
            Ok(PolicyForm {
                ctx,
                user,
                session,
                state,
                id: path.into_inner(),
                typed,
            })
        })
    }
}

impl PolicyForm {
    /// Runs the change in one transaction as the signed-in viewer.
    pub async fn write<T: Send + 'static>(&self, change: Change<T>) -> Result<T, AppError> {
        let (u, f, id) = (self.user.clone(), self.typed.clone(), self.id);
        self.state
            .db
            .write(move |c| {
                let viewer = Viewer::load(c, &u)?;
                change(c, &viewer, Some(u.ip.clone()), id, &f)
            })
            .await
    }

    /// 303 back to the policy's section with the flash, or the page again with 422, the
    /// messages and what was typed.
    pub async fn answer(self, result: Result<String, AppError>, anchor: &str) -> AppResult<HttpResponse> {
        let id = self.id;
        match result {
            Ok(msg) => Ok(redirect_with(
                &self.session,
                &format!("/policies/{id}#{anchor}"),
                "success",
                msg,
            )),
            Err(AppError::Validation(errors)) => {
                let u = self.user.clone();
                let mut p = self
                    .state
                    .db
                    .read(move |c| {
                        let viewer = Viewer::load(c, &u)?;
                        PolicyPage::load(c, &viewer, id)
                    })
                    .await?;
                p.money_typed = self.typed;
                render_status(
                    actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                    &super::handlers::ShowPage {
                        ctx: self.ctx,
                        p,
                        errors,
                    },
                )
            }
            Err(e) => Err(e),
        }
    }

    /// Runs the change and answers.
    pub async fn submit(self, change: Change<String>, anchor: &str) -> AppResult<HttpResponse> {
        let result = self.write(change).await;
        self.answer(result, anchor).await
    }
}

pub async fn create(form: PolicyForm) -> AppResult<HttpResponse> {
    form.submit(record_payment, "payments").await
}

/// One agent's line of the payments page.
pub struct AgentLine {
    pub agent_id: i64,
    pub name: String,
    pub policies: i64,
    pub totals: Totals,
}

#[derive(Template)]
#[template(path = "policies/payments.html")]
pub struct PaymentsPage {
    pub ctx: PageCtx,
    pub staff: bool,
    pub rows: Vec<AgentLine>,
    pub total: Totals,
    pub policies: i64,
}

/// The per-agent totals: an agent sees their own (and their team's), staff every agent. The
/// total row is the sum of the rows.
pub async fn index(ctx: PageCtx, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (staff, rows) = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let sums = queries::agent_totals(c, &viewer.scope, crate::db::now().date())?;
            let ids: Vec<i64> = sums.iter().map(|r| r.agent_id).collect();
            let names: BTreeMap<i64, String> = crate::leads::model::agent_names(c, &ids)?.into_iter().collect();
            let rows = sums
                .into_iter()
                .map(|r| AgentLine {
                    agent_id: r.agent_id,
                    name: names
                        .get(&r.agent_id)
                        .cloned()
                        .unwrap_or_else(|| format!("Agent {}", r.agent_id)),
                    policies: r.policies,
                    totals: Totals {
                        scheduled: r.scheduled,
                        paid: r.paid,
                        outstanding: r.outstanding,
                        overdue: r.overdue,
                    },
                })
                .collect::<Vec<_>>();
            Ok((viewer.is_staff(), rows))
        })
        .await?;
    let total = rows.iter().fold(Totals::default(), |t, r| t.plus(r.totals));
    let policies = rows.iter().map(|r| r.policies).sum();
    render(&PaymentsPage {
        ctx,
        staff,
        rows,
        total,
        policies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inst(id: i64, seq: i32, due: &str, amount: i64, paid: i64) -> InstalmentRow {
        let at = d("2026-01-01").and_hms_opt(0, 0, 0).unwrap();
        InstalmentRow {
            id,
            policy_id: 1,
            seq,
            due_on: d(due),
            amount_cents: amount,
            paid_cents: paid,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_payment_goes_to_the_oldest_unpaid_instalments_and_adds_up() {
        let s = [
            inst(3, 3, "2026-03-01", 10_000, 0),
            inst(1, 1, "2026-01-01", 10_000, 10_000),
            inst(2, 2, "2026-02-01", 10_000, 2_500),
        ];
        let parts = allocate(&s, 12_000).unwrap();
        assert_eq!(parts, vec![(2, 7_500), (3, 4_500)]);
        assert_eq!(parts.iter().map(|(_, c)| c).sum::<i64>(), 12_000);
        assert_eq!(allocate(&s, 17_500).unwrap(), vec![(2, 7_500), (3, 10_000)]);
    }

    #[test]
    fn more_than_is_due_is_refused_with_the_most_that_can_be_taken() {
        let s = [inst(1, 1, "2026-01-01", 10_000, 4_000)];
        assert_eq!(allocate(&s, 6_001), Err(6_000));
        assert_eq!(allocate(&s, 6_000), Ok(vec![(1, 6_000)]));
    }

    #[test]
    fn totals_flag_overdue_only_on_policies_in_force_and_add_up() {
        let s = [
            inst(1, 1, "2026-01-01", 10_000, 10_000),
            inst(2, 2, "2026-02-01", 10_000, 3_000),
            inst(3, 3, "2026-03-01", 10_000, 0),
        ];
        let today = d("2026-03-01");
        assert!(!is_overdue(&s[0], today) && is_overdue(&s[1], today) && !is_overdue(&s[2], today));
        let t = Totals::of(&s, today, true);
        assert_eq!(
            t,
            Totals {
                scheduled: 30_000,
                paid: 13_000,
                outstanding: 17_000,
                overdue: 7_000
            }
        );
        assert_eq!(t.paid + t.outstanding, t.scheduled);
        let ended = Totals::of(&s, today, false);
        assert_eq!((ended.paid, ended.outstanding, ended.overdue), (13_000, 0, 0));
        assert_eq!(t.plus(ended).paid, 26_000);
    }

    #[test]
    fn bad_payments_are_refused_field_by_field() {
        let today = d("2026-03-01");
        let form = |amount: &str, on: &str, method: &str| -> Typed {
            [("amount", amount), ("paid_on", on), ("method", method)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = parse_payment(&form("$50.00", "2026-02-15", "check"), today, d("2026-01-01"), 10_000).unwrap();
        assert_eq!((ok.amount_cents, ok.method), (5_000, PaymentMethod::Check));
        for (amount, on, method, field) in [
            ("0", "2026-02-15", "check", "amount"),
            ("-5", "2026-02-15", "check", "amount"),
            ("abc", "2026-02-15", "check", "amount"),
            ("100.01", "2026-02-15", "check", "amount"),
            ("5", "2026-03-02", "check", "paid_on"),
            ("5", "2025-12-31", "check", "paid_on"),
            ("5", "", "check", "paid_on"),
            ("5", "2026-02-15", "barter", "method"),
        ] {
            let e = parse_payment(&form(amount, on, method), today, d("2026-01-01"), 10_000).unwrap_err();
            assert!(e.has(field), "{amount} {on} {method}: {e:?}");
        }
    }
}
