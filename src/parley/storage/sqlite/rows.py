"""Turning comment rows into records, shared by the thread and queue queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from parley.domain.records import Comment, Status

COLUMNS = """c.id, c.article_id, c.parent_id, c.depth, c.path, c.status, c.previous_status, c.visible,
       c.visible_replies, c.author_name, c.author_email, c.author_url, c.email_hash, c.address_hash, c.body,
       c.body_html, c.created_at, c.edited_at, c.edit_token_hash, c.rules, c.flagged, c.author_token_hash,
       c.told_status"""
WIDTH = 23
"""How many columns COLUMNS names: what a query selects after them starts here."""


def comment(row: Sequence[Any]) -> Comment:
    return Comment(
        id=row[0],
        article_id=row[1],
        parent_id=row[2],
        depth=row[3],
        path=row[4],
        status=Status(row[5]),
        previous_status=None if row[6] is None else Status(row[6]),
        visible=bool(row[7]),
        visible_replies=row[8],
        author_name=row[9],
        author_email=row[10],
        author_url=row[11],
        email_hash=row[12],
        address_hash=row[13],
        body=row[14],
        body_html=row[15],
        created_at=datetime.fromisoformat(row[16]),
        edited_at=None if row[17] is None else datetime.fromisoformat(row[17]),
        edit_token_hash=row[18],
        rules=tuple(msgspec.json.decode(row[19])),
        flagged=bool(row[20]),
        author_token_hash=row[21],
        told_status=None if row[22] is None else Status(row[22]),
    )
