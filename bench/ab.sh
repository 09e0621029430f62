#!/usr/bin/env bash
# Two checkouts, one machine, alternating: `bench/ab.sh BEFORE_DIR AFTER_DIR [ROUNDS]` prints T200 req/s at
# c=64 and c=16 for each round. Each checkout needs `python3 bench/run.py --only t200` run in it once first
# (its bench venv and data). Alternating rounds, swapped order in the second half, because this machine's
# noise drifts over minutes: compare medians, not one run.
set -euo pipefail
before=$1 after=$2 rounds=${3:-6} port=${PORT:-18300}
url="http://127.0.0.1:$port/api/v1/articles/bench-t200/comments?limit=100"
for round in $(seq "$rounds"); do
  order="before after"; [ $((round * 2)) -gt "$rounds" ] && order="after before"
  for which in $order; do
    dir=$before; [ "$which" = after ] && dir=$after
    db=$(mktemp -d)/p.db; cp "$dir/bench/.data/parley-t200.db" "$db"
    env -i PATH=/usr/bin:/bin HOME="$HOME" PARLEY_ACCESS_LOG=false PARLEY_WRITES_PER_MINUTE=0 \
      PARLEY_READS_PER_MINUTE=0 PARLEY_CONNECTIONS_PER_ADDRESS=100000 \
      PARLEY_SECRET="$(cat "$dir/bench/.data/t200.key")" \
      "$dir/bench/.venv-parley/bin/parley" serve --workers 2 --port "$port" --database "$db" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    for _ in $(seq 300); do curl -s -o /dev/null "$url"; done
    for c in 64 16; do
      echo "round $round $which c=$c $(wrk -t2 -c$c -d8s "$url" | awk '/Requests\/sec/ {print $2}')"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$(dirname "$db")"; sleep 1
  done
done
