"""Domain errors: each carries a stable `code`; the HTTP edge maps codes to statuses in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the rules can give; `detail` is safe to show to the caller."""

    code = "domain_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} {key!r}")
        self.what = what


class Erased(DomainError):
    """What was asked for existed once and was erased on its author's behalf."""

    code = "erased"


class InvalidInput(DomainError):
    """A value passed the wire schema but breaks a rule; `field` names it."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CommentsClosed(DomainError):
    code = "comments_closed"


class Banned(DomainError):
    code = "banned"


class Forbidden(DomainError):
    """The edit token is missing or wrong, the edit window has passed, or the comment can no longer change."""

    code = "forbidden"


class Duplicate(DomainError):
    code = "duplicate"


class Conflict(DomainError):
    """The comment is not in the state the caller expected, or the move is not allowed."""

    code = "conflict"


class ParentWaiting(DomainError):
    """A reply to the author's own comment that still waits for a moderator: there is nothing to reply under yet."""

    code = "parent_awaiting_moderation"

    def __init__(self, comment_id: int) -> None:
        super().__init__(f"your comment {comment_id} waits for a moderator; reply to it once it is approved")


class IdempotencyMismatch(DomainError):
    code = "idempotency_mismatch"


class AlreadyExists(DomainError):
    code = "already_exists"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """What was asked needs something this site does not run (e-mail, say)."""

    code = "unavailable"
