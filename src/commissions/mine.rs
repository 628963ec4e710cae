//! The pages a payee sees (item 9): "My commissions" for an agent or a broker (their own entries
//! only), and a policy's commission page — its split, its ledger and its holds; staff see every
//! payee and change the split or add an adjustment, an agent sees only their own amounts.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::allocate::{self, Payee};
use super::model::{self, EntryRow, HoldRow, ShareRow, SplitRow};
use super::service::{self, AdjustmentInput, CommissionViewer, ShareInput};
use crate::auth::roles::{Role, STAFF};
use crate::auth::CurrentUser;
use crate::db::now;
use crate::domain::commission::{EntryKind, PayeeKind, PayeeRole};
use crate::domain::money::format_cents;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::policies::model::PolicyRow;
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{form_status, redirect_with, render, render_status, AppState};

/// Who has a "My commissions" page: agents, and brokers for their referral splits.
pub const PAYEES: &[Role] = &[Role::Agent, Role::Broker];

/// Entries on one page of "My commissions".
pub const ENTRIES_PER_PAGE: usize = 50;

pub fn routes(r: &mut Routes) {
    r.get("/commissions", Access::Roles(PAYEES), mine)
        .get(
            "/policies/{id}/commission",
            Access::Roles(crate::policies::POLICY_USERS),
            policy_page,
        )
        .post("/policies/{id}/commission/splits", Access::Roles(STAFF), save_split)
        .post("/policies/{id}/commission/adjustments", Access::Roles(STAFF), adjust);
}

/// A ledger entry as a page shows it.
pub struct EntryView {
    pub e: EntryRow,
    pub payee: String,
    pub policy: String,
}

impl EntryView {
    pub fn amount(&self) -> String {
        format_cents(self.e.amount_cents)
    }
    pub fn month(&self) -> String {
        self.e.period.format("%B %Y").to_string()
    }
}

/// Names of payees for pages: agents and brokers by name, pools by team, the agency.
fn payee_names(conn: &mut crate::db::DbConnection, payees: &[Payee]) -> Result<HashMap<Payee, String>, AppError> {
    let agents: Vec<i64> = payees
        .iter()
        .filter(|p| p.kind == PayeeKind::Agent)
        .map(|p| p.id)
        .collect();
    let mut out: HashMap<Payee, String> = model::agent_names(conn, &agents)?
        .into_iter()
        .map(|(id, n)| (Payee::agent(id), n))
        .collect();
    for (id, n) in model::broker_choices(conn)? {
        out.insert(
            Payee {
                kind: PayeeKind::Broker,
                id,
            },
            n,
        );
    }
    for (id, n) in model::team_choices(conn)? {
        out.insert(
            Payee {
                kind: PayeeKind::Pool,
                id,
            },
            format!("{n} (pool)"),
        );
    }
    out.insert(Payee::AGENCY, "The agency".into());
    Ok(out)
}

pub fn views(conn: &mut crate::db::DbConnection, rows: Vec<EntryRow>) -> Result<Vec<EntryView>, AppError> {
    let payees: Vec<Payee> = rows
        .iter()
        .map(|e| Payee {
            kind: e.payee_kind,
            id: e.payee_id,
        })
        .collect();
    let names = payee_names(conn, &payees)?;
    let ids: Vec<i64> = rows.iter().filter_map(|e| e.policy_id).collect();
    let policies: HashMap<i64, String> = model::policy_labels(conn, &ids)?
        .into_iter()
        .map(|(id, n, i)| (id, format!("{n} · {i}")))
        .collect();
    Ok(rows
        .into_iter()
        .map(|e| EntryView {
            payee: names
                .get(&Payee {
                    kind: e.payee_kind,
                    id: e.payee_id,
                })
                .cloned()
                .unwrap_or_else(|| format!("{} {}", e.payee_kind.label(), e.payee_id)),
            policy: e
                .policy_id
                .and_then(|id| policies.get(&id).cloned())
                .unwrap_or_default(),
            e,
        })
        .collect())
}

// ---- My commissions -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "commissions/mine.html")]
struct MinePage {
    ctx: PageCtx,
    entries: Vec<EntryView>,
    expected: i64,
    chargebacks: i64,
    adjustments: i64,
    held: Vec<HoldRow>,
    statements: Vec<model::StatementRow>,
    next_url: Option<String>,
    first_page: bool,
}

impl MinePage {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        format_cents(*c.borrow())
    }
    fn balance(&self) -> String {
        format_cents(self.expected + self.chargebacks + self.adjustments)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    before: Option<i64>,
}

pub async fn mine(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let before = query.into_inner().before;
    let (entries, totals, held, statements, more) = state
        .db
        .read(move |c| {
            let viewer = CommissionViewer::load(c, user.id, user.role)?;
            let CommissionViewer::Payee { payees, .. } = &viewer else {
                return Ok((Vec::new(), Vec::new(), Vec::new(), Vec::new(), false));
            };
            let mut rows = Vec::new();
            let mut totals = Vec::new();
            let mut held = Vec::new();
            let mut statements = Vec::new();
            for p in payees {
                statements.extend(model::statements_of_payee(c, p.kind, p.id)?);
                rows.extend(model::entries_of_payee(
                    c,
                    p.kind,
                    p.id,
                    before,
                    ENTRIES_PER_PAGE as i64 + 1,
                )?);
                totals.extend(model::payee_totals(c, p.kind, p.id)?);
                if p.kind == PayeeKind::Agent {
                    held.extend(model::open_holds_of_agent(c, p.id)?);
                }
            }
            rows.sort_by_key(|e| std::cmp::Reverse(e.id));
            let more = rows.len() > ENTRIES_PER_PAGE;
            rows.truncate(ENTRIES_PER_PAGE);
            statements.sort_by_key(|s: &model::StatementRow| std::cmp::Reverse(s.period));
            Ok((views(c, rows)?, totals, held, statements, more))
        })
        .await?;
    let sum = |k: EntryKind| {
        totals
            .iter()
            .filter(|t| t.kind == k.as_str())
            .map(|t| t.cents)
            .sum::<i64>()
    };
    render(&MinePage {
        ctx,
        next_url: more
            .then(|| entries.last().map(|e| format!("/commissions?before={}", e.e.id)))
            .flatten(),
        first_page: before.is_none(),
        expected: sum(EntryKind::Expected),
        chargebacks: sum(EntryKind::Chargeback),
        adjustments: sum(EntryKind::Adjustment),
        entries,
        held,
        statements,
    })
}

// ---- a policy's commission ------------------------------------------------------------------

/// A split version with its shares as the page shows them.
pub struct SplitView {
    pub split: SplitRow,
    pub shares: Vec<(String, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "commissions/policy.html")]
struct PolicyPage {
    ctx: PageCtx,
    policy: PolicyRow,
    staff: bool,
    entries: Vec<EntryView>,
    total: i64,
    splits: Vec<SplitView>,
    holds: Vec<HoldRow>,
    /// Payees a split or an adjustment may name: (key, name).
    payees: Vec<(String, String)>,
    rows: Vec<ShareInput>,
    remainder: usize,
    split_from: String,
    adjustment: AdjustmentInput,
    errors: FieldErrors,
    roles: Vec<(&'static str, &'static str)>,
}

impl PolicyPage {
    fn money(&self, c: impl std::borrow::Borrow<i64>) -> String {
        format_cents(*c.borrow())
    }
    fn row_error(&self, i: &usize) -> Option<String> {
        self.errors.get(&format!("share_{i}"))
    }
}

/// The share rows of an empty split form: the writing agent at 100 %, and three blank rows.
fn blank_rows(p: &PolicyRow) -> Vec<ShareInput> {
    let mut rows = vec![ShareInput {
        payee: format!("agent:{}", p.agent_id),
        role: PayeeRole::Writing.as_str().into(),
        percent: "100".into(),
    }];
    rows.extend((0..3).map(|_| ShareInput::default()));
    rows
}

#[allow(clippy::too_many_arguments)]
async fn policy_view(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    rows: Option<Vec<ShareInput>>,
    remainder: usize,
    split_from: Option<String>,
    adjustment: AdjustmentInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (policy, staff, entries, splits, holds, payees) = state
        .db
        .read(move |c| {
            let pv = crate::policies::Viewer::load(c, &u)?;
            let policy = crate::policies::service::visible_policy(c, &pv, id)?;
            let viewer = CommissionViewer::load(c, u.id, u.role)?;
            let rows: Vec<EntryRow> = model::entries_of_policy(c, id)?
                .into_iter()
                .filter(|e| {
                    viewer.may_see(Payee {
                        kind: e.payee_kind,
                        id: e.payee_id,
                    })
                })
                .collect();
            let entries = views(c, rows)?;
            let (splits, payees) = if viewer.is_staff() {
                let raw = model::splits_of(c, &[id])?;
                let mut keys: Vec<Payee> = Vec::new();
                for (_, shares) in &raw {
                    keys.extend(shares.iter().map(|s: &ShareRow| Payee {
                        kind: s.payee_kind,
                        id: s.payee_id,
                    }));
                }
                let names = payee_names(c, &keys)?;
                let splits = raw
                    .into_iter()
                    .map(|(split, shares)| SplitView {
                        split,
                        shares: shares
                            .iter()
                            .map(|s| {
                                let p = Payee {
                                    kind: s.payee_kind,
                                    id: s.payee_id,
                                };
                                (
                                    names.get(&p).cloned().unwrap_or_default(),
                                    s.role.label().to_string(),
                                    allocate::percent(s.share_bps as i64),
                                    s.takes_remainder,
                                )
                            })
                            .collect(),
                    })
                    .collect();
                let mut payees: Vec<(String, String)> = model::agent_choices(c, "", 500)?
                    .into_iter()
                    .map(|(id, n)| (format!("agent:{id}"), n))
                    .collect();
                payees.extend(
                    model::broker_choices(c)?
                        .into_iter()
                        .map(|(id, n)| (format!("broker:{id}"), format!("{n} (broker)"))),
                );
                payees.extend(
                    model::team_choices(c)?
                        .into_iter()
                        .map(|(id, n)| (format!("pool:{id}"), format!("{n} (team pool)"))),
                );
                (splits, payees)
            } else {
                (Vec::new(), Vec::new())
            };
            let holds = model::holds_of(c, &[id])?
                .into_iter()
                .filter(|h| viewer.may_see(Payee::agent(h.agent_id)))
                .collect();
            Ok((policy, viewer.is_staff(), entries, splits, holds, payees))
        })
        .await?;
    let total = entries.iter().map(|e| e.e.amount_cents).sum();
    let rows = rows.unwrap_or_else(|| blank_rows(&policy));
    render_status(
        form_status(&errors),
        &PolicyPage {
            split_from: split_from.unwrap_or_else(|| policy.effective_on.max(now().date()).to_string()),
            ctx,
            policy,
            staff,
            entries,
            total,
            splits,
            holds,
            payees,
            rows,
            remainder,
            adjustment,
            errors,
            roles: [
                PayeeRole::Writing,
                PayeeRole::Split,
                PayeeRole::Referral,
                PayeeRole::Pool,
            ]
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        },
    )
}

pub async fn policy_page(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let adjustment = AdjustmentInput {
        period: now().date().format("%Y-%m").to_string(),
        ..Default::default()
    };
    policy_view(
        ctx,
        &state,
        &user,
        path.into_inner(),
        None,
        0,
        None,
        adjustment,
        FieldErrors::new(),
    )
    .await
}

/// The split form: rows `payee_N`, `role_N`, `percent_N`, the remainder row's index, the date.
pub async fn save_split(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let rows: Vec<ShareInput> = (0..8)
        .map(|i| ShareInput {
            payee: get(&format!("payee_{i}")),
            role: get(&format!("role_{i}")),
            percent: get(&format!("percent_{i}")),
        })
        .collect();
    let rows: Vec<ShareInput> = {
        let last = rows
            .iter()
            .rposition(|r| !r.payee.is_empty() || !r.percent.is_empty())
            .map(|i| i + 1)
            .unwrap_or(1);
        rows.into_iter().take(last.max(4)).collect()
    };
    let remainder = get("remainder").trim().parse::<usize>().unwrap_or(0);
    let (from, note) = (get("effective_from"), get("note"));
    let (actor, who, r, f) = (user.actor(), user.audit(), rows.clone(), from.clone());
    let split = service::SplitInput {
        rows: r,
        remainder,
        effective_from: f,
        note,
    };
    match state
        .db
        .write(move |c| service::save_split(c, actor, &who, id, &split))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/policies/{id}/commission"),
            "success",
            "The split is saved from its date; the next run divides the commission by it.",
        )),
        Err(AppError::Validation(errors)) => {
            policy_view(
                ctx,
                &state,
                &user,
                id,
                Some(rows),
                remainder,
                Some(from),
                AdjustmentInput::default(),
                errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn adjust(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AdjustmentInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (path.into_inner(), form.into_inner());
    let (actor, who, i) = (user.actor(), user.audit(), input.clone());
    match state
        .db
        .write(move |c| service::add_adjustment(c, actor, &who, id, &i))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/policies/{id}/commission"),
            "success",
            "The adjustment is on the ledger.",
        )),
        Err(AppError::Validation(errors)) => policy_view(ctx, &state, &user, id, None, 0, None, input, errors).await,
        Err(e) => Err(e),
    }
}
