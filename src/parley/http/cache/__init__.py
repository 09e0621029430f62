"""Remembered answers: encoded thread pages and comment counts, kept per server process.

One home for every cache of answers: `answers.py` (the rules: bounded, built once at a time, served stale for
at most a second while a rebuild runs), `pages.py` and `counts.py` (what a key is and how an answer is built),
`fastpath.py` (answering a repeated request before Litestar parses it).
"""
