"""Idempotent requests: the port that remembers a key's first response."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

KEY_LIFETIME_HOURS = 24


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str]


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
