"""The benchmark's report: the machine it ran on and one Markdown table per comparison."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.stdout.strip() or "unknown"


def machine(args: argparse.Namespace, *, load: tuple[float, float, float], python: str) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": python,
        "parley_commit": commit(),
        "server": args.server,
        "workers": args.workers,
        "duration_s": args.duration,
        "write_duration_s": args.write_duration,
        "load_before": [round(x, 2) for x in load],
    }


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _cells(load: dict[str, Any] | None) -> list[str]:
    if load is None:
        return ["—"] * 4
    flags = ""
    if load["requests"] < 30:  # wrk counts only answers that came back within the run: few means a lower bound
        flags += f" (n={load['requests']})"
    if load["bad"] or load["socket_errors"]:
        flags += f" ⚠ {load['bad']} non-2xx, {load['socket_errors']} socket errors"
    return [_num(load["rps"], 1 if load["rps"] < 100 else 0) + flags, _ms(load["p50_ms"]), _ms(load["p99_ms"]),
            _num(load["peak_mib"])]  # fmt: skip


def render(info: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = [
        f"parley vs Isso 0.14 — {info['date']}, {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"Linux {info['kernel']}, Python {info['python']}, parley {info['parley_commit']}",
        f"parley: `parley serve --workers {info['workers']}` ({info['server']}), PARLEY_ACCESS_LOG=false, per-address rate limits off; "
        f"Isso: gunicorn {info['workers']} sync workers. wrk {info['duration_s']:g} s per run (--latency, 1 s warm-up "
        f"before); wrk, the write client and the servers share the same {info['cores']} cores. Load average before: "
        f"{info['load_before']}. Full run took {info.get('minutes', '?')} min.",
        "",
    ]
    main = [row for row in rows if row["table"] == "main"]
    if main:
        lines += [
            "| scenario | c | parley req/s | p50 ms | p99 ms | peak MiB | Isso req/s | p50 ms | p99 ms | peak MiB "
            "| parley/Isso | notes |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
        ]
        for row in main:
            ours, theirs = row["parley"], row["isso"]
            ratio = "—"
            if ours and theirs and theirs["rps"]:
                ratio = f"{ours['rps'] / theirs['rps']:,.1f}x"
            cells = [row["scenario"], str(row["conns"]), *_cells(ours), *_cells(theirs), ratio, row["note"]]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    scale = [row for row in rows if row["table"] == "scale"]
    if scale:
        small, large = scale[0]["small_comments"], scale[0]["large_comments"]
        lines += [
            f"Scale (parley only, c={scale[0]['conns']}): the same figures on {small:,} and on {large:,} comments",
            "",
            f"| figure | {small:,} comments | {large:,} comments | ratio |",
            "|---|--:|--:|--:|",
        ]
        for row in scale:
            ratio = f"{row['large'] / row['small']:.2f}" if row["small"] else "—"
            lines.append(f"| {row['figure']} | {_num(row['small'], 1)} | {_num(row['large'], 1)} | {ratio} |")
        lines.append("")
    live = [row for row in rows if row["table"] == "live"]
    if live:
        lines += [
            "Live site (parley only): reads while new comments land, against the same reads with none, in this run",
            "",
            "| scenario | c | reads/s | p50 ms | p99 ms | peak MiB | ratio to no writes | writes/s "
            "| builds/s per worker |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in live:
            cells = [row["scenario"], str(row["conns"]), *_cells(row["parley"]), f"{row['ratio']:.2f}",
                     _num(row["writes_per_second"], 1), _num(row["builds_per_second_per_worker"], 1)]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    engines = [row for row in rows if row["table"] == "engines"]
    if engines:
        lines += [
            "Engines (parley only, behind one nginx, all on the same cores): SQLite against PostgreSQL with 1, 2 and 4 "
            "instances; per core: req/s over this machine's cores, which every instance, PostgreSQL, nginx and wrk share",
            "",
            "| configuration | scenario | req/s | p50 ms | p99 ms | peak MiB | req/s per core | notes |",
            "|---|---|--:|--:|--:|--:|--:|---|",
        ]
        for row in engines:
            cells = [row["engine"], row["scenario"], *_cells(row["parley"]), _num(row["per_cpu_second"]), row["note"]]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append(
        "(n=N): only N answers came back within the run; wrk counts no request still waiting at the end, so such "
        "latencies are lower bounds.  "
        "peak MiB: the largest sum of RSS over the server's processes (master and workers), sampled from /proc "
        "every 100 ms while the load ran (shared pages count once per process)."
    )
    return "\n".join(lines) + "\n"
