"""Idempotent requests: the port that remembers a key's first response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from application.queries import AppointmentState
from domain.appointment import Appointment

KEY_LIFETIME_HOURS = 24


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class KeyedResponse:
    """A key's response, to record with the events of the command it answers."""

    key: str
    response: StoredResponse


@dataclass(frozen=True)
class Receipt:
    """How a keyed request answers its command's success. The command records
    that answer in the transaction that records its events, so a process
    that dies after the commit cannot leave the key open to run twice."""

    key: str
    answer: Callable[[AppointmentState], StoredResponse]


def answer(receipt: Receipt | None, appointment: Appointment) -> KeyedResponse | None:
    """The key's response to ``appointment`` as changed and about to be
    saved, to record with its events."""
    if receipt is None:
        return None
    state = AppointmentState(dict(appointment.document), appointment.version)
    return KeyedResponse(receipt.key, receipt.answer(state))


class ClaimOutcome(Enum):
    OWNED = "owned"  # this request runs the command
    REPLAY = "replay"  # a finished first request: return its response
    MISMATCH = "mismatch"  # the key was used with another request
    BUSY = "busy"  # the first request is still running


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    def claim(self, key: str, fingerprint: str) -> Claim:
        """Own the key, or learn what became of the request that owns it."""
        ...

    def complete(self, key: str, response: StoredResponse) -> None:
        """Remember the response to replay for this key."""
        ...

    def release(self, key: str) -> None:
        """Forget a claim whose request failed, so that a retry can run."""
        ...
