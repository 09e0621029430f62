#!/usr/bin/env python3
"""Fill an Isso 0.14 SQLite database directly, for benchmarks.

Standard library only: run it with any python3 (>= 3.8).

Two shapes:

  one big thread
    populate.py --db DB --thread /bench/big/ --comments 200 --top 60 --max-depth 3

  many threads (e.g. for POST /count with 50 URIs)
    populate.py --db DB --threads 50 --per-thread 20
        URIs are --uri-template formatted with i = 1..K ("/bench/post-{i}/").

Both shapes can be given in the same call. A thread whose URI already exists
is replaced (its comments are deleted first), so re-running is idempotent;
--fresh deletes the whole database file first.

Schema: created the way Isso 0.14 creates it (tables threads, comments,
preferences; trigger remove_stale_threads; PRAGMA user_version = 5; no
indexes besides the implicit ones), plus the "session-key" preference, so
that Isso starts on the file without migrating anything. If the file already
holds an Isso database (e.g. created by Isso itself), it is used as is.

Nesting: the generator builds a logical reply tree (top-level comments have
depth 0, a reply to a depth-d comment has depth d+1, d+1 <= --max-depth), but
stores `parent` the way Isso's POST /new does: Isso replaces the requested
parent by its top-level ancestor (isso/db/comments.py, Comments.add -> _find),
so every stored reply points at a top-level comment and the thread is at most
two levels deep (the DB migration to version 3 flattened old data the same
way). GET /?uri=... therefore returns top-level comments, each with a flat
`replies` list.

Rows look like the ones Isso writes: mode=1 (accepted), float UNIX
timestamps, modified=NULL, remote_addr anonymized to /24 (x.y.z.0), voters =
Isso's 256-byte Bloom filter holding remote_addr, notification=0; author,
email and website are stored HTML-escaped as Isso does (the generated values
contain nothing that needs escaping). Text is stored raw (Markdown); Isso
renders it on every read.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sqlite3
import sys
import time

ISSO_DB_VERSION = 5

SCHEMA = [  # in the order Isso 0.14 runs them, byte-for-byte the same DDL text
    # isso/db/preferences.py
    "CREATE TABLE IF NOT EXISTS preferences (    key VARCHAR PRIMARY KEY, value VARCHAR );",
    # isso/db/threads.py
    "CREATE TABLE IF NOT EXISTS threads (     id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256))",
    # isso/db/comments.py, Comments.create_table_query("comments")
    """
            CREATE TABLE IF NOT EXISTS comments (
                tid REFERENCES threads(id),
                id INTEGER PRIMARY KEY,
                parent INTEGER,
                created FLOAT NOT NULL,
                modified FLOAT,
                mode INTEGER,
                remote_addr VARCHAR,
                text VARCHAR NOT NULL,
                author VARCHAR,
                email VARCHAR,
                website VARCHAR,
                likes INTEGER DEFAULT 0,
                dislikes INTEGER DEFAULT 0,
                voters BLOB NOT NULL,
                notification INTEGER DEFAULT 0
            );
        """,
]

TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS remove_stale_threads AFTER DELETE ON comments BEGIN"
    "     DELETE FROM threads WHERE id NOT IN (SELECT tid FROM comments); END"
)

# --------------------------------------------------------------------------
# deterministic fake content

FIRST = (
    "Ada Alan Barbara Brian Carla Chen Dana Diego Elena Emeka Fatima Felix Grace Hiro "
    "Ines Ivan Jana Jorge Kai Karin Lena Luis Maya Marek Nadia Nils Olga Omar Priya "
    "Pavel Quinn Rosa Ravi Sara Sven Tara Tomas Uma Viktor Wen Yusuf Zoe"
).split()
LAST = (
    "Abara Berg Costa Dubois Eriksen Fischer Garcia Haas Ito Jensen Kowalski Lindqvist "
    "Moreau Novak Okafor Petrov Quispe Rossi Santos Tanaka Umarov Vargas Weber Xu Yilmaz Zhang"
).split()
WORDS = (
    "the a an of to in for on with as by at from that this it is was are be not but "
    "or and if then so just really quite very more less most always never often "
    "server client cache query index thread comment reply page post author latency "
    "throughput database schema migration request response header cookie session "
    "markdown render template queue worker process async await event loop socket "
    "benchmark result number figure test build deploy config option default value "
    "think agree disagree point example case problem solution idea approach detail "
    "works fails breaks helps seems looks feels reads writes stores returns sends "
    "fast slow simple complex small large clean messy clear odd nice useful wrong right "
    "today yesterday later before after again still already maybe probably certainly"
).split()
LINK_HOSTS = ("example.com", "example.org", "example.net", "docs.example.com")
TLD_SITES = ("example.org", "example.net", "example.com")


def sentence(rng, lo=6, hi=16):
    n = rng.randint(lo, hi)
    words = [rng.choice(WORDS) for _ in range(n)]
    # sprinkle inline Markdown
    r = rng.random()
    if r < 0.15:
        i = rng.randrange(n)
        words[i] = "*%s*" % words[i]
    elif r < 0.25:
        i = rng.randrange(n)
        words[i] = "**%s**" % words[i]
    elif r < 0.35:
        i = rng.randrange(n)
        words[i] = "`%s()`" % words[i]
    elif r < 0.42:
        i = rng.randrange(n)
        words[i] = "[%s](https://%s/%s/%d)" % (
            words[i], rng.choice(LINK_HOSTS), rng.choice(WORDS), rng.randint(1, 999))
    s = " ".join(words)
    return s[0].upper() + s[1:] + rng.choice(".....?!")


def paragraph(rng):
    kind = rng.random()
    if kind < 0.10:
        return "> " + sentence(rng)
    if kind < 0.18:
        return "\n".join("- " + sentence(rng, 3, 8) for _ in range(rng.randint(2, 4)))
    if kind < 0.22:
        return "```\n%s = %d\n```" % (rng.choice(WORDS), rng.randint(0, 9999))
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))


def body(rng, lo=200, hi=600):
    """Markdown-ish text whose length is drawn uniformly from lo..hi (+-15
    chars): paragraphs (plain, quote, list, code block) with inline emphasis,
    code and links, then shorter sentences and words to land near the target."""
    target = rng.randint(lo, hi)
    text = ""
    for attempt in range(80):
        if len(text) >= target - 15:
            break
        p = paragraph(rng) if attempt < 30 else sentence(rng, 2, 6)
        sep = "\n\n" if text else ""
        if len(text) + len(sep) + len(p) <= min(hi, target + 15):
            text += sep + p
    while len(text) < max(lo, target - 15):
        w = rng.choice(WORDS)
        if len(text) + 1 + len(w) > hi:
            break
        text += (" " if text else "") + w
    return text


def bloom_with(key):
    """The 256-byte voters blob Isso stores for a new comment: a Bloom filter
    (2048 bits, 11 probes from one SHA-256 value) containing remote_addr."""
    arr = bytearray(256)
    h = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    for _ in range(11):
        bit = h & 2047
        arr[bit // 8] |= 1 << (bit % 8)
        h >>= 11
    return bytes(arr)


class Authors:
    def __init__(self, rng, count):
        self.people = []
        for i in range(count):
            first = FIRST[i % len(FIRST)]
            last = LAST[(i // len(FIRST)) % len(LAST)]
            # distinct display names even past len(FIRST) * len(LAST)
            serial = i // (len(FIRST) * len(LAST))
            name = "%s %s%s" % (first, last, " %d" % (serial + 1) if serial else "")
            slug = name.lower().replace(" ", ".")
            email = "%s@%s" % (slug, rng.choice(TLD_SITES)) if rng.random() < 0.6 else None
            website = ("https://%s/~%s" % (rng.choice(TLD_SITES), slug.replace(".", ""))
                       if rng.random() < 0.2 else None)
            addr = "%d.%d.%d.0" % (rng.randint(11, 223), rng.randint(0, 255), rng.randint(0, 255))
            self.people.append((name, email, website, addr))
        self.bloom = {}

    def pick(self, rng):
        person = rng.choice(self.people)
        addr = person[3]
        if addr not in self.bloom:
            self.bloom[addr] = bloom_with(addr)
        return person, self.bloom[addr]


def build_thread(rng, n, top, max_depth):
    """Return a list of (logical_parent_index or None, depth) in creation
    order. Index 0 is always top-level; the other top-level positions are
    drawn at random, every other comment replies to a uniformly chosen earlier
    comment whose depth is < max_depth."""
    if n <= 0:
        return []
    if not 1 <= top <= n:
        raise SystemExit("--top must be between 1 and --comments (got %d of %d)" % (top, n))
    if top < n and max_depth < 1:
        raise SystemExit("--max-depth 0 allows no replies, so --top must equal --comments")
    top_positions = set([0] + rng.sample(range(1, n), top - 1))
    shape = []
    eligible = []  # indexes of comments that may receive a reply
    for i in range(n):
        if i in top_positions:
            parent, depth = None, 0
        else:
            parent = rng.choice(eligible)
            depth = shape[parent][1] + 1
        shape.append((parent, depth))
        if depth < max_depth:
            eligible.append(i)
    return shape


def ensure_schema(con):
    have = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name IN ('threads','comments','preferences')")}
    if have and have != {"threads", "comments", "preferences"}:
        raise SystemExit("%s: partial Isso schema (%s); use --fresh" % (con, sorted(have)))
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if have and version != ISSO_DB_VERSION:
        raise SystemExit("existing database has user_version %d, expected %d (Isso 0.14); use --fresh"
                         % (version, ISSO_DB_VERSION))
    for stmt in SCHEMA:
        con.execute(stmt)
    con.execute(TRIGGER)
    if con.execute("SELECT 1 FROM preferences WHERE key='session-key'").fetchone() is None:
        # Isso would create it at first start; with several workers started
        # without --preload they could race on it, so create it here.
        con.execute("INSERT INTO preferences (key, value) VALUES (?, ?)",
                    ("session-key", os.urandom(24).hex()))
    con.execute("PRAGMA user_version = %d" % ISSO_DB_VERSION)


def options(argv):
    """The command line, and the threads it asks for as (uri, title, comments, top-level) jobs."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite file (created if missing)")
    ap.add_argument("--fresh", action="store_true", help="delete the database file first")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--thread", metavar="URI", help="one thread with --comments/--top/--max-depth")
    ap.add_argument("--comments", type=int, help="comments in --thread")
    ap.add_argument("--top", type=int, help="top-level comments (default: 30%% of the comments)")
    ap.add_argument("--max-depth", type=int, default=3,
                    help="deepest logical reply level (top-level = 0; default 3)")
    ap.add_argument("--threads", type=int, metavar="K", help="K threads with --per-thread comments each")
    ap.add_argument("--per-thread", type=int, metavar="N")
    ap.add_argument("--uri-template", default="/bench/post-{i}/",
                    help="URI of the i-th thread (i = 1..K) for --threads (default %(default)s)")
    ap.add_argument("--authors", type=int,
                    help="size of the author pool (default: half the comments written, at least 1)")
    ap.add_argument("--start", type=float, default=1704067200.0,
                    help="UNIX time of the first comment of the first thread (default 2024-01-01)")
    ap.add_argument("--min-chars", type=int, default=200)
    ap.add_argument("--max-chars", type=int, default=600)
    args = ap.parse_args(argv)

    jobs = []  # (uri, title, n, top)
    if args.thread:
        if args.comments is None:
            ap.error("--thread needs --comments")
        top = args.top if args.top is not None else max(1, math.ceil(args.comments * 0.3))
        jobs.append((args.thread, "Benchmark thread %s" % args.thread, args.comments, top))
    if args.threads:
        if args.per_thread is None:
            ap.error("--threads needs --per-thread")
        top = args.top if (args.top is not None and not args.thread) else max(1, math.ceil(args.per_thread * 0.3))
        for i in range(1, args.threads + 1):
            uri = args.uri_template.format(i=i)
            jobs.append((uri, "Benchmark post %d" % i, args.per_thread, min(top, args.per_thread)))
    if not jobs:
        ap.error("give --thread URI --comments N and/or --threads K --per-thread N")
    uris = [j[0] for j in jobs]
    if len(set(uris)) != len(uris):
        ap.error("duplicate URIs: %s" % sorted({u for u in uris if uris.count(u) > 1}))

    return args, jobs


def thread_rows(con, rng, authors, jobs, args, next_id):
    """Each job's thread inserted and its comments' rows made, with a summary of each thread."""
    rows = []
    summary = []
    clock = args.start
    for uri, title, n, top in jobs:
        tid = con.execute("INSERT INTO threads (uri, title) VALUES (?, ?)", (uri, title)).lastrowid
        shape = build_thread(rng, n, top, args.max_depth)
        ids = list(range(next_id, next_id + n))
        next_id += n
        root = []  # top-level ancestor id of each comment
        created = []
        depth_hist = {}
        t = clock
        for i, (parent, depth) in enumerate(shape):
            # comments arrive ~every 12 minutes on average; a reply is
            # always later than the comment it answers
            t += rng.expovariate(1 / 720.0) + rng.random()
            created.append(t)
            if parent is None:
                root.append(ids[i])
                stored_parent = None
            else:
                root.append(root[parent])
                stored_parent = root[parent]
            depth_hist[depth] = depth_hist.get(depth, 0) + 1
            (name, email, website, addr), voters = authors.pick(rng)
            likes = 0 if rng.random() < 0.6 else min(int(rng.expovariate(0.4)) + 1, 40)
            dislikes = 0 if rng.random() < 0.9 else rng.randint(1, 3)
            rows.append((
                tid, ids[i], stored_parent, t, None, 1, addr,
                body(rng, args.min_chars, args.max_chars),
                name, email, website, likes, dislikes, voters, 0,
            ))
        clock = t + 3600.0  # next thread starts an hour after this one's last comment
        summary.append({
            "uri": uri, "tid": tid, "comments": n, "top_level": top,
            "first_id": ids[0] if ids else None, "last_id": ids[-1] if ids else None,
            "logical_depths": {str(k): v for k, v in sorted(depth_hist.items())},
        })
    return rows, summary


def remove_database(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def main(argv=None):
    args, jobs = options(argv)
    uris = [j[0] for j in jobs]
    t0 = time.perf_counter()
    if args.fresh:
        remove_database(args.db)

    rng = random.Random(args.seed)
    total = sum(j[2] for j in jobs)
    authors = Authors(rng, args.authors or max(1, total // 2))

    # isolation_level=None: we issue BEGIN/COMMIT ourselves (one transaction)
    con = sqlite3.connect(args.db, isolation_level=None)
    # not persistent, only for this connection; journal_mode is left as Isso
    # expects it (rollback journal), WAL would stick to the file.
    con.execute("PRAGMA synchronous = OFF")
    con.execute("BEGIN IMMEDIATE")
    try:
        ensure_schema(con)
        # Replace threads that already exist. The stale-thread trigger runs
        # once per deleted row with two full scans, so drop it meanwhile.
        old = [r[0] for u in uris for r in con.execute("SELECT id FROM threads WHERE uri=?", (u,))]
        if old:
            con.execute("DROP TRIGGER IF EXISTS remove_stale_threads")
            con.executemany("DELETE FROM comments WHERE tid=?", [(t,) for t in old])
            con.executemany("DELETE FROM threads WHERE id=?", [(t,) for t in old])
            con.execute(TRIGGER)

        next_id = (con.execute("SELECT MAX(id) FROM comments").fetchone()[0] or 0) + 1
        rows, summary = thread_rows(con, rng, authors, jobs, args, next_id)
        con.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr,"
            " text, author, email, website, likes, dislikes, voters, notification)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        db_totals = None
        try:
            db_totals = con.execute("SELECT (SELECT COUNT(*) FROM threads), (SELECT COUNT(*) FROM comments)").fetchone()
        except sqlite3.Error:
            pass
        con.close()

    out = {
        "db": os.path.abspath(args.db),
        "seed": args.seed,
        "written_comments": len(rows),
        "db_threads": db_totals[0] if db_totals else None,
        "db_comments": db_totals[1] if db_totals else None,
        "seconds": round(time.perf_counter() - t0, 3),
        "threads": summary if len(summary) <= 5 else summary[:2] + [{"...": len(summary) - 3}] + summary[-1:],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
