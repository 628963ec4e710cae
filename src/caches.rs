//! What the application keeps in memory between requests: one value, made at start-up, owned by
//! the application state and shared with the job worker. Each domain defines its own part (its
//! type and how it is refreshed) and this struct only gathers them, so two applications in one
//! process (the tests) never share a cache.

/// Every domain's in-memory caches.
#[derive(Default)]
pub struct Caches {
    pub leads: crate::leads::Caches,
    pub scoring: crate::scoring::Caches,
    pub routing: crate::routing::Caches,
    pub policies: crate::policies::Caches,
    pub network: crate::network::Caches,
}

impl Caches {
    pub fn new() -> Caches {
        Caches::default()
    }
}
