//! CSV export of exactly the current filter, streamed a thousand rows at a time (constant memory
//! however many leads match), each exported lead noting the export in its history.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;

use super::model::{self, LeadFilter, LeadSort};
use super::service::{self, Viewer};
use super::view::{parse_query, LeadQuery};
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::AppResult;
use crate::spreadsheet;
use crate::web::AppState;

const BATCH: i64 = 1000;

pub const HEADER: &[&str] = &[
    "id",
    "created_at",
    "status",
    "source",
    "product_line",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "zip",
    "state",
    "city",
    "assigned_agent",
    "has_consent",
    "do_not_call",
    "external_id",
    "tags",
];

struct Cursor {
    db: Db,
    viewer: Viewer,
    filter: LeadFilter,
    sort: LeadSort,
    after: Option<i64>,
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
    let (viewer, filter, sort, after) = (c.viewer.clone(), c.filter.clone(), c.sort, c.after);
    let page =
        c.db.read(move |conn| {
            let (rows, more) = model::list_leads(conn, &viewer.scope, &filter, sort, after, BATCH)?;
            let mut ids: Vec<i64> = rows.iter().filter_map(|(l, _)| l.assigned_agent_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let names = model::agent_names(conn, &ids)?;
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
    let ids: Vec<i64> = rows.iter().map(|(l, _)| l.id).collect();
    let viewer = c.viewer.clone();
    if !ids.is_empty() {
        let noted = ids.clone();
        if let Err(e) =
            c.db.write(move |conn| service::record_export(conn, &viewer, &noted))
                .await
        {
            c.done = true;
            return Some((Err(actix_web::error::ErrorInternalServerError(e.public_message())), c));
        }
    }
    c.after = ids.last().copied();
    c.done = !more;
    let records: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(l, ct)| {
            let agent = l
                .assigned_agent_id
                .and_then(|a| names.iter().find(|(id, _)| *id == a))
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            vec![
                l.id.to_string(),
                l.created_at.and_utc().to_rfc3339(),
                l.status,
                l.source,
                l.product_line,
                ct.first_name,
                ct.last_name,
                ct.email.unwrap_or_default(),
                ct.phone.unwrap_or_default(),
                ct.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                ct.zip.unwrap_or_default(),
                ct.state.unwrap_or_default(),
                ct.city.unwrap_or_default(),
                agent,
                l.has_consent.to_string(),
                ct.do_not_call.to_string(),
                l.external_id.unwrap_or_default(),
                l.tags,
            ]
        })
        .collect();
    Some((Ok(web::Bytes::from(spreadsheet::to_bytes(records))), c))
}

pub async fn export(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<LeadQuery>,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    // Only owners and admins reach this page (the route table says so).
    let viewer = state.db.read(move |c| Viewer::load(c, &u)).await?;
    let mut parsed = parse_query(&query, user.time_zone, true);
    // A bulk selection arrives as repeated id= parameters.
    let ids: Vec<i64> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if !ids.is_empty() {
        parsed.filter.ids = Some(ids.into_iter().take(10_000).collect());
    }
    let who = user.audit();
    let detail = format!("{:?}", parsed.echo);
    state
        .db
        .write(move |c| Ok(audit::record(c, &who, "leads.exported", "lead", None, &detail)?))
        .await?;
    let cursor = Cursor {
        db: state.db.clone(),
        viewer,
        filter: parsed.filter,
        sort: parsed.sort,
        after: None,
        header_sent: false,
        done: false,
    };
    let name = format!("leads-{}.csv", crate::db::now().format("%Y%m%d-%H%M%S"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"{name}\"")))
        .streaming(stream::unfold(cursor, next_chunk)))
}
