//! Queries for the policy lists, the export and the API's list: one filter, one sort, keyset
//! pages (the cursor is the last row's id; its sort value is read back, so every sort pages on
//! an index, never with OFFSET).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::PolicyRow;
use crate::db::schema::{carrier_products, carriers, policies};
use crate::db::{lower, search_patterns, DbConnection, MultiBackend};
use crate::domain::policy::PolicyStatus;
use crate::leads::model::Scope;

/// What a list shows: every field optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyFilter {
    /// Words each found in the insured's name or the policy number.
    pub q: Option<String>,
    pub status: Option<PolicyStatus>,
    pub carrier_id: Option<i64>,
    pub product_id: Option<i64>,
    /// Policies whose term ends in this month: `[from, until)`.
    pub term_end: Option<(NaiveDate, NaiveDate)>,
    /// One writing agent (staff only; an agent's scope already limits them).
    pub agent_id: Option<i64>,
}

/// The orders a list can take; each breaks ties by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicySort {
    /// Most recently recorded first.
    #[default]
    Newest,
    /// Latest effective date first.
    Effective,
    /// Soonest term end (renewal) first.
    TermEnd,
    /// Largest premium first.
    Premium,
    /// Insured's name, A to Z.
    Insured,
    /// Policy number, in order.
    Number,
}

impl PolicySort {
    pub const ALL: [(PolicySort, &'static str, &'static str); 6] = [
        (PolicySort::Newest, "", "Newest first"),
        (PolicySort::Effective, "effective", "Effective date, latest first"),
        (PolicySort::TermEnd, "term_end", "Term end, soonest first"),
        (PolicySort::Premium, "premium", "Premium, largest first"),
        (PolicySort::Insured, "insured", "Insured, A to Z"),
        (PolicySort::Number, "number", "Policy number"),
    ];

    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _, _)| *s == self)
            .map(|(_, k, _)| *k)
            .unwrap_or("")
    }

    pub fn parse(raw: &str) -> Option<PolicySort> {
        Self::ALL.iter().find(|(_, k, _)| *k == raw.trim()).map(|(s, _, _)| *s)
    }
}

type Boxed<'a> = policies::BoxedQuery<'a, MultiBackend>;

/// The scope and filter as conditions on `policies` (shared by the page, the count-free export and
/// the API).
fn filtered<'a>(scope: &Scope, f: &PolicyFilter) -> Boxed<'a> {
    let mut q = policies::table.into_boxed();
    if let Scope::Agents(ids) = scope {
        q = match ids.as_slice() {
            // One agent: a statement SQLite keeps prepared (see leads::model::list_leads).
            [one] => q.filter(policies::agent_id.eq(*one)),
            _ => q.filter(policies::agent_id.eq_any(ids.clone())),
        };
    }
    if let Some(text) = f.q.as_deref() {
        for p in search_patterns(text) {
            q = q.filter(
                lower(policies::insured_name)
                    .like(p.clone())
                    .escape('\\')
                    .or(lower(policies::policy_number).like(p).escape('\\')),
            );
        }
    }
    if let Some(s) = f.status {
        q = q.filter(policies::status.eq(s));
    }
    if let Some(c) = f.carrier_id {
        q = q.filter(policies::carrier_id.eq(c));
    }
    if let Some(p) = f.product_id {
        q = q.filter(policies::product_id.eq(p));
    }
    if let Some((from, until)) = f.term_end {
        q = q
            .filter(policies::term_end_on.ge(from))
            .filter(policies::term_end_on.lt(until));
    }
    if let Some(a) = f.agent_id {
        q = q.filter(policies::agent_id.eq(a));
    }
    q
}

/// A keyset page: up to `limit` policies after the policy `after` in the sort order, and whether
/// there are more. A cursor that names no policy starts from the beginning.
pub fn list_policies(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &PolicyFilter,
    sort: PolicySort,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<PolicyRow>, bool)> {
    let mut q = filtered(scope, f);
    let last = match after {
        Some(id) => super::find(conn, id).optional()?,
        None => None,
    };
    // (column, the cursor's value, ascending?): rows strictly after the cursor, ties by id.
    macro_rules! page {
        ($col:expr, $value:expr, $asc:expr) => {{
            if let Some(l) = &last {
                let v = $value(l);
                q = if $asc {
                    q.filter($col.gt(v.clone()).or($col.eq(v).and(policies::id.gt(l.id))))
                } else {
                    q.filter($col.lt(v.clone()).or($col.eq(v).and(policies::id.lt(l.id))))
                };
            }
            q = if $asc {
                q.order(($col.asc(), policies::id.asc()))
            } else {
                q.order(($col.desc(), policies::id.desc()))
            };
        }};
    }
    match sort {
        PolicySort::Newest => {
            if let Some(l) = &last {
                q = q.filter(policies::id.lt(l.id));
            }
            q = q.order(policies::id.desc());
        }
        PolicySort::Effective => page!(policies::effective_on, |l: &PolicyRow| l.effective_on, false),
        PolicySort::TermEnd => page!(policies::term_end_on, |l: &PolicyRow| l.term_end_on, true),
        PolicySort::Premium => page!(policies::premium_cents, |l: &PolicyRow| l.premium_cents, false),
        PolicySort::Insured => page!(policies::insured_name, |l: &PolicyRow| l.insured_name.clone(), true),
        PolicySort::Number => page!(policies::policy_number, |l: &PolicyRow| l.policy_number.clone(), true),
    }
    let mut rows: Vec<PolicyRow> = q.limit(limit + 1).select(PolicyRow::as_select()).load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The names of these carriers and products (for a page of rows), as `(id, name)`.
pub fn names(conn: &mut DbConnection, rows: &[PolicyRow]) -> QueryResult<Names> {
    let mut carrier_ids: Vec<i64> = rows.iter().map(|p| p.carrier_id).collect();
    carrier_ids.sort_unstable();
    carrier_ids.dedup();
    let mut product_ids: Vec<i64> = rows.iter().map(|p| p.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let mut agent_ids: Vec<i64> = rows.iter().map(|p| p.agent_id).collect();
    agent_ids.sort_unstable();
    agent_ids.dedup();
    let carriers = if carrier_ids.is_empty() {
        Vec::new()
    } else {
        carriers::table
            .filter(carriers::id.eq_any(carrier_ids))
            .select((carriers::id, carriers::name))
            .load(conn)?
    };
    let products = if product_ids.is_empty() {
        Vec::new()
    } else {
        carrier_products::table
            .filter(carrier_products::id.eq_any(product_ids))
            .select((carrier_products::id, carrier_products::name))
            .load(conn)?
    };
    let agents = crate::leads::model::agent_names(conn, &agent_ids)?;
    Ok(Names {
        carriers,
        products,
        agents,
    })
}

/// Carrier, product and agent names of a page of policies.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub carriers: Vec<(i64, String)>,
    pub products: Vec<(i64, String)>,
    pub agents: Vec<(i64, String)>,
}

impl Names {
    fn of(list: &[(i64, String)], id: i64) -> String {
        list.iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }

    pub fn carrier(&self, id: impl std::borrow::Borrow<i64>) -> String {
        Self::of(&self.carriers, *id.borrow())
    }

    pub fn product(&self, id: impl std::borrow::Borrow<i64>) -> String {
        Self::of(&self.products, *id.borrow())
    }

    pub fn agent(&self, id: impl std::borrow::Borrow<i64>) -> String {
        Self::of(&self.agents, *id.borrow())
    }
}
