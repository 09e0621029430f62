"""Disqus and WordPress exports (XML from elsewhere) read as threads of comments to import, element by element,
with entity expansion, DTDs and external references refused (defusedxml)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from parley.domain.importing import ImportedComment, ImportedThread
from parley.domain.records import Status

Dropped = Counter[str]


def _local(tag: str) -> str:
    """An element's or attribute's name without its namespace: exports differ in their namespace versions."""
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _ref(element: Element | None) -> str | None:
    """The `dsq:id` an element points with."""
    if element is None:
        return None
    return next((value for key, value in element.attrib.items() if _local(key) == "id"), None)


def _events(path: str) -> Iterator[Element]:
    for _, element in iterparse(path, events=("end",), forbid_dtd=True):
        yield element


def _instant(value: str, layout: str | None = None) -> datetime | None:
    try:
        moment = datetime.strptime(value, layout) if layout else datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment if 1970 <= moment.year <= 9998 else None


def _true(value: str) -> bool:
    return value.strip().lower() == "true"


def disqus(path: str) -> tuple[list[ImportedThread], Dropped]:
    """A Disqus export: `<thread dsq:id>` elements with their link and title, then `<post>`s naming a thread and
    perhaps a parent. Deleted posts become removed comments, spam stays spam; bodies are HTML."""
    dropped: Dropped = Counter()
    threads: dict[str, tuple[str, str]] = {}
    posts: dict[str, list[ImportedComment]] = {}
    for element in _events(path):
        name = _local(element.tag)
        if name == "thread" and _child(element, "link") is not None:
            key = _ref(element) or ""
            threads[key] = (_text(element, "link"), _text(element, "title"))
            posts.setdefault(key, [])
            element.clear()
        elif name == "post":
            thread = _ref(_child(element, "thread")) or ""
            created = _instant(_text(element, "createdAt"))
            if created is None:
                dropped["comment with an impossible date: dropped"] += 1
                element.clear()
                continue
            author = _child(element, "author")
            state = Status.SPAM if _true(_text(element, "isSpam")) else Status.APPROVED
            if _true(_text(element, "isDeleted")):
                state = Status.REMOVED
            posts.setdefault(thread, []).append(
                ImportedComment(
                    key=_ref(element) or _text(element, "id"),
                    parent_key=_ref(_child(element, "parent")),
                    created_at=created,
                    state=state,
                    author="" if author is None else _text(author, "name"),
                    email="" if author is None else _text(author, "email"),
                    website="",
                    body=_text(element, "message"),
                    address=_text(element, "ipAddress"),
                    html=True,
                )
            )
            element.clear()
    found = []
    for key, comments in posts.items():
        if key not in threads:
            dropped["comment of no thread: dropped"] += len(comments)
            continue
        uri, title = threads[key]
        found.append(ImportedThread(uri=uri, title=title, comments=comments))
    return found, dropped


# WordPress's comment_approved values.
_WP_STATES = {"1": Status.APPROVED, "0": Status.PENDING, "spam": Status.SPAM, "trash": Status.REMOVED}


def _paragraphs(content: str) -> str:
    """WordPress shows a comment with its line breaks as paragraphs and breaks (its `wpautop`)."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", content.replace("\r\n", "\n")) if block.strip()]
    return "".join("<p>" + block.replace("\n", "<br>\n") + "</p>\n" for block in blocks)


def wordpress(path: str) -> tuple[list[ImportedThread], Dropped]:
    """A WordPress export (WXR): each `<item>` a post with its `<link>`, its comments in `<wp:comment>`."""
    dropped: Dropped = Counter()
    found = []
    for element in _events(path):
        if _local(element.tag) != "item":
            continue
        comments = []
        for comment in (child for child in element if _local(child.tag) == "comment"):
            kind = _text(comment, "comment_type")
            if kind in ("pingback", "trackback"):
                dropped[f"{kind}: dropped"] += 1
                continue
            created = _instant(_text(comment, "comment_date_gmt"), "%Y-%m-%d %H:%M:%S")
            if created is None:
                dropped["comment with an impossible date: dropped"] += 1
                continue
            parent = _text(comment, "comment_parent")
            comments.append(
                ImportedComment(
                    key=_text(comment, "comment_id"),
                    parent_key=None if parent in ("", "0") else parent,
                    created_at=created,
                    state=_WP_STATES.get(_text(comment, "comment_approved")),
                    author=_text(comment, "comment_author"),
                    email=_text(comment, "comment_author_email"),
                    website=_text(comment, "comment_author_url"),
                    body=_paragraphs(_text(comment, "comment_content")),
                    address=_text(comment, "comment_author_IP"),
                    html=True,
                )
            )
        if comments:
            found.append(ImportedThread(uri=_text(element, "link"), title=_text(element, "title"), comments=comments))
        element.clear()
    return found, dropped
