"""The rules of webhook delivery (CONTRACT sections 6 and 10): the body and its
signature, when to retry, when to give up, and each endpoint's circuit."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from domain.values import Document

SIGNATURE_HEADER = "Appointments-Signature"
TIMEOUT_SECONDS = 10.0
MAX_BACKOFF_DOUBLINGS = 40
"""Past this many failures the exponential ceiling is far above the cap."""


def render_body(item: Document) -> str:
    """The feed item exactly as ``GET /v1/events`` renders it (compact JSON)."""
    return json.dumps(item, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def signature(secret: str, timestamp: int, body: str) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    signed = f"{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt came to: ``error`` is None for a ``2xx`` within
    the timeout, else says what went wrong (``status_code`` when one came)."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None


class Sender(Protocol):
    def send(self, url: str, body: str, headers: dict[str, str]) -> Outcome:
        """POST ``body`` to ``url``; never raises for a failed delivery."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the n-th retry waits a uniformly
    random time up to ``first_retry_ms * 2**(n-1)``, at most ``max_interval_ms``;
    an event failing for ``give_up_after_ms`` disables its endpoint."""

    first_retry_ms: int = 2_000
    max_interval_ms: int = 3_600_000
    give_up_after_ms: int = 24 * 3_600_000

    def delay_ms(self, failures: int, draw: Callable[[], float]) -> int:
        doublings = min(max(failures - 1, 0), MAX_BACKOFF_DOUBLINGS)
        ceiling = min(self.max_interval_ms, self.first_retry_ms * 2**doublings)
        return int(draw() * ceiling)

    def gives_up(self, failing_since: int, now_ms: int) -> bool:
        return now_ms - failing_since >= self.give_up_after_ms


class Circuit:
    """One endpoint's circuit breaker. Closed: any number of sends. After
    ``threshold`` failures in a row it opens for a backoff delay, then lets
    one probe through (half-open); the probe's success closes it."""

    def __init__(
        self,
        policy: RetryPolicy,
        draw: Callable[[], float],
        *,
        threshold: int = 5,
    ) -> None:
        self.policy = policy
        self.draw = draw
        self.threshold = threshold
        self.failures = 0
        self.open_until: int | None = None
        self.probing = False
        self._lock = threading.Lock()

    def room(self, now_ms: int, limit: int) -> int:
        """How many sends may start now, out of ``limit`` free slots."""
        with self._lock:
            if self.open_until is None:
                return limit
            if limit <= 0 or self.probing or now_ms < self.open_until:
                return 0
            self.probing = True
            return min(limit, 1)

    def succeeded(self) -> None:
        with self._lock:
            self.failures, self.open_until, self.probing = 0, None, False

    def failed(self, now_ms: int) -> None:
        with self._lock:
            self.failures += 1
            self.probing = False
            if self.failures >= self.threshold:
                opened = self.failures - self.threshold + 1
                self.open_until = now_ms + max(
                    self.policy.delay_ms(opened, self.draw), 1
                )

    def reopens_at(self) -> int | None:
        """When an open circuit lets its next probe through (None: closed)."""
        with self._lock:
            return None if self.probing else self.open_until
