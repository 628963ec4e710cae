//! The queries of webhooks: the agency's endpoints and each delivery with its attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{webhook_deliveries, webhook_endpoints};
use crate::db::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub active: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl EndpointRow {
    /// Whether the endpoint is on and subscribed to `event`: by name, by its family
    /// (`policy.*`), or `*`, which is every lead event (what it meant before policies had any).
    pub fn wants(&self, event: &str) -> bool {
        self.active
            && self.events.split(',').map(str::trim).any(|e| {
                e == event
                    || (e == "*" && event.starts_with("lead."))
                    || e.strip_suffix('*')
                        .is_some_and(|family| family.ends_with('.') && event.starts_with(family))
            })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub event: String,
    pub lead_id: Option<i64>,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub policy_id: Option<i64>,
}

pub fn insert_endpoint(conn: &mut DbConnection, url: &str, secret: &str, events: &str, by: i64) -> QueryResult<i64> {
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::url.eq(url),
            webhook_endpoints::secret.eq(secret),
            webhook_endpoints::events.eq(events),
            webhook_endpoints::active.eq(true),
            webhook_endpoints::created_by.eq(Some(by)),
            webhook_endpoints::created_at.eq(now()),
        ))
        .returning(webhook_endpoints::id)
        .get_result(conn)
}

pub fn endpoints(conn: &mut DbConnection) -> QueryResult<Vec<EndpointRow>> {
    // Read for every new lead (webhooks::emit).
    crate::db::direct!(conn, |c| webhook_endpoints::table
        .order(webhook_endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(c))
}

pub fn find_endpoint(conn: &mut DbConnection, id: i64) -> QueryResult<EndpointRow> {
    webhook_endpoints::table
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
}

pub fn set_endpoint_active(conn: &mut DbConnection, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(webhook_endpoints::active.eq(active))
        .execute(conn)
}

pub fn insert_delivery(
    conn: &mut DbConnection,
    endpoint_id: i64,
    event: &str,
    (lead_id, policy_id): (Option<i64>, Option<i64>),
    payload: &str,
) -> QueryResult<i64> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::event.eq(event),
            webhook_deliveries::lead_id.eq(lead_id),
            webhook_deliveries::policy_id.eq(policy_id),
            webhook_deliveries::payload.eq(payload),
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::created_at.eq(now()),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)
}

pub fn find_delivery(conn: &mut DbConnection, id: i64) -> QueryResult<(DeliveryRow, EndpointRow)> {
    webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), EndpointRow::as_select()))
        .first(conn)
}

pub fn record_attempt(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    response_status: Option<i32>,
    error: Option<&str>,
) -> QueryResult<usize> {
    let t = now();
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::response_status.eq(response_status),
            webhook_deliveries::error.eq(error),
            webhook_deliveries::last_attempt_at.eq(Some(t)),
            webhook_deliveries::delivered_at.eq((status == "delivered").then_some(t)),
        ))
        .execute(conn)
}

pub fn deliveries_of(conn: &mut DbConnection, endpoint_id: i64) -> QueryResult<Vec<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .limit(100)
        .select(DeliveryRow::as_select())
        .load(conn)
}
