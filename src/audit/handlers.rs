use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::model::{self, AuditFilter, AuditRow};
use crate::error::AppResult;
use crate::web::context::{is_partial, PageCtx};
use crate::web::{non_empty, render, AppState};

const PER_PAGE: i64 = 50;

#[derive(Debug, serde::Deserialize)]
pub struct AuditQuery {
    q: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "audit/index.html", blocks = ["results"])]
struct AuditPage {
    ctx: PageCtx,
    q: String,
    entity: String,
    entities: Vec<String>,
    rows: Vec<AuditRow>,
    next_url: Option<String>,
    is_first_page: bool,
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let filter = AuditFilter {
        q: non_empty(&query.q).map(str::to_string),
        entity: non_empty(&query.entity).map(str::to_string),
        entity_id: non_empty(&query.entity_id).and_then(|v| v.parse().ok()),
    };
    let before = non_empty(&query.before).and_then(|v| v.parse::<i64>().ok());
    let f = filter.clone();
    let (rows, next, entities) = state
        .db
        .read(move |c| {
            let (rows, next) = model::list(c, &f, before, PER_PAGE)?;
            Ok((rows, next, model::entities(c)?))
        })
        .await?;
    let next_url = next.map(|id| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = &filter.q {
            s.append_pair("q", q);
        }
        if let Some(e) = &filter.entity {
            s.append_pair("entity", e);
        }
        if let Some(e) = filter.entity_id {
            s.append_pair("entity_id", &e.to_string());
        }
        s.append_pair("before", &id.to_string());
        format!("/admin/audit?{}", s.finish())
    });
    let page = AuditPage {
        ctx,
        q: filter.q.unwrap_or_default(),
        entity: filter.entity.unwrap_or_default(),
        entities,
        rows,
        next_url,
        is_first_page: before.is_none(),
    };
    if is_partial(&req) {
        return render(&page.as_results());
    }
    render(&page)
}
