//! The jobs table: enqueue in the caller's transaction, claim with a lease, finish or retry.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use crate::db::schema::jobs;
use crate::db::{now, Backend, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";
pub const STATUSES: [&str; 4] = [PENDING, RUNNING, DONE, FAILED];

pub fn insert(
    conn: &mut DbConnection,
    kind: &str,
    payload: &str,
    run_at: NaiveDateTime,
    max_attempts: i32,
) -> QueryResult<i64> {
    let t = now();
    let insert = diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::status.eq(PENDING),
            jobs::run_at.eq(run_at),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(max_attempts),
            jobs::created_at.eq(t),
            jobs::updated_at.eq(t),
        ))
        .returning(jobs::id);
    crate::db::direct!(conn, |c| insert.get_result(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
}

/// Takes the next due job for `worker` until `lease_until`, atomically: two workers, in one
/// process or on two servers, never hold the same job. A job whose lease ran out (its server
/// died) is due again.
pub fn claim_next(conn: &mut DbConnection, worker: &str, lease_until: NaiveDateTime) -> QueryResult<Option<Claimed>> {
    let t = now();
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ? \
             WHERE id = (SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= ?) \
                         OR (status = 'running' AND locked_until < ?) ORDER BY run_at, id LIMIT 1) \
             RETURNING id, kind, payload, attempts, max_attempts"
        }
        Backend::Postgres => {
            "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= $4) \
                         OR (status = 'running' AND locked_until < $5) ORDER BY run_at, id LIMIT 1 \
                         FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, payload, attempts, max_attempts"
        }
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(t)
        .bind::<Timestamp, _>(t)
        .bind::<Timestamp, _>(t)
        .get_result::<Claimed>(conn)
        .optional()
}

pub fn complete(conn: &mut DbConnection, id: i64, worker: &str) -> QueryResult<usize> {
    let t = now();
    diesel::update(jobs::table.find(id).filter(jobs::locked_by.eq(worker)))
        .set((
            jobs::status.eq(DONE),
            jobs::finished_at.eq(Some(t)),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(None::<String>),
            jobs::updated_at.eq(t),
        ))
        .execute(conn)
}

/// Records a failure: back to pending at `retry_at`, or failed for good when `retry_at` is None.
pub fn fail(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let t = now();
    let error: String = error.chars().take(2000).collect();
    let target = jobs::table.find(id).filter(jobs::locked_by.eq(worker));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                jobs::status.eq(PENDING),
                jobs::run_at.eq(at),
                jobs::last_error.eq(Some(error)),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(t),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((
                jobs::status.eq(FAILED),
                jobs::finished_at.eq(Some(t)),
                jobs::last_error.eq(Some(error)),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(t),
            ))
            .execute(conn),
    }
}

/// Puts a failed job back in the queue with a fresh set of attempts.
pub fn retry(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    let t = now();
    diesel::update(jobs::table.find(id).filter(jobs::status.eq(FAILED)))
        .set((
            jobs::status.eq(PENDING),
            jobs::run_at.eq(t),
            jobs::attempts.eq(0),
            jobs::finished_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(t),
        ))
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<JobRow> {
    jobs::table.find(id).select(JobRow::as_select()).first(conn)
}

pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    jobs::table
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)
}

pub fn list(conn: &mut DbConnection, status: Option<&str>, offset: i64, limit: i64) -> QueryResult<(Vec<JobRow>, i64)> {
    let build = || {
        let mut q = jobs::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(jobs::status.eq(s.to_string()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order(jobs::id.desc())
        .offset(offset)
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
