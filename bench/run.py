#!/usr/bin/env python3
"""parley against Isso 0.14, side by side on this machine, in one command: `python3 bench/run.py`.

Installs what it needs (bench/.venv-parley with this checkout, bench/.venv-isso and wrk through
bench/isso/setup.sh), generates the same data for both servers (bench/generate.py, cached in --data
until the generator, Isso's populate.py or parley's migrations change), then runs each scenario
against parley and then Isso and prints one table (also written to bench/results/). Standard library
only; every server listens on 127.0.0.1 and every load is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BENCH, BenchError, start  # (bench/harness.py)
from scenarios import SCENARIOS, Context  # (bench/scenarios.py)
from table import machine, render  # (bench/table.py)

ROOT = BENCH.parent
PARLEY_VENV = BENCH / ".venv-parley"
SERVERS = ("uvicorn", "granian")


def sh(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def pip(python: Path, *packages: str) -> None:
    """pip install, quiet unless it fails."""
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise BenchError(f"pip install {' '.join(packages)} failed:\n{done.stderr}")


def make_venv(path: Path) -> None:
    """python3 -m venv; on Debian without ensurepip, install python3-venv first."""
    if subprocess.run([sys.executable, "-m", "venv", str(path)], capture_output=True, check=False).returncode == 0:
        return
    if not shutil.which("apt-get"):
        raise BenchError(f"{sys.executable} -m venv failed and there is no apt-get to install python3-venv")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    print(f"[setup] installing python3-venv ({version})", flush=True)
    apt = ["apt-get", "install", "-y", "-qq", "python3-venv"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(apt, capture_output=True, env=env, check=False).returncode:
        sh(["apt-get", "update", "-qq"], capture_output=True)
        sh(apt, capture_output=True, env=env)
    subprocess.run([*apt[:-1], version], capture_output=True, env=env, check=False)  # when not the default python3
    shutil.rmtree(path, ignore_errors=True)
    sh([sys.executable, "-m", "venv", str(path)])


def setup(server: str, profile: bool) -> None:
    """bench/.venv-parley (this checkout, editable) and Isso's side; both idempotent."""
    python = PARLEY_VENV / "bin" / "python"
    if not python.exists():
        print(f"[setup] creating {PARLEY_VENV}", flush=True)
        make_venv(PARLEY_VENV)
    here = subprocess.run(
        [str(python), "-c", "import parley, pathlib; print(pathlib.Path(parley.__file__).resolve())"],
        capture_output=True,
        text=True,
        check=False,
    )
    wanted = ["-e", str(ROOT)]
    if here.returncode != 0 or not here.stdout.strip().startswith(str(ROOT / "src")):
        print("[setup] installing parley (editable) into the bench venv", flush=True)
        pip(python, *wanted)
    extras = {"granian": "granian"} if server == "granian" else {}
    if profile:
        extras["py_spy"] = "py-spy"
    for module, package in extras.items():
        if subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, check=False).returncode:
            print(f"[setup] installing {package} into the bench venv", flush=True)
            pip(python, package)
    sh(
        ["bash", str(BENCH / "isso" / "setup.sh")],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHON": sys.executable},
    )


def fingerprint(args: list[str]) -> str:
    """What a generated data set depends on: the generator, Isso's populate.py, parley's schema, the arguments."""
    import hashlib

    digest = hashlib.sha256(" ".join(args).encode())
    sources = [BENCH / "generate.py", BENCH / "isso" / "populate.py"]
    sources += sorted((ROOT / "src" / "parley" / "storage" / "sqlite" / "migrations").glob("*.sql"))
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def dataset(data: Path, name: str, shape_args: list[str], *, isso: bool, regenerate: bool) -> dict[str, Path]:
    """parley-NAME.db (and isso-NAME.db), generated unless an identical set is already there."""
    files = {"parley": data / f"parley-{name}.db"}
    if isso:
        files["isso"] = data / f"isso-{name}.db"
    argv = ["--parley", str(files["parley"]), *shape_args, "--seed", "1", "--fresh"]
    if isso:
        argv += ["--isso", str(files["isso"])]
    key = data / f"{name}.key"
    mark = fingerprint(shape_args + (["isso"] if isso else []))
    if not regenerate and key.exists() and key.read_text() == mark and all(p.exists() for p in files.values()):
        return files
    data.mkdir(parents=True, exist_ok=True)
    key.unlink(missing_ok=True)
    print(f"[data] generating {name} ...", flush=True)
    done = sh([str(PARLEY_VENV / "bin" / "python"), str(BENCH / "generate.py"), *argv], capture_output=True)
    summary = json.loads(done.stdout)
    print(f"[data] {name}: {summary['comments']:,} comments in {summary['seconds']} s", flush=True)
    key.write_text(mark)
    return files


DATASETS = {
    "t200": (["--shape", "t200"], True),
    "t5000": (["--shape", "t5000"], True),
    "counts": (["--shape", "counts"], True),
    "queue": (["--shape", "queue"], False),
    # bench-t200 and 119 more articles of about 100 comments each: a site whose readers spread out.
    "live": (["--shape", "scale", "--comments", "12000", "--articles", "120"], False),
}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help=f"comma-separated scenarios ({','.join(SCENARIOS)}); default: all, "
                    "engines only with --database")
    ap.add_argument("--database", default="", help="an empty PostgreSQL database for the engines scenario, which it "
                    "fills (postgresql://…)")
    ap.add_argument("--instances", default="1,2,4", help="PostgreSQL instance counts for the engines scenario")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    ap.add_argument("--write-duration", type=float, default=15.0, help="seconds of sustained POSTs (default 15)")
    ap.add_argument("--workers", type=int, default=2, help="server processes, parley and Isso alike (default 2)")
    ap.add_argument("--server", choices=SERVERS, default="uvicorn", help="ASGI server for parley and hello-world")
    ap.add_argument("--sync", default="FULL,NORMAL", help="PARLEY_SYNCHRONOUS values for the write runs")
    ap.add_argument("--scale-comments", type=int, default=1_000_000, help="the large scale set (default 1,000,000)")
    ap.add_argument("--small-comments", type=int, default=10_000, help="the scale set it is compared with")
    ap.add_argument("--data", type=Path, default=BENCH / ".data", help="generated databases (default bench/.data)")
    ap.add_argument("--regenerate", action="store_true", help="generate the data even if an identical set exists")
    ap.add_argument("--port", type=int, default=18100, help="first of three ports: parley, hello-world, Isso")
    ap.add_argument("--profile", action="store_true", help="after the T200 runs, py-spy one more T200 c=64 run")
    ap.add_argument("--no-setup", action="store_true", help="skip installing (venvs and wrk already there)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    default = [name for name in SCENARIOS if name != "engines" or args.database]
    chosen = [name.strip() for name in (args.only or ",".join(default)).split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"run.py: unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}", file=sys.stderr)
        return 2
    if not args.no_setup:
        setup(args.server, args.profile)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    ctx = Context(
        args=args,
        venv=PARLEY_VENV,
        logs=results / f"logs-{stamp}",
        results=results,
        data=lambda name, shape, isso: dataset(args.data, name, shape, isso=isso, regenerate=args.regenerate),
        datasets=DATASETS,
        start=start,
    )
    began = time.monotonic()
    info = machine(args, load=os.getloadavg(), python=platform.python_version())
    rows = []
    try:
        for name in chosen:
            print(f"[run] {name}", flush=True)
            rows += SCENARIOS[name](ctx)
    except (BenchError, subprocess.CalledProcessError, sqlite3.Error) as error:
        print(f"run.py: {error}", file=sys.stderr)
        return 1
    finally:
        ctx.stop_all()
    info["minutes"] = round((time.monotonic() - began) / 60, 1)
    text = render(info, rows)
    print(text)
    (results / f"run-{stamp}.md").write_text(text)
    (results / f"run-{stamp}.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1, default=str))
    print(f"[run] written to {results / f'run-{stamp}.md'} (logs in {ctx.logs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
