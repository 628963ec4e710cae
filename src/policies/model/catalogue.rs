//! Queries for carriers and their products: the owner's list with its search, and the writes of
//! the carrier and product pages and of their CSV imports.

use diesel::prelude::*;

use super::{CarrierRow, ProductRow};
use crate::db::schema::{carrier_products, carriers};
use crate::db::{contains_pattern, lower, now, DbConnection};
use crate::domain::policy::ProductSubType;
use crate::domain::ProductLine;

/// A carrier as its form or an import row gives it, checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CarrierValues {
    pub name: String,
    pub naic_code: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
}

/// A product as its form or an import row gives it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductValues {
    pub carrier_id: i64,
    pub name: String,
    pub product_line: ProductLine,
    pub sub_type: Option<ProductSubType>,
    pub active: bool,
}

/// Carriers by name whose name or NAIC code contains `q` (all when empty), with how many
/// products each has.
pub fn list_carriers(conn: &mut DbConnection, q: &str) -> QueryResult<Vec<(CarrierRow, i64)>> {
    let mut query = carriers::table.into_boxed();
    let q = q.trim();
    if !q.is_empty() {
        let p = contains_pattern(q);
        query = query.filter(
            lower(carriers::name)
                .like(p.clone())
                .escape('\\')
                .or(carriers::naic_code.assume_not_null().like(p).escape('\\')),
        );
    }
    let rows: Vec<CarrierRow> = query
        .order(carriers::name.asc())
        .limit(500)
        .select(CarrierRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let counts: Vec<(i64, i64)> = carrier_products::table
        .filter(carrier_products::carrier_id.eq_any(&ids))
        .group_by(carrier_products::carrier_id)
        .select((carrier_products::carrier_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let n = counts.iter().find(|(id, _)| *id == c.id).map(|(_, n)| *n).unwrap_or(0);
            (c, n)
        })
        .collect())
}

/// Every carrier, by name (for the product import, which names carriers).
pub fn all_carriers(conn: &mut DbConnection) -> QueryResult<Vec<CarrierRow>> {
    carriers::table
        .order(carriers::name.asc())
        .select(CarrierRow::as_select())
        .load(conn)
}

/// The carrier with this name (case-insensitive) or NAIC code, other than `except`.
pub fn carrier_named(
    conn: &mut DbConnection,
    name: &str,
    naic: Option<&str>,
    except: Option<i64>,
) -> QueryResult<(Option<i64>, Option<i64>)> {
    let by_name = carriers::table
        .filter(lower(carriers::name).eq(name.to_lowercase()))
        .filter(carriers::id.ne(except.unwrap_or(0)))
        .select(carriers::id)
        .first(conn)
        .optional()?;
    let by_naic = match naic {
        Some(code) => carriers::table
            .filter(carriers::naic_code.eq(code))
            .filter(carriers::id.ne(except.unwrap_or(0)))
            .select(carriers::id)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok((by_name, by_naic))
}

pub fn insert_carrier(conn: &mut DbConnection, v: &CarrierValues) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(carriers::table)
        .values((
            carriers::name.eq(&v.name),
            carriers::naic_code.eq(&v.naic_code),
            carriers::contact_name.eq(&v.contact_name),
            carriers::contact_email.eq(&v.contact_email),
            carriers::contact_phone.eq(&v.contact_phone),
            carriers::active.eq(v.active),
            carriers::created_at.eq(at),
            carriers::updated_at.eq(at),
        ))
        .returning(carriers::id)
        .get_result(conn)
}

pub fn update_carrier(conn: &mut DbConnection, id: i64, v: &CarrierValues) -> QueryResult<usize> {
    diesel::update(carriers::table.find(id))
        .set((
            carriers::name.eq(&v.name),
            carriers::naic_code.eq(&v.naic_code),
            carriers::contact_name.eq(&v.contact_name),
            carriers::contact_email.eq(&v.contact_email),
            carriers::contact_phone.eq(&v.contact_phone),
            carriers::active.eq(v.active),
            carriers::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// A carrier's products (active or not), by name.
pub fn products_of(conn: &mut DbConnection, carrier_id: i64) -> QueryResult<Vec<ProductRow>> {
    carrier_products::table
        .filter(carrier_products::carrier_id.eq(carrier_id))
        .order(carrier_products::name.asc())
        .select(ProductRow::as_select())
        .load(conn)
}

/// The carrier's product with this name (case-insensitive), other than `except`.
pub fn product_named(
    conn: &mut DbConnection,
    carrier_id: i64,
    name: &str,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    carrier_products::table
        .filter(carrier_products::carrier_id.eq(carrier_id))
        .filter(lower(carrier_products::name).eq(name.to_lowercase()))
        .filter(carrier_products::id.ne(except.unwrap_or(0)))
        .select(carrier_products::id)
        .first(conn)
        .optional()
}

pub fn insert_product(conn: &mut DbConnection, v: &ProductValues) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(carrier_products::table)
        .values((
            carrier_products::carrier_id.eq(v.carrier_id),
            carrier_products::name.eq(&v.name),
            carrier_products::product_line.eq(v.product_line),
            carrier_products::sub_type.eq(v.sub_type),
            carrier_products::active.eq(v.active),
            carrier_products::created_at.eq(at),
            carrier_products::updated_at.eq(at),
        ))
        .returning(carrier_products::id)
        .get_result(conn)
}

pub fn update_product(conn: &mut DbConnection, id: i64, v: &ProductValues) -> QueryResult<usize> {
    diesel::update(carrier_products::table.find(id))
        .set((
            carrier_products::name.eq(&v.name),
            carrier_products::product_line.eq(v.product_line),
            carrier_products::sub_type.eq(v.sub_type),
            carrier_products::active.eq(v.active),
            carrier_products::updated_at.eq(now()),
        ))
        .execute(conn)
}
