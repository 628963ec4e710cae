//! The queries of policies: the rows of every policy table, reading a policy with what its page
//! shows, and the core writes (a policy with its schedule, its history events). Each part of the
//! domain adds its own queries in its own file beside this one.

pub mod api;
pub mod book;
pub mod catalogue;
pub mod lists;
pub mod money;
pub mod papers;
pub mod sweep;
pub mod transitions;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    carrier_products, carriers, policies, policy_documents, policy_endorsements, policy_events, policy_instalments,
    policy_payments, policy_renewals, policy_rules, soa_records,
};
use crate::db::{now, DbConnection};
use crate::domain::policy::{
    BillingFrequency, DocumentKind, EndorsementKind, EnrollmentType, PaymentMethod, PolicySource, PolicyStatus,
    ProductSubType, RenewalStatus, SoaMethod, SoaStatus,
};
use crate::domain::ProductLine;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = carriers)]
pub struct CarrierRow {
    pub id: i64,
    pub name: String,
    pub naic_code: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = carrier_products)]
pub struct ProductRow {
    pub id: i64,
    pub carrier_id: i64,
    pub name: String,
    pub product_line: ProductLine,
    pub sub_type: Option<ProductSubType>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: i64,
    pub contact_id: i64,
    pub agent_id: i64,
    pub carrier_id: i64,
    pub product_id: i64,
    pub lead_id: Option<i64>,
    pub soa_id: Option<i64>,
    pub renewal_of_id: Option<i64>,
    pub policy_number: String,
    pub insured_name: String,
    pub status: PolicyStatus,
    pub product_line: ProductLine,
    pub submitted_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub term_end_on: NaiveDate,
    pub premium_cents: i64,
    pub billing_frequency: BillingFrequency,
    pub lives: i32,
    pub plan_year: Option<i32>,
    pub enrollment_type: Option<EnrollmentType>,
    pub coverage: String,
    pub insured_street: String,
    pub insured_city: String,
    pub insured_state: String,
    pub insured_zip: String,
    pub cancel_reason: Option<String>,
    pub cancelled_on: Option<NaiveDate>,
    pub source: PolicySource,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_renewals)]
pub struct RenewalRow {
    pub policy_id: i64,
    pub status: RenewalStatus,
    pub offered_premium_cents: Option<i64>,
    pub offered_term_end_on: Option<NaiveDate>,
    pub notified_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub renewed_policy_id: Option<i64>,
    pub decline_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_events)]
pub struct EventRow {
    pub id: i64,
    pub policy_id: i64,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_endorsements)]
pub struct EndorsementRow {
    pub id: i64,
    pub policy_id: i64,
    pub kind: EndorsementKind,
    pub effective_on: NaiveDate,
    pub description: String,
    pub before_value: String,
    pub after_value: String,
    pub premium_delta_cents: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_instalments)]
pub struct InstalmentRow {
    pub id: i64,
    pub policy_id: i64,
    pub seq: i32,
    pub due_on: NaiveDate,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_payments)]
pub struct PaymentRow {
    pub id: i64,
    pub policy_id: i64,
    pub amount_cents: i64,
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: String,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_documents)]
pub struct DocumentRow {
    pub id: i64,
    pub policy_id: i64,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = soa_records)]
pub struct SoaRow {
    pub id: i64,
    pub contact_id: i64,
    pub agent_id: i64,
    pub lead_id: Option<i64>,
    /// Comma-separated product line keys.
    pub product_types: String,
    pub method: SoaMethod,
    pub status: SoaStatus,
    pub appointment_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
    pub retain_until: NaiveDate,
    pub signed_name: Option<String>,
    pub signed_text: Option<String>,
    pub signed_ip: Option<String>,
    pub signed_user_agent: Option<String>,
    pub token_hash: Option<String>,
    pub token_expires_at: Option<NaiveDateTime>,
    pub token_used_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A policy to write (validated by `service::PolicyInput`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = policies)]
pub struct NewPolicy {
    pub contact_id: i64,
    pub agent_id: i64,
    pub carrier_id: i64,
    pub product_id: i64,
    pub lead_id: Option<i64>,
    pub soa_id: Option<i64>,
    pub renewal_of_id: Option<i64>,
    pub policy_number: String,
    pub insured_name: String,
    pub status: PolicyStatus,
    pub product_line: ProductLine,
    pub submitted_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub term_end_on: NaiveDate,
    pub premium_cents: i64,
    pub billing_frequency: BillingFrequency,
    pub lives: i32,
    pub plan_year: Option<i32>,
    pub enrollment_type: Option<EnrollmentType>,
    pub coverage: String,
    pub insured_street: String,
    pub insured_city: String,
    pub insured_state: String,
    pub insured_zip: String,
    pub source: PolicySource,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
}

pub fn insert_policy(conn: &mut DbConnection, p: &NewPolicy) -> QueryResult<i64> {
    diesel::insert_into(policies::table)
        .values(p)
        .returning(policies::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<PolicyRow> {
    policies::table.find(id).select(PolicyRow::as_select()).first(conn)
}

/// The policy with this number at this carrier, if any (numbers are unique per carrier).
pub fn find_by_number(conn: &mut DbConnection, carrier_id: i64, number: &str) -> QueryResult<Option<i64>> {
    policies::table
        .filter(policies::carrier_id.eq(carrier_id))
        .filter(policies::policy_number.eq(number))
        .select(policies::id)
        .first(conn)
        .optional()
}

pub fn find_carrier(conn: &mut DbConnection, id: i64) -> QueryResult<CarrierRow> {
    carriers::table.find(id).select(CarrierRow::as_select()).first(conn)
}

pub fn find_product(conn: &mut DbConnection, id: i64) -> QueryResult<ProductRow> {
    carrier_products::table
        .find(id)
        .select(ProductRow::as_select())
        .first(conn)
}

/// Active carriers with their active products, by name, for the policy form's menus.
pub fn catalogue(conn: &mut DbConnection) -> QueryResult<Vec<(CarrierRow, Vec<ProductRow>)>> {
    let carriers: Vec<CarrierRow> = carriers::table
        .filter(carriers::active.eq(true))
        .order(carriers::name.asc())
        .select(CarrierRow::as_select())
        .load(conn)?;
    let products: Vec<ProductRow> = carrier_products::table
        .filter(carrier_products::active.eq(true))
        .order(carrier_products::name.asc())
        .select(ProductRow::as_select())
        .load(conn)?;
    Ok(carriers
        .into_iter()
        .map(|c| {
            let own = products.iter().filter(|p| p.carrier_id == c.id).cloned().collect();
            (c, own)
        })
        .collect())
}

/// Moves a policy to a status (the caller has decided the move is allowed).
pub fn set_status(conn: &mut DbConnection, id: i64, to: PolicyStatus) -> QueryResult<usize> {
    let at = now();
    diesel::update(policies::table.find(id))
        .set((
            policies::status.eq(to),
            policies::status_changed_at.eq(at),
            policies::updated_at.eq(at),
        ))
        .execute(conn)
}

/// One history event of a policy.
pub struct NewEvent<'a> {
    pub policy_id: i64,
    pub actor_id: Option<i64>,
    pub actor_label: &'a str,
    pub kind: &'a str,
    pub from_status: Option<PolicyStatus>,
    pub to_status: Option<PolicyStatus>,
    pub details: &'a str,
}

pub fn add_event(conn: &mut DbConnection, e: &NewEvent<'_>) -> QueryResult<()> {
    add_event_at(conn, e, now())
}

/// An event at a given time (the demo data's back-dated history).
pub fn add_event_at(conn: &mut DbConnection, e: &NewEvent<'_>, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(policy_events::table)
        .values((
            policy_events::policy_id.eq(e.policy_id),
            policy_events::actor_id.eq(e.actor_id),
            policy_events::actor_label.eq(e.actor_label),
            policy_events::kind.eq(e.kind),
            policy_events::from_status.eq(e.from_status.map(|s| s.as_str())),
            policy_events::to_status.eq(e.to_status.map(|s| s.as_str())),
            policy_events::details.eq(e.details),
            policy_events::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<EventRow>> {
    policy_events::table
        .filter(policy_events::policy_id.eq(policy_id))
        .order(policy_events::id.asc())
        .select(EventRow::as_select())
        .load(conn)
}

/// Writes a term's schedule (one statement per 100 rows).
pub fn insert_instalments(
    conn: &mut DbConnection,
    policy_id: i64,
    schedule: &[super::schedule::Instalment],
) -> QueryResult<()> {
    let at = now();
    for chunk in schedule.chunks(100) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    policy_instalments::policy_id.eq(policy_id),
                    policy_instalments::seq.eq(i.seq),
                    policy_instalments::due_on.eq(i.due_on),
                    policy_instalments::amount_cents.eq(i.amount_cents),
                    policy_instalments::paid_cents.eq(0i64),
                    policy_instalments::created_at.eq(at),
                    policy_instalments::updated_at.eq(at),
                )
            })
            .collect();
        crate::db::direct!(conn, |c| diesel::insert_into(policy_instalments::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

pub fn instalments(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<InstalmentRow>> {
    policy_instalments::table
        .filter(policy_instalments::policy_id.eq(policy_id))
        .order(policy_instalments::seq.asc())
        .select(InstalmentRow::as_select())
        .load(conn)
}

/// The due date of the oldest instalment due before `today` that is not fully paid.
pub fn oldest_missed_due(conn: &mut DbConnection, policy_id: i64, today: NaiveDate) -> QueryResult<Option<NaiveDate>> {
    policy_instalments::table
        .filter(policy_instalments::policy_id.eq(policy_id))
        .filter(policy_instalments::due_on.lt(today))
        .filter(policy_instalments::paid_cents.lt(policy_instalments::amount_cents))
        .order(policy_instalments::due_on.asc())
        .select(policy_instalments::due_on)
        .first(conn)
        .optional()
}

pub fn payments(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<PaymentRow>> {
    policy_payments::table
        .filter(policy_payments::policy_id.eq(policy_id))
        .order(policy_payments::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)
}

pub fn endorsements(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<EndorsementRow>> {
    policy_endorsements::table
        .filter(policy_endorsements::policy_id.eq(policy_id))
        .order(policy_endorsements::id.asc())
        .select(EndorsementRow::as_select())
        .load(conn)
}

pub fn documents(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Vec<DocumentRow>> {
    policy_documents::table
        .filter(policy_documents::policy_id.eq(policy_id))
        .order(policy_documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

pub fn renewal(conn: &mut DbConnection, policy_id: i64) -> QueryResult<Option<RenewalRow>> {
    policy_renewals::table
        .find(policy_id)
        .select(RenewalRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_soa(conn: &mut DbConnection, id: i64) -> QueryResult<SoaRow> {
    soa_records::table.find(id).select(SoaRow::as_select()).first(conn)
}

/// The rules (key → value), as stored.
pub fn rules(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String, String)>> {
    policy_rules::table
        .order(policy_rules::key.asc())
        .select((
            policy_rules::key,
            policy_rules::value,
            policy_rules::label,
            policy_rules::source,
        ))
        .load(conn)
}

pub fn set_rule(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<usize> {
    diesel::update(policy_rules::table.find(key))
        .set((policy_rules::value.eq(value), policy_rules::updated_at.eq(now())))
        .execute(conn)
}
