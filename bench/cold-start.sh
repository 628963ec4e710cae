#!/usr/bin/env bash
# Cold start: from exec to /healthz answering, on a new, empty SQLite database (so the migrations
# and the secret-key generation are included). Budget (docs/architecture.md, "Performance budgets"): under 1 s.
# Usage: bench/cold-start.sh [runs]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
port=${PORT:-18190}
cargo build --release --quiet
bin=target/release/agency-engine
echo "binary: $(du -h "$bin" | cut -f1) ($(stat -c %s "$bin") bytes)"
for _ in $(seq "$runs"); do
  dir=$(mktemp -d)
  start=$(date +%s%N)
  DATABASE_URL="sqlite://$dir/agency.db" AE_BIND="127.0.0.1:$port" RUST_LOG=warn "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done | sort -n | awk '{ v[NR] = $1 } END { printf "cold start to first answer, %d runs: min %d ms, median %d ms, max %d ms\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
