"""The scenarios of the parley-vs-Isso benchmark; each starts its servers, measures, stops them, returns rows."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from harness import BENCH, HOST, BenchError, Load, PeakMemory, Server, descendants, warm, wrk

Row = dict[str, Any]
ISSO = BENCH / "isso"
T200 = "bench-t200"
COUNT_SLUGS = [f"bench-count-{i}" for i in range(1, 51)]
METRICS_TOKEN = "bench-metrics"  # noqa: S105 (a local benchmark's own token)
LIVE_ARTICLES = 120


def isso_uri(slug: str) -> str:
    return quote(f"/bench/{slug}/", safe="")


@dataclass
class Context:
    """Options, paths and the servers that are up, shared by the scenarios of one run."""

    args: argparse.Namespace
    venv: Path
    logs: Path
    results: Path
    data: Callable[[str, list[str], bool], dict[str, Path]]
    datasets: dict[str, tuple[list[str], bool]]
    start: Callable[..., Server]
    memo: dict[str, Load] = field(default_factory=dict)
    page: Path | None = None  # parley's T200 page as served, for the cached-page ceiling
    running: list[Server] = field(default_factory=list)

    def dataset(self, name: str) -> dict[str, Path]:
        shape, isso = self.datasets[name]
        return self.data(name, shape, isso)

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PARLEY_")}
        # One load generator on one address is not the public: per-address limits would measure the limiter.
        limits = {"PARLEY_WRITES_PER_MINUTE": "0", "PARLEY_READS_PER_MINUTE": "0"}
        # wrk opens all its connections from one address; the benchmark is not a flood from one network.
        limits["PARLEY_CONNECTIONS_PER_ADDRESS"] = "100000"
        return {**env, "PARLEY_ACCESS_LOG": "false", "PARLEY_METRICS_TOKEN": METRICS_TOKEN, **limits, **extra}

    def parley(self, database: Path, *, synchronous: str = "FULL") -> Server:
        """parley the production way: `parley serve` (uvicorn), or the same app under --server granian."""
        port, workers = self.args.port, str(self.args.workers)
        env = self.env(PARLEY_SYNCHRONOUS=synchronous, PARLEY_DATABASE=str(database))
        if self.args.server == "uvicorn":
            argv = [str(self.venv / "bin" / "parley"), "serve", "--host", HOST, "--port", str(port)]
            argv += ["--workers", workers, "--database", str(database)]
        else:
            subprocess.run([str(self.venv / "bin" / "parley"), "migrate"], env=env, check=True, capture_output=True)
            argv = self._granian("parley.cli:app_from_env", port, workers)
        return self._up(self.start("parley", argv, port=port, env=env, ready_path="/healthz", logs=self.logs))

    def hello(self, page: Path) -> Server:
        """The ceiling app on the same server, workers and flags as `parley serve` passes to uvicorn.run."""
        port, workers = self.args.port + 1, str(self.args.workers)
        env = self.env(PYTHONPATH=str(BENCH), BENCH_PAGE=str(page))
        if self.args.server == "uvicorn":
            argv = [str(self.venv / "bin" / "python"), "-m", "uvicorn", "--factory", "hello:create_app"]
            argv += ["--host", HOST, "--port", str(port), "--workers", workers, "--no-proxy-headers"]
            argv += ["--no-access-log", "--no-server-header", "--log-level", "info"]
            argv += ["--timeout-graceful-shutdown", "10"]
        else:
            argv = self._granian("hello:create_app", port, workers)
        return self._up(self.start("hello", argv, port=port, env=env, ready_path="/hello", logs=self.logs))

    def _granian(self, target: str, port: int, workers: str) -> list[str]:
        argv = [str(self.venv / "bin" / "granian"), "--interface", "asgi", "--host", HOST, "--port", str(port)]
        return [*argv, "--workers", workers, "--loop", "uvloop", "--factory", target]

    def isso(self, database: Path) -> Server:
        """Isso 0.14 under gunicorn with sync workers (bench/isso/run_isso.sh)."""
        port = self.args.port + 2
        script = str(ISSO / "run_isso.sh")
        subprocess.run([script, str(database), str(port), str(self.args.workers)], check=True, capture_output=True)
        pid = int((ISSO / ".run" / str(port) / "isso.pid").read_text().strip())
        log = ISSO / ".run" / str(port) / "isso.log"
        return self._up(Server("isso", port, pid, log, stop_command=[script, "stop", str(port)]))

    def _up(self, server: Server) -> Server:
        self.running.append(server)
        return server

    def stop(self, server: Server) -> None:
        server.stop()
        self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)

    def load(self, server: Server, path: str, conns: int, *, settle: bool = True, **options: Any) -> Load:
        """Warm up, measure with wrk, then (unless the server stops next) let it finish what wrk left queued."""
        warm_request = options.pop("warm", {})
        warm(server.url(path), **warm_request)
        result = wrk(server.url(path), conns=conns, duration=self.args.duration, server=server,
                     log=self.logs / "wrk.log", **options)  # fmt: skip
        if settle:
            wait_idle(server)
        return result

    def token(self, database: Path) -> str:
        """An admin token made the documented way, `parley token create`; its last line is the token."""
        name = f"bench-{os.getpid()}-{time.time_ns()}"
        done = subprocess.run(
            [str(self.venv / "bin" / "parley"), "token", "create", "--role", "admin", "--name", name],
            env=self.env(PARLEY_DATABASE=str(database)),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_idle(server: Server, timeout: float = 180.0) -> None:
    """Isso's sync workers go on with the requests wrk left in the listen queue; don't let them bleed on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = descendants(server.pid)
        before = cpu_ticks(pids)
        time.sleep(0.5)
        if cpu_ticks(pids) - before <= 5:  # under 10 % of a core for half a second
            return


def get_json(url: str, headers: dict[str, str] | None = None, *, method: str = "GET", body: bytes | None = None) -> Any:
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=body)  # noqa: S310
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (127.0.0.1 only)
        return json.loads(response.read())


def nodes(items: list[dict[str, Any]]) -> int:
    return sum(1 + nodes(item.get("replies") or []) for item in items)


def shape(url: str) -> str:
    """How many comments an answer carries and how large it is: what a thread request costs depends on both."""
    request = urllib.request.Request(url)  # noqa: S310
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (127.0.0.1 only)
        raw = response.read()
    answer = json.loads(raw)
    return f"{nodes(answer.get('items') or answer.get('replies') or []):,} comments, {len(raw) / 1000:,.0f} kB"


def figures(load: Load | None) -> dict[str, Any] | None:
    if load is None:
        return None
    out = asdict(load)
    out["peak_mib"] = round(load.peak_rss / 2**20, 1)
    return out


def row(scenario: str, conns: int, parley: Load | None, isso: Load | None, note: str = "") -> Row:
    return {"table": "main", "scenario": scenario, "conns": conns, "parley": figures(parley),
            "isso": figures(isso), "note": note}  # fmt: skip


def t200(ctx: Context) -> list[Row]:
    """The whole 200-comment thread: parley's one page of limit=100 against Isso's GET /?uri=."""
    files = ctx.dataset("t200")
    path_parley = f"/api/v1/articles/{T200}/comments?limit=100"
    path_isso = f"/?uri={isso_uri(T200)}"
    conns = (1, 16, 64)
    server = ctx.parley(files["parley"])
    page = get_json(server.url(path_parley))
    if page["count"] != 200 or len(page["items"]) != 60 or page["next_cursor"] is not None:
        raise BenchError(f"parley's T200 page is not the whole thread: count {page['count']}")
    our_shape = shape(server.url(path_parley))
    save_page(ctx, server, path_parley)
    ours = {c: ctx.load(server, path_parley, c) for c in conns}
    for c in conns:
        ctx.memo[f"t200-{c}"] = ours[c]
    if ctx.args.profile:
        profile(ctx, server, path_parley)
    ctx.stop(server)
    server = ctx.isso(files["isso"])
    if get_json(server.url(path_isso))["total_replies"] != 200:
        raise BenchError("Isso's T200 thread does not hold 200 comments")
    note = f"parley: {our_shape}; Isso: {shape(server.url(path_isso))}"
    theirs = {c: ctx.load(server, path_isso, c, settle=c != conns[-1]) for c in conns}
    ctx.stop(server)
    return [row("T200 whole thread", c, ours[c], theirs[c], note if c == 1 else "") for c in conns]


def save_page(ctx: Context, server: Server, path: str) -> None:
    ctx.page = ctx.logs / "t200-page.json"
    ctx.logs.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(server.url(path), timeout=60) as response:  # noqa: S310 (127.0.0.1 only)
        ctx.page.write_bytes(response.read())


def ceiling(ctx: Context) -> list[Row]:
    """Litestar handlers on parley's server settings, a tiny JSON and the T200 page pre-encoded: the limits."""
    if ctx.page is None:
        server = ctx.parley(ctx.dataset("t200")["parley"])
        save_page(ctx, server, f"/api/v1/articles/{T200}/comments?limit=100")
        ctx.stop(server)
    assert ctx.page is not None
    server = ctx.hello(ctx.page)
    rows = []
    size = f"{ctx.page.stat().st_size / 1000:,.0f} kB"
    for what, path in (("hello-world", "/hello"), (f"T200 page pre-encoded, {size}", "/page")):
        for c in (16, 64):
            load = ctx.load(server, path, c)
            read = ctx.memo.get(f"t200-{c}")
            note = "" if read is None else f"parley T200 = {100 * read.rps / load.rps:.0f} % of this"
            rows.append(row(f"Ceiling: {what}", c, load, None, note))
    ctx.stop(server)
    return rows


def t5000(ctx: Context) -> list[Row]:
    """A 5,000-comment thread: parley's first and 10th page against Isso's embed request."""
    files = ctx.dataset("t5000")
    c = 16
    first = "/api/v1/articles/bench-t5000/comments"
    server = ctx.parley(files["parley"])
    cursor = None
    for _ in range(9):
        page = get_json(server.url(first + (f"?{urlencode({'cursor': cursor})}" if cursor else "")))
        cursor = page["next_cursor"]
        if cursor is None:
            raise BenchError("the T5000 thread has fewer than 10 pages")
    tenth = f"{first}?{urlencode({'cursor': cursor})}"
    shapes = [shape(server.url(first)), shape(server.url(tenth))]
    ours = ctx.load(server, first, c)
    ours_10 = ctx.load(server, tenth, c)
    ctx.stop(server)
    server = ctx.isso(files["isso"])
    embed = f"/?uri={isso_uri('bench-t5000')}&sort=oldest&offset=0&nested_limit=5"
    shapes.append(shape(server.url(embed)))
    theirs = ctx.load(server, embed, c, settle=False)
    ctx.stop(server)
    base = ctx.memo.get(f"t200-{c}")

    def versus(load: Load) -> str:
        return "" if base is None else f"; p50 = {load.p50_ms / base.p50_ms:.1f}x T200's at c={c}"

    return [
        row("T5000 first page / Isso embed", c, ours, theirs, f"parley: {shapes[0]}; Isso: {shapes[2]}{versus(ours)}"),
        row("T5000 10th page (parley only)", c, ours_10, None, f"{shapes[1]}{versus(ours_10)}"),
    ]


def counts_path() -> str:
    return "/api/v1/counts?" + urlencode([("slug", slug) for slug in COUNT_SLUGS])


def counts(ctx: Context) -> list[Row]:
    """Comment counts of 50 articles in one request: parley's GET /api/v1/counts, Isso's POST /count."""
    files = ctx.dataset("counts")
    c = 16
    server = ctx.parley(files["parley"])
    if set(get_json(server.url(counts_path()))["counts"].values()) != {20}:
        raise BenchError("parley's counts are not 20 for each of the 50 articles")
    ours = ctx.load(server, counts_path(), c)
    ctx.stop(server)
    server = ctx.isso(files["isso"])
    body = json.dumps([f"/bench/{slug}/" for slug in COUNT_SLUGS]).encode()
    headers = {"Content-Type": "application/json"}
    if get_json(server.url("/count"), headers, method="POST", body=body) != [20] * 50:
        raise BenchError("Isso's counts are not 20 for each of the 50 threads")
    theirs = ctx.load(server, "/count", c, script=ISSO / "wrk" / "count.lua",
                      env={"URI_TEMPLATE": "/bench/bench-count-%d/", "COUNT_URIS": "50"},
                      warm={"method": "POST", "body": body, "headers": headers}, settle=False)  # fmt: skip
    ctx.stop(server)
    return [row("Counts, 50 articles", c, ours, theirs)]


def queue(ctx: Context) -> list[Row]:
    """A moderator's first page of the pending queue, 10,000 deep (Isso has no such API)."""
    files = ctx.dataset("queue")
    c = 16
    headers = {"Authorization": f"Bearer {ctx.token(files['parley'])}"}
    server = ctx.parley(files["parley"])
    if len(get_json(server.url("/api/v1/admin/queue"), headers)["items"]) != 50:
        raise BenchError("the queue's first page does not hold 50 items")
    ours = ctx.load(server, "/api/v1/admin/queue", c, headers=headers, warm={"headers": headers})
    ctx.stop(server)
    return [row("Queue first page, 10,000 pending", c, ours, None)]


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API, whatever WAL state the source is in."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def count_rows(database: Path) -> int:
    with closing(sqlite3.connect(database)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0])


def write_run(ctx: Context, server: Server, kind: str, target: str) -> tuple[Load, dict[str, Any]]:
    argv = [str(ctx.venv / "bin" / "python"), str(BENCH / "writer.py"), "--kind", kind, "--port", str(server.port),
            "--target", target, "--concurrency", "16", "--duration", str(ctx.args.write_duration),
            "--parents", "1-200"]  # fmt: skip
    with PeakMemory(server.pid) as memory:
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    load = Load(
        requests=result["sent"],
        rps=result["writes_per_second"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
        bad=result["sent"] - result["ok"],
        socket_errors=sum(result["errors"].values()),
        peak_rss=memory.peak,
        processes=memory.processes,
    )
    return load, result


def writes(ctx: Context) -> list[Row]:
    """Sustained POSTs at concurrency 16, counted exactly; then stored rows must equal 2xx answers."""
    files = ctx.dataset("t200")
    rows = []
    theirs, their_note = None, ""
    for sync in [value.strip().upper() for value in ctx.args.sync.split(",") if value.strip()]:
        database = ctx.args.data / "parley-writes.db"
        copy_database(files["parley"], database)
        server = ctx.parley(database, synchronous=sync)
        ours, result = write_run(ctx, server, "parley", T200)
        ctx.stop(server)
        stored = count_rows(database) - 200
        note = f"2xx {result['ok']}, stored {stored}, answers {result['answers']}, "
        note += f"client CPU {result['client_cpu_percent']} %"
        if stored != result["ok"] or result["errors"]:
            note += f" MISMATCH/ERRORS {result['errors']}"
        if theirs is None:
            database = ctx.args.data / "isso-writes.db"
            copy_database(files["isso"], database)
            server = ctx.isso(database)
            theirs, result = write_run(ctx, server, "isso", f"/bench/{T200}/")
            ctx.stop(server)
            stored = count_rows(database) - 200
            their_note = f"; Isso: 2xx {result['ok']}, stored {stored}, client CPU {result['client_cpu_percent']} %"
            if stored != result["ok"] or result["errors"]:
                their_note += f" MISMATCH/ERRORS {result['errors']}"
        rows.append(row(f"Writes, {ctx.args.write_duration:g} s, synchronous={sync}", 16, ours, theirs,
                        note + their_note))  # fmt: skip
    return rows


def scale(ctx: Context) -> list[Row]:
    """T200, queue page and counts on 10,000 and on 1,000,000 comments; database size and server memory."""
    c = 16
    measured: dict[str, dict[str, float]] = {}
    sizes = {"small": ctx.args.small_comments, "large": ctx.args.scale_comments}
    for which, comments in sizes.items():
        name = f"scale-{comments}"
        ctx.datasets[name] = (["--shape", "scale", "--comments", str(comments)], False)
        database = ctx.dataset(name)["parley"]
        headers = {"Authorization": f"Bearer {ctx.token(database)}"}
        server = ctx.parley(database)
        read = ctx.load(server, f"/api/v1/articles/{T200}/comments?limit=100", c)
        page = ctx.load(server, "/api/v1/admin/queue", c, headers=headers, warm={"headers": headers})
        count = ctx.load(server, counts_path(), c)
        ctx.stop(server)
        size = sum(os.path.getsize(p) for p in (database, Path(f"{database}-wal")) if p.exists())
        measured[which] = {
            "T200 req/s": read.rps, "T200 p50 ms": read.p50_ms, "T200 p99 ms": read.p99_ms,
            "queue page req/s": page.rps, "queue page p50 ms": page.p50_ms, "queue page p99 ms": page.p99_ms,
            "counts req/s": count.rps, "counts p50 ms": count.p50_ms, "counts p99 ms": count.p99_ms,
            "database MiB": round(size / 2**20, 1),
            "server peak RSS MiB": round(max(read.peak_rss, page.peak_rss, count.peak_rss) / 2**20, 1),
        }  # fmt: skip
        if read.bad or page.bad or count.bad:
            raise BenchError(f"non-2xx answers in the scale runs on {name}")
    shared = {"table": "scale", "small_comments": sizes["small"], "large_comments": sizes["large"], "conns": c}
    return [
        {**shared, "figure": figure, "small": measured["small"][figure], "large": measured["large"][figure]}
        for figure in measured["small"]
    ]


def profile(ctx: Context, server: Server, path: str) -> None:
    """py-spy over every worker during one more T200 c=64 run (not one of the measured runs)."""
    out = ctx.results / f"profile-t200-{int(time.time())}.txt"
    spy = subprocess.Popen(
        [str(ctx.venv / "bin" / "py-spy"), "record", "--pid", str(server.pid), "--subprocesses", "--rate", "200",
         "--duration", str(round(ctx.args.duration)), "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1)
    wrk(server.url(path), conns=64, duration=ctx.args.duration, server=server, log=ctx.logs / "wrk.log")
    _, err = spy.communicate(timeout=120)
    if spy.returncode != 0:
        raise BenchError(f"py-spy failed: {err.decode().strip()}")
    print(f"[profile] collapsed stacks in {out}", flush=True)
    wait_idle(server)


def builds(server: Server) -> float:
    """Answers the server's processes have built from the database so far (parley_answer_builds_total)."""
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    request = urllib.request.Request(server.url("/metrics"), headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (127.0.0.1 only)
        text = response.read().decode()
    rows = [line for line in text.splitlines() if line.startswith("parley_answer_builds_total")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in rows)


@dataclass
class LiveRun:
    """One read load while a writer posts at a steady rate: what the readers got, the writes, the rebuilds."""

    load: Load
    writes_per_second: float
    builds_per_second_per_worker: float


def live_run(ctx: Context, *, path: str, conns: int, rate: float, targets: list[str], own_share: float = 0.0,
             script: Path | None = None) -> LiveRun:  # fmt: skip
    """A fresh copy of the live data, one server, an optional writer at `rate` comments a second, one wrk run."""
    database = ctx.args.data / "parley-live-run.db"
    copy_database(ctx.dataset("live")["parley"], database)
    server = ctx.parley(database)
    env: dict[str, str] = {}
    if script is not None:
        env = {"SLUGS_FILE": str(ctx.logs / "live-slugs.txt"), "OWN_SHARE": str(own_share)}
        if own_share:
            tokens = ctx.logs / "live-tokens.txt"
            subprocess.run(
                [str(ctx.venv / "bin" / "python"), str(BENCH / "writer.py"), "--kind", "parley", "--port",
                 str(server.port), "--target", T200, "--targets", ",".join(targets), "--concurrency", "4",
                 "--duration", "3", "--rate", "100", "--seed", "11", "--tokens-out", str(tokens)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            env["TOKENS_FILE"] = str(tokens)
    writer = None
    if rate:
        writer = subprocess.Popen(
            [str(ctx.venv / "bin" / "python"), str(BENCH / "writer.py"), "--kind", "parley", "--port",
             str(server.port), "--target", T200, "--targets", ",".join(targets), "--concurrency", "8",
             "--duration", str(ctx.args.duration + 2), "--rate", str(rate), "--parents", "1-200"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1)  # the stream of comments is under way before the readers come
    before = builds(server)
    started = time.monotonic()
    load = ctx.load(server, path, conns, settle=False, script=script, env=env)
    built = builds(server) - before
    seconds = time.monotonic() - started
    written = 0.0
    if writer is not None:
        out, _ = writer.communicate(timeout=ctx.args.duration + 60)
        written = json.loads(out)["writes_per_second"]
    ctx.stop(server)
    return LiveRun(load, written, round(built / seconds / ctx.args.workers, 1))


def live_row(scenario: str, conns: int, run: LiveRun, base: LiveRun) -> Row:
    ratio = run.load.rps / base.load.rps if base.load.rps else 0.0
    return {"table": "live", "scenario": scenario, "conns": conns, "parley": figures(run.load),
            "writes_per_second": run.writes_per_second, "ratio": round(ratio, 2),
            "builds_per_second_per_worker": run.builds_per_second_per_worker}  # fmt: skip


def live(ctx: Context) -> list[Row]:
    """Reads while comments land, as on a breaking-news day.

    (a) the T200 thread (one page of limit=100) read by 16 and 64 clients while it receives 10 and 50 new
    comments a second; (b) reads spread over 120 articles and every sort while 50 comments a second land on
    random ones of them; (c) the same with one read in ten made by a comment's author (X-Edit-Token). Each
    against the same load with no writes, measured in the same run; every run on a fresh copy of the data.
    """
    slugs = [T200] + [f"bench-count-{i}" for i in range(1, LIVE_ARTICLES)]
    ctx.logs.mkdir(parents=True, exist_ok=True)
    (ctx.logs / "live-slugs.txt").write_text("".join(f"{slug}\n" for slug in slugs))
    rows = []
    hot = f"/api/v1/articles/{T200}/comments?limit=100"
    for conns in (16, 64):
        base = live_run(ctx, path=hot, conns=conns, rate=0, targets=[])
        rows.append(live_row("T200, no new comments", conns, base, base))
        for rate in (10, 50):
            run = live_run(ctx, path=hot, conns=conns, rate=rate, targets=[])
            rows.append(live_row(f"T200, {rate} new comments/s", conns, run, base))
    spread = BENCH / "wrk" / "spread.lua"
    first = f"/api/v1/articles/{T200}/comments"
    for own, label in ((0.0, "120 articles, every sort"), (0.1, "120 articles, every sort, 1 in 10 the author's own")):
        base = live_run(ctx, path=first, conns=64, rate=0, targets=slugs, own_share=own, script=spread)
        rows.append(live_row(f"{label}, no new comments", 64, base, base))
        run = live_run(ctx, path=first, conns=64, rate=50, targets=slugs, own_share=own, script=spread)
        rows.append(live_row(f"{label}, 50 new comments/s on random ones", 64, run, base))
    return rows


SCENARIOS: dict[str, Callable[[Context], list[Row]]] = {
    "t200": t200,
    "ceiling": ceiling,
    "t5000": t5000,
    "counts": counts,
    "queue": queue,
    "writes": writes,
    "scale": scale,
    "live": live,
}


def _engines(ctx: Context) -> list[Row]:
    from engines import engines  # (bench/engines.py, which builds on this module)

    return engines(ctx)


SCENARIOS["engines"] = _engines
