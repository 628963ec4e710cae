//! The payee statement pages (item 7): the owner's month of statements (to lock, to pay, the
//! payout file and the year-end totals), and a statement's own page, PDF and CSV for its payee
//! (once locked) and staff. Anyone else's statement is "not found".

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;

use super::allocate::Payee;
use super::mine::EntryView;
use super::model::{self, StatementRow};
use super::payouts::{self, Preview};
use super::service::CommissionViewer;
use crate::auth::roles::{Role, STAFF};
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::domain::commission::{EntryKind, PayeeKind, PayeeRole};
use crate::domain::money::{decimal_cents, format_cents};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::pdf::{self, Line};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{csv_download, form_status, redirect_with, render, render_status, AppState};

/// Who may open a statement page (the check of whose it is comes after).
pub const STATEMENT_READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Agent, Role::Broker];

pub fn routes(r: &mut Routes) {
    r.get("/admin/commissions/payees", Access::Roles(STAFF), month_page)
        .post(
            "/admin/commissions/payees/lock",
            Access::Roles(super::pages::OWNER),
            lock,
        )
        .post("/admin/commissions/payouts", Access::Roles(super::pages::OWNER), pay)
        .get("/admin/commissions/payouts/export", Access::Roles(STAFF), payout_file)
        .get("/admin/commissions/year-end", Access::Roles(STAFF), year_end)
        .get(
            "/commissions/statements/{id}",
            Access::Roles(STATEMENT_READERS),
            statement,
        )
        .get(
            "/commissions/statements/{id}/pdf",
            Access::Roles(STATEMENT_READERS),
            statement_pdf,
        )
        .get(
            "/commissions/statements/{id}/csv",
            Access::Roles(STATEMENT_READERS),
            statement_csv,
        );
}

/// Payees' names: agents and brokers by name, pools by team, the agency.
fn names(conn: &mut DbConnection, payees: &[Payee]) -> Result<HashMap<Payee, String>, AppError> {
    let mut out = HashMap::new();
    for p in payees {
        let name = match p.kind {
            PayeeKind::Agency => Some("The agency".to_string()),
            PayeeKind::Pool => model::team_choices(conn)?
                .into_iter()
                .find(|(id, _)| *id == p.id)
                .map(|(_, n)| format!("{n} (pool)")),
            _ => model::payee_contact(conn, p.kind, p.id)?.map(|(_, n)| n),
        };
        out.insert(*p, name.unwrap_or_else(|| format!("{} {}", p.kind.label(), p.id)));
    }
    Ok(out)
}

fn month_of(raw: Option<&str>) -> chrono::NaiveDate {
    raw.and_then(|m| payouts::parse_month(m).ok())
        .unwrap_or_else(|| super::engine::month_of(now().date()))
}

// ---- the owner's month ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commissions/payees.html")]
struct MonthPage {
    ctx: PageCtx,
    month: String,
    label: String,
    previews: Vec<(String, Preview)>,
    locked: Vec<(String, StatementRow)>,
    minimum: i64,
    owner: bool,
    errors: FieldErrors,
}

impl MonthPage {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        format_cents(*c.borrow())
    }
    fn to_pay(&self) -> String {
        format_cents(
            self.locked
                .iter()
                .filter(|(_, s)| s.status == "locked")
                .map(|(_, s)| s.payout_cents)
                .sum(),
        )
    }
    fn unpaid(&self) -> bool {
        self.locked
            .iter()
            .any(|(_, s)| s.status == "locked" && s.payout_cents > 0)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: Option<String>,
    year: Option<i32>,
}

async fn month_view(
    ctx: PageCtx,
    state: &AppState,
    period: chrono::NaiveDate,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let owner = ctx.user.as_ref().is_some_and(|u| u.role == Role::Owner);
    let (previews, locked, minimum) = state
        .db
        .read(move |c| {
            let previews = payouts::previews(c, period)?;
            let locked = model::statements_of_month(c, period)?;
            let mut payees: Vec<Payee> = previews.iter().map(|p| p.payee).collect();
            payees.extend(locked.iter().map(|s| Payee {
                kind: s.payee_kind,
                id: s.payee_id,
            }));
            let names = names(c, &payees)?;
            let name = |p: &Payee| names.get(p).cloned().unwrap_or_default();
            Ok((
                previews.into_iter().map(|p| (name(&p.payee), p)).collect::<Vec<_>>(),
                locked
                    .into_iter()
                    .map(|s| {
                        (
                            name(&Payee {
                                kind: s.payee_kind,
                                id: s.payee_id,
                            }),
                            s,
                        )
                    })
                    .collect::<Vec<_>>(),
                super::rules::load(c)?.payout_minimum_cents,
            ))
        })
        .await?;
    render_status(
        form_status(&errors),
        &MonthPage {
            ctx,
            month: period.format("%Y-%m").to_string(),
            label: period.format("%B %Y").to_string(),
            previews,
            locked,
            minimum,
            owner,
            errors,
        },
    )
}

pub async fn month_page(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let period = month_of(query.month.as_deref());
    month_view(ctx, &state, period, FieldErrors::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MonthForm {
    month: String,
}

pub async fn lock(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<MonthForm>,
) -> AppResult<HttpResponse> {
    let month = form.into_inner().month;
    let (actor, who, base, m) = (
        user.actor(),
        user.audit(),
        state.settings.base_url.clone(),
        month.clone(),
    );
    match state
        .db
        .write(move |c| payouts::lock_month(c, actor, &who, &base, &m))
        .await
    {
        Ok(n) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(
                &session,
                &format!("/admin/commissions/payees?month={}", month.trim()),
                "success",
                format!(
                    "{n} statement{} locked; each payee is e-mailed and can now see theirs.",
                    if n == 1 { "" } else { "s" }
                ),
            ))
        }
        Err(AppError::Validation(errors)) => month_view(ctx, &state, month_of(Some(&month)), errors).await,
        Err(e) => Err(e),
    }
}

pub async fn pay(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<MonthForm>,
) -> AppResult<HttpResponse> {
    let month = form.into_inner().month;
    let (actor, who, m) = (user.actor(), user.audit(), month.clone());
    match state.db.write(move |c| payouts::pay_month(c, actor, &who, &m)).await {
        Ok((batch, total)) => Ok(redirect_with(
            &session,
            &format!("/admin/commissions/payees?month={}", month.trim()),
            "success",
            format!("Payout batch {batch} of {} is marked paid.", format_cents(total)),
        )),
        Err(AppError::Validation(errors)) => month_view(ctx, &state, month_of(Some(&month)), errors).await,
        Err(e) => Err(e),
    }
}

/// The payout file for accounting: every locked statement up to the month still to pay.
pub async fn payout_file(state: web::Data<AppState>, query: web::Query<MonthQuery>) -> AppResult<HttpResponse> {
    let period = month_of(query.month.as_deref());
    let rows = state
        .db
        .read(move |c| {
            let unpaid = model::unpaid_statements(c, period)?;
            let mut rows = vec![vec![
                "statement".to_string(),
                "month".into(),
                "payee_kind".into(),
                "payee_id".into(),
                "name".into(),
                "email".into(),
                "amount".into(),
            ]];
            for s in unpaid {
                let (email, name) = model::payee_contact(c, s.payee_kind, s.payee_id)?.unwrap_or_default();
                rows.push(vec![
                    s.id.to_string(),
                    s.period.format("%Y-%m").to_string(),
                    s.payee_kind.as_str().into(),
                    s.payee_id.to_string(),
                    name,
                    email,
                    decimal_cents(s.payout_cents),
                ]);
            }
            Ok(rows)
        })
        .await?;
    Ok(csv_download(&format!("payouts-{}.csv", period.format("%Y-%m")), rows))
}

/// Year-end totals paid per payee, for tax forms.
pub async fn year_end(state: web::Data<AppState>, query: web::Query<MonthQuery>) -> AppResult<HttpResponse> {
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(now().date().year());
    let rows = state
        .db
        .read(move |c| {
            let mut totals: Vec<((PayeeKind, i64), i64)> = Vec::new();
            for s in model::paid_in_year(c, year)? {
                match totals.iter_mut().find(|(k, _)| *k == (s.payee_kind, s.payee_id)) {
                    Some((_, t)) => *t += s.payout_cents,
                    None => totals.push(((s.payee_kind, s.payee_id), s.payout_cents)),
                }
            }
            let mut rows = vec![vec![
                "year".to_string(),
                "payee_kind".into(),
                "payee_id".into(),
                "name".into(),
                "email".into(),
                "paid".into(),
            ]];
            for ((kind, id), total) in totals {
                let (email, name) = model::payee_contact(c, kind, id)?.unwrap_or_default();
                rows.push(vec![
                    year.to_string(),
                    kind.as_str().into(),
                    id.to_string(),
                    name,
                    email,
                    decimal_cents(total),
                ]);
            }
            Ok(rows)
        })
        .await?;
    Ok(csv_download(&format!("commissions-paid-{year}.csv"), rows))
}

// ---- one statement --------------------------------------------------------------------------

/// A statement with its lines, for whoever may see it (anyone else: not found).
struct Loaded {
    s: StatementRow,
    payee: String,
    entries: Vec<EntryView>,
}

async fn load(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Loaded> {
    let u = user.clone();
    state
        .db
        .read(move |c| {
            let viewer = CommissionViewer::load(c, u.id, u.role)?;
            let s = model::find_statement(c, id).map_err(|_| AppError::NotFound)?;
            if !payouts::may_see(&viewer, &s) {
                return Err(AppError::NotFound);
            }
            let payee = Payee {
                kind: s.payee_kind,
                id: s.payee_id,
            };
            let name = names(c, &[payee])?.remove(&payee).unwrap_or_default();
            let rows = model::statement_entries(c, id)?;
            let entries = super::mine::views(c, rows)?;
            Ok(Loaded {
                s,
                payee: name,
                entries,
            })
        })
        .await
}

/// The statement's sections: (heading, entries) in a fixed order.
fn sections(entries: &[EntryView]) -> Vec<(&'static str, Vec<&EntryView>)> {
    let of = |f: &dyn Fn(&EntryView) -> bool| entries.iter().filter(|e| f(e)).collect::<Vec<_>>();
    vec![
        (
            "Own sales",
            of(&|e| e.e.kind == EntryKind::Expected && e.e.role == PayeeRole::Writing),
        ),
        (
            "Splits and referrals",
            of(&|e| {
                e.e.kind == EntryKind::Expected
                    && matches!(e.e.role, PayeeRole::Split | PayeeRole::Referral | PayeeRole::Pool)
            }),
        ),
        (
            "Overrides",
            of(&|e| e.e.kind == EntryKind::Expected && matches!(e.e.role, PayeeRole::Override | PayeeRole::House)),
        ),
        ("Chargebacks", of(&|e| e.e.kind == EntryKind::Chargeback)),
        (
            "Adjustments",
            of(&|e| matches!(e.e.kind, EntryKind::Adjustment | EntryKind::Received)),
        ),
        ("Payouts", of(&|e| e.e.kind == EntryKind::Payout)),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect()
}

#[derive(Template)]
#[template(path = "commissions/payee_statement.html")]
struct StatementPage<'a> {
    ctx: PageCtx,
    s: &'a StatementRow,
    payee: &'a str,
    sections: Vec<(&'static str, Vec<&'a EntryView>)>,
}

impl StatementPage<'_> {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        format_cents(*c.borrow())
    }
    fn subtotal(&self, rows: &[&EntryView]) -> String {
        format_cents(rows.iter().map(|e| e.e.amount_cents).sum())
    }
    fn label(&self) -> String {
        self.s.period.format("%B %Y").to_string()
    }
}

pub async fn statement(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, path.into_inner()).await?;
    render(&StatementPage {
        ctx,
        s: &l.s,
        payee: &l.payee,
        sections: sections(&l.entries),
    })
}

pub async fn statement_pdf(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, path.into_inner()).await?;
    let agency = state
        .agency
        .get(&state.db)
        .await
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let mut lines = vec![
        Line::heading(agency),
        Line::heading(format!("Commission statement, {}", l.s.period.format("%B %Y"))),
        Line::text(format!("Payee: {}", l.payee)),
        Line::text(String::new()),
        Line {
            bold: false,
            cells: vec!["Brought forward".into(), format_cents(l.s.opening_cents)],
        },
    ];
    for (heading, rows) in sections(&l.entries) {
        lines.push(Line::text(String::new()));
        lines.push(Line::heading(heading));
        for e in rows {
            lines.push(Line {
                bold: false,
                cells: vec![
                    format!("{}  {}  {}", e.month(), e.policy, e.e.note),
                    format_cents(e.e.amount_cents),
                ],
            });
        }
    }
    lines.push(Line::text(String::new()));
    lines.push(Line {
        bold: true,
        cells: vec!["This month".into(), format_cents(l.s.entries_cents)],
    });
    lines.push(Line {
        bold: true,
        cells: vec!["Balance".into(), format_cents(l.s.closing_cents)],
    });
    lines.push(Line {
        bold: true,
        cells: vec!["Paid out".into(), format_cents(l.s.payout_cents)],
    });
    lines.push(Line {
        bold: true,
        cells: vec!["Carried forward".into(), format_cents(l.s.carried_cents)],
    });
    let bytes = pdf::report(&lines, &[555.0]);
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"statement-{}.pdf\"", l.s.id),
        ))
        .body(bytes))
}

pub async fn statement_csv(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, path.into_inner()).await?;
    let mut rows = vec![vec![
        "month".to_string(),
        "policy".into(),
        "role".into(),
        "kind".into(),
        "note".into(),
        "amount".into(),
    ]];
    for e in &l.entries {
        rows.push(vec![
            e.e.period.format("%Y-%m").to_string(),
            e.policy.clone(),
            e.e.role.as_str().into(),
            e.e.kind.as_str().into(),
            e.e.note.clone(),
            decimal_cents(e.e.amount_cents),
        ]);
    }
    rows.push(vec![
        "".into(),
        "brought forward".into(),
        "".into(),
        "".into(),
        "".into(),
        decimal_cents(l.s.opening_cents),
    ]);
    rows.push(vec![
        "".into(),
        "carried forward".into(),
        "".into(),
        "".into(),
        "".into(),
        decimal_cents(l.s.carried_cents),
    ]);
    Ok(csv_download(&format!("statement-{}.csv", l.s.id), rows))
}
