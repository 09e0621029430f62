"""Time the render of each pathological Markdown input (tests/unit/markdown_corpus.py) and print the slowest.

    .venv/bin/python bench/markdown_render.py [--repeat N]

Each figure is the best of N renders of one input through parley.domain.text.render_comment, the function
'Add yours' runs (off the event loop) before storing a comment.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.markdown_corpus import PATHOLOGICAL

from parley.domain.text import render_comment


def best_of(source: str, repeat: int) -> float:
    """The fastest of `repeat` renders, in milliseconds: the least disturbed by whatever else the machine does."""
    fastest = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        render_comment(source)
        fastest = min(fastest, time.perf_counter() - started)
    return fastest * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    timings = {name: best_of(source, args.repeat) for name, source in PATHOLOGICAL.items()}
    for name, ms in sorted(timings.items(), key=lambda item: -item[1]):
        print(f"{ms:9.2f} ms  {name} ({len(PATHOLOGICAL[name])} characters)")
    slowest = max(timings, key=timings.__getitem__)
    print(f"slowest render: {timings[slowest]:.2f} ms ({slowest}); {len(timings)} inputs, best of {args.repeat}")


if __name__ == "__main__":
    main()
