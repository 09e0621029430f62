"""/metrics counts every server process: with two workers, each scrape reads the same sums, whichever answers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.harness.server import Server

pytestmark = pytest.mark.slow

TOKEN = "harness-metrics"


def test_two_workers_report_one_set_of_figures(tmp_path: Path) -> None:
    env = {"PARLEY_WORKERS": "2", "PARLEY_METRICS_TOKEN": TOKEN, "PARLEY_ACCESS_LOG": "false"}
    with Server(tmp_path / "parley.db", tmp_path / "server.log", env) as server:
        assert len(server.pids) >= 3  # the supervisor and its two workers
        for _ in range(40):
            with httpx.Client() as fresh:  # a new connection each time, so both workers answer some
                assert fresh.get(f"{server.url}/api/v1/articles").status_code == 200
        line = 'parley_requests_total{method="GET",path="/api/v1/articles",status="200"}'
        seen = set()
        for _ in range(8):
            with httpx.Client() as fresh:
                text = fresh.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
            (value,) = [row.rsplit(" ", 1)[1] for row in text.splitlines() if row.startswith(line)]
            seen.add(float(value))
        assert seen == {40.0}
