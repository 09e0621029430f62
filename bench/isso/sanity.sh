#!/usr/bin/env bash
# Quick sanity measurement of Isso 0.14 (gunicorn, WORKERS sync workers) with wrk:
#   1. GET /?uri=/bench/big/ on a 200-comment thread (60 top-level, replies to depth 3)
#   2. the embed's request for the same thread (sort=oldest&offset=0&nested_limit=5)
#   3. POST /count with 50 URIs (50 threads x PER_THREAD comments)
# Usage: bench/isso/sanity.sh [DURATION=10s] ; env: WORKERS=2 CONNS=16 PORT=18080
#        PER_THREAD=20 DATA=/tmp/isso-bench
# Traffic goes to 127.0.0.1 only; each wrk run is bounded by DURATION.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DUR="${1:-10s}"
WORKERS="${WORKERS:-2}"
CONNS="${CONNS:-16}"
PORT="${PORT:-18080}"
PER_THREAD="${PER_THREAD:-20}"
DATA="${DATA:-/tmp/isso-bench}"
mkdir -p "$DATA"

"$HERE/setup.sh" 2>&1 | grep -v '^WARNING: Location' || true
PY="$(dirname "$HERE")/.venv-isso/bin/python"

trap '"$HERE/run_isso.sh" stop "$PORT" >/dev/null 2>&1 || true' EXIT

"$PY" "$HERE/populate.py" --db "$DATA/thread200.db" --fresh --seed 1 \
    --thread /bench/big/ --comments 200 --top 60 --max-depth 3 >/dev/null
"$HERE/run_isso.sh" "$DATA/thread200.db" "$PORT" "$WORKERS"
BASE="http://127.0.0.1:$PORT"
for _ in 1 2 3 4; do curl -s -o /dev/null "$BASE/?uri=%2Fbench%2Fbig%2F"; done  # warm both workers
echo "== GET /?uri=/bench/big/  (200 comments, all rendered)"
wrk -t2 -c"$CONNS" -d"$DUR" --timeout 30s --latency "$BASE/?uri=%2Fbench%2Fbig%2F"
echo "== GET /?uri=/bench/big/&sort=oldest&offset=0&nested_limit=5  (embed default)"
wrk -t2 -c"$CONNS" -d"$DUR" --timeout 30s --latency "$BASE/?uri=%2Fbench%2Fbig%2F&sort=oldest&offset=0&nested_limit=5"

"$PY" "$HERE/populate.py" --db "$DATA/counts50.db" --fresh --seed 2 \
    --threads 50 --per-thread "$PER_THREAD" >/dev/null
"$HERE/run_isso.sh" "$DATA/counts50.db" "$PORT" "$WORKERS"
echo "== POST /count with 50 URIs (50 x $PER_THREAD comments in the DB)"
wrk -t2 -c"$CONNS" -d"$DUR" --timeout 30s --latency -s "$HERE/wrk/count.lua" "$BASE"
