"""A real parley server in its own process: `parley serve` on a free 127.0.0.1 port, ready when /readyz says so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

HOST = "127.0.0.1"
PARLEY = Path(sys.executable).with_name("parley")
"""The command the package installs: the production serving path, not an in-process app."""
ENV = {"PARLEY_HOST": HOST, "PARLEY_WRITES_PER_MINUTE": "0", "PARLEY_READS_PER_MINUTE": "0"}
"""Settings for every harness server. A harness drives one server from one address far harder than a reader
could, so limits meant for the public (per-address rate limits) are the ones to lift here."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def parley(*args: str, database: Path | str) -> str:
    """Run one `parley` command against `database`; its standard output."""
    done = subprocess.run(
        [str(PARLEY), *args, "--database", str(database)],
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def admin_token(database: Path | str) -> str:
    """A new admin token, as `parley token create` prints it: alone on the last line (on a database that
    `parley migrate` makes first, if there is none yet: token commands never make one)."""
    parley("migrate", database=database)
    return parley("token", "create", "--role", "admin", "--name", "harness", database=database).strip().splitlines()[-1]


class Server:
    """`parley serve --database PATH-OR-URL --port N` started, stopped gracefully or killed with SIGKILL, and restarted."""

    def __init__(self, database: Path | str, log: Path, env: dict[str, str] | None = None) -> None:
        self.database = database
        self.log = log
        self.port = free_port()
        self.env = {**ENV, **(env or {})}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        """Start the process and wait until /readyz answers 200."""
        assert self._process is None, "already running"
        with self.log.open("ab") as sink:
            self._process = subprocess.Popen(
                [str(PARLEY), "serve", "--database", str(self.database), "--port", str(self.port)],
                env={**os.environ, **self.env},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the supervisor and every worker it starts
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"parley serve exited with {self._process.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"parley serve did not become ready in {timeout}s; see {self.log}")

    @property
    def pids(self) -> list[int]:
        """The server's processes: the supervisor and its workers (or the one process serving alone)."""
        root = self._require().pid
        children = Path(f"/proc/{root}/task/{root}/children")
        found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [root, *found]

    def kill(self) -> None:
        """SIGKILL to every process of the server at once: no shutdown handler, no last flush; what the database
        holds is what was committed."""
        process = self._require()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self._process = None

    def terminate(self) -> None:
        """SIGTERM without waiting: the graceful shutdown begins; `wait` for its end."""
        self._require().terminate()

    def wait(self, timeout: float = 20) -> int:
        """The exit status once the process has ended."""
        status = self._require().wait(timeout=timeout)
        self._process = None
        return status

    def stop(self) -> None:
        """SIGTERM, as a service manager would send, then wait for the graceful shutdown."""
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        self._process = None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def _require(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "not running"
        return self._process

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
