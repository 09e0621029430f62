"""The state machine: every allowed move and every refused one, from the contract's table."""

from __future__ import annotations

import itertools

import pytest

from parley.domain import transitions
from parley.domain.errors import Conflict
from parley.domain.records import Removal, Status
from parley.domain.transitions import MODERATOR_ACTIONS, Action

P, A, R, S, X = Status.PENDING, Status.APPROVED, Status.REJECTED, Status.SPAM, Status.REMOVED

# The contract: pending -> approved | rejected | spam | removed; approved -> rejected | spam | removed;
# rejected | spam | removed -> restore (to the status held before).
ALLOWED = {
    (Action.APPROVE, P): A,
    (Action.REJECT, P): R,
    (Action.SPAM, P): S,
    (Action.REMOVE, P): X,
    (Action.REJECT, A): R,
    (Action.SPAM, A): S,
    (Action.REMOVE, A): X,
}


@pytest.mark.parametrize(("action", "current"), list(ALLOWED))
def test_allowed_moderator_moves(action: Action, current: Status) -> None:
    assert transitions.target(action, current, None) is ALLOWED[action, current]


REFUSED = [
    (action, current)
    for action, current in itertools.product(MODERATOR_ACTIONS, Status)
    if (action, current) not in ALLOWED and not (action is Action.RESTORE and current in (R, S, X))
]


@pytest.mark.parametrize(("action", "current"), REFUSED)
def test_every_other_moderator_move_is_a_conflict(action: Action, current: Status) -> None:
    with pytest.raises(Conflict):
        transitions.target(action, current, None)


@pytest.mark.parametrize("current", [R, S, X])
@pytest.mark.parametrize("before", [P, A])
def test_restore_returns_to_the_status_held_before(current: Status, before: Status) -> None:
    assert transitions.target(Action.RESTORE, current, before) is before


def test_restore_of_a_comment_stored_as_spam_sends_it_to_the_queue() -> None:
    assert transitions.target(Action.RESTORE, S, None) is P


def test_leaving_a_visible_or_waiting_state_remembers_it() -> None:
    assert transitions.remembered(Action.REMOVE, A, X, None) is A
    assert transitions.remembered(Action.SPAM, P, S, None) is P
    assert transitions.remembered(Action.RESTORE, X, A, A) is None


@pytest.mark.parametrize("current", list(Status))
def test_a_purge_removes_from_any_status_and_forgets_what_a_restore_would_return_to(current: Status) -> None:
    assert transitions.target(Action.PURGE, current, A) is X
    assert transitions.remembered(Action.PURGE, current, X, A) is None


@pytest.mark.parametrize("removed_by", [Removal.ERASURE, Removal.AUTHOR])
def test_a_comment_erased_or_deleted_by_its_author_cannot_be_restored(removed_by: Removal) -> None:
    with pytest.raises(Conflict):
        transitions.target(Action.RESTORE, X, A, removed_by=removed_by)


def test_a_comment_a_moderator_removed_is_restored_to_what_it_was() -> None:
    assert transitions.target(Action.RESTORE, X, A, removed_by=Removal.MODERATOR) is A
    assert transitions.target(Action.RESTORE, X, None, removed_by=Removal.MODERATOR) is P


def test_approving_an_approved_comment_is_allowed_only_to_settle_its_flags() -> None:
    assert transitions.target(Action.APPROVE, A, None, flagged=True) is A
    with pytest.raises(Conflict):
        transitions.target(Action.APPROVE, A, None, flagged=False)


@pytest.mark.parametrize(
    ("action", "current", "to"), [(Action.HOLD, A, P), (Action.DELETE, P, X), (Action.DELETE, A, X)]
)
def test_rule_and_author_moves(action: Action, current: Status, to: Status) -> None:
    assert transitions.target(action, current, None) is to


@pytest.mark.parametrize("current", [P, R, S, X])
def test_a_rule_can_hold_only_an_approved_comment(current: Status) -> None:
    with pytest.raises(Conflict):
        transitions.target(Action.HOLD, current, None)
