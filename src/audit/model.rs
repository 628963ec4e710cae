use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AuditActor;
use crate::db::schema::audit_log;
use crate::db::{contains_pattern, lower, now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub details: String,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Appends one entry. Call it inside the transaction that makes the change.
pub fn record(
    conn: &mut DbConnection,
    actor: &AuditActor,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor.id),
            audit_log::actor_label.eq(&actor.label),
            audit_log::action.eq(action),
            audit_log::entity.eq(entity),
            audit_log::entity_id.eq(entity_id),
            audit_log::details.eq(details),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub q: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
}

/// Newest first: a page of entries and the id to continue after (keyset on id).
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, Option<i64>)> {
    let mut q = audit_log::table.into_boxed();
    if let Some(text) = filter.q.as_deref() {
        let p = contains_pattern(text);
        q = q.filter(
            lower(audit_log::actor_label)
                .like(p.clone())
                .escape('\\')
                .or(lower(audit_log::action).like(p.clone()).escape('\\'))
                .or(lower(audit_log::details).like(p).escape('\\')),
        );
    }
    if let Some(e) = filter.entity.as_deref() {
        q = q.filter(audit_log::entity.eq(e.to_string()));
    }
    if let Some(id) = filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(id));
    }
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    let mut rows: Vec<AuditRow> = q
        .order(audit_log::id.desc())
        .limit(limit + 1)
        .select(AuditRow::as_select())
        .load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

pub fn entities(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    audit_log::table
        .select(audit_log::entity)
        .distinct()
        .order(audit_log::entity.asc())
        .load(conn)
}
