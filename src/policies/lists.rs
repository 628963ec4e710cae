//! "My policies" and the owner's list: search, filters, sort, keyset pages, partial updates, the
//! streamed CSV export of the current filter (items 11, 12).
//!
//! An agent's list holds their own policies, and their team's when they lead one (the viewer's
//! scope, as for leads); owners and admins see every policy and may filter by agent and export.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Months, NaiveDate};
use futures_util::stream;

use super::model::lists::{self, Names, PolicyFilter, PolicySort};
use super::model::{self as policy_model, CarrierRow, PolicyRow, ProductRow};
use super::service::Viewer;
use crate::audit;
use crate::auth::roles::STAFF;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::domain::money::{decimal_cents, format_cents};
use crate::domain::policy::PolicyStatus;
use crate::error::AppResult;
use crate::spreadsheet;
use crate::web::context::{is_partial, PageCtx};
use crate::web::routes::{Access, Routes};
use crate::web::{non_empty, render, AppState};

pub const PER_PAGE: i64 = 50;

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/policies", Access::Roles(super::POLICY_USERS), index)
        .get("/policies/export", Access::Roles(STAFF), export);
}

/// A list's query string as sent (the page, the export and the API read the same one).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PolicyQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub carrier: Option<String>,
    pub product: Option<String>,
    /// The renewal month, `YYYY-MM` (the term end's month).
    pub renewal: Option<String>,
    pub agent: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
}

/// The query, checked: what is odd is dropped, never an error.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    pub filter: PolicyFilter,
    pub sort: PolicySort,
    pub after: Option<i64>,
    /// What the links of the page carry on (the query as understood, without the cursor).
    pub echo: Vec<(&'static str, String)>,
}

/// `YYYY-MM` → the month's first day and the next month's.
fn month(raw: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d").ok()?;
    Some((first, first.checked_add_months(Months::new(1))?))
}

/// Reads a list's query into a filter, a sort and a cursor; only `staff` may filter by agent.
pub fn parse_query(q: &PolicyQuery, staff: bool) -> ParsedQuery {
    let mut f = PolicyFilter {
        q: non_empty(&q.q).map(|s| s.chars().take(100).collect()),
        ..Default::default()
    };
    let mut echo: Vec<(&'static str, String)> = Vec::new();
    if let Some(s) = &f.q {
        echo.push(("q", s.clone()));
    }
    if let Some(s) = non_empty(&q.status).and_then(|s| s.parse::<PolicyStatus>().ok()) {
        f.status = Some(s);
        echo.push(("status", s.as_str().into()));
    }
    let id = |v: &Option<String>| non_empty(v).and_then(|v| v.parse::<i64>().ok());
    if let Some(c) = id(&q.carrier) {
        f.carrier_id = Some(c);
        echo.push(("carrier", c.to_string()));
    }
    if let Some(p) = id(&q.product) {
        f.product_id = Some(p);
        echo.push(("product", p.to_string()));
    }
    if let Some(raw) = non_empty(&q.renewal) {
        if let Some(m) = month(raw) {
            f.term_end = Some(m);
            echo.push(("renewal", m.0.format("%Y-%m").to_string()));
        }
    }
    if staff {
        if let Some(a) = id(&q.agent) {
            f.agent_id = Some(a);
            echo.push(("agent", a.to_string()));
        }
    }
    let sort = non_empty(&q.sort).and_then(PolicySort::parse).unwrap_or_default();
    if sort != PolicySort::Newest {
        echo.push(("sort", sort.key().into()));
    }
    ParsedQuery {
        filter: f,
        sort,
        after: id(&q.after),
        echo,
    }
}

/// `base` with the query the list echoes back and, when given, the cursor `after`.
pub fn url_with(base: &str, echo: &[(&'static str, String)], after: Option<i64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in echo {
        s.append_pair(k, v);
    }
    if let Some(a) = after {
        s.append_pair("after", &a.to_string());
    }
    let qs = s.finish();
    if qs.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{qs}")
    }
}

// ---- the page -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "policies/list.html", blocks = ["results"])]
struct ListPage {
    ctx: PageCtx,
    staff: bool,
    heading: &'static str,
    q: PolicyQuery,
    rows: Vec<PolicyRow>,
    names: Names,
    next_url: Option<String>,
    first_url: Option<String>,
    export_url: String,
    filtered: bool,
    statuses: &'static [PolicyStatus],
    sorts: [(PolicySort, &'static str, &'static str); 6],
    catalogue: Vec<(CarrierRow, Vec<ProductRow>)>,
    agents: Vec<(i64, String)>,
    many_agents: bool,
}

impl ListPage {
    fn val(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    fn picked(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref().unwrap_or("") == option
    }

    fn money(&self, cents: &i64) -> String {
        format_cents(*cents)
    }
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PolicyQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let u = user.clone();
    let caches = state.caches.clone();
    let partial = is_partial(&req);
    let (viewer, parsed, rows, more, names, catalogue, (agents, many_agents)) = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let parsed = parse_query(&q, viewer.is_staff());
            let (rows, more) =
                lists::list_policies(c, &viewer.scope, &parsed.filter, parsed.sort, parsed.after, PER_PAGE)?;
            let names = lists::names(c, &rows)?;
            // The filter form is not part of a partial answer: its menus are not read for one.
            let catalogue = if partial {
                Vec::new()
            } else {
                policy_model::catalogue(c)?
            };
            let agents = if viewer.is_staff() && !partial {
                crate::leads::model::agent_menu_cached(c, &caches.leads)?
            } else {
                (Vec::new(), false)
            };
            Ok((viewer, (parsed, q), rows, more, names, catalogue, agents))
        })
        .await?;
    let (parsed, q) = parsed;
    let staff = viewer.is_staff();
    let next_url = more.then(|| url_with("/policies", &parsed.echo, rows.last().map(|r| r.id)));
    let page = ListPage {
        ctx,
        staff,
        heading: if staff { "All policies" } else { "My policies" },
        filtered: !parsed.echo.iter().all(|(k, _)| *k == "sort"),
        first_url: parsed.after.map(|_| url_with("/policies", &parsed.echo, None)),
        export_url: url_with("/policies/export", &parsed.echo, None),
        q,
        rows,
        names,
        next_url,
        statuses: PolicyStatus::ALL,
        sorts: PolicySort::ALL,
        catalogue,
        agents,
        many_agents,
    };
    if partial {
        return render(&page.as_results());
    }
    render(&page)
}

// ---- the export -----------------------------------------------------------------------------

const BATCH: i64 = 1000;

pub const HEADER: &[&str] = &[
    "id",
    "policy_number",
    "status",
    "insured",
    "carrier",
    "product",
    "product_line",
    "agent",
    "submitted_on",
    "effective_on",
    "term_end_on",
    "premium",
    "billing_frequency",
    "lives",
    "plan_year",
    "enrollment_type",
    "state",
    "source",
];

/// One policy as a row of the export.
fn record(p: PolicyRow, names: &Names) -> Vec<String> {
    vec![
        p.id.to_string(),
        p.policy_number,
        p.status.as_str().into(),
        p.insured_name,
        names.carrier(p.carrier_id),
        names.product(p.product_id),
        p.product_line.as_str().into(),
        names.agent(p.agent_id),
        p.submitted_on.to_string(),
        p.effective_on.to_string(),
        p.term_end_on.to_string(),
        decimal_cents(p.premium_cents),
        p.billing_frequency.as_str().into(),
        p.lives.to_string(),
        p.plan_year.map(|y| y.to_string()).unwrap_or_default(),
        p.enrollment_type.map(|e| e.as_str().to_string()).unwrap_or_default(),
        p.insured_state,
        p.source.as_str().into(),
    ]
}

struct Cursor {
    db: Db,
    viewer: Viewer,
    parsed: ParsedQuery,
    header_sent: bool,
    done: bool,
}

async fn next_chunk(mut c: Cursor) -> Option<(Result<web::Bytes, actix_web::Error>, Cursor)> {
    if c.done {
        return None;
    }
    if !c.header_sent {
        c.header_sent = true;
        return Some((Ok(web::Bytes::from(spreadsheet::to_bytes([HEADER]))), c));
    }
    let (scope, p) = (c.viewer.scope.clone(), c.parsed.clone());
    let page =
        c.db.read(move |conn| {
            let (rows, more) = lists::list_policies(conn, &scope, &p.filter, p.sort, p.after, BATCH)?;
            let names = lists::names(conn, &rows)?;
            Ok((rows, more, names))
        })
        .await;
    let (rows, more, names) = match page {
        Ok(p) => p,
        Err(e) => {
            c.done = true;
            return Some((Err(actix_web::error::ErrorInternalServerError(e.public_message())), c));
        }
    };
    c.parsed.after = rows.last().map(|r| r.id);
    c.done = !more;
    let records: Vec<Vec<String>> = rows.into_iter().map(|p| record(p, &names)).collect();
    Some((Ok(web::Bytes::from(spreadsheet::to_bytes(records))), c))
}

/// The CSV of exactly the current filter and order, streamed a thousand rows at a time
/// (constant memory however many policies match). Owners and admins only, as for leads.
pub async fn export(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PolicyQuery>,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let viewer = state.db.read(move |c| Viewer::load(c, &u)).await?;
    let mut parsed = parse_query(&query, viewer.is_staff());
    parsed.after = None;
    let who = user.audit();
    let detail = format!("{:?}", parsed.echo);
    state
        .db
        .write(move |c| Ok(audit::record(c, &who, "policies.exported", "policy", None, &detail)?))
        .await?;
    let cursor = Cursor {
        db: state.db.clone(),
        viewer,
        parsed,
        header_sent: false,
        done: false,
    };
    let name = format!("policies-{}.csv", crate::db::now().format("%Y%m%d-%H%M%S"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"{name}\"")))
        .streaming(stream::unfold(cursor, next_chunk)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> PolicyQuery {
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_urlencoded_like(&qs)
    }

    /// The query as actix reads it (serde from the pairs).
    fn serde_urlencoded_like(qs: &str) -> PolicyQuery {
        let map: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(qs.as_bytes()).into_owned().collect();
        serde_json::from_value(serde_json::to_value(map).unwrap()).unwrap()
    }

    #[test]
    fn odd_values_are_dropped_and_only_staff_filter_by_agent() {
        let q = query(&[
            ("status", "active"),
            ("carrier", "7"),
            ("product", "x"),
            ("renewal", "2027-02"),
            ("agent", "3"),
            ("sort", "premium"),
            ("after", "99"),
        ]);
        let staff = parse_query(&q, true);
        assert_eq!(staff.filter.status, Some(PolicyStatus::Active));
        assert_eq!(staff.filter.carrier_id, Some(7));
        assert_eq!(staff.filter.product_id, None);
        assert_eq!(
            staff.filter.term_end,
            Some((
                NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
            ))
        );
        assert_eq!(staff.filter.agent_id, Some(3));
        assert_eq!((staff.sort, staff.after), (PolicySort::Premium, Some(99)));
        assert_eq!(
            url_with("/policies", &staff.echo, Some(5)),
            "/policies?status=active&carrier=7&renewal=2027-02&agent=3&sort=premium&after=5"
        );
        let agent = parse_query(&q, false);
        assert_eq!(agent.filter.agent_id, None);
        let odd = parse_query(
            &query(&[("status", "gone"), ("renewal", "2027-13"), ("sort", "x")]),
            false,
        );
        assert_eq!(odd.filter, PolicyFilter::default());
        assert_eq!(odd.sort, PolicySort::Newest);
        assert!(odd.echo.is_empty());
    }

    #[test]
    fn every_sort_key_reads_back() {
        for (sort, key, _) in PolicySort::ALL {
            assert_eq!(PolicySort::parse(key), Some(sort));
        }
    }
}
