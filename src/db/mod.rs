//! The database: SQLite by default, PostgreSQL when the URL says so, behind one connection type.
//!
//! Reads use a pool; writes go through `Db::write`, which on SQLite uses a pool of one connection so
//! writers never collide in SQLite's busy handler (see docs/architecture.md, "Two databases"). On PostgreSQL both are one pool.

pub mod cache;
mod readers;
pub mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs a diesel query on the backend's own connection rather than through [`DbConnection`],
/// for the statements of the intake path. The two-backend connection prints every statement's SQL
/// again on each run (it wraps the query in one of its own, which has no type to cache by) and
/// converts each bound value and column through its own types: 7 % of SQLite's writer thread
/// under intake load. Here SQLite and PostgreSQL find the statement in their cache by type. The
/// body is compiled once per backend, so it must be a query that both accept.
///
/// ```text
/// crate::db::direct!(conn, |c| diesel::insert_into(t::table).values(&row).execute(c))
/// ```
#[macro_export]
macro_rules! direct {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub use direct;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL {0:?} is not understood: use sqlite://path/to/file.db or postgres://user@host/db")]
    BadUrl(String),
    #[error("cannot open the database at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: diesel::ConnectionError,
    },
    #[error("the database pool could not be built: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(q) => q.into(),
            DbError::Pool(p) => AppError::Unavailable(format!("database pool: {p}")),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// SQLite's `synchronous` setting (`AE_SQLITE_SYNCHRONOUS`). With WAL, `Normal` never loses a
/// committed transaction when the process crashes, but may lose the last ones when the machine
/// loses power; `Full` syncs the log at every commit and survives that too, at some write speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    #[default]
    Normal,
    Full,
}

impl SqliteSynchronous {
    pub fn parse(raw: &str) -> Result<SqliteSynchronous, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(SqliteSynchronous::Normal),
            "full" => Ok(SqliteSynchronous::Full),
            _ => Err(format!(
                "AE_SQLITE_SYNCHRONOUS must be normal or full (full for power-loss durability), not {raw:?}"
            )),
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Normal => "PRAGMA synchronous = NORMAL;",
            SqliteSynchronous::Full => "PRAGMA synchronous = FULL;",
        }
    }
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::BadUrl(url.into()));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(DbError::BadUrl(url.into()))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where files that belong with the data (secret key, outbox, uploads) go by default.
    pub fn default_data_dir(&self) -> PathBuf {
        match self {
            DatabaseUrl::Sqlite(path) => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
            DatabaseUrl::Postgres(_) => PathBuf::from("data"),
        }
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                _ => u.clone(),
            },
        }
    }
}

/// Opens connections for r2d2, choosing the backend from the URL (never falling back silently).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// SQLite's write connection: its savepoint journals are kept in memory (below).
    writer: bool,
    synchronous: SqliteSynchronous,
}

impl ConnectionManager {
    fn open(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(u) => PgConnection::establish(u).map(DbConnection::Pg),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                    .and_then(|()| conn.batch_execute(self.synchronous.pragma()))
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                if self.writer {
                    // Every write runs in a savepoint of the writer's batch (`writer.rs`), and SQLite
                    // copies each page a savepoint first changes to a journal: in a temporary file
                    // by default, one `pwrite` per page, 10 % of the writer's time under intake load.
                    // The journal of one batch is a few pages, so memory is the right place for it.
                    // Read connections keep temporary files: a large sort may spill there.
                    conn.batch_execute("PRAGMA temp_store = MEMORY;")
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.open().map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a panic between BEGIN and COMMIT) is closed, which
    /// rolls the transaction back, instead of going back to the pool half done.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::connection::TransactionManager;
        !matches!(
            <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
            Ok(None)
        )
    }
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledConn = PooledConnection<ConnectionManager>;

/// The application's handle on the database.
#[derive(Clone)]
pub struct Db {
    read: DbPool,
    write: DbPool,
    backend: Backend,
    url: DatabaseUrl,
    synchronous: SqliteSynchronous,
    /// The reader threads, one per read connection (started on the first `read`).
    readers: std::sync::Arc<std::sync::OnceLock<readers::Readers>>,
    read_threads: usize,
    /// PostgreSQL writes: one permit per connection, so requests wait here in order for a
    /// connection instead of each holding a blocking thread that waits inside the pool.
    write_permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// SQLite only: the queue of the writer thread that commits waiting writes together
    /// (started on the first `write`, so the command line never starts it).
    batcher: std::sync::Arc<std::sync::OnceLock<writer::Batcher>>,
}

impl Db {
    /// Connects, failing at once with the real error when the database cannot be reached.
    pub fn connect(database_url: &str, pool_size: u32) -> Result<Db, DbError> {
        Self::connect_with(database_url, pool_size, SqliteSynchronous::default())
    }

    /// As [`Db::connect`], with SQLite's `synchronous` setting (PostgreSQL ignores it).
    pub fn connect_with(database_url: &str, pool_size: u32, synchronous: SqliteSynchronous) -> Result<Db, DbError> {
        let url = DatabaseUrl::parse(database_url)?;
        if let DatabaseUrl::Sqlite(path) = &url {
            ensure_parent(path)?;
        }
        let manager = ConnectionManager {
            url: url.clone(),
            writer: false,
            synchronous,
        };
        // One direct connection first: its error is the real one, and it comes at once.
        manager.open().map_err(|source| DbError::Connect {
            url: url.redacted(),
            source,
        })?;
        let build = |size: u32, writer: bool| {
            let manager = ConnectionManager {
                writer,
                ..manager.clone()
            };
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .test_on_check_out(false)
                .build(manager)
        };
        let (read, write, writers) = match url.backend() {
            Backend::Sqlite => (build(pool_size, false)?, build(1, true)?, 1),
            Backend::Postgres => {
                let pool = build(pool_size, false)?;
                (pool.clone(), pool, pool_size as usize)
            }
        };
        Ok(Db {
            readers: Default::default(),
            read_threads: pool_size as usize,
            write_permits: std::sync::Arc::new(tokio::sync::Semaphore::new(writers)),
            read,
            write,
            backend: url.backend(),
            url,
            synchronous,
            batcher: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn redacted_url(&self) -> String {
        self.url.redacted()
    }

    /// Applies pending migrations; returns how many ran. Safe to call from several servers at once.
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.write.get()?;
        run_migrations(&mut conn)
    }

    pub fn get_read(&self) -> Result<PooledConn, DbError> {
        Ok(self.read.get()?)
    }

    pub fn get_write(&self) -> Result<PooledConn, DbError> {
        Ok(self.write.get()?)
    }

    /// Runs `f` on a read connection, on one of the reader threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, threads) = (self.read.clone(), self.read_threads);
        self.readers
            .get_or_init(|| readers::Readers::start(pool, threads))
            .read(f)
            .await
    }

    /// Runs `f` in one transaction on the write connection: the change, its audit entry and its
    /// jobs commit together or not at all.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        if self.backend == Backend::Sqlite {
            // One writer: requests that arrive while it works are committed together, each in a
            // savepoint of its own, so one failing request does not undo the others.
            let pool = self.write.clone();
            let checkpoints = ConnectionManager {
                url: self.url.clone(),
                writer: false,
                synchronous: self.synchronous,
            };
            return self
                .batcher
                .get_or_init(|| writer::Batcher::start(pool, checkpoints))
                .write(f)
                .await;
        }
        let pool = self.write.clone();
        let _permit = self.write_permits.acquire().await;
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            conn.transaction(|c| f(c))
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }

    /// After a bulk load (the demo seeds): PostgreSQL plans from table statistics, and until
    /// autovacuum catches up it took a freshly seeded lead table for a few hundred rows: the
    /// owner's filtered list combined two bitmap scans and sorted every match (p95 40 ms on the
    /// small seed) instead of walking the primary key backwards (0.3 ms). SQLite plans without
    /// statistics (none are gathered, so the plans tuned for it do not shift); nothing to do there.
    pub fn refresh_statistics(&self) -> Result<(), AppError> {
        if self.backend == Backend::Postgres {
            let mut conn = self.write.get().map_err(DbError::from)?;
            conn.batch_execute("ANALYZE")?;
        }
        Ok(())
    }

    /// Blocking variant of `write` for the command line and the worker.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.write.get().map_err(DbError::from)?;
        conn.transaction(|c| f(c))
    }

    /// Blocking read for the command line and the worker.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.read.get().map_err(DbError::from)?;
        f(&mut conn)
    }
}

fn ensure_parent(path: &Path) -> Result<(), DbError> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

const MIGRATION_LOCK_KEY: i64 = 0x4145_6d69_6772; // "AEmigr"

pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| DbError::Migration(e.to_string())),
        DbConnection::Pg(c) => {
            // Several servers may start at once on one PostgreSQL: one migrates, the others wait.
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Migration(e.to_string()));
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result
        }
    }
}

/// Serialises a kind of work across servers for the rest of the transaction: an advisory lock
/// on PostgreSQL (released at commit or rollback); SQLite has one writer anyway.
pub fn serialise(conn: &mut DbConnection, key: i64) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({key})"))?;
    }
    Ok(())
}

/// Current UTC time as stored in the database (set in Rust so both backends agree).
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

diesel::define_sql_function! {
    /// SQL `lower()`, for case-insensitive search on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A LIKE pattern that matches `needle` anywhere, with LIKE's wildcards escaped.
pub fn contains_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for ch in needle.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// Most words of a search that each must match; the rest are ignored.
pub const SEARCH_TERMS_MAX: usize = 5;

/// A [`contains_pattern`] per word of a search ("Susan Lewis" → `%susan%`, `%lewis%`): a row
/// matches when every word is found in one of the searched columns, in any order. Each word is
/// its own `LIKE` on the same columns as before, so a longer search costs no more than a
/// shorter one.
pub fn search_patterns(text: &str) -> Vec<String> {
    text.split_whitespace()
        .take(SEARCH_TERMS_MAX)
        .map(contains_pattern)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/agency.db").unwrap(),
            DatabaseUrl::Sqlite("data/agency.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/a.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
        assert!(DatabaseUrl::parse("data/agency.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn redacted_url_hides_the_password() {
        let u = DatabaseUrl::parse("postgres://app:hunter2@db.internal/agency").unwrap();
        assert!(!u.redacted().contains("hunter2"));
        assert!(u.redacted().contains("db.internal"));
    }

    #[test]
    fn sqlite_keeps_its_plans() {
        // .cargo/config.toml builds SQLite with the query planner stability guarantee; without it
        // every query with a bound LIMIT is parsed and planned again on each run.
        #[derive(diesel::QueryableByName)]
        struct Opt {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        let opts: Vec<Opt> = diesel::sql_query("PRAGMA compile_options").load(&mut c).unwrap();
        assert!(
            opts.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Ann_50%"), "%ann\\_50\\%%");
        assert_eq!(search_patterns("  Susan   Lewis "), ["%susan%", "%lewis%"]);
        assert_eq!(search_patterns("a b c d e f g").len(), SEARCH_TERMS_MAX);
    }

    #[test]
    fn sqlite_synchronous_is_set_on_every_connection() {
        #[derive(diesel::QueryableByName)]
        struct Sync {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        for (setting, expected) in [(SqliteSynchronous::Normal, 1), (SqliteSynchronous::Full, 2)] {
            let db = Db::connect_with(&url, 2, setting).unwrap();
            for mut conn in [db.get_read().unwrap(), db.get_write().unwrap()] {
                let got: Sync = diesel::sql_query("PRAGMA synchronous").get_result(&mut *conn).unwrap();
                assert_eq!(got.synchronous, expected, "{setting:?}");
            }
        }
        assert_eq!(SqliteSynchronous::parse(" FULL "), Ok(SqliteSynchronous::Full));
        assert!(SqliteSynchronous::parse("off").unwrap_err().contains("normal or full"));
    }

    #[test]
    fn unreachable_postgres_fails_fast_with_the_real_error() {
        let started = std::time::Instant::now();
        let err = Db::connect("postgres://nobody@127.0.0.1:1/none", 2)
            .err()
            .expect("must fail");
        assert!(matches!(err, DbError::Connect { .. }), "{err}");
        assert!(err.to_string().contains("127.0.0.1"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
