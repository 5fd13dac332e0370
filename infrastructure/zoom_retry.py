"""Sending one request to Zoom with bounded retries.

Zoom answers ``429`` when a rate limit is hit, with a ``Retry-After`` header
that is either a number of seconds or a timestamp (its rate-limit page shows
``Retry-After: 2020-05-31T00:00:00Z`` for a daily limit). A rate-limited
request was not carried out, so it is always safe to send it again. Server
errors, timeouts and broken connections are retried only for idempotent
requests: a ``POST`` that timed out may already have created a meeting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from application.ports import VideoProviderUnavailable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    max_total_wait: float = 10.0
    rate_limit_wait: float = 1.0
    """Wait after a ``429`` that carries no usable ``Retry-After``."""
    error_wait: float = 0.5
    """Wait before repeating an idempotent request after a 5xx or a timeout."""


@dataclass
class TimeSource:
    """How retries pause, and the wall-clock time (epoch seconds) that a
    ``Retry-After`` date is measured from; tests replace either."""

    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time


@dataclass(frozen=True)
class Failed:
    """An attempt that did not succeed; ``wait`` is ``None`` when not to retry."""

    error: VideoProviderUnavailable
    wait: float | None


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    what: str,
    idempotent: bool,
    policy: RetryPolicy,
    time_source: TimeSource,
) -> httpx.Response:
    """Zoom's first answer below 500 other than ``429``.

    Raises ``VideoProviderUnavailable`` once retrying is not allowed (a failed
    ``POST``) or the attempts or the waiting budget run out.
    """
    attempt, waited = 1, 0.0
    while True:
        outcome = _attempt(send, what, idempotent, policy, time_source)
        if isinstance(outcome, httpx.Response):
            return outcome
        wait = _next_wait(outcome, attempt, waited, policy)
        if wait is None:
            raise outcome.error
        time_source.sleep(wait)
        attempt, waited = attempt + 1, waited + wait


def _next_wait(
    outcome: Failed, attempt: int, waited: float, policy: RetryPolicy
) -> float | None:
    """How long to wait before the next attempt, or ``None`` to give up."""
    if outcome.wait is None or attempt >= policy.max_attempts:
        return None
    if waited + outcome.wait > policy.max_total_wait:
        return None
    return outcome.wait


def _attempt(
    send: Callable[[], httpx.Response],
    what: str,
    idempotent: bool,
    policy: RetryPolicy,
    time_source: TimeSource,
) -> httpx.Response | Failed:
    try:
        response = send()
    except httpx.HTTPError as error:
        return Failed(
            transport_failure(what, error), policy.error_wait if idempotent else None
        )
    if response.status_code == 429:
        failure = rate_limited(what, response, time_source.wall())
        wait = failure.retry_after
        return Failed(failure, policy.rate_limit_wait if wait is None else wait)
    if response.status_code >= 500:
        failure = provider_error(what, response, time_source.wall())
        return Failed(failure, policy.error_wait if idempotent else None)
    return response


def transport_failure(what: str, error: httpx.HTTPError) -> VideoProviderUnavailable:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    detail = str(error) or type(error).__name__
    failure = VideoProviderUnavailable(f"Zoom {what} {kind}: {detail}")
    failure.__cause__ = error
    return failure


def rate_limited(
    what: str, response: httpx.Response, now: float
) -> VideoProviderUnavailable:
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    return VideoProviderUnavailable(
        f"Zoom {what} was rate-limited (HTTP 429): {describe(response)}",
        retry_after=retry_after,
    )


def provider_error(
    what: str, response: httpx.Response, now: float
) -> VideoProviderUnavailable:
    return VideoProviderUnavailable(
        f"Zoom {what} failed with HTTP {response.status_code}: {describe(response)}",
        retry_after=parse_retry_after(response.headers.get("Retry-After"), now),
    )


def describe(response: httpx.Response) -> str:
    """Zoom's error body ``{"code": ..., "message": ...}`` in one short line."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if not isinstance(body, dict):
        return response.reason_phrase or "no details"
    message = body.get("message") or body.get("reason") or response.reason_phrase
    code = body.get("code") or body.get("error")
    return f"{message} (code {code})" if code is not None else str(message)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait, from delta-seconds, an HTTP date or an ISO 8601 time."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    moment = _parse_moment(text)
    return None if moment is None else max(0.0, moment.timestamp() - now)


def _parse_moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
