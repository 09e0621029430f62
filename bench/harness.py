"""The benchmark's instruments: servers started and stopped by pid, wrk runs, and peak memory from /proc."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which."""


@dataclass
class Server:
    """A server process tree we started: its root pid, where it listens and where it logs."""

    name: str
    port: int
    pid: int
    log: Path
    stop_command: list[str] | None = None  # a daemon that stops through its own script (Isso's run_isso.sh)
    process: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def stop(self) -> None:
        if self.stop_command is not None:
            subprocess.run(self.stop_command, check=False, capture_output=True)
            return
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)  # the session we started for it: the server and its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()


def start(name: str, argv: list[str], *, port: int, env: dict[str, str], ready_path: str, logs: Path) -> Server:
    """Start a server in its own session and return once `ready_path` answers 200."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    server = Server(name, port, process.pid, log, process=process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with {process.returncode} while starting; see {log}")
        if fetch(server.url(ready_path), timeout=2) == 200:
            return server
        time.sleep(0.2)
    server.stop()
    raise BenchError(f"{name} did not answer {ready_path} on port {port} within 90 s; see {log}")


def fetch(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float
) -> int:
    """One request; the status, or 0 when nothing answered."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 (127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def descendants(root: int) -> list[int]:
    """The root and every process below it, from one scan of /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


class PeakMemory:
    """Samples the summed RSS of a process tree every 100 ms in a thread while a load runs."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak = 0
        self.processes = 0  # how many processes the tree had at the peak
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        pids: list[int] = []
        tick = 0
        while True:
            if tick % 10 == 0:  # a process tree changes rarely; rescan it once a second
                pids = descendants(self.root)
            now = rss_bytes(pids)
            if now > self.peak:
                self.peak, self.processes = now, len(pids)
            tick += 1
            if self._done.wait(0.1):
                return


@dataclass
class Load:
    """What one wrk run measured."""

    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    bad: int = 0  # non-2xx/3xx answers
    socket_errors: int = 0
    peak_rss: int = 0
    processes: int = 0
    extra: dict[str, object] = field(default_factory=dict)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    load = Load()
    if match := re.search(r"(\d+) requests in", output):
        load.requests = int(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        load.rps = float(match.group(1))
    if match := re.search(r"^\s+50%\s+(\S+)", output, re.M):
        load.p50_ms = _ms(match.group(1))
    if match := re.search(r"^\s+99%\s+(\S+)", output, re.M):
        load.p99_ms = _ms(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        load.bad = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        load.socket_errors = sum(int(n) for n in match.groups())
    return load


def wrk(
    url: str,
    *,
    conns: int,
    duration: float,
    server: Server,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    log: Path,
) -> Load:
    """One wrk run (--latency, 60 s timeout so slow answers count as latency, not as errors)."""
    argv = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{max(1, round(duration))}s", "--timeout", "60s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(url)
    with PeakMemory(server.pid) as memory:
        done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    with log.open("a") as out:
        out.write(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    load = parse_wrk(done.stdout)
    load.peak_rss, load.processes = memory.peak, memory.processes
    return load


def warm(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> None:
    """Sequential requests for a second (at least two) so caches and lazy set-up are done before measuring."""
    began, sent = time.monotonic(), 0
    while sent < 2 or (time.monotonic() - began < 1.0 and sent < 500):
        status = fetch(url, method=method, body=body, headers=headers, timeout=120)
        if not 200 <= status < 400:
            raise BenchError(f"warm-up {method} {url} answered {status}")
        sent += 1
