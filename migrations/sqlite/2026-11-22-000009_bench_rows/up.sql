-- The benchmark's ceiling endpoint (only served with AE_BENCH_ENDPOINTS=1) writes here: one row
-- per request, so the load test can compare full lead intake with a bare parse-and-insert.
CREATE TABLE bench_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
