#!/usr/bin/env python3
"""Benchmark data: the same articles and comments written straight into parley's and Isso's SQLite files.

    generate.py --parley P.db [--isso I.db] [--seed 1] [--fresh] --shape t200 [--shape counts ...]

Shapes (each adds its articles; combine freely except `scale` with `t200`, which share a slug):

  t200    bench-t200: 200 approved comments, 60 top-level, replies to depth 3
  t5000   bench-t5000: 5,000 approved comments, 1,200 top-level, replies to depth 3
  counts  bench-count-1 .. bench-count-50: 20 approved comments each
  queue   bench-queue-1 .. (pre-moderated): 20 approved and 100 pending comments each, --pending in all
  scale   --comments in all (default 1,000,000) over --articles (default comments / 100): bench-t200 as
          above, then bench-count-1 .. bench-count-(articles - 1) sharing the rest evenly, 1 % of all pending

One model is built from --seed and written to both files, so both servers hold the same comments: same
ids, bodies, authors, times and reply trees. Isso stores a reply under its top-level ancestor (as its
POST /new does), parley under its real parent; pending comments are Isso's mode 2.

parley's rows carry every derived column the way parley's own writes leave them: path, root_id, depth,
visible, visible_replies, articles.comment_count and version, body_html rendered by parley's renderer
(each distinct body once: bodies come from a pool of at most --bodies texts), keyed hashes made with
the hashing key the generator stores in the database (so the server uses the same key), a unique edit
token hash per comment. The site policy is post-moderation (Isso runs with moderation off).
Generated comments have no audit events.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from parley.domain import text, tree
from parley.domain.identity import Hasher
from parley.domain.policy import Policy
from parley.domain.records import Moderation, stamp
from parley.storage.sqlite.database import migrate

sys.path.insert(0, str(Path(__file__).resolve().parent / "isso"))
import populate  # (bench/isso/populate.py: Isso's schema and the body and tree generators)

START = 1704067200.0  # 2024-01-01T00:00:00Z: the first article; every later one an hour after
BATCH = 50_000
MAX_DEPTH = 3


@dataclass(frozen=True)
class ThreadSpec:
    slug: str
    title: str
    approved: int
    top: int
    pending: int = 0
    moderation: str = "inherit"


def shapes(names: list[str], *, comments: int, articles: int | None, pending: int | None) -> list[ThreadSpec]:
    """The articles the named shapes ask for, in the order they are written."""
    specs: list[ThreadSpec] = []
    for name in names:
        if name == "t200":
            specs.append(ThreadSpec("bench-t200", "A thread of 200 comments", 200, 60))
        elif name == "t5000":
            specs.append(ThreadSpec("bench-t5000", "A thread of 5,000 comments", 5000, 1200))
        elif name == "counts":
            specs += [ThreadSpec(f"bench-count-{i}", f"Counted article {i}", 20, 6) for i in range(1, 51)]
        elif name == "queue":
            held = 10_000 if pending is None else pending
            n = max(1, math.ceil(held / 100))
            per = [held // n + (1 if i < held % n else 0) for i in range(n)]
            specs += [
                ThreadSpec(f"bench-queue-{i + 1}", f"Moderated article {i + 1}", 20, 6, per[i], "pre") for i in range(n)
            ]
        elif name == "scale":
            specs += _scale(comments, articles, pending)
        else:
            raise SystemExit(f"unknown shape {name!r}")
    slugs = [spec.slug for spec in specs]
    if len(set(slugs)) != len(slugs):
        raise SystemExit("these shapes name the same article twice (scale already holds bench-t200)")
    return specs


def _scale(comments: int, articles: int | None, pending: int | None) -> list[ThreadSpec]:
    articles = articles or max(2, comments // 100)
    held = comments // 100 if pending is None else pending
    rest, others = comments - 200 - held, articles - 1
    if rest < others or others < 1:
        raise SystemExit("scale needs at least 200 + pending + one comment per other article")
    specs = [ThreadSpec("bench-t200", "A thread of 200 comments", 200, 60)]
    for i in range(others):
        approved = rest // others + (1 if i < rest % others else 0)
        waiting = held // others + (1 if i < held % others else 0)
        specs.append(
            ThreadSpec(f"bench-count-{i + 1}", f"Article {i + 1}", approved, max(1, approved * 3 // 10), waiting)
        )
    return specs


@dataclass
class Row:
    """One comment of the shared model; parley and Isso columns are both derived from it."""

    id: int
    parent: int | None  # the real parent's id
    root: int
    depth: int
    path: str
    approved: bool
    person: int
    body: int
    created: float
    likes: int
    dislikes: int
    visible_replies: int = 0


class Model:
    """Deterministic content: people, a pool of bodies, and each thread's tree and times."""

    def __init__(self, seed: int, total: int, pool: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.people = populate.Authors(self.rng, max(1, min(total // 2, 20_000))).people
        self.bodies = [populate.body(self.rng) for _ in range(max(1, min(total, pool)))]
        self.unique = total <= len(self.bodies)  # small sets: every comment its own body, in id order
        self.next_id = 1

    def thread(self, spec: ThreadSpec, start: float) -> list[Row]:
        """Approved comments in populate.py's tree shape, then pending leaves (newest) under approved ones."""
        rng = self.rng
        shape = populate.build_thread(rng, spec.approved, spec.top, MAX_DEPTH) if spec.approved else []
        open_parents = [i for i, (_, depth) in enumerate(shape) if depth < MAX_DEPTH]
        for _ in range(spec.pending):
            parent = rng.choice(open_parents) if open_parents and rng.random() < 0.5 else None
            shape.append((parent, 0 if parent is None else shape[parent][1] + 1))
        rows: list[Row] = []
        clock = start
        for index, (parent, depth) in enumerate(shape):
            clock += rng.expovariate(1 / 720.0) + rng.random()
            up = None if parent is None else rows[parent]
            comment_id = self.next_id
            self.next_id += 1
            rows.append(
                Row(
                    id=comment_id,
                    parent=None if up is None else up.id,
                    root=comment_id if up is None else up.root,
                    depth=depth,
                    path=tree.child_path(None if up is None else up.path, comment_id),
                    approved=index < spec.approved,
                    person=rng.randrange(len(self.people)),
                    body=comment_id - 1 if self.unique else rng.randrange(len(self.bodies)),
                    created=clock,
                    likes=0 if rng.random() < 0.6 else min(int(rng.expovariate(0.4)) + 1, 40),
                    dislikes=0 if rng.random() < 0.9 else rng.randint(1, 3),
                )
            )
        by_id = {row.id: row for row in rows}
        for row in rows:
            if row.approved:
                for ancestor in tree.ancestors(row.path):
                    by_id[ancestor].visible_replies += 1
        return rows


class ParleyWriter:
    """parley's schema through its own migrations; rows with the derived columns its writes maintain."""

    _ARTICLE = """
    INSERT INTO articles (id, slug, title, author_id, published_at, body, body_html, reading_minutes, tags,
                          comments_open, moderation, comment_count, version, created_at, updated_at)
    VALUES (?, ?, ?, 1, ?, ?, ?, ?, '["bench"]', 1, ?, ?, ?, ?, ?)
    """
    _COMMENT = """
    INSERT INTO comments (id, article_id, parent_id, root_id, depth, path, status, visible, visible_replies,
                          author_name, author_email, author_url, email_hash, author_key, address_hash, body,
                          body_html, body_hash, rules, created_at, edit_token_hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    """

    def __init__(self, path: Path, model: Model) -> None:
        migrate(path)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -262144")
        self.conn.execute("BEGIN IMMEDIATE")
        if self.conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0]:
            raise SystemExit(f"{path} already holds comments: use --fresh")
        key = hashlib.sha256(f"parley-bench-{model.seed}".encode()).digest()
        at = stamp(datetime.now(UTC))
        self.conn.execute("INSERT INTO site VALUES ('secret', ?, ?) ON CONFLICT DO NOTHING", (key, at))
        policy = msgspec.json.encode(Policy(moderation=Moderation.POST))
        self.conn.execute("INSERT INTO site VALUES ('policy', ?, ?) ON CONFLICT DO NOTHING", (policy, at))
        self.conn.execute("INSERT INTO authors (id, slug, name) VALUES (1, 'bench-desk', 'Bench Desk')")
        stored = self.conn.execute("SELECT value FROM site WHERE key = 'secret'").fetchone()[0]
        hasher = Hasher(bytes(stored))
        self.people = [
            (
                name,
                email,
                website,
                hasher.email(email) if email else None,
                hasher.author_key(name, email, address),
                hasher.address(address),
            )
            for name, email, website, address in model.people
        ]
        self.html = [text.render_comment(body) for body in model.bodies]
        self.hashes = [hashlib.sha256(body.encode()).hexdigest() for body in model.bodies]
        self.bodies = model.bodies
        self.seed = model.seed
        self.article_body = "A benchmark article.\n\n" + " ".join(["word"] * 600)
        self.article_html = text.render_article(self.article_body)
        self.batch: list[tuple[object, ...]] = []
        # Indexes are built once after the load: sorting once is much faster than a million index inserts.
        self.indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comments' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')

    def article(self, article_id: int, spec: ThreadSpec, published: float) -> None:
        at = stamp(datetime.fromtimestamp(published, UTC))
        self.conn.execute(
            self._ARTICLE,
            (
                article_id,
                spec.slug,
                spec.title,
                at,
                self.article_body,
                self.article_html,
                text.reading_minutes(self.article_body),
                spec.moderation,
                spec.approved,
                spec.approved + spec.pending,
                at,
                at,
            ),
        )
        self.conn.execute("INSERT INTO article_tags (article_id, tag) VALUES (?, 'bench')", (article_id,))

    def comments(self, article_id: int, spec: ThreadSpec, rows: list[Row]) -> None:
        held = '["pre_moderation"]' if spec.moderation == "pre" else '["hold_words"]'
        for row in rows:
            name, email, website, email_hash, author_key, address_hash = self.people[row.person]
            self.batch.append(
                (
                    row.id,
                    article_id,
                    row.parent,
                    row.root,
                    row.depth,
                    row.path,
                    "approved" if row.approved else "pending",
                    int(row.approved),
                    row.visible_replies,
                    name,
                    email,
                    website,
                    email_hash,
                    author_key,
                    address_hash,
                    self.bodies[row.body],
                    self.html[row.body],
                    self.hashes[row.body],
                    "[]" if row.approved else held,
                    stamp(datetime.fromtimestamp(row.created, UTC)),
                    hashlib.sha256(f"bench-edit-{self.seed}-{row.id}".encode()).hexdigest(),
                )
            )
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany(self._COMMENT, self.batch)
        self.batch.clear()

    def close(self) -> None:
        self.flush()
        for _, sql in self.indexes:
            self.conn.execute(sql)
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class IssoWriter:
    """Isso 0.14's schema (populate.py's); replies stored under their top-level ancestor, pending as mode 2."""

    _COMMENT = """
    INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text, author, email, website,
                          likes, dislikes, voters, notification)
    VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
    """

    def __init__(self, path: Path, model: Model) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("BEGIN IMMEDIATE")
        populate.ensure_schema(self.conn)
        if self.conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0]:
            raise SystemExit(f"{path} already holds comments: use --fresh")
        self.model = model
        self.voters: dict[str, bytes] = {}
        self.batch: list[tuple[object, ...]] = []

    def article(self, article_id: int, spec: ThreadSpec, published: float) -> None:
        self.conn.execute(
            "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)", (article_id, uri(spec.slug), spec.title)
        )

    def comments(self, article_id: int, spec: ThreadSpec, rows: list[Row]) -> None:
        for row in rows:
            name, email, website, address = self.model.people[row.person]
            if address not in self.voters:
                self.voters[address] = populate.bloom_with(address)
            parent = None if row.parent is None else row.root
            self.batch.append(
                (
                    article_id,
                    row.id,
                    parent,
                    row.created,
                    1 if row.approved else 2,
                    address,
                    self.model.bodies[row.body],
                    name,
                    email,
                    website,
                    row.likes,
                    row.dislikes,
                    self.voters[address],
                )
            )
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany(self._COMMENT, self.batch)
        self.batch.clear()

    def close(self) -> None:
        self.flush()
        self.conn.execute("COMMIT")
        self.conn.close()


def uri(slug: str) -> str:
    """The Isso thread URI of a parley article slug."""
    return f"/bench/{slug}/"


def fresh(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def generate(specs: list[ThreadSpec], *, parley: Path, isso: Path | None, seed: int, pool: int) -> dict[str, object]:
    """Write the model to both databases; returns a summary."""
    began = time.perf_counter()
    total = sum(spec.approved + spec.pending for spec in specs)
    model = Model(seed, total, pool)
    writers: list[ParleyWriter | IssoWriter] = [ParleyWriter(parley, model)]
    if isso is not None:
        writers.append(IssoWriter(isso, model))
    for number, spec in enumerate(specs, start=1):
        published = START + 3600.0 * number
        rows = model.thread(spec, published + 60.0)
        for writer in writers:
            writer.article(number, spec, published)
            writer.comments(number, spec, rows)
    for writer in writers:
        writer.close()
    return {
        "parley": str(parley),
        "isso": None if isso is None else str(isso),
        "seed": seed,
        "articles": len(specs),
        "comments": total,
        "pending": sum(spec.pending for spec in specs),
        "distinct_bodies": len(model.bodies),
        "seconds": round(time.perf_counter() - began, 2),
        "parley_bytes": size(parley),
        "isso_bytes": None if isso is None else size(isso),
    }


def size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (f"{path}", f"{path}-wal") if os.path.exists(p))


def arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parley", type=Path, required=True, help="parley SQLite file (migrated if new)")
    ap.add_argument("--isso", type=Path, help="also write this Isso SQLite file with the same comments")
    ap.add_argument("--shape", action="append", required=True, choices=["t200", "t5000", "counts", "queue", "scale"])
    ap.add_argument("--comments", type=int, default=1_000_000, help="scale: comments in all (default 1,000,000)")
    ap.add_argument("--articles", type=int, help="scale: articles (default comments / 100)")
    ap.add_argument("--pending", type=int, help="queue: pending comments (10,000); scale: default comments / 100")
    ap.add_argument("--bodies", type=int, default=20_000, help="distinct comment bodies at most (default 20,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fresh", action="store_true", help="delete the database files first")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    specs = shapes(args.shape, comments=args.comments, articles=args.articles, pending=args.pending)
    if args.fresh:
        fresh(args.parley)
        if args.isso is not None:
            fresh(args.isso)
    summary = generate(specs, parley=args.parley, isso=args.isso, seed=args.seed, pool=args.bodies)
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
