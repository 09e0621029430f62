"""E-mail that never leaks unapproved text: reply notices, the moderators' digest, and what each letter says."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from parley.domain import shapes
from parley.domain.identity import Hasher
from parley.domain.outbox import Channel, NewItem
from parley.domain.ports import Tx
from parley.domain.records import AuditEvent, Status


class Letter(msgspec.Struct, frozen=True, kw_only=True):
    """An e-mail as the outbox keeps it until it is sent; the mail adapter writes the headers."""

    to: str
    subject: str
    text: str
    unsubscribe_url: str | None = None


class MailConfig(msgspec.Struct, frozen=True, kw_only=True):
    """What the site's e-mail may do: send at all, to which moderators, and how often they hear."""

    enabled: bool = False
    site_url: str = ""
    moderators: tuple[str, ...] = ()
    digest_minutes: float = 0.0
    export_link_hours: float = 24.0
    export_every_minutes: float = 15.0


def shows_first(event: AuditEvent) -> bool:
    """Readers see the comment after this event and did not just before: posted approved, approved, restored."""
    return event.to_status is Status.APPROVED and (event.action == "create" or event.from_status is not Status.APPROVED)


def enters_queue(event: AuditEvent) -> bool:
    """A moderator has something new to look at: a comment held, an edit held again, or readers' flags."""
    held = event.to_status is Status.PENDING and event.action in ("create", "hold")
    return held or event.action == "flag_threshold"


def unsubscribe_url(hasher: Hasher, config: MailConfig, address: str) -> str:
    """The one-click link that stops reply notices to this mailbox; it names only the mailbox's keyed hash."""
    return f"{config.site_url}/api/v1/unsubscribe/{hasher.sign('unsubscribe', hasher.mailbox(address))}"


async def reply_notice(tx: Tx, event: AuditEvent, hasher: Hasher, config: MailConfig, now: datetime) -> NewItem | None:
    """The e-mail to the author of the comment answered, if they asked for it: only for a reply readers now see,
    on a published article, never to someone answering themselves or who has opted out."""
    assert event.comment_id is not None
    reply = await tx.comments.get(event.comment_id)
    if reply is None or reply.parent_id is None or not reply.visible:
        return None
    parent = await tx.comments.get(reply.parent_id)
    if parent is None or not parent.author_email or not parent.email_hash or parent.status is Status.REMOVED:
        return None
    if not shapes.is_mailbox(parent.author_email):
        return None  # an address that is not one bare mailbox is never written to
    if parent.email_hash == reply.email_hash or not await tx.outbound.watched(parent.id):
        return None
    if await tx.outbound.opted_out(hasher.mailbox(parent.author_email)):
        return None
    article = await tx.articles.by_id(reply.article_id)
    if article.published_at > now:
        return None
    link = f"{config.site_url}/articles/{article.slug}#parley-c-{reply.id}"
    text = (
        f"{reply.author_name} replied to your comment on “{article.title}”:\n\n{reply.body}\n\n"
        f"Read and answer it: {link}\n\n"
        f"You asked to hear of replies when you commented. To stop these e-mails: "
        f"{unsubscribe_url(hasher, config, parent.author_email)}\n"
    )
    letter = Letter(
        to=parent.author_email,
        subject=f"New reply to your comment on “{article.title}”",
        text=text,
        unsubscribe_url=unsubscribe_url(hasher, config, parent.author_email),
    )
    return NewItem(
        channel=Channel.MAIL,
        kind="reply",
        message_id=f"reply-{reply.id}",  # once per reply, however often it is hidden and shown again
        payload=msgspec.json.encode(letter),
        due_at=now,
        created_at=now,
        recipient=parent.author_email,
        email_hash=parent.email_hash,
        comment_id=reply.id,
        event_id=event.id,
    )


def moderators_digest(events: list[AuditEvent], config: MailConfig, now: datetime) -> list[NewItem]:
    """One e-mail per moderator saying how much entered the queues: counts and a link, never a comment's text
    (what waits for a moderator is by definition not approved)."""
    held = sum(1 for event in events if enters_queue(event) and event.action != "flag_threshold")
    flagged = sum(1 for event in events if event.action == "flag_threshold")
    if not held and not flagged:
        return []
    parts = [f"{held} comment(s) held for review"] if held else []
    parts += [f"{flagged} comment(s) flagged by readers"] if flagged else []
    text = f"Since the last notice: {' and '.join(parts)}.\n\nOpen the moderation console: {config.site_url}/admin/\n"
    letters = []
    for number, address in enumerate(config.moderators):
        letter = Letter(to=address, subject=f"parley: {held + flagged} new in the moderation queues", text=text)
        letters.append(
            NewItem(
                channel=Channel.MAIL,
                kind="moderators",
                message_id=f"moderators-{events[-1].id}-{number}",
                payload=msgspec.json.encode(letter),
                due_at=now,
                created_at=now,
                recipient=address,
                event_id=events[-1].id,
            )
        )
    return letters


def export_token(hasher: Hasher, address: str, expires: datetime) -> str:
    """A link token naming the address's moderation hash (to find its comments) and its mailbox hash (to keep
    only those written with this very mailbox)."""
    named = hasher.email(address) + hasher.mailbox(address)[:32]
    return hasher.sign("export", named, expires=int(expires.timestamp()))


def export_letter(to: str, email_hash: str, hasher: Hasher, config: MailConfig, now: datetime) -> NewItem:
    """The link to everything an address wrote, signed and valid for `export_link_hours`."""
    expires = now + timedelta(hours=config.export_link_hours)
    token = export_token(hasher, to, expires)
    text = (
        f"Someone (we hope you) asked for every comment written with this e-mail address.\n\n"
        f"Download them (JSON) until {expires:%Y-%m-%d %H:%M} UTC:\n{config.site_url}/api/v1/exports/{token}\n\n"
        f"If you did not ask, ignore this e-mail: nothing is shown to anyone without this link.\n"
    )
    letter = Letter(to=to, subject="Your comments: the download you asked for", text=text)
    return NewItem(
        channel=Channel.MAIL,
        kind="export",
        message_id=f"export-{email_hash[:16]}-{int(now.timestamp() * 1000)}",
        payload=msgspec.json.encode(letter),
        due_at=now,
        created_at=now,
        recipient=to,
        email_hash=email_hash,
    )
