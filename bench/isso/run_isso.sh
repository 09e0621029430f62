#!/usr/bin/env bash
# Start / stop Isso 0.14 for the benchmark, always bound to 127.0.0.1.
#
#   run_isso.sh DBPATH PORT WORKERS      gunicorn, WORKERS sync workers, --preload
#                                        (as in Isso's deployment docs); restarts an
#                                        instance already running on PORT
#   run_isso.sh builtin DBPATH PORT      Isso's own server (`isso -c CFG run`:
#                                        werkzeug's threaded dev server, or gevent
#                                        if installed -- it is not in our venv)
#   run_isso.sh stop [PORT]              stop the instance on PORT (default: all
#                                        instances started by this script)
#   run_isso.sh status                   list running instances
#
# State lives in bench/isso/.run/PORT/: isso.cfg (rendered from
# isso.cfg.template), isso.pid (gunicorn master / isso process), isso.log.
# The script returns once GET /info answers 200 (timeout: ISSO_START_TIMEOUT s,
# default 60), printing the pid. Missing venv -> runs setup.sh first.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
VENV="$BENCH/.venv-isso"
RUN="$HERE/.run"
TIMEOUT="${ISSO_START_TIMEOUT:-60}"

die() { echo "run_isso.sh: $*" >&2; exit 1; }

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

alive() {  # running and not a zombie
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

stop_port() {
    local port="$1" dir="$RUN/$1" pid=""
    [ -f "$dir/isso.pid" ] && pid="$(tr -dc 0-9 <"$dir/isso.pid")"
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            echo "run_isso.sh: pid $pid (port $port) ignored TERM, sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
        echo "stopped isso on 127.0.0.1:$port (pid $pid)"
    fi
    rm -f "$dir/isso.pid"
}

wait_ready() {
    local port="$1" pid="$2"
    "$VENV/bin/python" - "$port" "$pid" "$TIMEOUT" <<'PY'
import os, sys, time, urllib.request
port, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("process %d exited during startup" % pid)
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/info" % port, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit("no answer from 127.0.0.1:%s/info within %ss" % (port, timeout))
PY
}

render_cfg() {  # DBPATH PORT DIR
    local db="$1" port="$2" dir="$3"
    mkdir -p "$dir"
    sed -e "s|@DBPATH@|$db|" -e "s|@LISTEN@|http://127.0.0.1:$port|" \
        "$HERE/isso.cfg.template" >"$dir/isso.cfg"
}

ensure_venv() {
    if [ ! -x "$VENV/bin/gunicorn" ] || [ ! -x "$VENV/bin/isso" ]; then
        "$HERE/setup.sh" >&2
    fi
}

check_port_free() {
    local port="$1"
    if "$VENV/bin/python" -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(('127.0.0.1', int(sys.argv[1])))
except OSError: sys.exit(1)
" "$port"; then :; else
        die "127.0.0.1:$port is in use by a process this script did not start"
    fi
}

start() {  # MODE DBPATH PORT WORKERS
    local mode="$1" db="$2" port="$3" workers="$4"
    is_port "$port" || die "bad port: $port"
    [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "bad worker count: $workers"
    ensure_venv
    mkdir -p "$(dirname "$db")"
    db="$(cd "$(dirname "$db")" && pwd)/$(basename "$db")"
    local dir="$RUN/$port"
    stop_port "$port" >/dev/null
    check_port_free "$port"
    render_cfg "$db" "$port" "$dir"
    : >"$dir/isso.log"
    local pid
    if [ "$mode" = gunicorn ]; then
        # sync workers (gunicorn's default), --preload as in Isso's docs: the app
        # (DB schema check, config) is built once in the master before forking.
        ISSO_SETTINGS="$dir/isso.cfg" "$VENV/bin/gunicorn" \
            --bind "127.0.0.1:$port" --workers "$workers" --worker-class sync \
            --preload --pid "$dir/isso.pid" --error-logfile "$dir/isso.log" \
            --log-level warning --capture-output --daemon isso.run
        # with --daemon the pid file appears once the master is up
        for _ in $(seq 1 100); do [ -s "$dir/isso.pid" ] && break; sleep 0.1; done
        [ -s "$dir/isso.pid" ] || { tail -n 30 "$dir/isso.log" >&2; die "gunicorn did not write its pid file"; }
        pid="$(tr -dc 0-9 <"$dir/isso.pid")"
    else
        setsid "$VENV/bin/isso" -c "$dir/isso.cfg" run >>"$dir/isso.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/isso.pid"
    fi
    if ! wait_ready "$port" "$pid"; then
        tail -n 30 "$dir/isso.log" >&2
        stop_port "$port" >/dev/null || true
        die "isso did not come up on 127.0.0.1:$port"
    fi
    [ "$mode" = gunicorn ] && what="gunicorn, $workers sync workers" || what="isso run, werkzeug threaded server"
    echo "isso ($what) on http://127.0.0.1:$port pid $pid db $db cfg $dir/isso.cfg"
}

[ $# -ge 1 ] || usage
case "$1" in
    -h|--help) usage ;;
    stop)
        if [ $# -ge 2 ]; then
            is_port "$2" || die "bad port: $2"
            stop_port "$2"
        elif [ -d "$RUN" ]; then
            for d in "$RUN"/*/; do [ -d "$d" ] && stop_port "$(basename "$d")"; done
        fi
        ;;
    status)
        found=0
        if [ -d "$RUN" ]; then
            for d in "$RUN"/*/; do
                [ -f "$d/isso.pid" ] || continue
                pid="$(tr -dc 0-9 <"$d/isso.pid")"
                if alive "$pid"; then
                    echo "port $(basename "$d"): pid $pid, $(grep '^dbpath' "$d/isso.cfg")"; found=1
                fi
            done
        fi
        [ "$found" = 1 ] || echo "no isso instance running"
        ;;
    builtin)
        [ $# -eq 3 ] || usage
        start builtin "$2" "$3" 1
        ;;
    *)
        [ $# -eq 3 ] || usage
        start gunicorn "$1" "$2" "$3"
        ;;
esac
