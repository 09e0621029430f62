"""Atom feeds (RFC 4287) of the comments readers see: site-wide, and per article."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from parley.domain.feeds import Feed, FeedService
from parley.http.deps import ParleyRequest, parts_of
from parley.http.errors import problems
from parley.http.limits import READS
from parley.http.params import SlugPath

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "application/atom+xml; charset=utf-8"
_DOC = ResponseSpec(None, description="an Atom feed, newest first, at most 50 entries", media_type=MEDIA)
# What XML 1.0 cannot carry (U+FFFE, U+FFFF, lone surrogates) shows as U+FFFD in a feed; stored text keeps it.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(parent: ET.Element, name: str, value: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    element.text = _NOT_XML.sub("\ufffd", value)
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str = "") -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"href": href, "rel": rel, **({"type": kind} if kind else {})})


def render(feed: Feed, base: str, path: str) -> bytes:
    """The feed as Atom XML; every text is escaped by the serializer, every link absolute under `base`."""
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", base + path)
    article = feed.article
    _text(root, "title", "Comments" if article is None else f"Comments on {article.title}")
    _text(root, "updated", _instant(feed.updated))
    _link(root, base + path, "self", MEDIA.split(";")[0])
    _link(root, base + ("/" if article is None else f"/articles/{article.slug}"), "alternate", "text/html")
    _text(root, "generator", "parley")
    for entry in feed.entries:
        comment, on = entry.comment, entry.article
        item = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(item, "id", f"{base}/api/v1/comments/{comment.id}")
        _text(item, "title", f"{comment.author_name} on {on.title}")
        _text(item, "published", _instant(comment.created_at))
        _text(item, "updated", _instant(entry.updated))
        author = ET.SubElement(item, f"{{{ATOM}}}author")
        _text(author, "name", comment.author_name)
        if comment.author_url:
            _text(author, "uri", comment.author_url)
        _link(item, f"{base}/articles/{on.slug}#parley-c-{comment.id}", "alternate", "text/html")
        _text(item, "content", comment.body_html, type="html")
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _answer(request: ParleyRequest, feed: Feed) -> Response[bytes]:
    public = parts_of(request).public_url
    # Without PARLEY_PUBLIC_URL the links name the host this request named: no shared cache may keep that.
    base = public or str(request.base_url).rstrip("/")
    cache = "public, max-age=60" if public else "no-store"
    body = render(feed, base, request.url.path)
    return Response(body, media_type=MEDIA, headers={"Cache-Control": cache})


class FeedsController(Controller):
    path = "/feeds"
    tags = ["feeds"]
    opt = READS

    @get("/comments.atom", responses={200: _DOC, **problems(429)}, media_type=MEDIA)
    async def site(self, request: ParleyRequest, feeds: NamedDependency[FeedService]) -> Response[bytes]:
        """The newest comments readers see on any published article."""
        return _answer(request, await feeds.site())

    @get("/articles/{slug:str}/comments.atom", responses={200: _DOC, **problems(404, 422, 429)}, media_type=MEDIA)
    async def article(
        self, request: ParleyRequest, slug: SlugPath, feeds: NamedDependency[FeedService]
    ) -> Response[bytes]:
        """The newest comments readers see on one published article."""
        return _answer(request, await feeds.article(slug))
