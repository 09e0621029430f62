"""E-mail over SMTP: a letter from the outbox with its headers, RFC 8058 one-click unsubscribe included."""

from __future__ import annotations

import time
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib
import msgspec

from parley.domain import shapes
from parley.domain.notices import Letter
from parley.domain.outbox import Item, Outcome

_LETTER = msgspec.json.Decoder(Letter)


# Long header lines are kept whole rather than encoded: a List-Unsubscribe URL folded into RFC 2047 words is one
# no mail client would find.
_POLICY = policy.SMTP.clone(max_line_length=998, cte_type="7bit")


def message(item: Item, sender: str, now: datetime) -> EmailMessage:
    """The e-mail a letter is; header values come from checked addresses and text without line breaks."""
    letter = _LETTER.decode(item.payload)
    if not shapes.is_mailbox(letter.to):
        raise ValueError("the recipient is not one plain e-mail address")
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = sender
    mail["To"] = letter.to
    mail["Subject"] = " ".join(letter.subject.split())
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{item.message_id}@{sender.rpartition('@')[2]}>"
    mail["Auto-Submitted"] = "auto-generated"
    if letter.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(letter.text)
    return mail


class MailSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        security: Literal["none", "starttls", "tls"],
        sender: str,
        timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._login = (username, password) if username else None
        self._security = security
        self._sender = sender
        self._timeout = timeout

    async def send(self, item: Item, now: datetime) -> Outcome:
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        try:
            mail = message(item, self._sender, now)
            # The one recipient is named here, never read back from the To header.
            await aiosmtplib.send(
                mail.as_bytes(),  # as written with our policy: aiosmtplib's own would fold long headers
                sender=self._sender,
                recipients=[str(mail["To"])],
                hostname=self._host,
                port=self._port,
                username=None if self._login is None else self._login[0],
                password=None if self._login is None else self._login[1],
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPResponseException as refused:
            code, error = refused.code, f"the SMTP server answered {refused.code}: {refused.message}"[:300]
        except (aiosmtplib.SMTPException, OSError, ValueError) as failed:
            error = f"{type(failed).__name__}: {failed}"[:300]
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(ok=error is None, started_at=now, duration_ms=elapsed, status_code=code, error=error)
