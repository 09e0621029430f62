"""The `engines` scenario: the same site on SQLite (one instance) and on PostgreSQL with 1, 2 and 4 instances
behind nginx, in one run on the same cores (`bench/run.py --only engines --database postgresql://… --instances
1,2,4`).

Every configuration gets a fresh copy of the T200 data (`parley copy` from the SQLite set into PostgreSQL,
timed), sits behind the same nginx (deploy/nginx.conf's rules, least connections), and is measured with the
issue-5 loads (the T200 thread and the 50-article counts, c=64; sustained writes, c=16, every 2xx counted in
the database afterwards) and the live-site load (T200 read at c=64 while 50 comments a second land). The
instances share the machine's cores with each other, PostgreSQL, nginx and the load generators, so the table
also gives req/s per core of the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from harness import BENCH, HOST, BenchError, Load, Server, start, warm, wrk
from scenarios import T200, Context, copy_database, count_rows, counts_path, figures, get_json

ROOT = BENCH.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _nginx(ctx: Context, port: int, upstreams: list[int]) -> Server:
    folder = ctx.logs / f"nginx-{port}"
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "\n".join(f"        server {HOST}:{up} max_fails=0;" for up in upstreams)
    start_at, end_at = text.index("        server parley-a"), text.index("        keepalive")
    text = text[:start_at] + servers + "\n" + text[end_at:]
    text = text.replace("listen 80;", f"listen {HOST}:{port} reuseport;").replace("worker_processes auto;", "worker_processes 1;")
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = text.replace("http {", f"http {{\n    access_log off;\n{temp}", 1)
    conf = folder / "nginx.conf"
    conf.write_text(f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n" + text)
    argv = [NGINX, "-c", str(conf), "-g", "daemon off;"]
    return start("nginx", argv, port=port, env={}, ready_path="/readyz", logs=ctx.logs)


def _instances(ctx: Context, database: str, how_many: int) -> list[Server]:
    workers = max(1, ctx.args.workers // how_many)
    servers = []
    for n in range(how_many):
        port = ctx.args.port + 10 + n
        env = ctx.env(PARLEY_WORKERS=str(workers))
        argv = [str(ctx.venv / "bin" / "parley"), "serve", "--host", HOST, "--port", str(port), "--database", database]
        servers.append(start(f"parley-{n}", argv, port=port, env=env, ready_path="/readyz", logs=ctx.logs))
    return servers


def _measure(ctx: Context, front: Server, servers: list[Server], path: str, conns: int, *, postgres: bool,
             script: Path | None = None, env: dict[str, str] | None = None) -> tuple[Load, float]:  # fmt: skip
    """One wrk run through the proxy; and its req/s per core of this machine."""
    warm(front.url(path))
    # Peak memory is the first instance's (each instance holds about the same).
    load = wrk(front.url(path), conns=conns, duration=ctx.args.duration, server=servers[0], log=ctx.logs / "wrk.log",
               script=script, env=env or {})  # fmt: skip
    return load, round(load.rps / (os.cpu_count() or 1))


def _writes(ctx: Context, front: Server, database: str, *, postgres: bool) -> tuple[Load, str]:
    before = _stored(ctx, database, postgres=postgres)
    argv = [str(ctx.venv / "bin" / "python"), str(BENCH / "writer.py"), "--kind", "parley", "--port", str(front.port),
            "--target", T200, "--concurrency", "16", "--duration", str(ctx.args.write_duration), "--parents", "1-200"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    stored = _stored(ctx, database, postgres=postgres) - before
    load = Load(requests=result["sent"], rps=result["writes_per_second"], p50_ms=result["p50_ms"],
                p99_ms=result["p99_ms"], bad=result["sent"] - result["ok"],
                socket_errors=sum(result["errors"].values()), peak_rss=0, processes=0)  # fmt: skip
    note = f"2xx {result['ok']}, stored {stored}" + ("" if stored == result["ok"] else " MISMATCH")
    return load, note


def _stored(ctx: Context, database: str, *, postgres: bool) -> int:
    if not postgres:
        return count_rows(Path(database))
    done = subprocess.run(["psql", database, "-Atc", "SELECT COUNT(*) FROM comments"], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return int(done.stdout.strip())


def _live(ctx: Context, front: Server, servers: list[Server], *, postgres: bool) -> tuple[Load, float, float]:
    writer = subprocess.Popen(
        [str(ctx.venv / "bin" / "python"), str(BENCH / "writer.py"), "--kind", "parley", "--port", str(front.port),
         "--target", T200, "--concurrency", "8", "--duration", str(ctx.args.duration + 2), "--rate", "50",
         "--parents", "1-200", "--seed", "23"],  # not the writes run's seed: its bodies would be duplicates
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1)
    load, per_cpu = _measure(ctx, front, servers, f"/api/v1/articles/{T200}/comments?limit=100", 64, postgres=postgres)
    out, _ = writer.communicate(timeout=ctx.args.duration + 60)
    return load, per_cpu, json.loads(out)["writes_per_second"]


def _fresh_postgres(ctx: Context, url: str, source: Path) -> float:
    """The T200 data copied into an emptied PostgreSQL database the documented way; the seconds it took."""
    began = time.monotonic()
    done = subprocess.run([str(ctx.venv / "bin" / "parley"), "copy", "--from", f"sqlite://{source}", "--to", url,
                           "--replace"], capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise BenchError(f"parley copy failed: {done.stderr[-500:]}")
    return time.monotonic() - began


def engines(ctx: Context) -> list[dict[str, Any]]:
    url = ctx.args.database
    if not url:
        raise BenchError("the engines scenario needs --database postgresql://… (an empty database it may fill)")
    instances = [int(n) for n in ctx.args.instances.split(",")]
    source = ctx.dataset("t200")["parley"]
    configs = [("SQLite", 1), *(("PostgreSQL", n) for n in instances)]
    rows = []
    for engine, how_many in configs:
        postgres = engine == "PostgreSQL"
        note = ""
        if postgres:
            note = f"parley copy of the T200 set: {_fresh_postgres(ctx, url, source):.1f} s"
            database = url
        else:
            database = str(ctx.args.data / "parley-engines.db")
            copy_database(source, Path(database))
        servers = _instances(ctx, database, how_many)
        front = _nginx(ctx, ctx.args.port + 9, [server.port for server in servers])
        try:
            if get_json(front.url(f"/api/v1/articles/{T200}/comments?limit=100"))["count"] != 200:
                raise BenchError(f"{engine}: the T200 thread does not hold 200 comments")
            label = f"{engine}, {how_many} × {max(1, ctx.args.workers // how_many)} worker(s)"
            t200, t200_cpu = _measure(ctx, front, servers, f"/api/v1/articles/{T200}/comments?limit=100", 64,
                                      postgres=postgres)  # fmt: skip
            counts, counts_cpu = _measure(ctx, front, servers, counts_path(), 64, postgres=postgres)
            writes, write_note = _writes(ctx, front, database, postgres=postgres)
            live, live_cpu, written = _live(ctx, front, servers, postgres=postgres)
        finally:
            front.stop()
            for server in servers:
                server.stop()
        for scenario, load, per_cpu, extra in (
            ("T200 whole thread", t200, t200_cpu, note),
            ("Counts, 50 articles", counts, counts_cpu, ""),
            (f"Writes, {ctx.args.write_duration:g} s", writes, round(writes.rps / (os.cpu_count() or 1)), write_note),
            ("T200 while 50 comments/s land", live, live_cpu, f"{written:.1f} writes/s"),
        ):
            rows.append({"table": "engines", "engine": label, "scenario": scenario, "parley": figures(load),
                         "per_cpu_second": per_cpu, "note": extra})  # fmt: skip
    return rows
