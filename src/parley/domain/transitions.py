"""The comment state machine: every status change anywhere is checked against this one table."""

from __future__ import annotations

from enum import StrEnum

from parley.domain.errors import Conflict
from parley.domain.records import Removal, Status


class Action(StrEnum):
    """What moves a comment: moderators' decisions, the rules on edit, and the author's delete."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE = "remove"
    RESTORE = "restore"
    HOLD = "hold"
    DELETE = "delete"
    PURGE = "purge"


class ModeratorAction(StrEnum):
    """The decisions a moderator may send; the rules, the author and a purge have moves of their own."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE = "remove"
    RESTORE = "restore"


MODERATOR_ACTIONS = tuple(Action(action.value) for action in ModeratorAction)
SETTLES_FLAGS = (*MODERATOR_ACTIONS, Action.PURGE)

P, A, R, S, X = Status.PENDING, Status.APPROVED, Status.REJECTED, Status.SPAM, Status.REMOVED

# (action, from) -> to; RESTORE's target is the status held before, so it maps to None here.
# HOLD is a rule sending an edited comment back to the queue; DELETE is the author's own removal;
# PURGE erases an author on request: from any status to removed, for good.
TRANSITIONS: dict[tuple[Action, Status], Status | None] = {
    (Action.APPROVE, P): A,
    (Action.REJECT, P): R,
    (Action.REJECT, A): R,
    (Action.SPAM, P): S,
    (Action.SPAM, A): S,
    (Action.REMOVE, P): X,
    (Action.REMOVE, A): X,
    (Action.RESTORE, R): None,
    (Action.RESTORE, S): None,
    (Action.RESTORE, X): None,
    (Action.HOLD, A): P,
    (Action.DELETE, P): X,
    (Action.DELETE, A): X,
    (Action.DELETE, S): X,  # a spammer deleting their own comment sees what any author would
    **{(Action.PURGE, status): X for status in Status},
}

# Where a restore goes when the earlier status is not one it may return to (a comment stored straight as spam).
_RESTORE_DEFAULT = P


# Who a move to `removed` is by; a removal by its author or by an erasure is final.
REMOVERS = {Action.REMOVE: Removal.MODERATOR, Action.DELETE: Removal.AUTHOR, Action.PURGE: Removal.ERASURE}
_FINAL = {
    Removal.ERASURE: "this comment was purged at its author's request and cannot be restored",
    Removal.AUTHOR: "its author deleted this comment, and it stays deleted",
}


def target(
    action: Action,
    current: Status,
    previous: Status | None,
    *,
    flagged: bool = False,
    removed_by: Removal | None = None,
) -> Status:
    """The status `action` moves a comment to from `current`, or Conflict if the table forbids it."""
    if action is Action.APPROVE and current is A and flagged:
        return A  # keeping a reported comment is a decision too: it settles the flags
    key = (action, current)
    if key not in TRANSITIONS:
        raise Conflict(f"cannot {action.value} a comment that is {current.value}")
    if action is Action.RESTORE and current is X and removed_by in _FINAL:
        raise Conflict(_FINAL[removed_by])
    to = TRANSITIONS[key]
    if to is None:
        to = previous if previous in (P, A) else _RESTORE_DEFAULT
    return to


def remembered(action: Action, current: Status, to: Status, previous: Status | None) -> Status | None:
    """The status a later restore returns to: kept when leaving a visible or waiting state; a purge forgets it."""
    if action is Action.PURGE:
        return None
    if to in (R, S, X) and current in (P, A):
        return current
    if to in (P, A):
        return None
    return previous
