//! Values read from the database and reused: [`TtlCache`] for a while (figures that are costly to
//! count at a large agency and need not be to-the-second: a source's conversion rate, the list of
//! sources), [`Versioned`] until a database counter moves. Each application holds its own (see
//! `crate::caches`), so servers and tests on different databases never share one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<Option<HashMap<K, (Instant, V)>>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// An empty cache (usable in a `static`).
    pub const fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Mutex::new(None),
        }
    }

    /// The stored value while it is younger than the time to live, else `load`'s (stored).
    pub fn get_or_load<E>(&self, key: K, load: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        if let Some((at, v)) = self.lock().as_ref().and_then(|m| m.get(&key)) {
            if at.elapsed() < self.ttl {
                return Ok(v.clone());
            }
        }
        let v = load()?;
        self.lock()
            .get_or_insert_with(HashMap::new)
            .insert(key, (Instant::now(), v.clone()));
        Ok(v)
    }

    /// Forgets every value (after a change the viewer expects to see at once).
    pub fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<HashMap<K, (Instant, V)>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads a counter that triggers move whenever what a cache holds changes.
pub type VersionOf = fn(&mut super::DbConnection) -> diesel::QueryResult<i64>;

/// A value kept until a database counter moves: `config_version` for the routing rules and the
/// scoring weights and model (read for every lead, changed by hand now and then),
/// `routing_version` for what is made of agents and users. Triggers move the counters on any
/// change, so every server sees it at once.
pub struct Versioned<V> {
    version_of: VersionOf,
    entry: Mutex<Option<(i64, V)>>,
}

impl<V: Clone> Versioned<V> {
    pub fn new(version_of: VersionOf) -> Self {
        Versioned {
            version_of,
            entry: Mutex::new(None),
        }
    }

    /// The value stored for the database's current version, else `load`'s (stored).
    pub fn get_or_load(
        &self,
        conn: &mut super::DbConnection,
        load: impl FnOnce(&mut super::DbConnection) -> diesel::QueryResult<V>,
    ) -> diesel::QueryResult<V> {
        let version = (self.version_of)(conn)?;
        if let Some((v, value)) = self.lock().as_ref() {
            if *v == version {
                return Ok(value.clone());
            }
        }
        let value = load(conn)?;
        *self.lock() = Some((version, value.clone()));
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(i64, V)>> {
        self.entry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The counter the triggers of migration 13 move on any change to the rules or scoring.
pub fn config_version(conn: &mut super::DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    // Read twice for every lead taken in (rules, scoring).
    crate::db::direct!(conn, |c| super::schema::config_version::table
        .select(super::schema::config_version::version)
        .first(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_reused_until_it_expires() {
        let cache: TtlCache<&str, u32> = TtlCache::new(Duration::from_millis(50));
        let mut loads = 0;
        let mut load = || -> Result<u32, ()> {
            loads += 1;
            Ok(loads)
        };
        assert_eq!(cache.get_or_load("a", &mut load), Ok(1));
        assert_eq!(cache.get_or_load("a", &mut load), Ok(1), "reused");
        assert_eq!(cache.get_or_load("b", &mut load), Ok(2), "per key");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get_or_load("a", &mut load), Ok(3), "expired");
    }

    /// A new SQLite database with every migration, in a folder removed when the test ends.
    fn migrated() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::connect(&format!("sqlite://{}", dir.path().join("v.db").display()), 1).unwrap();
        db.migrate().unwrap();
        (dir, db)
    }

    #[test]
    fn the_config_version_moves_with_rules_and_scoring_only() {
        use diesel::connection::SimpleConnection;
        let (_dir, db) = migrated();
        let mut c = db.get_write().unwrap();
        let cache: Versioned<i64> = Versioned::new(config_version);
        let mut loads = 0;
        let mut read = |c: &mut crate::db::DbConnection| {
            cache
                .get_or_load(c, |_| {
                    loads += 1;
                    Ok(loads)
                })
                .unwrap()
        };
        assert_eq!(read(&mut c), 1);
        assert_eq!(read(&mut c), 1, "kept while nothing changes");
        c.batch_execute(
            "INSERT INTO app_settings (key, value, updated_at) VALUES ('routing_state', '{}', CURRENT_TIMESTAMP)",
        )
        .unwrap();
        assert_eq!(read(&mut c), 1, "other settings do not count");
        c.batch_execute(
            "INSERT INTO app_settings (key, value, updated_at) VALUES ('scoring_weights', '{}', CURRENT_TIMESTAMP)",
        )
        .unwrap();
        assert_eq!(read(&mut c), 2, "new weights");
        c.batch_execute("UPDATE app_settings SET value = '{\"a\":1}' WHERE key = 'scoring_weights'")
            .unwrap();
        assert_eq!(read(&mut c), 3, "changed weights");
        c.batch_execute(
            "INSERT INTO routing_rules (definition, active, created_at, updated_at) \
             VALUES ('{}', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )
        .unwrap();
        assert_eq!(read(&mut c), 4, "a new rule");
        c.batch_execute("UPDATE routing_rules SET active = 0").unwrap();
        assert_eq!(read(&mut c), 5, "a rule switched off");
        c.batch_execute("DELETE FROM routing_rules").unwrap();
        assert_eq!(read(&mut c), 6, "a rule removed");
    }

    #[test]
    fn signing_in_does_not_move_the_routing_version_but_a_new_name_does() {
        use diesel::connection::SimpleConnection;
        let (_dir, db) = migrated();
        let mut c = db.get_write().unwrap();
        c.batch_execute(
            "INSERT INTO users (email, name, role, active, time_zone, session_version, failed_logins, created_at, \
             updated_at) VALUES ('a@example.com', 'Ann', 'agent', 1, 'UTC', 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )
        .unwrap();
        let before = crate::routing::directory::routing_version(&mut c).unwrap();
        c.batch_execute(
            "UPDATE users SET last_login_at = CURRENT_TIMESTAMP, failed_logins = 0, updated_at = CURRENT_TIMESTAMP",
        )
        .unwrap();
        assert_eq!(
            crate::routing::directory::routing_version(&mut c).unwrap(),
            before,
            "a sign-in"
        );
        c.batch_execute("UPDATE users SET name = 'Ann Able'").unwrap();
        assert!(
            crate::routing::directory::routing_version(&mut c).unwrap() > before,
            "a new name"
        );
    }

    #[test]
    fn a_failed_load_stores_nothing() {
        let cache: TtlCache<&str, u32> = TtlCache::new(Duration::from_secs(60));
        assert_eq!(cache.get_or_load("a", || Err::<u32, &str>("down")), Err("down"));
        assert_eq!(cache.get_or_load("a", || Ok::<u32, &str>(7)), Ok(7));
    }
}
