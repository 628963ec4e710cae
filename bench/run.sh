#!/usr/bin/env bash
# Every figure of docs/architecture.md, "Performance budgets" in one command: builds the release server and the load tool,
# seeds a database in target/bench/, runs the load tool on it (cold start, intake, ceiling, pages,
# memory), then the crash check on a fresh database.
# Usage: bench/run.sh [load tool arguments]      SCALE=large seeds 1,000,000 leads (and the large
#        broker network); SCALE=network the demo and the large broker network only;
#        BENCH_DATABASE_URL=postgres://… measures PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
dir=$CARGO_TARGET_DIR/bench
bin=$CARGO_TARGET_DIR/release/agency-engine

# Cargo builds the package's binaries for a bench, in the release profile: this one build makes
# both target/release/agency-engine and the load tool.
cargo bench --bench load --no-run --quiet

rm -rf "$dir" && mkdir -p "$dir"
# BENCH_DATABASE_URL, not DATABASE_URL: a developer's own database must not get the demo and the load.
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite://$dir/agency.db} AE_DATA_DIR=$dir RUST_LOG=warn
echo "seeding $DATABASE_URL (SCALE=${SCALE:-small})"
if [[ ${SCALE:-} == large || ${SCALE:-} == network ]]; then
  "$bin" seed-demo --scale "$SCALE" || {
    echo "this server refused 'seed-demo --scale large': seeding the small demo instead" >&2
    "$bin" seed-demo
  }
else
  "$bin" seed-demo
fi

status=0
cargo bench --bench load -- --database-url "$DATABASE_URL" --json "$dir/figures.json" "$@" || status=$?
cargo bench --bench load -- --crash-check --json "$dir/crash.json" || status=$?
exit "$status"
