//! Queries for documents and SOA records.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{DocumentRow, SoaRow};
use crate::db::schema::{agents, contacts, leads, policies, policy_documents, soa_records, users};
use crate::db::{lower, search_patterns, DbConnection};
use crate::domain::policy::{DocumentKind, SoaMethod, SoaStatus};
use crate::leads::model::Scope;

/// The newest signed SOA between this beneficiary and agent that is valid at `at` (signed by
/// then and not yet past its validity): the one a Medicare policy is sold under.
pub fn valid_soa_for(
    conn: &mut DbConnection,
    contact_id: i64,
    agent_id: i64,
    at: NaiveDateTime,
) -> QueryResult<Option<SoaRow>> {
    soa_records::table
        .filter(soa_records::contact_id.eq(contact_id))
        .filter(soa_records::agent_id.eq(agent_id))
        .filter(soa_records::status.eq(SoaStatus::Signed))
        .filter(soa_records::signed_at.le(at))
        .filter(soa_records::valid_until.ge(at))
        .order(soa_records::signed_at.desc())
        .select(SoaRow::as_select())
        .first(conn)
        .optional()
}

// ---- documents ------------------------------------------------------------------------------

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = policy_documents)]
pub struct NewDocument {
    pub policy_id: i64,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_document(conn: &mut DbConnection, d: &NewDocument) -> QueryResult<i64> {
    diesel::insert_into(policy_documents::table)
        .values(d)
        .returning(policy_documents::id)
        .get_result(conn)
}

/// The document, if it is one of this policy's.
pub fn find_document(conn: &mut DbConnection, policy_id: i64, id: i64) -> QueryResult<Option<DocumentRow>> {
    policy_documents::table
        .filter(policy_documents::id.eq(id))
        .filter(policy_documents::policy_id.eq(policy_id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a document verified, once: 0 when it already was.
pub fn mark_verified(conn: &mut DbConnection, id: i64, by: Option<i64>, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        policy_documents::table
            .filter(policy_documents::id.eq(id))
            .filter(policy_documents::verified_at.is_null()),
    )
    .set((
        policy_documents::verified_at.eq(at),
        policy_documents::verified_by.eq(by),
    ))
    .execute(conn)
}

// ---- Scope of Appointment -------------------------------------------------------------------

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = soa_records)]
pub struct NewSoa {
    pub contact_id: i64,
    pub agent_id: i64,
    pub lead_id: Option<i64>,
    pub product_types: String,
    pub method: SoaMethod,
    pub status: SoaStatus,
    pub appointment_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
    pub retain_until: NaiveDate,
    pub signed_name: Option<String>,
    pub token_hash: Option<String>,
    pub token_expires_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_soa(conn: &mut DbConnection, s: &NewSoa) -> QueryResult<i64> {
    diesel::insert_into(soa_records::table)
        .values(s)
        .returning(soa_records::id)
        .get_result(conn)
}

/// The SOA whose e-signature link has this digest.
pub fn soa_by_token(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<SoaRow>> {
    soa_records::table
        .filter(soa_records::token_hash.eq(token_hash))
        .select(SoaRow::as_select())
        .first(conn)
        .optional()
}

/// A new e-signature link for an SOA still awaiting its signature.
pub fn set_soa_token(
    conn: &mut DbConnection,
    id: i64,
    token_hash: &str,
    expires_at: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        soa_records::table
            .filter(soa_records::id.eq(id))
            .filter(soa_records::status.eq(SoaStatus::AwaitingSignature)),
    )
    .set((
        soa_records::token_hash.eq(token_hash),
        soa_records::token_expires_at.eq(expires_at),
        soa_records::token_used_at.eq(None::<NaiveDateTime>),
        soa_records::updated_at.eq(at),
    ))
    .execute(conn)
}

/// What the beneficiary's signature writes.
pub struct Signature<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub at: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub retain_until: NaiveDate,
}

/// Signs the SOA behind this link, if the link is still unused and in time: 1, else 0 (so two
/// uses at once sign it once).
pub fn sign_soa(conn: &mut DbConnection, token_hash: &str, s: &Signature<'_>) -> QueryResult<usize> {
    diesel::update(
        soa_records::table
            .filter(soa_records::token_hash.eq(token_hash))
            .filter(soa_records::token_used_at.is_null())
            .filter(soa_records::token_expires_at.ge(s.at))
            .filter(soa_records::status.eq(SoaStatus::AwaitingSignature)),
    )
    .set((
        soa_records::status.eq(SoaStatus::Signed),
        soa_records::signed_at.eq(s.at),
        soa_records::valid_until.eq(s.valid_until),
        soa_records::retain_until.eq(s.retain_until),
        soa_records::signed_name.eq(s.name),
        soa_records::signed_text.eq(s.text),
        soa_records::signed_ip.eq(s.ip),
        soa_records::signed_user_agent.eq(s.user_agent),
        soa_records::token_used_at.eq(s.at),
        soa_records::updated_at.eq(s.at),
    ))
    .execute(conn)
}

/// One row of the SOA list: the record, the beneficiary's name and the agent's.
pub struct SoaListRow {
    pub soa: SoaRow,
    pub beneficiary: String,
    pub agent: String,
}

/// The SOAs the scope sees, newest first (older than `before` when given), whose beneficiary
/// matches every word of `q`.
pub fn list_soas(
    conn: &mut DbConnection,
    scope: &Scope,
    q: &str,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<SoaListRow>> {
    let mut query = soa_records::table
        .inner_join(contacts::table)
        .inner_join(agents::table.inner_join(users::table))
        .select((
            SoaRow::as_select(),
            contacts::first_name,
            contacts::last_name,
            users::name,
        ))
        .order(soa_records::id.desc())
        .limit(limit)
        .into_boxed();
    if let Scope::Agents(ids) = scope {
        query = query.filter(soa_records::agent_id.eq_any(ids.clone()));
    }
    if let Some(id) = before {
        query = query.filter(soa_records::id.lt(id));
    }
    for p in search_patterns(q) {
        query = query.filter(
            lower(contacts::first_name)
                .like(p.clone())
                .escape('\\')
                .or(lower(contacts::last_name).like(p).escape('\\')),
        );
    }
    let rows: Vec<(SoaRow, String, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(soa, first, last, agent)| SoaListRow {
            soa,
            beneficiary: format!("{first} {last}").trim().to_string(),
            agent,
        })
        .collect())
}

/// The policies sold under this SOA: (id, number, insured).
pub fn policies_under(conn: &mut DbConnection, soa_id: i64) -> QueryResult<Vec<(i64, String, String)>> {
    policies::table
        .filter(policies::soa_id.eq(soa_id))
        .order(policies::id.asc())
        .select((policies::id, policies::policy_number, policies::insured_name))
        .load(conn)
}

/// The contacts the scope may record an SOA for: those of its leads and policies (everyone's for
/// staff), newest first: (id, name, e-mail).
pub fn contact_choices(
    conn: &mut DbConnection,
    scope: &Scope,
    limit: i64,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    let sel = (contacts::id, contacts::first_name, contacts::last_name, contacts::email);
    let rows: Vec<(i64, String, String, Option<String>)> = match scope {
        Scope::All => contacts::table
            .order(contacts::id.desc())
            .limit(limit)
            .select(sel)
            .load(conn)?,
        Scope::Agents(ids) => {
            let from_leads = leads::table
                .filter(leads::assigned_agent_id.eq_any(ids.clone()))
                .select(leads::contact_id);
            let from_policies = policies::table
                .filter(policies::agent_id.eq_any(ids.clone()))
                .select(policies::contact_id);
            contacts::table
                .filter(contacts::id.eq_any(from_leads).or(contacts::id.eq_any(from_policies)))
                .order(contacts::id.desc())
                .limit(limit)
                .select(sel)
                .load(conn)?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(id, f, l, e)| (id, format!("{f} {l}").trim().to_string(), e))
        .collect())
}

/// Whether the scope may record an SOA for this contact (one of its leads' or policies').
pub fn contact_visible(conn: &mut DbConnection, scope: &Scope, contact_id: i64) -> QueryResult<bool> {
    match scope {
        Scope::All => Ok(true),
        Scope::Agents(ids) => {
            let lead: Option<i64> = leads::table
                .filter(leads::contact_id.eq(contact_id))
                .filter(leads::assigned_agent_id.eq_any(ids.clone()))
                .select(leads::id)
                .first(conn)
                .optional()?;
            if lead.is_some() {
                return Ok(true);
            }
            let policy: Option<i64> = policies::table
                .filter(policies::contact_id.eq(contact_id))
                .filter(policies::agent_id.eq_any(ids.clone()))
                .select(policies::id)
                .first(conn)
                .optional()?;
            Ok(policy.is_some())
        }
    }
}

/// The agents the scope may record an SOA for (active users), by name: (id, name).
pub fn agent_choices(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<(i64, String)>> {
    let mut q = agents::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .select((agents::id, users::name))
        .into_boxed();
    if let Scope::Agents(ids) = scope {
        q = q.filter(agents::id.eq_any(ids.clone()));
    }
    q.load(conn)
}
