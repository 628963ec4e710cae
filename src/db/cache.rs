//! A value read from the database and reused for a while: for figures that are costly to count at
//! a large agency and do not need to be to-the-second (a source's conversion rate, the list of
//! sources). Keys carry the database URL, so servers and tests on different databases never share.

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

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<HashMap<K, (Instant, V)>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
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

    #[test]
    fn a_failed_load_stores_nothing() {
        let cache: TtlCache<&str, u32> = TtlCache::new(Duration::from_secs(60));
        assert_eq!(cache.get_or_load("a", || Err::<u32, &str>("down")), Err("down"));
        assert_eq!(cache.get_or_load("a", || Ok::<u32, &str>(7)), Ok(7));
    }
}
