"""The status machine (CONTRACT section 6)."""

from __future__ import annotations

from domain.errors import InvalidStatusTransition
from domain.values import Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SCHEDULED: frozenset(
        {
            Status.CONFIRMED,
            Status.CHECKED_IN,
            Status.IN_PROGRESS,
            Status.CANCELLED,
            Status.NO_SHOW,
        }
    ),
    Status.CONFIRMED: frozenset(
        {Status.CHECKED_IN, Status.IN_PROGRESS, Status.CANCELLED, Status.NO_SHOW}
    ),
    Status.CHECKED_IN: frozenset(
        {Status.IN_PROGRESS, Status.CANCELLED, Status.NO_SHOW}
    ),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}


def check_transition(current: Status, requested: Status) -> None:
    if requested not in TRANSITIONS[current]:
        raise InvalidStatusTransition(current.value, requested.value)


def can_move(current: Status, requested: Status) -> bool:
    return requested in TRANSITIONS[current]
