"""The one way a comment changes status: checked against the table, stored with its counts, audited."""

from __future__ import annotations

from datetime import datetime

from parley.domain import transitions
from parley.domain.policy import Policy
from parley.domain.ports import Tx
from parley.domain.records import Comment, NewEvent, Status
from parley.domain.transitions import SETTLES_FLAGS, Action


def is_visible(status: Status, flagged: bool, policy: Policy) -> bool:
    """Readers see approved comments, unless enough flags hide them until a moderator decides."""
    return status is Status.APPROVED and not (flagged and policy.hide_flagged)


async def move(
    tx: Tx,
    comment: Comment,
    action: Action,
    *,
    actor: str,
    reason: str | None,
    policy: Policy,
    at: datetime,
) -> Comment:
    """Apply `action` to `comment` or raise Conflict; a moderator's decision (or a purge) also settles its flags."""
    to = transitions.target(
        action, comment.status, comment.previous_status, flagged=comment.flagged, removed_by=comment.removed_by
    )
    flagged = comment.flagged
    if action in SETTLES_FLAGS:
        # The flags that brought it to a moderator have been answered; only new readers' flags count again.
        await tx.flags.clear(comment.id, at=at)
        flagged = False
    changed = await tx.comments.set_state(
        comment,
        status=to,
        previous_status=transitions.remembered(action, comment.status, to, comment.previous_status),
        visible=is_visible(to, flagged, policy),
        flagged=flagged,
        removed_by=transitions.REMOVERS.get(action) if to is Status.REMOVED else None,
    )
    await tx.audit.append(NewEvent.about(comment, actor, action.value, to, reason, at))
    return changed
