//! Queries of course certificates (issued, looked up by code, expiring) and of the agents'
//! certifications a course grants and renews.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{CertificateRow, CourseRow};
use crate::auth::model::UserRow;
use crate::db::schema::{certificates, certifications, courses, users};
use crate::db::{lower, now, DbConnection};

// ---- certificates and certifications --------------------------------------------------------

pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub enrollment_id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub holder_name: &'a str,
    pub course_title: &'a str,
    pub score: Option<i32>,
    pub issued_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub certification_id: Option<i64>,
}

pub fn insert_certificate(conn: &mut DbConnection, c: &NewCertificate) -> QueryResult<i64> {
    diesel::insert_into(certificates::table)
        .values((
            certificates::code.eq(c.code),
            certificates::enrollment_id.eq(c.enrollment_id),
            certificates::course_id.eq(c.course_id),
            certificates::user_id.eq(c.user_id),
            certificates::holder_name.eq(c.holder_name),
            certificates::course_title.eq(c.course_title),
            certificates::score.eq(c.score),
            certificates::issued_on.eq(c.issued_on),
            certificates::expires_on.eq(c.expires_on),
            certificates::certification_id.eq(c.certification_id),
            certificates::created_at.eq(now()),
        ))
        .returning(certificates::id)
        .get_result(conn)
}

pub fn code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    Ok(certificates::table
        .filter(certificates::code.eq(code))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn certificate_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::code.eq(code))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_certificate(conn: &mut DbConnection, id: i64) -> QueryResult<CertificateRow> {
    certificates::table
        .find(id)
        .select(CertificateRow::as_select())
        .first(conn)
}

pub fn certificate_of_enrollment(conn: &mut DbConnection, enrollment_id: i64) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::enrollment_id.eq(enrollment_id))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()
}

pub fn certificates_of_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .filter(certificates::user_id.eq(user_id))
        .order((certificates::issued_on.desc(), certificates::id.desc()))
        .select(CertificateRow::as_select())
        .load(conn)
}

/// Certificates that expire on or before `until`, with their courses and holders.
pub fn certificates_expiring_by(
    conn: &mut DbConnection,
    until: NaiveDate,
) -> QueryResult<Vec<(CertificateRow, CourseRow, UserRow)>> {
    certificates::table
        .inner_join(courses::table)
        .inner_join(users::table.on(users::id.eq(certificates::user_id)))
        .filter(certificates::expires_on.le(until))
        .filter(users::active.eq(true))
        .order(certificates::expires_on.asc())
        .select((
            CertificateRow::as_select(),
            CourseRow::as_select(),
            UserRow::as_select(),
        ))
        .load(conn)
}

/// The certification row a course renews: same agent, kind (any case) and plan year.
pub fn find_certification(
    conn: &mut DbConnection,
    agent_id: i64,
    kind: &str,
    plan_year: i32,
) -> QueryResult<Option<i64>> {
    certifications::table
        .filter(certifications::agent_id.eq(agent_id))
        .filter(lower(certifications::kind).eq(kind.to_lowercase()))
        .filter(certifications::plan_year.eq(plan_year))
        .select(certifications::id)
        .first(conn)
        .optional()
}

pub fn renew_certification(
    conn: &mut DbConnection,
    id: i64,
    earned_on: NaiveDate,
    expires_on: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(certifications::table.find(id))
        .set((
            certifications::earned_on.eq(earned_on),
            certifications::expires_on.eq(expires_on),
            certifications::source.eq("course"),
            certifications::updated_at.eq(now()),
        ))
        .execute(conn)
}
