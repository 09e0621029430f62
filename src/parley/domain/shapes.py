"""The shapes of what people type (slugs, ids, names, bodies, e-mail and web addresses): one pattern each.

Patterns mean the same to msgspec (Python's `re`) and to OpenAPI tools (ECMA-262 regexes): no `$`, which Python
also matches before a final newline ("Ann\\n" would pass as a name), and no `\\s`, whose members differ.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from parley.domain import text

END = r"(?![\s\S])"
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

ID = rf"^[1-9][0-9]{{0,15}}{END}"
SLUG = rf"^[a-z0-9]+(?:-[a-z0-9]+)*{END}"

# No control characters, no bidi overrides (they let a name spoof the text around it), not blank.
_NOT_IN_NAME = r"\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069"
# At least one character that shows (text.INVISIBLE is what does not), as the rules require too.
_SHOWS = rf"[^{text.invisible_class()}]"
NAME = rf"^[^{_NOT_IN_NAME}]*{_SHOWS}[^{_NOT_IN_NAME}]*{END}"
# Tabs and newlines are text; other control characters are not.
_NOT_IN_BODY = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
BODY = rf"^[^{_NOT_IN_BODY}]*{_SHOWS}[^{_NOT_IN_BODY}]*{END}"

# Any other text a person types (notes, reasons, titles, article bodies): no control characters but tabs and
# newlines. NUL especially: PostgreSQL cannot store it, and both engines must answer alike.
TEXT = rf"^[^{_NOT_IN_BODY}]*{END}"
# One line: a title, a filter, a slug as typed into an address.
LINE = rf"^[^{_NOT_IN_NAME}]*{END}"

_NOT_IN_EMAIL = rf"@{SPACE}\x00-\x1f\x7f"
EMAIL = rf"^[^{_NOT_IN_EMAIL}]{{1,64}}@[^{_NOT_IN_EMAIL}]+\.[^{_NOT_IN_EMAIL}]+{END}"
EMAIL_OR_NOTHING = rf"^{END}|{EMAIL}"
# What parley sends e-mail to: one bare mailbox (no display name, comment, group or list), so the address a
# reader typed can never name a second recipient or another mailbox than the one it spells.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00a1-\uffff-]+"
_LABEL = r"[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff-]*[A-Za-z0-9\u00a1-\uffff])?"
MAILBOX = rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+{END}"
EMAIL_LENGTH = 254

# A web address that stays one attribute value wherever it is written: no quotes, angle brackets, backticks,
# backslashes, braces, spaces or controls; a host of letters (IDN too), digits, dots and hyphens; a real port.
_NOT_IN_URL = rf"{SPACE}\x00-\x1f\x7f\"'<>\\^`{{|}}"
# A port from 0 to 65535. No IPv6 literal: no reader's homepage is one, and a pattern cannot tell a real one.
_PORT = r"(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))"
_HOST = rf"[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff.-]*){_PORT}{{0,1}}"
URL_OR_NOTHING = rf"^{END}|^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?:[/?#][^{_NOT_IN_URL}]*){{0,1}}{END}"
# Where a webhook is sent: such an address, never empty, with no fragment (a server never sees one).
HOOK_URL = rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?:[/?][^{_NOT_IN_URL}#]*){{0,1}}{END}"

# A network as a moderator names one to ban; `networks.parse` then reads it exactly.
ADDRESS = rf"^[0-9A-Fa-f:.]{{2,45}}(?:/[0-9]{{1,3}}){{0,1}}{END}"

# A moderator token's name is the actor in the audit log: one printable line with no colon, so never one of the
# actors parley itself writes (`rule:<name>`).
MODERATOR = r"\w[\w .@-]{0,63}"
# An origin exactly as a browser sends it in `Origin`.
ORIGIN = r"https?://[a-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?"

_EMAIL = re.compile(EMAIL)
_MAILBOX = re.compile(MAILBOX)
_SLUG = re.compile(SLUG)
_MODERATOR = re.compile(MODERATOR)
_ORIGIN = re.compile(ORIGIN)


def is_mailbox(value: str) -> bool:
    """Whether `value` is one bare mailbox e-mail can be sent to (see MAILBOX)."""
    return len(value) <= EMAIL_LENGTH and _MAILBOX.match(value) is not None


def is_email(value: str) -> bool:
    """Whether `value` is an e-mail address as readers may give one."""
    return len(value) <= EMAIL_LENGTH and _EMAIL.match(value) is not None


def is_slug(value: str) -> bool:
    return len(value) <= 200 and _SLUG.match(value) is not None


def is_moderator_name(value: str) -> bool:
    return _MODERATOR.fullmatch(value) is not None and value == value.strip()


def is_origin(value: str) -> bool:
    return _ORIGIN.fullmatch(value) is not None


def is_url(url: str) -> bool:
    """Whether an address URL_OR_NOTHING admitted also reads as one: a real IPv6 literal, a port below 65536."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading it checks its range
        host = parts.netloc.rpartition("@")[2]
        if host.startswith("["):
            ipaddress.IPv6Address(host[1 : host.index("]")])
    except ValueError:
        return False
    return True


def normal_url(url: str) -> str:
    """One spelling of an address URL_OR_NOTHING admitted: its scheme and host in lower case, the rest as typed."""
    scheme, _, rest = url.partition("://")
    cut = min((at for at in (rest.find(mark) for mark in "/?#") if at >= 0), default=len(rest))
    return f"{scheme.lower()}://{rest[:cut].lower()}{rest[cut:]}"
