#!/usr/bin/env bash
# Idempotent setup of the Isso side of the benchmark:
#   - virtualenv bench/.venv-isso with the pinned Isso 0.14 + gunicorn set
#   - wrk (Debian package) if it is not on PATH
# Usage: bench/isso/setup.sh        (PYTHON=/path/to/python3 to choose the interpreter)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
VENV="$BENCH/.venv-isso"
PYTHON="${PYTHON:-python3}"

log() { echo "[isso-setup] $*"; }

apt_install() {
    # apt-get install, refreshing the package lists once if the first try fails
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}

# misaka (an Isso dependency) is compiled from source
if ! command -v gcc >/dev/null 2>&1; then
    log "installing gcc (needed to build misaka)"
    apt_install gcc libc6-dev
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating virtualenv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

if "$VENV/bin/python" - "$HERE/requirements.txt" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
    log "pinned packages already installed"
else
    log "installing pinned packages"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
fi

"$VENV/bin/python" - <<'PY'
from importlib.metadata import version
import isso.db, isso.html, gunicorn  # noqa: F401  import check
print("[isso-setup] isso %s, gunicorn %s, werkzeug %s, mistune %s, bleach %s" % tuple(
    version(p) for p in ("isso", "gunicorn", "werkzeug", "mistune", "bleach")))
PY

if command -v wrk >/dev/null 2>&1; then
    :
else
    log "installing wrk"
    apt_install wrk
    command -v wrk >/dev/null
fi
log "done (venv: $VENV, wrk: $(command -v wrk))"
