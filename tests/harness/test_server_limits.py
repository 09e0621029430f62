"""The server as deployed holds a front server's limits: raw sockets against `parley serve`.

Request lines and headers of bounded size, a deadline for headers and bodies, idle connections closed, and a
cap on one network's connections; while one client tries each of these, another (from 127.0.0.2) is answered
and the worker's memory stays put.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from tests.harness.server import HOST, Server

pytestmark = pytest.mark.slow

TIMEOUT = 1.0
PER_NETWORK = 20
ENV = {
    "PARLEY_WORKERS": "1",
    "PARLEY_HEADER_TIMEOUT": str(TIMEOUT),
    "PARLEY_BODY_TIMEOUT": str(TIMEOUT),
    "PARLEY_KEEP_ALIVE_TIMEOUT": str(TIMEOUT),
    "PARLEY_CONNECTIONS_PER_ADDRESS": str(PER_NETWORK),
    "PARLEY_ACCESS_LOG": "false",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("limits")
    with Server(folder / "parley.db", folder / "server.log", ENV) as running:
        yield running


def connect(server: Server, source: str = HOST) -> socket.socket:
    return socket.create_connection((HOST, server.port), timeout=5, source_address=(source, 0))


def answer(sock: socket.socket, wait: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or `wait` passes)."""
    sock.settimeout(wait)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


def status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


def problem(raw: bytes) -> dict[str, object]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower()
    found: dict[str, object] = msgspec.json.decode(body)
    return found


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def another_client(server: Server) -> int:
    """A reader from another network: answered as if nothing were happening."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=5) as client:
        return client.get(f"{server.url}/api/v1/articles").status_code


def test_a_request_line_over_8_kib_is_414_before_it_is_parsed(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /api/v1/articles?junk=" + b"j" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = answer(sock)
    assert status(raw) == 414
    assert problem(raw)["code"] == "request_line_too_long"


@pytest.mark.parametrize(
    "headers",
    [
        b"".join(b"X-Big-%d: %s\r\n" % (n, b"b" * 4000) for n in range(9)),  # 36 KB in all
        b"".join(b"X-Many-%d: m\r\n" % n for n in range(101)),  # 101 lines
    ],
)
def test_headers_over_32_kib_or_100_lines_are_431(server: Server, headers: bytes) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        raw = answer(sock)
    assert status(raw) == 431
    assert problem(raw)["code"] == "headers_too_large"


def test_headers_just_inside_the_limits_are_served(server: Server) -> None:
    with connect(server) as sock:
        headers = b"".join(b"X-Ok-%d: %s\r\n" % (n, b"o" * 300) for n in range(90))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
        assert status(answer(sock)) == 200


def test_endless_header_lines_are_cut_off_and_memory_stays_put(server: Server) -> None:
    (worker,) = server.pids
    before = rss(worker)
    socks = [connect(server) for _ in range(PER_NETWORK - 5)]
    refused = 0
    for sock in socks:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        try:
            for _ in range(64):  # 4 MiB of one header line, if the server would take it
                sock.sendall(b"e" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            refused += 1
    assert refused == len(socks)
    assert another_client(server) == 200
    assert rss(worker) - before < 16 * 1024 * 1024
    for sock in socks:
        sock.close()


def test_slow_headers_get_408_when_their_time_is_up(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        try:
            while time.monotonic() - started < TIMEOUT * 4:
                sock.sendall(b"X-Drip: 1\r\n")
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        raw = answer(sock)
    assert status(raw) == 408
    assert time.monotonic() - started < TIMEOUT * 4


def test_a_body_that_never_finishes_gets_408(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/articles/x/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"author_name": '
        )
        raw = answer(sock, wait=TIMEOUT * 5)
    assert status(raw) == 408


def test_a_connection_that_sends_nothing_is_closed(server: Server) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert answer(sock, wait=TIMEOUT * 5) == b""
        assert time.monotonic() - started < TIMEOUT * 3


def test_one_network_holds_only_its_share_of_connections_and_others_are_served(server: Server) -> None:
    socks = [connect(server) for _ in range(PER_NETWORK * 3)]
    for sock in socks:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and nothing more
    assert another_client(server) == 200
    answers = [answer(sock, wait=TIMEOUT * 3) for sock in socks]
    for sock in socks:
        sock.close()
    statuses = sorted(status(raw) for raw in answers)
    assert statuses.count(429) >= PER_NETWORK * 2 - 1
    assert set(statuses) <= {408, 429}
    assert another_client(server) == 200


def test_a_stopping_server_still_answers_a_request_sent_on_an_idle_keep_alive_connection(tmp_path: Path) -> None:
    """A proxy may send on a kept-alive connection just as the instance stops: that request is answered (and
    the connection then closed), not cut off; a POST lost that way is a 502 no proxy may retry."""
    stopping = Server(tmp_path / "drain.db", tmp_path / "drain.log", env={"PARLEY_WORKERS": "1"}).start()
    ask = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    with socket.create_connection((HOST, stopping.port), timeout=10) as conn:
        conn.sendall(ask)
        first = conn.recv(65536)
        head, _, body = first.partition(b"\r\n\r\n")
        length = int(
            next(line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length"))
        )
        while len(body) < length:  # the body may come in a packet of its own
            body += conn.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        stopping.terminate()
        time.sleep(0.5)  # the server is shutting down; this connection sits idle
        conn.sendall(ask)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    stopping.wait()
    assert answer.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in answer.lower()
